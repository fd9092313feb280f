// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The Prometheus scrape endpoint over real loopback TCP: replies and their
 * exact headers, bad requests, the per-connection deadline (a silent and a
 * trickling client are cut and the next one is served), a failing producer,
 * addresses refused, IPv6 loopback, and stop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/control/metrics_http.h"

/* A client's guard against a server that never answers: a failed recv,
 * not a hung test. Far above any deadline the tests give the server. */
#define CLIENT_GUARD_S 10
/* The deadline of the endpoints that test it. */
#define SHORT_TIMEOUT_MS 200
#define RESP_MAX (64u << 10)

struct producer {
	int calls;
	int fail; /* returned instead of a text when not 0 */
};

static int produce(void *ctx, char **out, size_t *len)
{
	struct producer *p = ctx;
	int n;

	if (p->fail)
		return p->fail;
	p->calls++;
	n = asprintf(out,
		     "# HELP enf_test_scrapes_total Scrapes answered.\n"
		     "# TYPE enf_test_scrapes_total counter\n"
		     "enf_test_scrapes_total %d\n",
		     p->calls);
	if (n < 0)
		return -ENOMEM;
	*len = (size_t)n;
	return 0;
}

/* The body produce() gives on its @call-th call. */
static void expected_body(int call, char *buf, size_t len)
{
	snprintf(buf, len,
		 "# HELP enf_test_scrapes_total Scrapes answered.\n"
		 "# TYPE enf_test_scrapes_total counter\n"
		 "enf_test_scrapes_total %d\n",
		 call);
}

struct fixture {
	struct enf_metrics_http *m;
	struct producer p;
};

static struct enf_metrics_http *
start_on(const char *addr, unsigned int timeout_ms, struct producer *p)
{
	const struct enf_metrics_http_opts o = {
		.addr = addr,
		.port = 0,
		.timeout_ms = timeout_ms,
	};
	struct enf_metrics_http *m = NULL;
	char err[256] = "";
	int ret;

	ret = enf_metrics_http_start(&o, produce, p, &m, err, sizeof(err));
	if (ret)
		print_error("start on %s: %s (%d)\n", addr, err, ret);
	assert_int_equal(ret, 0);
	assert_non_null(m);
	assert_true(enf_metrics_http_port(m) != 0);
	return m;
}

/* Each test its own endpoint (the default deadline), so counts start at 0. */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->m = start_on("127.0.0.1", 0, &f->p);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	enf_metrics_http_stop(f->m);
	free(f);
	return 0;
}

static int connect_to(int family, const char *addr, uint16_t port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6,
				    .sin6_port = htons(port) };
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = CLIENT_GUARD_S };
	int fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
	if (family == AF_INET6) {
		assert_int_equal(inet_pton(AF_INET6, addr, &in6.sin6_addr), 1);
		assert_int_equal(
			connect(fd, (struct sockaddr *)&in6, sizeof(in6)), 0);
	} else {
		assert_int_equal(inet_pton(AF_INET, addr, &in.sin_addr), 1);
		assert_int_equal(
			connect(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	}
	return fd;
}

static int connect_local(const struct enf_metrics_http *m)
{
	return connect_to(AF_INET, "127.0.0.1", enf_metrics_http_port(m));
}

static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		p += n;
		len -= (size_t)n;
	}
}

/* Reads until the server closes; the reply NUL-terminated in @buf. */
static size_t read_reply(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	for (;;) {
		assert_true(got < cap - 1);
		n = recv(fd, buf + got, cap - 1 - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			print_error("recv: %s\n", strerror(errno));
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	return got;
}

/* One connection: @req sent whole, the reply read to the server's close. */
static char *exchange(const struct enf_metrics_http *m, const char *req,
		      size_t len)
{
	char *buf = malloc(RESP_MAX);
	int fd;

	assert_non_null(buf);
	fd = connect_local(m);
	send_all(fd, req, len);
	read_reply(fd, buf, RESP_MAX);
	close(fd);
	return buf;
}

static char *request(const struct enf_metrics_http *m, const char *req)
{
	return exchange(m, req, strlen(req));
}

static void get_stats(const struct enf_metrics_http *m,
		      struct enf_metrics_http_stats *s)
{
	memset(s, 0xa5, sizeof(*s));
	enf_metrics_http_stats(m, s);
}

/* The exact 200 reply to a GET of the @call-th scrape. */
static void expected_200(int call, bool head, char *buf, size_t len)
{
	char body[512];

	expected_body(call, body, sizeof(body));
	snprintf(buf, len,
		 "HTTP/1.1 200 OK\r\n"
		 "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
		 "Content-Length: %zu\r\n"
		 "Connection: close\r\n"
		 "\r\n"
		 "%s",
		 strlen(body), head ? "" : body);
}

/* The exact error reply with @status (and for 405 its Allow header). */
static void expected_error(const char *status_line, bool allow, bool head,
			   char *buf, size_t len)
{
	const char *reason = strchr(status_line, ' ') + 1;

	snprintf(buf, len,
		 "HTTP/1.1 %s\r\n"
		 "Content-Type: text/plain; charset=utf-8\r\n"
		 "Content-Length: %zu\r\n"
		 "%s"
		 "Connection: close\r\n"
		 "\r\n"
		 "%s\n",
		 status_line, strlen(reason) + 1,
		 allow ? "Allow: GET, HEAD\r\n" : "", head ? "" : reason);
	if (head) /* no body: drop the "\n" the format ends with */
		buf[strlen(buf) - 1] = '\0';
}

static void assert_reply(const struct enf_metrics_http *m, const char *req,
			 const char *want)
{
	char *got = request(m, req);

	if (strcmp(got, want))
		print_error("request %s", req);
	assert_string_equal(got, want);
	free(got);
}

/* GET /metrics: 200, exact headers and body; the counter moves per scrape. */
static void test_get_metrics(void **state)
{
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	expected_200(1, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
		     want);
	expected_200(2, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n",
		     want);
	assert_int_equal(f->p.calls, 2);

	/* a query string is ignored; HTTP/1.0 and bare LF line ends too */
	expected_200(3, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics?name[]=up&x=1 HTTP/1.0\n\n", want);
	/* RFC 9112 2.2: an empty line before the request line is skipped */
	expected_200(4, false, want, sizeof(want));
	assert_reply(f->m, "\r\nGET /metrics HTTP/1.1\r\n\r\n", want);

	get_stats(f->m, &s);
	assert_int_equal(s.accepted, 4);
	assert_int_equal(s.served, 4);
	assert_int_equal(s.errors, 0);
	assert_int_equal(s.timeouts, 0);
	assert_int_equal(s.dropped, 0);
}

/* A request whose head comes in several pieces is served as a whole. */
static void test_get_in_pieces(void **state)
{
	static const char *const parts[] = { "GE", "T /metr", "ics HTTP/1.1\r",
					     "\nHost: x\r\n\r", "\n" };
	struct fixture *f = *state;
	char buf[2048], want[1024];
	int fd;

	fd = connect_local(f->m);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		send_all(fd, parts[i], strlen(parts[i]));
		usleep(10 * 1000);
	}
	read_reply(fd, buf, sizeof(buf));
	close(fd);
	expected_200(1, false, want, sizeof(want));
	assert_string_equal(buf, want);
}

/* HEAD /metrics: the GET's headers, Content-Length included, no body. */
static void test_head_metrics(void **state)
{
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	expected_200(1, true, want, sizeof(want));
	assert_reply(f->m, "HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n", want);
	expected_200(2, true, want, sizeof(want));
	assert_reply(f->m, "HEAD /metrics?a=b HTTP/1.1\r\n\r\n", want);
	get_stats(f->m, &s);
	assert_int_equal(s.served, 2);
}

static void test_not_found(void **state)
{
	static const char *const reqs[] = {
		"GET / HTTP/1.1\r\n\r\n",
		"GET /metricsx HTTP/1.1\r\n\r\n",
		"GET /metrics/ HTTP/1.1\r\n\r\n",
		"GET /Metrics HTTP/1.1\r\n\r\n",
		"GET http://localhost/metrics HTTP/1.1\r\n\r\n",
		"POST /other HTTP/1.1\r\n\r\n",
	};
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	expected_error("404 Not Found", false, false, want, sizeof(want));
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		assert_reply(f->m, reqs[i], want);
	expected_error("404 Not Found", false, true, want, sizeof(want));
	assert_reply(f->m, "HEAD /nope HTTP/1.1\r\n\r\n", want);
	assert_int_equal(f->p.calls, 0);
	get_stats(f->m, &s);
	assert_int_equal(s.errors, 7);
	assert_int_equal(s.served, 0);
	assert_int_equal(s.fn_errors, 0);
}

static void test_method_not_allowed(void **state)
{
	static const char *const reqs[] = {
		"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"PUT /metrics HTTP/1.1\r\n\r\n",
		"DELETE /metrics?x HTTP/1.1\r\n\r\n",
		"get /metrics HTTP/1.1\r\n\r\n",
	};
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	expected_error("405 Method Not Allowed", true, false, want,
		       sizeof(want));
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		assert_reply(f->m, reqs[i], want);
	assert_int_equal(f->p.calls, 0);
	get_stats(f->m, &s);
	assert_int_equal(s.errors, 4);
}

static void test_malformed_request_line(void **state)
{
	static const char *const reqs[] = {
		"garbage\r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics  HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1.1 extra\r\n\r\n",
		"GET /metrics FTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1\r\n\r\n",
		"GET /metrics HTTP/1.1\rX\n\r\n",
		"GET\t/metrics HTTP/1.1\r\n\r\n",
		"GET /met\x01rics HTTP/1.1\r\n\r\n",
		"GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n",
		" GET /metrics HTTP/1.1\r\n\r\n",
	};
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	expected_error("400 Bad Request", false, false, want, sizeof(want));
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		assert_reply(f->m, reqs[i], want);
	expected_error("505 HTTP Version Not Supported", false, false, want,
		       sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/2.0\r\n\r\n", want);
	assert_int_equal(f->p.calls, 0);
	get_stats(f->m, &s);
	assert_int_equal(s.errors, 13);

	/* and the endpoint still serves */
	expected_200(1, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\n\r\n", want);
}

/* A head past 8 KiB: 431, and the next client is served. */
static void test_oversized_head(void **state)
{
	static const char line[] = "GET /metrics HTTP/1.1\r\nX-Pad: ";
	size_t len = sizeof(line) - 1 + 3 * ENF_METRICS_HTTP_MAX_HEAD + 4;
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024], *req, *got;

	req = malloc(len);
	assert_non_null(req);
	memcpy(req, line, sizeof(line) - 1);
	memset(req + sizeof(line) - 1, 'a', len - (sizeof(line) - 1) - 4);
	memcpy(req + len - 4, "\r\n\r\n", 4);
	got = exchange(f->m, req, len);
	expected_error("431 Request Header Fields Too Large", false, false,
		       want, sizeof(want));
	assert_string_equal(got, want);
	free(got);
	free(req);

	/* exactly at the limit (the empty line included) is still a head */
	len = ENF_METRICS_HTTP_MAX_HEAD;
	req = malloc(len);
	assert_non_null(req);
	memcpy(req, line, sizeof(line) - 1);
	memset(req + sizeof(line) - 1, 'a', len - (sizeof(line) - 1) - 4);
	memcpy(req + len - 4, "\r\n\r\n", 4);
	got = exchange(f->m, req, len);
	expected_200(1, false, want, sizeof(want));
	assert_string_equal(got, want);
	free(got);
	free(req);

	expected_200(2, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\n\r\n", want);
	get_stats(f->m, &s);
	assert_int_equal(s.errors, 1);
	assert_int_equal(s.served, 2);
}

/* The endpoint's thread has taken @n connections (it is serving the last). */
static void wait_accepted(const struct enf_metrics_http *m, uint64_t n)
{
	struct enf_metrics_http_stats s;

	for (int i = 0; i < CLIENT_GUARD_S * 1000; i++) {
		get_stats(m, &s);
		if (s.accepted >= n)
			break;
		usleep(1000);
	}
	assert_int_equal(s.accepted, n);
}

/*
 * A client that connects and sends nothing is cut at the deadline; the
 * client queued behind it then gets its 200. Without the deadline the
 * first recv would fail at the guard (EAGAIN), not see the close.
 */
static void test_silent_client_cut(void **state)
{
	struct enf_metrics_http_stats s;
	struct producer p = { 0 };
	struct enf_metrics_http *m;
	char buf[2048], want[1024];
	static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
	int silent, next;

	(void)state;
	m = start_on("127.0.0.1", SHORT_TIMEOUT_MS, &p);
	silent = connect_local(m);
	wait_accepted(m, 1);
	next = connect_local(m);
	send_all(next, req, sizeof(req) - 1);

	assert_int_equal(read_reply(silent, buf, sizeof(buf)), 0);
	close(silent);
	read_reply(next, buf, sizeof(buf));
	close(next);
	expected_200(1, false, want, sizeof(want));
	assert_string_equal(buf, want);

	get_stats(m, &s);
	assert_int_equal(s.accepted, 2);
	assert_int_equal(s.timeouts, 1);
	assert_int_equal(s.served, 1);
	assert_int_equal(s.dropped, 0);
	enf_metrics_http_stop(m);
}

/*
 * A client trickling its head a byte every 50 ms, each byte well within
 * the 200 ms deadline, is still cut when the deadline passes; the next
 * client is served.
 */
static void test_trickle_cut(void **state)
{
	static const char head[] = "GET /metrics HTTP/1.1\r\nX-Slow: ";
	struct enf_metrics_http_stats s;
	struct producer p = { 0 };
	struct enf_metrics_http *m;
	char buf[2048], want[1024];
	ssize_t n = 0;
	int fd, i;

	(void)state;
	m = start_on("127.0.0.1", SHORT_TIMEOUT_MS, &p);
	fd = connect_local(m);
	/* 2 s of bytes, ten deadlines: the server must cut in between */
	for (i = 0; i < 40; i++) {
		char c = i < (int)sizeof(head) - 1 ? head[i] : 'a';

		if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(50 * 1000);
	}
	/* cut: EOF, or a reset if our bytes reached the closed socket */
	do {
		n = recv(fd, buf, sizeof(buf), 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno != ECONNRESET)
		print_error("recv after the trickle: %s\n", strerror(errno));
	assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
	close(fd);

	get_stats(m, &s);
	assert_int_equal(s.timeouts, 1);
	assert_int_equal(s.served, 0);

	expected_200(1, false, want, sizeof(want));
	assert_reply(m, "GET /metrics HTTP/1.1\r\n\r\n", want);
	enf_metrics_http_stop(m);
}

/* The producer fails: 500, counted; once it recovers, 200 again. */
static void test_fn_failure(void **state)
{
	struct fixture *f = *state;
	struct enf_metrics_http_stats s;
	char want[1024];

	f->p.fail = -ENOMEM;
	expected_error("500 Internal Server Error", false, false, want,
		       sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\n\r\n", want);
	expected_error("500 Internal Server Error", false, true, want,
		       sizeof(want));
	assert_reply(f->m, "HEAD /metrics HTTP/1.1\r\n\r\n", want);
	get_stats(f->m, &s);
	assert_int_equal(s.fn_errors, 2);
	assert_int_equal(s.errors, 2);
	assert_int_equal(s.served, 0);

	f->p.fail = 0;
	expected_200(1, false, want, sizeof(want));
	assert_reply(f->m, "GET /metrics HTTP/1.1\r\n\r\n", want);
}

static void test_refuses_non_loopback(void **state)
{
	static const struct {
		const char *addr;
		const char *msg;
	} cases[] = {
		{ "0.0.0.0",
		  "metrics endpoint must listen on loopback: 0.0.0.0 "
		  "is not in 127.0.0.0/8 or ::1" },
		{ "192.0.2.1", "metrics endpoint must listen on loopback: "
			       "192.0.2.1 is not in 127.0.0.0/8 or ::1" },
		{ "not-an-ip", "metrics endpoint must listen on loopback: "
			       "'not-an-ip' is not an IPv4 or IPv6 address" },
		{ "128.0.0.1", "metrics endpoint must listen on loopback: " },
		{ "::", "metrics endpoint must listen on loopback: " },
		{ "::ffff:127.0.0.1",
		  "metrics endpoint must listen on loopback: " },
		{ "127.0.0.1 ", "metrics endpoint must listen on loopback: " },
		{ "", "metrics endpoint must listen on loopback: " },
		{ "localhost", "metrics endpoint must listen on loopback: " },
	};
	struct producer p = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct enf_metrics_http_opts o = { .addr = cases[i].addr };
		struct enf_metrics_http *m = NULL;
		char err[256] = "";

		print_message("address '%s'\n", cases[i].addr);
		assert_int_equal(enf_metrics_http_start(&o, produce, &p, &m,
							err, sizeof(err)),
				 -EINVAL);
		assert_null(m);
		assert_non_null(strstr(err, cases[i].msg));
	}
}

/* Any address of 127.0.0.0/8 is loopback. */
static void test_other_loopback_address(void **state)
{
	struct producer p = { 0 };
	struct enf_metrics_http *m;
	char buf[2048], want[1024];
	static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
	int fd;

	(void)state;
	m = start_on("127.0.0.2", 0, &p);
	fd = connect_to(AF_INET, "127.0.0.2", enf_metrics_http_port(m));
	send_all(fd, req, sizeof(req) - 1);
	read_reply(fd, buf, sizeof(buf));
	close(fd);
	expected_200(1, false, want, sizeof(want));
	assert_string_equal(buf, want);
	enf_metrics_http_stop(m);
}

/* A port in use is the bind's error, with a message. */
static void test_port_in_use(void **state)
{
	struct fixture *f = *state;
	const struct enf_metrics_http_opts o = {
		.addr = "127.0.0.1",
		.port = enf_metrics_http_port(f->m),
	};
	struct enf_metrics_http *m = NULL;
	char err[256] = "";

	assert_int_equal(enf_metrics_http_start(&o, produce, &f->p, &m, err,
						sizeof(err)),
			 -EADDRINUSE);
	assert_null(m);
	assert_non_null(strstr(err, "metrics endpoint: bind 127.0.0.1 port"));
}

static void test_ipv6_loopback(void **state)
{
	const struct enf_metrics_http_opts o = { .addr = "::1" };
	struct producer p = { 0 };
	struct enf_metrics_http *m = NULL;
	char buf[2048], want[1024], err[256] = "";
	static const char req[] = "GET /metrics HTTP/1.1\r\n\r\n";
	int fd, ret;

	(void)state;
	ret = enf_metrics_http_start(&o, produce, &p, &m, err, sizeof(err));
	if (ret == -EADDRNOTAVAIL || ret == -EAFNOSUPPORT) {
		print_message("skip: no IPv6 loopback here: %s\n", err);
		skip();
	}
	assert_int_equal(ret, 0);
	fd = connect_to(AF_INET6, "::1", enf_metrics_http_port(m));
	send_all(fd, req, sizeof(req) - 1);
	read_reply(fd, buf, sizeof(buf));
	close(fd);
	expected_200(1, false, want, sizeof(want));
	assert_string_equal(buf, want);
	enf_metrics_http_stop(m);
}

/*
 * stop() returns while a silent client holds the endpoint under a deadline
 * of an hour (the alarm turns a hang into a failure), and that client sees
 * the close. stop(NULL) does nothing.
 */
static void test_stop_prompt(void **state)
{
	struct enf_metrics_http_stats s;
	struct producer p = { 0 };
	struct enf_metrics_http *m;
	char buf[64];
	int fd;

	(void)state;
	m = start_on("127.0.0.1", 3600 * 1000, &p);
	fd = connect_local(m);
	wait_accepted(m, 1);
	get_stats(m, &s);
	assert_int_equal(s.timeouts + s.dropped, 0);
	alarm(CLIENT_GUARD_S);
	enf_metrics_http_stop(m);
	alarm(0);
	assert_int_equal(read_reply(fd, buf, sizeof(buf)), 0);
	close(fd);
	enf_metrics_http_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_metrics, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_get_in_pieces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_head_metrics, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_not_found, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_method_not_allowed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed_request_line,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_head, setup,
						teardown),
		cmocka_unit_test(test_silent_client_cut),
		cmocka_unit_test(test_trickle_cut),
		cmocka_unit_test_setup_teardown(test_fn_failure, setup,
						teardown),
		cmocka_unit_test(test_refuses_non_loopback),
		cmocka_unit_test(test_other_loopback_address),
		cmocka_unit_test_setup_teardown(test_port_in_use, setup,
						teardown),
		cmocka_unit_test(test_ipv6_loopback),
		cmocka_unit_test(test_stop_prompt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
