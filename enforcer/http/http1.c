// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental HTTP/1.1 request parser.
 *
 * One state machine per flow and direction, fed whatever chunks capture
 * delivers. It keeps only the current request: the contents of its head
 * lines (line endings dropped) in one buffer, offsets into it for the
 * fields, and the body up to max_body in another. Every buffer grows on
 * demand up to its cap, so an idle parser costs a few hundred bytes.
 *
 * Lines are read by line_step(), which hides where a chunk boundary falls:
 * a CR at the end of a chunk is held back until the next byte says whether
 * it ends the line (CRLF) or belongs to it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/http/http1.h"
#include "http_internal.h"

/* Longest tail of a request line remembered past max_line (" HTTP/1.1"). */
#define H1_TAIL 16
#define H1_PROTO_LEN 8 /* "HTTP/1.1" */

enum h1_state {
	H1_REQ_LINE, /* at a request boundary: a line that may be a request */
	H1_HEADER, /* a header line, or the empty line that ends the head */
	H1_SKIP_HEAD, /* head over max_header_bytes: skip to its end */
	H1_BODY, /* Content-Length body */
	H1_CHUNK_SIZE, /* chunk-size [BWS] */
	H1_CHUNK_EXT, /* ";ext..." up to the end of the chunk-size line */
	H1_CHUNK_DATA,
	H1_CHUNK_CR, /* the CRLF after chunk data */
	H1_CHUNK_LF,
	H1_TRAILER, /* trailer lines up to the empty line */
};

struct h1_hdr {
	size_t name_off;
	size_t name_len;
	size_t val_off;
	size_t val_len;
};

struct enf_http1 {
	struct enf_http_limits lim;
	size_t line_cap; /* bytes kept of one head line */
	enum h1_state st;
	uint64_t skipped;
	/* bytes were skipped (or framing lost) since the last request line */
	bool resyncing;

	/* the line being read */
	size_t line_start; /* its offset in head */
	size_t line_len; /* content bytes seen, line ending excluded */
	size_t line_kept; /* content bytes stored in head */
	uint64_t line_raw; /* every byte seen, line ending included */
	bool cr_pending; /* a CR was the last byte seen */
	bool line_crlf; /* the line that just ended had CR before LF */
	bool head_full; /* a byte did not fit in max_header_bytes */
	unsigned char tail[H1_TAIL]; /* last content bytes of the line */
	size_t tail_len;

	/* the request being read */
	char *head;
	size_t head_len;
	size_t head_cap;
	size_t head_max;
	struct h1_hdr *hdrs;
	size_t n_hdrs;
	size_t hdrs_cap;
	bool prev_hdr_kept; /* the previous line is hdrs[n_hdrs - 1] */
	size_t method_len;
	size_t uri_off;
	size_t uri_len;
	size_t proto_off;
	size_t reqline_len;
	uint32_t anom;

	/* framing */
	bool cl_seen;
	bool cl_have; /* cl holds a valid value */
	bool cl_bad;
	uint64_t cl;
	bool te_seen;
	bool te_last_chunked;
	unsigned int te_chunked;
	uint64_t remaining; /* of the Content-Length body or of a chunk */
	uint64_t chunk_size;
	unsigned int chunk_digits;
	bool chunk_ws;

	/* body */
	char *body;
	size_t body_kept;
	size_t body_cap;
	uint64_t body_len;

	/* what a handed-out request points into */
	struct enf_field *out_hdrs;
	size_t out_hdrs_cap;
	struct enf_http_args args;
};

struct h1_io {
	const char *d;
	size_t len;
	size_t pos;
	enf_http1_cb cb;
	void *ctx;
	bool stopped; /* the callback returned non-zero */
};

void enf_http_limits_default(struct enf_http_limits *lim)
{
	lim->max_line = 8192;
	lim->max_headers = 100;
	lim->max_header_bytes = 65536;
	lim->max_args = 256;
	lim->max_body = 65536;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static bool h1_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

static bool h1_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool h1_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool h1_eq_ci(const char *s, size_t n, const char *lit)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char a = s[i], b = lit[i];

		if (!b)
			return false;
		if (a >= 'A' && a <= 'Z')
			a += 'a' - 'A';
		if (b >= 'A' && b <= 'Z')
			b += 'a' - 'A';
		if (a != b)
			return false;
	}
	return !lit[n];
}

static void h1_trim(const char **s, size_t *n)
{
	while (*n && h1_ows((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n && h1_ows((*s)[*n - 1]))
		(*n)--;
}

static void h1_line_reset(struct enf_http1 *p)
{
	p->line_start = p->head_len;
	p->line_len = 0;
	p->line_kept = 0;
	p->line_raw = 0;
	p->cr_pending = false;
	p->line_crlf = false;
	p->tail_len = 0;
}

/* Back to a request boundary; buffers are kept for the next request. */
static void h1_request_reset(struct enf_http1 *p)
{
	p->st = H1_REQ_LINE;
	p->head_len = 0;
	p->head_full = false;
	p->n_hdrs = 0;
	p->prev_hdr_kept = false;
	p->method_len = 0;
	p->uri_off = 0;
	p->uri_len = 0;
	p->proto_off = 0;
	p->reqline_len = 0;
	p->anom = 0;
	p->cl_seen = false;
	p->cl_have = false;
	p->cl_bad = false;
	p->cl = 0;
	p->te_seen = false;
	p->te_last_chunked = false;
	p->te_chunked = 0;
	p->remaining = 0;
	p->body_kept = 0;
	p->body_len = 0;
	h1_line_reset(p);
}

int enf_http1_new(const struct enf_http_limits *lim, struct enf_http1 **out)
{
	struct enf_http1 *p;

	*out = NULL;
	if (lim && (lim->max_line < ENF_HTTP1_MIN_LINE ||
		    lim->max_header_bytes < ENF_HTTP1_MIN_LINE ||
		    lim->max_line > ENF_HTTP1_MAX_CAP ||
		    lim->max_header_bytes > ENF_HTTP1_MAX_CAP ||
		    lim->max_headers > ENF_HTTP1_MAX_CAP ||
		    lim->max_args > ENF_HTTP1_MAX_CAP ||
		    lim->max_body > ENF_HTTP1_MAX_CAP))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (lim)
		p->lim = *lim;
	else
		enf_http_limits_default(&p->lim);
	p->line_cap = min_sz(p->lim.max_line, p->lim.max_header_bytes);
	/* room for the protocol copied behind a cut request line */
	p->head_max = p->lim.max_header_bytes + H1_PROTO_LEN;
	h1_request_reset(p);
	*out = p;
	return 0;
}

void enf_http1_free(struct enf_http1 *p)
{
	if (!p)
		return;
	free(p->head);
	free(p->hdrs);
	free(p->body);
	free(p->out_hdrs);
	enf_http_args_release(&p->args);
	free(p);
}

uint64_t enf_http1_skipped(const struct enf_http1 *p)
{
	return p->skipped;
}

/* Content bytes of the current line; stored in head when @keep. */
static int h1_line_content(struct enf_http1 *p, const char *s, size_t n,
			   bool keep)
{
	size_t room_line, room_head, k;
	int err;

	p->line_len += n;
	if (!keep || !n)
		return 0;

	if (n >= H1_TAIL) {
		memcpy(p->tail, s + n - H1_TAIL, H1_TAIL);
		p->tail_len = H1_TAIL;
	} else {
		size_t old = min_sz(p->tail_len, H1_TAIL - n);

		memmove(p->tail, p->tail + p->tail_len - old, old);
		memcpy(p->tail + old, s, n);
		p->tail_len = old + n;
	}

	room_line = p->line_cap - p->line_kept;
	room_head = p->head_len < p->lim.max_header_bytes ?
			    p->lim.max_header_bytes - p->head_len :
			    0;
	k = min_sz(n, min_sz(room_line, room_head));
	if (k < n && room_head < room_line)
		p->head_full = true;
	if (!k)
		return 0;
	err = enf_http_grow((void **)&p->head, &p->head_cap, p->head_len + k, 1,
			    p->head_max);
	if (err)
		return err;
	memcpy(p->head + p->head_len, s, k);
	p->head_len += k;
	p->line_kept += k;
	return 0;
}

/*
 * line_step() - read the current line on, up to and including its LF
 *
 * Return: 1 when the line ended (p->line_crlf tells how), 0 when the input
 * ran out first, or -ENOMEM.
 */
static int h1_line_step(struct enf_http1 *p, struct h1_io *io, bool keep)
{
	const char *s = io->d + io->pos;
	size_t avail = io->len - io->pos;
	const char *lf = memchr(s, '\n', avail);
	size_t n = lf ? (size_t)(lf - s) : avail;
	size_t c = n;
	int err;

	if (n && p->cr_pending) {
		/* the CR held back was not the line's end */
		p->cr_pending = false;
		err = h1_line_content(p, "\r", 1, keep);
		if (err)
			return err;
	}
	if (n && s[n - 1] == '\r') {
		c--;
		p->cr_pending = true;
	}
	err = h1_line_content(p, s, c, keep);
	if (err)
		return err;
	p->line_raw += n;
	io->pos += n;
	if (!lf)
		return 0;
	p->line_crlf = p->cr_pending;
	p->cr_pending = false;
	p->line_raw++;
	io->pos++;
	return 1;
}

static struct enf_str h1_str(const char *base, size_t off, size_t len)
{
	struct enf_str s = { .ptr = base ? base + off : "", .len = len };

	return s;
}

/* Hands the request out and goes back to a request boundary. */
static int h1_emit(struct enf_http1 *p, struct h1_io *io)
{
	struct enf_request req = { 0 };
	const char *qm;
	size_t i, path_len;
	int err, rc = 0;

	err = enf_http_grow((void **)&p->out_hdrs, &p->out_hdrs_cap, p->n_hdrs,
			    sizeof(*p->out_hdrs), p->lim.max_headers);
	if (err)
		goto out_reset;
	for (i = 0; i < p->n_hdrs; i++) {
		p->out_hdrs[i].name = h1_str(p->head, p->hdrs[i].name_off,
					     p->hdrs[i].name_len);
		p->out_hdrs[i].value =
			h1_str(p->head, p->hdrs[i].val_off, p->hdrs[i].val_len);
	}

	req.method = h1_str(p->head, 0, p->method_len);
	req.uri = h1_str(p->head, p->uri_off, p->uri_len);
	qm = memchr(req.uri.ptr, '?', req.uri.len);
	path_len = qm ? (size_t)(qm - req.uri.ptr) : req.uri.len;
	req.path = h1_str(req.uri.ptr, 0, path_len);
	req.query = qm ? h1_str(req.uri.ptr, path_len + 1,
				req.uri.len - path_len - 1) :
			 h1_str(req.uri.ptr, req.uri.len, 0);
	req.protocol = h1_str(p->head, p->proto_off, H1_PROTO_LEN);
	req.line = h1_str(p->head, 0, p->reqline_len);
	req.headers = p->out_hdrs;
	req.n_headers = p->n_hdrs;
	err = enf_http_args_parse(&p->args, req.query.ptr, req.query.len,
				  p->lim.max_args, p->head_max, &p->anom);
	if (err)
		goto out_reset;
	req.args = p->args.args;
	req.n_args = p->args.n;
	req.body = h1_str(p->body, 0, p->body_kept);
	req.body_len = p->body_len;
	if (p->body_len > p->body_kept)
		p->anom |= ENF_ANOM_BODY_TRUNCATED;
	req.anomalies = p->anom;

	if (io->cb)
		rc = io->cb(&req, io->ctx);
	io->stopped = rc != 0;
out_reset:
	h1_request_reset(p);
	return err ? err : rc;
}

static const char *const h1_methods[] = {
	"GET",	   "HEAD",  "POST",  "PUT",	 "DELETE",    "CONNECT",
	"OPTIONS", "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",
	"COPY",	   "MOVE",  "LOCK",  "UNLOCK",
};

static bool h1_known_method(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(h1_methods) / sizeof(h1_methods[0]); i++)
		if (strlen(h1_methods[i]) == n && !memcmp(s, h1_methods[i], n))
			return true;
	return false;
}

/* The longest registered method that [s, s + n) ends with; 0 if none. */
static size_t h1_method_suffix(const char *s, size_t n)
{
	size_t i, best = 0;

	for (i = 0; i < sizeof(h1_methods) / sizeof(h1_methods[0]); i++) {
		size_t m = strlen(h1_methods[i]);

		if (m <= n && m > best && !memcmp(s + n - m, h1_methods[i], m))
			best = m;
	}
	return best;
}

static bool h1_proto_ok(const unsigned char *s)
{
	return s[0] == ' ' && !memcmp(s + 1, "HTTP/1.", 7) && s[8] >= '0' &&
	       s[8] <= '9';
}

static bool h1_target_clean(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] == ' ' || h1_ctl(s[i]))
			return false;
	return true;
}

/*
 * The request line inside a line that does not start with one: a registered
 * method right before the last space ahead of the protocol, followed by a
 * clean target. Return: where it starts (0: not found); *m its method length.
 */
static size_t h1_embedded(const struct enf_http1 *p, size_t t_end, size_t *m)
{
	const char *h = p->head;
	size_t sp = t_end, ms;

	while (sp > 0 && h[sp - 1] != ' ')
		sp--;
	if (!sp || sp == t_end || !h1_target_clean(h + sp, t_end - sp))
		return 0;
	sp--; /* the space itself */
	ms = h1_method_suffix(h, sp);
	if (!ms || ms == sp)
		return 0;
	*m = ms;
	return sp - ms;
}

/*
 * A line at a request boundary ended: is it a request line? It must end in
 * " HTTP/1.x". Normally the request line starts the line: a token, a space,
 * a target. When the token is not a registered method, or the stream has
 * lost its place and the target is not clean, the line may hold body bytes
 * glued to the next request (a join mid-body, bad framing), so a registered
 * method followed by a clean target right before the protocol is looked for
 * inside it first. A target with a space or control byte is accepted at a
 * true boundary only, flagged.
 * Return: true when accepted (head then holds it from offset 0).
 */
static bool h1_request_line(struct enf_http1 *p)
{
	size_t L = p->line_len, K = p->line_kept, m = 0, t_end, start = 0;
	const char *h = p->head;
	bool over = L > K, from_start = false, clean = false, known = false;

	if (L < 1 + 1 + 1 + 9 || p->tail_len < 9 ||
	    !h1_proto_ok(p->tail + p->tail_len - 9))
		return false;
	t_end = L - 9; /* the target ends here */

	while (m < K && h1_tchar(h[m]))
		m++;
	if (m && m < K && h[m] == ' ' && m + 1 < t_end) {
		from_start = true;
		clean = h1_target_clean(h + m + 1, min_sz(t_end, K) - m - 1);
		known = h1_known_method(h, m);
	}
	if (!over && (!from_start || !known || (!clean && p->resyncing)))
		start = h1_embedded(p, t_end, &m);
	if (start) {
		clean = true;
		p->skipped += start;
		L -= start;
		K -= start;
		t_end -= start;
		memmove(p->head, p->head + start, K);
		p->head_len = K;
	} else if (!from_start || (!clean && p->resyncing)) {
		return false;
	}

	p->method_len = m;
	p->uri_off = m + 1;
	p->uri_len = min_sz(t_end, K) - m - 1;
	p->reqline_len = K;
	if (over) {
		/* keep the protocol, seen only in the tail, behind the line */
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
		memcpy(p->head + K, p->tail + p->tail_len - H1_PROTO_LEN,
		       H1_PROTO_LEN);
		p->proto_off = K;
		p->head_len = K + H1_PROTO_LEN;
	} else {
		p->proto_off = L - H1_PROTO_LEN;
	}
	if (!clean)
		p->anom |= ENF_ANOM_BAD_REQUEST_LINE;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	p->resyncing = false;
	return true;
}

static int h1_st_req_line(struct enf_http1 *p, struct h1_io *io)
{
	int ret;

	ret = h1_line_step(p, io, true);
	if (ret <= 0)
		return ret;
	if (!p->line_len) {
		/* empty lines between requests are tolerated (RFC 9112 2.2) */
		h1_request_reset(p);
		return 0;
	}
	if (p->line_kept < p->line_len) {
		/* the tail must be there for the protocol */
		ret = enf_http_grow((void **)&p->head, &p->head_cap,
				    p->line_kept + H1_PROTO_LEN, 1,
				    p->head_max);
		if (ret)
			return ret;
	}
	if (!h1_request_line(p)) {
		p->skipped += p->line_raw;
		p->resyncing = true;
		h1_request_reset(p);
		return 0;
	}
	p->st = H1_HEADER;
	h1_line_reset(p);
	return 0;
}

static void h1_content_length(struct enf_http1 *p, const char *v, size_t n)
{
	size_t i = 0;

	p->cl_seen = true;
	/* a list of equal values is one value (RFC 9110 8.6) */
	for (;;) {
		const char *comma = memchr(v + i, ',', n - i);
		size_t elen = comma ? (size_t)(comma - v) - i : n - i;
		const char *e = v + i;
		uint64_t val = 0;
		size_t j;

		h1_trim(&e, &elen);
		if (!elen)
			p->cl_bad = true;
		for (j = 0; j < elen; j++) {
			unsigned int d = (unsigned char)e[j] - '0';

			if (d > 9 || val > (UINT64_MAX - d) / 10) {
				p->cl_bad = true;
				break;
			}
			val = val * 10 + d;
		}
		if (elen && j == elen) {
			if (p->cl_have && val != p->cl)
				p->cl_bad = true;
			p->cl = val;
			p->cl_have = true;
		}
		if (!comma)
			break;
		i = (size_t)(comma - v) + 1;
	}
}

static void h1_transfer_encoding(struct enf_http1 *p, const char *v, size_t n)
{
	size_t i = 0;

	p->te_seen = true;
	while (i <= n) {
		const char *comma = memchr(v + i, ',', n - i);
		const char *e = v + i;
		size_t elen = comma ? (size_t)(comma - e) : n - i;

		i += elen + 1;
		h1_trim(&e, &elen);
		if (!elen)
			continue;
		if (h1_eq_ci(e, elen, "chunked")) {
			p->te_chunked++;
			p->te_last_chunked = true;
		} else {
			p->te_last_chunked = false;
		}
	}
}

/* The head ended: decide how the body is framed. */
static int h1_head_done(struct enf_http1 *p, struct h1_io *io)
{
	if (p->te_seen) {
		if (p->cl_seen)
			p->anom |= ENF_ANOM_CL_AND_TE;
		if (!p->te_last_chunked || p->te_chunked > 1)
			p->anom |= ENF_ANOM_BAD_TRANSFER_ENCODING;
		if (p->te_last_chunked) {
			p->st = H1_CHUNK_SIZE;
			p->chunk_size = 0;
			p->chunk_digits = 0;
			p->chunk_ws = false;
			h1_line_reset(p);
			return 0;
		}
		/* no way to tell where the body ends: none, and be careful */
		p->resyncing = true;
		return h1_emit(p, io);
	}
	if (p->cl_seen && p->cl_bad) {
		p->anom |= ENF_ANOM_BAD_CONTENT_LENGTH;
		p->resyncing = true;
		return h1_emit(p, io);
	}
	if (p->cl_have && p->cl) {
		p->st = H1_BODY;
		p->remaining = p->cl;
		return 0;
	}
	return h1_emit(p, io);
}

/* A folded continuation line: appended to the previous header's value. */
static void h1_unfold(struct enf_http1 *p)
{
	struct h1_hdr *hd = &p->hdrs[p->n_hdrs - 1];
	const char *c = p->head + p->line_start;
	size_t clen = p->line_kept, dst = hd->val_off + hd->val_len;

	h1_trim(&c, &clen);
	if (!clen)
		return;
	if (hd->val_len)
		p->head[dst++] = ' ';
	memmove(p->head + dst, c, clen);
	hd->val_len = dst + clen - hd->val_off;
	p->head_len = dst + clen;
}

static int h1_header_line(struct enf_http1 *p)
{
	const char *line = p->head + p->line_start, *colon, *val;
	size_t K = p->line_kept, nlen, vlen, i;
	bool over = p->line_len > K, name_ok;
	struct h1_hdr *hd;
	int err;

	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (h1_ows(line[0])) {
		p->anom |= ENF_ANOM_OBS_FOLD;
		if (p->prev_hdr_kept && !over) {
			h1_unfold(p);
			return 0;
		}
		if (over)
			p->anom |= ENF_ANOM_HEADERS_LIMIT;
		goto out_drop;
	}
	colon = memchr(line, ':', K);
	if (!colon) {
		p->anom |= over ? ENF_ANOM_HEADERS_LIMIT : ENF_ANOM_BAD_HEADER;
		goto out_drop;
	}
	nlen = colon - line;
	name_ok = nlen > 0;
	for (i = 0; i < nlen && name_ok; i++)
		name_ok = h1_tchar(line[i]);
	if (!name_ok)
		p->anom |= ENF_ANOM_BAD_HEADER;
	if (over)
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
	val = colon + 1;
	vlen = K - nlen - 1;
	h1_trim(&val, &vlen);

	/* framing follows every well-formed header, kept or not */
	if (name_ok && !over) {
		if (h1_eq_ci(line, nlen, "content-length"))
			h1_content_length(p, val, vlen);
		else if (h1_eq_ci(line, nlen, "transfer-encoding"))
			h1_transfer_encoding(p, val, vlen);
	}

	if (p->n_hdrs == p->lim.max_headers) {
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
		goto out_drop;
	}
	err = enf_http_grow((void **)&p->hdrs, &p->hdrs_cap, p->n_hdrs + 1,
			    sizeof(*p->hdrs), p->lim.max_headers);
	if (err)
		return err;
	hd = &p->hdrs[p->n_hdrs++];
	hd->name_off = p->line_start;
	hd->name_len = nlen;
	hd->val_off = val - p->head;
	hd->val_len = vlen;
	/* drop the trailing OWS from the buffer: a fold may append */
	p->head_len = hd->val_off + vlen;
	p->prev_hdr_kept = true;
	return 0;

out_drop:
	p->head_len = p->line_start;
	p->prev_hdr_kept = false;
	return 0;
}

static int h1_st_header(struct enf_http1 *p, struct h1_io *io)
{
	int ret;

	ret = h1_line_step(p, io, true);
	if (ret <= 0)
		return ret;
	if (p->head_full) {
		/* hand out what fitted, then skip the rest of the head */
		p->anom |= ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_HEAD_TRUNCATED;
		p->head_len = p->line_start;
		ret = h1_emit(p, io);
		p->st = H1_SKIP_HEAD;
		p->resyncing = true;
		return ret;
	}
	if (!p->line_len) {
		if (!p->line_crlf)
			p->anom |= ENF_ANOM_BARE_LF;
		return h1_head_done(p, io);
	}
	ret = h1_header_line(p);
	h1_line_reset(p);
	return ret;
}

static int h1_st_skip_head(struct enf_http1 *p, struct h1_io *io)
{
	int ret;

	ret = h1_line_step(p, io, false);
	if (ret <= 0)
		return ret;
	if (!p->line_len)
		p->st = H1_REQ_LINE;
	h1_line_reset(p);
	return 0;
}

/* Body bytes: counted, kept up to max_body. */
static int h1_body(struct enf_http1 *p, const char *s, size_t n)
{
	size_t k = 0;
	int err;

	if (p->body_kept < p->lim.max_body)
		k = min_sz(n, p->lim.max_body - p->body_kept);
	if (k) {
		size_t want = p->body_kept + k;

		/* a Content-Length body is sized once */
		if (p->st == H1_BODY && p->remaining < p->lim.max_body)
			want = min_sz(p->lim.max_body,
				      p->body_kept + (size_t)p->remaining);
		err = enf_http_grow((void **)&p->body, &p->body_cap, want, 1,
				    p->lim.max_body);
		if (err)
			return err;
		memcpy(p->body + p->body_kept, s, k);
		p->body_kept += k;
	}
	p->body_len += n;
	return 0;
}

static int h1_st_body(struct enf_http1 *p, struct h1_io *io)
{
	size_t n = io->len - io->pos;
	int err;

	if (n > p->remaining)
		n = p->remaining;
	err = h1_body(p, io->d + io->pos, n);
	if (err)
		return err;
	io->pos += n;
	p->remaining -= n;
	if (p->remaining)
		return 0;
	if (p->st == H1_BODY)
		return h1_emit(p, io);
	p->st = H1_CHUNK_CR;
	return 0;
}

/* Malformed chunked framing: the request ends here; the byte is looked at
 * again as the start of whatever follows. */
static int h1_bad_chunk(struct enf_http1 *p, struct h1_io *io)
{
	p->anom |= ENF_ANOM_BAD_CHUNK;
	p->resyncing = true;
	return h1_emit(p, io);
}

static int h1_chunk_size_done(struct enf_http1 *p)
{
	h1_line_reset(p);
	if (p->chunk_size) {
		p->st = H1_CHUNK_DATA;
		p->remaining = p->chunk_size;
	} else {
		p->st = H1_TRAILER;
	}
	return 0;
}

static int h1_st_chunk_size(struct enf_http1 *p, struct h1_io *io)
{
	while (io->pos < io->len) {
		unsigned char c = io->d[io->pos];
		int v = enf_http_hexval(c);

		if (p->cr_pending && c != '\n')
			return h1_bad_chunk(p, io);
		if (v >= 0 && !p->chunk_ws) {
			if (p->chunk_size > (UINT64_MAX >> 4))
				return h1_bad_chunk(p, io);
			p->chunk_size = p->chunk_size << 4 | (unsigned int)v;
			p->chunk_digits++;
		} else if (h1_ows(c) && p->chunk_digits) {
			p->chunk_ws = true;
		} else if (c == ';' && p->chunk_digits) {
			io->pos++;
			p->st = H1_CHUNK_EXT;
			return 0;
		} else if (c == '\r' && p->chunk_digits) {
			p->cr_pending = true;
		} else if (c == '\n' && p->chunk_digits) {
			if (!p->cr_pending)
				p->anom |= ENF_ANOM_BARE_LF;
			io->pos++;
			return h1_chunk_size_done(p);
		} else {
			return h1_bad_chunk(p, io);
		}
		io->pos++;
	}
	return 0;
}

static int h1_st_chunk_ext(struct enf_http1 *p, struct h1_io *io)
{
	int ret;

	ret = h1_line_step(p, io, false);
	if (ret <= 0)
		return ret;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	return h1_chunk_size_done(p);
}

static int h1_st_chunk_crlf(struct enf_http1 *p, struct h1_io *io)
{
	unsigned char c = io->d[io->pos];

	if (p->st == H1_CHUNK_CR && c == '\r') {
		p->st = H1_CHUNK_LF;
	} else if (c == '\n') {
		if (p->st == H1_CHUNK_CR)
			p->anom |= ENF_ANOM_BARE_LF;
		p->st = H1_CHUNK_SIZE;
		p->chunk_size = 0;
		p->chunk_digits = 0;
		p->chunk_ws = false;
		h1_line_reset(p);
	} else {
		return h1_bad_chunk(p, io);
	}
	io->pos++;
	return 0;
}

static int h1_st_trailer(struct enf_http1 *p, struct h1_io *io)
{
	int ret;

	ret = h1_line_step(p, io, false);
	if (ret <= 0)
		return ret;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (!p->line_len)
		return h1_emit(p, io);
	h1_line_reset(p);
	return 0;
}

int enf_http1_feed(struct enf_http1 *p, const void *data, size_t len,
		   enf_http1_cb cb, void *ctx)
{
	struct h1_io io = { .d = data, .len = len, .cb = cb, .ctx = ctx };
	int ret = 0;

	if (!p || (!data && len))
		return -EINVAL;
	while (io.pos < io.len && !ret) {
		switch (p->st) {
		case H1_REQ_LINE:
			ret = h1_st_req_line(p, &io);
			break;
		case H1_HEADER:
			ret = h1_st_header(p, &io);
			break;
		case H1_SKIP_HEAD:
			ret = h1_st_skip_head(p, &io);
			break;
		case H1_BODY:
		case H1_CHUNK_DATA:
			ret = h1_st_body(p, &io);
			break;
		case H1_CHUNK_SIZE:
			ret = h1_st_chunk_size(p, &io);
			break;
		case H1_CHUNK_EXT:
			ret = h1_st_chunk_ext(p, &io);
			break;
		case H1_CHUNK_CR:
		case H1_CHUNK_LF:
			ret = h1_st_chunk_crlf(p, &io);
			break;
		case H1_TRAILER:
			ret = h1_st_trailer(p, &io);
			break;
		}
	}
	/* out of memory mid-request: drop it, start again at a boundary */
	if (ret < 0 && !io.stopped)
		h1_request_reset(p);
	return ret;
}
