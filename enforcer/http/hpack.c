// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HPACK decoding over libnghttp2's inflater, with the caps of hpack.h
 * checked before anything is copied.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "enforcer/http/hpack.h"
#include "enforcer/http/http_internal.h"

/* SETTINGS_HEADER_TABLE_SIZE is a 32-bit value */
#define HPACK_TABLE_MAX 0xffffffffull

/* Scanner of the size updates that may open a block (RFC 7541 4.2) */
enum lead_state {
	LEAD_START, /* at an instruction among the leading ones */
	LEAD_INT, /* inside a multi-byte size update */
	LEAD_DONE, /* past the leading size updates */
};

struct field_off {
	size_t name;
	size_t name_len;
	size_t value;
	size_t value_len;
};

struct enf_hpack {
	struct enf_hpack_limits lim;
	nghttp2_hd_inflater *inf;
	nghttp2_mem mem;
	size_t table_size; /* the SETTINGS value in force (or max_table) */
	bool in_block;
	bool lost;
	bool stop_keeping; /* a cap was hit in this block */
	bool flushes;
	enum lead_state lead;
	uint64_t anom;
	char *buf;
	size_t buf_len;
	size_t buf_cap;
	struct field_off *off;
	size_t n;
	size_t off_cap;
	struct enf_field *fields;
	size_t fields_cap;
	struct enf_hpack_stats st;
};

/*
 * libnghttp2's allocations go through here so that what the inflater holds
 * can be measured (tests check an HPACK bomb leaves it bounded).
 */
union mem_hdr {
	size_t size;
	max_align_t align;
};

static void *mem_malloc(size_t size, void *ud)
{
	struct enf_hpack *h = ud;
	union mem_hdr *p;

	if (size > SIZE_MAX - sizeof(*p))
		return NULL;
	p = malloc(sizeof(*p) + size);
	if (!p)
		return NULL;
	p->size = size;
	h->st.inflater_mem += size;
	if (h->st.inflater_mem > h->st.inflater_peak)
		h->st.inflater_peak = h->st.inflater_mem;
	return p + 1;
}

static void mem_free(void *ptr, void *ud)
{
	struct enf_hpack *h = ud;
	union mem_hdr *p;

	if (!ptr)
		return;
	p = (union mem_hdr *)ptr - 1;
	h->st.inflater_mem -= p->size;
	free(p);
}

static void *mem_calloc(size_t nmemb, size_t size, void *ud)
{
	void *p;

	if (size && nmemb > SIZE_MAX / size)
		return NULL;
	p = mem_malloc(nmemb * size, ud);
	if (p)
		memset(p, 0, nmemb * size);
	return p;
}

static void *mem_realloc(void *ptr, size_t size, void *ud)
{
	union mem_hdr *old;
	void *p;

	if (!ptr)
		return mem_malloc(size, ud);
	old = (union mem_hdr *)ptr - 1;
	p = mem_malloc(size, ud);
	if (!p)
		return NULL;
	memcpy(p, ptr, old->size < size ? old->size : size);
	mem_free(ptr, ud);
	return p;
}

/* Writes the size update instruction for @v; returns its length. */
static size_t encode_size_update(uint8_t *out, uint64_t v)
{
	size_t n = 0;

	if (v < 31) {
		out[n++] = 0x20 | (uint8_t)v;
		return n;
	}
	out[n++] = 0x20 | 31;
	v -= 31;
	while (v >= 128) {
		out[n++] = (uint8_t)(0x80 | (v & 0x7f));
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/*
 * A fresh inflater whose table may grow to @size without the encoder's
 * announcing it. libnghttp2 holds a lowered SETTINGS value as owed a size
 * update from the encoder; the encoder of a connection already under way
 * sent it long ago, so it is fed here, a block holding just that update.
 */
static int open_inflater(struct enf_hpack *h, size_t size)
{
	nghttp2_hd_inflater *inf = NULL;
	uint8_t upd[16];
	size_t ulen;
	nghttp2_nv nv;
	int fl = 0;
	ssize_t rv;
	int err;

	if (nghttp2_hd_inflate_new2(&inf, &h->mem))
		return -ENOMEM;
	if (size != ENF_HPACK_DEFAULT_TABLE) {
		err = nghttp2_hd_inflate_change_table_size(inf, size);
		if (err) {
			err = err == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EPROTO;
			goto out_del;
		}
		ulen = encode_size_update(upd, size);
		rv = nghttp2_hd_inflate_hd2(inf, &nv, &fl, upd, ulen, 1);
		if (rv != (ssize_t)ulen || !(fl & NGHTTP2_HD_INFLATE_FINAL)) {
			err = rv == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EPROTO;
			goto out_del;
		}
		nghttp2_hd_inflate_end_headers(inf);
	}
	if (h->inf)
		nghttp2_hd_inflate_del(h->inf);
	h->inf = inf;
	h->table_size = size;
	return 0;

out_del:
	nghttp2_hd_inflate_del(inf);
	return err;
}

int enf_hpack_new(const struct enf_hpack_limits *lim, struct enf_hpack **out)
{
	struct enf_hpack *h;
	int err;

	*out = NULL;
	if (!lim || !lim->max_bytes || !lim->max_fields ||
	    lim->max_table < ENF_HPACK_DEFAULT_TABLE ||
	    lim->max_table > HPACK_TABLE_MAX)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->lim = *lim;
	h->mem.mem_user_data = h;
	h->mem.malloc = mem_malloc;
	h->mem.free = mem_free;
	h->mem.calloc = mem_calloc;
	h->mem.realloc = mem_realloc;
	err = open_inflater(h, lim->open_table ? lim->max_table :
						 ENF_HPACK_DEFAULT_TABLE);
	if (err)
		goto out_free;
	*out = h;
	return 0;

out_free:
	free(h);
	return err;
}

void enf_hpack_free(struct enf_hpack *h)
{
	if (!h)
		return;
	if (h->inf)
		nghttp2_hd_inflate_del(h->inf);
	free(h->buf);
	free(h->off);
	free(h->fields);
	free(h);
}

int enf_hpack_settings_table_size(struct enf_hpack *h, size_t size)
{
	int rv;

	if (size > h->lim.max_table)
		return -E2BIG;
	if (h->in_block)
		return -EBUSY;
	if (h->lost)
		return -EPROTO;
	/* the value in force again is no change: no size update is owed */
	if (size == h->table_size)
		return 0;
	rv = nghttp2_hd_inflate_change_table_size(h->inf, size);
	if (rv)
		return rv == NGHTTP2_ERR_NOMEM ? -ENOMEM : -EBUSY;
	h->table_size = size;
	return 0;
}

void enf_hpack_begin(struct enf_hpack *h)
{
	h->in_block = true;
	h->stop_keeping = false;
	h->flushes = false;
	h->lead = LEAD_START;
	h->anom = 0;
	h->buf_len = 0;
	h->n = 0;
	h->st.blocks++;
	h->st.decoded_bytes = 0;
	h->st.decoded_fields = 0;
	if (h->lost)
		h->anom |= ENF_ANOM_H2_HPACK;
}

/* Watches the leading size updates of a block for one to 0. */
static void scan_lead(struct enf_hpack *h, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len && h->lead != LEAD_DONE; i++) {
		uint8_t b = p[i];

		if (h->lead == LEAD_INT) {
			if (!(b & 0x80))
				h->lead = LEAD_START;
			continue;
		}
		if ((b & 0xe0) != 0x20) {
			h->lead = LEAD_DONE;
			break;
		}
		if (b == 0x20)
			h->flushes = true;
		else if ((b & 0x1f) == 0x1f)
			h->lead = LEAD_INT;
	}
}

/* Copies one decoded field in, unless a cap says no. */
static int keep_field(struct enf_hpack *h, const nghttp2_nv *nv)
{
	size_t add = nv->namelen + nv->valuelen;
	struct field_off *f;
	int err;

	h->st.decoded_fields++;
	h->st.decoded_bytes += add;
	if (h->stop_keeping)
		return 0;
	if (h->n >= h->lim.max_fields) {
		h->anom |= ENF_ANOM_HEADERS_LIMIT;
		h->stop_keeping = true;
		return 0;
	}
	if (add > h->lim.max_bytes - h->buf_len) {
		h->anom |= ENF_ANOM_H2_HEADERS_LIMIT;
		h->stop_keeping = true;
		return 0;
	}
	err = enf_http_grow((void **)&h->buf, &h->buf_cap, h->buf_len + add, 1,
			    h->lim.max_bytes);
	if (err)
		return err;
	err = enf_http_grow((void **)&h->off, &h->off_cap, h->n + 1,
			    sizeof(*h->off), h->lim.max_fields);
	if (err)
		return err;
	err = enf_http_grow((void **)&h->fields, &h->fields_cap, h->n + 1,
			    sizeof(*h->fields), h->lim.max_fields);
	if (err)
		return err;
	f = &h->off[h->n++];
	f->name = h->buf_len;
	f->name_len = nv->namelen;
	if (nv->namelen)
		memcpy(h->buf + h->buf_len, nv->name, nv->namelen);
	h->buf_len += nv->namelen;
	f->value = h->buf_len;
	f->value_len = nv->valuelen;
	if (nv->valuelen)
		memcpy(h->buf + h->buf_len, nv->value, nv->valuelen);
	h->buf_len += nv->valuelen;
	return 0;
}

static int lose_state(struct enf_hpack *h, int err)
{
	h->lost = true;
	h->anom |= ENF_ANOM_H2_HPACK;
	/* a block that fails flushes nothing (however it was split) */
	h->flushes = false;
	h->lead = LEAD_DONE;
	return err;
}

int enf_hpack_decode(struct enf_hpack *h, const void *in, size_t len,
		     bool final)
{
	const uint8_t *p = in;
	int err;

	if (!h->in_block)
		return -EINVAL;
	if (h->lost) {
		h->anom |= ENF_ANOM_H2_HPACK;
		if (final)
			h->in_block = false;
		return -EPROTO;
	}
	scan_lead(h, p, len);
	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv;

		rv = nghttp2_hd_inflate_hd2(h->inf, &nv, &fl, p, len, final);
		if (rv < 0) {
			if (final)
				h->in_block = false;
			return lose_state(h, rv == NGHTTP2_ERR_NOMEM ? -ENOMEM :
								       -EPROTO);
		}
		if (rv) { /* the end of a block comes as (NULL, 0) */
			p += rv;
			len -= (size_t)rv;
		}
		if (fl & NGHTTP2_HD_INFLATE_EMIT) {
			err = keep_field(h, &nv);
			if (err) {
				/* the block's rest cannot be fed in step */
				if (final)
					h->in_block = false;
				return lose_state(h, err);
			}
		}
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(h->inf);
			h->in_block = false;
			break;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !len)
			break;
	}
	return 0;
}

const struct enf_field *enf_hpack_fields(struct enf_hpack *h, size_t *n)
{
	/* fields may all be empty: no buffer then, and no offset into NULL */
	const char *base = h->buf ? h->buf : "";
	size_t i;

	for (i = 0; i < h->n; i++) {
		h->fields[i].name.ptr = base + h->off[i].name;
		h->fields[i].name.len = h->off[i].name_len;
		h->fields[i].value.ptr = base + h->off[i].value;
		h->fields[i].value.len = h->off[i].value_len;
	}
	*n = h->n;
	return h->fields;
}

uint64_t enf_hpack_anomalies(const struct enf_hpack *h)
{
	return h->anom;
}

bool enf_hpack_lost(const struct enf_hpack *h)
{
	return h->lost;
}

bool enf_hpack_block_flushes_table(const struct enf_hpack *h)
{
	return h->flushes && !h->lost;
}

int enf_hpack_reset(struct enf_hpack *h)
{
	size_t size = h->lim.open_table ? h->lim.max_table : h->table_size;
	int err;

	err = open_inflater(h, size);
	if (err)
		return err;
	h->lost = false;
	h->in_block = false;
	h->flushes = false;
	h->lead = LEAD_DONE;
	return 0;
}

void enf_hpack_stats(const struct enf_hpack *h, struct enf_hpack_stats *st)
{
	*st = h->st;
	st->buf_cap = h->buf_cap;
}
