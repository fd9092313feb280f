// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enf_http_derive(): what a request's head and body imply, on requests
 * built by hand (no parser): path and query, the decoded URI and path, the
 * host (Host, absolute-form, given by HTTP/2), cookies, the body type and
 * the body arguments of urlencoded, JSON and multipart/form-data bodies,
 * with each of their anomalies set by its trigger and not by a clean case,
 * and every cap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/http/http1.h"
#include "enforcer/http/http_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* a string literal and its length, NUL bytes included */
#define L(s) s, sizeof(s) - 1
#define MAX_HDRS 16

/* One test's request, its headers, the derive buffers and the caps. */
struct t {
	struct enf_request req;
	struct enf_field hdrs[MAX_HDRS];
	struct enf_http_derive d;
	struct enf_http_limits lim;
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	t->lim.max_line = 8192;
	t->lim.max_headers = 100;
	t->lim.max_header_bytes = 65536;
	t->lim.max_args = 256;
	t->lim.max_body = 65536;
	t->lim.max_json_depth = 32;
	t->lim.max_parts = 128;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;

	enf_http_derive_release(&t->d);
	free(t);
	return 0;
}

static struct enf_str S(const char *s) {
	struct enf_str r = { .ptr = s, .len = strlen(s) };

	return r;
}

/* A new request (the derive buffers are kept, as between requests). */
static void
t_req(struct t *t, const char *method, const char *uri)
{
	memset(&t->req, 0, sizeof(t->req));
	t->req.method = S(method);
	t->req.uri = S(uri);
	t->req.protocol = S("HTTP/1.1");
	t->req.headers = t->hdrs;
}

static void t_hdr(struct t *t, const char *name, const char *value)
{
	assert_true(t->req.n_headers < MAX_HDRS);
	t->hdrs[t->req.n_headers].name = S(name);
	t->hdrs[t->req.n_headers].value = S(value);
	t->req.n_headers++;
}

/* The body: @len bytes kept of @body_len framed. */
static void t_body(struct t *t, const char *body, size_t len, size_t body_len)
{
	t->req.body.ptr = body;
	t->req.body.len = len;
	t->req.body_len = body_len;
}

static void t_derive(struct t *t)
{
	int err = enf_http_derive(&t->d, &t->req, &t->lim);

	if (err)
		fail_msg("enf_http_derive: %d", err);
}

static void check_mem(const char *check, struct enf_str got, const char *want,
		      size_t wlen)
{
	if (got.len != wlen || (wlen && memcmp(got.ptr, want, wlen)))
		fail_msg("%s: got \"%.*s\" (%zu bytes), want \"%.*s\" (%zu)",
			 check, (int)got.len, got.ptr ? got.ptr : "", got.len,
			 (int)wlen, want, wlen);
}

static void check_str(const char *check, struct enf_str got, const char *want)
{
	check_mem(check, got, want, strlen(want));
}

static void check_n(const char *check, size_t got, size_t want)
{
	if (got != want)
		fail_msg("%s: %zu, want %zu", check, got, want);
}

/* Checks that anomaly @bit is set (@set) or not. */
static void check_anom(const char *check, const struct t *t, uint64_t bit,
		       bool set)
{
	if (!!(t->req.anomalies & bit) != set)
		fail_msg("%s: anomaly 0x%llx %s (anomalies 0x%llx)", check,
			 (unsigned long long)bit, set ? "not set" : "set",
			 (unsigned long long)t->req.anomalies);
}

/* Checks argument @i of a list against a name and a value (bytes). */
static void check_arg(const char *check, const struct enf_field *list, size_t n,
		      size_t i, const char *name, size_t nlen,
		      const char *value, size_t vlen)
{
	char what[256];

	if (i >= n)
		fail_msg("%s: argument %zu missing (%zu arguments)", check, i,
			 n);
	snprintf(what, sizeof(what), "%s: name of argument %zu", check, i);
	check_mem(what, list[i].name, name, nlen);
	snprintf(what, sizeof(what), "%s: value of argument %zu", check, i);
	check_mem(what, list[i].value, value, vlen);
}

#define CHECK_POST(check, t, i, name, value)                                \
	check_arg(check, (t)->req.args_post, (t)->req.n_args_post, i, name, \
		  strlen(name), value, strlen(value))
#define CHECK_GET(check, t, i, name, value)                       \
	check_arg(check, (t)->req.args, (t)->req.n_args, i, name, \
		  strlen(name), value, strlen(value))
#define CHECK_COOKIE(check, t, i, name, value)                          \
	check_arg(check, (t)->req.cookies, (t)->req.n_cookies, i, name, \
		  strlen(name), value, strlen(value))

/* URI */

static void test_uri_split(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/a/b%20c?x=1&y=%41+b&&z");
	t_derive(t);
	check_str("path: up to '?'", t->req.path, "/a/b%20c");
	check_str("query: after '?'", t->req.query, "x=1&y=%41+b&&z");
	check_str("uri_decoded: decoded once", t->req.uri_decoded,
		  "/a/b c?x=1&y=A+b&&z");
	check_str("path_decoded: decoded once", t->req.path_decoded, "/a/b c");
	check_n("ARGS_GET: three, the empty piece skipped", t->req.n_args, 3);
	CHECK_GET("ARGS_GET x", t, 0, "x", "1");
	CHECK_GET("ARGS_GET y: '+' is a space in a query", t, 1, "y", "A b");
	CHECK_GET("ARGS_GET z: no '='", t, 2, "z", "");
	check_anom("clean URI: no BAD_ESCAPE", t, ENF_ANOM_BAD_ESCAPE, false);
	check_anom("clean URI: no ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT, false);
	check_str("no Host: host empty", t->req.host, "");

	t_req(t, "GET", "/only/path");
	t_derive(t);
	check_str("no '?': path is the target", t->req.path, "/only/path");
	check_n("no '?': query empty", t->req.query.len, 0);
	check_n("no '?': no ARGS_GET", t->req.n_args, 0);

	t_req(t, "GET", "/p?");
	t_derive(t);
	check_str("trailing '?': path", t->req.path, "/p");
	check_n("trailing '?': empty query", t->req.query.len, 0);
	check_n("trailing '?': query points after the '?'",
		(size_t)(t->req.query.ptr - t->req.uri.ptr), 3);
}

static void test_uri_double_encoding(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/a/%252e%252e/etc?f=%252e%252e");
	t_derive(t);
	check_str("raw URI untouched", t->req.uri,
		  "/a/%252e%252e/etc?f=%252e%252e");
	check_str("uri_decoded: %252e stays %2e (once)", t->req.uri_decoded,
		  "/a/%2e%2e/etc?f=%2e%2e");
	check_str("path_decoded: %252e stays %2e", t->req.path_decoded,
		  "/a/%2e%2e/etc");
	CHECK_GET("ARGS_GET decoded once", t, 0, "f", "%2e%2e");
	check_anom("double encoding is no BAD_ESCAPE", t, ENF_ANOM_BAD_ESCAPE,
		   false);
}

static void test_uri_plus_nul_bad_escape(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/a+b%00c%2F");
	t_derive(t);
	check_mem("uri_decoded: '+' kept, %00 a NUL", t->req.uri_decoded,
		  L("/a+b\0c/"));
	check_mem("path_decoded: NUL kept", t->req.path_decoded, L("/a+b\0c/"));
	check_anom("valid escapes: no BAD_ESCAPE", t, ENF_ANOM_BAD_ESCAPE,
		   false);

	t_req(t, "GET", "/x%zz%4");
	t_derive(t);
	check_str("invalid escapes kept as is", t->req.uri_decoded, "/x%zz%4");
	check_anom("invalid escape sets BAD_ESCAPE", t, ENF_ANOM_BAD_ESCAPE,
		   true);

	t_req(t, "GET", "/ok?a=%g1");
	t_derive(t);
	check_anom("invalid escape in the query sets BAD_ESCAPE", t,
		   ENF_ANOM_BAD_ESCAPE, true);
}

/* Host */

static void test_host_header(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/");
	t_hdr(t, "Accept", "*/*");
	t_hdr(t, "hOST", " example.com:8443 ");
	t_derive(t);
	check_str("Host header, any case, OWS trimmed", t->req.host,
		  "example.com:8443");
	check_anom("one Host: no DUP_HOST", t, ENF_ANOM_DUP_HOST, false);

	t_req(t, "GET", "/");
	t_hdr(t, "Host", "first.example");
	t_hdr(t, "Host", "second.example");
	t_derive(t);
	check_str("two Host headers: the first", t->req.host, "first.example");
	check_anom("two Host headers set DUP_HOST", t, ENF_ANOM_DUP_HOST, true);

	t_req(t, "GET", "/http://not.absolute/x");
	t_hdr(t, "Host", "h.example");
	t_derive(t);
	check_str("origin-form with a URL inside: Host", t->req.host,
		  "h.example");
	check_str("origin-form with a URL inside: path", t->req.path,
		  "/http://not.absolute/x");
}

static void test_host_absolute_form(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "http://user:pw@abs.example:8080/p/%41?x=1");
	t_hdr(t, "Host", "other.example");
	t_derive(t);
	check_str("absolute-form: the authority wins, userinfo dropped",
		  t->req.host, "abs.example:8080");
	check_str("absolute-form: path of the target's path part", t->req.path,
		  "/p/%41");
	check_str("absolute-form: query", t->req.query, "x=1");
	check_str("absolute-form: path_decoded", t->req.path_decoded, "/p/A");
	check_str("absolute-form: uri_decoded from the path on, as v3",
		  t->req.uri_decoded, "/p/A?x=1");
	CHECK_GET("absolute-form: ARGS_GET", t, 0, "x", "1");
	check_anom("absolute-form and one Host: no DUP_HOST", t,
		   ENF_ANOM_DUP_HOST, false);

	t_req(t, "GET", "HTTPS://h.example?q");
	t_derive(t);
	check_str("absolute-form without a path: host", t->req.host,
		  "h.example");
	check_str("absolute-form without a path: path empty", t->req.path, "");
	check_str("absolute-form without a path: query", t->req.query, "q");
	check_str("absolute-form without a path: uri_decoded",
		  t->req.uri_decoded, "?q");

	t_req(t, "GET", "http:///x");
	t_hdr(t, "Host", "fallback.example");
	t_derive(t);
	check_str("empty authority: the Host header", t->req.host,
		  "fallback.example");
	check_str("empty authority: path", t->req.path, "/x");
}

static void test_host_given_by_protocol(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/s");
	t->req.protocol = S("HTTP/2.0");
	t->req.host = S("authority.example");
	t_hdr(t, "host", "header.example");
	t_derive(t);
	check_str("HTTP/2: :authority kept over Host", t->req.host,
		  "authority.example");
	check_anom("HTTP/2 with one host: no DUP_HOST", t, ENF_ANOM_DUP_HOST,
		   false);

	t_req(t, "GET", "/s");
	t->req.host = S("authority.example");
	t_hdr(t, "host", "a.example");
	t_hdr(t, "host", "b.example");
	t_derive(t);
	check_anom("HTTP/2 with two host fields: DUP_HOST", t,
		   ENF_ANOM_DUP_HOST, true);
}

/* Cookies */

static void test_cookies(void **state)
{
	struct t *t = *state;

	t_req(t, "GET", "/");
	t_hdr(t, "Cookie", " a=1; b = 2 ;c=;d; ;;e=x=y ; g=%41+");
	t_hdr(t, "X-Other", "z=9");
	t_hdr(t, "cookie", "f=3");
	t_derive(t);
	check_n("cookies: empty pieces skipped", t->req.n_cookies, 7);
	CHECK_COOKIE("cookie a", t, 0, "a", "1");
	CHECK_COOKIE("cookie b: only the piece is trimmed", t, 1, "b ", " 2");
	CHECK_COOKIE("cookie c: empty value", t, 2, "c", "");
	CHECK_COOKIE("cookie d: no '='", t, 3, "d", "");
	CHECK_COOKIE("cookie e: split at the first '='", t, 4, "e", "x=y");
	CHECK_COOKIE("cookie g: not decoded", t, 5, "g", "%41+");
	CHECK_COOKIE("cookie f: second Cookie header, in order", t, 6, "f",
		     "3");
	check_anom("cookies: no ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT, false);

	t_req(t, "GET", "/");
	t_derive(t);
	check_n("no Cookie header: no cookies", t->req.n_cookies, 0);
}

static void test_caps_args(void **state)
{
	struct t *t = *state;

	t->lim.max_args = 2;
	t_req(t, "GET", "/?a=1&b=2");
	t_hdr(t, "Cookie", "a=1; b=2");
	t_derive(t);
	check_n("two query args at a cap of 2", t->req.n_args, 2);
	check_n("two cookies at a cap of 2", t->req.n_cookies, 2);
	check_anom("at the cap: no ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT, false);

	t_req(t, "GET", "/?a=1&b=2&c=3");
	t_derive(t);
	check_n("three query args: two kept", t->req.n_args, 2);
	check_anom("query over the cap: ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT,
		   true);

	t_req(t, "GET", "/");
	t_hdr(t, "Cookie", "a=1; b=2");
	t_hdr(t, "Cookie", "c=3");
	t_derive(t);
	check_n("three cookies: two kept", t->req.n_cookies, 2);
	check_anom("cookies over the cap: ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT,
		   true);

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/x-www-form-urlencoded");
	t_body(t, L("a=1&b=2&c=3"), 11);
	t_derive(t);
	check_n("three body args: two kept", t->req.n_args_post, 2);
	check_anom("body args over the cap: ARGS_LIMIT", t, ENF_ANOM_ARGS_LIMIT,
		   true);
}

/* Body type and urlencoded bodies */

static void test_body_type(void **state)
{
	static const struct {
		const char *ctype; /* NULL: no Content-Type */
		uint32_t want;
	} cases[] = {
		{ "application/x-www-form-urlencoded", ENF_BODY_URLENCODED },
		{ "Application/X-WWW-Form-Urlencoded ; charset=utf-8",
		  ENF_BODY_URLENCODED },
		{ "application/json", ENF_BODY_JSON },
		{ "APPLICATION/JSON;charset=UTF-8", ENF_BODY_JSON },
		{ "application/vnd.api+json", ENF_BODY_JSON },
		{ "application/problem+JSON; x=1", ENF_BODY_JSON },
		{ "multipart/form-data; boundary=x", ENF_BODY_MULTIPART },
		{ "multipart/mixed; boundary=x", ENF_BODY_OTHER },
		{ "text/plain", ENF_BODY_OTHER },
		{ "application/jsonp", ENF_BODY_OTHER },
		{ "+json", ENF_BODY_OTHER },
		{ NULL, ENF_BODY_OTHER },
	};
	struct t *t = *state;
	char check[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t_req(t, "POST", "/");
		if (cases[i].ctype)
			t_hdr(t, "Content-Type", cases[i].ctype);
		t_body(t, L("--x--"), 5);
		t_derive(t);
		snprintf(check, sizeof(check), "body type of \"%s\"",
			 cases[i].ctype ? cases[i].ctype : "(none)");
		check_n(check, t->req.body_type, cases[i].want);
	}

	t_req(t, "GET", "/");
	t_hdr(t, "Content-Type", "application/json");
	t_derive(t);
	check_n("no body: ENF_BODY_NONE", t->req.body_type, ENF_BODY_NONE);
	check_n("no body: no ARGS_POST", t->req.n_args_post, 0);

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "text/plain");
	t_body(t, L("a=1"), 3);
	t_derive(t);
	check_n("text/plain: no ARGS_POST", t->req.n_args_post, 0);
}

static void test_urlencoded(void **state)
{
	struct t *t = *state;

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type",
	      "application/x-www-form-urlencoded; charset=\"UTF-8\"");
	t_body(t, L("a=1&b=%41+c&%252e=%00"), 21);
	t_derive(t);
	check_n("urlencoded: three args", t->req.n_args_post, 3);
	CHECK_POST("urlencoded a", t, 0, "a", "1");
	CHECK_POST("urlencoded b: decoded, '+' a space", t, 1, "b", "A c");
	check_arg("urlencoded %252e: decoded once, NUL value", t->req.args_post,
		  t->req.n_args_post, 2, L("%2e"), L("\0"));
	check_str("charset parameter read", t->d.charset, "UTF-8");
	check_anom("whole body: no BODY_ARGS_PARTIAL", t,
		   ENF_ANOM_BODY_ARGS_PARTIAL, false);
	check_anom("urlencoded clean: no BAD_ESCAPE", t, ENF_ANOM_BAD_ESCAPE,
		   false);

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/x-www-form-urlencoded");
	t_body(t, L("a=1&b=x%4"), 100);
	t_derive(t);
	check_anom("body cut at max_body: BODY_ARGS_PARTIAL", t,
		   ENF_ANOM_BODY_ARGS_PARTIAL, true);
	check_anom("escape cut by the cap: no BAD_ESCAPE", t,
		   ENF_ANOM_BAD_ESCAPE, false);
	CHECK_POST("cut body: first arg", t, 0, "a", "1");
	CHECK_POST("cut body: the cut arg so far", t, 1, "b", "x");

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/x-www-form-urlencoded");
	t_body(t, L("a=x%4"), 5);
	t_derive(t);
	check_anom("whole body with a bad escape: BAD_ESCAPE", t,
		   ENF_ANOM_BAD_ESCAPE, true);
}

/* JSON */

static void t_json(struct t *t, const char *body, size_t len)
{
	t_req(t, "POST", "/api");
	t_hdr(t, "Content-Type", "application/json");
	t_body(t, body, len, len);
	t_derive(t);
}

static void check_json_clean(const char *check, const struct t *t)
{
	char what[160];

	snprintf(what, sizeof(what), "%s: no BAD_JSON", check);
	check_anom(what, t, ENF_ANOM_BAD_JSON, false);
	snprintf(what, sizeof(what), "%s: no JSON_DEPTH_LIMIT", check);
	check_anom(what, t, ENF_ANOM_JSON_DEPTH_LIMIT, false);
	snprintf(what, sizeof(what), "%s: no ARGS_LIMIT", check);
	check_anom(what, t, ENF_ANOM_ARGS_LIMIT, false);
}

static void test_json_names(void **state)
{
	struct t *t = *state;

	t_json(t, L("{\"a\":{\"b\":1},\"c\":[true,{\"d\":null}],\"e\":\"x\","
		    "\"f\":[[1,2],[]],\"\":false,\"g\":{}}"));
	check_json_clean("nested object", t);
	check_n("nested object: body type", t->req.body_type, ENF_BODY_JSON);
	check_n("nested object: args", t->req.n_args_post, 7);
	CHECK_POST("member of a member", t, 0, "json.a.b", "1");
	CHECK_POST("array element", t, 1, "json.c.array_0", "true");
	CHECK_POST("member of an array element", t, 2, "json.c.array_1.d",
		   "null");
	CHECK_POST("string member", t, 3, "json.e", "x");
	CHECK_POST("array in an array, first", t, 4, "json.f.array_0.array_0",
		   "1");
	CHECK_POST("array in an array, second", t, 5, "json.f.array_0.array_1",
		   "2");
	CHECK_POST("empty key", t, 6, "json.empty-key", "false");

	t_json(t, L(" [1, [2, 3], {\"k\": \"v\"}, -0.5e+3]\r\n"));
	check_json_clean("top-level array", t);
	check_n("top-level array: args", t->req.n_args_post, 5);
	CHECK_POST("top-level array 0", t, 0, "json.array_0", "1");
	CHECK_POST("top-level array 1.0", t, 1, "json.array_1.array_0", "2");
	CHECK_POST("top-level array 1.1", t, 2, "json.array_1.array_1", "3");
	CHECK_POST("top-level array 2.k", t, 3, "json.array_2.k", "v");
	CHECK_POST("number as written", t, 4, "json.array_3", "-0.5e+3");

	t_json(t, L("\"top\""));
	check_json_clean("top-level string", t);
	CHECK_POST("top-level scalar is named json", t, 0, "json", "top");

	t_json(t, L("{\"a\":{},\"b\":[],\"c\":[{}]}"));
	check_json_clean("empty containers", t);
	check_n("empty containers give no arguments", t->req.n_args_post, 0);

	t_json(t, L("{\"k\":1,\"k\":2}"));
	check_json_clean("repeated key", t);
	CHECK_POST("repeated key: first", t, 0, "json.k", "1");
	CHECK_POST("repeated key: second", t, 1, "json.k", "2");
}

static void test_json_strings(void **state)
{
	struct t *t = *state;

	t_json(t, L("{\"k\\\"\\\\\\/\\u0041\":\"a\\\"\\\\\\/\\b\\f\\n\\r\\t"
		    "\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"}"));
	check_json_clean("escapes", t);
	check_arg("every escape, surrogate pair to UTF-8, \\u0000 a NUL",
		  t->req.args_post, t->req.n_args_post, 0, L("json.k\"\\/A"),
		  L("a\"\\/\b\f\n\r\t"
		    "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z"));

	t_json(t, L("[\"\\ud800x\", \"\\udc00\", \"\\ud800\\u0041\"]"));
	check_json_clean("lone surrogates", t);
	check_arg("lone high surrogate: its own three bytes", t->req.args_post,
		  t->req.n_args_post, 0, L("json.array_0"), L("\xed\xa0\x80x"));
	check_arg("lone low surrogate: its own three bytes", t->req.args_post,
		  t->req.n_args_post, 1, L("json.array_1"), L("\xed\xb0\x80"));
	check_arg("high surrogate then a non-surrogate", t->req.args_post,
		  t->req.n_args_post, 2, L("json.array_2"),
		  L("\xed\xa0\x80"
		    "A"));

	t_json(t, L("{\"raw\":\"\xc3\xa9\xff\"}"));
	check_json_clean("raw bytes in strings", t);
	check_arg("raw bytes kept", t->req.args_post, t->req.n_args_post, 0,
		  L("json.raw"), L("\xc3\xa9\xff"));
}

static void test_json_numbers(void **state)
{
	static const char *const nums[] = {
		"0",
		"-0",
		"1.5e+10",
		"0.0E-1",
		"123456789012345678901234567890123456789012345678901234567890",
		"-1e999999999",
		"1.000000000000000000000000000000000000001",
	};
	struct t *t = *state;
	char body[256], check[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(nums); i++) {
		snprintf(body, sizeof(body), "{\"n\":%s}", nums[i]);
		t_json(t, body, strlen(body));
		snprintf(check, sizeof(check), "number %s", nums[i]);
		check_json_clean(check, t);
		CHECK_POST(check, t, 0, "json.n", nums[i]);
	}
}

static void test_json_invalid(void **state)
{
	static const struct {
		const char *name;
		const char *body;
		size_t args; /* arguments before the error */
	} cases[] = {
		{ "missing value", "{\"a\":1,\"b\":}", 1 },
		{ "trailing comma in an object", "{\"a\":1,}", 1 },
		{ "trailing comma in an array", "[1,2,]", 2 },
		{ "leading zero", "[01]", 1 },
		{ "control byte in a string", "[\"a\x01\"]", 0 },
		{ "unknown escape", "[\"\\x\"]", 0 },
		{ "bad \\u escape", "[\"\\u12g4\"]", 0 },
		{ "unterminated string", "{\"a\":\"abc", 0 },
		{ "unterminated object", "{\"a\":1", 1 },
		{ "two values", "1 2", 1 },
		{ "missing colon", "{\"a\" 1}", 0 },
		{ "missing comma", "[1 2]", 1 },
		{ "unquoted key", "{a:1}", 0 },
		{ "single quotes", "['a']", 0 },
		{ "cut literal", "[tru]", 0 },
		{ "wrong literal", "[nul1]", 0 },
		{ "lone minus", "[-]", 0 },
		{ "dot without digits", "[1.]", 0 },
		{ "exponent without digits", "[1e]", 0 },
		{ "leading dot", "[.5]", 0 },
		{ "leading plus", "[+1]", 0 },
		{ "empty body of spaces", "  ", 0 },
		{ "byte order mark", "\xef\xbb\xbf{}", 0 },
		{ "close without open", "]", 0 },
		{ "mismatched close", "[1}", 1 },
		{ "comment", "[1]//", 1 },
	};
	struct t *t = *state;
	char check[160];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		t_json(t, cases[i].body, strlen(cases[i].body));
		snprintf(check, sizeof(check), "invalid JSON (%s): BAD_JSON",
			 cases[i].name);
		check_anom(check, t, ENF_ANOM_BAD_JSON, true);
		snprintf(check, sizeof(check),
			 "invalid JSON (%s): the arguments before the error",
			 cases[i].name);
		check_n(check, t->req.n_args_post, cases[i].args);
		snprintf(check, sizeof(check),
			 "invalid JSON (%s): no BODY_ARGS_PARTIAL",
			 cases[i].name);
		check_anom(check, t, ENF_ANOM_BODY_ARGS_PARTIAL, false);
	}
	t_json(t, L("{\"a\":1,\"b\":}"));
	CHECK_POST("invalid JSON: the argument before the error", t, 0,
		   "json.a", "1");
}

static void test_json_depth(void **state)
{
	struct t *t = *state;
	size_t n = 100000, i;
	char *deep;

	t->lim.max_json_depth = 3;
	t_json(t, L("[[[1]]]"));
	check_json_clean("depth 3 at a cap of 3", t);
	CHECK_POST("depth 3 at a cap of 3: argument", t, 0,
		   "json.array_0.array_0.array_0", "1");

	t_json(t, L("{\"a\":1,\"b\":[[[2]]],\"c\":3}"));
	check_anom("depth 4 at a cap of 3: JSON_DEPTH_LIMIT", t,
		   ENF_ANOM_JSON_DEPTH_LIMIT, true);
	check_anom("depth 4 at a cap of 3: no BAD_JSON", t, ENF_ANOM_BAD_JSON,
		   false);
	check_n("too deep: the arguments before", t->req.n_args_post, 1);
	CHECK_POST("too deep: argument before", t, 0, "json.a", "1");

	/* no recursion: a hundred thousand levels under the default cap */
	t->lim.max_json_depth = 32;
	deep = malloc(2 * n);
	assert_non_null(deep);
	for (i = 0; i < n; i++) {
		deep[i] = '[';
		deep[2 * n - 1 - i] = ']';
	}
	t_json(t, deep, 2 * n);
	check_anom("100000 levels: JSON_DEPTH_LIMIT", t,
		   ENF_ANOM_JSON_DEPTH_LIMIT, true);
	check_n("100000 levels: no arguments", t->req.n_args_post, 0);
	free(deep);
}

static void test_json_caps(void **state)
{
	struct t *t = *state;
	size_t klen = 4000, elems = 500, len, i, bytes = 0;
	char *body;

	t->lim.max_args = 2;
	t_json(t, L("[1,2]"));
	check_json_clean("two values at a cap of 2", t);

	t_json(t, L("[1,2,3]"));
	check_n("three values at a cap of 2: two kept", t->req.n_args_post, 2);
	check_anom("three values at a cap of 2: ARGS_LIMIT", t,
		   ENF_ANOM_ARGS_LIMIT, true);
	check_anom("three values at a cap of 2: no BAD_JSON", t,
		   ENF_ANOM_BAD_JSON, false);

	t_json(t, L("[1,2,3,x]"));
	check_anom("past the cap the syntax is still checked", t,
		   ENF_ANOM_BAD_JSON, true);

	/* a long key repeated in every name: held to 2 x body + 8 KiB */
	t->lim.max_args = 100000;
	len = klen + elems * 2 + 16;
	body = malloc(len);
	assert_non_null(body);
	memcpy(body, "{\"", 2);
	memset(body + 2, 'k', klen);
	len = 2 + klen;
	memcpy(body + len, "\":[", 3);
	len += 3;
	for (i = 0; i < elems; i++) {
		body[len++] = '1';
		body[len++] = i + 1 < elems ? ',' : ']';
	}
	body[len++] = '}';
	t_json(t, body, len);
	for (i = 0; i < t->req.n_args_post; i++)
		bytes += t->req.args_post[i].name.len +
			 t->req.args_post[i].value.len;
	if (bytes > 2 * len + 8192)
		fail_msg(
			"long key: %zu bytes of names and values for a body of %zu",
			bytes, len);
	check_anom("long key: names over 2 x body + 8 KiB: ARGS_LIMIT", t,
		   ENF_ANOM_ARGS_LIMIT, true);
	check_anom("long key: no BAD_JSON", t, ENF_ANOM_BAD_JSON, false);
	if (t->req.n_args_post < 2)
		fail_msg("long key: %zu arguments, want some",
			 t->req.n_args_post);
	if (t->req.args_post[1].name.len != 5 + klen + 8 ||
	    memcmp(t->req.args_post[1].name.ptr + 5 + klen, ".array_1", 8))
		fail_msg("long key: second name is not json.<key>.array_1");
	free(body);
}

static void test_json_partial(void **state)
{
	struct t *t = *state;

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/json");
	t_body(t, L("{\"a\":1,\"b\":\"hel"), 100);
	t_derive(t);
	check_anom("JSON cut at max_body: BODY_ARGS_PARTIAL", t,
		   ENF_ANOM_BODY_ARGS_PARTIAL, true);
	check_anom("JSON cut at max_body: no BAD_JSON", t, ENF_ANOM_BAD_JSON,
		   false);
	check_n("JSON cut: the string so far counts", t->req.n_args_post, 2);
	CHECK_POST("JSON cut: first", t, 0, "json.a", "1");
	CHECK_POST("JSON cut: the cut string so far", t, 1, "json.b", "hel");

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/json");
	t_body(t, L("{\"a\":1,\"b\":tr"), 100);
	t_derive(t);
	check_n("JSON cut inside a literal: not an argument",
		t->req.n_args_post, 1);

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/json");
	t_body(t, L("{\"a\":1,\"b\":x"), 100);
	t_derive(t);
	check_anom("cut body with an error before the cut: BAD_JSON", t,
		   ENF_ANOM_BAD_JSON, true);

	t_req(t, "POST", "/");
	t_hdr(t, "Content-Type", "application/json");
	t_body(t, "", 0, 10);
	t_derive(t);
	check_anom("nothing kept: BODY_ARGS_PARTIAL", t,
		   ENF_ANOM_BODY_ARGS_PARTIAL, true);
	check_anom("nothing kept: no BAD_JSON", t, ENF_ANOM_BAD_JSON, false);
}

/* multipart/form-data */

static void t_mp(struct t *t, const char *ctype, const char *body, size_t len,
		 size_t body_len)
{
	t_req(t, "POST", "/upload");
	t_hdr(t, "Content-Type", ctype);
	t_body(t, body, len, body_len);
	t_derive(t);
}

static void check_mp_clean(const char *check, const struct t *t)
{
	char what[160];

	snprintf(what, sizeof(what), "%s: no BAD_MULTIPART", check);
	check_anom(what, t, ENF_ANOM_BAD_MULTIPART, false);
	snprintf(what, sizeof(what), "%s: no BARE_LF", check);
	check_anom(what, t, ENF_ANOM_BARE_LF, false);
	snprintf(what, sizeof(what), "%s: no MULTIPART_LIMIT", check);
	check_anom(what, t, ENF_ANOM_MULTIPART_LIMIT, false);
	snprintf(what, sizeof(what), "%s: no BODY_ARGS_PARTIAL", check);
	check_anom(what, t, ENF_ANOM_BODY_ARGS_PARTIAL, false);
}

#define MP_BODY                                                             \
	"preamble, ignored\r\n"                                             \
	"--AaB03x\r\n"                                                      \
	"Content-Disposition: form-data; name=\"field1\"\r\n"               \
	"\r\n"                                                              \
	"value1\r\n"                                                        \
	"--AaB03x  \r\n"                                                    \
	"content-disposition: Form-Data ; NAME=\"two \\\"q\\\"\"\r\n"       \
	"Content-Type: text/plain\r\n"                                      \
	"\r\n"                                                              \
	"line1\r\nline2\r\n"                                                \
	"--AaB03x\r\n"                                                      \
	"Content-Disposition: form-data; name=up; filename=\"C:\\\\a.txt\"" \
	"\r\n"                                                              \
	"Content-Type: application/octet-stream\r\n"                        \
	"\r\n"                                                              \
	"file body\r\n"                                                     \
	"--AaB03x\r\n"                                                      \
	"Content-Disposition: form-data; name=\"empty\"\r\n"                \
	"\r\n"                                                              \
	"\r\n"                                                              \
	"--AaB03x--\r\n"                                                    \
	"epilogue --AaB03x\r\n"

static void test_multipart(void **state)
{
	struct t *t = *state;

	t_mp(t, "multipart/form-data; boundary=\"AaB03x\"", L(MP_BODY),
	     sizeof(MP_BODY) - 1);
	check_mp_clean("multipart, quoted boundary", t);
	check_n("multipart: body type", t->req.body_type, ENF_BODY_MULTIPART);
	check_n("multipart: four parts", t->req.n_args_post, 4);
	CHECK_POST("multipart: plain part", t, 0, "field1", "value1");
	CHECK_POST("multipart: escaped name, value with a line break", t, 1,
		   "two \"q\"", "line1\r\nline2");
	CHECK_POST("multipart: file part gives its filename", t, 2, "up",
		   "C:\\a.txt");
	CHECK_POST("multipart: empty value", t, 3, "empty", "");

	t_mp(t, "Multipart/Form-Data; charset=utf-8; boundary=AaB03x",
	     L(MP_BODY), sizeof(MP_BODY) - 1);
	check_mp_clean("multipart, token boundary", t);
	check_n("multipart, token boundary: four parts", t->req.n_args_post, 4);
}

static void test_multipart_lf(void **state)
{
	static const char body[] = "--b\n"
				   "Content-Disposition: form-data; name=a\n"
				   "\n"
				   "1\n"
				   "--b\n"
				   "Content-Disposition: form-data; name=b\n"
				   "\n"
				   "2\n"
				   "--b--\n";
	struct t *t = *state;

	t_mp(t, "multipart/form-data; boundary=b", L(body), sizeof(body) - 1);
	check_anom("LF-only multipart: BARE_LF", t, ENF_ANOM_BARE_LF, true);
	check_anom("LF-only multipart: no BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, false);
	check_n("LF-only multipart: two parts", t->req.n_args_post, 2);
	CHECK_POST("LF-only multipart a", t, 0, "a", "1");
	CHECK_POST("LF-only multipart b", t, 1, "b", "2");
}

static void test_multipart_bad(void **state)
{
	static const char no_close[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=a\r\n"
		"\r\n"
		"1\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=z\r\n"
		"\r\n"
		"tail";
	static const char no_name[] =
		"--b\r\n"
		"Content-Disposition: form-data\r\n"
		"\r\n"
		"x\r\n"
		"--b\r\n"
		"\r\n"
		"y\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=k\r\n"
		"\r\n"
		"v\r\n"
		"--b--";
	static const char dup_name[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=a; name=b\r\n"
		"\r\n"
		"v\r\n"
		"--b--\r\n";
	static const char odd_boundary[] =
		"--b{\r\n"
		"Content-Disposition: form-data; name=a\r\n"
		"\r\n"
		"v\r\n"
		"--b{--\r\n";
	static const char no_delim[] = "just text\r\n";
	static const char open_quote[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=\"a\r\n"
		"\r\n"
		"v\r\n"
		"--b--\r\n";
	struct t *t = *state;

	t_mp(t, "multipart/form-data; boundary=b", L(no_close),
	     sizeof(no_close) - 1);
	check_anom("no close delimiter: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
	check_n("no close delimiter: both parts", t->req.n_args_post, 2);
	CHECK_POST("no close delimiter: last value to the end", t, 1, "z",
		   "tail");

	t_mp(t, "multipart/form-data", L(no_close), sizeof(no_close) - 1);
	check_anom("no boundary: BAD_MULTIPART", t, ENF_ANOM_BAD_MULTIPART,
		   true);
	check_n("no boundary: no arguments", t->req.n_args_post, 0);

	t_mp(t, "multipart/form-data; boundary=\"\"", L(no_close),
	     sizeof(no_close) - 1);
	check_anom("empty boundary: BAD_MULTIPART", t, ENF_ANOM_BAD_MULTIPART,
		   true);
	check_n("empty boundary: no arguments", t->req.n_args_post, 0);

	t_mp(t, "multipart/form-data; boundary=b{", L(odd_boundary),
	     sizeof(odd_boundary) - 1);
	check_anom("boundary with a byte RFC 2046 refuses: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
	CHECK_POST("boundary with a byte RFC 2046 refuses: parsed anyway", t, 0,
		   "a", "v");

	t_mp(t, "multipart/form-data; boundary=b; boundary=c", L(dup_name),
	     sizeof(dup_name) - 1);
	check_anom("two boundary parameters: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);

	t_mp(t, "multipart/form-data; boundary=b", L(no_name),
	     sizeof(no_name) - 1);
	check_anom("parts without a name or headers: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
	check_n("parts without a name: skipped", t->req.n_args_post, 1);
	CHECK_POST("the named part is kept", t, 0, "k", "v");

	t_mp(t, "multipart/form-data; boundary=b", L(dup_name),
	     sizeof(dup_name) - 1);
	check_anom("two name parameters: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
	CHECK_POST("two name parameters: the first", t, 0, "a", "v");

	t_mp(t, "multipart/form-data; boundary=b", L(no_delim),
	     sizeof(no_delim) - 1);
	check_anom("no delimiter at all: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);

	t_mp(t, "multipart/form-data; boundary=b", L(open_quote),
	     sizeof(open_quote) - 1);
	check_anom("unterminated quote: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
}

static void test_multipart_prefix(void **state)
{
	static const char prefix[] =
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=a\r\n"
		"\r\n"
		"one\r\n"
		"--XyZabc\r\n"
		"two\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=b\r\n"
		"\r\n"
		"in--XyZline\r\n"
		"--XyZ--";
	static const char clean[] = "--XyZ\r\n"
				    "Content-Disposition: form-data; name=b\r\n"
				    "\r\n"
				    "in--XyZline --XyZ--\r\n"
				    "--XyZ--";
	struct t *t = *state;

	t_mp(t, "multipart/form-data; boundary=XyZ", L(prefix),
	     sizeof(prefix) - 1);
	check_anom("a line starting with the boundary: BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, true);
	check_n("boundary prefix: two parts", t->req.n_args_post, 2);
	CHECK_POST("boundary prefix stays in the value", t, 0, "a",
		   "one\r\n--XyZabc\r\ntwo");
	CHECK_POST("boundary inside a line stays in the value", t, 1, "b",
		   "in--XyZline");

	t_mp(t, "multipart/form-data; boundary=XyZ", L(clean),
	     sizeof(clean) - 1);
	check_mp_clean("the boundary inside lines only", t);
	CHECK_POST("the boundary inside lines only: value", t, 0, "b",
		   "in--XyZline --XyZ--");
}

static void test_multipart_parts_cap(void **state)
{
	static const char body[] = "--b\r\n"
				   "Content-Disposition: form-data; name=a\r\n"
				   "\r\n"
				   "1\r\n"
				   "--b\r\n"
				   "Content-Disposition: form-data; name=b\r\n"
				   "\r\n"
				   "2\r\n"
				   "--b\r\n"
				   "Content-Disposition: form-data; name=c\r\n"
				   "\r\n"
				   "3\r\n"
				   "--b--\r\n";
	struct t *t = *state;

	t->lim.max_parts = 3;
	t_mp(t, "multipart/form-data; boundary=b", L(body), sizeof(body) - 1);
	check_mp_clean("three parts at a cap of 3", t);
	check_n("three parts at a cap of 3: arguments", t->req.n_args_post, 3);

	t->lim.max_parts = 2;
	t_mp(t, "multipart/form-data; boundary=b", L(body), sizeof(body) - 1);
	check_anom("three parts at a cap of 2: MULTIPART_LIMIT", t,
		   ENF_ANOM_MULTIPART_LIMIT, true);
	check_n("three parts at a cap of 2: two kept", t->req.n_args_post, 2);

	t->lim.max_parts = 128;
	t->lim.max_args = 1;
	t_mp(t, "multipart/form-data; boundary=b", L(body), sizeof(body) - 1);
	check_anom("three parts at max_args 1: ARGS_LIMIT", t,
		   ENF_ANOM_ARGS_LIMIT, true);
	check_n("three parts at max_args 1: one kept", t->req.n_args_post, 1);
}

static void test_multipart_partial(void **state)
{
	static const char body[] =
		"--b\r\n"
		"Content-Disposition: form-data; name=a\r\n"
		"\r\n"
		"1\r\n"
		"--b\r\n"
		"Content-Disposition: form-data; name=big\r\n"
		"\r\n"
		"partial val";
	struct t *t = *state;

	t_mp(t, "multipart/form-data; boundary=b", L(body), 4096);
	check_anom("multipart cut at max_body: BODY_ARGS_PARTIAL", t,
		   ENF_ANOM_BODY_ARGS_PARTIAL, true);
	check_anom("multipart cut: no BAD_MULTIPART", t, ENF_ANOM_BAD_MULTIPART,
		   false);
	check_n("multipart cut: both parts", t->req.n_args_post, 2);
	CHECK_POST("multipart cut: value so far", t, 1, "big", "partial val");

	t_mp(t, "multipart/form-data; boundary=b", body, 60, 4096);
	check_anom("multipart cut in part headers: no BAD_MULTIPART", t,
		   ENF_ANOM_BAD_MULTIPART, false);
	check_n("multipart cut in part headers: the parts before",
		t->req.n_args_post, 1);
}

/* One set of buffers for many requests of different shapes. */
static void test_reuse(void **state)
{
	struct t *t = *state;
	size_t round;

	for (round = 0; round < 3; round++) {
		t_json(t, L("{\"a\":[\"xyz\",{\"b\":\"w\"}]}"));
		CHECK_POST("reuse: JSON", t, 1, "json.a.array_1.b", "w");
		t_mp(t, "multipart/form-data; boundary=AaB03x", L(MP_BODY),
		     sizeof(MP_BODY) - 1);
		CHECK_POST("reuse: multipart", t, 2, "up", "C:\\a.txt");
		t_req(t, "GET", "/a%41?q=1");
		t_hdr(t, "Cookie", "c=1");
		t_derive(t);
		check_str("reuse: path_decoded", t->req.path_decoded, "/aA");
		CHECK_GET("reuse: ARGS_GET", t, 0, "q", "1");
		CHECK_COOKIE("reuse: cookie", t, 0, "c", "1");
		check_n("reuse: no ARGS_POST", t->req.n_args_post, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_uri_split),
		T(test_uri_double_encoding),
		T(test_uri_plus_nul_bad_escape),
		T(test_host_header),
		T(test_host_absolute_form),
		T(test_host_given_by_protocol),
		T(test_cookies),
		T(test_caps_args),
		T(test_body_type),
		T(test_urlencoded),
		T(test_json_names),
		T(test_json_strings),
		T(test_json_numbers),
		T(test_json_invalid),
		T(test_json_depth),
		T(test_json_caps),
		T(test_json_partial),
		T(test_multipart),
		T(test_multipart_lf),
		T(test_multipart_bad),
		T(test_multipart_prefix),
		T(test_multipart_parts_cap),
		T(test_multipart_partial),
		T(test_reuse),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
