/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of the control socket: a thread that accepts
 * connections, admits only root and members of the control group
 * (SO_PEERCRED / SO_PEERGROUPS), reads framed requests and answers each with
 * the handler registered for its "cmd".
 */
#ifndef ENFORCER_CONTROL_SERVER_H
#define ENFORCER_CONTROL_SERVER_H

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/**
 * struct enf_ctl_peer - who is asking
 * @pid: peer process
 * @uid: its effective uid
 * @gid: its effective gid
 */
struct enf_ctl_peer {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

/*
 * A command handler. @args is the request's "args" object (never NULL: an
 * empty object when absent). Returns the reply: enf_ctl_ok(result) or
 * enf_ctl_err("..."). Runs on the control thread.
 */
typedef json_t *(*enf_ctl_handler)(void *ctx, const json_t *args,
				   const struct enf_ctl_peer *peer);

struct enf_ctl_command {
	const char *name;
	enf_ctl_handler fn;
};

/* Reply builders; enf_ctl_ok steals the reference to @result (NULL = {}). */
json_t *enf_ctl_ok(json_t *result);
json_t *enf_ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

struct enf_ctl_server;

/**
 * struct enf_ctl_server_opts - what the control thread serves
 * @path: socket path; its directory is created (0755) when missing. A stale
 *	socket is replaced; a live one (another daemon answers) is an error.
 * @group: the group admitted besides root; if it does not exist only root is
 *	admitted (and a warning is logged)
 * @cmds: command table, kept by reference
 * @n_cmds: its entries
 * @ctx: passed to every handler and to @on_wake
 * @wake_fd: an fd (an eventfd) the control thread also waits on, -1 for none
 * @on_wake: called on the control thread when @wake_fd is readable; it
 *	must drain @wake_fd. Work that must not run on the caller's thread
 *	(building a rule set on SIGHUP) is handed over this way.
 * @io_timeout_ms: time a peer has to send a whole request and to take a
 *	whole reply; 0 for ENF_CTL_IO_TIMEOUT_MS
 */
struct enf_ctl_server_opts {
	const char *path;
	const char *group;
	const struct enf_ctl_command *cmds;
	size_t n_cmds;
	void *ctx;
	int wake_fd;
	void (*on_wake)(void *ctx);
	int io_timeout_ms;
};

/**
 * enf_ctl_server_start() - listen and serve on a new thread
 * Connections are served one at a time; each request must arrive, and each
 * reply be taken, within the I/O timeout, and a connection is closed
 * after ENF_CTL_MAX_REQUESTS_PER_CONN requests, so no peer holds the thread.
 * Return: 0 or a negative errno.
 */
int enf_ctl_server_start(const struct enf_ctl_server_opts *opts,
			 struct enf_ctl_server **out);

/* Stops the thread, closes and unlinks the socket. Accepts NULL. */
void enf_ctl_server_stop(struct enf_ctl_server *s);

#endif /* ENFORCER_CONTROL_SERVER_H */
