// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a request's head and body imply, the same for HTTP/1 and HTTP/2
 * (enf_http_derive(), declared in http_internal.h).
 *
 * Target, path, query. The target is split at its first '?'. An
 * absolute-form target ("http://h:p/x?q", RFC 9112 3.2.2) gives its path
 * part: path "/x", query "q" (an empty path stays empty: "http://h" has
 * path ""); @uri stays the whole target. uri_decoded (the target from its
 * path on: no scheme or authority, as ModSecurity v3's REQUEST_URI) and
 * path_decoded are percent-decoded once: '+' stays '+', "%252e" gives "%2e", "%00" gives a
 * NUL byte, a '%' without two hex digits is kept and sets
 * ENF_ANOM_BAD_ESCAPE. ARGS_GET are the query's pieces (args.c: '+' is a
 * space there).
 *
 * Host. Given by the protocol (HTTP/2's :authority) it is kept. Otherwise
 * the authority of an absolute-form target wins over any Host header (RFC
 * 9112 3.2.2), without a "userinfo@" (no Host header carries one); an
 * empty authority falls back to the Host header. Else the first Host
 * header, OWS trimmed. A second Host header sets ENF_ANOM_DUP_HOST in every
 * case.
 *
 * Cookies. Every Cookie header in order, split at ';', each piece OWS
 * trimmed (empty ones skipped) and split at its first '=' (none: the piece
 * is the name, the value empty). Not decoded, as ModSecurity: names and
 * values point into the header values. Capped at max_args.
 *
 * Body type: the first Content-Type header, its type/subtype compared
 * without case: application/x-www-form-urlencoded, application/json or any
 * "+json" subtype, multipart/form-data; other types, or no Content-Type,
 * are ENF_BODY_OTHER; no body bytes and a body_len of 0 are ENF_BODY_NONE.
 * Parameters are token or quoted-string; boundary and charset are read.
 *
 * ARGS_POST
 * - urlencoded: as the query string (an escape cut by max_body dropped);
 * - JSON, named as ModSecurity v3 names them, so that rules written for it
 *   (CRS exclusions such as ARGS:json.user.name) mean the same here: the
 *   top-level container is "json"; a member is its container's name, '.',
 *   its key ("empty-key" for ""); an array element is its container's name
 *   and ".array_<index>" counted from 0. {"a":{"b":1},"c":[true,{"d":null}]}
 *   gives json.a.b=1, json.c.array_0=true, json.c.array_1.d=null; [1] gives
 *   json.array_0=1, a top-level scalar "x" gives json=x. Empty containers
 *   give nothing. Strings are unescaped (\uXXXX to UTF-8, surrogate pairs
 *   joined, a lone surrogate encoded as its own three bytes, \u0000 a NUL
 *   byte); numbers, true, false and null are their text as written. The
 *   parser is iterative (an explicit stack of max_json_depth levels): a
 *   container past it sets ENF_ANOM_JSON_DEPTH_LIMIT and parsing stops;
 *   any syntax error (RFC 8259: no trailing commas, no bare control bytes
 *   in strings, no leading zeros, one value only) sets ENF_ANOM_BAD_JSON,
 *   the arguments before it kept. Names and values together are held to
 *   twice the body plus 8 KiB (names repeat their containers' names); past
 *   that ENF_ANOM_ARGS_LIMIT, as past max_args.
 * - multipart/form-data: a delimiter is "--" boundary at the start of the
 *   body or of a line, then optional spaces and a CRLF or LF (LF alone:
 *   ENF_ANOM_BARE_LF), or "--" boundary "--" (the close: what follows is
 *   the epilogue). Before the first delimiter is the preamble, ignored. A
 *   line that starts with "--" boundary and is not a delimiter stays in the
 *   value but sets ENF_ANOM_BAD_MULTIPART: parsers that match the boundary
 *   as a prefix would split there. Each part: header lines to an empty line
 *   (CRLF or LF), its value up to the line break before the next delimiter.
 *   Its Content-Disposition must be form-data with a name parameter
 *   (quoted-string escapes undone); a part without one is skipped and sets
 *   ENF_ANOM_BAD_MULTIPART, as do a second Content-Disposition or a second
 *   name or filename, a folded or colon-less header line, an unterminated
 *   quote, a missing or empty boundary (nothing parsed), a boundary over
 *   70 bytes or with bytes RFC 2046 does not allow (parsed anyway), and a
 *   body that ends without the close delimiter. A part with a filename (or
 *   filename*, taken as sent when there is no filename) is a file: its
 *   argument is its field name with the filename as value (FILES_NAMES and
 *   FILES hold no content here); any other part's argument is its content.
 *   Parts past max_parts set ENF_ANOM_MULTIPART_LIMIT and end the parse.
 * - A body cut at max_body (body.len < body_len) of one of these types sets
 *   ENF_ANOM_BODY_ARGS_PARTIAL and gives the arguments of the bytes kept,
 *   the last one possibly cut (a JSON string or number so far, a multipart
 *   value so far); ending early is then no BAD_JSON or BAD_MULTIPART.
 *
 * Every list is capped at max_args (ENF_ANOM_ARGS_LIMIT, parsing goes on to
 * find syntax errors). Memory lives in @d and is reused.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "http_internal.h"

/* Bytes of JSON names and values allowed beyond twice the body. */
#define JSON_NAME_SLACK 8192
/* Room kept per JSON level for what the input does not hold: a name such
 * as "json" or "empty-key" and a separator or ".array_<n>". */
#define JSON_LEVEL_ROOM 32
/* RFC 2046 5.1.1 */
#define MP_BOUNDARY_MAX 70

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static struct enf_str mkstr(const char *p, size_t n)
{
	struct enf_str s = { .ptr = p, .len = n };

	return s;
}

static struct enf_str trim_ows(const char *p, size_t n)
{
	while (n && is_ows(p[0])) {
		p++;
		n--;
	}
	while (n && is_ows(p[n - 1]))
		n--;
	return mkstr(p, n);
}

static bool str_ieq(struct enf_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len == n && enf_http_ieq(s.ptr, lit, n);
}

/* Does @s end in @lit, without case? */
static bool str_iends(struct enf_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.len >= n && enf_http_ieq(s.ptr + s.len - n, lit, n);
}

/* The value of the first header named @name, and how many there are. */
static const struct enf_field *header_find(const struct enf_request *req,
					   const char *name, size_t *count)
{
	const struct enf_field *first = NULL;
	size_t i;

	*count = 0;
	for (i = 0; i < req->n_headers; i++) {
		if (!str_ieq(req->headers[i].name, name))
			continue;
		if (!first)
			first = &req->headers[i];
		(*count)++;
	}
	return first;
}

/*
 * Argument lists built into a buffer that may move while they grow: names
 * and values are appended in order and only their lengths recorded; the
 * pointers are set by out_finish().
 */
struct out {
	struct enf_http_args *a;
	size_t used;
	size_t max_bytes;
	size_t max_args;
	uint64_t *anom;
	bool full;
};

static void out_start(struct out *o, struct enf_http_args *a, size_t max_args,
		      size_t max_bytes, uint64_t *anom)
{
	o->a = a;
	o->used = 0;
	o->max_bytes = max_bytes;
	o->max_args = max_args;
	o->anom = anom;
	o->full = false;
	a->n = 0;
}

/* Adds the argument [name, name + nlen) = [val, val + vlen); neither may
 * point into the list's buffer. Past a cap: ENF_ANOM_ARGS_LIMIT, and no
 * more arguments. */
static int out_add(struct out *o, const char *name, size_t nlen,
		   const char *val, size_t vlen)
{
	struct enf_http_args *a = o->a;
	struct enf_field *f;
	int err;

	if (o->full)
		return 0;
	if (a->n == o->max_args || nlen > o->max_bytes - o->used ||
	    vlen > o->max_bytes - o->used - nlen) {
		*o->anom |= ENF_ANOM_ARGS_LIMIT;
		o->full = true;
		return 0;
	}
	err = enf_http_grow((void **)&a->args, &a->cap, a->n + 1,
			    sizeof(*a->args), o->max_args);
	if (err)
		return err;
	err = enf_http_grow((void **)&a->buf, &a->buf_cap,
			    o->used + nlen + vlen, 1, o->max_bytes);
	if (err)
		return err;
	if (nlen)
		memcpy(a->buf + o->used, name, nlen);
	o->used += nlen;
	if (vlen)
		memcpy(a->buf + o->used, val, vlen);
	o->used += vlen;
	f = &a->args[a->n++];
	f->name = mkstr(NULL, nlen);
	f->value = mkstr(NULL, vlen);
	return 0;
}

static void out_finish(struct out *o)
{
	const char *b = o->a->buf ? o->a->buf : "";
	size_t i, off = 0;

	for (i = 0; i < o->a->n; i++) {
		struct enf_field *f = &o->a->args[i];

		f->name.ptr = b + off;
		off += f->name.len;
		f->value.ptr = b + off;
		off += f->value.len;
	}
}

/* The length of an absolute-form target's scheme and "://", 0 if none. */
static size_t uri_scheme_len(const char *u, size_t n)
{
	size_t i;

	if (!n || !is_alpha(u[0]))
		return 0;
	for (i = 1; i < n; i++)
		if (!is_alpha(u[i]) && !is_digit(u[i]) && u[i] != '+' &&
		    u[i] != '-' && u[i] != '.')
			break;
	if (n - i >= 3 && !memcmp(u + i, "://", 3))
		return i + 3;
	return 0;
}

/* Path, query, their decoded forms; @auth: an absolute-form authority. */
static int derive_uri(struct enf_http_derive *d, struct enf_request *req,
		      struct enf_str *auth, uint64_t *anom)
{
	const char *u = req->uri.ptr ? req->uri.ptr : "";
	size_t n = req->uri.len, start = 0, plen, scheme, w;
	const char *qm;
	int err;

	*auth = mkstr("", 0);
	scheme = uri_scheme_len(u, n);
	if (scheme) {
		start = scheme;
		while (start < n && u[start] != '/' && u[start] != '?' &&
		       u[start] != '#')
			start++;
		*auth = mkstr(u + scheme, start - scheme);
	}
	qm = memchr(u + start, '?', n - start);
	plen = qm ? (size_t)(qm - (u + start)) : n - start;
	req->path = mkstr(u + start, plen);
	req->query = qm ? mkstr(qm + 1, n - start - plen - 1) : mkstr(u + n, 0);

	/* decoding never lengthens: the URI and the path fit */
	err = enf_http_grow((void **)&d->uri, &d->uri_cap, n + plen, 1,
			    n + plen);
	if (err)
		return err;
	if (!d->uri) {
		req->uri_decoded = mkstr("", 0);
		req->path_decoded = mkstr("", 0);
		return 0;
	}
	w = enf_http_pct_decode(u + start, n - start, d->uri, false, anom);
	req->uri_decoded = mkstr(d->uri, w);
	req->path_decoded =
		mkstr(d->uri + w, enf_http_pct_decode(req->path.ptr, plen,
						      d->uri + w, false, anom));
	return 0;
}

static void derive_host(struct enf_request *req, struct enf_str auth,
			uint64_t *anom)
{
	const struct enf_field *h;
	const char *at;
	size_t count;

	h = header_find(req, "Host", &count);
	if (count > 1)
		*anom |= ENF_ANOM_DUP_HOST;
	if (req->host.ptr && req->host.len)
		return;
	at = auth.len ? memrchr(auth.ptr, '@', auth.len) : NULL;
	if (at)
		auth = mkstr(at + 1, auth.len - (size_t)(at + 1 - auth.ptr));
	if (auth.len) {
		req->host = auth;
		return;
	}
	req->host = h ? trim_ows(h->value.ptr, h->value.len) : mkstr("", 0);
}

static int derive_cookies(struct enf_http_derive *d, struct enf_request *req,
			  const struct enf_http_limits *lim, uint64_t *anom)
{
	struct enf_http_args *a = &d->cookies;
	size_t i;
	int err = 0;

	a->n = 0;
	for (i = 0; i < req->n_headers; i++) {
		const char *v = req->headers[i].value.ptr;
		size_t vlen = req->headers[i].value.len, pos = 0;

		if (!str_ieq(req->headers[i].name, "Cookie"))
			continue;
		while (pos < vlen) {
			const char *semi = memchr(v + pos, ';', vlen - pos);
			size_t end = semi ? (size_t)(semi - v) : vlen;
			struct enf_str piece = trim_ows(v + pos, end - pos);
			struct enf_field *f;
			const char *eq;

			pos = end + 1;
			if (!piece.len)
				continue;
			if (a->n == lim->max_args) {
				*anom |= ENF_ANOM_ARGS_LIMIT;
				goto out;
			}
			err = enf_http_grow((void **)&a->args, &a->cap,
					    a->n + 1, sizeof(*a->args),
					    lim->max_args);
			if (err)
				goto out;
			f = &a->args[a->n++];
			eq = memchr(piece.ptr, '=', piece.len);
			if (!eq) {
				f->name = piece;
				f->value = mkstr(piece.ptr + piece.len, 0);
				continue;
			}
			f->name = mkstr(piece.ptr, (size_t)(eq - piece.ptr));
			f->value = mkstr(eq + 1, piece.len - f->name.len - 1);
		}
	}
out:
	req->cookies = a->args;
	req->n_cookies = a->n;
	return err;
}

/*
 * Header parameters: ";" name "=" (token / quoted-string), OWS around each
 * piece. A quoted value is given without its quotes, escapes still in.
 */
struct param {
	struct enf_str name;
	struct enf_str value;
	bool quoted;
};

/* The next parameter of [s, s + n) from *pos (a ';' or the end): 1, 0 at
 * the end, -1 when malformed (the rest is not read). */
static int param_next(const char *s, size_t n, size_t *pos, struct param *p)
{
	size_t i = *pos, start;
	bool sep = false;

	while (i < n && (is_ows(s[i]) || s[i] == ';')) {
		sep |= s[i] == ';';
		i++;
	}
	*pos = i;
	if (i == n)
		return 0;
	if (!sep)
		return -1;
	start = i;
	while (i < n && s[i] != '=' && s[i] != ';' && !is_ows(s[i]))
		i++;
	p->name = mkstr(s + start, i - start);
	while (i < n && is_ows(s[i]))
		i++;
	if (!p->name.len || i == n || s[i] != '=')
		return -1;
	i++;
	while (i < n && is_ows(s[i]))
		i++;
	if (i < n && s[i] == '"') {
		start = ++i;
		while (i < n && s[i] != '"') {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		if (i >= n)
			return -1;
		p->value = mkstr(s + start, i - start);
		p->quoted = true;
		i++;
	} else {
		start = i;
		while (i < n && s[i] != ';' && !is_ows(s[i]))
			i++;
		p->value = mkstr(s + start, i - start);
		p->quoted = false;
	}
	*pos = i;
	return 1;
}

/* Undoes a quoted-string's escapes into @dst; returns the length. */
static size_t qs_unescape(struct enf_str v, bool quoted, char *dst)
{
	size_t i, w = 0;

	for (i = 0; i < v.len; i++) {
		if (quoted && v.ptr[i] == '\\' && i + 1 < v.len)
			i++;
		dst[w++] = v.ptr[i];
	}
	return w;
}

struct ctype {
	struct enf_str type; /* "type/subtype" */
	struct param boundary;
	bool has_boundary;
	bool dup_boundary;
	bool bad_params;
};

static void ctype_parse(struct enf_http_derive *d, struct enf_str v,
			struct ctype *ct)
{
	const char *semi;
	struct param p;
	size_t pos;
	int r;

	if (!v.ptr)
		v = mkstr("", 0);
	semi = memchr(v.ptr, ';', v.len);
	pos = semi ? (size_t)(semi - v.ptr) : v.len;
	memset(ct, 0, sizeof(*ct));
	ct->type = trim_ows(v.ptr, pos);
	while ((r = param_next(v.ptr, v.len, &pos, &p)) > 0) {
		if (str_ieq(p.name, "boundary")) {
			if (ct->has_boundary) {
				ct->dup_boundary = true;
				continue;
			}
			ct->boundary = p;
			ct->has_boundary = true;
		} else if (str_ieq(p.name, "charset") && !d->charset.len) {
			d->charset = p.value;
		}
	}
	ct->bad_params = r < 0;
}

/* JSON */

struct enf_http_json_level {
	size_t base; /* name length before this container's own name */
	size_t name_end; /* ... and after it */
	size_t count; /* arrays: elements done */
	bool arr;
};

struct json {
	const char *b;
	size_t n;
	size_t i;
	struct enf_http_derive *d;
	size_t depth;
	size_t max_depth;
	size_t plen; /* the name of the current container, in d->name */
	size_t klen; /* the current member's key, at d->name + plen */
	bool partial;
	struct out o;
	int err;
};

enum { J_BAD = -1, J_END = 0, J_DONE = 1 };

/* Four hex digits at [s, s + n): the value, -1 invalid, -2 cut short. */
static long hex4(const char *s, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		int h;

		if (i == n)
			return -2;
		h = enf_http_hexval(s[i]);
		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v;
}

/* UTF-8 of @cp (a lone surrogate as its own three bytes); the length. */
static size_t utf8_put(char *dst, unsigned long cp)
{
	if (cp < 0x80) {
		dst[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		dst[0] = (char)(0xc0 | cp >> 6);
		dst[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		dst[0] = (char)(0xe0 | cp >> 12);
		dst[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		dst[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	dst[0] = (char)(0xf0 | cp >> 18);
	dst[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	dst[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	dst[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The string at j->i (its opening quote), unescaped into @dst, which holds
 * as many bytes as the input has left (unescaping never lengthens: six
 * bytes of \uXXXX give at most three, twelve of a pair four).
 */
static int json_string(struct json *j, char *dst, size_t *len)
{
	const char *b = j->b;
	size_t i = j->i + 1, n = j->n, w = 0;

	while (i < n) {
		unsigned char c = (unsigned char)b[i];
		long cp, lo;

		if (c == '"') {
			j->i = i + 1;
			*len = w;
			return J_DONE;
		}
		if (c < 0x20)
			return J_BAD;
		if (c != '\\') {
			dst[w++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 == n)
			break;
		switch (b[i + 1]) {
		case '"':
		case '\\':
		case '/':
			dst[w++] = b[i + 1];
			break;
		case 'b':
			dst[w++] = '\b';
			break;
		case 'f':
			dst[w++] = '\f';
			break;
		case 'n':
			dst[w++] = '\n';
			break;
		case 'r':
			dst[w++] = '\r';
			break;
		case 't':
			dst[w++] = '\t';
			break;
		case 'u':
			cp = hex4(b + i + 2, n - i - 2);
			if (cp == -1)
				return J_BAD;
			if (cp == -2)
				goto out_end;
			i += 6;
			if (cp >= 0xd800 && cp <= 0xdbff && n - i >= 2 &&
			    b[i] == '\\' && b[i + 1] == 'u') {
				lo = hex4(b + i + 2, n - i - 2);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
					i += 6;
				}
			}
			w += utf8_put(dst + w, (unsigned long)cp);
			continue;
		default:
			return J_BAD;
		}
		i += 2;
	}
out_end:
	j->i = n;
	*len = w;
	return J_END;
}

/* A number at j->i: J_DONE, J_END when the input ends inside one that
 * could go on, J_BAD. */
static int json_number(struct json *j)
{
	const char *b = j->b;
	size_t i = j->i, n = j->n;

	if (b[i] == '-')
		i++;
	if (i == n)
		goto out_end;
	if (b[i] == '0') {
		i++;
	} else if (is_digit(b[i])) {
		while (i < n && is_digit(b[i]))
			i++;
	} else {
		return J_BAD;
	}
	if (i < n && b[i] == '.') {
		if (++i == n)
			goto out_end;
		if (!is_digit(b[i]))
			return J_BAD;
		while (i < n && is_digit(b[i]))
			i++;
	}
	if (i < n && (b[i] == 'e' || b[i] == 'E')) {
		i++;
		if (i < n && (b[i] == '+' || b[i] == '-'))
			i++;
		if (i == n)
			goto out_end;
		if (!is_digit(b[i]))
			return J_BAD;
		while (i < n && is_digit(b[i]))
			i++;
	}
	j->i = i;
	return J_DONE;
out_end:
	j->i = n;
	return J_END;
}

static int json_literal(struct json *j, const char *lit)
{
	size_t l = strlen(lit), avail = j->n - j->i;

	if (memcmp(j->b + j->i, lit, avail < l ? avail : l))
		return J_BAD;
	if (avail < l) {
		j->i = j->n;
		return J_END;
	}
	j->i += l;
	return J_DONE;
}

static void json_set_index(struct json *j, struct enf_http_json_level *lv)
{
	/* JSON_LEVEL_ROOM is kept for it */
	j->plen = lv->name_end + (size_t)snprintf(j->d->name + lv->name_end,
						  JSON_LEVEL_ROOM, ".array_%zu",
						  lv->count);
}

/* A value is done: an array counts it. */
static void json_elem_done(struct json *j)
{
	struct enf_http_json_level *lv;

	j->klen = 0;
	if (!j->depth)
		return;
	lv = &j->d->levels[j->depth - 1];
	if (!lv->arr)
		return;
	lv->count++;
	json_set_index(j, lv);
}

/* The length of the current value's name, written at d->name. */
static size_t json_name(struct json *j)
{
	if (!j->depth) {
		memcpy(j->d->name, "json", 4);
		return 4;
	}
	return j->plen + (j->d->levels[j->depth - 1].arr ? 0 : j->klen);
}

/* Opens a container; false (ENF_ANOM_JSON_DEPTH_LIMIT, or j->err) when it
 * cannot be. */
static bool json_push(struct json *j, bool arr, uint64_t *anom)
{
	struct enf_http_json_level *lv;
	size_t name_end = json_name(j);

	if (j->depth == j->max_depth) {
		*anom |= ENF_ANOM_JSON_DEPTH_LIMIT;
		return false;
	}
	j->err = enf_http_grow((void **)&j->d->levels, &j->d->levels_cap,
			       j->depth + 1, sizeof(*j->d->levels),
			       j->max_depth);
	if (j->err)
		return false;
	lv = &j->d->levels[j->depth++];
	lv->base = j->depth > 1 ? j->plen : 0;
	lv->name_end = name_end;
	lv->count = 0;
	lv->arr = arr;
	if (arr) {
		json_set_index(j, lv);
	} else {
		j->d->name[name_end] = '.';
		j->plen = name_end + 1;
	}
	j->klen = 0;
	return true;
}

static void json_pop(struct json *j)
{
	j->plen = j->d->levels[--j->depth].base;
	json_elem_done(j);
}

/* A string, number or literal at j->i, made an argument. */
static int json_scalar(struct json *j)
{
	const char *val = j->b + j->i;
	size_t vlen = 0, start = j->i;
	int r;

	switch (j->b[j->i]) {
	case '"':
		val = j->d->scratch;
		r = json_string(j, j->d->scratch, &vlen);
		break;
	case 't':
		r = json_literal(j, "true");
		break;
	case 'f':
		r = json_literal(j, "false");
		break;
	case 'n':
		r = json_literal(j, "null");
		break;
	default:
		if (j->b[j->i] != '-' && !is_digit(j->b[j->i]))
			return J_BAD;
		r = json_number(j);
		break;
	}
	if (r == J_BAD)
		return r;
	if (val != j->d->scratch)
		vlen = j->i - start;
	/* a string cut short counts when the body was cut; a number or a
	 * literal cut inside its grammar does not */
	if (r == J_END && (!j->partial || val != j->d->scratch))
		return r;
	j->err = out_add(&j->o, j->d->name, json_name(j), val, vlen);
	if (j->err)
		return J_BAD;
	json_elem_done(j);
	return r;
}

enum {
	JS_VALUE,
	JS_OBJ_FIRST,
	JS_OBJ_KEY,
	JS_COLON,
	JS_ARR_FIRST,
	JS_AFTER,
};

static int json_parse(struct json *j, uint64_t *anom)
{
	int st = JS_VALUE, r;

	for (;;) {
		struct enf_http_json_level *top;
		char c;

		while (j->i < j->n &&
		       (is_ows(j->b[j->i]) || j->b[j->i] == '\n' ||
			j->b[j->i] == '\r'))
			j->i++;
		if (j->i == j->n) {
			if (st == JS_AFTER && !j->depth)
				return 0;
			goto out_end;
		}
		c = j->b[j->i];
		top = j->depth ? &j->d->levels[j->depth - 1] : NULL;
		switch (st) {
		case JS_ARR_FIRST:
			if (c == ']') {
				j->i++;
				json_pop(j);
				st = JS_AFTER;
				break;
			}
			/* fallthrough */
		case JS_VALUE:
			if (c == '{' || c == '[') {
				j->i++;
				if (!json_push(j, c == '[', anom))
					return j->err;
				st = c == '[' ? JS_ARR_FIRST : JS_OBJ_FIRST;
				break;
			}
			r = json_scalar(j);
			if (j->err)
				return j->err;
			if (r == J_BAD)
				goto out_bad;
			if (r == J_END)
				goto out_end;
			st = JS_AFTER;
			break;
		case JS_OBJ_FIRST:
			if (c == '}') {
				j->i++;
				json_pop(j);
				st = JS_AFTER;
				break;
			}
			/* fallthrough */
		case JS_OBJ_KEY:
			if (c != '"')
				goto out_bad;
			r = json_string(j, j->d->name + j->plen, &j->klen);
			if (r == J_BAD)
				goto out_bad;
			if (r == J_END)
				goto out_end;
			if (!j->klen) {
				memcpy(j->d->name + j->plen, "empty-key", 9);
				j->klen = 9;
			}
			st = JS_COLON;
			break;
		case JS_COLON:
			if (c != ':')
				goto out_bad;
			j->i++;
			st = JS_VALUE;
			break;
		case JS_AFTER:
			if (!top)
				goto out_bad;
			if (c == ',') {
				j->i++;
				st = top->arr ? JS_VALUE : JS_OBJ_KEY;
			} else if (c == (top->arr ? ']' : '}')) {
				j->i++;
				json_pop(j);
			} else {
				goto out_bad;
			}
			break;
		}
	}
out_end:
	if (!j->partial)
		*anom |= ENF_ANOM_BAD_JSON;
	return 0;
out_bad:
	*anom |= ENF_ANOM_BAD_JSON;
	return 0;
}

static int derive_json(struct enf_http_derive *d, const struct enf_request *req,
		       const struct enf_http_limits *lim, bool partial,
		       uint64_t *anom)
{
	struct json j = {
		.b = req->body.ptr,
		.n = req->body.len,
		.d = d,
		.max_depth = lim->max_json_depth,
		.partial = partial,
	};
	size_t levels, need;
	int err;

	out_start(&j.o, &d->post, lim->max_args, 2 * j.n + JSON_NAME_SLACK,
		  anom);
	/* a name holds keys of the input and, per level (each opened by a
	 * byte of it), at most JSON_LEVEL_ROOM bytes more */
	levels = j.max_depth < j.n ? j.max_depth : j.n;
	need = j.n + (levels + 2) * JSON_LEVEL_ROOM;
	err = enf_http_grow((void **)&d->name, &d->name_cap, need, 1, need);
	if (err)
		goto out;
	err = enf_http_grow((void **)&d->scratch, &d->scratch_cap, j.n, 1, j.n);
	if (err)
		goto out;
	err = json_parse(&j, anom);
out:
	out_finish(&j.o);
	return err;
}

/* multipart/form-data */

enum { MP_NO, MP_PREFIX, MP_END, MP_DELIM };

struct mp {
	const char *b;
	size_t n;
	const char *dl; /* "--" boundary */
	size_t dlen;
	uint64_t *anom;
};

/* Is there a delimiter line at @k, the start of a line? *next: after it;
 * *close: it is the close delimiter. */
static int mp_delim_at(const struct mp *m, size_t k, size_t *next, bool *close)
{
	size_t i = k + m->dlen;

	*close = false;
	if (m->n - k < m->dlen || memcmp(m->b + k, m->dl, m->dlen))
		return MP_NO;
	if (i < m->n && m->b[i] == '-') {
		if (i + 1 == m->n)
			return MP_END;
		if (m->b[i + 1] == '-') {
			*close = true;
			*next = m->n;
			return MP_DELIM;
		}
	}
	while (i < m->n && is_ows(m->b[i]))
		i++;
	if (i == m->n || (m->b[i] == '\r' && i + 1 == m->n))
		return MP_END;
	if (m->b[i] == '\n') {
		*m->anom |= ENF_ANOM_BARE_LF;
		*next = i + 1;
		return MP_DELIM;
	}
	if (m->b[i] == '\r' && m->b[i + 1] == '\n') {
		*next = i + 2;
		return MP_DELIM;
	}
	return MP_PREFIX;
}

/* The next delimiter line from @from; *at: where it starts. */
static int mp_find(const struct mp *m, size_t from, size_t *at, size_t *next,
		   bool *close)
{
	size_t s = from;

	while (s < m->n) {
		const char *p = memmem(m->b + s, m->n - s, m->dl, m->dlen);
		size_t k;
		int r;

		if (!p)
			break;
		k = (size_t)(p - m->b);
		if (!k || m->b[k - 1] == '\n') {
			r = mp_delim_at(m, k, next, close);
			if (r == MP_DELIM || r == MP_END) {
				*at = k;
				return r;
			}
			*m->anom |= ENF_ANOM_BAD_MULTIPART;
		}
		s = k + 1;
	}
	return MP_NO;
}

struct mp_cd {
	bool seen;
	bool form_data;
	struct param name;
	bool has_name;
	struct param file;
	bool has_file;
	struct param file_ext; /* filename* */
	bool has_file_ext;
};

static void mp_header(const struct mp *m, const char *line, size_t len,
		      struct mp_cd *cd)
{
	const char *colon = memchr(line, ':', len);
	struct enf_str v;
	const char *semi;
	struct param p;
	size_t pos;
	int r;

	if (is_ows(line[0]) || !colon) {
		*m->anom |= ENF_ANOM_BAD_MULTIPART;
		return;
	}
	if (!str_ieq(trim_ows(line, (size_t)(colon - line)),
		     "Content-Disposition"))
		return;
	if (cd->seen) {
		*m->anom |= ENF_ANOM_BAD_MULTIPART;
		return;
	}
	cd->seen = true;
	v = mkstr(colon + 1, len - (size_t)(colon + 1 - line));
	semi = memchr(v.ptr, ';', v.len);
	pos = semi ? (size_t)(semi - v.ptr) : v.len;
	cd->form_data = str_ieq(trim_ows(v.ptr, pos), "form-data");
	while ((r = param_next(v.ptr, v.len, &pos, &p)) > 0) {
		struct param *slot = NULL;
		bool *has = NULL;

		if (str_ieq(p.name, "name")) {
			slot = &cd->name;
			has = &cd->has_name;
		} else if (str_ieq(p.name, "filename")) {
			slot = &cd->file;
			has = &cd->has_file;
		} else if (str_ieq(p.name, "filename*")) {
			slot = &cd->file_ext;
			has = &cd->has_file_ext;
		}
		if (!slot)
			continue;
		if (*has) {
			*m->anom |= ENF_ANOM_BAD_MULTIPART;
			continue;
		}
		*slot = p;
		*has = true;
	}
	if (r < 0)
		*m->anom |= ENF_ANOM_BAD_MULTIPART;
}

/* The argument of a part whose content is [vs, ve). */
static int mp_emit(struct enf_http_derive *d, const struct mp *m, struct out *o,
		   const struct mp_cd *cd, size_t vs, size_t ve)
{
	const struct param *file = cd->has_file	    ? &cd->file :
				   cd->has_file_ext ? &cd->file_ext :
						      NULL;
	size_t need, nlen, flen = 0;
	int err;

	if (!cd->seen || !cd->form_data || !cd->has_name) {
		*m->anom |= ENF_ANOM_BAD_MULTIPART;
		return 0;
	}
	need = cd->name.value.len + (file ? file->value.len : 0);
	err = enf_http_grow((void **)&d->name, &d->name_cap, need, 1, need);
	if (err)
		return err;
	nlen = qs_unescape(cd->name.value, cd->name.quoted, d->name);
	if (!file)
		return out_add(o, d->name, nlen, m->b + vs, ve - vs);
	/* filename* (RFC 5987) is kept as sent */
	if (file == &cd->file)
		flen = qs_unescape(file->value, file->quoted, d->name + nlen);
	else
		flen = qs_unescape(file->value, false, d->name + nlen);
	return out_add(o, d->name, nlen, d->name + nlen, flen);
}

/* Where a part's content ends, given its delimiter line at @at. */
static size_t mp_value_end(const struct mp *m, size_t vs, size_t at)
{
	/* the line break before the delimiter is the delimiter's */
	if (at == vs)
		return vs;
	if (at - 1 > vs && m->b[at - 2] == '\r')
		return at - 2;
	*m->anom |= ENF_ANOM_BARE_LF;
	return at - 1;
}

static bool mp_bchar(char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("'()+_,-./:=? ", c));
}

static int derive_multipart(struct enf_http_derive *d,
			    const struct enf_request *req,
			    const struct enf_http_limits *lim,
			    const struct ctype *ct, bool partial,
			    uint64_t *anom)
{
	struct mp m = { .b = req->body.ptr, .n = req->body.len, .anom = anom };
	size_t blen = ct->boundary.value.len, at = 0, next = 0, parts = 0, i;
	struct out o;
	bool close;
	int r, err = 0;

	out_start(&o, &d->post, lim->max_args, m.n, anom);
	if (ct->dup_boundary || ct->bad_params)
		*anom |= ENF_ANOM_BAD_MULTIPART;
	if (!ct->has_boundary || !blen) {
		*anom |= ENF_ANOM_BAD_MULTIPART;
		goto out;
	}
	err = enf_http_grow((void **)&d->scratch, &d->scratch_cap, blen + 2, 1,
			    blen + 2);
	if (err)
		goto out;
	memcpy(d->scratch, "--", 2);
	blen = qs_unescape(ct->boundary.value, ct->boundary.quoted,
			   d->scratch + 2);
	m.dl = d->scratch;
	m.dlen = blen + 2;
	for (i = 0; i < blen; i++)
		if (!mp_bchar(d->scratch[2 + i]))
			break;
	if (!blen || blen > MP_BOUNDARY_MAX || i < blen ||
	    d->scratch[blen + 1] == ' ')
		*anom |= ENF_ANOM_BAD_MULTIPART;
	if (!blen)
		goto out;

	r = mp_find(&m, 0, &at, &next, &close);
	if (r != MP_DELIM) {
		if (!partial)
			*anom |= ENF_ANOM_BAD_MULTIPART;
		goto out;
	}
	while (!close) {
		struct mp_cd cd = { 0 };
		size_t pos = next, vs, ve;
		bool head_done = false;

		if (parts++ == lim->max_parts) {
			*anom |= ENF_ANOM_MULTIPART_LIMIT;
			goto out;
		}
		while (pos < m.n) {
			const char *lf = memchr(m.b + pos, '\n', m.n - pos);
			size_t le, end;

			if (!lf)
				break;
			le = (size_t)(lf - m.b);
			end = le;
			if (le > pos && m.b[le - 1] == '\r')
				end--;
			else
				*anom |= ENF_ANOM_BARE_LF;
			if (end == pos) {
				pos = le + 1;
				head_done = true;
				break;
			}
			mp_header(&m, m.b + pos, end - pos, &cd);
			pos = le + 1;
		}
		if (!head_done) {
			/* cut inside the part's headers: no argument */
			if (!partial)
				*anom |= ENF_ANOM_BAD_MULTIPART;
			goto out;
		}
		vs = pos;
		r = mp_find(&m, vs, &at, &next, &close);
		ve = r == MP_NO ? m.n : mp_value_end(&m, vs, at);
		err = mp_emit(d, &m, &o, &cd, vs, ve);
		if (err)
			goto out;
		if (r != MP_DELIM) {
			if (!partial)
				*anom |= ENF_ANOM_BAD_MULTIPART;
			goto out;
		}
	}
out:
	out_finish(&o);
	return err;
}

static int derive_urlencoded(struct enf_http_derive *d,
			     const struct enf_request *req,
			     const struct enf_http_limits *lim, bool partial,
			     uint64_t *anom)
{
	const char *b = req->body.ptr;
	size_t n = req->body.len;

	/* an escape cut by the cap is not a bad one */
	if (partial && n && b[n - 1] == '%')
		n--;
	else if (partial && n >= 2 && b[n - 2] == '%' &&
		 enf_http_hexval(b[n - 1]) >= 0)
		n -= 2;
	return enf_http_args_parse(&d->post, b, n, lim->max_args, n, anom);
}

static int derive_body(struct enf_http_derive *d, struct enf_request *req,
		       const struct enf_http_limits *lim, uint64_t *anom)
{
	bool partial = req->body.len < req->body_len;
	const struct enf_field *h;
	struct ctype ct;
	size_t count;
	int err = 0;

	d->post.n = 0;
	req->body_type = ENF_BODY_NONE;
	if (!req->body.len && !req->body_len)
		goto out;
	req->body_type = ENF_BODY_OTHER;
	h = header_find(req, "Content-Type", &count);
	if (!h)
		goto out;
	ctype_parse(d, h->value, &ct);
	if (str_ieq(ct.type, "application/x-www-form-urlencoded")) {
		req->body_type = ENF_BODY_URLENCODED;
		err = derive_urlencoded(d, req, lim, partial, anom);
	} else if (str_ieq(ct.type, "application/json") ||
		   (memchr(ct.type.ptr, '/', ct.type.len) &&
		    str_iends(ct.type, "+json"))) {
		req->body_type = ENF_BODY_JSON;
		err = derive_json(d, req, lim, partial, anom);
	} else if (str_ieq(ct.type, "multipart/form-data")) {
		req->body_type = ENF_BODY_MULTIPART;
		err = derive_multipart(d, req, lim, &ct, partial, anom);
	} else {
		goto out;
	}
	if (partial)
		*anom |= ENF_ANOM_BODY_ARGS_PARTIAL;
out:
	if (err)
		d->post.n = 0;
	req->args_post = d->post.args;
	req->n_args_post = d->post.n;
	return err;
}

int enf_http_derive(struct enf_http_derive *d, struct enf_request *req,
		    const struct enf_http_limits *lim)
{
	struct enf_str auth;
	uint64_t anom = 0;
	int err;

	d->get.n = 0;
	d->post.n = 0;
	d->cookies.n = 0;
	d->charset = mkstr("", 0);
	req->args = NULL;
	req->n_args = 0;
	req->args_post = NULL;
	req->n_args_post = 0;
	req->cookies = NULL;
	req->n_cookies = 0;
	if (!req->body.ptr)
		req->body = mkstr("", 0);

	err = derive_uri(d, req, &auth, &anom);
	if (err)
		goto out;
	derive_host(req, auth, &anom);
	err = enf_http_args_parse(&d->get, req->query.ptr, req->query.len,
				  lim->max_args, req->query.len, &anom);
	req->args = d->get.args;
	req->n_args = d->get.n;
	if (err)
		goto out;
	err = derive_cookies(d, req, lim, &anom);
	if (err)
		goto out;
	err = derive_body(d, req, lim, &anom);
out:
	req->anomalies |= anom;
	return err;
}

void enf_http_derive_release(struct enf_http_derive *d)
{
	enf_http_args_release(&d->get);
	enf_http_args_release(&d->post);
	enf_http_args_release(&d->cookies);
	free(d->uri);
	free(d->name);
	free(d->scratch);
	free(d->levels);
	memset(d, 0, sizeof(*d));
}
