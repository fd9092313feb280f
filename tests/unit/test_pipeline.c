// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The event path without the kernel: TLS events built by hand go through
 * enf_pipeline_on_event() into a daemon that has a flow table and a rule
 * set no request matches; the stats say what each stream was parsed as.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/daemon/daemon.h"
#include "enforcer/flow/flow.h"
#include "rules/rules.h"

#define SESSION 0x1000
#define TGID 42

struct fixture {
	struct enf_daemon d;
	uint64_t seq[2]; /* next byte of each direction of SESSION */
};

static int setup_n(void **state, size_t flows)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err;
	static const char rule[] =
		"SecRule REQUEST_URI \"@rx ^/never-sent-here\" \"id:1,deny\"\n";

	assert_non_null(f);
	assert_int_equal(enf_flow_table_new(flows, enf_pipeline_free_flow,
					    &f->d.flows),
			 0);
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, rule, strlen(rule),
						    "test", &err),
			 1);
	assert_int_equal(enf_rules_build(b, &f->d.rules, &err), 0);
	enf_rules_builder_free(b);
	assert_int_equal(enf_rules_scratch_new(f->d.rules, &f->d.scratch), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_n(state, 64);
}

static int setup_small(void **state)
{
	return setup_n(state, 2);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	enf_flow_table_free(f->d.flows);
	enf_rules_scratch_free(f->d.scratch);
	enf_ruleset_free(f->d.rules);
	free(f);
	return 0;
}

/* One record of @session's @dir at @seq. */
static void event_at(struct fixture *f, uint64_t session, int dir, uint64_t seq,
		     const void *data, size_t len)
{
	struct enf_tls_event *ev = calloc(1, ENF_TLS_EVENT_SIZE(len));

	assert_non_null(ev);
	ev->session = session;
	ev->seq = seq;
	ev->pid = ev->tgid = TGID;
	ev->len = ev->data_len = (uint32_t)len;
	ev->fd = -1;
	ev->direction = (uint8_t)dir;
	ev->flags = ENF_TLS_F_NO_SOCKET;
	memcpy(ev->comm, "server", 7);
	memcpy(ev->data, data, len);
	assert_int_equal(enf_pipeline_on_event(&f->d, ev), 0);
	free(ev);
}

/* The next bytes of SESSION's @dir, in order. */
static void event(struct fixture *f, int dir, const void *data, size_t len)
{
	event_at(f, SESSION, dir, f->seq[dir], data, len);
	f->seq[dir] += len;
}

#define EV(f, dir, lit) event(f, dir, lit, sizeof(lit) - 1)

static uint64_t st(const uint64_t *c)
{
	return *c;
}

/* HTTP/2 frames, built by hand: HPACK static-table indices only. */
#define PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
/* SETTINGS, empty */
static const uint8_t h2_settings[] = { 0, 0, 0, 4, 0, 0, 0, 0, 0 };
/* HEADERS on stream 1, END_STREAM|END_HEADERS: GET https / */
static const uint8_t h2_get1[] = { 0, 0, 3, 1, 5, 0, 0, 0, 1, 0x82, 0x87, 0x84 };
/* HEADERS on stream 3, END_STREAM|END_HEADERS: GET https / */
static const uint8_t h2_get3[] = { 0, 0, 3, 1, 5, 0, 0, 0, 3, 0x82, 0x87, 0x84 };
/* HEADERS on stream 5, END_HEADERS only: the request stays open */
static const uint8_t h2_open5[] = {
	0, 0, 3, 1, 4, 0, 0, 0, 5, 0x82, 0x87, 0x84
};
/* HEADERS on stream 1, END_STREAM|END_HEADERS: :status 200 / 404 */
static const uint8_t h2_200[] = { 0, 0, 1, 1, 5, 0, 0, 0, 1, 0x88 };
static const uint8_t h2_404[] = { 0, 0, 1, 1, 5, 0, 0, 0, 3, 0x8d };

static void pipeline_http1_pairs_head(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	EV(f, ENF_TLS_READ,
	   "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"
	   "GET /x HTTP/1.1\r\nHost: a\r\n\r\n");
	/* framed as a GET's, the 200's Content-Length would swallow the
	 * start of the 404 */
	EV(f, ENF_TLS_WRITE,
	   "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
	   "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(st(&s->requests), 2);
	assert_int_equal(st(&s->response_streams), 1);
	assert_int_equal(st(&s->responses), 2);
	assert_int_equal(st(&s->resp_class[2]), 1);
	assert_int_equal(st(&s->resp_class[4]), 1);
	assert_int_equal(st(&s->resp_anomalous), 0);
	assert_int_equal(st(&s->anomalous), 0);
	assert_int_equal(st(&s->h2_connections), 0);
}

static void pipeline_http1_bad_status_and_anomaly(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	EV(f, ENF_TLS_READ, "GET / HTTP/1.1\nHost: a\n\n");
	EV(f, ENF_TLS_WRITE, "HTTP/1.1 2000 Big\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(st(&s->requests), 1);
	assert_int_equal(st(&s->anomalous), 1); /* BARE_LF */
	assert_int_equal(st(&s->responses), 1);
	assert_int_equal(st(&s->resp_class[ENF_RESP_BAD]), 1);
}

static void pipeline_h2_client_and_server(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	/* the server's SETTINGS first: judged by its own bytes */
	event(f, ENF_TLS_WRITE, h2_settings, sizeof(h2_settings));
	EV(f, ENF_TLS_READ, PREFACE);
	event(f, ENF_TLS_READ, h2_settings, sizeof(h2_settings));
	event(f, ENF_TLS_READ, h2_get1, sizeof(h2_get1));
	event(f, ENF_TLS_READ, h2_get3, sizeof(h2_get3));
	event(f, ENF_TLS_WRITE, h2_200, sizeof(h2_200));
	event(f, ENF_TLS_WRITE, h2_404, sizeof(h2_404));
	assert_int_equal(st(&s->h2_connections), 1);
	assert_int_equal(st(&s->h2_server_sides), 1);
	assert_int_equal(st(&s->h2_midstream), 0);
	assert_int_equal(st(&s->h2_requests), 2);
	assert_int_equal(st(&s->requests), 2); /* inbound: through the rules */
	assert_int_equal(st(&s->h2_responses), 2);
	assert_int_equal(st(&s->responses), 2);
	assert_int_equal(st(&s->resp_class[2]), 1);
	assert_int_equal(st(&s->resp_class[4]), 1);
	assert_int_equal(st(&s->h2_errors), 0);
	assert_int_equal(st(&s->h2_state_lost), 0);
	assert_int_equal(st(&s->anomalous), 0);
	assert_int_equal(st(&s->response_streams), 0);
}

static void pipeline_h2_server_side_from_pair(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	EV(f, ENF_TLS_READ, PREFACE);
	/* no SETTINGS first: the other direction says HTTP/2, so this is
	 * its server side seen from the middle */
	event(f, ENF_TLS_WRITE, h2_200, sizeof(h2_200));
	assert_int_equal(st(&s->h2_server_sides), 1);
	assert_int_equal(st(&s->h2_midstream), 1);
}

static void pipeline_h2_gap_loses_state(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	EV(f, ENF_TLS_READ, PREFACE);
	event(f, ENF_TLS_READ, h2_open5, sizeof(h2_open5));
	assert_int_equal(st(&s->h2_requests), 0);
	/* 100 bytes lost, then a request */
	f->seq[ENF_TLS_READ] += 100;
	event(f, ENF_TLS_READ, h2_get1, sizeof(h2_get1));
	assert_int_equal(st(&s->gaps), 1);
	assert_int_equal(st(&s->h2_midstream), 1);
	/* the open stream is handed out (reset) and matched; the request
	 * after the gap is decoded untrusted */
	assert_int_equal(st(&s->h2_requests), 2);
	assert_int_equal(st(&s->requests), 2);
	assert_int_equal(st(&s->h2_state_lost), 1);
	assert_int_equal(st(&s->anomalous), 2);
}

static void pipeline_h2_midstream_by_frames(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	/* a connection seen late: frames, no preface, no other direction */
	event(f, ENF_TLS_READ, h2_get1, sizeof(h2_get1));
	assert_int_equal(st(&s->h2_connections), 1);
	assert_int_equal(st(&s->h2_midstream), 1);
	assert_int_equal(st(&s->h2_requests), 1);
	assert_int_equal(st(&s->h2_state_lost), 1);
}

static void pipeline_h2_evicted_counted(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;
	static const char get[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";

	EV(f, ENF_TLS_READ, PREFACE);
	event(f, ENF_TLS_READ, h2_open5, sizeof(h2_open5));
	/* two other sessions push it out of a table of two */
	event_at(f, SESSION + 1, ENF_TLS_READ, 0, get, sizeof(get) - 1);
	event_at(f, SESSION + 2, ENF_TLS_READ, 0, get, sizeof(get) - 1);
	assert_true(st(&s->flow_evictions) >= 1);
	assert_int_equal(st(&s->h2_unmatched), 1);
	assert_int_equal(st(&s->h2_requests), 1);
}

static void pipeline_session_reuse_restarts_both(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	EV(f, ENF_TLS_READ, PREFACE);
	event(f, ENF_TLS_READ, h2_open5, sizeof(h2_open5));
	event(f, ENF_TLS_WRITE, h2_settings, sizeof(h2_settings));
	/* the session object is used again, for HTTP/1 */
	f->seq[ENF_TLS_READ] = f->seq[ENF_TLS_WRITE] = 0;
	EV(f, ENF_TLS_READ, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(st(&s->session_reuse), 1);
	/* the open HTTP/2 request is handed out at the end, matched */
	assert_int_equal(st(&s->h2_requests), 1);
	assert_int_equal(st(&s->requests), 2);
	/* the other direction started over too: HTTP/1 responses, told HEAD
	 * (its seq 0 does not restart it again, which would forget it) */
	EV(f, ENF_TLS_WRITE, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	EV(f, ENF_TLS_WRITE, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(st(&s->session_reuse), 1);
	assert_int_equal(st(&s->responses), 2);
	/* told HEAD, the first has no body: the second is not swallowed */
	assert_int_equal(st(&s->resp_anomalous), 0);
}

static void pipeline_response_stream_midstream_by_pair(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;

	/* a response body's end, then a response: opposite HTTP/1 requests,
	 * so responses, found again at the status line */
	EV(f, ENF_TLS_READ, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	event_at(f, SESSION, ENF_TLS_WRITE, 0, "\x01\x02tail\r\n", 8);
	assert_int_equal(st(&s->response_streams), 1);
	event_at(f, SESSION, ENF_TLS_WRITE, 8,
		 "HTTP/1.1 204 No Content\r\n\r\n", 27);
	assert_int_equal(st(&s->responses), 1);
	assert_int_equal(st(&s->resp_class[2]), 1);
}

/*
 * The response stream a request stream remembers as its pair leaves the
 * table (a table of two): the request stream forgets it, and its next
 * request makes a new one that is told the method (HEAD: no body).
 */
static void pipeline_pair_evicted_forgotten(void **state)
{
	struct fixture *f = *state;
	struct enf_pipeline_stats *s = &f->d.stats;
	static const char resp[] = "HTTP/1.1 200 OK\r\n";
	static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
				  "HTTP/1.1 404 Not Found\r\n"
				  "Content-Length: 0\r\n\r\n";

	EV(f, ENF_TLS_READ, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
	EV(f, ENF_TLS_WRITE, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
	assert_int_equal(st(&s->responses), 1);
	/* the request stream used last: another session's response stream
	 * pushes the paired response stream out */
	EV(f, ENF_TLS_READ, "HEAD / HTTP/1.1\r\n");
	event_at(f, SESSION + 1, ENF_TLS_WRITE, 0, resp, sizeof(resp) - 1);
	assert_int_equal(st(&s->flow_evictions), 1);
	/* the request ends: a new response stream, told HEAD */
	EV(f, ENF_TLS_READ, "Host: a\r\n\r\n");
	assert_int_equal(st(&s->flow_evictions), 2);
	assert_int_equal(st(&s->requests), 2);
	/* the other session's stream went for it, its cut response counted */
	assert_int_equal(st(&s->responses), 2);
	assert_int_equal(st(&s->resp_anomalous), 1);
	event(f, ENF_TLS_WRITE, two, sizeof(two) - 1);
	assert_int_equal(st(&s->responses), 4);
	assert_int_equal(st(&s->resp_class[4]), 1);
	/* told HEAD: the 404 was not swallowed as the 200's body */
	assert_int_equal(st(&s->resp_anomalous), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pipeline_http1_pairs_head,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			pipeline_http1_bad_status_and_anomaly, setup, teardown),
		cmocka_unit_test_setup_teardown(pipeline_h2_client_and_server,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			pipeline_h2_server_side_from_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(pipeline_h2_gap_loses_state,
						setup, teardown),
		cmocka_unit_test_setup_teardown(pipeline_h2_midstream_by_frames,
						setup, teardown),
		cmocka_unit_test_setup_teardown(pipeline_h2_evicted_counted,
						setup_small, teardown),
		cmocka_unit_test_setup_teardown(
			pipeline_session_reuse_restarts_both, setup, teardown),
		cmocka_unit_test_setup_teardown(
			pipeline_response_stream_midstream_by_pair, setup,
			teardown),
		cmocka_unit_test_setup_teardown(pipeline_pair_evicted_forgotten,
						setup_small, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
