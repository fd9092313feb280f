/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the rule engine tests: requests built from a method and a URI
 * the way enforcer/http/ hands them out, and rule sets built from text.
 */
#ifndef ENFORCER_TEST_RULES_UTIL_H
#define ENFORCER_TEST_RULES_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules/rules.h"

#define TREQ_FIELDS 32
#define TREQ_STORE 65536

/* A request and the memory its strings point into. */
struct treq {
	struct enf_request req;
	struct enf_field headers[TREQ_FIELDS];
	struct enf_field args[TREQ_FIELDS];
	struct enf_field post[TREQ_FIELDS];
	struct enf_field cookies[TREQ_FIELDS];
	char store[TREQ_STORE];
	size_t used;
};

/* @uri is split into path and query; query arguments are split on '&' and
 * '=' and percent-decoded ('+' is a space), as the HTTP parser does; the
 * URI and the path are percent-decoded too ('+' kept). No origin. */
void treq_init(struct treq *t, const char *method, const char *uri);
void treq_header(struct treq *t, const char *name, const char *value);
void treq_body(struct treq *t, const char *body);
/* A body argument (ARGS_POST) and a cookie, as enf_http_derive() gives. */
void treq_post(struct treq *t, const char *name, const char *value);
void treq_cookie(struct treq *t, const char *name, const char *value);

struct tmatch {
	uint32_t id;
	char var[128];
	char value[257];
	size_t value_len;
	char logdata[ENF_RULE_LOGDATA_MAX + 1];
	char msg[ENF_RULE_MSG_MAX + 1];
};

struct tmatches {
	struct tmatch m[64];
	size_t n;
};

/* A built rule set with its scratch. */
struct tset {
	struct enf_ruleset *rs;
	struct enf_rules_scratch *s;
};

/* Build @text into @t; returns what the first failing call returned. */
int tset_load(struct tset *t, const char *text, struct enf_rule_error *err);
void tset_free(struct tset *t);

/* Match @req; returns enf_rules_match()'s result. */
int tset_match(struct tset *t, const struct enf_request *req,
	       struct tmatches *out);

const struct tmatch *tmatches_find(const struct tmatches *m, uint32_t id);

/* Path of @rel under $ENF_SOURCE_DIR (by default the source tree the test
 * was built from) in @buf. */
const char *tsrc_path(char *buf, size_t len, const char *rel);

#endif /* ENFORCER_TEST_RULES_UTIL_H */
