// SPDX-License-Identifier: GPL-2.0-or-later
/* The libmodsecurity3 contender of bench/rules (modsec.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modsec.h"

#ifdef ENF_HAVE_MODSECURITY

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

/*
 * What a deployment sets before its rules: the engine on, request bodies
 * read up to enforcer's default cap (64 KiB, the rest not refused but left
 * out, as enforcer keeps the first 64 KiB), the audit log off, and JSON
 * bodies given to the JSON parser (CRS does this in its setup rule 200001;
 * url-encoded and multipart bodies are parsed without being asked).
 */
static const char preamble[] =
	"SecRuleEngine On\n"
	"SecRequestBodyAccess On\n"
	"SecRequestBodyLimit 65536\n"
	"SecRequestBodyNoFilesLimit 65536\n"
	"SecRequestBodyLimitAction ProcessPartial\n"
	"SecAuditEngine Off\n"
	"SecRule REQUEST_HEADERS:Content-Type \"@rx ^application/json\" "
	"\"id:200001,phase:1,pass,nolog,t:none,t:lowercase,"
	"ctl:requestBodyProcessor=JSON\"\n";

struct msc_bench {
	ModSecurity *ms;
	RulesSet *rules;
};

bool msc_bench_available(void)
{
	return true;
}

const char *msc_bench_version(void)
{
	static char v[128];

	if (!v[0]) {
		ModSecurity *ms = msc_init();

		snprintf(v, sizeof(v), "%s", ms ? msc_who_am_i(ms) : "?");
		if (ms)
			msc_cleanup(ms);
	}
	return v;
}

/* msc_rules_add() of @text into @rs: 0, or -EINVAL with ModSecurity's
 * message in @err. */
static int add_rules(RulesSet *rs, const char *text, char *err, size_t err_len)
{
	const char *e = NULL;
	int rc = msc_rules_add(rs, text, &e);

	if (rc < 0)
		snprintf(err, err_len, "%s", e ? e : "msc_rules_add failed");
	free((void *)e);
	return rc < 0 ? -EINVAL : 0;
}

/* Does ModSecurity load @text on its own? */
static bool loads(const char *text, char *why, size_t why_len)
{
	RulesSet *rs = msc_create_rules_set();
	int rc;

	if (!rs) {
		snprintf(why, why_len, "no memory");
		return false;
	}
	rc = add_rules(rs, text, why, why_len);
	msc_rules_cleanup(rs);
	return !rc;
}

/* @rules joined, without those @skip marks. */
static char *join(const char *const *rules, size_t n, const bool *skip)
{
	size_t len = 1, o = 0;
	char *t;

	for (size_t i = 0; i < n; i++)
		len += skip && skip[i] ? 0 : strlen(rules[i]) + 1;
	t = malloc(len);
	if (!t)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(rules[i]);

		if (skip && skip[i])
			continue;
		memcpy(t + o, rules[i], l);
		o += l;
		t[o++] = '\n';
	}
	t[o] = '\0';
	return t;
}

int msc_bench_new(const char *const *rules, size_t n, struct msc_bench **out,
		  size_t *n_loaded, msc_bench_refused_cb refused, void *ctx,
		  char *err, size_t err_len)
{
	struct msc_bench *m;
	bool *skip = NULL;
	char *text = NULL, why[512];
	int rc = -ENOMEM;

	*n_loaded = 0;
	snprintf(err, err_len, "no memory");
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->ms = msc_init();
	if (!m->ms)
		goto out_free;
	msc_set_connector_info(m->ms, "enforcer-bench-rules");
	m->rules = msc_create_rules_set();
	if (!m->rules)
		goto out_free;
	rc = add_rules(m->rules, preamble, err, err_len);
	if (rc)
		goto out_free;
	/* all at once; when that fails, rule by rule to leave out those
	 * ModSecurity refuses and say why */
	rc = -ENOMEM;
	text = join(rules, n, NULL);
	if (!text)
		goto out_free;
	if (!loads(text, why, sizeof(why))) {
		skip = calloc(n ? n : 1, sizeof(*skip));
		if (!skip)
			goto out_free;
		for (size_t i = 0; i < n; i++) {
			skip[i] = !loads(rules[i], why, sizeof(why));
			if (skip[i] && refused)
				refused(i, why, ctx);
		}
		free(text);
		text = join(rules, n, skip);
		if (!text)
			goto out_free;
	}
	rc = add_rules(m->rules, text, err, err_len);
	if (rc)
		goto out_free;
	for (size_t i = 0; i < n; i++)
		*n_loaded += !(skip && skip[i]);
	free(skip);
	free(text);
	*out = m;
	return 0;

out_free:
	free(skip);
	free(text);
	msc_bench_free(m);
	return rc;
}

/* 1 when @t has a disruptive intervention pending, 0 when not. */
static int intervened(Transaction *t)
{
	ModSecurityIntervention it = { .status = 200 };
	int d = msc_intervention(t, &it);

	free(it.url);
	free(it.log);
	return d ? 1 : 0;
}

int msc_bench_run(struct msc_bench *m, const struct enf_request *req)
{
	const char *ver = "1.1";
	Transaction *t;
	int rc = 0;

	t = msc_new_transaction(m->ms, m->rules, NULL);
	if (!t)
		return -ENOMEM;
	if (req->protocol.len > 5 && !strncmp(req->protocol.ptr, "HTTP/", 5))
		ver = req->protocol.ptr + 5; /* NUL-terminated (corpus.c) */
	msc_process_connection(t, "192.0.2.10", 50123, "198.51.100.1", 443);
	msc_process_uri(t, req->uri.ptr, req->method.ptr, ver);
	rc = intervened(t);
	if (rc)
		goto out_cleanup;
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct enf_field *f = &req->headers[i];

		msc_add_n_request_header(t, (const unsigned char *)f->name.ptr,
					 f->name.len,
					 (const unsigned char *)f->value.ptr,
					 f->value.len);
	}
	msc_process_request_headers(t);
	rc = intervened(t);
	if (rc)
		goto out_cleanup;
	if (req->body.len)
		msc_append_request_body(t, (const unsigned char *)req->body.ptr,
					req->body.len);
	msc_process_request_body(t);
	rc = intervened(t);
out_cleanup:
	msc_transaction_cleanup(t);
	return rc;
}

void msc_bench_free(struct msc_bench *m)
{
	if (!m)
		return;
	if (m->rules)
		msc_rules_cleanup(m->rules);
	if (m->ms)
		msc_cleanup(m->ms);
	free(m);
}

#else /* !ENF_HAVE_MODSECURITY */

bool msc_bench_available(void)
{
	return false;
}

const char *msc_bench_version(void)
{
	return "libmodsecurity3 not found at build time (pkg-config modsecurity)";
}

int msc_bench_new(const char *const *rules, size_t n, struct msc_bench **out,
		  size_t *n_loaded, msc_bench_refused_cb refused, void *ctx,
		  char *err, size_t err_len)
{
	(void)rules;
	(void)n;
	(void)refused;
	(void)ctx;
	*out = NULL;
	*n_loaded = 0;
	snprintf(err, err_len, "%s", msc_bench_version());
	return -EOPNOTSUPP;
}

int msc_bench_run(struct msc_bench *m, const struct enf_request *req)
{
	(void)m;
	(void)req;
	return -EOPNOTSUPP;
}

void msc_bench_free(struct msc_bench *m)
{
	(void)m;
}

#endif /* ENF_HAVE_MODSECURITY */
