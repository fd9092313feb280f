// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit event exporter: the JSON of an event (every member, what is
 * left out, text that is not UTF-8, control characters, the line bound),
 * and the exporter against real files: 1000 events in order, a reopen
 * after a logrotate-style rename, a FIFO nobody reads (the caller never
 * waits, drops counted), free() giving up on it, /dev/full, a directory
 * removed under the file, syslog alone, and the errors of new().
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "enforcer/audit/export.h"
#include "tmpdir_fixture.h"

static int setup(void **state)
{
	return fx_setup(state, "/tmp/enf_export.XXXXXX", "eve.json");
}

/* 2024-05-01T12:34:56.123456789Z */
#define T0 1714566896123456789LL

static const uint8_t hash0[PDB_AUDIT_HASH_LEN] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
	0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0xa0, 0xb1, 0xc2, 0xd3, 0xe4, 0xf5,
	0x16, 0x27, 0x38, 0x49, 0x5a, 0x6b, 0x7c, 0x8d, 0x9e, 0xff,
};
static const char hash0_hex[] =
	"000102030405060708090a0b0c0d0e0fa0b1c2d3e4f5162738495a6b7c8d9eff";

static struct pdb_audit full_row(void)
{
	return (struct pdb_audit){
		.time_ns = T0,
		.event = "block",
		.rule_id = 942100,
		.msg = "SQL injection",
		.severity = 2,
		.action = "deny:src",
		.pid = 4242,
		.tgid = 4240,
		.uid = 33,
		.exe = "/usr/sbin/nginx",
		.comm = "nginx",
		.cgroup_id = 12345,
		.proto = "tcp",
		.saddr = "203.0.113.7",
		.sport = 51515,
		.daddr = "192.0.2.10",
		.dport = 443,
		.tls_lib = "openssl",
		.direction = "inbound",
		.method = "GET",
		.host = "shop.example",
		.uri = "/item?id=1' OR '1'='1",
		.excerpt = "' OR '1'='1",
		.cgroup = "/system.slice/nginx.service",
		.container = "0123abcd",
		.sock_cookie = 777,
		.logdata = "id=1' OR",
		.cmdline = "nginx: worker process",
		.latency_ns = 150000,
		.point = "nic",
		.shadow = true,
	};
}

/* The event's JSON parsed back, checked to be one line. */
static json_t *parse_event(const struct pdb_audit *a, int64_t id,
			   const uint8_t *hash)
{
	char *s = enf_export_json(a, id, hash);
	json_error_t e;
	json_t *o;

	check(s, "enf_export_json returned NULL");
	check(!strchr(s, '\n'), "a raw newline in the line: %s", s);
	check(strlen(s) + 1 < ENF_EXPORT_LINE_MAX, "line of %zu bytes",
	      strlen(s));
	o = json_loads(s, 0, &e);
	check(o && json_is_object(o), "not a JSON object (%s): %s", e.text, s);
	free(s);
	return o;
}

static const char *str_at(json_t *o, const char *path)
{
	char key[64], *dot;
	json_t *v = o;

	snprintf(key, sizeof(key), "%s", path);
	dot = strchr(key, '.');
	if (dot) {
		*dot = '\0';
		v = json_object_get(v, key);
		path = dot + 1;
		snprintf(key, sizeof(key), "%s", path);
	}
	v = json_object_get(v, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static json_int_t int_at(json_t *o, const char *path)
{
	char key[64], *dot;
	json_t *v = o;

	snprintf(key, sizeof(key), "%s", path);
	dot = strchr(key, '.');
	if (dot) {
		*dot = '\0';
		v = json_object_get(v, key);
		snprintf(key, sizeof(key), "%s", dot + 1);
	}
	v = json_object_get(v, key);
	check(json_is_integer(v), "%s is not an integer", path);
	return json_integer_value(v);
}

static void check_str(json_t *o, const char *path, const char *want)
{
	const char *got = str_at(o, path);

	check(got && !strcmp(got, want), "%s: \"%s\", want \"%s\"", path,
	      got ? got : "(missing)", want);
}

/* @o has exactly the members @keys (NULL-terminated), in any order. */
static void check_keys(json_t *o, const char *what, const char *const *keys)
{
	size_t n = 0;
	const char *k;
	json_t *v;

	for (; keys[n]; n++)
		check(json_object_get(o, keys[n]), "%s: no \"%s\"", what,
		      keys[n]);
	json_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		check(keys[i], "%s: unexpected member \"%s\"", what, k);
	}
	check(json_object_size(o) == n, "%s: %zu members, want %zu", what,
	      json_object_size(o), n);
}

static void test_json_full(void **state)
{
	static const char *const top[] = {
		"timestamp", "time_ns", "host",	      "id",	  "hash",
		"event",     "rule_id", "msg",	      "severity", "action",
		"point",     "shadow",	"process",    "flow",	  "tls",
		"http",	     "match",	"latency_ns", NULL,
	};
	static const char *const process[] = {
		"pid",	   "tgid",	"uid",	  "exe",       "comm",
		"cmdline", "cgroup_id", "cgroup", "container", NULL,
	};
	static const char *const flow[] = {
		"proto",     "src_ip",	    "src_port",	 "dest_ip",
		"dest_port", "sock_cookie", "direction", NULL,
	};
	static const char *const tls[] = { "library", NULL };
	static const char *const http[] = { "method", "hostname", "url", NULL };
	static const char *const match[] = { "excerpt", "logdata", NULL };
	struct pdb_audit a = full_row();
	char host[256] = "";
	json_t *o;

	(void)state;
	o = parse_event(&a, 99, hash0);
	check_keys(o, "event", top);
	check_keys(json_object_get(o, "process"), "process", process);
	check_keys(json_object_get(o, "flow"), "flow", flow);
	check_keys(json_object_get(o, "tls"), "tls", tls);
	check_keys(json_object_get(o, "http"), "http", http);
	check_keys(json_object_get(o, "match"), "match", match);

	check_str(o, "timestamp", "2024-05-01T12:34:56.123456+0000");
	check(int_at(o, "time_ns") == T0, "time_ns");
	gethostname(host, sizeof(host) - 1);
	check_str(o, "host", host);
	check(int_at(o, "id") == 99, "id");
	check_str(o, "hash", hash0_hex);
	check_str(o, "event", "block");
	check(int_at(o, "rule_id") == 942100, "rule_id");
	check_str(o, "msg", "SQL injection");
	check(int_at(o, "severity") == 2, "severity");
	check_str(o, "action", "deny:src");
	check_str(o, "point", "nic");
	check(json_is_true(json_object_get(o, "shadow")), "shadow not true");
	check(int_at(o, "process.pid") == 4242, "pid");
	check(int_at(o, "process.tgid") == 4240, "tgid");
	check(int_at(o, "process.uid") == 33, "uid");
	check_str(o, "process.exe", "/usr/sbin/nginx");
	check_str(o, "process.comm", "nginx");
	check_str(o, "process.cmdline", "nginx: worker process");
	check(int_at(o, "process.cgroup_id") == 12345, "cgroup_id");
	check_str(o, "process.cgroup", "/system.slice/nginx.service");
	check_str(o, "process.container", "0123abcd");
	check_str(o, "flow.proto", "tcp");
	check_str(o, "flow.src_ip", "203.0.113.7");
	check(int_at(o, "flow.src_port") == 51515, "src_port");
	check_str(o, "flow.dest_ip", "192.0.2.10");
	check(int_at(o, "flow.dest_port") == 443, "dest_port");
	check(int_at(o, "flow.sock_cookie") == 777, "sock_cookie");
	check_str(o, "flow.direction", "inbound");
	check_str(o, "tls.library", "openssl");
	check_str(o, "http.method", "GET");
	check_str(o, "http.hostname", "shop.example");
	check_str(o, "http.url", "/item?id=1' OR '1'='1");
	check_str(o, "match.excerpt", "' OR '1'='1");
	check_str(o, "match.logdata", "id=1' OR");
	check(int_at(o, "latency_ns") == 150000, "latency_ns");
	json_decref(o);
}

/* Unknown values are left out; the always-there members stay. */
static void test_json_omits_unknown(void **state)
{
	static const char *const top[] = {
		"timestamp", "time_ns", "host",	  "id",
		"hash",	     "event",	"shadow", NULL,
	};
	static const char *const top_nohash[] = {
		"timestamp", "time_ns", "host", "id", "event", "shadow", NULL,
	};
	struct pdb_audit a = {
		.time_ns = 1000, /* 1970-01-01T00:00:00.000001 */
		.event = "match",
		.severity = -1,
		.msg = "", /* empty is unknown too */
		.logdata = "",
		.cmdline = "",
	};
	json_t *o;

	(void)state;
	o = parse_event(&a, 1, hash0);
	check(!json_object_get(o, "process"), "empty process present");
	/* "host" is left out where gethostname() gives nothing */
	json_object_set_new(o, "host", json_string("h"));
	check_keys(o, "minimal event", top);
	check_str(o, "timestamp", "1970-01-01T00:00:00.000001+0000");
	check(json_is_false(json_object_get(o, "shadow")), "shadow not false");
	json_decref(o);

	o = parse_event(&a, 2, NULL);
	json_object_set_new(o, "host", json_string("h"));
	check_keys(o, "event without hash", top_nohash);
	json_decref(o);

	/* severity 0 (emergency) and uid 0 (root) are values, not unknown;
	 * a flow with its address only is a flow */
	a.severity = 0;
	a.pid = 1;
	a.uid = 0;
	a.saddr = "::1";
	o = parse_event(&a, 3, NULL);
	check(int_at(o, "severity") == 0, "severity 0 left out");
	check(int_at(o, "process.uid") == 0, "uid 0 left out");
	check_str(o, "flow.src_ip", "::1");
	check(!json_object_get(json_object_get(o, "flow"), "src_port"),
	      "src_port 0 present");
	check(!json_object_get(o, "tls"), "empty tls present");
	check(!json_object_get(o, "http"), "empty http present");
	check(!json_object_get(o, "match"), "empty match present");
	check(!json_object_get(o, "truncated"), "truncated present");
	json_decref(o);
}

/* Bytes outside UTF-8 become \xHH; valid UTF-8 and control characters
 * come back as they were. */
static void test_json_utf8_and_control(void **state)
{
	struct pdb_audit a = full_row();
	char *s;
	json_t *o;

	(void)state;
	a.uri = "/a\xff\xc0\xaf"
		"b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		"\xed\xa0\x80z\xe2\x82";
	a.msg = "line1\nline2\ttab\x01\x1f\"q\"\\";
	a.excerpt = "\x80";
	o = parse_event(&a, 5, hash0);
	/* valid: é € 😀; invalid: ff, overlong c0 af, surrogate ed a0 80,
	 * the cut sequence e2 82 at the end */
	check_str(o, "http.url",
		  "/a\\xFF\\xC0\\xAFb\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
		  "\\xED\\xA0\\x80z\\xE2\\x82");
	check_str(o, "msg", "line1\nline2\ttab\x01\x1f\"q\"\\");
	check_str(o, "match.excerpt", "\\x80");
	json_decref(o);

	s = enf_export_json(&a, 5, hash0);
	check(s, "enf_export_json returned NULL");
	check(strstr(s, "\"msg\":\"line1\\nline2\\ttab\\u0001\\u001F\\\"q\\\""
			"\\\\\""),
	      "control characters not escaped: %s", s);
	check(strstr(s, "\"url\":\"/a\\\\xFF\\\\xC0"),
	      "invalid bytes not as \\\\xHH: %s", s);
	free(s);
}

/* Text that would make the line pass ENF_EXPORT_LINE_MAX is cut. */
static void test_json_line_bound(void **state)
{
	struct pdb_audit a = full_row();
	char *ctl = malloc(8193), *bad = malloc(8193);
	json_t *o;

	(void)state;
	check(ctl && bad, "out of memory");
	memset(ctl, 0x01, 8192); /* \u0001: 6 bytes each */
	memset(bad, 0xfe, 8192); /* \\xFE: 5 bytes each */
	ctl[8192] = bad[8192] = '\0';
	a.uri = ctl;
	a.exe = bad;
	a.cgroup = ctl;
	a.cmdline = bad;
	a.excerpt = ctl;
	o = parse_event(&a, 6, hash0);
	check(json_is_true(json_object_get(o, "truncated")),
	      "cut line without \"truncated\"");
	check(str_at(o, "http.url") && strlen(str_at(o, "http.url")) > 0,
	      "url left out instead of cut");
	check_str(o, "event", "block");
	json_decref(o);
	free(ctl);
	free(bad);
}

/*
 * The exporter against real files, in a temporary directory per test.
 */

static struct enf_export *start(struct fx *fx, const char *file, bool syslog,
				size_t queue_max)
{
	struct enf_export_opts o = {
		.file = file,
		.syslog = syslog,
		.queue_max = queue_max,
	};
	struct enf_export *x = NULL;
	int ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));

	check(!ret && x, "enf_export_new: %d %s", ret, fx->err);
	return x;
}

static void submit(struct enf_export *x, int64_t from, int64_t to)
{
	struct pdb_audit a = full_row();

	for (int64_t id = from; id <= to; id++) {
		a.time_ns = T0 + id;
		enf_export_event(x, &a, id, hash0);
	}
}

/*
 * Waits until the thread is done with every event queued (written or an
 * error) and @want were queued. Not a timing check: 30 s only keeps a
 * broken exporter from hanging the test.
 */
static void settle(struct enf_export *x, uint64_t want,
		   struct enf_export_stats *s)
{
	for (int i = 0; i < 30000; i++) {
		enf_export_get_stats(x, s);
		if (s->queued == want && s->written + s->errors == want)
			return;
		usleep(1000);
	}
	fail_msg("exporter not done: queued %llu written %llu errors %llu",
		 (unsigned long long)s->queued, (unsigned long long)s->written,
		 (unsigned long long)s->errors);
}

/* The lines of @path: each a JSON object; their ids into @ids. */
static size_t read_ids(const char *path, int64_t *ids, size_t max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	check(f, "open %s: %s", path, strerror(errno));
	while ((len = getline(&line, &cap, f)) > 0) {
		json_error_t e;
		json_t *o;

		check(line[len - 1] == '\n', "line %zu without newline", n + 1);
		o = json_loads(line, 0, &e);
		check(o && json_is_object(o), "line %zu: %s", n + 1, e.text);
		check(n < max, "more than %zu lines", max);
		ids[n++] = json_integer_value(json_object_get(o, "id"));
		json_decref(o);
	}
	free(line);
	fclose(f);
	return n;
}

static void test_file_1000(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct enf_export *x = start(fx, fx->path, false, 0);
	static int64_t ids[1001];
	struct stat st;
	size_t n;

	submit(x, 1, 1000);
	settle(x, 1000, &s);
	check(s.written == 1000, "written %llu", (unsigned long long)s.written);
	check(!s.dropped, "dropped %llu", (unsigned long long)s.dropped);
	check(!s.errors, "errors %llu", (unsigned long long)s.errors);
	check(!s.reopens, "reopens %llu", (unsigned long long)s.reopens);
	enf_export_free(x);

	check(!stat(fx->path, &st), "stat: %s", strerror(errno));
	check(!(st.st_mode & 0777 & ~0640), "mode %o, not within 0640",
	      st.st_mode & 0777);
	n = read_ids(fx->path, ids, 1001);
	check(n == 1000, "%zu lines, want 1000", n);
	for (size_t i = 0; i < n; i++)
		check(ids[i] == (int64_t)i + 1, "line %zu has id %lld", i + 1,
		      (long long)ids[i]);
}

/* logrotate: rename, then SIGHUP (enf_export_reopen()). */
static void test_reopen(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct enf_export *x = start(fx, fx->path, false, 0);
	char rotated[160];
	int64_t ids[32];
	size_t n;

	snprintf(rotated, sizeof(rotated), "%s.1", fx->path);
	submit(x, 1, 10);
	settle(x, 10, &s);
	check(!rename(fx->path, rotated), "rename: %s", strerror(errno));
	enf_export_reopen(x);
	submit(x, 11, 20);
	settle(x, 20, &s);
	check(s.written == 20, "written %llu", (unsigned long long)s.written);
	check(s.reopens == 1, "reopens %llu", (unsigned long long)s.reopens);
	enf_export_free(x);

	n = read_ids(rotated, ids, 32);
	check(n == 10 && ids[0] == 1 && ids[9] == 10,
	      "rotated file: %zu lines, %lld..%lld", n, (long long)ids[0],
	      (long long)ids[n ? n - 1 : 0]);
	n = read_ids(fx->path, ids, 32);
	check(n == 10 && ids[0] == 11 && ids[9] == 20,
	      "new file: %zu lines, %lld..%lld", n, (long long)ids[0],
	      (long long)ids[n ? n - 1 : 0]);
}

struct drain {
	int fd;
	size_t lines;
};

/* Reads the FIFO to its end (the exporter closing it). */
static void *drain_main(void *arg)
{
	struct drain *d = arg;
	char buf[65536];
	ssize_t n;

	fcntl(d->fd, F_SETFL, fcntl(d->fd, F_GETFL) & ~O_NONBLOCK);
	while ((n = read(d->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (ssize_t i = 0; i < n; i++)
			d->lines += buf[i] == '\n';
	}
	return NULL;
}

/*
 * A FIFO at @path whose pipe is full: its read end in *@rfd (nothing
 * read), its contents 'x' bytes (no newline: the reader's line count is
 * the exporter's lines). Return: a write end, to close once the
 * exporter has opened the FIFO.
 */
static int full_fifo(const char *path, int *rfd)
{
	char junk[4096];
	int wfd;

	memset(junk, 'x', sizeof(junk));
	check(!mkfifo(path, 0600), "mkfifo: %s", strerror(errno));
	*rfd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	check(*rfd >= 0, "open fifo: %s", strerror(errno));
	wfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	check(wfd >= 0, "open fifo for writing: %s", strerror(errno));
	while (write(wfd, junk, sizeof(junk)) > 0)
		;
	while (write(wfd, junk, 1) > 0)
		;
	check(errno == EAGAIN, "filling the pipe: %s", strerror(errno));
	return wfd;
}

/*
 * A FIFO whose reader does not read, its pipe full from the start: the
 * thread cannot write a byte, the queue (64) fills, and the caller goes
 * on: every event past what the queue and the thread's take hold (64
 * each) is dropped at once.
 */
static void test_blocked_fifo(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct drain d = { 0 };
	struct enf_export *x;
	pthread_t reader;
	int wfd;

	wfd = full_fifo(fx->path, &d.fd);
	x = start(fx, fx->path, false, 64);
	close(wfd);
	alarm(60); /* a caller that waits for the sink fails here */
	submit(x, 1, 10000);
	alarm(0);
	enf_export_get_stats(x, &s);
	check(s.queued + s.dropped == 10000, "queued %llu + dropped %llu",
	      (unsigned long long)s.queued, (unsigned long long)s.dropped);
	check(s.queued <= 2 * 64, "queued %llu past the queue and a take",
	      (unsigned long long)s.queued);
	check(s.dropped >= 10000 - 2 * 64, "dropped %llu",
	      (unsigned long long)s.dropped);
	check(!s.written, "written %llu into a full pipe",
	      (unsigned long long)s.written);

	check(!pthread_create(&reader, NULL, drain_main, &d), "reader");
	settle(x, s.queued, &s);
	check(s.written == s.queued, "written %llu of %llu",
	      (unsigned long long)s.written, (unsigned long long)s.queued);
	check(!s.errors, "errors %llu", (unsigned long long)s.errors);
	enf_export_free(x);
	pthread_join(reader, NULL);
	check(d.lines == s.written, "reader got %zu lines of %llu", d.lines,
	      (unsigned long long)s.written);
	close(d.fd);
}

/* Nobody ever reads: free() gives up after ENF_EXPORT_STOP_MS. A free()
 * that hangs is ended by the alarm, and the test fails. */
static void test_blocked_fifo_free(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct enf_export *x;
	int rfd, wfd;

	wfd = full_fifo(fx->path, &rfd);
	x = start(fx, fx->path, false, 64);
	close(wfd);
	submit(x, 1, 1000);
	enf_export_get_stats(x, &s);
	check(s.queued && !s.written, "queued %llu written %llu",
	      (unsigned long long)s.queued, (unsigned long long)s.written);
	alarm(60);
	enf_export_free(x);
	alarm(0);
	close(rfd);
}

/* A sink that fails every write: errors counted, nothing written. */
static void test_dev_full(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct enf_export *x;

	if (access("/dev/full", W_OK)) {
		skip();
		return;
	}
	x = start(fx, "/dev/full", false, 0);
	submit(x, 1, 100);
	settle(x, 100, &s);
	check(s.errors == 100, "errors %llu", (unsigned long long)s.errors);
	check(!s.written, "written %llu", (unsigned long long)s.written);
	enf_export_free(x);
}

/* The file's directory goes: the reopen fails, events count as errors
 * until a reopen succeeds. */
static void test_dir_removed(void **state)
{
	struct fx *fx = *state;
	struct enf_export_stats s;
	struct enf_export *x;
	char sub[96], path[160];
	int64_t ids[16];
	size_t n;

	snprintf(sub, sizeof(sub), "%s/log", fx->dir);
	snprintf(path, sizeof(path), "%s/eve.json", sub);
	check(!mkdir(sub, 0700), "mkdir: %s", strerror(errno));
	x = start(fx, path, false, 0);
	submit(x, 1, 5);
	settle(x, 5, &s);
	check(s.written == 5, "written %llu", (unsigned long long)s.written);

	check(!unlink(path) && !rmdir(sub), "remove: %s", strerror(errno));
	enf_export_reopen(x);
	submit(x, 6, 10);
	settle(x, 10, &s);
	check(s.errors == 5, "errors %llu", (unsigned long long)s.errors);
	check(!s.reopens, "failed reopen counted: %llu",
	      (unsigned long long)s.reopens);

	check(!mkdir(sub, 0700), "mkdir: %s", strerror(errno));
	enf_export_reopen(x);
	submit(x, 11, 15);
	settle(x, 15, &s);
	check(s.written == 10, "written %llu", (unsigned long long)s.written);
	check(s.errors == 5, "errors %llu", (unsigned long long)s.errors);
	check(s.reopens == 1, "reopens %llu", (unsigned long long)s.reopens);
	enf_export_free(x);
	n = read_ids(path, ids, 16);
	check(n == 5 && ids[0] == 11 && ids[4] == 15,
	      "recreated file: %zu lines", n);
}

/*
 * syslog alone. Where it goes cannot be seen here: with no /dev/log (a
 * build VM, a container) glibc's syslog(3) drops messages silently, and
 * with one they reach the host's journal. What is checked: new() takes
 * it, and every event is taken and counted written.
 */
static void test_syslog_only(void **state)
{
	struct fx *fx = *state;
	struct enf_export_opts o = { .syslog = true, .facility = LOG_LOCAL7 };
	struct enf_export_stats s;
	struct enf_export *x = NULL;
	int ret;

	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(!ret && x, "enf_export_new: %d %s", ret, fx->err);
	submit(x, 1, 10);
	settle(x, 10, &s);
	check(s.written == 10, "written %llu", (unsigned long long)s.written);
	check(!s.errors && !s.dropped, "errors %llu dropped %llu",
	      (unsigned long long)s.errors, (unsigned long long)s.dropped);
	enf_export_free(x);
}

static void test_new_errors(void **state)
{
	struct fx *fx = *state;
	struct enf_export_opts o = { 0 };
	struct enf_export *x = (struct enf_export *)1;
	char path[160];
	int ret;

	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(ret == -EINVAL, "no sink: %d", ret);
	check(!x, "no sink: *out set");
	check(fx->err[0], "no sink: no message");

	o.file = "";
	fx->err[0] = '\0';
	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(ret == -EINVAL && fx->err[0], "file \"\": %d", ret);

	snprintf(path, sizeof(path), "%s/missing/eve.json", fx->dir);
	o.file = path;
	fx->err[0] = '\0';
	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(ret == -ENOENT, "missing directory: %d", ret);
	check(strstr(fx->err, path), "message without the path: %s", fx->err);

	/* a FIFO with no reader */
	o.file = fx->path;
	check(!mkfifo(fx->path, 0600), "mkfifo: %s", strerror(errno));
	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(ret == -ENXIO, "FIFO without reader: %d", ret);

	o.file = NULL;
	o.syslog = true;
	o.queue_max = ENF_EXPORT_QUEUE_LIMIT + 1;
	ret = enf_export_new(&o, &x, fx->err, sizeof(fx->err));
	check(ret == -EINVAL, "queue over the limit: %d", ret);

	enf_export_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_full),
		cmocka_unit_test(test_json_omits_unknown),
		cmocka_unit_test(test_json_utf8_and_control),
		cmocka_unit_test(test_json_line_bound),
		cmocka_unit_test_setup_teardown(test_file_1000, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_blocked_fifo, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_blocked_fifo_free, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dev_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_removed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_syslog_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_new_errors, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
