// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event path: a TLS event is appended to its flow's stream, the stream's
 * HTTP parser hands out complete requests, each request is matched against
 * the active rule set and every match goes to the verdict stage. Runs on the
 * event thread only.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/capture/cgroup.h"
#include "enforcer/capture/proc_cache.h"
#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/flow/flow.h"
#include "enforcer/http/http1.h"
#include "enforcer/verdict/verdict.h"
#include "rules/rules.h"

/* What a stream turned out to carry, judged by its first bytes. */
enum stream_kind {
	STREAM_REQUESTS = 0, /* HTTP/1 requests: parsed and matched */
	STREAM_RESPONSES, /* HTTP/1 responses: not looked at yet */
	STREAM_HTTP2, /* HTTP/2: not inspected yet, counted */
};

/* How an HTTP/2 client's stream begins (RFC 9113, 3.4). */
#define H2_PREFACE "PRI * HTTP/2.0\r\n"

/*
 * One direction of one TLS session in one process. @next_seq is where the
 * next record should start: a record further on means bytes were lost (a
 * call cut at the cap, a record the ring buffer had no room for, plaintext
 * that could not be read), one before it repeats bytes already fed. @tuple
 * is the session's flow once a record carried it: a record of the same
 * session object on another flow is a new connection whose library reused
 * the object's address.
 */
struct stream {
	struct enf_http1 *http;
	enum stream_kind kind;
	bool started;
	bool have_seq;
	bool have_tuple;
	__u64 next_seq;
	struct enf_tuple tuple;
	__u64 sock_cookie;
};

struct event_ctx {
	struct enf_daemon *d;
	const struct enf_tls_event *ev;
	const struct stream *s;
	/*
	 * Filled at the event's first match, the one consumer (the verdict):
	 * the exe lookup reads /proc (the start time and the exe's inode,
	 * four system calls), which cost the daemon more than the rest of an
	 * event's work together when done for every request.
	 */
	bool have_origin;
	struct enf_req_origin origin;
	struct enf_cgroup_facts cg;
	char exe[PATH_MAX];
	char comm[ENF_COMM_LEN + 1];
};

static void stat_inc(uint64_t *c)
{
	__atomic_add_fetch(c, 1, __ATOMIC_RELAXED);
}

void enf_pipeline_free_flow(void *state)
{
	struct stream *s = state;

	if (!s)
		return;
	enf_http1_free(s->http);
	free(s);
}

static void fill_origin(struct event_ctx *ec, const struct enf_tls_event *ev)
{
	static const char *const lib_names[ENF_TLS_LIB_MAX] = ENF_TLS_LIB_NAMES;
	struct enf_req_origin *o = &ec->origin;

	memset(o, 0, sizeof(*o));
	memcpy(ec->comm, ev->comm, ENF_COMM_LEN);
	ec->comm[ENF_COMM_LEN] = '\0';
	if (enf_proc_cache_exe(ec->d->procs, ev->tgid, ec->exe,
			       sizeof(ec->exe)) < 0)
		ec->exe[0] = '\0';
	o->pid = ev->pid;
	o->tgid = ev->tgid;
	o->uid = ev->uid;
	o->cgroup_id = ev->cgroup_id;
	o->comm = ec->comm;
	o->exe = ec->exe;
	o->tls_lib = ev->lib < ENF_TLS_LIB_MAX ? lib_names[ev->lib] :
						 lib_names[0];
	o->direction = ev->direction == ENF_TLS_READ ? ENF_REQ_INBOUND :
						       ENF_REQ_OUTBOUND;
	/* The session's flow, also for a record that could not find its
	 * socket (a read served from the library's buffer). */
	if (!(ev->flags & ENF_TLS_F_NO_SOCKET)) {
		o->tuple = ev->tuple;
		o->sock_cookie = ev->sock_cookie;
	} else if (ec->s && ec->s->have_tuple) {
		o->tuple = ec->s->tuple;
		o->sock_cookie = ec->s->sock_cookie;
	}
	o->ts_ns = ev->ts_ns;
	if (ec->d->cgroups && ev->cgroup_id &&
	    !enf_cgroup_cache_lookup(ec->d->cgroups, ev->cgroup_id, ev->tgid,
				     &ec->cg)) {
		o->cgroup = ec->cg.path;
		o->container = ec->cg.container[0] ? ec->cg.container : NULL;
	}
}

/*
 * Bytes of the stream are missing (a call cut at the per-call cap, or a
 * record whose plaintext could not be read): the parser's framing cannot be
 * trusted past this point, so it starts over and resynchronises at the next
 * request line.
 */
static int stream_reset(struct stream *s)
{
	struct enf_http1 *fresh;
	int ret;

	ret = enf_http1_new(NULL, &fresh);
	if (ret)
		return ret;
	enf_http1_free(s->http);
	s->http = fresh;
	return 0;
}

static int on_match(const struct enf_rule_match *m, void *arg)
{
	const struct enf_request *req = ((void **)arg)[0];
	struct enf_daemon *d = ((void **)arg)[1];
	struct event_ctx *ec = ((void **)arg)[2];

	if (!ec->have_origin) {
		fill_origin(ec, ec->ev);
		ec->have_origin = true;
	}

	stat_inc(&d->stats.matches);
	enf_verdict_apply(d->verdict, req, m);
	return 0;
}

static int on_request(const struct enf_request *parsed, void *arg)
{
	struct event_ctx *ec = arg;
	struct enf_daemon *d = ec->d;
	struct enf_request req = *parsed;
	void *match_arg[3] = { &req, d, ec };
	int ret;

	/* filled by on_match() before the verdict reads it */
	req.origin = &ec->origin;
	if (ec->ev->direction != ENF_TLS_READ) {
		/* Requests this host's clients send: parsed, not yet matched
		 * (rules gain a DIRECTION variable later). */
		stat_inc(&d->stats.outbound_requests);
		return 0;
	}
	stat_inc(&d->stats.requests);
	pr_debug("request: pid %u %.*s %.*s %.*s", ec->ev->tgid, ENF_COMM_LEN,
		 ec->ev->comm, (int)req.method.len, req.method.ptr,
		 (int)(req.uri.len > 200 ? 200 : req.uri.len), req.uri.ptr);
	ret = enf_rules_match(d->rules, d->scratch, &req, on_match, match_arg);
	__atomic_store_n(&d->stats.pcre2_limit_hits,
			 enf_rules_scratch_limit_hits(d->scratch),
			 __ATOMIC_RELAXED);
	if (ret < 0) {
		stat_inc(&d->stats.match_errors);
		pr_warn("rules: matching failed: %s", strerror(-ret));
	}
	return 0;
}

static struct stream *stream_get(struct enf_daemon *d,
				 const struct enf_tls_event *ev)
{
	struct enf_flow_key key;
	struct stream *s;

	memset(&key, 0, sizeof(key));
	key.session = ev->session;
	key.tgid = ev->tgid;
	key.direction = ev->direction;
	s = enf_flow_get(d->flows, &key);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (enf_http1_new(NULL, &s->http) || enf_flow_put(d->flows, &key, s)) {
		enf_pipeline_free_flow(s);
		return NULL;
	}
	__atomic_store_n(&d->stats.flow_evictions, enf_flow_evictions(d->flows),
			 __ATOMIC_RELAXED);
	return s;
}

/* A new connection on @s's session object: the stream starts over. */
static int stream_restart(struct enf_daemon *d, struct stream *s)
{
	stat_inc(&d->stats.session_reuse);
	if (stream_reset(s))
		return -ENOMEM;
	s->started = false;
	s->kind = STREAM_REQUESTS;
	s->have_seq = false;
	s->have_tuple = false;
	s->sock_cookie = 0;
	return 0;
}

/*
 * Places @ev in its stream: a new connection on a reused session object
 * starts the stream over; a gap before @ev resets the parser (it
 * resynchronises at the next request line); bytes already fed are cut
 * from @ev. Sets *@data and *@len to what is left to feed.
 */
static int stream_place(struct enf_daemon *d, struct stream *s,
			const struct enf_tls_event *ev, const __u8 **data,
			__u32 *len)
{
	__u64 end = ev->seq + ev->data_len, skip;

	*data = ev->data;
	*len = ev->data_len;
	if (ev->seq == 0 && ev->offset == 0 && s->have_seq && s->next_seq > 0) {
		/* the capture starts a session's streams again at 0 for a
		 * new connection on a reused object, also one whose socket
		 * it could not see: the old flow is not this one's */
		if (stream_restart(d, s))
			return -ENOMEM;
	}
	if (!(ev->flags & ENF_TLS_F_NO_SOCKET)) {
		/* the library reused the object for another flow */
		if (s->have_tuple &&
		    memcmp(&s->tuple, &ev->tuple, sizeof(s->tuple)) &&
		    stream_restart(d, s))
			return -ENOMEM;
		s->have_tuple = true;
		s->tuple = ev->tuple;
		if (ev->sock_cookie)
			s->sock_cookie = ev->sock_cookie;
	}
	if (s->have_seq && ev->seq > s->next_seq) {
		stat_inc(&d->stats.gaps);
		if (stream_reset(s))
			return -ENOMEM;
	} else if (s->have_seq && ev->seq < s->next_seq) {
		skip = s->next_seq - ev->seq;
		if (skip >= ev->data_len) {
			*len = 0;
			return 0;
		}
		*data += skip;
		*len -= (__u32)skip;
		stat_inc(&d->stats.overlaps);
	}
	/* bytes of a call past the cap, or unreadable: the next record
	 * starts further on and shows the gap */
	if (!s->have_seq || end > s->next_seq)
		s->next_seq = end;
	s->have_seq = true;
	return 0;
}

int enf_pipeline_on_event(void *ctx, const struct enf_tls_event *ev)
{
	struct enf_daemon *d = ctx;
	/* not zeroed whole: its exe buffer alone is PATH_MAX bytes, and
	 * fill_origin() writes what a match reads */
	struct event_ctx ec;
	const __u8 *data;
	struct stream *s;
	__u32 len;

	ec.d = d;
	ec.ev = ev;
	ec.s = NULL;
	ec.have_origin = false;

	stat_inc(&d->stats.events);
	/* a call of several records counts once, by its first */
	if (ev->offset == 0) {
		__atomic_add_fetch(&d->stats.bytes, ev->len, __ATOMIC_RELAXED);
		if (ev->flags & ENF_TLS_F_TRUNCATED)
			stat_inc(&d->stats.truncated);
	}
	if (ev->flags & ENF_TLS_F_NO_SOCKET)
		stat_inc(&d->stats.no_socket);
	s = stream_get(d, ev);
	if (!s || stream_place(d, s, ev, &data, &len)) {
		pr_warn("flow: out of memory, event of pid %u dropped",
			ev->tgid);
		return 0;
	}
	ec.s = s;
	if (!s->started && len > 0) {
		s->started = true;
		if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
			s->kind = STREAM_RESPONSES;
			stat_inc(&d->stats.response_streams);
		} else if (len >= strlen(H2_PREFACE) &&
			   memcmp(data, H2_PREFACE, strlen(H2_PREFACE)) == 0) {
			s->kind = STREAM_HTTP2;
			if (__atomic_fetch_add(&d->stats.http2_streams, 1,
					       __ATOMIC_RELAXED) == 0)
				pr_warn("pid %u (%.16s) speaks HTTP/2, which is "
					"not inspected yet: such streams are "
					"counted in status as http2_streams",
					ev->tgid, ev->comm);
		}
	}
	if (s->kind != STREAM_REQUESTS)
		return 0;
	if (len)
		enf_http1_feed(s->http, data, len, on_request, &ec);
	return 0;
}
