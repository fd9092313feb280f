/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consumer of the tls_events ring buffer: one per daemon, run by the
 * ring-buffer thread. It checks each record against the ABI in
 * enforcer/tls_event.h and hands it to a callback; a record that does not
 * fit is counted as malformed and skipped, never passed on.
 */
#ifndef ENFORCER_CAPTURE_H
#define ENFORCER_CAPTURE_H

#include "enforcer/tls_event.h"

/**
 * typedef enf_capture_fn - called once per TLS event
 * @ctx: the context given to enf_capture_new()
 * @ev: the event; @ev->data holds @ev->data_len valid bytes. It lives in the
 *	ring buffer and is valid only during the call: copy what is kept.
 *
 * Return: 0 to go on; a negative errno stops the current
 * enf_capture_consume() or enf_capture_poll(), which returns it (the event
 * counts as consumed).
 */
typedef int (*enf_capture_fn)(void *ctx, const struct enf_tls_event *ev);

/**
 * struct enf_capture_stats - what the consumer saw
 * @events: events handed to the callback
 * @malformed: records skipped because their size or data_len was wrong
 */
struct enf_capture_stats {
	__u64 events;
	__u64 malformed;
};

struct enf_capture;

/**
 * enf_capture_new() - set up a consumer of the tls_events ring buffer
 * @events_fd: the ring buffer map's fd (enf_tls_events_fd()); not taken over
 * @fn: called for every event
 * @ctx: passed to @fn
 * @out: set to the consumer on success
 *
 * Return: 0, or a negative errno.
 */
int enf_capture_new(int events_fd, enf_capture_fn fn, void *ctx,
		    struct enf_capture **out);

/**
 * enf_capture_free() - free a consumer
 * @cap: the consumer, may be NULL
 */
void enf_capture_free(struct enf_capture *cap);

/**
 * enf_capture_epoll_fd() - an fd that is readable when events are waiting
 * @cap: the consumer
 *
 * Add it to the caller's epoll set, and call enf_capture_consume() when it
 * is readable.
 *
 * Return: the fd, owned by @cap.
 */
int enf_capture_epoll_fd(const struct enf_capture *cap);

/**
 * enf_capture_consume() - handle every event waiting, without blocking
 * @cap: the consumer
 *
 * Return: the number of records consumed (malformed ones included), or a
 * negative errno: the callback's, if it stopped early.
 */
int enf_capture_consume(struct enf_capture *cap);

/**
 * enf_capture_poll() - wait up to @timeout_ms for events and handle them
 * @cap: the consumer
 * @timeout_ms: how long to wait; -1 waits for ever, 0 does not wait
 *
 * Return: as enf_capture_consume(); -EINTR when a signal interrupted the
 * wait.
 */
int enf_capture_poll(struct enf_capture *cap, int timeout_ms);

/**
 * enf_capture_get_stats() - read the consumer's counters
 * @cap: the consumer
 * @out: filled with the counters
 *
 * Safe to call from another thread than the one consuming; each counter is
 * read whole, the two are not a snapshot of one instant.
 */
void enf_capture_get_stats(const struct enf_capture *cap,
			   struct enf_capture_stats *out);

#endif /* ENFORCER_CAPTURE_H */
