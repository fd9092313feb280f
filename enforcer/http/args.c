// SPDX-License-Identifier: GPL-2.0-or-later
/* Buffers under a cap, and query-string arguments (see http_internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "http_internal.h"

int enf_http_grow(void **buf, size_t *cap, size_t need, size_t elem, size_t max)
{
	size_t ncap;
	void *nbuf;

	if (need <= *cap)
		return 0;
	/* callers check their caps first: more is a bug, refused */
	if (need > max)
		return -E2BIG;
	ncap = *cap ? *cap : 16;
	while (ncap < need)
		ncap = ncap > max / 2 ? max : ncap * 2;
	if (ncap > max)
		ncap = max;
	nbuf = realloc(*buf, ncap * elem);
	if (!nbuf)
		return -ENOMEM;
	*buf = nbuf;
	*cap = ncap;
	return 0;
}

size_t enf_http_pct_decode(const char *s, size_t n, char *dst, bool plus,
			   uint64_t *anom)
{
	size_t i, w = 0;

	for (i = 0; i < n; i++) {
		int hi = -1, lo = -1;

		if (plus && s[i] == '+') {
			dst[w++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			dst[w++] = s[i];
			continue;
		}
		if (i + 2 < n) {
			hi = enf_http_hexval(s[i + 1]);
			lo = enf_http_hexval(s[i + 2]);
		}
		if (hi < 0 || lo < 0) {
			*anom |= ENF_ANOM_BAD_ESCAPE;
			dst[w++] = '%';
			continue;
		}
		dst[w++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return w;
}

int enf_http_args_parse(struct enf_http_args *a, const char *q, size_t qlen,
			size_t max_args, size_t max_bytes, uint64_t *anom)
{
	size_t i = 0, w = 0;
	int err;

	a->n = 0;
	if (!qlen)
		return 0;
	/* decoding never lengthens: the query's size is enough */
	err = enf_http_grow((void **)&a->buf, &a->buf_cap, qlen, 1, max_bytes);
	if (err)
		return err;
	while (i < qlen) {
		const char *piece = q + i, *amp, *eq;
		size_t plen, nlen;
		struct enf_field *f;

		amp = memchr(piece, '&', qlen - i);
		plen = amp ? (size_t)(amp - piece) : qlen - i;
		i += plen + 1;
		if (!plen)
			continue;
		if (a->n == max_args) {
			*anom |= ENF_ANOM_ARGS_LIMIT;
			break;
		}
		err = enf_http_grow((void **)&a->args, &a->cap, a->n + 1,
				    sizeof(*a->args), max_args);
		if (err)
			return err;
		f = &a->args[a->n++];
		eq = memchr(piece, '=', plen);
		nlen = eq ? (size_t)(eq - piece) : plen;
		f->name.ptr = a->buf + w;
		f->name.len = enf_http_pct_decode(piece, nlen, a->buf + w, true,
						  anom);
		w += f->name.len;
		f->value.ptr = a->buf + w;
		f->value.len = eq ? enf_http_pct_decode(eq + 1, plen - nlen - 1,
							a->buf + w, true,
							anom) :
				    0;
		w += f->value.len;
	}
	return 0;
}

void enf_http_args_release(struct enf_http_args *a)
{
	free(a->args);
	free(a->buf);
	a->args = NULL;
	a->buf = NULL;
	a->n = a->cap = a->buf_cap = 0;
}
