// SPDX-License-Identifier: GPL-2.0-or-later
/* The one-by-one PCRE2 baseline of bench/rules (onebyone.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "onebyone.h"
#include "rules/rules_internal.h" /* enf_tfn_lookup, enf_tfn_bound, enf_tfn_run */

/*
 * As the engine matches @rx (and as ModSecurity v3 compiles it): '.'
 * matches a newline, '^' and '$' match at line ends too. The limits are
 * the engine's (rules_internal.h, ENF_PCRE2_*), written again here so this
 * file reads nothing of the engine but its transformations; a mismatch
 * would show as a difference in the matches, which are checked.
 */
#define OBO_OPTIONS (PCRE2_DOTALL | PCRE2_MULTILINE)
#define OBO_MATCH_LIMIT 5000
#define OBO_DEPTH_LIMIT 5000
#define OBO_HEAP_LIMIT_KIB 16384

/* The variables this reader takes, and where their values come from. */
enum ovar {
	OV_METHOD,
	OV_URI,
	OV_URI_RAW,
	OV_FILENAME,
	OV_QUERY,
	OV_PROTOCOL,
	OV_LINE,
	OV_BODY,
	OV_ARGS,
	OV_ARGS_GET,
	OV_ARGS_POST,
	OV_ARGS_NAMES,
	OV_ARGS_GET_NAMES,
	OV_ARGS_POST_NAMES,
	OV_HEADERS,
	OV_HEADERS_NAMES,
	OV_COOKIES,
	OV_COOKIES_NAMES,
	OV_ORIGIN, /* a process or flow variable: none without an origin */
	OV_PCRE_LIMIT, /* TX:MSC_PCRE_LIMITS_EXCEEDED: "1" once one was hit */
};

static const struct {
	const char *name;
	enum ovar v;
	bool collection;
} ovars[] = {
	{ "REQUEST_METHOD", OV_METHOD, false },
	{ "REQUEST_URI", OV_URI, false },
	{ "REQUEST_URI_RAW", OV_URI_RAW, false },
	{ "REQUEST_FILENAME", OV_FILENAME, false },
	{ "QUERY_STRING", OV_QUERY, false },
	{ "REQUEST_PROTOCOL", OV_PROTOCOL, false },
	{ "REQUEST_LINE", OV_LINE, false },
	{ "REQUEST_BODY", OV_BODY, false },
	{ "ARGS", OV_ARGS, true },
	{ "ARGS_GET", OV_ARGS_GET, true },
	{ "ARGS_POST", OV_ARGS_POST, true },
	{ "ARGS_NAMES", OV_ARGS_NAMES, true },
	{ "ARGS_GET_NAMES", OV_ARGS_GET_NAMES, true },
	{ "ARGS_POST_NAMES", OV_ARGS_POST_NAMES, true },
	{ "REQUEST_HEADERS", OV_HEADERS, true },
	{ "REQUEST_HEADERS_NAMES", OV_HEADERS_NAMES, true },
	{ "REQUEST_COOKIES", OV_COOKIES, true },
	{ "REQUEST_COOKIES_NAMES", OV_COOKIES_NAMES, true },
	{ "DIRECTION", OV_ORIGIN, false },
	{ "PROCESS_EXE", OV_ORIGIN, false },
	{ "PROCESS_COMM", OV_ORIGIN, false },
	{ "PROCESS_UID", OV_ORIGIN, false },
	{ "PROCESS_CGROUP", OV_ORIGIN, false },
	{ "TLS_LIBRARY", OV_ORIGIN, false },
	{ "REMOTE_ADDR", OV_ORIGIN, false },
	{ "REMOTE_PORT", OV_ORIGIN, false },
	{ "SERVER_PORT", OV_ORIGIN, false },
};

struct otarget {
	enum ovar v;
	char *sel; /* member name, NULL for all */
	size_t sel_len;
};

enum oop {
	OP_RX,
	OP_STREQ,
	OP_CONTAINS,
	OP_BEGINS,
	OP_ENDS,
	OP_WITHIN,
	OP_EQ,
};

/* One rule of a chain (or the rule, when it is no chain). */
struct olink {
	struct otarget *targets;
	size_t n_targets;
	uint8_t tfn[ENF_RULE_TFN_MAX];
	size_t n_tfn;
	bool negated;
	bool chain; /* 'chain': the next link follows */
	int phase;
	enum oop op;
	pcre2_code *re; /* @rx, and @pm as an alternation */
	char *param; /* the literal operators' argument */
	size_t param_len;
};

/* A rule: it fires when each of its links fires on some value. */
struct orule {
	uint32_t id;
	bool reads_limit; /* run after the others, as the engine does */
	struct olink *links;
	size_t n_links;
};

struct obo {
	struct orule *rules;
	size_t n;
	struct obo_opts opts;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	char *buf;
	size_t buf_cap;
	uint64_t limit_hits;
	uint64_t req_hits; /* limit_hits when the request began */
	size_t no_jit;
};

/* ---- reading a rule's text ------------------------------------------- */

struct rd {
	const char *s;
	size_t len;
	size_t pos;
	uint32_t id;
	char *err;
	size_t err_len;
};

static int rd_err(struct rd *r, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rd_err(struct rd *r, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(r->err, r->err_len, "rule %u: ", r->id);
	if (n < 0 || (size_t)n >= r->err_len)
		return ret;
	va_start(ap, fmt);
	vsnprintf(r->err + n, r->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next token, unescaped as the engine's reader does (\" and \\ in
 * quotes; any other backslash kept). Return: a malloc'd string or NULL at
 * the end (*@oom set when out of memory). */
static char *next_tok(struct rd *r, bool *oom)
{
	size_t i = r->pos, o = 0;
	char *t;

	*oom = false;
	while (i < r->len && blank(r->s[i]))
		i++;
	if (i == r->len)
		return NULL;
	t = malloc(r->len - i + 1);
	if (!t) {
		*oom = true;
		return NULL;
	}
	if (r->s[i] == '"') {
		for (i++; i < r->len && r->s[i] != '"'; i++) {
			if (r->s[i] == '\\' && i + 1 < r->len &&
			    (r->s[i + 1] == '"' || r->s[i + 1] == '\\'))
				i++;
			t[o++] = r->s[i];
		}
		i++;
	} else {
		while (i < r->len && !blank(r->s[i]))
			t[o++] = r->s[i++];
	}
	t[o] = '\0';
	r->pos = i;
	return t;
}

static int read_targets(struct rd *r, struct olink *ln, const char *vars)
{
	size_t n = 1;

	for (const char *c = vars; *c; c++)
		n += *c == '|';
	ln->targets = calloc(n, sizeof(*ln->targets));
	if (!ln->targets)
		return -ENOMEM;
	for (const char *v = vars; *v;) {
		const char *end = strchr(v, '|'), *colon;
		size_t len = end ? (size_t)(end - v) : strlen(v), nl, k;
		struct otarget *t = &ln->targets[ln->n_targets];

		if (*v == '!' || *v == '&')
			return rd_err(r, -EOPNOTSUPP,
				      "exclusions and counts are not read");
		/* the engine's limit flag, both spellings */
		if ((len == 27 &&
		     !strncasecmp(v, "TX:MSC_PCRE_LIMITS_EXCEEDED", len)) ||
		    (len == 24 &&
		     !strncasecmp(v, "MSC_PCRE_LIMITS_EXCEEDED", len))) {
			t->v = OV_PCRE_LIMIT;
			ln->n_targets++;
			v += len + (end ? 1 : 0);
			continue;
		}
		colon = memchr(v, ':', len);
		nl = colon ? (size_t)(colon - v) : len;
		for (k = 0; k < sizeof(ovars) / sizeof(ovars[0]); k++)
			if (strlen(ovars[k].name) == nl &&
			    !strncasecmp(ovars[k].name, v, nl))
				break;
		if (k == sizeof(ovars) / sizeof(ovars[0]))
			return rd_err(r, -EOPNOTSUPP,
				      "variable '%.*s' not read", (int)nl, v);
		t->v = ovars[k].v;
		if (colon) {
			t->sel_len = len - nl - 1;
			if (!ovars[k].collection || !t->sel_len ||
			    colon[1] == '/')
				return rd_err(r, -EOPNOTSUPP,
					      "selector of '%.*s' not read",
					      (int)len, v);
			t->sel = strndup(colon + 1, t->sel_len);
			if (!t->sel)
				return -ENOMEM;
		}
		ln->n_targets++;
		v += len + (end ? 1 : 0);
	}
	return 0;
}

/* @pm's phrases as one caseless PCRE2 alternation of literals. */
static char *pm_pattern(const char *phrases)
{
	size_t len = strlen(phrases), o = 0;
	char *p = malloc(8 * len + 8);
	const char *s = phrases;

	if (!p)
		return NULL;
	o += (size_t)sprintf(p, "(?:");
	while (*s) {
		while (blank(*s))
			s++;
		if (!*s)
			break;
		if (o > 3)
			p[o++] = '|';
		o += (size_t)sprintf(p + o, "\\Q");
		while (*s && !blank(*s))
			p[o++] = *s++;
		o += (size_t)sprintf(p + o, "\\E");
	}
	sprintf(p + o, ")");
	return p;
}

static const struct {
	const char *name;
	enum oop op;
} literal_ops[] = {
	{ "streq", OP_STREQ },	     { "contains", OP_CONTAINS },
	{ "beginsWith", OP_BEGINS }, { "endsWith", OP_ENDS },
	{ "within", OP_WITHIN },     { "eq", OP_EQ },
};

static int compile(struct obo *o, struct rd *r, struct olink *ln,
		   const char *op)
{
	uint32_t flags = OBO_OPTIONS;
	const char *pat = op;
	char *pm = NULL;
	size_t off;
	int ec, err = 0;

	if (*pat == '!') {
		ln->negated = true;
		pat++;
	}
	if (*pat == '@') {
		size_t nl = strcspn(pat + 1, " \t");
		const char *arg = pat + 1 + nl;

		while (blank(*arg))
			arg++;
		for (size_t k = 0;
		     k < sizeof(literal_ops) / sizeof(literal_ops[0]); k++) {
			if (strlen(literal_ops[k].name) != nl ||
			    strncasecmp(pat + 1, literal_ops[k].name, nl))
				continue;
			ln->op = literal_ops[k].op;
			ln->param = strdup(arg);
			ln->param_len = strlen(arg);
			return ln->param ? 0 : -ENOMEM;
		}
		if (nl == 2 && !strncasecmp(pat + 1, "pm", 2)) {
			pm = pm_pattern(arg);
			if (!pm)
				return -ENOMEM;
			flags |= PCRE2_CASELESS;
			pat = pm;
		} else if (nl == 2 && !strncasecmp(pat + 1, "rx", 2)) {
			pat = arg;
		} else {
			return rd_err(r, -EOPNOTSUPP,
				      "operator '%.*s' not read", (int)nl + 1,
				      pat);
		}
	}
	ln->op = OP_RX;
	ln->re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, flags,
			       &ec, &off, NULL);
	if (!ln->re) {
		PCRE2_UCHAR m[128];

		pcre2_get_error_message(ec, m, sizeof(m));
		err = rd_err(r, -EINVAL, "PCRE2 refuses the pattern: %s at %zu",
			     (const char *)m, off);
		goto out_free_pm;
	}
	if (pcre2_jit_compile(ln->re, PCRE2_JIT_COMPLETE))
		o->no_jit++;
out_free_pm:
	free(pm);
	return err;
}

static int read_actions(struct rd *r, struct olink *ln, const char *acts)
{
	const char *a = acts;

	while (*a) {
		size_t len = 0;
		bool q = false;

		while (a[len] && (q || a[len] != ',')) {
			if (a[len] == '\'')
				q = !q;
			len++;
		}
		while (len && blank(*a)) {
			a++;
			len--;
		}
		if (len > 2 && !strncmp(a, "t:", 2)) {
			int t = enf_tfn_lookup(a + 2, len - 2);

			if (t < 0)
				return rd_err(r, -EOPNOTSUPP,
					      "transformation '%.*s' unknown",
					      (int)len, a);
			if (t == ENF_T_NONE)
				ln->n_tfn = 0;
			else if (ln->n_tfn < ENF_RULE_TFN_MAX)
				ln->tfn[ln->n_tfn++] = (uint8_t)t;
			else
				return rd_err(r, -EOPNOTSUPP,
					      "too many transformations");
		} else if (len == 5 && !strncmp(a, "chain", 5)) {
			ln->chain = true;
		} else if (len == 7 && !strncmp(a, "phase:1", 7)) {
			ln->phase = 1;
		}
		a += len + (a[len] == ',');
	}
	return 0;
}

/*
 * Variables whose values depend on the phase (the body's are not there in
 * phase 1): a phase:1 rule reading them is refused rather than guessed.
 */
static bool body_dependent(enum ovar v)
{
	switch (v) {
	case OV_BODY:
	case OV_ARGS:
	case OV_ARGS_POST:
	case OV_ARGS_NAMES:
	case OV_ARGS_POST_NAMES:
		return true;
	default:
		return false;
	}
}

/* The first rule of @text into @ln: "SecRule VARS OP [ACTIONS]". */
static int read_link(struct obo *o, const char *text, uint32_t id,
		     struct olink *ln, int phase, char *err, size_t err_len)
{
	struct rd r = { .s = text,
			.len = strlen(text),
			.id = id,
			.err = err,
			.err_len = err_len };
	char *tok[4] = { 0 };
	bool oom = false;
	int rc = 0;

	ln->phase = phase;
	for (int i = 0; i < 4 && !oom; i++)
		tok[i] = next_tok(&r, &oom);
	if (oom) {
		rc = -ENOMEM;
		goto out_free;
	}
	if (!tok[0] || strcasecmp(tok[0], "SecRule") || !tok[2]) {
		rc = rd_err(&r, -EOPNOTSUPP, "not a SecRule");
		goto out_free;
	}
	rc = read_targets(&r, ln, tok[1]);
	if (!rc && tok[3] && strcasecmp(tok[3], "SecRule"))
		rc = read_actions(&r, ln, tok[3]);
	for (size_t k = 0; !rc && k < ln->n_targets; k++)
		if (ln->phase == 1 && body_dependent(ln->targets[k].v))
			rc = rd_err(&r, -EOPNOTSUPP,
				    "a phase:1 rule reading the body's values "
				    "is not read");
	if (!rc)
		rc = compile(o, &r, ln, tok[2]);
out_free:
	for (int i = 0; i < 4; i++)
		free(tok[i]);
	return rc;
}

/* Rule @i of @rs, with the links of its chain, into @ru. */
static int read_rule(struct obo *o, const struct enf_ruleset *rs, size_t i,
		     struct orule *ru, char *err, size_t err_len)
{
	const struct enf_rule_info *info = enf_ruleset_rule(rs, i);
	size_t nl = enf_ruleset_links(rs, i);
	int rc;

	ru->id = info->id;
	ru->links = calloc(nl + 1, sizeof(*ru->links));
	if (!ru->links)
		return -ENOMEM;
	rc = read_link(o, info->text, info->id, &ru->links[0], 2, err, err_len);
	ru->n_links = 1;
	for (size_t k = 0; !rc && k < nl; k++, ru->n_links++)
		rc = read_link(o, enf_ruleset_link(rs, i, k)->text, info->id,
			       &ru->links[k + 1], ru->links[0].phase, err,
			       err_len);
	if (!rc &&
	    (ru->links[ru->n_links - 1].chain || (nl && !ru->links[0].chain))) {
		snprintf(err, err_len,
			 "rule %u: its chain does not read as one", info->id);
		rc = -EPROTO;
	}
	for (size_t l = 0; !rc && l < ru->n_links; l++)
		for (size_t k = 0; k < ru->links[l].n_targets; k++)
			ru->reads_limit |= ru->links[l].targets[k].v ==
					   OV_PCRE_LIMIT;
	return rc;
}

int obo_new(const struct enf_ruleset *rs, const struct obo_opts *opts,
	    struct obo **out, char *err, size_t err_len)
{
	size_t n = enf_ruleset_count(rs);
	struct obo *o;
	int rc = -ENOMEM;

	snprintf(err, err_len, "no memory");
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->opts = *opts;
	o->rules = calloc(n ? n : 1, sizeof(*o->rules));
	o->md = pcre2_match_data_create(1, NULL);
	o->mctx = pcre2_match_context_create(NULL);
	if (!o->rules || !o->md || !o->mctx)
		goto out_free;
	pcre2_set_match_limit(o->mctx, OBO_MATCH_LIMIT);
	pcre2_set_depth_limit(o->mctx, OBO_DEPTH_LIMIT);
	pcre2_set_heap_limit(o->mctx, OBO_HEAP_LIMIT_KIB);
	for (size_t i = 0; i < n; i++) {
		rc = read_rule(o, rs, i, &o->rules[i], err, err_len);
		o->n++; /* freed by obo_free() whatever it holds */
		if (rc)
			goto out_free;
	}
	*out = o;
	return 0;

out_free:
	obo_free(o);
	return rc;
}

/* ---- matching ---------------------------------------------------------- */

/* Does the operator of @ln hold for @v: 1, 0, or -1 (a PCRE2 limit). */
static int run_op(struct obo *o, const struct olink *ln, const char *v,
		  size_t vl)
{
	const char *p = ln->param;
	size_t pl = ln->param_len;
	int rc;

	switch (ln->op) {
	case OP_STREQ:
		return vl == pl && !memcmp(v, p, pl);
	case OP_CONTAINS:
		return vl >= pl && memmem(v, vl, p, pl);
	case OP_BEGINS:
		return vl >= pl && !memcmp(v, p, pl);
	case OP_ENDS:
		return vl >= pl && !memcmp(v + vl - pl, p, pl);
	case OP_WITHIN:
		return !vl || (vl <= pl && memmem(p, pl, v, vl));
	case OP_EQ:
		/* the one value it meets here is the limit flag's "1" */
		return strtoll(p, NULL, 10) == (vl == 1 && *v == '1');
	case OP_RX:
		break;
	}
	rc = pcre2_match(ln->re, (PCRE2_SPTR)v, vl, 0, 0, o->md, o->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	/* a limit: counted, and the rule does not fire on this value */
	o->limit_hits++;
	return -1;
}

/* 1: @ln fires on the value, 0: it does not, < 0: an error. */
static int run_value(struct obo *o, const struct olink *ln, const char *v,
		     size_t vl)
{
	int rc;

	if (!v) {
		v = "";
		vl = 0;
	}
	if (ln->n_tfn) {
		size_t need = enf_tfn_bound(ln->tfn, ln->n_tfn, vl);
		ssize_t tl;

		if (need == SIZE_MAX)
			return -E2BIG;
		if (need + 1 > o->buf_cap) {
			char *nb = realloc(o->buf, need + 1);

			if (!nb)
				return -ENOMEM;
			o->buf = nb;
			o->buf_cap = need + 1;
		}
		memcpy(o->buf, v, vl);
		tl = enf_tfn_run(ln->tfn, ln->n_tfn, o->buf, vl, o->buf_cap);
		if (tl < 0)
			return (int)tl;
		v = o->buf;
		vl = (size_t)tl;
	}
	rc = run_op(o, ln, v, vl);
	if (rc < 0)
		return 0;
	return rc != ln->negated;
}

static bool sel_ok(const struct otarget *t, struct enf_str key)
{
	return !t->sel || (key.len == t->sel_len &&
			   !strncasecmp(key.ptr, t->sel, key.len));
}

/* Values or names of @f (@n fields) that @t selects. */
static int run_fields(struct obo *o, const struct olink *ln,
		      const struct otarget *t, const struct enf_field *f,
		      size_t n, bool names)
{
	for (size_t i = 0; i < n; i++) {
		const struct enf_str *s = names ? &f[i].name : &f[i].value;
		int rc;

		if (!sel_ok(t, f[i].name))
			continue;
		rc = run_value(o, ln, s->ptr, s->len);
		if (rc)
			return rc;
	}
	return 0;
}

static int run_str(struct obo *o, const struct olink *ln, struct enf_str s)
{
	return run_value(o, ln, s.ptr, s.len);
}

/* Does @ln fire on some value of @req: 1, 0, or a negative errno. */
static int run_link(struct obo *o, const struct olink *ln,
		    const struct enf_request *req)
{
	for (size_t k = 0; k < ln->n_targets; k++) {
		const struct otarget *t = &ln->targets[k];
		int rc = 0;

		switch (t->v) {
		case OV_METHOD:
			rc = run_str(o, ln, req->method);
			break;
		case OV_URI:
			rc = run_str(o, ln,
				     o->opts.uri_decoded ? req->uri_decoded :
							   req->uri);
			break;
		case OV_URI_RAW:
			rc = run_str(o, ln, req->uri);
			break;
		case OV_FILENAME:
			rc = run_str(o, ln,
				     o->opts.filename_decoded ?
					     req->path_decoded :
					     req->path);
			break;
		case OV_QUERY:
			rc = run_str(o, ln, req->query);
			break;
		case OV_PROTOCOL:
			rc = run_str(o, ln, req->protocol);
			break;
		case OV_LINE:
			rc = run_str(o, ln, req->line);
			break;
		case OV_BODY:
			/* present when the request has a body */
			if (req->body.len || req->body_len)
				rc = run_str(o, ln, req->body);
			break;
		case OV_ARGS:
			rc = run_fields(o, ln, t, req->args, req->n_args,
					false);
			if (!rc)
				rc = run_fields(o, ln, t, req->args_post,
						req->n_args_post, false);
			break;
		case OV_ARGS_GET:
			rc = run_fields(o, ln, t, req->args, req->n_args,
					false);
			break;
		case OV_ARGS_POST:
			rc = run_fields(o, ln, t, req->args_post,
					req->n_args_post, false);
			break;
		case OV_ARGS_NAMES:
			rc = run_fields(o, ln, t, req->args, req->n_args, true);
			if (!rc)
				rc = run_fields(o, ln, t, req->args_post,
						req->n_args_post, true);
			break;
		case OV_ARGS_GET_NAMES:
			rc = run_fields(o, ln, t, req->args, req->n_args, true);
			break;
		case OV_ARGS_POST_NAMES:
			rc = run_fields(o, ln, t, req->args_post,
					req->n_args_post, true);
			break;
		case OV_HEADERS:
			rc = run_fields(o, ln, t, req->headers, req->n_headers,
					false);
			break;
		case OV_HEADERS_NAMES:
			rc = run_fields(o, ln, t, req->headers, req->n_headers,
					true);
			break;
		case OV_COOKIES:
			rc = run_fields(o, ln, t, req->cookies, req->n_cookies,
					false);
			break;
		case OV_COOKIES_NAMES:
			rc = run_fields(o, ln, t, req->cookies, req->n_cookies,
					true);
			break;
		case OV_PCRE_LIMIT:
			if (o->limit_hits > o->req_hits)
				rc = run_value(o, ln, "1", 1);
			break;
		case OV_ORIGIN:
			/* no values without an origin (offline, as here);
			 * with one, this reader does not know their text */
			if (req->origin)
				return -EOPNOTSUPP;
			break;
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Does @ru fire: each link of its chain on some value. */
static int run_rule(struct obo *o, const struct orule *ru,
		    const struct enf_request *req)
{
	for (size_t k = 0; k < ru->n_links; k++) {
		int rc = run_link(o, &ru->links[k], req);

		if (rc <= 0)
			return rc;
	}
	return 1;
}

int obo_match(struct obo *o, const struct enf_request *req, uint32_t *ids,
	      size_t cap)
{
	int count = 0;

	o->req_hits = o->limit_hits;
	/* rules on the limit flag after every other, to see what they hit */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < o->n; i++) {
			int rc;

			if (o->rules[i].reads_limit != (pass == 1))
				continue;
			rc = run_rule(o, &o->rules[i], req);
			if (rc < 0)
				return rc;
			if (!rc)
				continue;
			if (ids && (size_t)count < cap)
				ids[count] = o->rules[i].id;
			count++;
		}
	}
	return count;
}

size_t obo_count(const struct obo *o)
{
	return o ? o->n : 0;
}

uint64_t obo_limit_hits(const struct obo *o)
{
	return o ? o->limit_hits : 0;
}

size_t obo_no_jit(const struct obo *o)
{
	return o ? o->no_jit : 0;
}

void obo_free(struct obo *o)
{
	if (!o)
		return;
	for (size_t i = 0; i < o->n; i++) {
		struct orule *ru = &o->rules[i];

		for (size_t l = 0; ru->links && l < ru->n_links; l++) {
			struct olink *ln = &ru->links[l];

			for (size_t k = 0; k < ln->n_targets; k++)
				free(ln->targets[k].sel);
			free(ln->targets);
			pcre2_code_free(ln->re);
			free(ln->param);
		}
		free(ru->links);
	}
	free(o->rules);
	free(o->buf);
	pcre2_match_data_free(o->md);
	pcre2_match_context_free(o->mctx);
	free(o);
}
