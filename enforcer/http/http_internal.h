/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the parsers of enforcer/http/ share (HTTP/1.1 now, HTTP/2 next):
 * buffers that grow under a cap, and the query-string arguments of a
 * request. Internal to the module.
 */
#ifndef ENFORCER_HTTP_INTERNAL_H
#define ENFORCER_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/* The value of a hex digit, -1 for any other byte. */
static inline int enf_http_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ASCII letters in lowercase, other bytes as they are (no locale). */
static inline unsigned char enf_http_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* Are the @n bytes at @a and @b equal, ASCII letters without case? What
 * strncasecmp() does in the C locale, inlined: the parsers call it a few
 * times a message on short names. */
static inline bool enf_http_ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (enf_http_lower(a[i]) != enf_http_lower(b[i]))
			return false;
	return true;
}

/**
 * enf_http_pct_decode() - percent-decode once
 * @s: the bytes
 * @n: their count
 * @dst: at least @n bytes
 * @plus: '+' is a space (query strings and urlencoded bodies), else kept
 * @anom: ENF_ANOM_BAD_ESCAPE is or-ed in for a '%' not followed by two hex
 *	digits, which is kept as is
 * Return: the bytes written to @dst, at most @n.
 */
size_t enf_http_pct_decode(const char *s, size_t n, char *dst, bool plus,
			   uint64_t *anom);

/**
 * enf_http_grow() - make a buffer hold at least @need elements
 * @buf: the buffer, realloc()ed (NULL to start)
 * @cap: its capacity in elements, updated
 * @need: elements wanted
 * @elem: bytes per element
 * @max: the cap; capacity doubles up to it, never past
 * Return: 0, -E2BIG when @need is over @max, or -ENOMEM.
 */
int enf_http_grow(void **buf, size_t *cap, size_t need, size_t elem,
		  size_t max);

/**
 * struct enf_http_args - query arguments of the request being handed out
 * @args: @n arguments, names and values pointing into @buf
 * @n: arguments parsed
 * @cap: capacity of @args
 * @buf: decoded names and values
 * @buf_cap: capacity of @buf
 */
struct enf_http_args {
	struct enf_field *args;
	size_t n;
	size_t cap;
	char *buf;
	size_t buf_cap;
};

/**
 * enf_http_args_parse() - split a query string into arguments
 * @a: where they go; the previous request's are replaced
 * @q: the query, without its '?'
 * @qlen: its length, at most @max_bytes
 * @max_args: arguments kept; one more sets ENF_ANOM_ARGS_LIMIT
 * @max_bytes: cap on the decoding buffer
 * @anom: ENF_ANOM_* bits are or-ed in here
 *
 * Pieces are separated by '&'; empty ones are skipped. Each is split at its
 * first '=' (none: an empty value). Names and values are percent-decoded
 * with '+' as a space; a '%' not followed by two hex digits is kept as is
 * and sets ENF_ANOM_BAD_ESCAPE.
 * Return: 0, -E2BIG when @qlen is over @max_bytes, or -ENOMEM.
 */
int enf_http_args_parse(struct enf_http_args *a, const char *q, size_t qlen,
			size_t max_args, size_t max_bytes, uint64_t *anom);

/* Frees what @a holds (not @a itself); accepts a zeroed @a. */
void enf_http_args_release(struct enf_http_args *a);

struct enf_http_limits;

/**
 * struct enf_http_derive - what enf_http_derive() keeps for the request
 * being handed out (decoded URI and path, arguments, cookies), reused from
 * request to request; zeroed before first use. The fields below are a
 * start: enforcer/http/derive.c may add its own.
 * @get: ARGS_GET
 * @post: ARGS_POST
 * @cookies: REQUEST_COOKIES
 * @uri: decoded URI then decoded path
 * @uri_cap: capacity of @uri
 * @name: scratch: a JSON argument's name being built, a multipart part's
 *	name and filename unescaped
 * @name_cap: capacity of @name
 * @scratch: scratch: a JSON string being unescaped, a multipart delimiter
 * @scratch_cap: capacity of @scratch
 * @levels: the JSON containers open (derive.c)
 * @levels_cap: capacity of @levels
 * @charset: the charset parameter of the last request's Content-Type, as
 *	sent (quotes removed, escapes not), len 0 when none
 */
struct enf_http_json_level;
struct enf_http_derive {
	struct enf_http_args get;
	struct enf_http_args post;
	struct enf_http_args cookies;
	char *uri;
	size_t uri_cap;
	char *name;
	size_t name_cap;
	char *scratch;
	size_t scratch_cap;
	struct enf_http_json_level *levels;
	size_t levels_cap;
	struct enf_str charset;
};

/**
 * enf_http_derive() - fill in what a request's head and body imply, the
 * same for HTTP/1 and HTTP/2
 * @d: its buffers (valid until the next call or the release)
 * @req: in: method, uri, protocol, headers, body, body_len, anomalies, and
 *	host when the protocol gave one (HTTP/2's :authority); out: path,
 *	query, uri_decoded, path_decoded, host (when not given), args,
 *	args_post, cookies, body_type; anomalies are or-ed in
 * @lim: the caps (enf_http_limits_resolve()d)
 *
 * How each field is derived (absolute-form targets, cookies, JSON argument
 * names, multipart parts, partial bodies) is described at the top of
 * enforcer/http/derive.c.
 * Return: 0, or -ENOMEM (the request cannot be handed out whole).
 */
int enf_http_derive(struct enf_http_derive *d, struct enf_request *req,
		    const struct enf_http_limits *lim);

/* Frees what @d holds (not @d itself); accepts a zeroed @d. */
void enf_http_derive_release(struct enf_http_derive *d);

#endif /* ENFORCER_HTTP_INTERNAL_H */
