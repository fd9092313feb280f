// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers for the rule engine tests (see test_rules_util.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_rules_util.h"

/* @n bytes and a NUL of the store, zeroed. */
static char *reserve(struct treq *t, size_t n)
{
	char *p;

	if (t->used + n + 1 > sizeof(t->store)) {
		fprintf(stderr, "treq: store full\n");
		abort();
	}
	p = t->store + t->used;
	memset(p, 0, n + 1);
	t->used += n + 1;
	return p;
}

static char *store(struct treq *t, const char *s, size_t n)
{
	char *p = reserve(t, n);

	memcpy(p, s, n);
	return p;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decoded @s; '+' a space in arguments (@plus), kept in URIs. */
static struct enf_str decode_as(struct treq *t, const char *s, size_t n,
				bool plus)
{
	char *d = store(t, s, n);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+' && plus) {
			d[o++] = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			d[o++] = (char)(hexval(s[i + 1]) << 4 |
					hexval(s[i + 2]));
			i += 2;
		} else {
			d[o++] = s[i];
		}
	}
	d[o] = '\0';
	return (struct enf_str){ d, o };
}

static struct enf_str decode(struct treq *t, const char *s, size_t n)
{
	return decode_as(t, s, n, true);
}

void treq_init(struct treq *t, const char *method, const char *uri)
{
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	char *line;
	size_t n;

	memset(t, 0, sizeof(*t));
	t->req.method.ptr = store(t, method, strlen(method));
	t->req.method.len = strlen(method);
	t->req.uri.ptr = store(t, uri, strlen(uri));
	t->req.uri.len = strlen(uri);
	t->req.path.ptr = t->req.uri.ptr;
	t->req.path.len = plen;
	t->req.uri_decoded = decode_as(t, uri, strlen(uri), false);
	t->req.path_decoded = decode_as(t, uri, plen, false);
	if (q) {
		t->req.query.ptr = t->req.uri.ptr + plen + 1;
		t->req.query.len = strlen(q + 1);
	}
	t->req.protocol.ptr = "HTTP/1.1";
	t->req.protocol.len = 8;
	/* the request line, built in place: the URI may be long */
	n = strlen(method) + 1 + strlen(uri) + 9;
	line = reserve(t, n);
	snprintf(line, n + 1, "%s %s HTTP/1.1", method, uri);
	t->req.line.ptr = line;
	t->req.line.len = n;
	t->req.headers = t->headers;
	t->req.args = t->args;

	for (const char *a = q ? q + 1 : NULL; a && *a;) {
		const char *amp = strchr(a, '&');
		size_t alen = amp ? (size_t)(amp - a) : strlen(a);
		const char *eq = memchr(a, '=', alen);
		struct enf_field *f = &t->args[t->req.n_args++];

		if (t->req.n_args > TREQ_FIELDS)
			abort();
		if (eq) {
			f->name = decode(t, a, (size_t)(eq - a));
			f->value =
				decode(t, eq + 1, alen - (size_t)(eq - a) - 1);
		} else {
			f->name = decode(t, a, alen);
			f->value = decode(t, "", 0);
		}
		a = amp ? amp + 1 : NULL;
	}
}

void treq_header(struct treq *t, const char *name, const char *value)
{
	struct enf_field *f = &t->headers[t->req.n_headers++];

	if (t->req.n_headers > TREQ_FIELDS)
		abort();
	f->name.ptr = store(t, name, strlen(name));
	f->name.len = strlen(name);
	f->value.ptr = store(t, value, strlen(value));
	f->value.len = strlen(value);
}

void treq_body(struct treq *t, const char *body)
{
	t->req.body.ptr = store(t, body, strlen(body));
	t->req.body.len = strlen(body);
	t->req.body_len = strlen(body);
}

static void field_add(struct treq *t, struct enf_field *f, size_t *n,
		      const char *name, const char *value)
{
	if (*n >= TREQ_FIELDS) {
		fprintf(stderr, "treq: too many fields\n");
		abort();
	}
	f[*n].name.ptr = store(t, name, strlen(name));
	f[*n].name.len = strlen(name);
	f[*n].value.ptr = store(t, value, strlen(value));
	f[*n].value.len = strlen(value);
	(*n)++;
}

void treq_post(struct treq *t, const char *name, const char *value)
{
	t->req.args_post = t->post;
	field_add(t, t->post, &t->req.n_args_post, name, value);
}

void treq_cookie(struct treq *t, const char *name, const char *value)
{
	t->req.cookies = t->cookies;
	field_add(t, t->cookies, &t->req.n_cookies, name, value);
}

int tset_load(struct tset *t, const char *text, struct enf_rule_error *err)
{
	struct enf_rules_builder *b = NULL;
	int ret;

	memset(t, 0, sizeof(*t));
	ret = enf_rules_builder_new(&b);
	if (ret)
		return ret;
	ret = enf_rules_builder_add_text(b, text, strlen(text), "<test>", err);
	if (ret >= 0)
		ret = enf_rules_build(b, &t->rs, err);
	if (!ret)
		ret = enf_rules_scratch_new(t->rs, &t->s);
	enf_rules_builder_free(b);
	if (ret)
		tset_free(t);
	return ret;
}

void tset_free(struct tset *t)
{
	enf_rules_scratch_free(t->s);
	enf_ruleset_free(t->rs);
	t->s = NULL;
	t->rs = NULL;
}

static int collect(const struct enf_rule_match *m, void *ctx)
{
	struct tmatches *out = ctx;
	struct tmatch *tm;

	if (out->n == sizeof(out->m) / sizeof(out->m[0]))
		return 1;
	tm = &out->m[out->n++];
	tm->id = m->rule->id;
	snprintf(tm->var, sizeof(tm->var), "%s", m->var);
	memcpy(tm->value, m->value, m->value_len);
	tm->value[m->value_len] = '\0';
	tm->value_len = m->value_len;
	snprintf(tm->logdata, sizeof(tm->logdata), "%s", m->logdata);
	snprintf(tm->msg, sizeof(tm->msg), "%s", m->msg);
	return 0;
}

int tset_match(struct tset *t, const struct enf_request *req,
	       struct tmatches *out)
{
	memset(out, 0, sizeof(*out));
	return enf_rules_match(t->rs, t->s, req, collect, out);
}

const struct tmatch *tmatches_find(const struct tmatches *m, uint32_t id)
{
	for (size_t i = 0; i < m->n; i++) {
		if (m->m[i].id == id)
			return &m->m[i];
	}
	return NULL;
}

const char *tsrc_path(char *buf, size_t len, const char *rel)
{
	const char *src = getenv("ENF_SOURCE_DIR");

	/* ctest sets it; run by hand, the tree the test was built from. */
	if (!src || !*src)
		src = ENF_TEST_SOURCE_DIR;
	snprintf(buf, len, "%s/%s", src, rel);
	return buf;
}
