/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The consumer of the tls_events ring buffer (and, when asked, of
 * proc_events): one per daemon, run by the ring-buffer thread. It checks
 * each record against the ABI in enforcer/tls_event.h and hands it to a
 * callback; a record that does not fit is counted as malformed and
 * skipped, never passed on.
 *
 * tls_events records come in the size classes of the ABI (the header and
 * ENF_TLS_TINY, ENF_TLS_SMALL, ENF_TLS_MEDIUM or ENF_TLS_CHUNK data
 * bytes); any record is accepted whose @data_len fits in it, in
 * ENF_TLS_CHUNK and, with @offset, in the call's @len.
 */
#ifndef ENFORCER_CAPTURE_H
#define ENFORCER_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>

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
 * typedef enf_capture_proc_fn - called once per process event
 * @ctx: the context given to enf_capture_add_proc()
 * @ev: the exec or exit; valid only during the call
 *
 * Return: as enf_capture_fn.
 */
typedef int (*enf_capture_proc_fn)(void *ctx, const struct enf_proc_event *ev);

/**
 * struct enf_capture_stats - what the consumer saw
 * @events: events handed to the callback
 * @malformed: records skipped because their size or data_len was wrong
 * @proc_events: process events handed to the proc callback
 * @proc_malformed: proc_events records skipped (size or type wrong)
 */
struct enf_capture_stats {
	__u64 events;
	__u64 malformed;
	__u64 proc_events;
	__u64 proc_malformed;
};

struct enf_capture;

/**
 * enf_capture_record_ok() - whether a tls_events record may be handed on
 * @rec: the record as the ring buffer gives it
 * @size: its size
 *
 * The consumer does not trust a length it did not check: the record must
 * hold a whole header and be no bigger than the largest size class,
 * data_len must fit ENF_TLS_CHUNK and the record, offset + data_len must
 * fit the call's len, and the direction must be known. Records that fail
 * are counted as malformed and never passed on.
 *
 * Return: true when @rec is well formed.
 */
bool enf_capture_record_ok(const void *rec, size_t size);

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
 * enf_capture_add_proc() - consume proc_events too, on the same epoll fd
 * @cap: the consumer
 * @proc_events_fd: the proc_events map's fd (enf_tls_proc_events_fd());
 *	not taken over
 * @fn: called for every process event
 * @ctx: passed to @fn
 *
 * Return: 0; -EBUSY when a proc_events ring was already added; another
 * negative errno.
 */
int enf_capture_add_proc(struct enf_capture *cap, int proc_events_fd,
			 enf_capture_proc_fn fn, void *ctx);

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
 * enf_capture_consume() - handle every event waiting
 * @cap: the consumer
 *
 * Does not wait for events. Without enf_capture_set_wake(): when it found
 * some within half a millisecond of the last call that found some (records
 * arriving faster than they are consumed one by one), it sleeps that long
 * once and handles what arrived meanwhile, so that a busy ring buffer wakes
 * its consumer once a batch rather than once a few records; a call after a
 * quiet spell returns at once. With it, it never sleeps: records found
 * start (or extend) the promise to poll, kept by enf_capture_tick().
 *
 * Return: the number of records consumed (malformed ones included), or a
 * negative errno: the callback's, if it stopped early.
 */
int enf_capture_consume(struct enf_capture *cap);

/**
 * enf_capture_set_wake() - share the consumer's polling promise with the
 * programs
 * @cap: the consumer
 * @wake: enf_tls_wake() of the loader whose ring @cap reads, or NULL
 *
 * With @wake, the consumer is woken only when it sleeps: after a consume
 * that found records it promises to poll on its own (every 10 ms, or as
 * enf_capture_set_poll_ms() says, until two polls and a millisecond after
 * the last records), and the programs do not
 * wake it for records committed meanwhile. The caller keeps the promise:
 * it calls enf_capture_tick() whenever enf_capture_timeout() has passed
 * (struct enf_tls_wake). A record at an idle consumer still wakes it at
 * once.
 */
void enf_capture_set_wake(struct enf_capture *cap, struct enf_tls_wake *wake);

/**
 * enf_capture_set_poll_ms() - the interval of the polling promise
 * @cap: the consumer
 * @ms: 1 to 100 (clamped); 10 until set
 *
 * Under load a record waits at most this long; each poll is a wakeup of
 * the consumer, whatever it finds.
 */
void enf_capture_set_poll_ms(struct enf_capture *cap, unsigned int ms);

/**
 * enf_capture_timeout() - ms until enf_capture_tick() is due
 * @cap: the consumer
 *
 * Return: the poll interval (enf_capture_set_poll_ms()) while the consumer
 * promised to poll; a second while it sleeps
 * (a look for a record whose program was held up past the promise's
 * margin); -1 without enf_capture_set_wake().
 */
int enf_capture_timeout(struct enf_capture *cap);

/**
 * enf_capture_tick() - keep the polling promise: handle every event waiting
 * @cap: the consumer
 *
 * Does nothing when the last poll (a consume included) began under a
 * millisecond ago: the caller may tick after every wakeup of its loop.
 *
 * Return: as enf_capture_consume(); 0 without enf_capture_set_wake() or
 * when nothing was due.
 */
int enf_capture_tick(struct enf_capture *cap);

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
