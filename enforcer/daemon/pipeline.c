// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event path: a TLS event is appended to its flow's stream, the stream's
 * parser (HTTP/1 requests or responses, an HTTP/2 client or server side,
 * chosen by the stream's first bytes: stream_detect()) hands out complete
 * messages; each request is matched against the active rule set and every
 * match goes to the verdict stage; responses are counted. Runs on the event
 * thread only.
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
#include "enforcer/http/http2.h"
#include "enforcer/verdict/verdict.h"
#include "rules/rules.h"

/* What a stream turned out to carry, judged by its first bytes. */
enum stream_kind {
	STREAM_NEW = 0, /* no bytes yet */
	STREAM_REQUESTS, /* HTTP/1 requests: parsed, inbound ones matched */
	STREAM_RESPONSES, /* HTTP/1 responses: parsed, counted */
	STREAM_H2_CLIENT, /* HTTP/2 client to server: requests, as HTTP/1's */
	STREAM_H2_SERVER, /* HTTP/2 server to client: responses, counted */
};

/* How an HTTP/2 client's stream begins (RFC 9113, 3.4). */
#define H2_PREFACE "PRI * HTTP/2.0\r\n"
#define H2_FRAME_HEADER 9
#define H2_SETTINGS 0x4
/* the largest frame a peer sends before SETTINGS_MAX_FRAME_SIZE is raised */
#define H2_DEFAULT_MAX_FRAME 16384

/*
 * One direction of one TLS session in one process. @next_seq is where the
 * next record should start: a record further on means bytes were lost (a
 * call cut at the cap, a record the ring buffer had no room for, plaintext
 * that could not be read), one before it repeats bytes already fed. @tuple
 * is the session's flow once a record carried it: a record of the same
 * session object on another flow is a new connection whose library reused
 * the object's address. One parser at most, the one @kind names, made when
 * the kind is known. @h2_seen: the HTTP/2 parser's counters already added
 * to the daemon's (they are added as deltas after each feed, so the totals
 * run and nothing is counted twice when the parser goes). @pair: the
 * session's other direction once looked up, while both are in the flow
 * table (each points at the other; the one that leaves clears the other's).
 */
struct stream {
	struct enf_daemon *d;
	struct stream *pair;
	enum stream_kind kind;
	bool have_seq;
	bool have_tuple;
	__u64 next_seq;
	struct enf_tuple tuple;
	__u64 sock_cookie;
	char *exe; /* its process's executable, once looked up (NULL before) */
	union {
		struct enf_http1 *http;
		struct enf_http1_resp *resp;
		struct enf_http2 *h2;
	};
	struct enf_http2_counters h2_seen;
};

struct event_ctx {
	/* first: the callbacks that only count (responses, and requests of a
	 * flow leaving the table) are given a pointer to the daemon pointer */
	struct enf_daemon *d;
	const struct enf_tls_event *ev;
	struct stream *s;
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

static void stat_add(uint64_t *c, uint64_t n)
{
	if (n)
		__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* The HTTP/2 parser's counters since the last call, added to the daemon's. */
static void h2_account(struct enf_daemon *d, struct stream *s)
{
	struct enf_http2_counters c, *o = &s->h2_seen;

	enf_http2_counters(s->h2, &c);
	stat_add(&d->stats.h2_requests, c.requests - o->requests);
	stat_add(&d->stats.h2_responses, c.responses - o->responses);
	stat_add(&d->stats.h2_streams, c.streams - o->streams);
	stat_add(&d->stats.h2_refused, c.streams_refused - o->streams_refused);
	stat_add(&d->stats.h2_errors, c.errors - o->errors);
	stat_add(&d->stats.h2_hpack_errors, c.hpack_errors - o->hpack_errors);
	stat_add(&d->stats.h2_skipped, c.skipped - o->skipped);
	*o = c;
}

/* Every response, HTTP/1 or HTTP/2: counted by class. @arg points to the
 * daemon pointer (struct event_ctx starts with it). */
static int on_response(const struct enf_response *resp, void *arg)
{
	struct enf_daemon *d = *(struct enf_daemon **)arg;
	unsigned int cls = resp->status / 100;

	if (resp->status == 0)
		cls = ENF_RESP_BAD;
	else if (cls >= ENF_RESP_OTHER)
		cls = ENF_RESP_OTHER;
	stat_inc(&d->stats.responses);
	stat_inc(&d->stats.resp_class[cls]);
	if (resp->anomalies) {
		stat_inc(&d->stats.resp_anomalous);
		if (resp->anomalies & ENF_ANOM_H2_STATE_LOST)
			stat_inc(&d->stats.h2_state_lost);
	}
	return 0;
}

/* A request of a flow leaving the table: counted, not matched. */
static int on_request_unmatched(const struct enf_request *req, void *arg)
{
	struct enf_daemon *d = *(struct enf_daemon **)arg;

	stat_inc(&d->stats.h2_unmatched);
	if (req->anomalies) {
		stat_inc(&d->stats.anomalous);
		if (req->anomalies & ENF_ANOM_H2_STATE_LOST)
			stat_inc(&d->stats.h2_state_lost);
	}
	return 0;
}

/* Drops @s's parser, handing out what it holds: requests to @on_req,
 * responses counted; @ctx starts with the daemon pointer. */
static void stream_drop_parser(struct stream *s, enf_http1_cb on_req, void *ctx)
{
	switch (s->kind) {
	case STREAM_REQUESTS:
		enf_http1_free(s->http);
		break;
	case STREAM_RESPONSES:
		enf_http1_resp_finish(s->resp, on_response, ctx);
		enf_http1_resp_free(s->resp);
		break;
	case STREAM_H2_CLIENT:
	case STREAM_H2_SERVER:
		enf_http2_finish(s->h2, on_req, on_response, ctx);
		h2_account(s->d, s);
		enf_http2_free(s->h2);
		break;
	case STREAM_NEW:
		break;
	}
	s->http = NULL;
	s->kind = STREAM_NEW;
}

/*
 * The flow table's free callback (a flow evicted, or the table freed at
 * stop). It must not enter the rule engine from inside the table, so the
 * open HTTP/2 requests it hands out are counted (h2_unmatched), not
 * matched; a response cut here is counted as the parser hands it out.
 */
void enf_pipeline_free_flow(void *state)
{
	struct stream *s = state;

	if (!s)
		return;
	if (s->pair)
		s->pair->pair = NULL;
	stream_drop_parser(s, on_request_unmatched, &s->d);
	free(s->exe);
	free(s);
}

static void fill_origin(struct event_ctx *ec, const struct enf_tls_event *ev)
{
	static const char *const lib_names[ENF_TLS_LIB_MAX] = ENF_TLS_LIB_NAMES;
	struct enf_req_origin *o = &ec->origin;

	memset(o, 0, sizeof(*o));
	memcpy(ec->comm, ev->comm, ENF_COMM_LEN);
	ec->comm[ENF_COMM_LEN] = '\0';
	/* A stream is one process's TLS session, and a process keeps its
	 * executable until an execve() that ends its sessions: looked up
	 * (with /proc reads) once a stream, not once a request. */
	o->exe = ec->exe;
	if (ec->s && ec->s->exe)
		o->exe = ec->s->exe; /* the stream outlives the event */
	else if (enf_proc_cache_exe_at(ec->d->procs, ev->tgid, ev->ts_ns,
				       ec->exe, sizeof(ec->exe)) < 0)
		ec->exe[0] = '\0';
	else if (ec->s)
		ec->s->exe = strdup(ec->exe);
	o->pid = ev->pid;
	o->tgid = ev->tgid;
	o->uid = ev->uid;
	o->cgroup_id = ev->cgroup_id;
	o->comm = ec->comm;
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

/* The origin of @ec's record, filled once an event (it reads /proc for
 * the executable the first time a process is seen). */
static const struct enf_req_origin *event_origin(struct event_ctx *ec)
{
	if (!ec->have_origin) {
		fill_origin(ec, ec->ev);
		ec->have_origin = true;
	}
	return &ec->origin;
}

static int on_match(const struct enf_rule_match *m, void *arg)
{
	struct enf_request req = *(const struct enf_request *)((void **)arg)[0];
	struct enf_daemon *d = ((void **)arg)[1];
	struct event_ctx *ec = ((void **)arg)[2];

	/* the verdict and the audit always have it */
	req.origin = event_origin(ec);
	stat_inc(&d->stats.matches);
	enf_verdict_apply(d->verdict, &req, m);
	return 0;
}

static void flow_key(struct enf_flow_key *key, const struct enf_tls_event *ev,
		     __u8 direction)
{
	memset(key, 0, sizeof(*key));
	key->session = ev->session;
	key->tgid = ev->tgid;
	key->direction = direction;
}

static __u8 other_direction(__u8 direction)
{
	return direction == ENF_TLS_READ ? ENF_TLS_WRITE : ENF_TLS_READ;
}

/* The stream of @key, made (kind STREAM_NEW, no parser) when absent and
 * @create; NULL when absent or out of memory. */
static struct stream *stream_lookup(struct enf_daemon *d,
				    const struct enf_flow_key *key, bool create)
{
	struct stream *s;

	s = enf_flow_get(d->flows, key);
	if (s || !create)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->d = d;
	if (enf_flow_put(d->flows, key, s)) {
		free(s);
		return NULL;
	}
	__atomic_store_n(&d->stats.flow_evictions, enf_flow_evictions(d->flows),
			 __ATOMIC_RELAXED);
	return s;
}

/*
 * The other direction of the session of @ec's stream, made when absent and
 * @create; remembered by both, so a request's response is paired without a
 * lookup. Making it may evict the least recently used flow; @ec's stream
 * was used last, so that is never it (the daemon's table holds thousands).
 */
static struct stream *stream_pair(struct event_ctx *ec, bool create)
{
	struct enf_flow_key key;
	struct stream *p;

	if (ec->s->pair)
		return ec->s->pair;
	flow_key(&key, ec->ev, other_direction(ec->ev->direction));
	p = stream_lookup(ec->d, &key, create);
	if (p) {
		p->pair = ec->s;
		ec->s->pair = p;
	}
	return p;
}

/* Gives @s (kind STREAM_NEW) the parser of @kind; for HTTP/2, from the
 * start or from the middle. */
static int stream_set_kind(struct enf_daemon *d, struct stream *s,
			   enum stream_kind kind, bool midstream)
{
	enum enf_http2_side side = kind == STREAM_H2_CLIENT ? ENF_HTTP2_CLIENT :
							      ENF_HTTP2_SERVER;
	int ret = 0;

	switch (kind) {
	case STREAM_REQUESTS:
		ret = enf_http1_new(NULL, &s->http);
		break;
	case STREAM_RESPONSES:
		ret = enf_http1_resp_new(NULL, &s->resp);
		if (!ret) {
			/* the audit needs the status, not the header lines:
			 * keeping them doubled the daemon's cost a request */
			enf_http1_resp_status_only(s->resp);
			stat_inc(&d->stats.response_streams);
		}
		break;
	case STREAM_H2_CLIENT:
	case STREAM_H2_SERVER:
		ret = midstream ? enf_http2_new_midstream(NULL, side, &s->h2) :
				  enf_http2_new(NULL, side, &s->h2);
		if (ret)
			break;
		memset(&s->h2_seen, 0, sizeof(s->h2_seen));
		stat_inc(kind == STREAM_H2_CLIENT ? &d->stats.h2_connections :
						    &d->stats.h2_server_sides);
		if (midstream)
			stat_inc(&d->stats.h2_midstream);
		break;
	case STREAM_NEW:
		break;
	}
	if (ret)
		return ret;
	s->kind = kind;
	return 0;
}

/*
 * An HTTP/1 request was handed out on @ec's stream: the response parser of
 * the session's other direction learns its method (HEAD and CONNECT frame
 * their responses differently). That stream is made when it has not been
 * seen yet; looked up once a session, not once a request (stream_pair()).
 */
static void pair_expect(struct event_ctx *ec, const struct enf_request *req)
{
	struct stream *p = stream_pair(ec, true);

	if (!p)
		return;
	if (p->kind == STREAM_NEW &&
	    stream_set_kind(ec->d, p, STREAM_RESPONSES, false))
		return;
	if (p->kind == STREAM_RESPONSES)
		enf_http1_resp_expect(p->resp, req->method.ptr,
				      req->method.len);
}

static int on_request(const struct enf_request *parsed, void *arg)
{
	struct event_ctx *ec = arg;
	struct enf_daemon *d = ec->d;
	struct enf_request req = *parsed;
	void *match_arg[3] = { &req, d, ec };
	int ret;

	if (req.anomalies) {
		stat_inc(&d->stats.anomalous);
		if (req.anomalies & ENF_ANOM_H2_STATE_LOST)
			stat_inc(&d->stats.h2_state_lost);
	}
	if (ec->s->kind == STREAM_REQUESTS)
		pair_expect(ec, &req);
	if (ec->ev->direction != ENF_TLS_READ) {
		/* Requests this host's clients send: matched only by the
		 * rules that read DIRECTION, when the set has any. */
		stat_inc(&d->stats.outbound_requests);
		if (!enf_ruleset_matches_outbound(d->rules))
			return 0;
	} else {
		stat_inc(&d->stats.requests);
	}
	/* Rules that read the process or the flow see the origin; others
	 * match without it, and on_match() fills it for the verdict. */
	req.origin = enf_ruleset_needs_origin(d->rules, ec->ev->direction !=
								ENF_TLS_READ) ?
			     event_origin(ec) :
			     NULL;
	pr_debug("request: pid %u %.*s %.*s %.*s", ec->ev->tgid, ENF_COMM_LEN,
		 ec->ev->comm, (int)req.method.len, req.method.ptr,
		 (int)(req.uri.len > 200 ? 200 : req.uri.len), req.uri.ptr);
	ret = enf_rules_match(d->rules, d->scratch, &req, on_match, match_arg);
	__atomic_store_n(&d->stats.pcre2_limit_hits,
			 enf_rules_scratch_limit_hits(d->scratch),
			 __ATOMIC_RELAXED);
	__atomic_store_n(&d->stats.memo_hits,
			 enf_rules_scratch_memo_hits(d->scratch),
			 __ATOMIC_RELAXED);
	if (ret < 0) {
		stat_inc(&d->stats.match_errors);
		pr_warn("rules: matching failed: %s", strerror(-ret));
	}
	return 0;
}

/*
 * Bytes of the stream are missing (a call cut at the per-call cap, or a
 * record whose plaintext could not be read): the parser's framing cannot be
 * trusted past this point. HTTP/1 requests: a fresh parser, which
 * resynchronises at the next request line. Responses: the parser is
 * finished (the response cut is handed out, flagged) and starts again as
 * new. HTTP/2: the open streams are handed out (flagged ENF_ANOM_H2_RESET;
 * requests matched), and a parser seen from the middle takes over: the
 * HPACK state is lost, so every message is flagged ENF_ANOM_H2_STATE_LOST
 * until the peer flushes its table.
 */
static int stream_reset(struct event_ctx *ec, struct stream *s)
{
	struct enf_daemon *d = ec->d;
	struct enf_http1 *fresh;
	struct enf_http2 *h2;
	int ret;

	switch (s->kind) {
	case STREAM_REQUESTS:
		ret = enf_http1_new(NULL, &fresh);
		if (ret)
			return ret;
		enf_http1_free(s->http);
		s->http = fresh;
		return 0;
	case STREAM_RESPONSES:
		enf_http1_resp_finish(s->resp, on_response, ec);
		return 0;
	case STREAM_H2_CLIENT:
	case STREAM_H2_SERVER:
		ret = enf_http2_new_midstream(NULL,
					      s->kind == STREAM_H2_CLIENT ?
						      ENF_HTTP2_CLIENT :
						      ENF_HTTP2_SERVER,
					      &h2);
		if (ret)
			return ret;
		enf_http2_finish(s->h2, on_request, on_response, ec);
		h2_account(d, s);
		enf_http2_free(s->h2);
		s->h2 = h2;
		memset(&s->h2_seen, 0, sizeof(s->h2_seen));
		stat_inc(&d->stats.h2_midstream);
		return 0;
	case STREAM_NEW:
		break;
	}
	return 0;
}

/* @s ends (a new connection on its session object): what its parser holds
 * is handed out (HTTP/2 requests to @on_req) and its kind is judged again
 * from the next bytes. */
static void stream_end(struct stream *s, enf_http1_cb on_req, void *ctx)
{
	stream_drop_parser(s, on_req, ctx);
	s->have_seq = false;
	s->have_tuple = false;
	s->sock_cookie = 0;
}

/*
 * A new connection on @s's session object: the stream starts over, and so
 * does the session's other direction (a request stream that restarts
 * first would otherwise tell the old response parser its methods).
 */
static void stream_restart(struct event_ctx *ec, struct stream *s)
{
	struct stream *p;

	stat_inc(&ec->d->stats.session_reuse);
	stream_end(s, on_request, ec);
	/* @ec is this direction's: the other's open HTTP/2 requests are
	 * counted as unmatched rather than taken for this direction's */
	p = stream_pair(ec, false);
	if (p && p->have_seq)
		stream_end(p, on_request_unmatched, &p->d);
}

/*
 * Places @ev in its stream: a new connection on a reused session object
 * starts the stream over; a gap before @ev resets the parser (it
 * resynchronises at the next request line); bytes already fed are cut
 * from @ev. Sets *@data and *@len to what is left to feed.
 */
static int stream_place(struct event_ctx *ec, struct stream *s,
			const struct enf_tls_event *ev, const __u8 **data,
			__u32 *len)
{
	struct enf_daemon *d = ec->d;
	__u64 end = ev->seq + ev->data_len, skip;

	*data = ev->data;
	*len = ev->data_len;
	if (ev->seq == 0 && ev->offset == 0 && s->have_seq && s->next_seq > 0) {
		/* the capture starts a session's streams again at 0 for a
		 * new connection on a reused object, also one whose socket
		 * it could not see: the old flow is not this one's */
		stream_restart(ec, s);
	}
	if (!(ev->flags & ENF_TLS_F_NO_SOCKET)) {
		/* the library reused the object for another flow */
		if (s->have_tuple &&
		    memcmp(&s->tuple, &ev->tuple, sizeof(s->tuple)))
			stream_restart(ec, s);
		s->have_tuple = true;
		s->tuple = ev->tuple;
		if (ev->sock_cookie)
			s->sock_cookie = ev->sock_cookie;
	}
	if (s->have_seq && ev->seq > s->next_seq) {
		stat_inc(&d->stats.gaps);
		if (stream_reset(ec, s))
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

/* A frame header a peer may send first or in the middle: a known type
 * other than CONTINUATION, within the default frame size, the reserved bit
 * clear, stream 0 exactly for the connection frames. */
static bool h2_frame_plausible(const __u8 *p, __u32 len)
{
	__u32 flen, stream;
	__u8 type;

	if (len < H2_FRAME_HEADER)
		return false;
	flen = (__u32)p[0] << 16 | (__u32)p[1] << 8 | p[2];
	type = p[3];
	stream = ((__u32)p[5] << 24 | (__u32)p[6] << 16 | (__u32)p[7] << 8 |
		  p[8]);
	if (flen > H2_DEFAULT_MAX_FRAME || type > 0x8 || (stream >> 31))
		return false;
	switch (type) {
	case 0x2: /* PRIORITY */
		return stream != 0 && flen == 5;
	case 0x3: /* RST_STREAM */
		return stream != 0 && flen == 4;
	case 0x4: /* SETTINGS */
		return stream == 0 && flen % 6 == 0;
	case 0x6: /* PING */
		return stream == 0 && flen == 8;
	case 0x7: /* GOAWAY */
		return stream == 0 && flen >= 8;
	case 0x8: /* WINDOW_UPDATE */
		return flen == 4;
	default: /* DATA, HEADERS, PUSH_PROMISE */
		return stream != 0;
	}
}

/* A server's first frame (RFC 9113 3.4): SETTINGS, not an ACK, stream 0. */
static bool h2_server_start(const __u8 *p, __u32 len)
{
	return h2_frame_plausible(p, len) && p[3] == H2_SETTINGS &&
	       (p[4] & 0x1) == 0;
}

/* An HTTP/1 request line's start: an uppercase method and a space. */
static bool http1_request_start(const __u8 *p, __u32 len)
{
	__u32 i;

	for (i = 0; i < len && i < 20; i++) {
		if (p[i] == ' ')
			return i > 0;
		if (p[i] < 'A' || p[i] > 'Z')
			return false;
	}
	return false;
}

/*
 * What a stream carries, from its first bytes: "HTTP/" starts responses,
 * the preface an HTTP/2 client, a SETTINGS frame an HTTP/2 server, a method
 * and a space HTTP/1 requests (no lookup: the common case). Anything else
 * is a stream seen from the middle (or garbage), judged by the session's
 * other direction, looked up once: opposite an HTTP/2 side, the other
 * side from the middle; opposite HTTP/1 requests, responses (the parser
 * finds the next status line); opposite responses, requests. With the
 * other direction unknown, bytes that look like a frame header are HTTP/2
 * from the middle on the side a server sees (what it reads is requests,
 * what it writes responses: the case rules are for; a client seen from the
 * middle in both directions gets its sides swapped, and its messages are
 * flagged ENF_ANOM_H2_STATE_LOST until trusted); the rest HTTP/1 requests,
 * which resynchronise at the next request line, as before.
 */
static int stream_detect(struct event_ctx *ec, struct stream *s,
			 const __u8 *data, __u32 len)
{
	struct enf_daemon *d = ec->d;
	const struct stream *p;
	bool read = ec->ev->direction == ENF_TLS_READ;

	if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
		return stream_set_kind(d, s, STREAM_RESPONSES, false);
	if (len >= strlen(H2_PREFACE) &&
	    memcmp(data, H2_PREFACE, strlen(H2_PREFACE)) == 0)
		return stream_set_kind(d, s, STREAM_H2_CLIENT, false);
	if (h2_server_start(data, len))
		return stream_set_kind(d, s, STREAM_H2_SERVER, false);
	if (http1_request_start(data, len))
		return stream_set_kind(d, s, STREAM_REQUESTS, false);
	p = stream_pair(ec, false);
	switch (p ? p->kind : STREAM_NEW) {
	case STREAM_H2_CLIENT:
		return stream_set_kind(d, s, STREAM_H2_SERVER, true);
	case STREAM_H2_SERVER:
		return stream_set_kind(d, s, STREAM_H2_CLIENT, true);
	case STREAM_REQUESTS:
		return stream_set_kind(d, s, STREAM_RESPONSES, false);
	case STREAM_RESPONSES:
		return stream_set_kind(d, s, STREAM_REQUESTS, false);
	case STREAM_NEW:
		break;
	}
	if (h2_frame_plausible(data, len))
		return stream_set_kind(
			d, s, read ? STREAM_H2_CLIENT : STREAM_H2_SERVER, true);
	return stream_set_kind(d, s, STREAM_REQUESTS, false);
}

int enf_pipeline_on_event(void *ctx, const struct enf_tls_event *ev)
{
	struct enf_daemon *d = ctx;
	/* not zeroed whole: its exe buffer alone is PATH_MAX bytes, and
	 * fill_origin() writes what a match reads */
	struct event_ctx ec;
	struct enf_flow_key key;
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
	flow_key(&key, ev, ev->direction);
	s = stream_lookup(d, &key, true);
	ec.s = s;
	if (!s || stream_place(&ec, s, ev, &data, &len) ||
	    (s->kind == STREAM_NEW && len > 0 &&
	     stream_detect(&ec, s, data, len))) {
		pr_warn("flow: out of memory, event of pid %u dropped",
			ev->tgid);
		return 0;
	}
	if (!len)
		return 0;
	switch (s->kind) {
	case STREAM_REQUESTS:
		enf_http1_feed(s->http, data, len, on_request, &ec);
		break;
	case STREAM_RESPONSES:
		enf_http1_resp_feed(s->resp, data, len, on_response, &ec);
		break;
	case STREAM_H2_CLIENT:
	case STREAM_H2_SERVER:
		enf_http2_feed(s->h2, data, len, on_request, on_response, &ec);
		h2_account(d, s);
		break;
	case STREAM_NEW:
		break;
	}
	return 0;
}
