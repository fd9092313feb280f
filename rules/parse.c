// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The builder and the SecLang subset parser. A source (text, file or
 * directory) is parsed into pending rules first and only then added to the
 * builder, so that a source with one bad rule adds nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules/rules_internal.h"

/* How much of a construct an error message quotes. */
#define QUOTE_MAX 64
#define NO_POS ((size_t)-1)

static const struct {
	const char *name;
	enum enf_item_class cls;
	bool selector; /* takes ":name" */
	bool collection; /* reported as "NAME:key" */
} var_defs[ENF_V__COUNT] = {
	[ENF_V_REQUEST_METHOD] = { "REQUEST_METHOD", ENF_IC_METHOD },
	[ENF_V_REQUEST_URI] = { "REQUEST_URI", ENF_IC_URI },
	[ENF_V_REQUEST_FILENAME] = { "REQUEST_FILENAME", ENF_IC_FILENAME },
	[ENF_V_QUERY_STRING] = { "QUERY_STRING", ENF_IC_QUERY },
	[ENF_V_REQUEST_PROTOCOL] = { "REQUEST_PROTOCOL", ENF_IC_PROTOCOL },
	[ENF_V_REQUEST_LINE] = { "REQUEST_LINE", ENF_IC_LINE },
	[ENF_V_REQUEST_BODY] = { "REQUEST_BODY", ENF_IC_BODY },
	[ENF_V_ARGS] = { "ARGS", ENF_IC_ARG_VALUE, true, true },
	[ENF_V_ARGS_GET] = { "ARGS_GET", ENF_IC_ARG_VALUE, true, true },
	/* the *_NAMES take a selector too, as ModSecurity v3 reads them:
	 * ARGS_NAMES:id is the name "id" when the request has it */
	[ENF_V_ARGS_NAMES] = { "ARGS_NAMES", ENF_IC_ARG_NAME, true, true },
	[ENF_V_ARGS_POST] = { "ARGS_POST", ENF_IC_ARG_POST_VALUE, true, true },
	[ENF_V_ARGS_GET_NAMES] = { "ARGS_GET_NAMES", ENF_IC_ARG_NAME, true,
				   true },
	[ENF_V_ARGS_POST_NAMES] = { "ARGS_POST_NAMES", ENF_IC_ARG_POST_NAME,
				    true, true },
	[ENF_V_REQUEST_COOKIES] = { "REQUEST_COOKIES", ENF_IC_COOKIE_VALUE,
				    true, true },
	[ENF_V_REQUEST_COOKIES_NAMES] = { "REQUEST_COOKIES_NAMES",
					  ENF_IC_COOKIE_NAME, true, true },
	[ENF_V_PROTOCOL_ANOMALY] = { "PROTOCOL_ANOMALY", ENF_IC_ANOMALY, true,
				     true },
	/* the target as received (REQUEST_URI is decoded) */
	[ENF_V_REQUEST_URI_RAW] = { "REQUEST_URI_RAW", ENF_IC_URI_RAW },
	[ENF_V_REQUEST_HEADERS] = { "REQUEST_HEADERS", ENF_IC_HDR_VALUE, true,
				    true },
	[ENF_V_REQUEST_HEADERS_NAMES] = { "REQUEST_HEADERS_NAMES",
					  ENF_IC_HDR_NAME, true, true },
	/* ModSecurity's TX:MSC_PCRE_LIMITS_EXCEEDED; both spellings read */
	[ENF_V_MSC_PCRE_LIMITS_EXCEEDED] = { "MSC_PCRE_LIMITS_EXCEEDED",
					     ENF_IC_PCRE_LIMIT },
	[ENF_V_REQUEST_BASENAME] = { "REQUEST_BASENAME", ENF_IC_BASENAME },
	/* enforcer's: the flow and the process (enf_req_origin) */
	[ENF_V_REMOTE_ADDR] = { "REMOTE_ADDR", ENF_IC_REMOTE_ADDR },
	[ENF_V_REMOTE_PORT] = { "REMOTE_PORT", ENF_IC_REMOTE_PORT },
	[ENF_V_SERVER_PORT] = { "SERVER_PORT", ENF_IC_SERVER_PORT },
	[ENF_V_PROCESS_EXE] = { "PROCESS_EXE", ENF_IC_PROC_EXE },
	[ENF_V_PROCESS_COMM] = { "PROCESS_COMM", ENF_IC_PROC_COMM },
	[ENF_V_PROCESS_UID] = { "PROCESS_UID", ENF_IC_PROC_UID },
	[ENF_V_PROCESS_CGROUP] = { "PROCESS_CGROUP", ENF_IC_PROC_CGROUP },
	[ENF_V_TLS_LIBRARY] = { "TLS_LIBRARY", ENF_IC_TLS_LIB },
	[ENF_V_DIRECTION] = { "DIRECTION", ENF_IC_DIRECTION },
	/* TX:0..TX:9: read only as "TX:N" (parse_var()) */
	[ENF_V_TX] = { "TX", ENF_IC_TX, true, true },
};

static const struct {
	const char *name;
	enum enf_op op;
	const char *engine;
} op_defs[] = {
	{ "rx", ENF_OP_RX, "hyperscan" },
	{ "pm", ENF_OP_PM, "hyperscan" },
	{ "contains", ENF_OP_CONTAINS, "literal" },
	{ "streq", ENF_OP_STREQ, "literal" },
	{ "beginsWith", ENF_OP_BEGINSWITH, "literal" },
	{ "endsWith", ENF_OP_ENDSWITH, "literal" },
	{ "within", ENF_OP_WITHIN, "literal" },
	{ "ipMatch", ENF_OP_IPMATCH, "ip" },
	{ "eq", ENF_OP_EQ, "numeric" },
	{ "gt", ENF_OP_GT, "numeric" },
	{ "lt", ENF_OP_LT, "numeric" },
	{ "ge", ENF_OP_GE, "numeric" },
	{ "le", ENF_OP_LE, "numeric" },
	/* phrases from files: @pm's engine */
	{ "pmFromFile", ENF_OP_PM, "hyperscan" },
};

static const char *const severity_names[] = {
	"EMERGENCY", "ALERT",  "CRITICAL", "ERROR",
	"WARNING",   "NOTICE", "INFO",	   "DEBUG",
};

static const struct {
	const char *name;
	uint32_t bit;
} flag_actions[] = {
	{ "deny", ENF_ACT_DENY },   { "drop", ENF_ACT_DROP },
	{ "block", ENF_ACT_BLOCK }, { "pass", ENF_ACT_PASS },
	{ "log", ENF_ACT_LOG },	    { "nolog", ENF_ACT_NOLOG },
};

const char *enf_var_name(enum enf_var v)
{
	return v < ENF_V__COUNT ? var_defs[v].name : "?";
}

enum enf_item_class enf_var_class(enum enf_var v)
{
	return var_defs[v].cls;
}

bool enf_var_is_collection(enum enf_var v)
{
	return v < ENF_V__COUNT && var_defs[v].collection;
}

void enf_rule_error_set(struct enf_rule_error *err, const char *origin,
			unsigned int line, unsigned int column, const char *fmt,
			...)
{
	va_list ap;

	if (!err)
		return;
	snprintf(err->origin, sizeof(err->origin), "%s", origin ? origin : "");
	err->line = line;
	err->column = column;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static bool str_caseeq(const char *a, size_t alen, const char *b)
{
	return strlen(b) == alen && enf_memcaseeq(a, b, alen);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

/* ---- a set of rule ids: open addressing, 0 marks a free slot ---- */

struct idset {
	uint32_t *slot;
	size_t cap; /* a power of two, or 0 */
	size_t n;
};

static size_t idset_home(const struct idset *s, uint32_t id)
{
	return (size_t)(id * 2654435761u) & (s->cap - 1);
}

static bool idset_has(const struct idset *s, uint32_t id)
{
	if (!s->cap)
		return false;
	for (size_t i = idset_home(s, id);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i] == id)
			return true;
		if (!s->slot[i])
			return false;
	}
}

static void idset_put(struct idset *s, uint32_t id)
{
	size_t i = idset_home(s, id);

	while (s->slot[i] && s->slot[i] != id)
		i = (i + 1) & (s->cap - 1);
	if (!s->slot[i]) {
		s->slot[i] = id;
		s->n++;
	}
}

/* Make room for @want ids at most half full, so that idset_put() after it
 * cannot fail. */
static int idset_reserve(struct idset *s, size_t want)
{
	struct idset bigger = { 0 };
	size_t cap = 64;

	if (want * 2 <= s->cap)
		return 0;
	while (cap < want * 2)
		cap *= 2;
	bigger.slot = calloc(cap, sizeof(*bigger.slot));
	if (!bigger.slot)
		return -ENOMEM;
	bigger.cap = cap;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->slot[i])
			idset_put(&bigger, s->slot[i]);
	}
	free(s->slot);
	*s = bigger;
	return 0;
}

static void idset_free(struct idset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
}

/* ---- rules ---- */

static void rule_free(struct enf_rule *r)
{
	for (size_t i = 0; i < r->n_targets; i++) {
		free(r->targets[i].sel);
		pcre2_code_free(r->targets[i].sel_re);
	}
	free(r->targets);
	free(r->param);
	free(r->phrases);
	free(r->pm_buf);
	free(r->nets);
	for (size_t i = 0; i < r->n_tags; i++)
		free(r->tags[i]);
	free(r->tags);
	free(r->text);
	free(r->msg);
	free(r->origin);
	free(r->logdata);
	enf_macro_free(&r->msg_tpl);
	enf_macro_free(&r->logdata_tpl);
	if (r->chain)
		enf_rule_unref(r->chain);
	free(r);
}

struct enf_rule *enf_rule_ref(struct enf_rule *r)
{
	__atomic_add_fetch(&r->refs, 1, __ATOMIC_RELAXED);
	return r;
}

void enf_rule_unref(struct enf_rule *r)
{
	if (r && __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL) == 0)
		rule_free(r);
}

/* ---- the builder ---- */

struct enf_rules_builder {
	struct enf_rule **rules;
	size_t n;
	size_t cap;
	struct idset ids;
};

int enf_rules_builder_new(struct enf_rules_builder **out)
{
	struct enf_rules_builder *b;

	if (!out)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	*out = b;
	return 0;
}

void enf_rules_builder_free(struct enf_rules_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		enf_rule_unref(b->rules[i]);
	free(b->rules);
	idset_free(&b->ids);
	free(b);
}

size_t enf_rules_builder_count(const struct enf_rules_builder *b)
{
	return b ? b->n : 0;
}

const struct enf_rule_info *
enf_rules_builder_rule(const struct enf_rules_builder *b, size_t i)
{
	return b && i < b->n ? &b->rules[i]->info : NULL;
}

size_t enf_builder_n_rules(const struct enf_rules_builder *b)
{
	return b->n;
}

struct enf_rule *enf_builder_rule_at(const struct enf_rules_builder *b,
				     size_t i)
{
	return b->rules[i];
}

/* ---- parsing ---- */

/* Where a stretch of the joined logical line came from. */
struct seg {
	size_t off; /* offset in the joined line */
	unsigned int line; /* physical line; the stretch starts in column 1 */
};

/* A token of a logical line: @val points into a NUL-terminated copy of its
 * text (without the quotes of a quoted token). */
struct tok {
	size_t raw; /* offset of its first byte (the quote, if quoted) */
	const char *val;
	size_t len;
	bool quoted;
};

/* One add_text/add_file/add_dir call. */
struct pctx {
	const struct enf_rules_builder *b;
	struct enf_rule **pend;
	size_t n_pend;
	size_t cap_pend;
	struct idset ids; /* ids of @pend */
	const char *origin;
	bool in_file; /* @origin is the path of the file being read */
	struct enf_rule_error *err;
	/* the logical line being parsed */
	char *buf; /* continuations joined, NUL-terminated */
	char *unesc; /* tokens NUL-terminated, at the offsets of their text */
	size_t len;
	size_t cap;
	struct seg *segs;
	size_t n_segs;
	size_t cap_segs;
	unsigned int first_line;
	/* the last rule of an open chain: the next rule is its link */
	struct enf_rule *chain_tail;
	struct enf_rule *chain_head;
	/* the files being read, outermost first (Include's cycle check) */
	struct {
		dev_t dev;
		ino_t ino;
	} open_files[ENF_RULES_INCLUDE_DEPTH];
	unsigned int depth;
	size_t n_files; /* files this call read */
};

static void pos_to_lc(const struct pctx *p, size_t pos, unsigned int *line,
		      unsigned int *col)
{
	size_t i;

	if (pos == NO_POS || !p->n_segs) {
		*line = p->first_line;
		*col = 0;
		return;
	}
	for (i = p->n_segs - 1; i > 0 && p->segs[i].off > pos; i--)
		;
	*line = p->segs[i].line;
	*col = 1 + (unsigned int)(pos - p->segs[i].off);
}

static int perr(struct pctx *p, int ret, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int perr(struct pctx *p, int ret, size_t pos, const char *fmt, ...)
{
	unsigned int line, col;
	va_list ap;

	if (!p->err)
		return ret;
	pos_to_lc(p, pos, &line, &col);
	snprintf(p->err->origin, sizeof(p->err->origin), "%s", p->origin);
	p->err->line = line;
	p->err->column = col;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

static int qlen(size_t len)
{
	return len > QUOTE_MAX ? QUOTE_MAX : (int)len;
}

/* Offset in the joined line of byte @k of token @t's value (a value is its
 * text as written: nothing is unescaped). */
static size_t tok_pos(const struct pctx *p, const struct tok *t, size_t k)
{
	(void)p;
	return t->raw + (t->quoted ? 1 : 0) + k;
}

static int grow(void **arr, size_t *cap, size_t want, size_t elem)
{
	size_t ncap = *cap ? *cap : 8;
	void *n;

	if (want <= *cap)
		return 0;
	while (ncap < want)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

/* Append one physical line's text (without its line end or continuation
 * backslash) to the logical line. */
static int line_append(struct pctx *p, const char *s, size_t n,
		       unsigned int line)
{
	if (p->len + n > ENF_RULE_TEXT_MAX)
		return perr(p, -E2BIG, NO_POS,
			    "rule longer than %d bytes (continuations joined)",
			    ENF_RULE_TEXT_MAX);
	if (!n)
		return 0;
	if (p->len + n + 1 > p->cap) {
		size_t ncap = p->cap ? p->cap : 256;
		char *nb, *nu;

		while (ncap < p->len + n + 1)
			ncap *= 2;
		nb = realloc(p->buf, ncap);
		if (!nb)
			return -ENOMEM;
		p->buf = nb;
		nu = realloc(p->unesc, ncap);
		if (!nu)
			return -ENOMEM;
		p->unesc = nu;
		p->cap = ncap;
	}
	if (grow((void **)&p->segs, &p->cap_segs, p->n_segs + 1,
		 sizeof(*p->segs)))
		return -ENOMEM;
	p->segs[p->n_segs].off = p->len;
	p->segs[p->n_segs].line = line;
	p->n_segs++;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
	return 0;
}

/*
 * The next whitespace-separated token at *@pos: a double-quoted string or a
 * bare word. As ModSecurity v3 reads it, a quoted string keeps every byte as
 * written: a backslash and the byte after it stay as they are (so \" does
 * not end the string, and \\ is two backslashes), nothing is unescaped.
 * Return: 1 with @t filled, 0 at the end of the line, or a negative errno.
 */
static int next_tok(struct pctx *p, size_t *pos, struct tok *t)
{
	size_t i = *pos, o;
	char *out;

	while (i < p->len && is_blank(p->buf[i]))
		i++;
	if (i == p->len) {
		*pos = i;
		return 0;
	}
	t->raw = i;
	out = p->unesc + i;
	o = 0;
	if (p->buf[i] == '"') {
		bool closed = false;

		t->quoted = true;
		for (i++; i < p->len; i++) {
			char c = p->buf[i];

			if (c == '\\' && i + 1 < p->len) {
				out[o++] = c;
				out[o++] = p->buf[++i];
			} else if (c == '"') {
				closed = true;
				i++;
				break;
			} else {
				out[o++] = c;
			}
		}
		if (!closed)
			return perr(p, -EINVAL, t->raw,
				    "unterminated quoted string");
		if (i < p->len && !is_blank(p->buf[i]))
			return perr(
				p, -EINVAL, i,
				"expected white space after a closing quote");
	} else {
		t->quoted = false;
		while (i < p->len && !is_blank(p->buf[i]))
			out[o++] = p->buf[i++];
		/* ModSecurity v3 skips a backslash before a blank in a bare
		 * operator (@rx\ b is "@rx b"), and keeps it elsewhere
		 * (a\ b\d): refused rather than guessed */
		if (i < p->len && p->buf[i - 1] == '\\')
			return perr(
				p, -EINVAL, i - 1,
				"a backslash does not join a bare token to the next: quote a token that holds blanks (\"@rx a b\")");
	}
	/* The copy is no longer than the token's text, so this NUL lands at
	 * or before the byte that ended the token, never inside the next. */
	out[o] = '\0';
	t->val = out;
	t->len = o;
	*pos = i;
	return 1;
}

/* The target's prefix: none, '!' (exclusion) or '&' (count). */
enum target_kind {
	TK_PLAIN,
	TK_EXCLUDE,
	TK_COUNT,
};

/*
 * Add a target to @r. @sel (@sel_len bytes) is its selector, NULL for none;
 * with @re, a regular expression (without its slashes), compiled here with
 * PCRE2, caseless; @sel_pos is its offset in token @t for errors.
 */
static int add_target(struct pctx *p, const struct tok *t, struct enf_rule *r,
		      enum enf_var v, enum target_kind kind, const char *sel,
		      size_t sel_len, bool re, size_t sel_pos)
{
	struct enf_target *nt;

	nt = realloc(r->targets, (r->n_targets + 1) * sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	r->targets = nt;
	nt += r->n_targets;
	memset(nt, 0, sizeof(*nt));
	nt->var = v;
	nt->cls = var_defs[v].cls;
	nt->exclude = kind == TK_EXCLUDE;
	nt->count = kind == TK_COUNT;
	if (sel) {
		nt->sel = strndup(sel, sel_len);
		if (!nt->sel)
			return -ENOMEM;
		nt->sel_len = sel_len;
	}
	/* counted before compiling: rule_free() frees what is set */
	r->n_targets++;
	if (re) {
		PCRE2_SIZE off = 0;
		int ec = 0;
		char msg[120];

		nt->sel_re = pcre2_compile((PCRE2_SPTR)sel, sel_len,
					   PCRE2_CASELESS | PCRE2_DOTALL, &ec,
					   &off, NULL);
		if (!nt->sel_re) {
			if (pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg,
						    sizeof(msg)) < 0)
				snprintf(msg, sizeof(msg), "PCRE2 error %d",
					 ec);
			return perr(p, -EINVAL, tok_pos(p, t, sel_pos + off),
				    "bad selector pattern: %s (at offset %zu)",
				    msg, (size_t)off);
		}
		pcre2_jit_compile(nt->sel_re, PCRE2_JIT_COMPLETE);
	}
	return 0;
}

/*
 * TX:N (@sel, a digit, at offset @s of token @t): the group N of the
 * capture of an earlier rule of the chain being parsed. Only a link reads
 * it, and only after a rule of its chain that captures (capture on an @rx
 * that is not negated): there is nothing to read anywhere else.
 */
static int parse_tx(struct pctx *p, const struct tok *t, size_t s,
		    enum target_kind kind, struct enf_rule *r, char sel)
{
	const struct enf_rule *c;
	bool captured = false;

	if (kind != TK_PLAIN)
		return perr(p, -EINVAL, tok_pos(p, t, s - 1),
			    "TX:%c is read as it is, not counted or excluded",
			    sel);
	if (!p->chain_tail)
		return perr(
			p, -EINVAL, tok_pos(p, t, s),
			"TX:%c is read only by a chained rule after a rule of its chain with 'capture' (this rule is not a chain's link)",
			sel);
	for (c = p->chain_head; c && !captured; c = c->chain)
		captured = enf_rule_captures(c);
	if (!captured)
		return perr(
			p, -EINVAL, tok_pos(p, t, s),
			"TX:%c: no earlier rule of chain %u has 'capture' on an @rx operator that is not negated: nothing sets TX:%c",
			sel, p->chain_head->info.id, sel);
	r->reads_tx = true;
	return add_target(p, t, r, ENF_V_TX, kind, &sel, 1, false, 0);
}

static int parse_var(struct pctx *p, const struct tok *t, size_t s, size_t e,
		     struct enf_rule *r)
{
	const char *v = t->val + s, *colon;
	size_t n = e - s, name_len;
	enum target_kind kind = TK_PLAIN;
	int var = -1;

	if (n && (v[0] == '!' || v[0] == '&')) {
		kind = v[0] == '!' ? TK_EXCLUDE : TK_COUNT;
		v++;
		s++;
		n--;
	}
	if (!n)
		return perr(p, -EINVAL, tok_pos(p, t, s),
			    "empty variable name");
	colon = memchr(v, ':', n);
	name_len = colon ? (size_t)(colon - v) : n;
	if (colon && str_caseeq(v, name_len, "TX")) {
		char sel = colon[1];

		/* TX:0..TX:9, a capture of an earlier rule of the chain */
		if (n - name_len - 1 == 1 && sel >= '0' && sel <= '9')
			return parse_tx(p, t, s, kind, r, sel);
		/* and ModSecurity's limit flag */
		if (!str_caseeq(colon + 1, n - name_len - 1,
				"MSC_PCRE_LIMITS_EXCEEDED"))
			return perr(
				p, -EINVAL, tok_pos(p, t, s),
				"TX:%.*s: the TX collection is not supported, except TX:0 to TX:9 (captures) and TX:MSC_PCRE_LIMITS_EXCEEDED",
				qlen(n - name_len - 1), colon + 1);
		if (kind != TK_PLAIN)
			return perr(
				p, -EINVAL, tok_pos(p, t, s - 1),
				"MSC_PCRE_LIMITS_EXCEEDED is read as it is (\"@eq 1\"), not counted or excluded");
		return add_target(p, t, r, ENF_V_MSC_PCRE_LIMITS_EXCEEDED, kind,
				  NULL, 0, false, 0);
	}
	for (int i = 0; i < ENF_V__COUNT; i++) {
		if (i != ENF_V_TX &&
		    str_caseeq(v, name_len, var_defs[i].name)) {
			var = i;
			break;
		}
	}
	if (var < 0)
		return perr(p, -EINVAL, tok_pos(p, t, s),
			    "unknown variable '%.*s'", qlen(name_len), v);
	if (var == ENF_V_MSC_PCRE_LIMITS_EXCEEDED && kind != TK_PLAIN)
		return perr(
			p, -EINVAL, tok_pos(p, t, s - 1),
			"MSC_PCRE_LIMITS_EXCEEDED is read as it is (\"@eq 1\"), not counted or excluded");
	if (kind == TK_EXCLUDE && (!colon || !var_defs[var].selector))
		return perr(
			p, -EINVAL, tok_pos(p, t, s),
			"an exclusion names members of a collection ('!%s:name' or '!%s:/regex/')",
			var_defs[var].name, var_defs[var].name);
	if (!colon)
		return add_target(p, t, r, var, kind, NULL, 0, false, 0);

	s += name_len;
	if (!var_defs[var].selector)
		return perr(p, -EINVAL, tok_pos(p, t, s),
			    "variable '%s' takes no selector",
			    var_defs[var].name);
	colon++;
	s++;
	n = e - s;
	if (!n)
		return perr(p, -EINVAL, tok_pos(p, t, s),
			    "empty selector after '%s:'", var_defs[var].name);
	if (colon[0] == '/') {
		if (n < 3 || colon[n - 1] != '/')
			return perr(
				p, -EINVAL, tok_pos(p, t, s),
				"a regular-expression selector is '/pattern/', not '%.*s'",
				qlen(n), colon);
		return add_target(p, t, r, var, kind, colon + 1, n - 2, true,
				  s + 1);
	}
	return add_target(p, t, r, var, kind, colon, n, false, 0);
}

/* Every exclusion takes members out of a variable the rule reads. */
static int check_exclusions(struct pctx *p, const struct tok *t,
			    const struct enf_rule *r)
{
	for (size_t i = 0; i < r->n_targets; i++) {
		const struct enf_target *x = &r->targets[i];
		bool read = false;

		if (!x->exclude)
			continue;
		for (size_t k = 0; k < r->n_targets && !read; k++)
			read = !r->targets[k].exclude && !r->targets[k].count &&
			       r->targets[k].var == x->var;
		if (!read)
			return perr(
				p, -EINVAL, tok_pos(p, t, 0),
				"the rule excludes members of %s, which it does not read",
				var_defs[x->var].name);
	}
	return 0;
}

static int parse_vars(struct pctx *p, const struct tok *t, struct enf_rule *r)
{
	size_t i = 0;
	int err;

	for (;;) {
		size_t s = i;

		/* a '|' inside a selector's /pattern/ is the pattern's */
		while (i < t->len && t->val[i] != '|') {
			if (t->val[i] == ':' && i + 1 < t->len &&
			    t->val[i + 1] == '/') {
				for (i += 2; i < t->len && t->val[i] != '/';
				     i++)
					if (t->val[i] == '\\' && i + 1 < t->len)
						i++;
			}
			if (i < t->len)
				i++;
		}
		err = parse_var(p, t, s, i, r);
		if (err)
			return err;
		/* the variable just read, where the error points: one that
		 * is not TX:N after TX:N, or TX:N after others */
		if (r->reads_tx) {
			enum enf_var nv = r->targets[r->n_targets - 1].var,
				     other = nv;

			for (size_t k = 0;
			     other == ENF_V_TX && k < r->n_targets; k++)
				other = r->targets[k].var;
			if (other != ENF_V_TX)
				return perr(
					p, -EINVAL, tok_pos(p, t, s),
					"a rule that reads TX:N reads captures only (it runs on them after the chain's earlier rules matched), not %s%s",
					var_defs[other].name,
					nv == ENF_V_TX ? " (read before TX:N)" :
							 "");
		}
		if (i == t->len)
			return check_exclusions(p, t, r);
		i++;
	}
}

/* A %{VAR} macro: ModSecurity expands these, this engine does not. */
static const char *find_macro(const char *s, size_t len)
{
	for (size_t i = 0; i + 2 < len; i++) {
		size_t j;

		if (s[i] != '%' || s[i + 1] != '{')
			continue;
		for (j = i + 2; j < len; j++) {
			char c = s[j];

			if (!((c >= 'A' && c <= 'Z') ||
			      (c >= 'a' && c <= 'z') ||
			      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
			      c == ':' || c == '-'))
				break;
		}
		if (j > i + 2 && j < len && s[j] == '}')
			return s + i;
	}
	return NULL;
}

static int split_phrases(struct enf_rule *r)
{
	size_t i = 0, n = 0;
	char *b;

	b = malloc(r->param_len + 1);
	if (!b)
		return -ENOMEM;
	memcpy(b, r->param, r->param_len + 1);
	r->pm_buf = b;
	/* At most one phrase per two bytes, plus one. */
	r->phrases = calloc(r->param_len / 2 + 1, sizeof(*r->phrases));
	if (!r->phrases)
		return -ENOMEM;
	while (i < r->param_len) {
		size_t s;

		while (i < r->param_len && is_blank(b[i]))
			i++;
		if (i == r->param_len)
			break;
		s = i;
		while (i < r->param_len && !is_blank(b[i]))
			i++;
		r->phrases[n].ptr = b + s;
		r->phrases[n].len = i - s;
		n++;
		b[i < r->param_len ? i++ : i] = '\0';
	}
	r->n_phrases = n;
	return 0;
}

/*
 * @ipMatch's argument: addresses and networks (ADDR/BITS), IPv4 or IPv6,
 * separated by commas (blanks around them allowed). @ps: the argument's
 * offset in token @t.
 */
static int parse_nets(struct pctx *p, const struct tok *t, size_t ps,
		      struct enf_rule *r)
{
	const char *a = r->param;
	size_t n = r->param_len, i = 0, cap = 1;

	for (size_t k = 0; k < n; k++)
		cap += a[k] == ',';
	r->nets = calloc(cap, sizeof(*r->nets));
	if (!r->nets)
		return -ENOMEM;
	while (i <= n) {
		struct enf_ipnet *net = &r->nets[r->n_nets];
		size_t s, e, slash, bits_max;
		unsigned int bits = 0;
		bool v4;

		while (i < n && is_blank(a[i]))
			i++;
		s = i;
		while (i < n && a[i] != ',')
			i++;
		e = i;
		while (e > s && is_blank(a[e - 1]))
			e--;
		for (slash = s; slash < e && a[slash] != '/'; slash++)
			;
		if (e == s || !enf_ip_parse(a + s, slash - s, net->addr))
			return perr(
				p, -EINVAL, tok_pos(p, t, ps + s),
				"@ipMatch: '%.*s' is not an IP address or network",
				qlen(e - s), a + s);
		v4 = memchr(a + s, ':', slash - s) == NULL;
		bits_max = v4 ? 32 : 128;
		if (slash < e) {
			size_t k = slash + 1;

			if (k == e || e - k > 3)
				bits = 999;
			for (; k < e && bits <= 128; k++)
				bits = a[k] >= '0' && a[k] <= '9' ?
					       bits * 10 +
						       (unsigned)(a[k] - '0') :
					       999;
			if (bits > bits_max)
				return perr(
					p, -EINVAL,
					tok_pos(p, t, ps + slash + 1),
					"@ipMatch: bad prefix length in '%.*s' (0-%zu)",
					qlen(e - s), a + s, bits_max);
		} else {
			bits = (unsigned int)bits_max;
		}
		net->bits = (uint8_t)(v4 ? bits + 96 : bits);
		/* host bits off: the network as its prefix says */
		for (unsigned int b = net->bits; b < 128; b++)
			net->addr[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
		r->n_nets++;
		i++;
	}
	return 0;
}

/* @eq, @gt...: the argument is one integer that fits 32 bits. */
static int parse_num(struct pctx *p, const struct tok *t, size_t ps,
		     struct enf_rule *r, const char *op)
{
	const char *a = r->param;
	size_t n = r->param_len, i = 0;
	int64_t v = 0;
	bool neg = false;

	while (n && is_blank(a[n - 1]))
		n--;
	if (i < n && (a[i] == '+' || a[i] == '-'))
		neg = a[i++] == '-';
	if (i == n || n - i > 10)
		goto bad;
	for (; i < n; i++) {
		if (a[i] < '0' || a[i] > '9')
			goto bad;
		v = v * 10 + (a[i] - '0');
	}
	v = neg ? -v : v;
	if (v > INT32_MAX || v < INT32_MIN)
		goto bad;
	r->num = (int32_t)v;
	return 0;
bad:
	return perr(p, -EINVAL, tok_pos(p, t, ps),
		    "@%s needs an integer of 32 bits, not '%.*s'%s", op,
		    qlen(r->param_len), a,
		    find_macro(a, r->param_len) ?
			    " (macro expansion is not supported)" :
			    "");
}

/* Append the phrases of the file at @path (one a line; empty lines and
 * lines starting with '#' skipped) to the @pmFromFile phrase buffer. */
static int pm_file_read(const char *path, char **buf, size_t *len,
			size_t *n_phrases, char *why, size_t why_len)
{
	char *line = NULL, *nb;
	size_t cap = 0;
	struct stat st;
	ssize_t got;
	int ret = 0, fd;
	FILE *f;

	/* as read_file(): a FIFO must not block the load */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		snprintf(why, why_len, "%s", strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(why, why_len, "%s", strerror(-ret));
		close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, why_len, "not a regular file");
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		ret = -errno;
		snprintf(why, why_len, "%s", strerror(-ret));
		close(fd);
		return ret;
	}
	while ((got = getline(&line, &cap, f)) >= 0) {
		size_t l = (size_t)got;

		while (l && (line[l - 1] == '\n' || line[l - 1] == '\r'))
			l--;
		if (!l || line[0] == '#')
			continue;
		if (memchr(line, '\0', l)) {
			snprintf(why, why_len, "a NUL byte in a phrase");
			ret = -EINVAL;
			break;
		}
		if (*n_phrases >= ENF_PM_FILE_MAX_PHRASES ||
		    *len + l + 1 > ENF_PM_FILE_MAX_BYTES) {
			snprintf(why, why_len,
				 "more than %u phrases or %u bytes",
				 ENF_PM_FILE_MAX_PHRASES,
				 ENF_PM_FILE_MAX_BYTES);
			ret = -EFBIG;
			break;
		}
		nb = realloc(*buf, *len + l + 1);
		if (!nb) {
			ret = -ENOMEM;
			break;
		}
		*buf = nb;
		memcpy(*buf + *len, line, l);
		(*buf)[*len + l] = '\0';
		*len += l + 1;
		(*n_phrases)++;
	}
	if (!ret && ferror(f)) {
		snprintf(why, why_len, "read error");
		ret = -EIO;
	}
	free(line);
	fclose(f);
	return ret;
}

/*
 * @name (@len bytes) as a path in @out: as written when absolute, else
 * relative to the directory of the file being read ("." for a file named
 * without one).
 * Return: 0, -ENOENT when the text was not read from a file and @name is
 * relative, or -ENAMETOOLONG.
 */
static int path_near(const struct pctx *p, const char *name, size_t len,
		     char *out, size_t cap)
{
	const char *slash = strrchr(p->origin, '/');
	int n;

	if (len && name[0] == '/')
		n = snprintf(out, cap, "%.*s", (int)len, name);
	else if (!p->in_file)
		return -ENOENT;
	else if (!slash)
		n = snprintf(out, cap, "%.*s", (int)len, name);
	else
		n = snprintf(out, cap, "%.*s/%.*s", (int)(slash - p->origin),
			     p->origin, (int)len, name);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/*
 * @pmFromFile's argument: file names separated by blanks, each absolute or
 * relative to the directory of the rule's file. Their phrases become the
 * rule's, as @pm's.
 */
static int load_pm_files(struct pctx *p, const struct tok *t, size_t ps,
			 struct enf_rule *r)
{
	const char *a = r->param;
	size_t n = r->param_len, i = 0, len = 0, k = 0, nph = 0;
	char path[PATH_MAX], why[160];
	char *buf = NULL;
	int ret;

	while (i < n) {
		size_t s, fl;

		while (i < n && is_blank(a[i]))
			i++;
		if (i == n)
			break;
		s = i;
		while (i < n && !is_blank(a[i]))
			i++;
		fl = i - s;
		if (fl >= 8 && (!strncmp(a + s, "https://", 8) ||
				!strncmp(a + s, "http://", 7))) {
			ret = perr(p, -EINVAL, tok_pos(p, t, ps + s),
				   "@pmFromFile: URLs are not supported");
			goto out;
		}
		ret = path_near(p, a + s, fl, path, sizeof(path));
		if (ret == -ENOENT) {
			ret = perr(
				p, -EINVAL, tok_pos(p, t, ps + s),
				"@pmFromFile: '%.*s' is relative, and the rule is not read from a file: give an absolute path",
				qlen(fl), a + s);
			goto out;
		}
		if (ret) {
			ret = perr(p, ret, tok_pos(p, t, ps + s),
				   "@pmFromFile: path too long");
			goto out;
		}
		ret = pm_file_read(path, &buf, &len, &nph, why, sizeof(why));
		if (ret) {
			ret = perr(p, ret, tok_pos(p, t, ps + s),
				   "@pmFromFile: %s: %s", path, why);
			goto out;
		}
	}
	if (!nph) {
		ret = perr(p, -EINVAL, tok_pos(p, t, ps),
			   "@pmFromFile: no phrase in '%.*s'", qlen(n), a);
		goto out;
	}
	r->phrases = calloc(nph, sizeof(*r->phrases));
	if (!r->phrases) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t off = 0; off < len; off += r->phrases[k++].len + 1) {
		r->phrases[k].ptr = buf + off;
		r->phrases[k].len = strlen(buf + off);
	}
	r->n_phrases = nph;
	r->pm_buf = buf;
	return 0;
out:
	free(buf);
	return ret;
}

static int parse_op(struct pctx *p, const struct tok *t, struct enf_rule *r)
{
	const char *v = t->val;
	size_t i = 0, ps;
	char msg[160], hs_msg[160];
	int op = -1, err;

	if (i < t->len && v[i] == '!') {
		r->negated = true;
		i++;
	}
	if (i < t->len && v[i] == '@') {
		size_t ns = i + 1, ne = ns;

		while (ne < t->len && !is_blank(v[ne]))
			ne++;
		for (size_t k = 0; k < sizeof(op_defs) / sizeof(op_defs[0]);
		     k++) {
			if (str_caseeq(v + ns, ne - ns, op_defs[k].name)) {
				op = k;
				break;
			}
		}
		if (op < 0)
			return perr(p, -EINVAL, tok_pos(p, t, i),
				    "unknown operator '@%.*s'", qlen(ne - ns),
				    v + ns);
		ps = ne;
		while (ps < t->len && is_blank(v[ps]))
			ps++;
		if (ps == t->len)
			return perr(p, -EINVAL, tok_pos(p, t, i),
				    "operator '@%s' needs an argument",
				    op_defs[op].name);
	} else {
		op = 0; /* @rx is implied */
		ps = i;
		if (ps == t->len)
			return perr(p, -EINVAL, tok_pos(p, t, 0),
				    "empty operator");
	}
	r->op = op_defs[op].op;
	r->info.engine = op_defs[op].engine;
	r->param_len = t->len - ps;
	r->param = strndup(v + ps, r->param_len);
	if (!r->param)
		return -ENOMEM;
	pos_to_lc(p, tok_pos(p, t, ps), &r->param_line, &r->param_col);

	switch (r->op) {
	case ENF_OP_RX: {
		pcre2_code *code = NULL;
		size_t off = 0;

		/*
		 * Every pattern must compile on PCRE2, wherever it runs: a
		 * pattern Hyperscan takes and PCRE2 refuses ("[\w-.]", "\8")
		 * would mean something on one engine and nothing on the
		 * other (ModSecurity loads such a rule, which never matches).
		 */
		err = enf_rx_pcre2_compile(r->param, r->param_len, false, &code,
					   msg, sizeof(msg), &off);
		if (err)
			return perr(p, err, tok_pos(p, t, ps + off),
				    "bad pattern: %s (PCRE2, at offset %zu)%s",
				    msg, off,
				    enf_rx_hs_ok(r->param, NULL, 0) ?
					    "; Hyperscan would take it, but "
					    "a pattern must compile on PCRE2 "
					    "too" :
					    "");
		pcre2_code_free(code);
		if (!enf_rx_hs_ok(r->param, hs_msg, sizeof(hs_msg)))
			r->info.engine = "pcre2";
		break;
	}
	case ENF_OP_PM:
		if (!strcmp(op_defs[op].name, "pmFromFile"))
			return load_pm_files(p, t, ps, r);
		err = split_phrases(r);
		if (err)
			return err;
		break;
	case ENF_OP_IPMATCH:
		return parse_nets(p, t, ps, r);
	case ENF_OP_EQ:
	case ENF_OP_GT:
	case ENF_OP_LT:
	case ENF_OP_GE:
	case ENF_OP_LE:
		return parse_num(p, t, ps, r, op_defs[op].name);
	default: {
		const char *m = find_macro(r->param, r->param_len);

		if (m)
			return perr(p, -EINVAL,
				    tok_pos(p, t, ps + (size_t)(m - r->param)),
				    "macro expansion ('%%{') is not supported");
		break;
	}
	}
	return 0;
}

static const struct enf_rule *find_id(const struct pctx *p, uint32_t id)
{
	for (size_t i = 0; i < p->b->n; i++) {
		if (p->b->rules[i]->info.id == id)
			return p->b->rules[i];
	}
	for (size_t i = 0; i < p->n_pend; i++) {
		if (p->pend[i]->info.id == id)
			return p->pend[i];
	}
	return NULL;
}

/* One action of a rule; positions are offsets into the actions token. */
struct action {
	const char *name;
	size_t name_len;
	size_t name_pos;
	bool has_val;
	const char *val; /* NUL-terminated */
	size_t val_len;
	size_t val_pos;
};

/*
 * What parse_actions() remembers across the actions of one rule, to check
 * the rule as a whole after its last action: positions are offsets in the
 * joined line (for errors), NO_POS when the action was not given.
 */
struct act_state {
	bool have_id;
	size_t enforce_pos; /* the first enforce: */
	size_t cidr6_pos; /* the first enforce:cidr6/M */
	size_t ttl_pos;
	size_t after_pos;
};

static int action_id(struct pctx *p, const struct tok *t,
		     const struct action *a, struct enf_rule *r, bool *have_id)
{
	unsigned long long id = 0;
	const struct enf_rule *other;

	if (*have_id)
		return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
			    "action 'id' given twice");
	for (size_t i = 0; i < a->val_len; i++) {
		if (a->val[i] < '0' || a->val[i] > '9' || i >= 10) {
			id = 0;
			break;
		}
		id = id * 10 + (unsigned int)(a->val[i] - '0');
	}
	if (!id || id > UINT32_MAX)
		return perr(p, -EINVAL, tok_pos(p, t, a->val_pos),
			    "invalid id '%.*s' (1..4294967295)",
			    qlen(a->val_len), a->val);
	other = NULL;
	if (idset_has(&p->b->ids, (uint32_t)id) ||
	    idset_has(&p->ids, (uint32_t)id))
		other = find_id(p, (uint32_t)id);
	if (other)
		return perr(p, -EEXIST, tok_pos(p, t, a->val_pos),
			    "duplicate id %llu (already defined at %s:%u)", id,
			    other->origin, other->info.line);
	r->info.id = (uint32_t)id;
	*have_id = true;
	return 0;
}

static int action_severity(struct pctx *p, const struct tok *t,
			   const struct action *a, struct enf_rule *r)
{
	if (a->val_len == 1 && a->val[0] >= '0' && a->val[0] <= '7') {
		r->info.severity = a->val[0] - '0';
		return 0;
	}
	for (int i = 0; i < 8; i++) {
		if (str_caseeq(a->val, a->val_len, severity_names[i])) {
			r->info.severity = i;
			return 0;
		}
	}
	return perr(p, -EINVAL, tok_pos(p, t, a->val_pos),
		    "unknown severity '%.*s'", qlen(a->val_len), a->val);
}

static int action_t(struct pctx *p, const struct tok *t, const struct action *a,
		    struct enf_rule *r)
{
	int tfn = enf_tfn_lookup(a->val, a->val_len);

	if (tfn < 0)
		return perr(p, -EINVAL, tok_pos(p, t, a->val_pos),
			    "unknown transformation '%.*s'", qlen(a->val_len),
			    a->val);
	if (tfn == ENF_T_NONE) {
		r->n_tfn = 0;
		return 0;
	}
	if (r->n_tfn == ENF_RULE_TFN_MAX)
		return perr(p, -E2BIG, tok_pos(p, t, a->name_pos),
			    "more than %d transformations", ENF_RULE_TFN_MAX);
	r->tfn[r->n_tfn++] = (uint8_t)tfn;
	return 0;
}

/*
 * logdata:'TEXT': its macros are checked here, an unknown one refused
 * where it stands in the action's value.
 */
static int action_logdata(struct pctx *p, const struct tok *t,
			  const struct action *a, struct enf_rule *r)
{
	char msg[sizeof(p->err->msg) - 64], *ld;
	size_t off = 0;
	int err;

	if (a->val_len > ENF_RULE_LOGDATA_MAX)
		return perr(p, -E2BIG, tok_pos(p, t, a->val_pos),
			    "logdata longer than %d bytes",
			    ENF_RULE_LOGDATA_MAX);
	ld = strndup(a->val, a->val_len);
	if (!ld)
		return -ENOMEM;
	enf_macro_free(&r->logdata_tpl);
	free(r->logdata);
	r->logdata = ld;
	err = enf_macro_parse(&r->logdata_tpl, ld, a->val_len, true, &off, msg,
			      sizeof(msg));
	if (err == -EINVAL)
		return perr(p, err, tok_pos(p, t, a->val_pos + off),
			    "logdata: %s", msg);
	return err;
}

/*
 * enforce:WORD, or enforce:'WORD,WORD...' (a quoted value may list
 * several). Each word is checked where it stands; the rule as a whole
 * after its last action (check_enforce()).
 */
static int action_enforce(struct pctx *p, const struct tok *t,
			  const struct action *a, struct enf_rule *r,
			  struct act_state *st)
{
	char msg[sizeof(p->err->msg)];
	size_t i = 0, s, e;
	int err;

	if (st->enforce_pos == NO_POS)
		st->enforce_pos = tok_pos(p, t, a->name_pos);
	do {
		while (i < a->val_len && is_blank(a->val[i]))
			i++;
		s = i;
		while (i < a->val_len && a->val[i] != ',')
			i++;
		e = i;
		while (e > s && is_blank(a->val[e - 1]))
			e--;
		if (e == s)
			return perr(p, -EINVAL, tok_pos(p, t, a->val_pos + s),
				    "empty enforcement in enforce:");
		err = enf_enforce_add(&r->info.enforce, a->val + s, e - s, msg,
				      sizeof(msg));
		if (err)
			return perr(p, err, tok_pos(p, t, a->val_pos + s), "%s",
				    msg);
		if (st->cidr6_pos == NO_POS && r->info.enforce.cidr6)
			st->cidr6_pos = tok_pos(p, t, a->val_pos + s);
	} while (i++ < a->val_len);
	return 0;
}

/* ttl:SECONDS, 0 to ENF_RULE_TTL_MAX, decimal digits only. */
static int action_ttl(struct pctx *p, const struct tok *t,
		      const struct action *a, struct enf_rule *r,
		      struct act_state *st)
{
	unsigned long long v = 0;
	bool ok = a->val_len > 0 && a->val_len <= 10;

	if (st->ttl_pos != NO_POS)
		return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
			    "action 'ttl' given twice");
	for (size_t i = 0; ok && i < a->val_len; i++) {
		ok = a->val[i] >= '0' && a->val[i] <= '9';
		v = v * 10 + (unsigned int)(a->val[i] - '0');
	}
	if (!ok || v > ENF_RULE_TTL_MAX)
		return perr(p, -EINVAL, tok_pos(p, t, a->val_pos),
			    "invalid ttl '%.*s' (seconds from 0 to %u; 0: no "
			    "expiry)",
			    qlen(a->val_len), a->val, ENF_RULE_TTL_MAX);
	r->info.ttl = (uint32_t)v;
	st->ttl_pos = tok_pos(p, t, a->name_pos);
	return 0;
}

/* Decimal digits of @s (@len of them, at least one, at most 9) into @v. */
static bool digits(const char *s, size_t len, unsigned long *v)
{
	*v = 0;
	if (!len || len > 9)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned long)(s[i] - '0');
	}
	return true;
}

/* after:N/T: deny at the N-th match from one source within T seconds. */
static int action_after(struct pctx *p, const struct tok *t,
			const struct action *a, struct enf_rule *r,
			struct act_state *st)
{
	const char *slash = memchr(a->val, '/', a->val_len);
	unsigned long n, secs;

	if (st->after_pos != NO_POS)
		return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
			    "action 'after' given twice");
	if (!slash || !digits(a->val, (size_t)(slash - a->val), &n) ||
	    !digits(slash + 1, a->val_len - (size_t)(slash + 1 - a->val),
		    &secs) ||
	    n < 2 || n > ENF_RULE_AFTER_N_MAX || secs < 1 ||
	    secs > ENF_RULE_AFTER_T_MAX)
		return perr(p, -EINVAL, tok_pos(p, t, a->val_pos),
			    "invalid after '%.*s' (after:N/T: the N-th match "
			    "from one source within T seconds denies; N from "
			    "2 to %u, T from 1 to %u)",
			    qlen(a->val_len), a->val, ENF_RULE_AFTER_N_MAX,
			    ENF_RULE_AFTER_T_MAX);
	r->info.after_n = (uint32_t)n;
	r->info.after_s = (uint32_t)secs;
	st->after_pos = tok_pos(p, t, a->name_pos);
	return 0;
}

/*
 * A rule's enforce: and ttl: as a whole, after its last action: cidr6/M
 * needs cidr/N; enforce: with pass is refused (pass never enforces) and
 * without deny, drop or block implies deny; ttl: needs something that
 * makes deny entries.
 */
static int check_enforce(struct pctx *p, struct enf_rule *r,
			 const struct act_state *st)
{
	const uint32_t disruptive = ENF_ACT_DENY | ENF_ACT_DROP | ENF_ACT_BLOCK;
	char msg[sizeof(p->err->msg)];
	int err;

	err = enf_enforce_finish(&r->info.enforce, msg, sizeof(msg));
	if (err)
		return perr(p, err, st->cidr6_pos, "%s", msg);
	if (r->info.enforce.kinds && (r->info.actions & ENF_ACT_PASS))
		return perr(p, -EINVAL, st->enforce_pos,
			    "'enforce' with 'pass': pass lets the request "
			    "through and enforces nothing (drop pass, or "
			    "enforce:)");
	if (r->info.enforce.kinds && !(r->info.actions & disruptive))
		r->info.actions |= ENF_ACT_DENY;
	if (st->ttl_pos != NO_POS && !(r->info.actions & disruptive))
		return perr(p, -EINVAL, st->ttl_pos,
			    "'ttl' of a rule that denies nothing: ttl: is the "
			    "life of the entries deny, drop, block or enforce: "
			    "make");
	if (st->after_pos != NO_POS && !(r->info.actions & disruptive))
		return perr(p, -EINVAL, st->after_pos,
			    "'after' of a rule that denies nothing: after:N/T "
			    "delays what deny, drop, block or enforce: do");
	return 0;
}

static int action_apply(struct pctx *p, const struct tok *t,
			const struct action *a, struct enf_rule *r,
			struct act_state *st)
{
	const char *n = a->name;
	size_t nl = a->name_len;
	bool needs_val =
		str_caseeq(n, nl, "id") || str_caseeq(n, nl, "msg") ||
		str_caseeq(n, nl, "severity") || str_caseeq(n, nl, "phase") ||
		str_caseeq(n, nl, "t") || str_caseeq(n, nl, "tag") ||
		str_caseeq(n, nl, "enforce") || str_caseeq(n, nl, "ttl") ||
		str_caseeq(n, nl, "after") || str_caseeq(n, nl, "logdata");

	if (str_caseeq(n, nl, "mode") && !p->chain_tail) {
		if (!a->has_val || (!str_caseeq(a->val, a->val_len, "shadow") &&
				    !str_caseeq(a->val, a->val_len, "enforce")))
			return perr(
				p, -EINVAL, tok_pos(p, t, a->name_pos),
				"action 'mode' is mode:shadow or mode:enforce");
		if (str_caseeq(a->val, a->val_len, "shadow"))
			r->info.actions |= ENF_ACT_SHADOW;
		else
			r->info.actions &= ~ENF_ACT_SHADOW;
		return 0;
	}
	/* SecAction has no variables nor operator: what reads them is
	 * refused rather than ignored (t:none is the one transformation) */
	if (r->uncond &&
	    (str_caseeq(n, nl, "chain") || str_caseeq(n, nl, "capture") ||
	     (str_caseeq(n, nl, "t") && a->has_val &&
	      !str_caseeq(a->val, a->val_len, "none"))))
		return perr(
			p, -EINVAL, tok_pos(p, t, a->name_pos),
			"SecAction takes no '%.*s': it has no variables and no operator (it matches every request in its phase)",
			qlen(nl), n);
	if (str_caseeq(n, nl, "chain")) {
		if (a->has_val)
			return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
				    "action 'chain' takes no value");
		r->chained = true;
		return 0;
	}
	/* on a link too: its groups are read by the links after it */
	if (str_caseeq(n, nl, "capture")) {
		if (a->has_val)
			return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
				    "action 'capture' takes no value");
		r->capture = true;
		return 0;
	}
	/* a chain's first rule carries its actions, as in ModSecurity */
	if (p->chain_tail && !str_caseeq(n, nl, "t"))
		return perr(
			p, -EINVAL, tok_pos(p, t, a->name_pos),
			"a chained rule takes only 't:', 'capture' and 'chain' (rule %u's first rule carries the chain's actions), not '%.*s'",
			p->chain_head->info.id, qlen(nl), n);

	if (!needs_val) {
		for (size_t i = 0;
		     i < sizeof(flag_actions) / sizeof(flag_actions[0]); i++) {
			if (!str_caseeq(n, nl, flag_actions[i].name))
				continue;
			if (a->has_val)
				return perr(p, -EINVAL,
					    tok_pos(p, t, a->name_pos),
					    "action '%s' takes no value",
					    flag_actions[i].name);
			r->info.actions |= flag_actions[i].bit;
			return 0;
		}
		return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
			    "unknown action '%.*s'", qlen(nl), n);
	}
	if (!a->has_val)
		return perr(p, -EINVAL, tok_pos(p, t, a->name_pos),
			    "action '%.*s' needs a value", qlen(nl), n);

	if (str_caseeq(n, nl, "id"))
		return action_id(p, t, a, r, &st->have_id);
	if (str_caseeq(n, nl, "enforce"))
		return action_enforce(p, t, a, r, st);
	if (str_caseeq(n, nl, "ttl"))
		return action_ttl(p, t, a, r, st);
	if (str_caseeq(n, nl, "after"))
		return action_after(p, t, a, r, st);
	if (str_caseeq(n, nl, "severity"))
		return action_severity(p, t, a, r);
	if (str_caseeq(n, nl, "t"))
		return action_t(p, t, a, r);
	if (str_caseeq(n, nl, "phase")) {
		if (str_caseeq(a->val, a->val_len, "1")) {
			r->phase = 1;
		} else if (str_caseeq(a->val, a->val_len, "2") ||
			   str_caseeq(a->val, a->val_len, "request")) {
			r->phase = 2;
		} else {
			return perr(
				p, -EINVAL, tok_pos(p, t, a->val_pos),
				"unsupported phase '%.*s' (1, 2 or request)",
				qlen(a->val_len), a->val);
		}
		return 0;
	}
	if (str_caseeq(n, nl, "msg")) {
		char *m;

		if (a->val_len > ENF_RULE_MSG_MAX)
			return perr(p, -E2BIG, tok_pos(p, t, a->val_pos),
				    "msg longer than %d bytes",
				    ENF_RULE_MSG_MAX);
		m = strndup(a->val, a->val_len);
		if (!m)
			return -ENOMEM;
		free(r->msg);
		r->msg = m;
		return 0;
	}
	if (str_caseeq(n, nl, "logdata"))
		return action_logdata(p, t, a, r);
	/* tag */
	{
		char **tags, *tag;

		tag = strndup(a->val, a->val_len);
		if (!tag)
			return -ENOMEM;
		tags = realloc(r->tags, (r->n_tags + 1) * sizeof(*tags));
		if (!tags) {
			free(tag);
			return -ENOMEM;
		}
		r->tags = tags;
		r->tags[r->n_tags++] = tag;
		return 0;
	}
}

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static int parse_actions(struct pctx *p, const struct tok *t,
			 struct enf_rule *r)
{
	const char *s = t->val;
	size_t n = t->len, i = 0;
	struct act_state st = { .enforce_pos = NO_POS,
				.cidr6_pos = NO_POS,
				.ttl_pos = NO_POS,
				.after_pos = NO_POS };
	char *vbuf;
	int err = 0;

	vbuf = malloc(n + 1);
	if (!vbuf)
		return -ENOMEM;
	for (;;) {
		struct action a = { 0 };
		size_t o = 0;

		while (i < n && is_blank(s[i]))
			i++;
		if (i == n)
			break;
		a.name = s + i;
		a.name_pos = i;
		while (i < n && is_name_char(s[i]))
			i++;
		a.name_len = i - a.name_pos;
		if (!a.name_len) {
			err = perr(p, -EINVAL, tok_pos(p, t, i),
				   "expected an action name at '%c'", s[i]);
			goto out_free_vbuf;
		}
		while (i < n && is_blank(s[i]))
			i++;
		if (i < n && s[i] == ':') {
			i++;
			while (i < n && is_blank(s[i]))
				i++;
			a.has_val = true;
			a.val_pos = i;
			if (i < n && s[i] == '\'') {
				bool closed = false;

				a.val_pos++;
				/* as written: \' does not end the
				 * value and stays in it (ModSecurity v3) */
				for (i++; i < n; i++) {
					if (s[i] == '\\' && i + 1 < n) {
						vbuf[o++] = s[i++];
						vbuf[o++] = s[i];
					} else if (s[i] == '\'') {
						closed = true;
						i++;
						break;
					} else {
						vbuf[o++] = s[i];
					}
				}
				if (!closed) {
					err = perr(
						p, -EINVAL,
						tok_pos(p, t, a.val_pos - 1),
						"unterminated quoted value of action '%.*s'",
						qlen(a.name_len), a.name);
					goto out_free_vbuf;
				}
			} else {
				size_t end;

				while (i < n && s[i] != ',')
					i++;
				end = i;
				while (end > a.val_pos && is_blank(s[end - 1]))
					end--;
				o = end - a.val_pos;
				memcpy(vbuf, s + a.val_pos, o);
			}
			vbuf[o] = '\0';
			a.val = vbuf;
			a.val_len = o;
		}
		while (i < n && is_blank(s[i]))
			i++;
		if (i < n && s[i] != ',') {
			err = perr(p, -EINVAL, tok_pos(p, t, i),
				   "expected ',' after action '%.*s'",
				   qlen(a.name_len), a.name);
			goto out_free_vbuf;
		}
		if (i < n)
			i++;
		err = action_apply(p, t, &a, r, &st);
		if (err)
			goto out_free_vbuf;
	}
	if (!st.have_id && !p->chain_tail)
		err = perr(p, -EINVAL, t->raw, "missing id action");
	if (!err && !p->chain_tail)
		err = check_enforce(p, r, &st);
out_free_vbuf:
	free(vbuf);
	return err;
}

/*
 * @r follows a rule with 'chain': it becomes the chain's next link (owned by
 * the rule before it), takes the chain's id, and its text is added to the
 * first rule's, so that the chain is stored and shown as one rule.
 */
static int chain_link(struct pctx *p, struct enf_rule *r)
{
	struct enf_rule *head = p->chain_head;
	size_t hl = strlen(head->text), rl = strlen(r->text);
	char *text;

	if (hl + 1 + rl > ENF_RULE_TEXT_MAX) {
		enf_rule_unref(r);
		return perr(p, -E2BIG, 0,
			    "chain of rule %u longer than %d bytes",
			    head->info.id, ENF_RULE_TEXT_MAX);
	}
	text = realloc(head->text, hl + 1 + rl + 1);
	if (!text) {
		enf_rule_unref(r);
		return -ENOMEM;
	}
	memcpy(text + hl, "\n", 1);
	memcpy(text + hl + 1, r->text, rl + 1);
	head->text = text;
	head->info.text = text;
	r->info.id = head->info.id;
	head->n_links++;
	p->chain_tail->chain = r;
	p->chain_tail = r->chained ? r : NULL;
	return 0;
}

static int read_file(const char *path, char **out, size_t *out_len,
		     struct stat *st, struct enf_rule_error *err);
static int parse_text(struct pctx *p, const char *origin, const char *text,
		      size_t len);

/* Parse @text, read from @path (@st its stat), as a file of this source. */
static int parse_read(struct pctx *p, const char *path, const char *text,
		      size_t len, const struct stat *st)
{
	const char *origin = p->origin;
	bool in_file = p->in_file;
	int ret;

	p->open_files[p->depth].dev = st->st_dev;
	p->open_files[p->depth].ino = st->st_ino;
	p->depth++;
	p->in_file = true;
	ret = parse_text(p, path, text, len);
	p->depth--;
	p->origin = origin;
	p->in_file = in_file;
	return ret;
}

/* Where an Include stands, for errors once its files were parsed (which
 * reuse the logical line's buffers). */
struct inc_at {
	const char *origin;
	unsigned int line;
	unsigned int col;
	const char *spec; /* the file name as written */
};

static int inc_err(struct pctx *p, const struct inc_at *at, int ret,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int inc_err(struct pctx *p, const struct inc_at *at, int ret,
		   const char *fmt, ...)
{
	char msg[sizeof(p->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	enf_rule_error_set(p->err, at->origin, at->line, at->col,
			   "Include '%.*s': %s", qlen(strlen(at->spec)),
			   at->spec, msg);
	return ret;
}

/* One file an Include names: read, checked against the files being read,
 * parsed; an error inside it says where it was included from. */
static int include_one(struct pctx *p, const struct inc_at *at,
		       const char *path)
{
	struct enf_rule_error e = { 0 };
	size_t len = 0;
	char *text = NULL;
	struct stat st;
	int ret;

	if (p->n_files >= ENF_RULES_SOURCE_FILES_MAX)
		return inc_err(p, at, -E2BIG,
			       "more than %d files in one rule source",
			       ENF_RULES_SOURCE_FILES_MAX);
	p->n_files++;
	ret = read_file(path, &text, &len, &st, &e);
	if (ret)
		return inc_err(p, at, ret, "%s: %s", path, e.msg);
	for (unsigned int i = 0; i < p->depth; i++) {
		if (p->open_files[i].dev == st.st_dev &&
		    p->open_files[i].ino == st.st_ino) {
			free(text);
			return inc_err(
				p, at, -ELOOP,
				"%s is being read already: an Include cycle",
				path);
		}
	}
	ret = parse_read(p, path, text, len, &st);
	free(text);
	if (ret && ret != -ENOMEM && p->err) {
		size_t l = strlen(p->err->msg);

		snprintf(p->err->msg + l, sizeof(p->err->msg) - l,
			 " (included from %s:%u)", at->origin, at->line);
	}
	return ret;
}

/* qsort() of file names, in strcmp() order */
static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* path_near() for a glob pattern @spec: the including file's directory
 * with glob's special characters escaped, so that only @spec's are. */
static int glob_near(const struct pctx *p, const char *spec, char *out,
		     size_t cap)
{
	const char *slash = strrchr(p->origin, '/');
	size_t o = 0, n = strlen(spec);

	if (spec[0] != '/' && slash) {
		for (const char *c = p->origin; c < slash; c++) {
			if (o + 2 >= cap)
				return -ENAMETOOLONG;
			if (strchr("*?[\\", *c))
				out[o++] = '\\';
			out[o++] = *c;
		}
		out[o++] = '/';
	}
	if (o + n >= cap)
		return -ENAMETOOLONG;
	memcpy(out + o, spec, n + 1);
	return 0;
}

/*
 * Include FILE (the rest of the logical line after the directive, from
 * @pos): FILE relative to the including file's directory, a glob pattern
 * read in name order; nested up to ENF_RULES_INCLUDE_DEPTH files, a cycle
 * refused. Only a file's text can include: text not read from a file has
 * no directory to include from.
 */
static int parse_include(struct pctx *p, const struct tok *dir, size_t pos)
{
	char spec[PATH_MAX], pat[PATH_MAX], gpat[2 * PATH_MAX];
	struct inc_at at = { .origin = p->origin, .spec = spec };
	struct tok t, extra;
	glob_t g = { 0 };
	int ret;

	ret = next_tok(p, &pos, &t);
	if (ret < 0)
		return ret;
	if (!ret)
		return perr(p, -EINVAL, p->len, "Include without a file name");
	ret = next_tok(p, &pos, &extra);
	if (ret < 0)
		return ret;
	if (ret)
		return perr(p, -EINVAL, extra.raw,
			    "unexpected '%.*s' after Include's file name",
			    qlen(extra.len), extra.val);
	if (!p->in_file)
		return perr(
			p, -EINVAL, dir->raw,
			"unsupported directive 'Include' in text not read from a file (rule add, rule import, the policy database): it has no directory to include from; put the rules themselves in the text");
	if (p->chain_tail)
		return perr(
			p, -EINVAL, dir->raw,
			"Include after 'chain' (rule %u): a chain's link is the next rule of the same file",
			p->chain_head->info.id);
	if (!t.len || t.len >= sizeof(spec))
		return perr(p, -EINVAL, t.raw, "Include: %s file name",
			    t.len ? "too long a" : "an empty");
	memcpy(spec, t.val, t.len);
	spec[t.len] = '\0';
	pos_to_lc(p, tok_pos(p, &t, 0), &at.line, &at.col);
	if (p->depth >= ENF_RULES_INCLUDE_DEPTH)
		return inc_err(p, &at, -ELOOP,
			       "files included more than %d deep",
			       ENF_RULES_INCLUDE_DEPTH);
	if (path_near(p, spec, t.len, pat, sizeof(pat)))
		return inc_err(p, &at, -ENAMETOOLONG, "path too long");
	/* the line's tokens are not read after this: the files included
	 * reuse its buffers */
	/* a pattern is what the Include wrote, not the directory's name */
	if (!strpbrk(spec, "*?["))
		return include_one(p, &at, pat);
	if (glob_near(p, spec, gpat, sizeof(gpat)))
		return inc_err(p, &at, -ENAMETOOLONG, "path too long");
	ret = glob(gpat, GLOB_NOSORT, NULL, &g);
	if (ret == GLOB_NOMATCH)
		return inc_err(p, &at, -ENOENT, "no file matches %s", pat);
	if (ret == GLOB_NOSPACE) {
		globfree(&g);
		return -ENOMEM;
	}
	if (ret) {
		globfree(&g);
		return inc_err(p, &at, -EIO,
			       "cannot read the directories of %s", pat);
	}
	qsort(g.gl_pathv, g.gl_pathc, sizeof(*g.gl_pathv), cmp_names);
	for (size_t i = 0; !ret && i < g.gl_pathc; i++)
		ret = include_one(p, &at, g.gl_pathv[i]);
	globfree(&g);
	return ret;
}

static int parse_line(struct pctx *p)
{
	struct tok t[4];
	struct enf_rule *r;
	size_t pos = 0, start, end;
	bool uncond;
	int n, want, err;

	while (pos < p->len && is_blank(p->buf[pos]))
		pos++;
	if (pos == p->len || p->buf[pos] == '#')
		return 0;
	start = pos;

	err = next_tok(p, &pos, &t[0]);
	if (err < 0)
		return err;
	if (str_caseeq(t[0].val, t[0].len, "Include"))
		return parse_include(p, &t[0], pos);
	uncond = str_caseeq(t[0].val, t[0].len, "SecAction");
	if (!uncond && !str_caseeq(t[0].val, t[0].len, "SecRule"))
		return perr(p, -EINVAL, t[0].raw,
			    "unsupported directive '%.*s'", qlen(t[0].len),
			    t[0].val);
	/* SecAction ACTIONS; SecRule VARIABLES OPERATOR [ACTIONS] */
	want = uncond ? 2 : 4;
	for (n = 1; n < want; n++) {
		err = next_tok(p, &pos, &t[n]);
		if (err < 0)
			return err;
		if (!err)
			break;
	}
	if (uncond && p->chain_tail)
		return perr(
			p, -EINVAL, t[0].raw,
			"SecAction cannot be a link of chain %u: the rule after 'chain' is a SecRule",
			p->chain_head->info.id);
	if (uncond && n < want)
		return perr(p, -EINVAL, p->len,
			    "SecAction without actions (an id is required)");
	/* a chain's link may have no actions at all */
	if (n < want && !(n == 3 && p->chain_tail))
		return perr(p, -EINVAL, p->len, "SecRule without %s",
			    n == 1 ? "variables" :
			    n == 2 ? "an operator" :
				     "actions (an id is required)");
	if (n == want) {
		struct tok extra;

		err = next_tok(p, &pos, &extra);
		if (err < 0)
			return err;
		if (err)
			return perr(p, -EINVAL, extra.raw,
				    "unexpected '%.*s' after the actions",
				    qlen(extra.len), extra.val);
	}

	if (p->b->n + p->n_pend >= ENF_RULES_MAX)
		return perr(p, -E2BIG, start, "more than %d rules in a set",
			    ENF_RULES_MAX);

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->refs = 1;
	r->phase = 2;
	r->info.severity = -1;
	if (uncond) {
		r->uncond = true;
		r->info.engine = "unconditional";
		err = parse_actions(p, &t[1], r);
	} else {
		err = parse_vars(p, &t[1], r);
		if (!err)
			err = parse_op(p, &t[2], r);
		if (!err && n == 4)
			err = parse_actions(p, &t[3], r);
	}
	if (err)
		goto out_free_rule;

	end = p->len;
	while (end > start && is_blank(p->buf[end - 1]))
		end--;
	err = -ENOMEM;
	r->text = strndup(p->buf + start, end - start);
	r->origin = strdup(p->origin);
	if (!r->text || !r->origin)
		goto out_free_rule;
	r->info.msg = r->msg ? r->msg : "";
	r->info.logdata = r->logdata ? r->logdata : "";
	if (r->msg) {
		char msg[8];
		size_t off;

		/* msg: took any text before macros: what names none stays
		 * as written */
		err = enf_macro_parse(&r->msg_tpl, r->msg, strlen(r->msg),
				      false, &off, msg, sizeof(msg));
		if (err)
			goto out_free_rule;
		err = -ENOMEM;
	}
	r->info.text = r->text;
	r->info.origin = r->origin;
	r->info.line = p->first_line;
	if (p->chain_tail)
		return chain_link(p, r);

	if (grow((void **)&p->pend, &p->cap_pend, p->n_pend + 1,
		 sizeof(*p->pend)) ||
	    idset_reserve(&p->ids, p->n_pend + 1))
		goto out_free_rule;
	idset_put(&p->ids, r->info.id);
	p->pend[p->n_pend++] = r;
	if (r->chained)
		p->chain_tail = p->chain_head = r;
	return 0;

out_free_rule:
	enf_rule_unref(r);
	return err;
}

/* A physical line whose first non-blank byte is '#'. */
static bool is_comment(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && is_blank(s[i]))
		i++;
	return i < n && s[i] == '#';
}

/* Parse @text into pending rules. @origin must outlive the call. */
static int parse_text(struct pctx *p, const char *origin, const char *text,
		      size_t len)
{
	unsigned int line = 1;
	size_t pos = 0;
	int err;

	p->origin = origin;
	if (len > ENF_RULES_FILE_MAX) {
		p->first_line = 0;
		p->n_segs = 0;
		return perr(p, -E2BIG, NO_POS,
			    "rule source larger than %u bytes",
			    ENF_RULES_FILE_MAX);
	}
	while (pos < len) {
		p->len = 0;
		p->n_segs = 0;
		p->first_line = line;
		for (;;) {
			const char *nl = memchr(text + pos, '\n', len - pos);
			size_t end = nl ? (size_t)(nl - text) : len;
			const char *nul = memchr(text + pos, '\0', end - pos);
			size_t e = end;
			bool cont;

			if (nul) {
				p->n_segs = 0;
				p->first_line = line;
				err = perr(p, -EINVAL, NO_POS,
					   "NUL byte in rule text");
				if (p->err)
					p->err->column =
						1 + (unsigned int)(nul - text -
								   pos);
				return err;
			}
			if (e > pos && text[e - 1] == '\r')
				e--;
			/* a comment ends at its line end, backslash or not
			 * (ModSecurity v3; Apache would continue it) */
			cont = nl && e > pos && text[e - 1] == '\\' &&
			       !(line == p->first_line &&
				 is_comment(text + pos, e - pos));
			if (cont)
				e--;
			err = line_append(p, text + pos, e - pos, line);
			if (err)
				return err;
			pos = nl ? end + 1 : len;
			line++;
			if (!cont || pos >= len)
				break;
		}
		err = parse_line(p);
		if (err)
			return err;
	}
	if (p->chain_tail) {
		p->first_line = p->chain_tail->info.line;
		p->n_segs = 0;
		return perr(p, -EINVAL, NO_POS,
			    "rule %u: 'chain' with no rule after it",
			    p->chain_head->info.id);
	}
	return 0;
}

static void pctx_init(struct pctx *p, const struct enf_rules_builder *b,
		      struct enf_rule_error *err)
{
	memset(p, 0, sizeof(*p));
	p->b = b;
	p->err = err;
	p->origin = "";
}

static void pctx_fini(struct pctx *p)
{
	for (size_t i = 0; i < p->n_pend; i++)
		enf_rule_unref(p->pend[i]);
	free(p->pend);
	idset_free(&p->ids);
	free(p->buf);
	free(p->unesc);
	free(p->segs);
}

/* Move the pending rules into the builder; nothing is moved on failure. */
static int commit(struct enf_rules_builder *b, struct pctx *p)
{
	int n = (int)p->n_pend;

	if (grow((void **)&b->rules, &b->cap, b->n + p->n_pend,
		 sizeof(*b->rules)) ||
	    idset_reserve(&b->ids, b->n + p->n_pend))
		return -ENOMEM;
	for (size_t i = 0; i < p->n_pend; i++) {
		idset_put(&b->ids, p->pend[i]->info.id);
		b->rules[b->n++] = p->pend[i];
	}
	p->n_pend = 0;
	return n;
}

int enf_rules_builder_add_text(struct enf_rules_builder *b, const char *text,
			       size_t len, const char *origin,
			       struct enf_rule_error *err)
{
	return enf_rules_builder_add_text_mode(b, text, len, origin, false,
					       err);
}

int enf_rules_builder_add_text_mode(struct enf_rules_builder *b,
				    const char *text, size_t len,
				    const char *origin, bool shadow,
				    struct enf_rule_error *err)
{
	struct pctx p;
	int ret;

	if (!b || (!text && len)) {
		enf_rule_error_set(err, origin, 0, 0, "invalid argument");
		return -EINVAL;
	}
	pctx_init(&p, b, err);
	ret = parse_text(&p, origin ? origin : "<text>", text, len);
	/* the rules are new, held by nobody else yet */
	for (size_t i = 0; !ret && shadow && i < p.n_pend; i++)
		p.pend[i]->info.actions |= ENF_ACT_SHADOW;
	if (!ret)
		ret = commit(b, &p);
	if (ret == -ENOMEM)
		enf_rule_error_set(err, origin, 0, 0, "out of memory");
	pctx_fini(&p);
	return ret;
}

static void err_errno(struct enf_rule_error *err, const char *origin,
		      const char *what, int e)
{
	char buf[128];

	enf_rule_error_set(err, origin, 0, 0, "%s: %s", what,
			   strerror_r(e, buf, sizeof(buf)));
}

/* Read a whole file of at most ENF_RULES_FILE_MAX bytes; @st its stat. */
static int read_file(const char *path, char **out, size_t *out_len,
		     struct stat *st, struct enf_rule_error *err)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int fd, ret;

	/* O_NONBLOCK: a FIFO or a device opens without waiting for a writer,
	 * to be refused below as not a regular file */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		ret = -errno;
		err_errno(err, path, "cannot open", -ret);
		return ret;
	}
	if (fstat(fd, st)) {
		ret = -errno;
		err_errno(err, path, "cannot stat", -ret);
		goto out_close;
	}
	if (!S_ISREG(st->st_mode)) {
		ret = S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
		enf_rule_error_set(err, path, 0, 0, "not a regular file");
		goto out_close;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb;

			if (cap > ENF_RULES_FILE_MAX) {
				ret = -E2BIG;
				enf_rule_error_set(err, path, 0, 0,
						   "file larger than %u bytes",
						   ENF_RULES_FILE_MAX);
				goto out_free_buf;
			}
			nb = realloc(buf, ncap);
			if (!nb) {
				ret = -ENOMEM;
				enf_rule_error_set(err, path, 0, 0,
						   "out of memory");
				goto out_free_buf;
			}
			buf = nb;
			cap = ncap;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			err_errno(err, path, "cannot read", -ret);
			goto out_free_buf;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	if (len > ENF_RULES_FILE_MAX) {
		ret = -E2BIG;
		enf_rule_error_set(err, path, 0, 0, "file larger than %u bytes",
				   ENF_RULES_FILE_MAX);
		goto out_free_buf;
	}
	*out = buf;
	*out_len = len;
	close(fd);
	return 0;

out_free_buf:
	free(buf);
out_close:
	close(fd);
	return ret;
}

static int parse_file(struct pctx *p, const char *path)
{
	size_t len = 0;
	char *text = NULL;
	struct stat st;
	int ret;

	if (p->n_files >= ENF_RULES_SOURCE_FILES_MAX) {
		enf_rule_error_set(p->err, path, 0, 0,
				   "more than %d files in one rule source",
				   ENF_RULES_SOURCE_FILES_MAX);
		return -E2BIG;
	}
	p->n_files++;
	ret = read_file(path, &text, &len, &st, p->err);
	if (ret)
		return ret;
	ret = parse_read(p, path, text, len, &st);
	if (ret == -ENOMEM)
		enf_rule_error_set(p->err, path, 0, 0, "out of memory");
	free(text);
	return ret;
}

int enf_rules_builder_add_file(struct enf_rules_builder *b, const char *path,
			       struct enf_rule_error *err)
{
	struct pctx p;
	int ret;

	if (!b || !path) {
		enf_rule_error_set(err, path, 0, 0, "invalid argument");
		return -EINVAL;
	}
	pctx_init(&p, b, err);
	ret = parse_file(&p, path);
	if (!ret) {
		ret = commit(b, &p);
		if (ret == -ENOMEM)
			enf_rule_error_set(err, path, 0, 0, "out of memory");
	}
	pctx_fini(&p);
	return ret;
}

static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".conf");
}

int enf_rules_builder_add_dir(struct enf_rules_builder *b, const char *dir,
			      struct enf_rule_error *err)
{
	char **names = NULL, path[PATH_MAX];
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct pctx p;
	DIR *d;
	int ret = 0;

	if (!b || !dir) {
		enf_rule_error_set(err, dir, 0, 0, "invalid argument");
		return -EINVAL;
	}
	d = opendir(dir);
	if (!d) {
		ret = -errno;
		err_errno(err, dir, "cannot open directory", -ret);
		return ret;
	}
	while ((errno = 0, de = readdir(d))) {
		if (!is_conf_name(de->d_name))
			continue;
		if (n == ENF_RULES_DIR_MAX) {
			ret = -E2BIG;
			enf_rule_error_set(err, dir, 0, 0,
					   "more than %d .conf files",
					   ENF_RULES_DIR_MAX);
			goto out_free_names;
		}
		if (grow((void **)&names, &cap, n + 1, sizeof(*names)))
			goto out_nomem;
		names[n] = strdup(de->d_name);
		if (!names[n])
			goto out_nomem;
		n++;
	}
	if (errno) {
		ret = -errno;
		err_errno(err, dir, "cannot read directory", -ret);
		goto out_free_names;
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);

	pctx_init(&p, b, err);
	for (size_t i = 0; i < n && !ret; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     names[i]) >= sizeof(path)) {
			ret = -ENAMETOOLONG;
			enf_rule_error_set(err, dir, 0, 0, "path too long");
			break;
		}
		ret = parse_file(&p, path);
	}
	if (!ret) {
		ret = commit(b, &p);
		if (ret == -ENOMEM)
			enf_rule_error_set(err, dir, 0, 0, "out of memory");
	}
	pctx_fini(&p);
	goto out_free_names;

out_nomem:
	ret = -ENOMEM;
	enf_rule_error_set(err, dir, 0, 0, "out of memory");
out_free_names:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return ret;
}
