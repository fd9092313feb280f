/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * An optional Prometheus scrape endpoint: a small HTTP/1.x server on a
 * loopback address, one thread, one connection at a time, each under a
 * deadline. GET /metrics (a query string is ignored) answers with the text
 * the caller's function produces; HEAD /metrics with its headers only.
 * Nothing here logs: start() returns an error and a message, and what
 * happens to connections afterwards is counted (enf_metrics_http_stats()).
 */
#ifndef ENFORCER_CONTROL_METRICS_HTTP_H
#define ENFORCER_CONTROL_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

/* The largest request head (request line and header fields) read. */
#define ENF_METRICS_HTTP_MAX_HEAD 8192
/* The per-connection deadline when the options give 0. */
#define ENF_METRICS_HTTP_TIMEOUT_MS 2000

/*
 * Produces the exposition text: *@out malloc'd (the endpoint frees it),
 * *@len its length. Return: 0 or a negative errno (the client gets a 500).
 * Called on the endpoint's thread, once per GET or HEAD of /metrics.
 */
typedef int (*enf_metrics_fn)(void *ctx, char **out, size_t *len);

struct enf_metrics_http;

/**
 * struct enf_metrics_http_opts - where and how to listen
 * @addr: "127.0.0.1", "::1", or any address in 127.0.0.0/8; NULL for
 *	"127.0.0.1". Anything else is refused.
 * @port: TCP port; 0 for an ephemeral one (see enf_metrics_http_port())
 * @timeout_ms: the time a connection may take from accept to close (reading
 *	the request and writing the reply); 0 for ENF_METRICS_HTTP_TIMEOUT_MS
 */
struct enf_metrics_http_opts {
	const char *addr;
	uint16_t port;
	unsigned int timeout_ms;
};

/**
 * struct enf_metrics_http_stats - what became of the connections
 * @accepted: connections accepted
 * @served: 200 replies (GET or HEAD /metrics) written in full
 * @errors: connections answered with a 4xx or 5xx reply (400 malformed
 *	request line, 404 another path, 405 another method, 431 head over
 *	ENF_METRICS_HTTP_MAX_HEAD, 500 the function failed, 505 not HTTP/1.x),
 *	counted when the reply is chosen, whether or not the peer takes it
 * @fn_errors: of @errors, the 500s: the function returned an error
 * @timeouts: connections closed because the deadline passed before the
 *	request head arrived or before the reply was taken
 * @dropped: connections that ended otherwise early: the peer closed or
 *	reset before a whole head, or a reply could not be written, or the
 *	endpoint was stopped while serving one
 * @accept_errors: accept() failures other than a connection that went away
 *	(EMFILE, ENOBUFS...); the endpoint pauses briefly after each
 */
struct enf_metrics_http_stats {
	uint64_t accepted;
	uint64_t served;
	uint64_t errors;
	uint64_t fn_errors;
	uint64_t timeouts;
	uint64_t dropped;
	uint64_t accept_errors;
};

/**
 * enf_metrics_http_start() - listen and serve on a new thread
 * @o: address, port and deadline
 * @fn: produces the exposition text
 * @ctx: passed to @fn
 * @out: the endpoint, on success
 * @err: message buffer, filled on failure
 * @errlen: its size
 *
 * Return: 0; -EINVAL for an address that is not an IP address or not
 * loopback ("metrics endpoint must listen on loopback: ..."); or another
 * negative errno (bind: -EADDRINUSE, -EADDRNOTAVAIL...).
 */
int enf_metrics_http_start(const struct enf_metrics_http_opts *o,
			   enf_metrics_fn fn, void *ctx,
			   struct enf_metrics_http **out, char *err,
			   size_t errlen);

/* The port bound (the ephemeral one when the options gave 0). */
uint16_t enf_metrics_http_port(const struct enf_metrics_http *m);

/* A snapshot of the counters; callable from any thread. */
void enf_metrics_http_stats(const struct enf_metrics_http *m,
			    struct enf_metrics_http_stats *s);

/*
 * Stops the thread (promptly, even while it serves a connection, which is
 * then closed), closes the socket, frees @m. Accepts NULL.
 */
void enf_metrics_http_stop(struct enf_metrics_http *m);

#endif /* ENFORCER_CONTROL_METRICS_HTTP_H */
