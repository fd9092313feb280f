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

struct stream {
	struct enf_http1 *http;
	enum stream_kind kind;
	bool started;
};

struct event_ctx {
	struct enf_daemon *d;
	const struct enf_tls_event *ev;
	bool have_origin; /* filled when the event's first request completes */
	struct enf_req_origin origin;
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
	o->tuple = ev->tuple;
	o->ts_ns = ev->ts_ns;
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

	stat_inc(&d->stats.matches);
	enf_verdict_apply(d->verdict, req, m);
	return 0;
}

static int on_request(const struct enf_request *parsed, void *arg)
{
	struct event_ctx *ec = arg;
	struct enf_daemon *d = ec->d;
	struct enf_request req = *parsed;
	void *match_arg[2] = { &req, d };
	int ret;

	if (!ec->have_origin) {
		fill_origin(ec, ec->ev);
		ec->have_origin = true;
	}
	req.origin = &ec->origin;
	if (ec->origin.direction == ENF_REQ_OUTBOUND) {
		/* Requests this host's clients send: parsed, not yet matched
		 * (rules gain a DIRECTION variable later). */
		stat_inc(&d->stats.outbound_requests);
		return 0;
	}
	stat_inc(&d->stats.requests);
	pr_debug("request: pid %u %s %.*s %.*s", ec->origin.tgid,
		 ec->origin.comm, (int)req.method.len, req.method.ptr,
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
	key.tuple = ev->tuple;
	key.tgid = ev->tgid;
	key.fd = ev->fd;
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

int enf_pipeline_on_event(void *ctx, const struct enf_tls_event *ev)
{
	struct enf_daemon *d = ctx;
	struct event_ctx ec = { .d = d, .ev = ev };
	struct stream *s;

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
	if (!s) {
		pr_warn("flow: out of memory, event of pid %u dropped",
			ev->tgid);
		return 0;
	}
	if (!s->started && ev->data_len > 0) {
		s->started = true;
		if (ev->data_len >= 5 && memcmp(ev->data, "HTTP/", 5) == 0) {
			s->kind = STREAM_RESPONSES;
			stat_inc(&d->stats.response_streams);
		} else if (ev->data_len >= strlen(H2_PREFACE) &&
			   memcmp(ev->data, H2_PREFACE, strlen(H2_PREFACE)) ==
				   0) {
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
	if (ev->data_len)
		enf_http1_feed(s->http, ev->data, ev->data_len, on_request,
			       &ec);
	/* a cut call loses its bytes after its last record */
	if ((ev->flags & ENF_TLS_F_READ_FAULT) ||
	    ((ev->flags & ENF_TLS_F_TRUNCATED) &&
	     !(ev->flags & ENF_TLS_F_MORE))) {
		stat_inc(&d->stats.gaps);
		if (stream_reset(s))
			pr_warn("flow: out of memory resetting a stream");
	}
	return 0;
}
