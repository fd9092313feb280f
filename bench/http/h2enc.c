// SPDX-License-Identifier: GPL-2.0-or-later
/* HTTP/2 byte streams from libnghttp2's own sessions (h2enc.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "h2enc.h"

struct h2buf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

/* A body being sent, the stream's user data on either side. */
struct h2body {
	uint8_t *p;
	size_t len;
	size_t off;
	unsigned flags;
	struct h2body *next; /* every body, to free them */
};

struct h2enc {
	nghttp2_session *side[2];
	struct h2buf out[2];
	struct h2body *bodies;
	int err; /* an allocation failure inside a callback */
};

static int buf_add(struct h2buf *b, const uint8_t *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 65536;
		uint8_t *p;

		while (cap < b->len + n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

static struct h2body *body_new(struct h2enc *e, const void *s, size_t n,
			       unsigned flags)
{
	struct h2body *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->p = malloc(n ? n : 1);
	if (!b->p) {
		free(b);
		return NULL;
	}
	if (n)
		memcpy(b->p, s, n);
	b->len = n;
	b->flags = flags;
	b->next = e->bodies;
	e->bodies = b;
	return b;
}

static ssize_t read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf,
			 size_t length, uint32_t *data_flags,
			 nghttp2_data_source *source, void *user_data)
{
	struct h2body *b = source->ptr;
	size_t n = b->len - b->off;

	(void)user_data;
	if (n > length)
		n = length;
	memcpy(buf, b->p + b->off, n);
	b->off += n;
	if (b->off == b->len) {
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
		if (b->flags & H2ENC_TRAILERS) {
			static const nghttp2_nv tr[] = {
				{ (uint8_t *)"x-checksum", (uint8_t *)"a1b2c3",
				  10, 6, NGHTTP2_NV_FLAG_NONE },
			};

			*data_flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			if (nghttp2_submit_trailer(s, stream_id, tr, 1))
				return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}
	return (ssize_t)n;
}

static ssize_t pad(nghttp2_session *s, const nghttp2_frame *frame,
		   size_t max_payloadlen, void *user_data)
{
	struct h2body *b =
		nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
	size_t want = frame->hd.length + 13;

	(void)user_data;
	if (!b || !(b->flags & H2ENC_PADDED))
		return (ssize_t)frame->hd.length;
	return (ssize_t)(want < max_payloadlen ? want : max_payloadlen);
}

/* The server answers each request once it has ended. */
static int server_frame(nghttp2_session *s, const nghttp2_frame *frame,
			void *user_data)
{
	static const char html[] = "<!doctype html><p>ok</p>\n";
	static const nghttp2_nv nv[] = {
		{ (uint8_t *)":status", (uint8_t *)"200", 7, 3,
		  NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)"content-type", (uint8_t *)"text/html", 12, 9,
		  NGHTTP2_NV_FLAG_NONE },
		{ (uint8_t *)"server", (uint8_t *)"h2enc", 6, 5,
		  NGHTTP2_NV_FLAG_NONE },
	};
	struct h2enc *e = user_data;
	nghttp2_data_provider dp = { .read_callback = read_body };
	struct h2body *b;

	if (!(frame->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (frame->hd.type != NGHTTP2_HEADERS &&
	     frame->hd.type != NGHTTP2_DATA))
		return 0;
	b = body_new(e, html, sizeof(html) - 1, 0);
	if (!b) {
		e->err = -ENOMEM;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	dp.source.ptr = b;
	return nghttp2_submit_response(s, frame->hd.stream_id, nv, 3, &dp);
}

int h2enc_new(struct h2enc **out)
{
	nghttp2_session_callbacks *cb;
	struct h2enc *e;
	int err;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	err = nghttp2_session_callbacks_new(&cb);
	if (err)
		goto out_free;
	nghttp2_session_callbacks_set_select_padding_callback(cb, pad);
	err = nghttp2_session_client_new(&e->side[H2ENC_CLIENT], cb, e);
	if (err)
		goto out_cb;
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, server_frame);
	err = nghttp2_session_server_new(&e->side[H2ENC_SERVER], cb, e);
	if (err)
		goto out_cb;
	err = nghttp2_submit_settings(e->side[H2ENC_CLIENT], NGHTTP2_FLAG_NONE,
				      NULL, 0);
	if (err)
		goto out_cb;
	err = nghttp2_submit_settings(e->side[H2ENC_SERVER], NGHTTP2_FLAG_NONE,
				      NULL, 0);
	if (err)
		goto out_cb;
	nghttp2_session_callbacks_del(cb);
	*out = e;
	return 0;

out_cb:
	nghttp2_session_callbacks_del(cb);
out_free:
	h2enc_free(e);
	return err;
}

void h2enc_free(struct h2enc *e)
{
	struct h2body *b, *next;

	if (!e)
		return;
	nghttp2_session_del(e->side[0]);
	nghttp2_session_del(e->side[1]);
	for (b = e->bodies; b; b = next) {
		next = b->next;
		free(b->p);
		free(b);
	}
	free(e->out[0].p);
	free(e->out[1].p);
	free(e);
}

nghttp2_session *h2enc_session(struct h2enc *e, enum h2enc_side side)
{
	return e->side[side];
}

int32_t h2enc_request(struct h2enc *e, const nghttp2_nv *nv, size_t n,
		      const void *body, size_t len, unsigned flags)
{
	nghttp2_data_provider dp = { .read_callback = read_body };
	nghttp2_priority_spec pri;
	struct h2body *b;

	/* a body record even without a body: the padding callback reads its
	 * flags */
	b = body_new(e, body, len, flags);
	if (!b)
		return -ENOMEM;
	dp.source.ptr = b;
	nghttp2_priority_spec_init(&pri, 0, 64, 0);
	return nghttp2_submit_request(
		e->side[H2ENC_CLIENT], flags & H2ENC_PRIORITY ? &pri : NULL, nv,
		n, body || (flags & H2ENC_TRAILERS) ? &dp : NULL, b);
}

/* Sends what @from has to say, kept and given to the other side. */
static ssize_t send_one(struct h2enc *e, enum h2enc_side from)
{
	nghttp2_session *s = e->side[from];
	ssize_t total = 0;

	for (;;) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(s, &data);
		ssize_t got;
		int err;

		if (n < 0)
			return e->err ? e->err : n;
		if (n == 0)
			return total;
		err = buf_add(&e->out[from], data, (size_t)n);
		if (err)
			return err;
		got = nghttp2_session_mem_recv(e->side[!from], data, (size_t)n);
		if (got < 0)
			return e->err ? e->err : got;
		total += n;
	}
}

int h2enc_pump(struct h2enc *e)
{
	for (;;) {
		ssize_t c = send_one(e, H2ENC_CLIENT), s;

		if (c < 0)
			return (int)c;
		s = send_one(e, H2ENC_SERVER);
		if (s < 0)
			return (int)s;
		if (!c && !s)
			return 0;
	}
}

const uint8_t *h2enc_bytes(const struct h2enc *e, enum h2enc_side side,
			   size_t *len)
{
	*len = e->out[side].len;
	return e->out[side].p;
}
