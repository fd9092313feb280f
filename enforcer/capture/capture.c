// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "enforcer/common/clock.h"
#include "enforcer/capture/capture.h"

#define EV_HDR_SIZE offsetof(struct enf_tls_event, data)

struct enf_capture {
	struct ring_buffer *rb;
	enf_capture_fn fn;
	void *ctx;
	enf_capture_proc_fn proc_fn;
	void *proc_ctx;
	struct enf_capture_stats stats;
	__u64 last_wake_ns; /* when enf_capture_consume() last found records */
	struct enf_tls_wake *wake; /* the promise shared with the programs */
	__u64 until_ns; /* polling on our own until then; 0: not polling */
	__u64 last_poll_ns; /* the last consume while polling */
	unsigned int poll_ms; /* the interval of the promise */
};

/*
 * Under load, the kernel wakes the consumer for the first record after it
 * caught up, which at a few records a wakeup costs a context switch each
 * time on the CPUs the traced programs run on. When records came again
 * within CAPTURE_BATCH_NS of the last wakeup that found some, the consumer
 * lets them gather for that long before it reads again: one wakeup per
 * batch, at most that much latency added under load. A wakeup after a
 * quiet spell (an idle host, a lone request) is consumed at once.
 */
#define CAPTURE_BATCH_NS 500000ull

/*
 * With the programs told (enf_capture_set_wake()): after a consume that
 * found records, the consumer promises to poll every poll_ms (default
 * CAPTURE_POLL_MS) until two polls and a millisecond after the last one
 * that did (the promise outlasts two polls, so a poll is never late for
 * it), and records committed meanwhile wake nobody. Once it sleeps, the
 * first record wakes it at once, so a lone request at an idle host is
 * handled without delay. Asleep, it still looks once every
 * CAPTURE_IDLE_MS, for a record whose program was held up past the
 * promise's margin. Every poll under load is a wakeup, a context switch
 * on the CPUs the traced programs use, whatever it finds: a fixed share of
 * a CPU (about 45 us a wakeup here: under wrk the daemon's CPU a request
 * was 4.8-6.1 us polling every 2 ms, 3.0-3.2 every 10 ms, 0.055 and 0.013
 * wakeups a request). A record waits at most poll_ms under load.
 */
#define CAPTURE_POLL_MS 10
#define CAPTURE_POLL_MS_MAX 100
#define CAPTURE_IDLE_MS 1000

/*
 * The ring-buffer thread counts, the control thread reads: relaxed atomics
 * keep each counter whole without ordering anything else.
 */
static void stat_inc(__u64 *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

/*
 * The kernel side writes whole records, but the consumer does not trust a
 * length it did not check: data_len must fit the ABI, the record (whatever
 * its size class) and, from its offset, the call.
 */
bool enf_capture_record_ok(const void *rec, size_t size)
{
	const struct enf_tls_event *ev = rec;

	if (size < EV_HDR_SIZE || size > ENF_TLS_EVENT_SIZE(ENF_TLS_CHUNK))
		return false;
	if (ev->data_len > ENF_TLS_CHUNK || ev->data_len > size - EV_HDR_SIZE)
		return false;
	if ((__u64)ev->offset + ev->data_len > ev->len)
		return false;
	return ev->direction <= ENF_TLS_WRITE;
}

static int capture_record(void *ctx, void *data, size_t size)
{
	struct enf_capture *cap = ctx;
	const struct enf_tls_event *ev = data;

	if (!enf_capture_record_ok(ev, size)) {
		stat_inc(&cap->stats.malformed);
		return 0;
	}
	stat_inc(&cap->stats.events);
	return cap->fn(cap->ctx, ev);
}

static int capture_proc_record(void *ctx, void *data, size_t size)
{
	struct enf_capture *cap = ctx;
	const struct enf_proc_event *ev = data;

	if (size != sizeof(*ev) ||
	    (ev->type != ENF_PROC_EXEC && ev->type != ENF_PROC_EXIT)) {
		stat_inc(&cap->stats.proc_malformed);
		return 0;
	}
	stat_inc(&cap->stats.proc_events);
	return cap->proc_fn(cap->proc_ctx, ev);
}

int enf_capture_new(int events_fd, enf_capture_fn fn, void *ctx,
		    struct enf_capture **out)
{
	struct enf_capture *cap;
	int err;

	if (events_fd < 0 || !fn)
		return -EINVAL;
	cap = calloc(1, sizeof(*cap));
	if (!cap)
		return -ENOMEM;
	cap->fn = fn;
	cap->ctx = ctx;
	cap->poll_ms = CAPTURE_POLL_MS;
	cap->rb = ring_buffer__new(events_fd, capture_record, cap, NULL);
	if (!cap->rb) {
		err = -errno;
		goto out_free;
	}
	*out = cap;
	return 0;

out_free:
	free(cap);
	return err;
}

int enf_capture_add_proc(struct enf_capture *cap, int proc_events_fd,
			 enf_capture_proc_fn fn, void *ctx)
{
	if (proc_events_fd < 0 || !fn)
		return -EINVAL;
	if (cap->proc_fn)
		return -EBUSY;
	cap->proc_fn = fn;
	cap->proc_ctx = ctx;
	if (ring_buffer__add(cap->rb, proc_events_fd, capture_proc_record,
			     cap)) {
		int err = -errno;

		cap->proc_fn = NULL;
		cap->proc_ctx = NULL;
		return err;
	}
	return 0;
}

void enf_capture_free(struct enf_capture *cap)
{
	if (!cap)
		return;
	ring_buffer__free(cap->rb);
	free(cap);
}

int enf_capture_epoll_fd(const struct enf_capture *cap)
{
	return ring_buffer__epoll_fd(cap->rb);
}

void enf_capture_set_poll_ms(struct enf_capture *cap, unsigned int ms)
{
	cap->poll_ms = ms < 1			? 1 :
		       ms > CAPTURE_POLL_MS_MAX ? CAPTURE_POLL_MS_MAX :
						  ms;
}

void enf_capture_set_wake(struct enf_capture *cap, struct enf_tls_wake *wake)
{
	cap->wake = wake;
	cap->until_ns = 0;
	if (wake)
		__atomic_store_n(&wake->poll_until_ns, 0, __ATOMIC_RELEASE);
}

/*
 * A consume under the promise: found records extend it. The time is taken
 * before it starts: only a consume begun at or after the promised time
 * sees every record committed before then.
 */
static int consume_polling(struct enf_capture *cap)
{
	__u64 now = enf_mono_ns();
	int n = ring_buffer__consume(cap->rb);

	cap->last_poll_ns = now;
	if (n > 0) {
		cap->until_ns = now + (cap->poll_ms * 2 + 1) * 1000000ull;
		__atomic_store_n(&cap->wake->poll_until_ns, cap->until_ns,
				 __ATOMIC_RELEASE);
	}
	return n;
}

int enf_capture_timeout(struct enf_capture *cap)
{
	if (!cap->wake)
		return -1;
	if (!cap->until_ns)
		return CAPTURE_IDLE_MS;
	/* kept: one poll at or after the promised time */
	if (cap->last_poll_ns >= cap->until_ns) {
		cap->until_ns = 0;
		return CAPTURE_IDLE_MS;
	}
	return (int)cap->poll_ms;
}

int enf_capture_tick(struct enf_capture *cap)
{
	/* the event loop ticks after every wakeup, including the one whose
	 * consume just ran: a poll that recent is the promise kept */
	if (!cap->wake ||
	    enf_mono_ns() - cap->last_poll_ns < cap->poll_ms * 1000000ull / 2)
		return 0;
	return consume_polling(cap);
}

int enf_capture_consume(struct enf_capture *cap)
{
	struct timespec gather = { .tv_nsec = CAPTURE_BATCH_NS };
	__u64 now, last = cap->last_wake_ns;
	int n, more;

	if (cap->wake)
		return consume_polling(cap);
	n = ring_buffer__consume(cap->rb);
	if (n <= 0)
		return n;
	now = enf_mono_ns();
	cap->last_wake_ns = now;
	if (!last || now - last >= CAPTURE_BATCH_NS)
		return n;
	/* busy: what arrives meanwhile is read in one go, no wakeup each */
	nanosleep(&gather, NULL);
	more = ring_buffer__consume(cap->rb);
	if (more < 0)
		return more;
	cap->last_wake_ns = enf_mono_ns();
	return more > INT_MAX - n ? INT_MAX : n + more;
}

int enf_capture_poll(struct enf_capture *cap, int timeout_ms)
{
	return ring_buffer__poll(cap->rb, timeout_ms);
}

void enf_capture_get_stats(const struct enf_capture *cap,
			   struct enf_capture_stats *out)
{
	out->events = __atomic_load_n(&cap->stats.events, __ATOMIC_RELAXED);
	out->malformed =
		__atomic_load_n(&cap->stats.malformed, __ATOMIC_RELAXED);
	out->proc_events =
		__atomic_load_n(&cap->stats.proc_events, __ATOMIC_RELAXED);
	out->proc_malformed =
		__atomic_load_n(&cap->stats.proc_malformed, __ATOMIC_RELAXED);
}
