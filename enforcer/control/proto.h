/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control protocol between enforcerctl and enforcerd: over a Unix stream
 * socket, each message is a 4-byte big-endian length and that many bytes of
 * one JSON object. A request is {"cmd": "object.verb", "args": {...}}; a
 * reply is {"ok": true, "result": ...} or {"error": "..."}.
 */
#ifndef ENFORCER_CONTROL_PROTO_H
#define ENFORCER_CONTROL_PROTO_H

#include <stddef.h>

#include <jansson.h>

/* The largest request the daemon reads and reply the client reads. */
#define ENF_CTL_MAX_REQUEST (1u << 20)
#define ENF_CTL_MAX_REPLY (64u << 20)
/* rule.add's named texts (enforcerctl rule import, one text a file): at
 * most this many in one request, each name at most this many bytes. All of
 * them travel in one request, so ENF_CTL_MAX_REQUEST bounds their bytes. */
#define ENF_CTL_RULE_TEXTS_MAX 4096
#define ENF_CTL_RULE_NAME_MAX 128
/* How long the daemon waits for a whole request (from the moment it starts
 * waiting for one), and for a reply to be taken. */
#define ENF_CTL_IO_TIMEOUT_MS 5000
/* Requests served on one connection before the daemon closes it. */
#define ENF_CTL_MAX_REQUESTS_PER_CONN 64
/* Replies to long operations (a rule set compile) may take this long. */
#define ENF_CTL_REPLY_TIMEOUT_MS 120000

/**
 * enf_ctl_write_msg() - send one framed JSON message
 * The whole message must be taken by the peer within ENF_CTL_IO_TIMEOUT_MS.
 * Return: 0, -ETIMEDOUT, or another negative errno.
 */
int enf_ctl_write_msg(int fd, const json_t *msg);
/* The same with another time limit for the whole message. */
int enf_ctl_write_msg_timeout(int fd, const json_t *msg, int timeout_ms);

/**
 * enf_ctl_read_msg() - receive one framed JSON message
 * @fd: the connection
 * @max: the largest payload accepted
 * @timeout_ms: the whole message must arrive within this time
 * @out: the parsed object, owned by the caller
 * @err: message buffer
 * @errlen: its size
 *
 * Return: 0; -ENODATA when the peer closed before a message began;
 * -EMSGSIZE over @max (the payload is not read); -EBADMSG when the payload
 * is not a JSON object; -ETIMEDOUT when @timeout_ms passed; another
 * negative errno on I/O failure.
 */
int enf_ctl_read_msg(int fd, size_t max, int timeout_ms, json_t **out,
		     char *err, size_t errlen);

/* Sets send and receive timeouts on @fd. */
int enf_ctl_set_timeouts(int fd, int ms);

/**
 * enf_ctl_call() - connect, send one request, wait for its reply
 * @path: the daemon's socket
 * @cmd: "object.verb"
 * @args: the request's arguments, or NULL; the reference is stolen
 * @reply: the reply object
 * @err: message buffer; on failure says what failed
 * @errlen: its size
 * Return: 0 when a reply arrived (which may itself carry "error"), or a
 * negative errno.
 */
int enf_ctl_call(const char *path, const char *cmd, json_t *args,
		 json_t **reply, char *err, size_t errlen);

#endif /* ENFORCER_CONTROL_PROTO_H */
