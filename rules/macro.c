// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The %{...} macros of msg: and logdata:, parsed once with the rule and
 * expanded when a rule is reported. What a macro expands to may come from
 * the request (a peer's bytes): it is escaped, so that a report carries no
 * control byte and no invalid UTF-8 to a terminal, a log or the audit row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules/rules_internal.h"

static const struct {
	const char *name;
	enum enf_macro_kind kind;
} macro_defs[] = {
	{ "MATCHED_VAR", ENF_M_MATCHED_VAR },
	{ "MATCHED_VAR_NAME", ENF_M_MATCHED_VAR_NAME },
	{ "REQUEST_METHOD", ENF_M_REQUEST_METHOD },
	{ "REQUEST_URI", ENF_M_REQUEST_URI },
	{ "REMOTE_ADDR", ENF_M_REMOTE_ADDR },
	{ "PROCESS_EXE", ENF_M_PROCESS_EXE },
	{ "PROCESS_COMM", ENF_M_PROCESS_COMM },
	{ "RULE.id", ENF_M_RULE_ID },
	{ "RULE.msg", ENF_M_RULE_MSG },
};

static bool macro_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	       c == '-';
}

/* The macro @name (@n bytes) as a part; false when it names none. */
static bool macro_lookup(const char *name, size_t n, struct enf_macro_part *pt)
{
	/* TX.N, also TX:N, either case */
	if (n == 4 && enf_memcaseeq(name, "TX", 2) &&
	    (name[2] == '.' || name[2] == ':') && name[3] >= '0' &&
	    name[3] <= '9') {
		pt->kind = ENF_M_TX;
		pt->tx = (uint8_t)(name[3] - '0');
		return true;
	}
	for (size_t i = 0; i < sizeof(macro_defs) / sizeof(macro_defs[0]);
	     i++) {
		if (strlen(macro_defs[i].name) == n &&
		    enf_memcaseeq(name, macro_defs[i].name, n)) {
			pt->kind = (uint8_t)macro_defs[i].kind;
			return true;
		}
	}
	return false;
}

static int part_add(struct enf_macro_tpl *tpl, size_t *cap,
		    const struct enf_macro_part *pt)
{
	struct enf_macro_part *np;

	if (pt->kind == ENF_M_TEXT && !pt->len)
		return 0;
	if (tpl->n_parts == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;

		np = realloc(tpl->parts, ncap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		tpl->parts = np;
		*cap = ncap;
	}
	tpl->parts[tpl->n_parts++] = *pt;
	return 0;
}

int enf_macro_parse(struct enf_macro_tpl *tpl, const char *text, size_t len,
		    bool strict, size_t *err_off, char *msg, size_t msg_len)
{
	struct enf_macro_part text_pt = { .kind = ENF_M_TEXT };
	size_t i = 0, cap = 0;
	int err;

	memset(tpl, 0, sizeof(*tpl));
	tpl->text = text;
	while (i < len) {
		struct enf_macro_part pt = { 0 };
		size_t s = i, j;

		if (text[i] != '%' || i + 1 >= len || text[i + 1] != '{') {
			i++;
			continue;
		}
		for (j = i + 2; j < len && macro_name_char(text[j]); j++)
			;
		if (j == len || text[j] != '}') {
			if (!strict) {
				i += 2;
				continue;
			}
			*err_off = s;
			snprintf(msg, msg_len,
				 "unterminated macro '%.*s' (%%{NAME})",
				 (int)((j - s) > 40 ? 40 : j - s), text + s);
			err = -EINVAL;
			goto out_free;
		}
		if (!macro_lookup(text + i + 2, j - i - 2, &pt)) {
			if (!strict) {
				i = j + 1;
				continue;
			}
			*err_off = s;
			snprintf(
				msg, msg_len,
				"unknown macro '%%{%.*s}' (TX.0-TX.9, MATCHED_VAR, MATCHED_VAR_NAME, REQUEST_METHOD, REQUEST_URI, REMOTE_ADDR, PROCESS_EXE, PROCESS_COMM, RULE.id, RULE.msg)",
				(int)((j - i - 2) > 40 ? 40 : j - i - 2),
				text + i + 2);
			err = -EINVAL;
			goto out_free;
		}
		text_pt.len = (uint32_t)(s - text_pt.off);
		err = part_add(tpl, &cap, &text_pt);
		if (!err)
			err = part_add(tpl, &cap, &pt);
		if (err)
			goto out_free;
		tpl->n_macros++;
		tpl->tx |= pt.kind == ENF_M_TX;
		tpl->origin |= pt.kind == ENF_M_REMOTE_ADDR ||
			       pt.kind == ENF_M_PROCESS_EXE ||
			       pt.kind == ENF_M_PROCESS_COMM;
		i = j + 1;
		text_pt.off = (uint32_t)i;
	}
	if (!tpl->n_macros) {
		/* nothing to expand: the text is used as it is */
		free(tpl->parts);
		tpl->parts = NULL;
		tpl->n_parts = 0;
		return 0;
	}
	text_pt.len = (uint32_t)(len - text_pt.off);
	err = part_add(tpl, &cap, &text_pt);
	if (err)
		goto out_free;
	return 0;

out_free:
	enf_macro_free(tpl);
	return err;
}

void enf_macro_free(struct enf_macro_tpl *tpl)
{
	if (!tpl)
		return;
	free(tpl->parts);
	tpl->parts = NULL;
	tpl->n_parts = tpl->n_macros = 0;
}

/* Bytes of the valid UTF-8 character at @v (@n bytes left), 0 when none
 * starts there (no overlong forms, no surrogates, at most U+10FFFF). */
static size_t utf8_char(const unsigned char *v, size_t n)
{
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (v[0] >= 0xc2 && v[0] <= 0xdf)
		need = 2;
	else if (v[0] >= 0xe0 && v[0] <= 0xef)
		need = 3;
	else if (v[0] >= 0xf0 && v[0] <= 0xf4)
		need = 4;
	else
		return 0;
	if (n < need)
		return 0;
	if (v[0] == 0xe0)
		lo = 0xa0;
	else if (v[0] == 0xed)
		hi = 0x9f;
	else if (v[0] == 0xf0)
		lo = 0x90;
	else if (v[0] == 0xf4)
		hi = 0x8f;
	if (v[1] < lo || v[1] > hi)
		return 0;
	for (size_t k = 2; k < need; k++)
		if (v[k] < 0x80 || v[k] > 0xbf)
			return 0;
	return need;
}

bool enf_escape_append(char *out, size_t cap, size_t *o, const char *v,
		       size_t vl)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)v;
	size_t i = 0;

	while (i < vl) {
		char tmp[4];
		const char *src = (const char *)u + i;
		size_t n = 1, step = 1;

		if (u[i] < 0x20 || u[i] == 0x7f) {
			goto hex_byte;
		} else if (u[i] == '\\') {
			src = "\\\\";
			n = 2;
		} else if (u[i] >= 0x80) {
			n = step = utf8_char(u + i, vl - i);
			if (!n)
				goto hex_byte;
		}
		goto put;
hex_byte:
		step = 1;
		tmp[0] = '\\';
		tmp[1] = 'x';
		tmp[2] = hex[u[i] >> 4];
		tmp[3] = hex[u[i] & 15];
		src = tmp;
		n = 4;
put:
		if (*o + n + 1 > cap)
			return false;
		memcpy(out + *o, src, n);
		*o += n;
		i += step;
	}
	return true;
}

/* Append @v as written (the rule's own text), whole characters only. */
static bool text_append(char *out, size_t cap, size_t *o, const char *v,
			size_t vl)
{
	if (*o + vl + 1 <= cap) {
		memcpy(out + *o, v, vl);
		*o += vl;
		return true;
	}
	vl = cap - 1 - *o;
	/* back off a UTF-8 character cut in the middle */
	while (vl && ((unsigned char)v[vl] & 0xc0) == 0x80)
		vl--;
	memcpy(out + *o, v, vl);
	*o += vl;
	return false;
}

/* A value that is absent expands to nothing. */
static bool part_value(const struct enf_macro_part *pt,
		       const struct enf_macro_env *env, const char **v,
		       size_t *vl, char *num, size_t num_len)
{
	const struct enf_request *req = env->req;
	const struct enf_req_origin *o = req ? req->origin : NULL;
	const struct enf_rule_match *m = env->m;
	const struct enf_str *s = NULL;
	const char *c = NULL;

	switch (pt->kind) {
	case ENF_M_TX:
		if (!env->tx || !(env->tx->set & (1u << pt->tx)))
			return false;
		*v = env->tx->val[pt->tx];
		*vl = env->tx->len[pt->tx];
		return true;
	case ENF_M_MATCHED_VAR:
		if (!m)
			return false;
		*v = m->value;
		*vl = m->value_len;
		return true;
	case ENF_M_MATCHED_VAR_NAME:
		c = m ? m->var : NULL;
		break;
	case ENF_M_REQUEST_METHOD:
		s = req ? &req->method : NULL;
		break;
	case ENF_M_REQUEST_URI:
		if (req)
			s = req->uri_decoded.ptr ? &req->uri_decoded :
						   &req->uri;
		break;
	case ENF_M_REMOTE_ADDR:
		c = env->remote_addr;
		break;
	case ENF_M_PROCESS_EXE:
		c = o ? o->exe : NULL;
		break;
	case ENF_M_PROCESS_COMM:
		c = o ? o->comm : NULL;
		break;
	case ENF_M_RULE_ID:
		if (!m || !m->rule)
			return false;
		*vl = (size_t)snprintf(num, num_len, "%u", m->rule->id);
		*v = num;
		return true;
	case ENF_M_RULE_MSG:
		c = m && m->rule ? m->rule->msg : NULL;
		break;
	}
	if (s && s->ptr) {
		*v = s->ptr;
		*vl = s->len;
		return true;
	}
	if (c) {
		*v = c;
		*vl = strlen(c);
		return true;
	}
	return false;
}

/* @tpl expanded within @cap bytes; false when something did not fit. */
static bool expand_in(const struct enf_macro_tpl *tpl,
		      const struct enf_macro_env *env, char *out, size_t cap,
		      size_t *o)
{
	bool fit = true;

	*o = 0;
	if (!tpl->n_macros)
		return text_append(out, cap, o, tpl->text, strlen(tpl->text));
	for (size_t i = 0; i < tpl->n_parts && fit; i++) {
		const struct enf_macro_part *pt = &tpl->parts[i];
		const char *v;
		size_t vl;
		char num[16];

		if (pt->kind == ENF_M_TEXT)
			fit = text_append(out, cap, o, tpl->text + pt->off,
					  pt->len);
		else if (part_value(pt, env, &v, &vl, num, sizeof(num)))
			fit = enf_escape_append(out, cap, o, v, vl);
	}
	return fit;
}

size_t enf_macro_expand(const struct enf_macro_tpl *tpl,
			const struct enf_macro_env *env, char *out, size_t cap)
{
	size_t o = 0;

	if (!cap)
		return 0;
	/* Each step writes whole characters and escapes: what did not fit
	 * is expanded again 3 bytes shorter, and "..." says it was cut. */
	if (!expand_in(tpl, env, out, cap, &o) && cap > 4) {
		expand_in(tpl, env, out, cap - 3, &o);
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return o;
}

size_t enf_rules_escape(char *out, size_t cap, const char *v, size_t vl,
			bool *cut)
{
	size_t o = 0;
	bool all;

	if (!cap) {
		if (cut)
			*cut = vl > 0;
		return 0;
	}
	all = enf_escape_append(out, cap, &o, v, vl);
	out[o] = '\0';
	if (cut)
		*cut = !all;
	return o;
}
