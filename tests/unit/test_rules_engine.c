// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine: compile and match. Which variable a hit counts for, header and
 * argument selection, negation, transformations, every operator, Hyperscan
 * prefilters confirmed by PCRE2, PCRE2 fallback and limits, line anchors on
 * every engine, phases, rule order of reports, scratch reuse and its
 * failure.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>
#include <hs/hs.h>

#include "rules/rules.h"
#include "rules/rules_internal.h"
#include "test_rules_util.h"

static void load(struct tset *t, const char *text)
{
	struct enf_rule_error err = { 0 };
	int ret = tset_load(t, text, &err);

	if (ret)
		fail_msg("rules refused (%d) at %s:%u:%u: %s\n  text: %s", ret,
			 err.origin, err.line, err.column, err.msg, text);
}

/* One request against one rule: fires or not, and with which variable. */
struct var_case {
	const char *name;
	const char *rule; /* variables and operator of rule id 1 */
	const char *method;
	const char *uri;
	const char *hname; /* one header, or NULL */
	const char *hval;
	const char *body; /* or NULL */
	const char *want_var; /* NULL: must not fire */
	const char *want_value;
};

static const struct var_case var_cases[] = {
	{ "REQUEST_METHOD", "REQUEST_METHOD \"@streq PURGE\"", "PURGE", "/",
	  NULL, NULL, NULL, "REQUEST_METHOD", "PURGE" },
	{ "REQUEST_URI holds the query", "REQUEST_URI \"@contains zq7\"", "GET",
	  "/a?x=zq7", NULL, NULL, NULL, "REQUEST_URI", "/a?x=zq7" },
	{ "REQUEST_URI is decoded once, '+' kept",
	  "REQUEST_URI \"@contains zq7\"", "GET", "/%7a%71%37/%2541+b", NULL,
	  NULL, NULL, "REQUEST_URI", "/zq7/%41+b" },
	{ "REQUEST_URI_RAW is the target as sent",
	  "REQUEST_URI_RAW \"@contains %7a\"", "GET", "/%7aq7?x=%41", NULL,
	  NULL, NULL, "REQUEST_URI_RAW", "/%7aq7?x=%41" },
	{ "REQUEST_URI_RAW is not decoded", "REQUEST_URI_RAW \"@contains zq7\"",
	  "GET", "/%7aq7", NULL, NULL, NULL, NULL, NULL },
	{ "REQUEST_FILENAME is decoded", "REQUEST_FILENAME \"@endsWith .php\"",
	  "GET", "/a/b%2ephp?x=1", NULL, NULL, NULL, "REQUEST_FILENAME",
	  "/a/b.php" },
	{ "REQUEST_BASENAME", "REQUEST_BASENAME \"@streq s.php\"", "GET",
	  "/up/load/s%2ephp?x=/y", NULL, NULL, NULL, "REQUEST_BASENAME",
	  "s.php" },
	{ "REQUEST_BASENAME after a backslash",
	  "REQUEST_BASENAME \"@streq s.php\"", "GET", "/up%5cs.php", NULL, NULL,
	  NULL, "REQUEST_BASENAME", "s.php" },
	{ "REQUEST_BASENAME of a directory is empty",
	  "REQUEST_BASENAME \"@rx ^$\"", "GET", "/up/", NULL, NULL, NULL,
	  "REQUEST_BASENAME", "" },
	{ "process variables absent without an origin",
	  "PROCESS_EXE|PROCESS_COMM|PROCESS_UID|REMOTE_ADDR|DIRECTION \"@rx ^\"",
	  "GET", "/", NULL, NULL, NULL, NULL, NULL },
	{ "REQUEST_FILENAME is the path", "REQUEST_FILENAME \"@contains zq7\"",
	  "GET", "/zq7/a?x=1", NULL, NULL, NULL, "REQUEST_FILENAME", "/zq7/a" },
	{ "REQUEST_FILENAME excludes the query",
	  "REQUEST_FILENAME \"@contains zq7\"", "GET", "/a?x=zq7", NULL, NULL,
	  NULL, NULL, NULL },
	{ "QUERY_STRING", "QUERY_STRING \"@contains zq7\"", "GET",
	  "/a?x=zq7&y=1", NULL, NULL, NULL, "QUERY_STRING", "x=zq7&y=1" },
	{ "QUERY_STRING excludes the path", "QUERY_STRING \"@contains zq7\"",
	  "GET", "/zq7?x=1", NULL, NULL, NULL, NULL, NULL },
	{ "REQUEST_PROTOCOL", "REQUEST_PROTOCOL \"@streq HTTP/1.1\"", "GET",
	  "/", NULL, NULL, NULL, "REQUEST_PROTOCOL", "HTTP/1.1" },
	{ "REQUEST_LINE", "REQUEST_LINE \"@beginsWith GET /zq7\"", "GET",
	  "/zq7?a=1", NULL, NULL, NULL, "REQUEST_LINE",
	  "GET /zq7?a=1 HTTP/1.1" },
	{ "REQUEST_BODY", "REQUEST_BODY \"@contains zq7\"", "POST", "/", NULL,
	  NULL, "a=zq7", "REQUEST_BODY", "a=zq7" },
	{ "REQUEST_BODY absent", "REQUEST_BODY \"!@contains zq7\"", "GET", "/",
	  NULL, NULL, NULL, NULL, NULL },
	{ "ARGS", "ARGS \"@contains zq7\"", "GET", "/a?x=1&id=zq7", NULL, NULL,
	  NULL, "ARGS:id", "zq7" },
	{ "ARGS ignores headers", "ARGS \"@contains zq7\"", "GET", "/a?x=1",
	  "X-Test", "zq7", NULL, NULL, NULL },
	{ "ARGS ignores the body", "ARGS \"@contains zq7\"", "POST", "/a?x=1",
	  NULL, NULL, "id=zq7", NULL, NULL },
	{ "ARGS_GET", "ARGS_GET \"@contains zq7\"", "GET", "/a?id=zq7", NULL,
	  NULL, NULL, "ARGS_GET:id", "zq7" },
	{ "ARGS_NAMES", "ARGS_NAMES \"@contains zq7\"", "GET", "/a?zq7=1", NULL,
	  NULL, NULL, "ARGS_NAMES:zq7", "zq7" },
	{ "ARGS_NAMES ignores values", "ARGS_NAMES \"@contains zq7\"", "GET",
	  "/a?x=zq7", NULL, NULL, NULL, NULL, NULL },
	{ "ARGS:name", "ARGS:id \"@contains zq7\"", "GET",
	  "/a?other=zq7&id=zq7", NULL, NULL, NULL, "ARGS:id", "zq7" },
	{ "ARGS:name ignores other args", "ARGS:id \"@contains zq7\"", "GET",
	  "/a?other=zq7&id=1", NULL, NULL, NULL, NULL, NULL },
	{ "ARGS:name is case-insensitive", "ARGS:ID \"@contains zq7\"", "GET",
	  "/a?id=zq7", NULL, NULL, NULL, "ARGS:id", "zq7" },
	{ "REQUEST_HEADERS", "REQUEST_HEADERS \"@contains zq7\"", "GET", "/",
	  "X-Test", "a zq7", NULL, "REQUEST_HEADERS:X-Test", "a zq7" },
	{ "REQUEST_HEADERS ignores args", "REQUEST_HEADERS \"@contains zq7\"",
	  "GET", "/a?x=zq7", "X-Test", "1", NULL, NULL, NULL },
	{ "REQUEST_HEADERS:Name, any case",
	  "REQUEST_HEADERS:x-TEST \"@contains zq7\"", "GET", "/", "X-Test",
	  "zq7", NULL, "REQUEST_HEADERS:X-Test", "zq7" },
	{ "REQUEST_HEADERS:Name ignores other headers",
	  "REQUEST_HEADERS:X-Test \"@contains zq7\"", "GET", "/", "X-Other",
	  "zq7", NULL, NULL, NULL },
	{ "REQUEST_HEADERS_NAMES", "REQUEST_HEADERS_NAMES \"@contains zq7\"",
	  "GET", "/", "X-zq7", "1", NULL, "REQUEST_HEADERS_NAMES:X-zq7",
	  "X-zq7" },
	{ "REQUEST_HEADERS_NAMES ignores values",
	  "REQUEST_HEADERS_NAMES \"@contains zq7\"", "GET", "/", "X-Test",
	  "zq7", NULL, NULL, NULL },
};

static void run_var_case(const struct var_case *c)
{
	struct tmatches got;
	struct treq req;
	struct tset t;
	char text[512];
	int n;

	snprintf(text, sizeof(text), "SecRule %s \"id:1,deny\"", c->rule);
	load(&t, text);
	treq_init(&req, c->method, c->uri);
	if (c->hname)
		treq_header(&req, c->hname, c->hval);
	if (c->body)
		treq_body(&req, c->body);
	n = tset_match(&t, &req.req, &got);
	if (!c->want_var) {
		if (n != 0)
			fail_msg(
				"case '%s': fired (%d) on %s '%s', want no match",
				c->name, n, got.n ? got.m[0].var : "?",
				got.n ? got.m[0].value : "");
	} else if (n != 1 || got.n != 1 || strcmp(got.m[0].var, c->want_var) ||
		   strcmp(got.m[0].value, c->want_value)) {
		fail_msg(
			"case '%s': got %d matches, first %s '%s'; want %s '%s'",
			c->name, n, got.n ? got.m[0].var : "-",
			got.n ? got.m[0].value : "", c->want_var,
			c->want_value);
	}
	tset_free(&t);
}

static void test_each_variable_selects_its_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(var_cases) / sizeof(var_cases[0]); i++)
		run_var_case(&var_cases[i]);
}

/*
 * The body's arguments, cookies and protocol anomalies, as the HTTP layer
 * derives them: ARGS and ARGS_NAMES read query and body, ARGS_GET(_NAMES)
 * the query alone, ARGS_POST(_NAMES) the body alone; REQUEST_COOKIES by
 * name; PROTOCOL_ANOMALY the name of each anomaly bit.
 */
struct more_case {
	const char *name;
	const char *rule;
	const char *uri;
	const char *post_name, *post_value;
	const char *cookie_name, *cookie_value;
	uint64_t anomalies;
	const char *want_var; /* NULL: must not fire */
	const char *want_value;
};

static const struct more_case more_cases[] = {
	{ "ARGS reads the body's arguments", "ARGS \"@contains zq7\"", "/a?x=1",
	  "id", "zq7", NULL, NULL, 0, "ARGS:id", "zq7" },
	{ "ARGS:name reads a body argument", "ARGS:id \"@contains zq7\"",
	  "/a?x=1", "id", "zq7", NULL, NULL, 0, "ARGS:id", "zq7" },
	{ "ARGS_GET ignores the body's arguments", "ARGS_GET \"@contains zq7\"",
	  "/a?x=1", "id", "zq7", NULL, NULL, 0, NULL, NULL },
	{ "ARGS_POST", "ARGS_POST \"@contains zq7\"", "/a?x=1", "id", "zq7",
	  NULL, NULL, 0, "ARGS_POST:id", "zq7" },
	{ "ARGS_POST ignores the query", "ARGS_POST \"@contains zq7\"",
	  "/a?id=zq7", "x", "1", NULL, NULL, 0, NULL, NULL },
	{ "ARGS_NAMES reads the body's names", "ARGS_NAMES \"@streq zq7\"",
	  "/a?x=1", "zq7", "1", NULL, NULL, 0, "ARGS_NAMES:zq7", "zq7" },
	{ "ARGS_GET_NAMES ignores the body's names",
	  "ARGS_GET_NAMES \"@streq zq7\"", "/a?x=1", "zq7", "1", NULL, NULL, 0,
	  NULL, NULL },
	{ "ARGS_POST_NAMES", "ARGS_POST_NAMES \"@streq zq7\"", "/a?zq7=1",
	  "zq7", "1", NULL, NULL, 0, "ARGS_POST_NAMES:zq7", "zq7" },
	{ "REQUEST_COOKIES", "REQUEST_COOKIES \"@contains zq7\"", "/", NULL,
	  NULL, "sid", "a-zq7", 0, "REQUEST_COOKIES:sid", "a-zq7" },
	{ "REQUEST_COOKIES:name", "REQUEST_COOKIES:SID \"@contains zq7\"", "/",
	  NULL, NULL, "sid", "zq7", 0, "REQUEST_COOKIES:sid", "zq7" },
	{ "REQUEST_COOKIES:name ignores other cookies",
	  "REQUEST_COOKIES:other \"@contains zq7\"", "/", NULL, NULL, "sid",
	  "zq7", 0, NULL, NULL },
	{ "REQUEST_COOKIES ignores arguments",
	  "REQUEST_COOKIES \"@contains zq7\"", "/a?id=zq7", "p", "zq7", NULL,
	  NULL, 0, NULL, NULL },
	{ "REQUEST_COOKIES_NAMES", "REQUEST_COOKIES_NAMES \"@streq zq7\"", "/",
	  NULL, NULL, "zq7", "1", 0, "REQUEST_COOKIES_NAMES:zq7", "zq7" },
	{ "PROTOCOL_ANOMALY by name", "PROTOCOL_ANOMALY \"@streq CL_AND_TE\"",
	  "/", NULL, NULL, NULL, NULL, ENF_ANOM_BARE_LF | ENF_ANOM_CL_AND_TE,
	  "PROTOCOL_ANOMALY:CL_AND_TE", "CL_AND_TE" },
	{ "PROTOCOL_ANOMALY, an HTTP/2 one", "PROTOCOL_ANOMALY \"@rx ^H2_\"",
	  "/", NULL, NULL, NULL, NULL, ENF_ANOM_H2_HPACK,
	  "PROTOCOL_ANOMALY:H2_HPACK", "H2_HPACK" },
	{ "PROTOCOL_ANOMALY:name", "PROTOCOL_ANOMALY:bare_lf \"@rx .\"", "/",
	  NULL, NULL, NULL, NULL, ENF_ANOM_BARE_LF | ENF_ANOM_CL_AND_TE,
	  "PROTOCOL_ANOMALY:BARE_LF", "BARE_LF" },
	{ "REQUEST_URI_RAW keeps a double encoding",
	  "REQUEST_URI_RAW \"@contains %252e%252e\"", "/a/%252e%252e/etc", NULL,
	  NULL, NULL, NULL, 0, "REQUEST_URI_RAW", "/a/%252e%252e/etc" },
	{ "PROTOCOL_ANOMALY: none on a clean request",
	  "PROTOCOL_ANOMALY \"@rx .\"", "/", "a", "b", "c", "d", 0, NULL,
	  NULL },
};

static void test_body_args_cookies_anomalies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(more_cases) / sizeof(more_cases[0]);
	     i++) {
		const struct more_case *c = &more_cases[i];
		struct tmatches got;
		struct treq req;
		struct tset t;
		char text[512];
		int n;

		snprintf(text, sizeof(text), "SecRule %s \"id:1,deny\"",
			 c->rule);
		load(&t, text);
		treq_init(&req, "POST", c->uri);
		if (c->post_name)
			treq_post(&req, c->post_name, c->post_value);
		if (c->cookie_name)
			treq_cookie(&req, c->cookie_name, c->cookie_value);
		req.req.anomalies = c->anomalies;
		n = tset_match(&t, &req.req, &got);
		if (!c->want_var) {
			if (n != 0)
				fail_msg("case '%s': fired (%d) on %s '%s', "
					 "want no match",
					 c->name, n, got.n ? got.m[0].var : "?",
					 got.n ? got.m[0].value : "");
		} else if (n != 1 || got.n != 1 ||
			   strcmp(got.m[0].var, c->want_var) ||
			   strcmp(got.m[0].value, c->want_value)) {
			fail_msg("case '%s': got %d matches, first %s '%s'; "
				 "want %s '%s'",
				 c->name, n, got.n ? got.m[0].var : "-",
				 got.n ? got.m[0].value : "", c->want_var,
				 c->want_value);
		}
		tset_free(&t);
	}
}

static void test_header_hit_does_not_fire_args_rule(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	/* same pipeline, so one database holds both patterns */
	load(&t, "SecRule ARGS \"@rx att?ack\" \"id:1,deny\"\n"
		 "SecRule REQUEST_HEADERS \"@rx att?ack\" \"id:2,deny\"\n"
		 "SecRule ARGS \"@pm attack\" \"id:3,deny\"\n");
	treq_init(&req, "GET", "/search?q=harmless");
	treq_header(&req, "User-Agent", "attack");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 2);
	assert_string_equal(got.m[0].var, "REQUEST_HEADERS:User-Agent");

	treq_init(&req, "GET", "/search?q=attack");
	treq_header(&req, "User-Agent", "harmless");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_int_equal(got.m[0].id, 1);
	assert_string_equal(got.m[0].var, "ARGS:q");
	assert_int_equal(got.m[1].id, 3);
	tset_free(&t);
}

/* Does the rule set @t fire rule @id on @req; its variable and value. */
static const struct tmatch *fired(struct tset *t, struct treq *req, uint32_t id,
				  struct tmatches *got)
{
	tset_match(t, &req->req, got);
	return tmatches_find(got, id);
}

/* "VAR|!VAR:name" and "!VAR:/regex/": members taken out of the variable,
 * body arguments too; only from that variable. */
static void test_exclusions(void **state)
{
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS|!ARGS:password \"@rx drop\" \"id:1\"\n"
		 "SecRule ARGS|!ARGS:/^pass/ \"@rx drop\" \"id:2\"\n"
		 "SecRule ARGS|ARGS_GET|!ARGS:q \"@rx drop\" \"id:3\"\n");
	treq_init(&req, "GET", "/?Password=drop&passwd=drop");
	fired(&t, &req, 1, &got);
	m = tmatches_find(&got, 1);
	assert_non_null(m); /* passwd is not password */
	assert_string_equal(m->var, "ARGS:passwd");
	assert_null(tmatches_find(&got, 2));
	treq_init(&req, "POST", "/");
	treq_post(&req, "password", "drop");
	assert_null(fired(&t, &req, 1, &got));
	treq_init(&req, "GET", "/?q=drop");
	assert_non_null(fired(&t, &req, 1, &got));
	/* q is out of ARGS, not of ARGS_GET */
	m = tmatches_find(&got, 3);
	assert_non_null(m);
	assert_string_equal(m->var, "ARGS_GET:q");
	tset_free(&t);
}

/* "VAR:/regex/": members by a caseless pattern on their names; a '|' in
 * the pattern is the pattern's. */
static void test_regex_selectors(void **state)
{
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS:/^id_/ \"!@rx ^[0-9]+$\" \"id:1\"\n"
		 "SecRule ARGS:/^(a|b)$/|REQUEST_HEADERS:/^x-(c|d)$/ "
		 "\"@rx evil\" \"id:2\"\n");
	treq_init(&req, "GET", "/?ID_user=x1&other=x");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "ARGS:ID_user");
	treq_init(&req, "GET", "/?id_a=12&other=x");
	assert_null(fired(&t, &req, 1, &got));
	treq_init(&req, "GET", "/?b=evil");
	assert_non_null(fired(&t, &req, 2, &got));
	treq_init(&req, "GET", "/?ab=evil");
	treq_header(&req, "X-C", "evil");
	m = fired(&t, &req, 2, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "REQUEST_HEADERS:X-C");
	treq_init(&req, "GET", "/?c=evil");
	treq_header(&req, "X-E", "evil");
	assert_null(fired(&t, &req, 2, &got));
	tset_free(&t);
}

/* "&VAR": the number of values, on any operator and engine, reported as
 * "&VAR:sel" with the count as value. */
static void test_counts(void **state)
{
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule &REQUEST_HEADERS:Host \"@eq 0\" \"id:1\"\n"
		 "SecRule &ARGS \"@gt 2\" \"id:2\"\n"
		 "SecRule &ARGS:/^id/ \"@rx ^2$\" \"id:3,t:trim\"\n"
		 "SecRule &REQUEST_BODY \"@eq 1\" \"id:4\"\n");
	treq_init(&req, "GET", "/?id1=a&id2=b&x=c");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "&REQUEST_HEADERS:Host");
	assert_int_equal(m->value_len, 1);
	assert_memory_equal(m->value, "0", 1);
	m = tmatches_find(&got, 2);
	assert_non_null(m);
	assert_string_equal(m->var, "&ARGS");
	assert_memory_equal(m->value, "3", 1);
	m = tmatches_find(&got, 3);
	assert_non_null(m);
	assert_string_equal(m->var, "&ARGS:/^id/");
	assert_null(tmatches_find(&got, 4));
	/* a Host header (any case), two arguments, a body */
	treq_init(&req, "POST", "/?id1=a&x=c");
	treq_header(&req, "host", "example.com");
	treq_body(&req, "k=v");
	assert_null(fired(&t, &req, 1, &got));
	assert_null(tmatches_find(&got, 2));
	assert_null(tmatches_find(&got, 3));
	assert_non_null(tmatches_find(&got, 4));
	tset_free(&t);
}

/* An origin: @peer:@pport as the tuple's source, @local:@lport its
 * destination (v4 or v6 by the peer's form). */
static void origin_init(struct enf_req_origin *o, int direction,
			const char *peer, uint16_t pport, const char *local,
			uint16_t lport)
{
	bool v6 = strchr(peer, ':') != NULL;

	memset(o, 0, sizeof(*o));
	o->pid = o->tgid = 4242;
	o->uid = 1000;
	o->comm = "curl";
	o->exe = "/usr/bin/curl";
	o->tls_lib = "openssl";
	o->cgroup = "/system.slice/app.service";
	o->direction = direction;
	o->tuple.family = v6 ? ENF_FAMILY_V6 : ENF_FAMILY_V4;
	o->tuple.proto = IPPROTO_TCP;
	assert_int_equal(
		inet_pton(v6 ? AF_INET6 : AF_INET, peer, o->tuple.saddr), 1);
	assert_int_equal(
		inet_pton(v6 ? AF_INET6 : AF_INET, local, o->tuple.daddr), 1);
	o->tuple.sport = htons(pport);
	o->tuple.dport = htons(lport);
}

static const char origin_rules[] =
	"SecRule REMOTE_ADDR \"@ipMatch 192.0.2.0/24\" \"id:1\"\n"
	"SecRule REMOTE_PORT \"@eq 51000\" \"id:2\"\n"
	"SecRule SERVER_PORT \"@eq 443\" \"id:3\"\n"
	"SecRule PROCESS_EXE \"@endsWith /curl\" \"id:4\"\n"
	"SecRule PROCESS_COMM \"@streq curl\" \"id:5\"\n"
	"SecRule PROCESS_UID \"@eq 1000\" \"id:6\"\n"
	"SecRule PROCESS_CGROUP \"@beginsWith /system.slice/\" \"id:7\"\n"
	"SecRule TLS_LIBRARY \"@streq openssl\" \"id:8\"\n"
	"SecRule DIRECTION \"@streq inbound\" \"id:9\"\n"
	"SecRule REQUEST_URI \"@contains attack\" \"id:10\"\n"
	"SecRule DIRECTION \"@streq outbound\" \"id:11,chain\"\n"
	"  SecRule REQUEST_BODY \"@contains PRIVATE KEY\" \"t:none\"\n"
	"SecRule PROCESS_EXE \"!@streq /usr/bin/curl\" \"id:12\"\n"
	"SecRule DIRECTION \"@streq outbound\" \"id:13,chain\"\n"
	"  SecRule SERVER_PORT \"@eq 443\" \"chain\"\n"
	"  SecRule REMOTE_ADDR \"@ipMatch 198.51.100.0/24\" \"t:none\"\n"
	"SecRule REMOTE_ADDR \"@streq 2001:db8::5\" \"id:14\"\n";

/* The process and flow variables read the request's origin: the peer and
 * the server's port by direction, the process, its cgroup and library. */
static void test_origin_variables(void **state)
{
	static const uint32_t inbound_fires[] = {
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10
	};
	struct enf_req_origin o;
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, origin_rules);
	assert_true(enf_ruleset_reads_origin(t.rs));
	assert_true(enf_ruleset_matches_outbound(t.rs));

	origin_init(&o, ENF_REQ_INBOUND, "192.0.2.7", 51000, "10.0.0.1", 443);
	treq_init(&req, "GET", "/attack");
	req.req.origin = &o;
	assert_int_equal(tset_match(&t, &req.req, &got), 10);
	for (size_t i = 0; i < 10; i++)
		if (!tmatches_find(&got, inbound_fires[i]))
			fail_msg("inbound: rule %u did not fire",
				 inbound_fires[i]);
	m = tmatches_find(&got, 1);
	assert_string_equal(m->var, "REMOTE_ADDR");
	assert_string_equal(m->value, "192.0.2.7");
	assert_string_equal(tmatches_find(&got, 3)->value, "443");
	assert_string_equal(tmatches_find(&got, 9)->value, "inbound");

	/* outbound: only the chains that read DIRECTION; the peer is the
	 * server, whose port is SERVER_PORT */
	origin_init(&o, ENF_REQ_OUTBOUND, "198.51.100.9", 443, "10.0.0.1",
		    40000);
	treq_init(&req, "POST", "/attack");
	treq_body(&req, "-----BEGIN PRIVATE KEY-----");
	req.req.origin = &o;
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 11));
	assert_non_null(tmatches_find(&got, 13));
	/* the same chain misses a server on another port */
	origin_init(&o, ENF_REQ_OUTBOUND, "198.51.100.9", 8443, "10.0.0.1",
		    40000);
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_non_null(tmatches_find(&got, 11));

	/* IPv6 peers as text; another executable fires the negated rule */
	origin_init(&o, ENF_REQ_INBOUND, "2001:db8::5", 51000, "2001:db8::1",
		    8443);
	o.exe = "/usr/bin/wget";
	treq_init(&req, "GET", "/");
	req.req.origin = &o;
	tset_match(&t, &req.req, &got);
	assert_non_null(tmatches_find(&got, 14));
	assert_non_null(tmatches_find(&got, 12));
	assert_null(tmatches_find(&got, 1));
	assert_null(tmatches_find(&got, 3));

	/* uncorrelated (no IP flow): no address or ports; the process is
	 * known; an unknown executable is absent, not empty */
	o.tuple.family = 0;
	o.exe = "";
	tset_match(&t, &req.req, &got);
	assert_null(tmatches_find(&got, 14));
	assert_null(tmatches_find(&got, 2));
	assert_null(tmatches_find(&got, 12));
	assert_non_null(tmatches_find(&got, 5));
	tset_free(&t);

	/* a set that reads no origin, and one that reads it inbound only */
	load(&t, "SecRule REQUEST_URI \"@contains attack\" \"id:1\"");
	assert_false(enf_ruleset_reads_origin(t.rs));
	assert_false(enf_ruleset_matches_outbound(t.rs));
	origin_init(&o, ENF_REQ_OUTBOUND, "198.51.100.9", 443, "10.0.0.1",
		    40000);
	treq_init(&req, "GET", "/attack");
	req.req.origin = &o;
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	req.req.origin = NULL; /* offline: inbound */
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	tset_free(&t);
	load(&t, "SecRule PROCESS_UID \"@eq 0\" \"id:1\"");
	assert_true(enf_ruleset_reads_origin(t.rs));
	assert_false(enf_ruleset_matches_outbound(t.rs));
	assert_true(enf_ruleset_needs_origin(t.rs, false));
	assert_false(enf_ruleset_needs_origin(t.rs, true));
	tset_free(&t);
	/* a chain that requires outbound: inbound requests need no origin
	 * (without one it cannot match them), outbound ones do */
	load(&t, "SecRule DIRECTION \"@streq outbound\" \"id:1,chain\"\n"
		 "  SecRule PROCESS_EXE \"@streq /usr/bin/nc\" \"t:none\"");
	assert_false(enf_ruleset_reads_origin(t.rs));
	assert_false(enf_ruleset_needs_origin(t.rs, false));
	assert_true(enf_ruleset_needs_origin(t.rs, true));
	origin_init(&o, ENF_REQ_OUTBOUND, "198.51.100.9", 443, "10.0.0.1",
		    40000);
	o.exe = "/usr/bin/nc";
	treq_init(&req, "GET", "/");
	req.req.origin = &o;
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	req.req.origin = NULL;
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);

	/* chains that require one direction, sharing a pipeline and a value
	 * with a rule of both: each fires on its own direction only (they
	 * are not even matched against the other) */
	load(&t, "SecRule DIRECTION \"@streq inbound\" \"id:1,chain\"\n"
		 "  SecRule REQUEST_HEADERS \"@contains evil\" \"t:none\"\n"
		 "SecRule DIRECTION \"@streq outbound\" \"id:2,chain\"\n"
		 "  SecRule REQUEST_HEADERS \"@contains evil\" \"t:none\"\n"
		 "SecRule DIRECTION \"!@streq nowhere\" \"id:3,chain\"\n"
		 "  SecRule REQUEST_HEADERS \"@contains evil\" \"t:none\"\n"
		 "SecRule REQUEST_HEADERS \"@contains evil\" \"id:4,t:none\"\n"
		 "SecRule &REQUEST_HEADERS \"@eq 1\" \"id:5\"");
	treq_init(&req, "GET", "/");
	treq_header(&req, "X-A", "evil");
	origin_init(&o, ENF_REQ_INBOUND, "192.0.2.7", 51000, "10.0.0.1", 443);
	req.req.origin = &o;
	assert_int_equal(tset_match(&t, &req.req, &got), 4);
	assert_non_null(tmatches_find(&got, 1));
	assert_null(tmatches_find(&got, 2));
	assert_non_null(tmatches_find(&got, 3));
	assert_non_null(tmatches_find(&got, 4));
	assert_non_null(tmatches_find(&got, 5));
	origin_init(&o, ENF_REQ_OUTBOUND, "198.51.100.9", 443, "10.0.0.1",
		    40000);
	/* outbound: the chains that read DIRECTION, of that direction */
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 2));
	assert_non_null(tmatches_find(&got, 3));
	req.req.origin = NULL; /* offline: no DIRECTION at all */
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 4));
	assert_non_null(tmatches_find(&got, 5));
	tset_free(&t);
}

/*
 * One Hyperscan database per phase and pipeline, and each value through a
 * pipeline's transformations and its database once per request, however
 * many rules share them: 18 rules on ARGS in three (phase, pipeline)
 * pairs, a request with four arguments: 12 runs, not 72, and the values
 * scanned joined, alone only where a joined scan hit.
 */
static void test_values_transformed_once_per_pipeline(void **state)
{
	char text[4096];
	struct tmatches got;
	struct treq req;
	struct tset t;
	uint64_t runs, scans, joined;
	size_t o = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "SecRule ARGS \"@rx zz%da\" "
				      "\"id:%d,t:lowercase\"\n",
				      i, 100 + i);
	for (int i = 0; i < 5; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "SecRule ARGS \"@rx zz%db\" "
				      "\"id:%d,t:urlDecode,t:lowercase\"\n",
				      i, 200 + i);
	for (int i = 0; i < 3; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "SecRule ARGS \"@rx zz%dc\" "
				      "\"id:%d,phase:1,t:lowercase\"\n",
				      i, 300 + i);
	assert_true(o < sizeof(text));
	load(&t, text);
	assert_int_equal(enf_ruleset_databases(t.rs), 3);
	treq_init(&req, "GET", "/?a=ZZ1A&b=x&c=y&d=zz2c");
	assert_int_equal(req.req.n_args, 4);
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 101));
	assert_non_null(tmatches_find(&got, 302));
	/* each pipeline's four values scanned joined once; alone only
	 * where a report of that scan ended: the first (zz1a) in phase 2's
	 * t:lowercase, the fourth (zz2c) in phase 1's; t:urlDecode's
	 * joined scan reports nothing */
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(runs, 12);
	assert_int_equal(joined, 3);
	assert_int_equal(scans, 2);
	/* the next request adds as much again */
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(runs, 24);
	assert_int_equal(joined, 6);
	assert_int_equal(scans, 4);
	/* nothing to find: one joined scan a pipeline, none alone */
	treq_init(&req, "GET", "/?a=one&b=two&c=three&d=four");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(joined, 9);
	assert_int_equal(scans, 4);
	tset_free(&t);
}

/*
 * A pipeline's values are scanned joined by '\n' first: a pattern reads
 * each value as it reads it alone. '^' and '$' hold at each value's ends,
 * a hit across two values is no match, a value's own newline is kept, and
 * a pattern with an absolute anchor (\A, \z) or an option turned off
 * ("(?-m)") makes its database scan each value alone.
 */
static void test_values_scanned_joined(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;
	uint64_t runs, scans, joined;

	(void)state;
	load(&t, "SecRule ARGS \"@rx ^abc$\" \"id:1,t:none\"\n"
		 "SecRule ARGS \"@rx b\\sc\" \"id:2,t:none\"\n"
		 "SecRule ARGS \"@rx k\\nl\" \"id:3,t:none\"\n"
		 "SecRule ARGS \"@rx ^x\" \"id:4,t:lowercase\"\n"
		 "SecRule ARGS \"@rx \\Ayz\" \"id:5,t:lowercase\"\n"
		 "SecRule ARGS \"@rx (?-m)^q$\" \"id:6,t:urlDecode\"\n");
	/* "ab" then "c": "b\nc" only joined; "abc" alone matches ^abc$;
	 * s is "k\nl" (decoded) */
	treq_init(&req, "GET", "/?p=ab&q=c&r=abc&s=k%0Al");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:r");
	assert_string_equal(tmatches_find(&got, 3)->var, "ARGS:s");
	assert_null(tmatches_find(&got, 2));
	/* \A and (?-m): their values scanned alone, the later one found */
	treq_init(&req, "GET", "/?a=1&b=YZ&c=xq&d=q");
	assert_int_equal(tset_match(&t, &req.req, &got), 3);
	assert_string_equal(tmatches_find(&got, 4)->var, "ARGS:c");
	assert_string_equal(tmatches_find(&got, 5)->var, "ARGS:b");
	assert_string_equal(tmatches_find(&got, 6)->var, "ARGS:d");
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	/* first request: t:none's values joined once, then alone the three
	 * where a report ends ("c", where "b\nc" ends, "abc" and "k\nl"),
	 * not "ab"; t:lowercase and t:urlDecode alone (their databases hold
	 * \A, (?-m)): 3 + 4 + 4; second: t:none joined (no report), the
	 * others alone again: 4 + 4 */
	assert_int_equal(joined, 2);
	assert_int_equal(scans, 19);
	tset_free(&t);
}

/*
 * A joined scan reports every end of every match, and only the values
 * where a report ends are scanned alone: the one hit among eight; a hit
 * that straddles two values (no match) beside a real one later; a pattern
 * that hits two values (both alone, neither cleared, so the memo never
 * keeps the second as clean); ten values that each hit. Past 256 reports,
 * every value of the scan is scanned alone, every match still found.
 */
static void test_joined_reports_name_values(void **state)
{
	char text[2048], uri[512];
	struct tmatches got;
	struct treq req;
	struct tset t;
	uint64_t runs, scans, joined, runs1, scans1, joined1;
	size_t o = 0;

	(void)state;
	load(&t, "SecRule ARGS \"@rx evil\" \"id:1,t:none\"\n"
		 "SecRule ARGS \"@rx b\\sc\" \"id:2,t:none\"\n");
	treq_init(&req, "GET", "/?a=1&b=2&c=3&d=4&e=5&f=evil&g=7&h=8");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:f");
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(joined, 1);
	assert_int_equal(scans, 1);
	/* "evil" in the first and the third value: both alone, and the
	 * third is not kept as clean however often it is seen */
	for (int i = 0; i < 3; i++) {
		treq_init(&req, "GET", "/?a=evil&b=x&c=evil");
		assert_int_equal(tset_match(&t, &req.req, &got), 1);
		assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:a");
	}
	enf_rules_scratch_work(t.s, &runs1, &scans1, &joined1);
	assert_int_equal(joined1 - joined, 3);
	assert_int_equal(scans1 - scans, 6);
	treq_init(&req, "GET", "/?b=x&c=evil");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:c");
	tset_free(&t);

	/* "b" then "c" straddle (no match); "b c" later is one */
	load(&t, "SecRule ARGS \"@rx b\\sc\" \"id:2,t:none\"\n");
	/* the second request repeats values: scanned afresh, not memoed */
	enf_rules_scratch_memo(t.s, false);
	treq_init(&req, "GET", "/?a=1&b=ab&c=cd&d=4&e=5&f=b+c&g=7");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 2)->var, "ARGS:f");
	/* alone: "cd", where the straddle ends, and "b c" */
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(joined, 1);
	assert_int_equal(scans, 2);
	treq_init(&req, "GET", "/?a=1&b=ab&c=cd&d=4&e=5&f=6&g=7");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	enf_rules_scratch_work(t.s, &runs1, &scans1, &joined1);
	assert_int_equal(joined1 - joined, 1);
	assert_int_equal(scans1 - scans, 1);
	tset_free(&t);

	/* ten rules, each matching its own value of ten */
	for (int i = 0; i < 10; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o,
				      "SecRule ARGS \"@rx ^zz%d$\" "
				      "\"id:%d,t:none\"\n",
				      i, 10 + i);
	assert_true(o < sizeof(text));
	load(&t, text);
	o = (size_t)snprintf(uri, sizeof(uri), "/?");
	for (int i = 9; i >= 0; i--)
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "%sv%d=zz%d",
				      i == 9 ? "" : "&", i, i);
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 10);
	for (int i = 0; i < 10; i++) {
		char var[16];

		snprintf(var, sizeof(var), "ARGS:v%d", i);
		assert_string_equal(tmatches_find(&got, 10 + (uint32_t)i)->var,
				    var);
	}
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(joined, 1);
	assert_int_equal(scans, 10);
	tset_free(&t);

	/* a letter, reported at each of 300 bytes of one value: the four
	 * values alone; with two letters, only that value */
	load(&t, "SecRule ARGS \"@rx [a-z]\" \"id:3,t:none\"\n");
	enf_rules_scratch_memo(t.s, false);
	o = (size_t)snprintf(uri, sizeof(uri), "/?a=1&b=2&c=");
	memset(uri + o, 'x', 300);
	snprintf(uri + o + 300, sizeof(uri) - o - 300, "&d=4");
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 3)->var, "ARGS:c");
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(joined, 1);
	assert_int_equal(scans, 4);
	treq_init(&req, "GET", "/?a=1&b=2&c=xy&d=4");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	enf_rules_scratch_work(t.s, &runs1, &scans1, &joined1);
	assert_int_equal(joined1 - joined, 1);
	assert_int_equal(scans1 - scans, 1);
	tset_free(&t);
}

/* A match's variable is "ARGS:" and the argument's name, cut to fit
 * (127 bytes and a NUL); a short name whole, the msg as written. */
static void test_match_var_cut_to_fit(void **state)
{
	char uri[512], want[128];
	struct tmatches got;
	struct treq req;
	struct tset t;
	size_t o;

	(void)state;
	load(&t, "SecRule ARGS \"@rx evil\" \"id:1,t:none,msg:'Evil "
		 "argument'\"\n");
	o = (size_t)snprintf(uri, sizeof(uri), "/?");
	memset(uri + o, 'n', 200);
	snprintf(uri + o + 200, sizeof(uri) - o - 200, "=evil");
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	memcpy(want, "ARGS:", 5);
	memset(want + 5, 'n', sizeof(want) - 6);
	want[sizeof(want) - 1] = '\0';
	assert_string_equal(tmatches_find(&got, 1)->var, want);
	assert_string_equal(tmatches_find(&got, 1)->msg, "Evil argument");
	treq_init(&req, "GET", "/?q=evil");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:q");
	tset_free(&t);
}

/* A request with arguments a and b and headers X-A and X-B, and @hname
 * with @hval when not NULL. */
static void memo_req(struct treq *req, const char *a, const char *hname,
		     const char *hval)
{
	char uri[128];

	snprintf(uri, sizeof(uri), "/p?a=%s&b=x%%2541", a);
	treq_init(req, "GET", uri);
	treq_header(req, "X-A", "Quiet");
	treq_header(req, "X-B", "still");
	if (hname)
		treq_header(req, hname, hval);
}

/*
 * The memo of clean values (enf_rules_scratch_memo()): values that every
 * pipeline taking them found clean twice are neither transformed nor
 * scanned again in the requests after. An entry is for its own class,
 * name and set: the same bytes as another class (a header, which rule 2
 * reads, against an argument, which it does not), under another name
 * (X-D, which rule 7's pipeline takes, against X-A, which only rule 6's
 * takes), or against another set on the
 * same scratch, are matched afresh and match. A value that hits is never
 * kept, nor one that a pipeline with a rule outside its database (rule
 * 8's @streq) or with a negated rule (rule 9) takes: those rules fire on
 * values their patterns do not hit. Without the memo, the same matches.
 */
static void test_memo_of_clean_values(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t, u, v, w;
	uint64_t runs, scans, joined, runs1, scans1, joined1, hits;

	(void)state;
	load(&t, "SecRule ARGS|REQUEST_HEADERS \"@rx evil\" "
		 "\"id:1,t:none,t:urlDecode,t:lowercase\"\n"
		 "SecRule REQUEST_HEADERS \"@rx ^calm$\" "
		 "\"id:2,t:none,t:urlDecode,t:lowercase\"\n");
	/* found clean once, then again (and kept), then from the memo */
	for (int i = 0; i < 2; i++) {
		memo_req(&req, "Calm", NULL, NULL);
		assert_int_equal(tset_match(&t, &req.req, &got), 0);
	}
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(runs, 8);
	assert_int_equal(enf_rules_scratch_memo_hits(t.s), 0);
	memo_req(&req, "Calm", NULL, NULL);
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	enf_rules_scratch_work(t.s, &runs1, &scans1, &joined1);
	assert_int_equal(enf_rules_scratch_memo_hits(t.s), 4);
	assert_int_equal(runs1 - runs, 0);
	assert_int_equal(scans1 - scans, 0);
	assert_int_equal(joined1 - joined, 0);

	/* "Calm" is clean as an argument; as a header rule 2 reads it */
	memo_req(&req, "Calm", "X-C", "Calm");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 2)->var, "REQUEST_HEADERS:X-C");
	assert_int_equal(enf_rules_scratch_memo_hits(t.s), 8);

	/* a value that hits is matched every time */
	for (int i = 0; i < 2; i++) {
		memo_req(&req, "EviL", NULL, NULL);
		assert_int_equal(tset_match(&t, &req.req, &got), 1);
		assert_string_equal(tmatches_find(&got, 1)->var, "ARGS:a");
	}
	hits = enf_rules_scratch_memo_hits(t.s);
	assert_int_equal(hits, 8 + 2 * 3);

	/* another set on the same scratch: its pipeline is not t's */
	load(&u, "SecRule ARGS \"@rx calm\" "
		 "\"id:3,t:none,t:urlDecode,t:lowercase\"\n");
	assert_int_equal(enf_rules_scratch_update(t.s, u.rs), 0);
	v = (struct tset){ .rs = u.rs, .s = t.s };
	memo_req(&req, "Calm", NULL, NULL);
	assert_int_equal(tset_match(&v, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 3)->var, "ARGS:a");
	assert_int_equal(enf_rules_scratch_memo_hits(t.s), hits);

	/* the name and the pipelines' other rules */
	load(&w, "SecRule REQUEST_HEADERS \"@rx evil\" \"id:6,t:lowercase\"\n"
		 "SecRule REQUEST_HEADERS:X-D \"@rx ^quiet$\" "
		 "\"id:7,t:trim,t:lowercase\"\n"
		 "SecRule ARGS \"@streq zz\" \"id:8,t:none,t:lowercase\"\n"
		 "SecRule ARGS \"@rx evil\" \"id:10,t:lowercase\"\n"
		 "SecRule ARGS:b \"!@rx ^ok$\" \"id:9,t:none,t:urlDecode\"\n");
	for (int i = 0; i < 4; i++) {
		memo_req(&req, "ZZ", i == 3 ? "X-D" : NULL, "Quiet");
		assert_int_equal(tset_match(&w, &req.req, &got),
				 i == 3 ? 3 : 2);
		assert_non_null(tmatches_find(&got, 8));
		assert_string_equal(tmatches_find(&got, 9)->var, "ARGS:b");
	}
	assert_string_equal(tmatches_find(&got, 7)->var, "REQUEST_HEADERS:X-D");
	/* X-A and X-B, in the third request and the fourth */
	assert_int_equal(enf_rules_scratch_memo_hits(w.s), 4);
	tset_free(&w);

	/* without the memo: the same matches, every value matched afresh */
	enf_rules_scratch_memo(t.s, false);
	memo_req(&req, "Calm", "X-C", "Calm");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(tmatches_find(&got, 2)->var, "REQUEST_HEADERS:X-C");
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	memo_req(&req, "Calm", "X-C", "Calm");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	enf_rules_scratch_work(t.s, &runs1, &scans1, &joined1);
	assert_int_equal(runs1 - runs, 5);
	assert_int_equal(enf_rules_scratch_memo_hits(t.s), hits);
	tset_free(&u);
	tset_free(&t);
}

/*
 * A value that only a few rules of a pipeline read is scanned with a
 * database of their patterns alone: here a header's name with rules 1 and
 * 3's (two patterns of five: a part beside the whole pipeline's database);
 * an argument, which four of the five read, with the whole database. Each
 * pattern still matches where its rule reads and nowhere else.
 */
static void test_pipeline_parts_by_item_class(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;
	uint64_t runs, scans, joined;

	(void)state;
	load(&t, "SecRule REQUEST_HEADERS_NAMES \"@rx ^x-evil\" "
		 "\"id:1,t:lowercase\"\n"
		 "SecRule ARGS \"@rx evil\" \"id:2,t:lowercase\"\n"
		 "SecRule ARGS|REQUEST_HEADERS_NAMES \"@pm both\" "
		 "\"id:3,t:lowercase\"\n"
		 "SecRule ARGS \"@rx zz4\" \"id:4,t:lowercase\"\n"
		 "SecRule ARGS \"@rx zz5\" \"id:5,t:lowercase\"\n");
	assert_int_equal(enf_ruleset_databases(t.rs), 2);

	/* the name is rule 1's and 3's; "evil" in it is not rule 2's */
	treq_init(&req, "GET", "/?q=harmless");
	treq_header(&req, "X-Evil-Both", "evil");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 1));
	assert_non_null(tmatches_find(&got, 3));
	assert_string_equal(tmatches_find(&got, 3)->var,
			    "REQUEST_HEADERS_NAMES:X-Evil-Both");

	/* the argument is rule 2's and 3's; ^x-evil in it is not rule 1's */
	treq_init(&req, "GET", "/?q=x-evil-both");
	treq_header(&req, "Accept", "x-evil");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_non_null(tmatches_find(&got, 2));
	assert_string_equal(tmatches_find(&got, 3)->var, "ARGS:q");
	/* each value transformed and scanned once: an argument's value and
	 * a header's name in each of the two requests */
	enf_rules_scratch_work(t.s, &runs, &scans, &joined);
	assert_int_equal(scans, 4);
	assert_int_equal(runs, 4);
	tset_free(&t);
}

/*
 * "chain": the first rule carries the id and actions; the chain matches
 * when each of its rules matches the request; it is listed, stored and
 * reported as one rule: its first rule's id and actions, and its last
 * link's variable and value, as ModSecurity's MATCHED_VAR.
 */
static void test_chain(void **state)
{
	static const char text[] =
		"SecRule REQUEST_METHOD \"@streq POST\" \"id:10,chain,deny\"\n"
		"  SecRule ARGS:cmd \"@rx ^rm \" \"t:lowercase,chain\"\n"
		"  SecRule REQUEST_HEADERS:User-Agent \"!@contains Mozilla\"\n"
		"SecRule ARGS \"@rx evil\" \"id:11\"\n";
	const struct enf_rule_info *info;
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, text);
	assert_int_equal(enf_ruleset_count(t.rs), 2);
	info = enf_ruleset_rule(t.rs, 0);
	assert_int_equal(info->id, 10);
	assert_non_null(strstr(info->text, "!@contains Mozilla"));
	assert_int_equal(enf_ruleset_rule(t.rs, 1)->id, 11);

	treq_init(&req, "POST", "/?cmd=RM%20-rf%20/&x=evil");
	treq_header(&req, "User-Agent", "curl/8");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	m = tmatches_find(&got, 10);
	assert_non_null(m);
	assert_string_equal(m->var, "REQUEST_HEADERS:User-Agent");
	assert_string_equal(m->value, "curl/8");
	assert_non_null(tmatches_find(&got, 11));
	/* one link fails: no match of the chain */
	treq_init(&req, "GET", "/?cmd=rm%20x");
	treq_header(&req, "User-Agent", "curl/8");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	treq_init(&req, "POST", "/?cmd=ls%20x");
	treq_header(&req, "User-Agent", "curl/8");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	treq_init(&req, "POST", "/?cmd=rm%20x");
	treq_header(&req, "User-Agent", "Mozilla/5.0");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);
}

static void test_negation(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t,
	     "SecRule REQUEST_METHOD \"!@rx ^(?:GET|HEAD)$\" \"id:1,deny\"\n"
	     "SecRule ARGS \"!@rx ^[0-9]+$\" \"id:2,deny\"\n"
	     "SecRule ARGS:pin \"!@rx ^(\\d)\\1$\" \"id:3,deny\"\n"
	     "SecRule REQUEST_HEADERS:Host \"!@streq example.com\" \"id:4\"\n"
	     "SecRule REQUEST_METHOD \"!@pm get head\" \"id:5,deny\"\n");
	/* a backreference: prefiltered by Hyperscan, decided by PCRE2 */
	assert_string_equal(enf_ruleset_rule(t.rs, 2)->engine,
			    "hyperscan+pcre2");

	/* nothing to object to: all values satisfy the positive tests */
	treq_init(&req, "GET", "/a?x=1&y=22&pin=11");
	treq_header(&req, "Host", "example.com");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);

	/* each negated rule fires on the one value that fails its test */
	treq_init(&req, "POST", "/a?x=1&y=abc&pin=12");
	treq_header(&req, "Host", "evil.example");
	assert_int_equal(tset_match(&t, &req.req, &got), 5);
	assert_int_equal(got.m[0].id, 1);
	assert_string_equal(got.m[0].value, "POST");
	assert_int_equal(got.m[1].id, 2);
	assert_string_equal(got.m[1].var, "ARGS:y");
	assert_string_equal(got.m[1].value, "abc");
	assert_int_equal(got.m[2].id, 3);
	assert_string_equal(got.m[2].var, "ARGS:pin");
	assert_int_equal(got.m[3].id, 4);
	assert_string_equal(got.m[3].value, "evil.example");
	assert_int_equal(got.m[4].id, 5);

	/* no value at all: a negated rule has nothing to fire on */
	treq_init(&req, "GET", "/a");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);
}

/* One rule with a transformation, a query that only it turns into the
 * operator's argument. */
struct tfn_case {
	const char *name;
	const char *actions; /* t: actions */
	const char *op;
	const char *uri;
	const char *want_value; /* NULL: must not fire */
};

static const struct tfn_case tfn_cases[] = {
	{ "lowercase", "t:lowercase", "@streq union", "/?q=UNION", "union" },
	{ "no transformation, no lowercase", "", "@streq union", "/?q=UNION",
	  NULL },
	{ "urlDecode", "t:urlDecode", "@streq A", "/?q=%2541", "A" },
	{ "urlDecodeUni", "t:urlDecodeUni", "@streq A<", "/?q=%25u0041%25uff1c",
	  "A<" },
	{ "removeNulls", "t:removeNulls", "@streq ab", "/?q=a%00b", "ab" },
	{ "removeWhitespace", "t:removeWhitespace", "@streq ab", "/?q=+a+%09b+",
	  "ab" },
	{ "compressWhitespace", "t:compressWhitespace", "@streq a b",
	  "/?q=a%20%20%09b", "a b" },
	{ "trim", "t:trim", "@streq a", "/?q=+a+", "a" },
	{ "t:none clears", "t:lowercase,t:none", "@streq UNION", "/?q=UNION",
	  "UNION" },
	{ "pipeline in order", "t:urlDecodeUni,t:lowercase", "@rx ^union$",
	  "/?q=%2555NION", "union" },
	{ "a value only a transformation exposes", "t:urlDecodeUni",
	  "@rx <script", "/?q=%253Cscript%253E", "<script>" },
	{ "htmlEntityDecode", "t:htmlEntityDecode", "@rx <script",
	  "/?q=%26lt%3Bscript%26%2362%3B", "<script>" },
	{ "htmlEntityDecode near miss", "t:htmlEntityDecode", "@rx <script",
	  "/?q=%26amp%3Blt%3Bscript", NULL },
	{ "jsDecode", "t:jsDecode", "@rx <script", "/?q=%5Cx3cscript%5Cu003e",
	  "<script>" },
	{ "jsDecode near miss", "t:jsDecode", "@rx <script",
	  "/?q=%5C%5Cx3cscript", NULL },
	{ "cssDecode", "t:cssDecode", "@streq javascript",
	  "/?q=java%5C73+cript", "javascript" },
	{ "cssDecode near miss", "t:cssDecode", "@streq javascript",
	  "/?q=java%5C7script", NULL },
	{ "replaceComments", "t:replaceComments", "@rx union select",
	  "/?q=union%2F**%2Fselect", "union select" },
	{ "replaceComments near miss", "t:replaceComments", "@rx union select",
	  "/?q=union%2F*x*select", NULL },
	{ "normalizePath", "t:normalizePath", "@beginsWith /etc/",
	  "/?q=%2Fvar%2F.%2F%2F..%2Fetc%2Fpasswd", "/etc/passwd" },
	{ "normalizePath near miss", "t:normalizePath", "@beginsWith /etc/",
	  "/?q=%2Fvar%2F..x%2Fetc%2Fpasswd", NULL },
	{ "normalisePathWin", "t:normalisePathWin", "@streq /windows/win.ini",
	  "/?q=%5Ctemp%5C..%5Cwindows%5Cwin.ini", "/windows/win.ini" },
	{ "normalizePathWin spelling, near miss", "t:normalizePathWin",
	  "@streq /windows/win.ini", "/?q=%5Ctemp%5Cwindows%5Cwin.ini", NULL },
	{ "cmdLine", "t:cmdLine", "@streq cmd/c dir",
	  "/?q=C%5EMD+%2FC+%22DIR%22", "cmd/c dir" },
	{ "cmdLine near miss", "t:cmdLine", "@streq cmd/c dir",
	  "/?q=C%5EMD+%2FC+%22DIRS%22", NULL },
	{ "base64Decode", "t:base64Decode", "@streq <script>",
	  "/?q=PHNjcmlwdD4%3D", "<script>" },
	{ "base64Decode near miss (three '=')", "t:base64Decode",
	  "@streq <script>", "/?q=PHNjcmlwdD4%3D%3D%3D", NULL },
	{ "hexDecode", "t:hexDecode", "@streq <script>", "/?q=3c7363726970743e",
	  "<script>" },
	{ "hexDecode near miss", "t:hexDecode", "@streq <script>",
	  "/?q=3c736372697074", NULL },
	{ "utf8toUnicode", "t:utf8toUnicode", "@streq caf%u00e9",
	  "/?q=caf%C3%A9", "caf%u00e9" },
	{ "utf8toUnicode near miss (cut)", "t:utf8toUnicode",
	  "@streq caf%u00e9", "/?q=caf%C3", NULL },
	{ "length", "t:length", "@gt 10", "/?q=aaaaaaaaaaa", "11" },
	{ "length near miss", "t:length", "@gt 10", "/?q=aaaaaaaaaa", NULL },
	{ "length of the empty value", "t:length", "@streq 0", "/?q=", "0" },
	{ "CRS-style pipeline",
	  "t:utf8toUnicode,t:urlDecodeUni,"
	  "t:htmlEntityDecode,t:jsDecode,t:cssDecode,t:removeNulls",
	  "@rx ^<.script$", "/?q=%25u003c%C3%A9script", "<\xe9script" },
};

static void test_each_transformation_applies(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tfn_cases) / sizeof(tfn_cases[0]); i++) {
		const struct tfn_case *c = &tfn_cases[i];
		struct tmatches got;
		struct treq req;
		struct tset t;
		char text[256];
		int n;

		snprintf(text, sizeof(text),
			 "SecRule ARGS:q \"%s\" \"id:1,%s%sdeny\"", c->op,
			 c->actions, *c->actions ? "," : "");
		load(&t, text);
		treq_init(&req, "GET", c->uri);
		n = tset_match(&t, &req.req, &got);
		if (c->want_value ?
			    (n != 1 || strcmp(got.m[0].value, c->want_value)) :
			    n != 0)
			fail_msg("case '%s': %d matches, value '%s'; want %s",
				 c->name, n, got.n ? got.m[0].value : "",
				 c->want_value ? c->want_value : "none");
		tset_free(&t);
	}
}

/* A value that grows threefold, through utf8toUnicode twice: the scratch
 * buffer is sized for it (ASan would see an overrun). */
static void test_transformation_growth(void **state)
{
	static const char rule[] =
		"SecRule ARGS:q \"@streq 2401\" "
		"\"id:1,t:utf8toUnicode,t:utf8toUnicode,t:length,deny\"\n"
		"SecRule ARGS:q \"@rx ^(?:%u00e9){400}x$\" "
		"\"id:2,t:utf8toUnicode,t:utf8toUnicode,deny\"\n";
	char uri[8 + 400 * 6 + 2], want[256];
	struct tmatches got;
	struct treq req;
	struct tset t;
	size_t o;

	(void)state;
	load(&t, rule);
	o = (size_t)snprintf(uri, sizeof(uri), "/?q=");
	for (int i = 0; i < 400; i++)
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "%%C3%%A9");
	snprintf(uri + o, sizeof(uri) - o, "x");
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_int_equal(got.m[0].id, 1);
	assert_string_equal(got.m[0].value, "2401");
	assert_int_equal(got.m[1].id, 2);
	for (o = 0; o + 6 < sizeof(want); o += 6)
		memcpy(want + o, "%u00e9", 6);
	assert_memory_equal(got.m[1].value, want, o);
	tset_free(&t);
}

static void test_pm_is_caseless_any_phrase(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule REQUEST_HEADERS:User-Agent \"@pm sqlmap nikto "
		 "a.b\" \"id:1,deny\"");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "hyperscan");
	treq_init(&req, "GET", "/");
	treq_header(&req, "User-Agent", "Mozilla SQLMap/1.0");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	treq_init(&req, "GET", "/");
	treq_header(&req, "User-Agent", "xNiKtOx");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	/* phrases are literal: '.' is not a wildcard */
	treq_init(&req, "GET", "/");
	treq_header(&req, "User-Agent", "axb");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	treq_init(&req, "GET", "/");
	treq_header(&req, "User-Agent", "Mozilla/5.0 (X11; Linux x86_64)");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);
}

static void test_backreference_and_lookbehind_beside_hyperscan(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@rx (\\w{3,})\\1\" \"id:1,deny\"\n"
		 "SecRule ARGS \"@rx (?<=x)y\" \"id:2,deny\"\n"
		 "SecRule ARGS \"@rx ^abc\" \"id:3,deny\"\n");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine,
			    "hyperscan+pcre2");
	assert_string_equal(enf_ruleset_rule(t.rs, 1)->engine,
			    "hyperscan+pcre2");
	assert_string_equal(enf_ruleset_rule(t.rs, 2)->engine, "hyperscan");
	treq_init(&req, "GET", "/?q=abcabc");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_int_equal(got.m[0].id, 1);
	assert_int_equal(got.m[1].id, 3);
	treq_init(&req, "GET", "/?q=abcabd&r=xy");
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	assert_int_equal(got.m[0].id, 2);
	assert_string_equal(got.m[0].var, "ARGS:r");
	assert_int_equal(got.m[1].id, 3);
	tset_free(&t);
}

static void test_empty_matching_pattern_runs_on_pcre2(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	/* Hyperscan refuses patterns that match the empty string */
	load(&t, "SecRule ARGS:q \"@rx ^$\" \"id:1,deny\"");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "pcre2");
	treq_init(&req, "GET", "/?q=");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	treq_init(&req, "GET", "/?q=x");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);
}

/*
 * ^ and $ as ModSecurity v3 compiles @rx (DOTALL | MULTILINE): at every line
 * start and end of a value, on Hyperscan and on PCRE2 alike; \A and \z still
 * only at the ends of the value.
 */
static void test_anchors_match_at_line_ends(void **state)
{
	static const struct {
		uint32_t id;
		const char *engine;
		bool fires;
	} want[] = {
		{ 1, "hyperscan", true }, /* ^cmd= */
		{ 2, "hyperscan+pcre2", true }, /* ^cmd=(?=x) */
		{ 3, "hyperscan", true }, /* whoami$ */
		{ 4, "hyperscan+pcre2", true }, /* (?<=who)ami$ */
		{ 5, "hyperscan+pcre2", true }, /* ^cmd=(\w)\1 */
		{ 6, "hyperscan", false }, /* ^xx */
		{ 7, "hyperscan+pcre2", false }, /* ^xx(?=\s) */
		{ 8, "hyperscan", false }, /* \Acmd= */
		{ 9, "hyperscan", false }, /* whoami\z */
		{ 10, "hyperscan", true }, /* 1.cmd: dot takes the newline */
		{ 11, "hyperscan+pcre2", false }, /* cmd=$(?<!y) */
		/* \K: refused by Hyperscan even as a prefilter */
		{ 12, "pcre2", true }, /* ^cmd=\Kxx */
		{ 13, "pcre2", true }, /* who\Kami$ */
		{ 14, "pcre2", false }, /* ^xx\K */
		{ 15, "pcre2", false }, /* \Acmd=\K */
	};
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule REQUEST_BODY \"@rx ^cmd=\" \"id:1\"\n"
		 "SecRule REQUEST_BODY \"@rx ^cmd=(?=x)\" \"id:2\"\n"
		 "SecRule REQUEST_BODY \"@rx whoami$\" \"id:3\"\n"
		 "SecRule REQUEST_BODY \"@rx (?<=who)ami$\" \"id:4\"\n"
		 "SecRule REQUEST_BODY \"@rx ^cmd=(\\w)\\1\" \"id:5\"\n"
		 "SecRule REQUEST_BODY \"@rx ^xx\" \"id:6\"\n"
		 "SecRule REQUEST_BODY \"@rx ^xx(?=\\s)\" \"id:7\"\n"
		 "SecRule REQUEST_BODY \"@rx \\Acmd=\" \"id:8\"\n"
		 "SecRule REQUEST_BODY \"@rx whoami\\z\" \"id:9\"\n"
		 "SecRule REQUEST_BODY \"@rx 1.cmd\" \"id:10\"\n"
		 "SecRule REQUEST_BODY \"@rx cmd=$(?<!y)\" \"id:11\"\n"
		 "SecRule REQUEST_BODY \"@rx ^cmd=\\Kxx\" \"id:12\"\n"
		 "SecRule REQUEST_BODY \"@rx who\\Kami$\" \"id:13\"\n"
		 "SecRule REQUEST_BODY \"@rx ^xx\\K\" \"id:14\"\n"
		 "SecRule REQUEST_BODY \"@rx \\Acmd=\\K\" \"id:15\"\n");
	treq_init(&req, "POST", "/");
	treq_body(&req, "a=1\ncmd=xx whoami\nb=2");
	assert_int_equal(tset_match(&t, &req.req, &got), 8);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(t.rs, i);
		const struct tmatch *m = tmatches_find(&got, want[i].id);

		assert_int_equal(r->id, want[i].id);
		if (strcmp(r->engine, want[i].engine))
			fail_msg("rule %u runs on %s, want %s", r->id,
				 r->engine, want[i].engine);
		if (!m != !want[i].fires)
			fail_msg("rule %u (%s): %s on a line of the body",
				 r->id, r->text, m ? "fired" : "did not fire");
		if (m)
			assert_string_equal(m->var, "REQUEST_BODY");
	}
	/* at the start of the value, \A and ^ agree; in a CRLF line end, $
	 * sits before the LF only, as PCRE2's default newline has it */
	treq_init(&req, "POST", "/");
	treq_body(&req, "cmd=1 whoami\r\nb=2");
	assert_int_equal(tset_match(&t, &req.req, &got), 3);
	assert_non_null(tmatches_find(&got, 1));
	assert_non_null(tmatches_find(&got, 8));
	assert_non_null(tmatches_find(&got, 15));
	tset_free(&t);
}

static void test_each_operator(void **state)
{
	static const struct {
		const char *op;
		const char *value;
		bool fires;
	} cases[] = {
		{ "@rx ^a.c$", "a\nc", true }, /* DOTALL */
		{ "@rx ^abc$", "xabc", false },
		{ "@contains Evil", "an Evil bot", true },
		{ "@contains evil", "an Evil bot", false },
		{ "@streq GET", "GET", true },
		{ "@streq GET", "GETS", false },
		{ "@streq GET", "get", false },
		{ "@beginsWith /admin", "/admin/users", true },
		{ "@beginsWith /admin", "/x/admin", false },
		{ "@endsWith .php", "/index.php", true },
		{ "@endsWith .php", "/index.php5", false },
		{ "@endsWith long-suffix", "short", false },
		{ "@pm foo bar", "xBARx", true },
		{ "@pm foo bar", "fo ba", false },
		/* the value is the needle, the argument the haystack */
		{ "@within GET HEAD POST", "HEAD", true },
		{ "@within GET HEAD POST", "PUT", false },
		{ "@within GET HEAD POST", "T HE", true },
		{ "@within GET HEAD POST", "GET HEAD POST OPTIONS", false },
		{ "@within GET HEAD POST", "", true },
		{ "@ipMatch 10.0.0.0/8, 2001:db8::/32", "10.1.2.3", true },
		{ "@ipMatch 10.0.0.0/8, 2001:db8::/32", "11.0.0.1", false },
		{ "@ipMatch 10.0.0.0/8, 2001:db8::/32", "2001:db8::1", true },
		{ "@ipMatch 10.0.0.0/8, 2001:db8::/32", "2001:db9::1", false },
		/* IPv4-mapped IPv6 is the IPv4 address */
		{ "@ipMatch 10.0.0.0/8", "::ffff:10.9.9.9", true },
		{ "@ipMatch 10.0.0.0/8", "10.1.2.3 ", false },
		{ "@ipMatch 10.0.0.0/8", "host10", false },
		/* a prefix inside a byte: 10.0.0.0/7 holds 11.x, not 12.x */
		{ "@ipMatch 10.0.0.0/7", "11.255.0.1", true },
		{ "@ipMatch 10.0.0.0/7", "12.0.0.1", false },
		{ "@ipMatch 192.0.2.7", "192.0.2.7", true },
		{ "@ipMatch 192.0.2.7", "192.0.2.8", false },
		{ "@ipMatch 0.0.0.0/0", "203.0.113.5", true },
		{ "@ipMatch 0.0.0.0/0", "2001:db8::1", false },
		{ "@ipMatch ::/0", "2001:db8::1", true },
		/* numbers read as ModSecurity reads them: std::stoi() */
		{ "@gt 10", "11", true },
		{ "@gt 10", "10", false },
		{ "@gt 10", " +12abc", true },
		{ "@gt 10", "abc", false },
		{ "@lt 1", "abc", true },
		{ "@lt 1", "-2147483648", true },
		{ "@eq -5", "-5", true },
		{ "@eq 0", "99999999999", true },
		{ "@ge 3", "3", true },
		{ "@ge 3", "2", false },
		{ "@le 3", "3", true },
		{ "@le 3", "4", false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tmatches got;
		struct treq req;
		struct tset t;
		char text[256];
		int n;

		snprintf(text, sizeof(text),
			 "SecRule REQUEST_HEADERS:X-V \"%s\" \"id:1\"",
			 cases[i].op);
		load(&t, text);
		treq_init(&req, "GET", "/");
		treq_header(&req, "X-V", cases[i].value);
		n = tset_match(&t, &req.req, &got);
		if (n != (cases[i].fires ? 1 : 0))
			fail_msg("'%s' on '%s': %d matches, want %d",
				 cases[i].op, cases[i].value, n,
				 cases[i].fires);
		tset_free(&t);
	}
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Does @t fire on a request with header X-V: @value? */
static bool fires_on(struct tset *t, const char *value)
{
	struct tmatches got;
	struct treq req;

	treq_init(&req, "GET", "/");
	treq_header(&req, "X-V", value);
	return tset_match(t, &req.req, &got) == 1;
}

/*
 * @pmFromFile: a phrase a line (CRLF too), '#' lines and empty lines
 * skipped, caseless as @pm; a name relative to the rule's file, several
 * files; re-read at each build (a reload sees the file as it is then).
 */
static void test_pm_from_file(void **state)
{
	char dir[] = "/tmp/enf-pmfile-XXXXXX", conf[64], words[64], more[64];
	char text[160];
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct tset t = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(conf, sizeof(conf), "%s/r.conf", dir);
	snprintf(words, sizeof(words), "%s/words.txt", dir);
	snprintf(more, sizeof(more), "%s/more.txt", dir);
	write_file(words, "# SQL words\n\nunion select\r\nxp_cmdshell\n");
	write_file(more, "sleep(\n");
	write_file(conf, "SecRule REQUEST_HEADERS:X-V "
			 "\"@pmFromFile words.txt more.txt\" \"id:7\"\n");

	assert_int_equal(enf_rules_builder_new(&b), 0);
	if (enf_rules_builder_add_file(b, conf, &err) != 1)
		fail_msg("add_file: %s:%u:%u: %s", err.origin, err.line,
			 err.column, err.msg);
	assert_int_equal(enf_rules_build(b, &t.rs, &err), 0);
	assert_int_equal(enf_rules_scratch_new(t.rs, &t.s), 0);
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "hyperscan");
	assert_true(fires_on(&t, "id=1 UNION SELECT pass"));
	assert_true(fires_on(&t, "exec Xp_CmdShell"));
	assert_true(fires_on(&t, "1 and sleep(5)"));
	/* near misses: no phrase is whole, comments are no phrases */
	assert_false(fires_on(&t, "union-select sleep"));
	assert_false(fires_on(&t, "# SQL words"));
	tset_free(&t);

	/* the same file by its absolute name, from text */
	snprintf(text, sizeof(text),
		 "SecRule REQUEST_HEADERS:X-V \"@pmFromFile %s\" \"id:8\"",
		 words);
	load(&t, text);
	assert_true(fires_on(&t, "xp_cmdshell"));
	tset_free(&t);

	/* a file with no phrase left is refused */
	write_file(more, "# nothing\n\n");
	snprintf(text, sizeof(text),
		 "SecRule REQUEST_HEADERS:X-V \"@pmFromFile %s\" \"id:9\"",
		 more);
	assert_int_equal(tset_load(&t, text, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "no phrase"));

	enf_rules_builder_free(b);
	unlink(conf);
	unlink(words);
	unlink(more);
	assert_int_equal(rmdir(dir), 0);
}

static void test_reports_in_rule_order(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	/* three pipelines interleaved; ids out of numeric order */
	load(&t, "SecRule ARGS \"@contains zq7\" \"id:30,t:lowercase\"\n"
		 "SecRule REQUEST_HEADERS \"@rx zq7\" \"id:10\"\n"
		 "SecRule ARGS \"@pm ZQ7\" \"id:20,t:lowercase\"\n"
		 "SecRule ARGS \"@rx zq7\" \"id:5,t:trim\"\n"
		 "SecRule ARGS \"@rx nomatch\" \"id:1\"\n");
	treq_init(&req, "GET", "/?a=zq7");
	treq_header(&req, "X", "zq7");
	assert_int_equal(tset_match(&t, &req.req, &got), 4);
	assert_int_equal(got.m[0].id, 30);
	assert_int_equal(got.m[1].id, 10);
	assert_int_equal(got.m[2].id, 20);
	assert_int_equal(got.m[3].id, 5);
	tset_free(&t);
}

static void test_reports_rule_target_order(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS|REQUEST_URI \"@contains zq7\" \"id:1\"\n"
		 "SecRule REQUEST_URI|ARGS \"@contains zq7\" \"id:2\"\n"
		 "SecRule REQUEST_HEADERS|ARGS \"@rx zq7\" \"id:3\"\n");
	treq_init(&req, "GET", "/p?x=1&q=zq7");
	assert_int_equal(tset_match(&t, &req.req, &got), 3);
	assert_string_equal(got.m[0].var, "ARGS:q");
	assert_string_equal(got.m[1].var, "REQUEST_URI");
	assert_string_equal(got.m[2].var, "ARGS:q");
	tset_free(&t);
}

static void test_each_rule_reported_once(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@pm zq7 zq8\" \"id:1\"\n");
	treq_init(&req, "GET", "/?a=zq7&b=zq8zq7&c=zq8");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_string_equal(got.m[0].var, "ARGS:a");
	tset_free(&t);
}

static void test_value_is_cut_to_256_bytes(void **state)
{
	char uri[1024] = "/?q=";
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	memset(uri + 4, 'a', 300);
	strcpy(uri + 304, "zq7");
	load(&t, "SecRule ARGS \"@rx zq7\" \"id:1\"");
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].value_len, 256);
	assert_memory_equal(got.m[0].value, uri + 4, 256);
	tset_free(&t);
}

static int stop_after_first(const struct enf_rule_match *m, void *ctx)
{
	*(uint32_t *)ctx = m->rule->id;
	return 1;
}

static void test_callback_can_stop(void **state)
{
	struct treq req;
	struct tset t;
	uint32_t seen = 0;

	(void)state;
	load(&t, "SecRule ARGS \"@rx zq7\" \"id:1\"\n"
		 "SecRule ARGS \"@rx zq\" \"id:2\"\n");
	treq_init(&req, "GET", "/?a=zq7");
	assert_int_equal(enf_rules_match(t.rs, t.s, &req.req, stop_after_first,
					 &seen),
			 1);
	assert_int_equal(seen, 1);
	/* without a callback, matches are only counted */
	assert_int_equal(enf_rules_match(t.rs, t.s, &req.req, NULL, NULL), 2);
	tset_free(&t);
}

static void test_pcre2_limit_is_counted_as_no_match(void **state)
{
	char uri[128] = "/?q=";
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	/* exponential backtracking; \K keeps it on PCRE2 alone (see
	 * test_prefilter_confirmation_limit_is_counted for a prefilter) */
	load(&t, "SecRule ARGS \"@rx ^(a|aa)+\\1\\Kb\" \"id:1,deny\"\n"
		 "SecRule ARGS \"!@rx ^(a|aa)+\\1\\Kb\" \"id:2,deny\"\n");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "pcre2");
	assert_string_equal(enf_ruleset_rule(t.rs, 1)->engine, "pcre2");
	/* the 'b' PCRE2 requires is there, so it has to backtrack */
	memset(uri + 4, 'a', 60);
	strcpy(uri + 64, "cb");
	treq_init(&req, "GET", uri);
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 0);
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 2);
	/* a short value is decided within the limits */
	treq_init(&req, "GET", "/?q=aaaab");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 1);
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 2);
	tset_free(&t);
}

/*
 * A value that makes PCRE2 give up is not a silent no-match: a rule on
 * MSC_PCRE_LIMITS_EXCEEDED (or ModSecurity's TX: spelling) fires for the
 * request, after every other value, whatever pipeline it sits in; not for
 * a request matched within the limits.
 */
static void test_pcre2_limit_can_be_matched(void **state)
{
	char uri[128] = "/?q=";
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule TX:MSC_PCRE_LIMITS_EXCEEDED \"@eq 1\" "
		 "\"id:5,deny\"\n"
		 "SecRule ARGS \"@rx ^(a|aa)+\\1b\" \"id:1,t:trim,deny\"\n"
		 "SecRule MSC_PCRE_LIMITS_EXCEEDED \"@streq 1\" "
		 "\"id:6,t:lowercase\"\n");
	memset(uri + 4, 'a', 60);
	strcpy(uri + 64, "cb");
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	m = tmatches_find(&got, 5);
	assert_non_null(m);
	assert_string_equal(m->var, "MSC_PCRE_LIMITS_EXCEEDED");
	assert_memory_equal(m->value, "1", 1);
	assert_non_null(tmatches_find(&got, 6));
	assert_null(tmatches_find(&got, 1));
	treq_init(&req, "GET", "/?q=aaaab");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_non_null(tmatches_find(&got, 1));
	tset_free(&t);
	/* only the flag is read from TX, as it is */
	assert_int_equal(tset_load(&t, "SecRule TX:score \"@gt 5\" \"id:1\"",
				   &(struct enf_rule_error){ 0 }),
			 -EINVAL);
	assert_int_equal(tset_load(&t,
				   "SecRule &TX:MSC_PCRE_LIMITS_EXCEEDED "
				   "\"@eq 0\" \"id:1\"",
				   &(struct enf_rule_error){ 0 }),
			 -EINVAL);
}

/*
 * Where the match limit sits: an ordinary pattern repeating a group over a
 * thousand words still matches; a value that needs some 16000 steps (20000
 * interpreted) of backtracking, which the limit of 100000 let through, is
 * now abandoned and counted, once per value.
 */
static void test_pcre2_match_limit_bounds(void **state)
{
	static char uri[8192];
	struct tmatches got;
	struct treq req;
	struct tset t;
	size_t o;

	(void)state;
	/* a pattern that matches the empty string runs on PCRE2 */
	load(&t, "SecRule ARGS:w \"@rx ^(?:[a-z]+\\s?)*$\" \"id:1\"\n"
		 "SecRule ARGS:x|ARGS:y|ARGS:z \"@rx ^(?:a+)+(?=a{12}b)\" "
		 "\"id:2\"\n"
		 "SecRule ARGS:v \"@rx ^(?:a+)+(?=a{8}b)\" \"id:3\"\n");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine, "pcre2");
	/* a lookahead: prefiltered, and PCRE2 confirms under the same limits */
	assert_string_equal(enf_ruleset_rule(t.rs, 1)->engine,
			    "hyperscan+pcre2");

	o = (size_t)snprintf(uri, sizeof(uri), "/?w=");
	for (int i = 0; i < 1000; i++)
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "word+");
	o += (size_t)snprintf(uri + o, sizeof(uri) - o, "&v=");
	memset(uri + o, 'a', 30);
	o += 30;
	o += (size_t)snprintf(uri + o, sizeof(uri) - o, "b");
	for (int k = 0; k < 3; k++) {
		o += (size_t)snprintf(uri + o, sizeof(uri) - o,
				      "&%c=", 'x' + k);
		memset(uri + o, 'a', 30);
		o += 30;
		o += (size_t)snprintf(uri + o, sizeof(uri) - o, "b");
	}
	assert_true(o < sizeof(uri) - 1);
	treq_init(&req, "GET", uri);
	assert_int_equal(req.req.n_args, 5);

	assert_int_equal(tset_match(&t, &req.req, &got), 2);
	if (!tmatches_find(&got, 1))
		fail_msg("a group repeated over 1000 words hit the limit");
	if (!tmatches_find(&got, 3))
		fail_msg("1300 steps of backtracking hit the limit");
	if (tmatches_find(&got, 2))
		fail_msg("16000 steps of backtracking are within the limit");
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 3);
	tset_free(&t);
}

static int on_prefilter_hit(unsigned int id, unsigned long long from,
			    unsigned long long to, unsigned int flags,
			    void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	*(bool *)ctx = true;
	return 1;
}

/*
 * Does Hyperscan, with the engine's prefilter flags, report @pattern on
 * @value? Lets a test show that a value passes the prefilter, so that only
 * PCRE2's confirmation can keep the rule from firing.
 */
static bool prefilter_hits(const char *pattern, const char *value)
{
	hs_compile_error_t *cerr = NULL;
	hs_scratch_t *scratch = NULL;
	hs_database_t *db = NULL;
	bool hit = false;
	hs_error_t e;

	if (hs_compile(pattern, ENF_HS_PREFILTER_FLAGS, HS_MODE_BLOCK, NULL,
		       &db, &cerr) != HS_SUCCESS)
		fail_msg("Hyperscan refuses '%s' as a prefilter: %s", pattern,
			 cerr ? cerr->message : "?");
	assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
	e = hs_scan(db, value, (unsigned int)strlen(value), 0, scratch,
		    on_prefilter_hit, &hit);
	/* the callback stops the scan at the first hit */
	assert_true(e == HS_SUCCESS || e == HS_SCAN_TERMINATED);
	hs_free_scratch(scratch);
	hs_free_database(db);
	return hit;
}

/*
 * A backreference and a lookbehind run as Hyperscan prefilters confirmed
 * by PCRE2: a value that matches fires them; a value the prefilter alone
 * would pass does not; a value of a variable the rule does not read, in the
 * same database, does not either.
 */
static void test_prefilter_confirms_each_hit(void **state)
{
	static const char backref[] = "(\\w{3,})\\1";
	static const char behind[] = "(?<=user=)admin\\b";
	const struct enf_rule_info *info;
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@rx (\\w{3,})\\1\" \"id:1\"\n"
		 "SecRule ARGS|REQUEST_BODY \"@rx (?<=user=)admin\\b\" "
		 "\"id:2\"\n"
		 "SecRule REQUEST_HEADERS \"@rx zq7\" \"id:3\"\n");
	for (size_t i = 0; i < 2; i++) {
		info = enf_ruleset_rule(t.rs, i);
		assert_string_equal(info->engine, "hyperscan+pcre2");
		/* why: "prefilter: " and what Hyperscan said of the pattern */
		if (strncmp(info->why, "prefilter: ", 11) ||
		    !strstr(info->why,
			    i ? "Zero-width assertions" : "Back-references"))
			fail_msg("rule %u: why is '%s'", info->id, info->why);
	}
	assert_string_equal(enf_ruleset_rule(t.rs, 2)->engine, "hyperscan");

	/* true cases */
	treq_init(&req, "GET", "/?a=1&q=abcabc");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "ARGS:q");
	assert_string_equal(m->value, "abcabc");
	treq_init(&req, "POST", "/?a=1");
	treq_body(&req, "x=1&user=admin");
	m = fired(&t, &req, 2, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "REQUEST_BODY");

	/* near misses that pass the prefilter: PCRE2 says no */
	assert_true(prefilter_hits(backref, "abcabd"));
	assert_true(prefilter_hits(behind, "role=admin"));
	treq_init(&req, "POST", "/?q=abcabd&r=role%3Dadmin");
	treq_body(&req, "user=administrator");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);

	/* a header is scanned with the same database, but no prefilter
	 * rule reads it: no PCRE2 run, no match */
	treq_init(&req, "GET", "/?q=1");
	treq_header(&req, "X", "zq7 abcabc user=admin");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 3);
	tset_free(&t);
}

/*
 * A negated prefilter rule matches when the prefilter does not fire, or
 * fires and PCRE2 does not confirm; not when PCRE2 confirms.
 */
static void test_negated_prefilter_rule(void **state)
{
	static const char pattern[] = "^(\\d)\\1$";
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS:pin \"!@rx ^(\\d)\\1$\" \"id:1\"\n");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine,
			    "hyperscan+pcre2");
	/* the prefilter fires and PCRE2 confirms: the test passes */
	assert_true(prefilter_hits(pattern, "44"));
	treq_init(&req, "GET", "/?pin=44");
	assert_null(fired(&t, &req, 1, &got));
	/* the prefilter fires, PCRE2 does not confirm: the rule fires */
	assert_true(prefilter_hits(pattern, "45"));
	treq_init(&req, "GET", "/?pin=45");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->var, "ARGS:pin");
	assert_string_equal(m->value, "45");
	/* the prefilter does not fire: the rule fires, no PCRE2 needed */
	assert_false(prefilter_hits(pattern, "x"));
	treq_init(&req, "GET", "/?pin=x");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->value, "x");
	/* the first value of several that fails the test is reported */
	treq_init(&req, "GET", "/?pin=44&pin=4&pin=x");
	m = fired(&t, &req, 1, &got);
	assert_non_null(m);
	assert_string_equal(m->value, "4");
	/* no value: nothing to fire on */
	treq_init(&req, "GET", "/?other=45");
	assert_null(fired(&t, &req, 1, &got));
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 0);
	tset_free(&t);
}

/*
 * Patterns Hyperscan refuses even as a prefilter stay on PCRE2 alone, and
 * lint says so: \K, \R, a subroutine call, and a lookbehind alone (its
 * approximation would match the empty string, so every value).
 */
static void test_refused_even_as_prefilter_stays_pcre2(void **state)
{
	static const struct {
		uint32_t id;
		const char *why;
		const char *value;
		bool fires;
	} cases[] = {
		{ 1, "also as a prefilter", "xabc", true },
		{ 1, "also as a prefilter", "abd", false },
		{ 2, "also as a prefilter", "a\r\nb", true },
		{ 2, "also as a prefilter", "a b", false },
		{ 3, "also as a prefilter", "xaa", true },
		{ 3, "also as a prefilter", "xab", false },
		{ 4, "as a prefilter: pattern can match an empty string", "ba",
		  true },
		{ 4, "as a prefilter: pattern can match an empty string", "bb",
		  false },
	};
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule REQUEST_HEADERS:X-V \"@rx ab\\Kc\" \"id:1\"\n"
		 "SecRule REQUEST_HEADERS:X-V \"@rx a\\Rb\" \"id:2\"\n"
		 "SecRule REQUEST_HEADERS:X-V \"@rx x(?1)(a)\" \"id:3\"\n"
		 "SecRule REQUEST_HEADERS:X-V \"@rx (?<=a)\" \"id:4\"\n");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct enf_rule_info *r =
			enf_ruleset_rule(t.rs, cases[i].id - 1);
		const struct tmatch *m;

		assert_int_equal(r->id, cases[i].id);
		assert_string_equal(r->engine, "pcre2");
		if (!strstr(r->why, cases[i].why))
			fail_msg("rule %u: why '%s' lacks '%s'", r->id, r->why,
				 cases[i].why);
		treq_init(&req, "GET", "/");
		treq_header(&req, "X-V", cases[i].value);
		m = fired(&t, &req, cases[i].id, &got);
		if (!m != !cases[i].fires)
			fail_msg("rule %u on '%s': %s", r->id, cases[i].value,
				 m ? "fired" : "did not fire");
	}
	tset_free(&t);
}

/*
 * A PCRE2 limit hit while confirming a prefilter's hit is counted, and the
 * rule, negated or not, does not fire on that value; the request then has
 * MSC_PCRE_LIMITS_EXCEEDED. A value the prefilter does not report costs no
 * PCRE2 run.
 */
static void test_prefilter_confirmation_limit_is_counted(void **state)
{
	/* never matches: (?<!a) fails after every split of the a's */
	static const char pattern[] = "^(?:a|aa)+(?<!a)b";
	char uri[128] = "/?q=";
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@rx ^(?:a|aa)+(?<!a)b\" \"id:1\"\n"
		 "SecRule ARGS \"!@rx ^(?:a|aa)+(?<!a)b\" \"id:2\"\n"
		 "SecRule MSC_PCRE_LIMITS_EXCEEDED \"@eq 1\" \"id:3\"\n");
	assert_string_equal(enf_ruleset_rule(t.rs, 0)->engine,
			    "hyperscan+pcre2");
	assert_string_equal(enf_ruleset_rule(t.rs, 1)->engine,
			    "hyperscan+pcre2");
	memset(uri + 4, 'a', 60);
	strcpy(uri + 64, "b");
	assert_true(prefilter_hits(pattern, uri + 4));
	treq_init(&req, "GET", uri);
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 3);
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 2);

	/* within the limits PCRE2 says no: the negated rule fires */
	assert_true(prefilter_hits(pattern, "aab"));
	treq_init(&req, "GET", "/?q=aab");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 2);
	/* no prefilter hit: the negated rule fires, no PCRE2 run */
	assert_false(prefilter_hits(pattern, "xb"));
	treq_init(&req, "GET", "/?q=xb");
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	assert_int_equal(got.m[0].id, 2);
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 2);
	tset_free(&t);
}

/*
 * phase:1 sees what exists once the request headers are in: the query's
 * arguments (ARGS is ARGS_GET), headers, cookies, anomalies of the head,
 * the process and the flow;
 * no body, no body arguments, no body anomaly, and counts of what it sees.
 * phase:2 sees it all. A chain's links run in its phase.
 */
static void test_phase1_sees_the_head_only(void **state)
{
	static const struct {
		uint32_t id;
		const char *var; /* NULL: must not fire */
		const char *value;
	} want[] = {
		{ 1, NULL, NULL }, /* ARGS, phase 1: not the body's */
		{ 2, "ARGS:id", "zq7" }, /* ARGS, phase 2 */
		{ 3, NULL, NULL }, /* REQUEST_BODY, phase 1 */
		{ 4, "REQUEST_BODY", "id=zq7" }, /* REQUEST_BODY, phase 2 */
		{ 5, NULL, NULL }, /* ARGS_POST, phase 1 */
		{ 6, "&ARGS", "1" }, /* &ARGS, phase 1: the query's one */
		{ 7, "&ARGS", "2" }, /* &ARGS, phase 2 */
		{ 8, "PROTOCOL_ANOMALY:BARE_LF", "BARE_LF" }, /* phase 1 */
		{ 9, NULL, NULL }, /* BAD_JSON, phase 1 */
		{ 10, "PROTOCOL_ANOMALY:BAD_JSON", "BAD_JSON" }, /* phase 2 */
		{ 11, "REQUEST_HEADERS:X-A", "zq7" }, /* phase 1 */
		{ 12, "REQUEST_COOKIES:c", "zq7" }, /* phase 1 */
		{ 13, NULL, NULL }, /* a chain of phase 1 on the body */
		{ 14, "REQUEST_BODY", "id=zq7" }, /* the same, phase 2:
						  * its link reports */
		{ 15, "&REQUEST_BODY", "0" }, /* phase 1: no body */
		{ 16, "ARGS:a", "1" }, /* a chain of phase 1 */
		{ 17, "PROCESS_EXE",
		  "/usr/bin/curl" }, /* the origin, phase 1 */
		{ 18, "REMOTE_ADDR", "192.0.2.7" },
	};
	struct enf_req_origin o;
	const struct tmatch *m;
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t,
	     "SecRule ARGS \"@rx zq7\" \"id:1,phase:1\"\n"
	     "SecRule ARGS \"@rx zq7\" \"id:2,phase:2\"\n"
	     "SecRule REQUEST_BODY \"@contains zq7\" \"id:3,phase:1\"\n"
	     "SecRule REQUEST_BODY \"@contains zq7\" \"id:4,phase:2\"\n"
	     "SecRule ARGS_POST \"@pm zq7\" \"id:5,phase:1\"\n"
	     "SecRule &ARGS \"@eq 1\" \"id:6,phase:1\"\n"
	     "SecRule &ARGS \"@eq 2\" \"id:7,phase:2\"\n"
	     "SecRule PROTOCOL_ANOMALY \"@streq BARE_LF\" \"id:8,phase:1\"\n"
	     "SecRule PROTOCOL_ANOMALY \"@streq BAD_JSON\" \"id:9,phase:1\"\n"
	     "SecRule PROTOCOL_ANOMALY \"@streq BAD_JSON\" "
	     "\"id:10,phase:2\"\n"
	     "SecRule REQUEST_HEADERS \"@rx zq7\" \"id:11,phase:1\"\n"
	     "SecRule REQUEST_COOKIES \"@rx zq7\" \"id:12,phase:1\"\n"
	     "SecRule REQUEST_METHOD \"@streq POST\" \"id:13,phase:1,chain\"\n"
	     "  SecRule REQUEST_BODY \"@rx zq7\" \"t:lowercase\"\n"
	     "SecRule REQUEST_METHOD \"@streq POST\" \"id:14,phase:2,chain\"\n"
	     "  SecRule REQUEST_BODY \"@rx zq7\" \"t:lowercase\"\n"
	     "SecRule &REQUEST_BODY \"@eq 0\" \"id:15,phase:1\"\n"
	     "SecRule REQUEST_METHOD \"@streq POST\" \"id:16,phase:1,chain\"\n"
	     "  SecRule ARGS:a \"@streq 1\" \"t:trim\"\n"
	     "SecRule PROCESS_EXE \"@endsWith /curl\" \"id:17,phase:1\"\n"
	     "SecRule REMOTE_ADDR \"@ipMatch 192.0.2.0/24\" \"id:18,phase:1\"\n");
	treq_init(&req, "POST", "/?a=1");
	treq_post(&req, "id", "zq7");
	treq_body(&req, "id=zq7");
	treq_header(&req, "X-A", "zq7");
	treq_cookie(&req, "c", "zq7");
	req.req.anomalies = ENF_ANOM_BARE_LF | ENF_ANOM_BAD_JSON;
	origin_init(&o, ENF_REQ_INBOUND, "192.0.2.7", 51000, "10.0.0.1", 443);
	req.req.origin = &o;
	tset_match(&t, &req.req, &got);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		m = tmatches_find(&got, want[i].id);
		if (!want[i].var) {
			if (m)
				fail_msg("rule %u fired on %s '%s'", want[i].id,
					 m->var, m->value);
			continue;
		}
		if (!m)
			fail_msg("rule %u did not fire", want[i].id);
		if (strcmp(m->var, want[i].var) ||
		    strcmp(m->value, want[i].value))
			fail_msg("rule %u fired on %s '%s', want %s '%s'",
				 want[i].id, m->var, m->value, want[i].var,
				 want[i].value);
	}
	assert_int_equal(got.n, 13);

	/* the query's arguments are there in both phases */
	treq_init(&req, "GET", "/?id=zq7");
	tset_match(&t, &req.req, &got);
	assert_non_null(tmatches_find(&got, 1));
	assert_non_null(tmatches_find(&got, 2));
	tset_free(&t);
}

/* Ids of the rules reported, in order. */
struct ids {
	uint32_t id[16];
	size_t n;
};

static int collect_ids(const struct enf_rule_match *m, void *ctx)
{
	struct ids *ids = ctx;

	if (ids->n < sizeof(ids->id) / sizeof(ids->id[0]))
		ids->id[ids->n++] = m->rule->id;
	return 0;
}

static void assert_ids(const struct ids *got, const uint32_t *want, size_t n,
		       const char *what)
{
	for (size_t i = 0; i < n && i < got->n; i++)
		if (got->id[i] != want[i])
			fail_msg("%s: match %zu is rule %u, want %u", what, i,
				 got->id[i], want[i]);
	if (got->n != n)
		fail_msg("%s: %zu matches, want %zu", what, got->n, n);
}

/* Rules of both phases, interleaved, in several pipelines; rule 45 hits
 * a PCRE2 limit on the request of phase_request(). */
static const char phase_rules[] =
	"SecRule ARGS \"@rx zq7\" \"id:10,phase:2\"\n"
	"SecRule ARGS \"@contains zq7\" \"id:20,phase:1\"\n"
	"SecRule REQUEST_METHOD \"@streq GET\" \"id:30,chain\"\n"
	"  SecRule ARGS:q \"@rx zq7\" \"t:trim\"\n"
	"SecRule ARGS \"@pm ZQ7\" \"id:40,phase:1,t:lowercase\"\n"
	"SecRule ARGS:p \"@rx ^(a|aa)+\\1\\Kb\" \"id:45,phase:2\"\n"
	"SecRule ARGS \"@rx zq7\" \"id:50,phase:request\"\n";

static void phase_request(struct treq *req)
{
	char uri[128] = "/?q=zq7&p=";

	memset(uri + 10, 'a', 60);
	strcpy(uri + 70, "cb");
	treq_init(req, "GET", uri);
}

/*
 * Matches come in phase order, then rule order (ModSecurity's), whatever
 * the order of the rules and their pipelines; a callback that stops the
 * matching in phase 1 leaves phase 2 unmatched.
 */
static void test_matches_reported_in_phase_order(void **state)
{
	static const uint32_t order[] = { 20, 40, 10, 30, 50 };
	struct ids got = { 0 };
	struct treq req;
	struct tset t;
	uint32_t seen = 0;

	(void)state;
	load(&t, phase_rules);
	phase_request(&req);
	assert_int_equal(
		enf_rules_match(t.rs, t.s, &req.req, collect_ids, &got), 5);
	assert_ids(&got, order, 5, "both phases");
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 1);

	assert_int_equal(enf_rules_match(t.rs, t.s, &req.req, stop_after_first,
					 &seen),
			 1);
	assert_int_equal(seen, 20);
	/* rule 45 (phase 2) did not run again */
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 1);
	tset_free(&t);
}

/*
 * A class that a phase reads only through literal selectors lists only the
 * fields they name (enf_ruleset.named_only): names compared without case,
 * ARGS:name over query and body, counts and negated rules unchanged; a
 * regex selector in the phase lists the class whole again.
 */
static void test_values_read_by_name_only(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t, u;

	(void)state;
	load(&t, "SecRule REQUEST_HEADERS:User-Agent \"@rx scan\" "
		 "\"id:1,phase:1,t:none,t:lowercase\"\n"
		 "SecRule ARGS:id|ARGS_NAMES:Debug \"@rx ^(?:7|debug)$\" "
		 "\"id:2,phase:2,t:none,t:lowercase\"\n"
		 "SecRule &REQUEST_HEADERS:X-Count \"@eq 2\" \"id:3,phase:1\"\n"
		 "SecRule REQUEST_COOKIES:session \"!@rx ^ok$\" "
		 "\"id:4,phase:1,t:none\"\n");
	treq_init(&req, "POST", "/p?x=7&debug=1");
	treq_header(&req, "Accept", "scan");
	treq_header(&req, "user-agent", "Scanner/1.0");
	treq_header(&req, "X-Count", "a");
	treq_header(&req, "x-count", "b");
	treq_cookie(&req, "other", "scan");
	treq_cookie(&req, "SESSION", "stolen");
	treq_post(&req, "ID", "7");
	assert_int_equal(tset_match(&t, &req.req, &got), 4);
	assert_string_equal(tmatches_find(&got, 1)->var,
			    "REQUEST_HEADERS:user-agent");
	/* the first target that takes a value: ARGS:id, on the body's ID */
	assert_string_equal(tmatches_find(&got, 2)->var, "ARGS:ID");
	assert_string_equal(tmatches_find(&got, 3)->var,
			    "&REQUEST_HEADERS:X-Count");
	assert_string_equal(tmatches_find(&got, 4)->var,
			    "REQUEST_COOKIES:SESSION");

	/* fields of other names are not read: nothing fires */
	treq_init(&req, "GET", "/p?x=7&ids=7");
	treq_header(&req, "User-Agents", "scan");
	treq_header(&req, "X-Count", "a");
	treq_cookie(&req, "session", "ok");
	treq_cookie(&req, "sessions", "bad");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);

	/* a regex selector in phase 1 reads every header: both fire */
	load(&u, "SecRule REQUEST_HEADERS:User-Agent \"@rx scan\" "
		 "\"id:1,phase:1,t:none,t:lowercase\"\n"
		 "SecRule REQUEST_HEADERS:/^x-evil/ \"@rx boom\" "
		 "\"id:5,phase:1,t:none\"\n");
	treq_init(&req, "GET", "/");
	treq_header(&req, "X-Evil-1", "boom");
	treq_header(&req, "USER-AGENT", "scanner");
	assert_int_equal(tset_match(&u, &req.req, &got), 2);
	assert_string_equal(tmatches_find(&got, 5)->var,
			    "REQUEST_HEADERS:X-Evil-1");
	assert_string_equal(tmatches_find(&got, 1)->var,
			    "REQUEST_HEADERS:USER-AGENT");
	tset_free(&t);
	tset_free(&u);
}

/*
 * enf_rules_match_phase(): the rules of one phase, phase 1 against the
 * request's head alone; any other phase refused.
 */
static void test_match_one_phase(void **state)
{
	static const uint32_t one[] = { 20, 40 }, two[] = { 10, 30, 50 };
	struct ids got = { 0 };
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, phase_rules);
	phase_request(&req);
	assert_int_equal(enf_rules_match_phase(t.rs, t.s, &req.req, 1,
					       collect_ids, &got),
			 2);
	assert_ids(&got, one, 2, "phase 1");
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 0);
	got.n = 0;
	assert_int_equal(enf_rules_match_phase(t.rs, t.s, &req.req, 2,
					       collect_ids, &got),
			 3);
	assert_ids(&got, two, 3, "phase 2");
	assert_int_equal(enf_rules_scratch_limit_hits(t.s), 1);

	/* phase 1 does not read the body's arguments */
	treq_init(&req, "POST", "/");
	treq_post(&req, "q", "zq7");
	assert_int_equal(
		enf_rules_match_phase(t.rs, t.s, &req.req, 1, NULL, NULL), 0);
	assert_int_equal(
		enf_rules_match_phase(t.rs, t.s, &req.req, 2, NULL, NULL), 2);
	assert_int_equal(enf_rules_match_phase(t.rs, t.s, &req.req, 0, NULL,
					       NULL),
			 -EINVAL);
	assert_int_equal(enf_rules_match_phase(t.rs, t.s, &req.req, 3, NULL,
					       NULL),
			 -EINVAL);
	tset_free(&t);
}

/* A scratch allocator that fails its n-th call (counting from 1). */
static unsigned int alloc_calls, alloc_fail_at;

static void *failing_alloc(size_t size)
{
	if (++alloc_calls == alloc_fail_at)
		return NULL;
	return malloc(size);
}

/*
 * hs_alloc_scratch() frees the scratch it is given when an allocation
 * fails: enf_rules_scratch_update() must leave the scratch serving the
 * active set, whichever of its allocations fails.
 */
static void test_scratch_update_failure_keeps_the_active_set(void **state)
{
	static const char more[] =
		"SecRule ARGS \"@rx zq7\" \"id:1\"\n"
		"SecRule ARGS \"@rx [a-c]{3,40}x{2,9}q\" \"id:2,t:lowercase\"\n"
		"SecRule ARGS \"@rx (z)\\1\" \"id:3\"\n"
		"SecRule REQUEST_HEADERS \"@pm zq7 alpha beta\" \"id:4,t:trim\"\n"
		"SecRule ARGS|REQUEST_HEADERS \"@rx ^(?:q|w|e)+[0-9]{5}$\" "
		"\"id:5,t:trim\"\n";
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct enf_ruleset *big = NULL;
	unsigned int failures = 0;
	struct tmatches got;
	struct treq req;
	struct tset t;
	int ret = -1;

	(void)state;
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, more, sizeof(more) - 1,
						    "<b>", &err),
			 5);
	assert_int_equal(enf_rules_build(b, &big, &err), 0);
	enf_rules_builder_free(b);

	treq_init(&req, "GET", "/?q=zzq7&r=abcxxq");
	treq_header(&req, "X", " zq7 ");

	for (alloc_fail_at = 1; ret && alloc_fail_at < 64; alloc_fail_at++) {
		load(&t, "SecRule ARGS \"@rx zq7\" \"id:1\"");
		alloc_calls = 0;
		assert_int_equal(hs_set_scratch_allocator(failing_alloc, free),
				 HS_SUCCESS);
		ret = enf_rules_scratch_update(t.s, big);
		assert_int_equal(hs_set_scratch_allocator(NULL, NULL),
				 HS_SUCCESS);
		if (ret) {
			failures++;
			if (ret != -ENOMEM)
				fail_msg(
					"allocation %u failed: got %d, want -ENOMEM",
					alloc_fail_at, ret);
			/* the active set still matches with this scratch */
			if (tset_match(&t, &req.req, &got) != 1)
				fail_msg(
					"allocation %u failed: the old set no longer matches",
					alloc_fail_at);
			/* and the same scratch takes the new set later */
			assert_int_equal(enf_rules_scratch_update(t.s, big), 0);
		}
		assert_int_equal(
			enf_rules_match(big, t.s, &req.req, NULL, NULL), 4);
		assert_int_equal(tset_match(&t, &req.req, &got), 1);
		tset_free(&t);
	}
	assert_int_equal(ret, 0);
	/* the clone and the growth of it can each fail */
	if (failures < 2)
		fail_msg("only %u failing allocations seen", failures);
	enf_ruleset_free(big);
}

static void test_scratch_follows_a_reload(void **state)
{
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct enf_ruleset *big = NULL;
	static const char one[] = "SecRule ARGS \"@rx zq7\" \"id:1\"";
	static const char more[] =
		"SecRule ARGS \"@rx zq7\" \"id:2,t:lowercase\"\n"
		"SecRule ARGS \"@rx (z)\\1\" \"id:3\"\n"
		"SecRule REQUEST_HEADERS \"@pm zq7\" \"id:4,t:trim\"\n";
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@rx zq7\" \"id:1\"");
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, one, sizeof(one) - 1,
						    "<a>", &err),
			 1);
	assert_int_equal(enf_rules_builder_add_text(b, more, sizeof(more) - 1,
						    "<b>", &err),
			 3);
	assert_int_equal(enf_rules_build(b, &big, &err), 0);
	enf_rules_builder_free(b);
	assert_int_equal(enf_ruleset_count(big), 4);

	treq_init(&req, "GET", "/?q=zzq7");
	treq_header(&req, "X", " zq7 ");
	/* a scratch made for a smaller set is refused, then updated */
	assert_int_equal(enf_rules_match(big, t.s, &req.req, NULL, NULL),
			 -EINVAL);
	assert_int_equal(enf_rules_scratch_update(t.s, big), 0);
	assert_int_equal(enf_rules_match(big, t.s, &req.req, NULL, NULL), 4);
	/* and still serves the old set */
	assert_int_equal(tset_match(&t, &req.req, &got), 1);
	enf_ruleset_free(big);
	tset_free(&t);
}

static void test_rule_set_outlives_its_builder(void **state)
{
	static const char text[] =
		"SecRule ARGS \"@rx zq7\" \"id:9,msg:'m',severity:2\"";
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct enf_rules_scratch *s = NULL;
	struct enf_ruleset *rs = NULL;
	const struct enf_rule_info *info;
	struct treq req;

	(void)state;
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_int_equal(enf_rules_builder_add_text(b, text, sizeof(text) - 1,
						    "<o>", &err),
			 1);
	assert_int_equal(enf_rules_build(b, &rs, &err), 0);
	enf_rules_builder_free(b);
	info = enf_ruleset_rule(rs, 0);
	assert_non_null(info);
	assert_null(enf_ruleset_rule(rs, 1));
	assert_int_equal(info->id, 9);
	assert_string_equal(info->msg, "m");
	assert_int_equal(info->severity, 2);
	assert_string_equal(info->origin, "<o>");
	assert_string_equal(info->engine, "hyperscan");
	assert_int_equal(enf_rules_scratch_new(rs, &s), 0);
	treq_init(&req, "GET", "/?a=zq7");
	assert_int_equal(enf_rules_match(rs, s, &req.req, NULL, NULL), 1);
	enf_rules_scratch_free(s);
	enf_ruleset_free(rs);
}

static void test_empty_set_matches_nothing(void **state)
{
	struct tmatches got;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "# nothing\n");
	assert_int_equal(enf_ruleset_count(t.rs), 0);
	treq_init(&req, "GET", "/?a=1");
	assert_int_equal(tset_match(&t, &req.req, &got), 0);
	tset_free(&t);
}

static void test_bad_arguments(void **state)
{
	struct enf_rule_error err = { 0 };
	struct enf_ruleset *rs = NULL;
	struct treq req;
	struct tset t;

	(void)state;
	load(&t, "SecRule ARGS \"@rx zq7\" \"id:1\"");
	treq_init(&req, "GET", "/");
	assert_int_equal(enf_rules_match(NULL, t.s, &req.req, NULL, NULL),
			 -EINVAL);
	assert_int_equal(enf_rules_match(t.rs, NULL, &req.req, NULL, NULL),
			 -EINVAL);
	assert_int_equal(enf_rules_match(t.rs, t.s, NULL, NULL, NULL), -EINVAL);
	assert_int_equal(enf_rules_build(NULL, &rs, &err), -EINVAL);
	assert_null(rs);
	assert_int_equal(enf_rules_builder_add_text(NULL, "x", 1, "o", &err),
			 -EINVAL);
	tset_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_variable_selects_its_values),
		cmocka_unit_test(test_body_args_cookies_anomalies),
		cmocka_unit_test(test_header_hit_does_not_fire_args_rule),
		cmocka_unit_test(test_negation),
		cmocka_unit_test(test_each_transformation_applies),
		cmocka_unit_test(test_transformation_growth),
		cmocka_unit_test(test_pm_is_caseless_any_phrase),
		cmocka_unit_test(
			test_backreference_and_lookbehind_beside_hyperscan),
		cmocka_unit_test(test_empty_matching_pattern_runs_on_pcre2),
		cmocka_unit_test(test_each_operator),
		cmocka_unit_test(test_pm_from_file),
		cmocka_unit_test(test_exclusions),
		cmocka_unit_test(test_regex_selectors),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_values_transformed_once_per_pipeline),
		cmocka_unit_test(test_values_scanned_joined),
		cmocka_unit_test(test_joined_reports_name_values),
		cmocka_unit_test(test_match_var_cut_to_fit),
		cmocka_unit_test(test_memo_of_clean_values),
		cmocka_unit_test(test_values_read_by_name_only),
		cmocka_unit_test(test_pipeline_parts_by_item_class),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_origin_variables),
		cmocka_unit_test(test_reports_in_rule_order),
		cmocka_unit_test(test_reports_rule_target_order),
		cmocka_unit_test(test_each_rule_reported_once),
		cmocka_unit_test(test_value_is_cut_to_256_bytes),
		cmocka_unit_test(test_callback_can_stop),
		cmocka_unit_test(test_anchors_match_at_line_ends),
		cmocka_unit_test(test_pcre2_limit_is_counted_as_no_match),
		cmocka_unit_test(test_pcre2_limit_can_be_matched),
		cmocka_unit_test(test_pcre2_match_limit_bounds),
		cmocka_unit_test(test_prefilter_confirms_each_hit),
		cmocka_unit_test(test_negated_prefilter_rule),
		cmocka_unit_test(test_refused_even_as_prefilter_stays_pcre2),
		cmocka_unit_test(test_prefilter_confirmation_limit_is_counted),
		cmocka_unit_test(test_phase1_sees_the_head_only),
		cmocka_unit_test(test_matches_reported_in_phase_order),
		cmocka_unit_test(test_match_one_phase),
		cmocka_unit_test(test_scratch_follows_a_reload),
		cmocka_unit_test(
			test_scratch_update_failure_keeps_the_active_set),
		cmocka_unit_test(test_rule_set_outlives_its_builder),
		cmocka_unit_test(test_empty_set_matches_nothing),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests_name("rules_engine", tests, NULL, NULL);
}
