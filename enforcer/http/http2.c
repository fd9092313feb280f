// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Incremental HTTP/2 parser: frames, header blocks decoded as they stream
 * in, per-stream assembly of requests and responses. The decisions are
 * listed in http2.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/http/hpack.h"
#include "enforcer/http/http2.h"
#include "enforcer/http/http_internal.h"

enum {
	FT_DATA = 0,
	FT_HEADERS = 1,
	FT_PRIORITY = 2,
	FT_RST_STREAM = 3,
	FT_SETTINGS = 4,
	FT_PUSH_PROMISE = 5,
	FT_PING = 6,
	FT_GOAWAY = 7,
	FT_WINDOW_UPDATE = 8,
	FT_CONTINUATION = 9,
};

#define FL_END_STREAM 0x01
#define FL_ACK 0x01
#define FL_END_HEADERS 0x04
#define FL_PADDED 0x08
#define FL_PRIORITY 0x20

#define FRAME_HDR 9
#define DEFAULT_MAX_FRAME 16384
#define SETTINGS_HEADER_TABLE_SIZE 1

enum p_state {
	ST_PREFACE, /* matching the client preface */
	ST_RESYNC, /* looking for a plausible frame header */
	ST_HEADER, /* reading a frame header */
	ST_PAYLOAD, /* inside a frame's payload */
	ST_FINISHED, /* enf_http2_finish() was called */
};

/* Pseudo-header slots */
enum {
	PS_METHOD,
	PS_SCHEME,
	PS_AUTHORITY,
	PS_PATH,
	PS_PROTOCOL,
	PS_STATUS,
	PS_N,
};

static const char *const pseudo_names[PS_N] = {
	[PS_METHOD] = ":method",       [PS_SCHEME] = ":scheme",
	[PS_AUTHORITY] = ":authority", [PS_PATH] = ":path",
	[PS_PROTOCOL] = ":protocol",   [PS_STATUS] = ":status",
};

/* Bytes in a stream's buffer */
struct h2_span {
	size_t off;
	size_t len;
};

struct h2_field {
	struct h2_span name;
	struct h2_span value;
};

struct h2_stream {
	uint32_t id;
	bool head_done; /* the head block (not a 1xx) was applied */
	uint64_t anom;
	unsigned int have; /* pseudo-headers seen, 1 << PS_* */
	struct h2_span pseudo[PS_N];
	unsigned int status;
	char *buf; /* names, values and pseudo values kept */
	size_t buf_len;
	size_t buf_cap;
	struct h2_field *f; /* regular fields */
	size_t n;
	size_t f_cap;
	char *body;
	size_t body_kept;
	size_t body_cap;
	uint64_t body_len;
	int64_t clen; /* content-length: -1 none, -2 unusable */
};

struct enf_http2 {
	struct enf_http_limits lim;
	enum enf_http2_side side;
	enum p_state st;
	bool joined_late; /* seen from the middle: no idle/closed checks */
	bool check_plausible; /* frame headers must look right */
	bool trusted;
	bool first_frame; /* the next frame is the connection's first */
	size_t pre_pos;
	uint8_t win[FRAME_HDR];
	size_t win_len;

	/* the current frame */
	uint32_t flen;
	uint32_t fsid;
	uint32_t fpos;
	uint8_t ftype;
	uint8_t fflags;
	bool fskip; /* payload ignored (a frame in error) */
	uint32_t pre_need; /* pad length, priority, promised id */
	uint8_t pre[6];
	uint32_t pad;
	uint8_t fix[8]; /* a SETTINGS entry, or a fixed frame's start */
	uint32_t fix_len;

	/* the header block in progress */
	bool in_block;
	bool block_skip; /* abandoned: fragments skipped to END_HEADERS */
	bool block_end_stream;
	bool block_trailers;
	uint32_t block_sid;
	unsigned int n_cont;
	struct h2_stream *block_st;
	struct enf_hpack *hp;

	uint64_t conn_anom; /* or-ed into every later message */
	uint32_t last_sid;
	struct h2_stream **streams;
	size_t n_streams;

	/* hand-out scratch */
	struct enf_field *out;
	size_t out_cap;
	char *line;
	size_t line_cap;
	struct enf_http_derive derive;
	struct enf_http2_counters c;

	/* the callbacks of the current call */
	enf_http1_cb on_req;
	enf_http2_resp_cb on_resp;
	void *ctx;
	int stop; /* a callback's non-zero return, or -ENOMEM */
};

static uint32_t rd24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* ---- streams ---- */

static void stream_free(struct h2_stream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s->f);
	free(s->body);
	free(s);
}

static struct h2_stream *stream_find(struct enf_http2 *p, uint32_t id)
{
	size_t i;

	for (i = 0; i < p->n_streams; i++)
		if (p->streams[i]->id == id)
			return p->streams[i];
	return NULL;
}

static struct h2_stream *stream_new(struct enf_http2 *p, uint32_t id)
{
	struct h2_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->id = id;
	s->clen = -1;
	p->streams[p->n_streams++] = s;
	p->c.streams++;
	return s;
}

static void stream_remove(struct enf_http2 *p, struct h2_stream *s)
{
	size_t i;

	for (i = 0; i < p->n_streams; i++) {
		if (p->streams[i] != s)
			continue;
		memmove(&p->streams[i], &p->streams[i + 1],
			(p->n_streams - i - 1) * sizeof(*p->streams));
		p->n_streams--;
		break;
	}
	if (p->block_st == s)
		p->block_st = NULL;
	stream_free(s);
}

/* Copies bytes into @s's buffer under max_header_bytes. */
static int stream_put(struct enf_http2 *p, struct h2_stream *s, const char *b,
		      size_t len, struct h2_span *out)
{
	int err;

	if (len > p->lim.max_header_bytes - s->buf_len)
		return -E2BIG;
	err = enf_http_grow((void **)&s->buf, &s->buf_cap, s->buf_len + len, 1,
			    p->lim.max_header_bytes);
	if (err)
		return err;
	if (len)
		memcpy(s->buf + s->buf_len, b, len);
	out->off = s->buf_len;
	out->len = len;
	s->buf_len += len;
	return 0;
}

/* A stream's buffer, "" when nothing was kept (no offset on NULL) */
static const char *sbase(const struct h2_stream *s)
{
	return s->buf ? s->buf : "";
}

static bool str_eq(struct enf_str s, const char *lit)
{
	size_t l = strlen(lit);

	return s.len == l && !memcmp(s.ptr, lit, l);
}

static bool span_eq(const struct h2_stream *s, struct h2_span sp,
		    const char *lit)
{
	struct enf_str x = { sbase(s) + sp.off, sp.len };

	return str_eq(x, lit);
}

static bool is_tchar_lower(unsigned char c)
{
	if (c >= 'a' && c <= 'z')
		return true;
	if (c >= '0' && c <= '9')
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c);
}

/* RFC 9113 8.2.1 and 8.2.2 checks of one regular field. */
static uint64_t check_field(const struct enf_field *f)
{
	uint64_t anom = 0;
	size_t i;

	if (!f->name.len)
		anom |= ENF_ANOM_H2_BAD_FIELD;
	for (i = 0; i < f->name.len; i++)
		if (!is_tchar_lower((unsigned char)f->name.ptr[i]))
			anom |= ENF_ANOM_H2_BAD_FIELD;
	for (i = 0; i < f->value.len; i++) {
		char c = f->value.ptr[i];

		if (c == '\r' || c == '\n' || c == '\0')
			anom |= ENF_ANOM_H2_BAD_FIELD;
	}
	if (f->value.len &&
	    (f->value.ptr[0] == ' ' || f->value.ptr[0] == '\t' ||
	     f->value.ptr[f->value.len - 1] == ' ' ||
	     f->value.ptr[f->value.len - 1] == '\t'))
		anom |= ENF_ANOM_H2_BAD_FIELD;
	if (str_eq(f->name, "connection") || str_eq(f->name, "keep-alive") ||
	    str_eq(f->name, "proxy-connection") ||
	    str_eq(f->name, "transfer-encoding") ||
	    str_eq(f->name, "upgrade") ||
	    (str_eq(f->name, "te") && !str_eq(f->value, "trailers")))
		anom |= ENF_ANOM_H2_CONNECTION_HEADER;
	return anom;
}

/* A content-length value: the number, or -1 when not decimal. */
static int64_t parse_clen(struct enf_str v)
{
	int64_t n = 0;
	size_t i;

	if (!v.len || v.len > 18)
		return -1;
	for (i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return -1;
		n = n * 10 + (v.ptr[i] - '0');
	}
	return n;
}

static void note_clen(struct h2_stream *s, struct enf_str v)
{
	int64_t n = parse_clen(v);

	if (n < 0) {
		s->anom |= ENF_ANOM_H2_CONTENT_LENGTH;
		s->clen = -2;
	} else if (s->clen == -1) {
		s->clen = n;
	} else if (s->clen != n) {
		s->anom |= ENF_ANOM_H2_CONTENT_LENGTH;
		s->clen = -2;
	}
}

static int pseudo_slot(const struct enf_http2 *p, struct enf_str name)
{
	int i;

	for (i = 0; i < PS_N; i++) {
		if (!str_eq(name, pseudo_names[i]))
			continue;
		if (p->side == ENF_HTTP2_CLIENT)
			return i == PS_STATUS ? -1 : i;
		return i == PS_STATUS ? i : -1;
	}
	return -1;
}

static void check_request_pseudo(struct h2_stream *s)
{
	unsigned int h = s->have;
	bool connect;

	if (!(h & 1u << PS_METHOD)) {
		s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
		return;
	}
	connect = span_eq(s, s->pseudo[PS_METHOD], "CONNECT");
	if (connect && !(h & 1u << PS_PROTOCOL)) {
		if (!(h & 1u << PS_AUTHORITY) ||
		    h & (1u << PS_SCHEME | 1u << PS_PATH))
			s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
		return;
	}
	if (!connect && h & 1u << PS_PROTOCOL)
		s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
	if (!(h & 1u << PS_SCHEME) || !(h & 1u << PS_PATH) ||
	    !s->pseudo[PS_PATH].len)
		s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
	if (connect && !(h & 1u << PS_AUTHORITY))
		s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
}

static void check_response_pseudo(struct h2_stream *s)
{
	const char *v = sbase(s) + s->pseudo[PS_STATUS].off;

	s->status = 0;
	if (!(s->have & 1u << PS_STATUS) || s->pseudo[PS_STATUS].len != 3 ||
	    v[0] < '1' || v[0] > '9' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9') {
		s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
		return;
	}
	s->status = (unsigned int)((v[0] - '0') * 100 + (v[1] - '0') * 10 +
				   (v[2] - '0'));
}

/* Moves the decoded fields of the block into @s, with the checks. */
static int apply_block(struct enf_http2 *p, struct h2_stream *s, bool head)
{
	const struct enf_field *f;
	bool regular = false, stop_keeping = false;
	size_t n, i;
	int err;

	f = enf_hpack_fields(p->hp, &n);
	s->anom |= enf_hpack_anomalies(p->hp);
	for (i = 0; i < n; i++) {
		struct h2_field *hf;
		int slot;

		if (f[i].name.len && f[i].name.ptr[0] == ':') {
			slot = pseudo_slot(p, f[i].name);
			if (!head || regular || slot < 0 ||
			    s->have & 1u << slot) {
				s->anom |= ENF_ANOM_H2_PSEUDO_HEADER;
				continue;
			}
			err = stream_put(p, s, f[i].value.ptr, f[i].value.len,
					 &s->pseudo[slot]);
			if (err == -E2BIG) {
				s->anom |= ENF_ANOM_H2_HEADERS_LIMIT;
				continue;
			}
			if (err)
				return err;
			s->have |= 1u << slot;
			continue;
		}
		regular = true;
		s->anom |= check_field(&f[i]);
		if (str_eq(f[i].name, "content-length"))
			note_clen(s, f[i].value);
		if (stop_keeping)
			continue;
		if (s->n >= p->lim.max_headers) {
			s->anom |= ENF_ANOM_HEADERS_LIMIT;
			stop_keeping = true;
			continue;
		}
		if (f[i].name.len + f[i].value.len >
		    p->lim.max_header_bytes - s->buf_len) {
			s->anom |= ENF_ANOM_H2_HEADERS_LIMIT;
			stop_keeping = true;
			continue;
		}
		err = enf_http_grow((void **)&s->f, &s->f_cap, s->n + 1,
				    sizeof(*s->f), p->lim.max_headers);
		if (err)
			return err;
		hf = &s->f[s->n];
		err = stream_put(p, s, f[i].name.ptr, f[i].name.len, &hf->name);
		if (!err)
			err = stream_put(p, s, f[i].value.ptr, f[i].value.len,
					 &hf->value);
		if (err)
			return err;
		s->n++;
	}
	if (!head)
		return 0;
	if (p->side == ENF_HTTP2_CLIENT) {
		check_request_pseudo(s);
		s->head_done = true;
		return 0;
	}
	check_response_pseudo(s);
	if (s->status >= 100 && s->status < 200 && !p->block_end_stream) {
		/* an informational head: the final one comes next */
		s->have = 0;
		s->n = 0;
		s->buf_len = 0;
		s->clen = -1;
		s->anom &= ~(ENF_ANOM_H2_CONTENT_LENGTH);
		return 0;
	}
	s->head_done = true;
	return 0;
}

/* ---- hand-out ---- */

static struct enf_str sspan(const struct h2_stream *s, struct h2_span sp)
{
	struct enf_str x = { sbase(s) + sp.off, sp.len };

	return x;
}

/* Does @s carry a regular field named "host" (HTTP/2 names are lowercase;
 * an uppercase one is flagged at decoding and compared as sent)? */
static bool has_host_field(const struct h2_stream *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct enf_str name = sspan(s, s->f[i].name);

		if (name.len == 4 && !memcmp(name.ptr, "host", 4))
			return true;
	}
	return false;
}

/*
 * The message's fields into p->out; with @authority (a request's), first a
 * "host" field of that value when the request sent none, as nginx hands
 * HTTP/2 requests to its modules (ModSecurity's REQUEST_HEADERS:Host sees
 * the authority there), so a rule on the Host header reads both protocols.
 */
static int build_fields(struct enf_http2 *p, const struct h2_stream *s,
			const struct enf_str *authority)
{
	bool add = authority && !has_host_field(s);
	size_t i, n = s->n + add;
	int err;

	if (n) {
		err = enf_http_grow((void **)&p->out, &p->out_cap, n,
				    sizeof(*p->out), p->lim.max_headers + 1);
		if (err)
			return err;
	}
	if (add) {
		p->out[0].name.ptr = "host";
		p->out[0].name.len = 4;
		p->out[0].value = *authority;
	}
	for (i = 0; i < s->n; i++) {
		p->out[add + i].name = sspan(s, s->f[i].name);
		p->out[add + i].value = sspan(s, s->f[i].value);
	}
	return (int)n;
}

static uint64_t msg_anom(const struct enf_http2 *p, const struct h2_stream *s,
			 uint64_t extra)
{
	uint64_t anom = s->anom | extra | p->conn_anom;

	if (!p->trusted)
		anom |= ENF_ANOM_H2_STATE_LOST;
	return anom;
}

static int hand_out_request(struct enf_http2 *p, struct h2_stream *s,
			    uint64_t extra)
{
	struct enf_request req;
	struct enf_str method = { "", 0 }, uri = { "", 0 }, auth = { "", 0 };
	bool have_auth = s->have & 1u << PS_AUTHORITY;
	size_t need;
	int err, n;

	memset(&req, 0, sizeof(req));
	if (s->have & 1u << PS_METHOD)
		method = sspan(s, s->pseudo[PS_METHOD]);
	if (have_auth)
		auth = sspan(s, s->pseudo[PS_AUTHORITY]);
	if (s->have & 1u << PS_PATH)
		uri = sspan(s, s->pseudo[PS_PATH]);
	else if (str_eq(method, "CONNECT") && have_auth)
		uri = auth;
	n = build_fields(p, s, have_auth ? &auth : NULL);
	if (n < 0)
		return n;
	need = method.len + uri.len +
	       sizeof(" "
		      " HTTP/2.0");
	err = enf_http_grow((void **)&p->line, &p->line_cap, need, 1,
			    2 * p->lim.max_header_bytes + 16);
	if (err)
		return err;
	memcpy(p->line, method.ptr, method.len);
	p->line[method.len] = ' ';
	memcpy(p->line + method.len + 1, uri.ptr, uri.len);
	memcpy(p->line + method.len + 1 + uri.len, " HTTP/2.0", 9);
	req.method = method;
	req.uri = uri;
	req.protocol.ptr = "HTTP/2.0";
	req.protocol.len = 8;
	req.line.ptr = p->line;
	req.line.len = method.len + uri.len + 10;
	req.headers = n ? p->out : NULL;
	req.n_headers = (size_t)n;
	req.body.ptr = s->body ? s->body : "";
	req.body.len = s->body_kept;
	req.body_len = s->body_len;
	req.anomalies = msg_anom(p, s, extra);
	if (have_auth)
		req.host = auth;
	req.stream_id = s->id;
	err = enf_http_derive(&p->derive, &req, &p->lim);
	if (err)
		return err;
	p->c.requests++;
	return p->on_req ? p->on_req(&req, p->ctx) : 0;
}

static int hand_out_response(struct enf_http2 *p, struct h2_stream *s,
			     uint64_t extra)
{
	struct enf_response resp;
	int err;

	err = build_fields(p, s, NULL);
	if (err < 0)
		return err;
	memset(&resp, 0, sizeof(resp));
	resp.protocol.ptr = "HTTP/2.0";
	resp.protocol.len = 8;
	resp.status = s->status;
	resp.reason.ptr = "";
	resp.headers = s->n ? p->out : NULL;
	resp.n_headers = s->n;
	resp.body_len = s->body_len;
	resp.anomalies = msg_anom(p, s, extra);
	if (!s->head_done)
		resp.anomalies |= ENF_ANOM_H2_PSEUDO_HEADER;
	resp.stream_id = s->id;
	p->c.responses++;
	return p->on_resp ? p->on_resp(&resp, p->ctx) : 0;
}

/* Hands @s out (END_STREAM when @extra is 0) and forgets it. */
static void complete(struct enf_http2 *p, struct h2_stream *s, uint64_t extra)
{
	int rc;

	if (!extra && s->clen >= 0 && (uint64_t)s->clen != s->body_len &&
	    /* a response to HEAD, or a 304, has a length and no body */
	    (p->side == ENF_HTTP2_CLIENT || s->body_len))
		s->anom |= ENF_ANOM_H2_CONTENT_LENGTH;
	if (p->side == ENF_HTTP2_CLIENT)
		rc = hand_out_request(p, s, extra);
	else
		rc = hand_out_response(p, s, extra);
	stream_remove(p, s);
	if (rc && !p->stop)
		p->stop = rc;
}

/* ---- errors and trust ---- */

static void conn_error(struct enf_http2 *p)
{
	p->c.errors++;
	p->conn_anom |= ENF_ANOM_H2_PROTOCOL;
}

static void stream_error(struct enf_http2 *p, struct h2_stream *s)
{
	p->c.errors++;
	if (s)
		s->anom |= ENF_ANOM_H2_PROTOCOL;
}

static void lose_state(struct enf_http2 *p)
{
	p->c.hpack_errors++;
	p->trusted = false;
	/* -ENOMEM leaves the decoder lost: later blocks fail and are flagged */
	enf_hpack_reset(p->hp);
}

/* Gives up the block in progress: its stream is handed out as it is. */
static void abandon_block(struct enf_http2 *p, uint64_t anom, bool skip_rest)
{
	struct h2_stream *s = p->block_st;
	int err;

	lose_state(p);
	p->block_st = NULL;
	p->in_block = skip_rest;
	p->block_skip = skip_rest;
	if (!s)
		return;
	s->anom |= anom | ENF_ANOM_H2_HPACK;
	err = apply_block(p, s, !p->block_trailers);
	if (err) {
		stream_remove(p, s);
		if (!p->stop)
			p->stop = err;
		return;
	}
	complete(p, s, anom);
}

/* ---- header blocks ---- */

static void begin_block(struct enf_http2 *p, bool push)
{
	struct h2_stream *s = NULL;
	uint32_t sid = p->fsid;

	p->in_block = true;
	p->block_skip = false;
	p->block_sid = sid;
	p->block_end_stream = !push && (p->fflags & FL_END_STREAM);
	p->block_trailers = false;
	p->n_cont = 0;
	p->block_st = NULL;
	enf_hpack_begin(p->hp);
	if (push || !sid)
		return;
	s = stream_find(p, sid);
	if (s) {
		if (s->head_done) {
			p->block_trailers = true;
			if (!p->block_end_stream)
				stream_error(p, s);
		}
		p->block_st = s;
		return;
	}
	if (p->side == ENF_HTTP2_CLIENT && !(sid & 1)) {
		conn_error(p);
		return;
	}
	if (p->side == ENF_HTTP2_CLIENT && sid <= p->last_sid &&
	    !p->joined_late) {
		/* a stream already closed: decoded for the table only */
		stream_error(p, NULL);
		return;
	}
	if (sid > p->last_sid)
		p->last_sid = sid;
	if (p->n_streams >= p->lim.max_streams) {
		p->c.streams_refused++;
		p->conn_anom |= ENF_ANOM_H2_STREAMS_LIMIT;
		return;
	}
	s = stream_new(p, sid);
	if (!s) {
		p->stop = -ENOMEM;
		return;
	}
	p->block_st = s;
}

static void block_fragment(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	if (!p->in_block || p->block_skip)
		return;
	/* a failure loses the decoder; it is seen at the end of the block */
	enf_hpack_decode(p->hp, b, n, false);
}

static void end_block(struct enf_http2 *p)
{
	struct h2_stream *s = p->block_st;
	bool failed;
	int err;

	p->in_block = false;
	if (p->block_skip) {
		p->block_skip = false;
		return;
	}
	failed = enf_hpack_decode(p->hp, NULL, 0, true) != 0;
	if (failed) {
		lose_state(p);
	} else if (!p->trusted && enf_hpack_block_flushes_table(p->hp)) {
		/* both tables are empty now: trusted from this block on */
		p->trusted = true;
		p->check_plausible = false;
	}
	p->block_st = NULL;
	if (!s)
		return;
	if (failed)
		s->anom |= ENF_ANOM_H2_HPACK;
	if (!p->trusted)
		s->anom |= ENF_ANOM_H2_STATE_LOST;
	err = apply_block(p, s, !p->block_trailers);
	if (err) {
		stream_remove(p, s);
		p->stop = err;
		return;
	}
	if (p->block_end_stream)
		complete(p, s, 0);
}

/* ---- frames ---- */

/* Whether a frame header looks right (for a connection seen midway). */
static bool plausible(const struct enf_http2 *p, const uint8_t *h)
{
	uint32_t len = rd24(h), sid = rd32(h + 5);
	uint8_t type = h[3], fl = h[4];

	if (sid & 0x80000000u || len > DEFAULT_MAX_FRAME)
		return false;
	switch (type) {
	case FT_DATA:
		return sid && !(fl & ~(FL_END_STREAM | FL_PADDED));
	case FT_HEADERS:
		if (p->side == ENF_HTTP2_CLIENT && !(sid & 1))
			return false;
		return sid && !(fl & ~(FL_END_STREAM | FL_END_HEADERS |
				       FL_PADDED | FL_PRIORITY));
	case FT_PRIORITY:
		return sid && len == 5 && !fl;
	case FT_RST_STREAM:
		return sid && len == 4 && !fl;
	case FT_SETTINGS:
		return !sid && !(fl & ~FL_ACK) && len % 6 == 0 &&
		       (!(fl & FL_ACK) || !len);
	case FT_PUSH_PROMISE:
		return p->side == ENF_HTTP2_SERVER && sid && len >= 4 &&
		       !(fl & ~(FL_END_HEADERS | FL_PADDED));
	case FT_PING:
		return !sid && len == 8 && !(fl & ~FL_ACK);
	case FT_GOAWAY:
		return !sid && len >= 8 && !fl;
	case FT_WINDOW_UPDATE:
		return len == 4 && !fl;
	case FT_CONTINUATION:
		/* only where one is due: never a place to resync at */
		return p->in_block && sid == p->block_sid &&
		       !(fl & ~FL_END_HEADERS);
	default:
		return false;
	}
}

static void frame_begin(struct enf_http2 *p)
{
	const uint8_t *h = p->win;

	p->flen = rd24(h);
	p->ftype = h[3];
	p->fflags = h[4];
	p->fsid = rd32(h + 5) & 0x7fffffffu;
	p->fpos = 0;
	p->fskip = false;
	p->pre_need = 0;
	p->pad = 0;
	p->fix_len = 0;
	p->win_len = 0;
	p->c.frames++;
	p->st = ST_PAYLOAD;

	if (p->in_block &&
	    (p->ftype != FT_CONTINUATION || p->fsid != p->block_sid)) {
		/* RFC 9113 6.10: nothing may come between a block's frames */
		conn_error(p);
		if (p->block_skip) {
			p->in_block = false;
			p->block_skip = false;
		} else {
			abandon_block(p,
				      ENF_ANOM_H2_PROTOCOL | ENF_ANOM_H2_RESET,
				      false);
		}
	}
	if (p->fflags & FL_PADDED &&
	    (p->ftype == FT_DATA || p->ftype == FT_HEADERS ||
	     p->ftype == FT_PUSH_PROMISE))
		p->pre_need = 1;
	switch (p->ftype) {
	case FT_DATA:
		if (!p->fsid) {
			conn_error(p);
			p->fskip = true;
		} else if (!stream_find(p, p->fsid) && p->fsid > p->last_sid &&
			   !p->joined_late) {
			conn_error(p); /* an idle stream */
		}
		break;
	case FT_HEADERS:
		if (p->fflags & FL_PRIORITY)
			p->pre_need += 5;
		if (!p->fsid)
			conn_error(p);
		if (p->flen < p->pre_need) {
			conn_error(p);
			p->fskip = true;
			break;
		}
		begin_block(p, false);
		break;
	case FT_PUSH_PROMISE:
		p->pre_need += 4;
		if (p->side == ENF_HTTP2_CLIENT || !p->fsid)
			conn_error(p);
		if (p->flen < p->pre_need) {
			conn_error(p);
			p->fskip = true;
			break;
		}
		begin_block(p, true);
		break;
	case FT_CONTINUATION:
		if (!p->in_block) {
			conn_error(p);
			p->fskip = true;
			break;
		}
		if (++p->n_cont > p->lim.max_continuations && !p->block_skip) {
			abandon_block(p, ENF_ANOM_H2_CONTINUATION_LIMIT, true);
			p->fskip = true;
		}
		break;
	case FT_PRIORITY:
		if (!p->fsid)
			conn_error(p);
		else if (p->flen != 5)
			stream_error(p, stream_find(p, p->fsid));
		p->fskip = true;
		break;
	case FT_RST_STREAM:
		if (!p->fsid || p->flen != 4) {
			conn_error(p);
			p->fskip = true;
		}
		break;
	case FT_SETTINGS:
		if (p->fsid || p->flen % 6 || (p->fflags & FL_ACK && p->flen)) {
			conn_error(p);
			p->fskip = true;
		}
		break;
	case FT_PING:
		if (p->fsid || p->flen != 8)
			conn_error(p);
		p->fskip = true;
		break;
	case FT_GOAWAY:
		if (p->fsid || p->flen < 8) {
			conn_error(p);
			p->fskip = true;
		}
		break;
	case FT_WINDOW_UPDATE:
		if (p->flen != 4)
			conn_error(p);
		p->fskip = true;
		break;
	default:
		p->fskip = true; /* unknown types are ignored */
		break;
	}
}

static void settings_entry(struct enf_http2 *p)
{
	uint16_t id = (uint16_t)(p->fix[0] << 8 | p->fix[1]);

	if (id == SETTINGS_HEADER_TABLE_SIZE)
		p->c.peer_table_size = rd32(p->fix + 2);
}

static void body_bytes(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	struct h2_stream *s = stream_find(p, p->fsid);
	size_t room, k;
	int err;

	if (!s) {
		p->c.ignored_data += n;
		return;
	}
	s->body_len += n;
	room = p->lim.max_body - s->body_kept;
	k = n < room ? n : room;
	if (k < n)
		s->anom |= ENF_ANOM_BODY_TRUNCATED;
	if (!k)
		return;
	err = enf_http_grow((void **)&s->body, &s->body_cap, s->body_kept + k,
			    1, p->lim.max_body);
	if (err) {
		p->stop = err;
		return;
	}
	memcpy(s->body + s->body_kept, b, k);
	s->body_kept += k;
}

static void content_bytes(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	size_t k;

	switch (p->ftype) {
	case FT_DATA:
		body_bytes(p, b, n);
		return;
	case FT_HEADERS:
	case FT_PUSH_PROMISE:
	case FT_CONTINUATION:
		block_fragment(p, b, n);
		return;
	case FT_SETTINGS:
		while (n) {
			k = 6 - p->fix_len;
			k = n < k ? n : k;
			memcpy(p->fix + p->fix_len, b, k);
			p->fix_len += k;
			b += k;
			n -= k;
			if (p->fix_len == 6) {
				settings_entry(p);
				p->fix_len = 0;
			}
		}
		return;
	default:
		k = sizeof(p->fix) - p->fix_len;
		k = n < k ? n : k;
		memcpy(p->fix + p->fix_len, b, k);
		p->fix_len += k;
		return;
	}
}

/* Payload bytes of the current frame: prefix, content, padding. */
static void payload_bytes(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	while (n) {
		size_t k, end;

		if (p->fskip) {
			p->fpos += n;
			return;
		}
		if (p->fpos < p->pre_need) {
			k = p->pre_need - p->fpos;
			k = n < k ? n : k;
			memcpy(p->pre + p->fpos, b, k);
			p->fpos += k;
			b += k;
			n -= k;
			if (p->fpos == p->pre_need && p->fflags & FL_PADDED) {
				p->pad = p->pre[0];
				if (p->pad > p->flen - p->pre_need) {
					/* RFC 9113 6.1: a connection error */
					conn_error(p);
					p->pad = p->flen - p->pre_need;
				}
			}
			continue;
		}
		end = p->flen - p->pad;
		if (p->fpos < end) {
			k = end - p->fpos;
			k = n < k ? n : k;
			content_bytes(p, b, k);
		} else {
			k = p->flen - p->fpos;
			k = n < k ? n : k;
		}
		p->fpos += k;
		b += k;
		n -= k;
	}
}

static void goaway(struct enf_http2 *p)
{
	while (p->n_streams && !p->stop)
		complete(p, p->streams[0], ENF_ANOM_H2_RESET);
}

static void frame_end(struct enf_http2 *p)
{
	struct h2_stream *s;

	p->st = ST_HEADER;
	switch (p->ftype) {
	case FT_DATA:
		if (p->fskip || !(p->fflags & FL_END_STREAM))
			return;
		s = stream_find(p, p->fsid);
		if (s && s->head_done)
			complete(p, s, 0);
		else if (s)
			stream_error(p, s); /* a body before a final head */
		return;
	case FT_HEADERS:
	case FT_PUSH_PROMISE:
	case FT_CONTINUATION:
		if (!p->fskip || p->block_skip) {
			if (p->in_block && p->fflags & FL_END_HEADERS)
				end_block(p);
		}
		return;
	case FT_RST_STREAM:
		if (p->fskip)
			return;
		s = stream_find(p, p->fsid);
		if (s)
			complete(p, s, ENF_ANOM_H2_RESET);
		return;
	case FT_GOAWAY:
		if (!p->fskip)
			goaway(p);
		return;
	default:
		return;
	}
}

/* A frame header is complete in p->win. */
static void header_ready(struct enf_http2 *p)
{
	if (p->first_frame) {
		p->first_frame = false;
		/* RFC 9113 3.4: each side starts with SETTINGS. A server
		 * side that does not was joined midway; a client side that
		 * sent the preface is in error. */
		if (p->win[3] != FT_SETTINGS || (p->win[4] & FL_ACK)) {
			if (p->side == ENF_HTTP2_SERVER) {
				p->joined_late = true;
				p->check_plausible = true;
				p->trusted = false;
			} else {
				conn_error(p);
			}
		}
	}
	if (p->check_plausible && !plausible(p, p->win)) {
		p->st = ST_RESYNC;
		memmove(p->win, p->win + 1, FRAME_HDR - 1);
		p->win_len = FRAME_HDR - 1;
		p->c.skipped++;
		return;
	}
	frame_begin(p);
	if (!p->flen)
		frame_end(p);
}

static void resync_byte(struct enf_http2 *p, uint8_t b)
{
	p->win[p->win_len++] = b;
	if (p->win_len < FRAME_HDR)
		return;
	if (plausible(p, p->win)) {
		p->c.resyncs++;
		frame_begin(p);
		if (!p->flen)
			frame_end(p);
		return;
	}
	memmove(p->win, p->win + 1, FRAME_HDR - 1);
	p->win_len = FRAME_HDR - 1;
	p->c.skipped++;
}

static void go_midstream(struct enf_http2 *p)
{
	p->joined_late = true;
	p->check_plausible = true;
	p->trusted = false;
	p->first_frame = false;
	p->st = ST_RESYNC;
	p->win_len = 0;
}

static size_t preface_bytes(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		if (b[i] == (uint8_t)ENF_HTTP2_PREFACE[p->pre_pos]) {
			if (++p->pre_pos == ENF_HTTP2_PREFACE_LEN) {
				p->st = ST_HEADER;
				return i + 1;
			}
			continue;
		}
		/* not the preface: a connection seen from the middle */
		k = p->pre_pos;
		go_midstream(p);
		for (size_t j = 0; j < k && p->st == ST_RESYNC; j++)
			resync_byte(p, (uint8_t)ENF_HTTP2_PREFACE[j]);
		if (p->st == ST_RESYNC) {
			resync_byte(p, b[i]);
		} else {
			/* a frame began inside the preface's bytes: unlikely
			 * (no plausible header there), handled as payload */
			return i;
		}
		return i + 1;
	}
	return n;
}

static void feed_bytes(struct enf_http2 *p, const uint8_t *b, size_t n)
{
	while (n && !p->stop) {
		size_t k;

		switch (p->st) {
		case ST_PREFACE:
			k = preface_bytes(p, b, n);
			break;
		case ST_RESYNC:
			resync_byte(p, b[0]);
			k = 1;
			break;
		case ST_HEADER:
			k = FRAME_HDR - p->win_len;
			k = n < k ? n : k;
			memcpy(p->win + p->win_len, b, k);
			p->win_len += k;
			if (p->win_len == FRAME_HDR)
				header_ready(p);
			break;
		case ST_PAYLOAD:
			k = p->flen - p->fpos;
			k = n < k ? n : k;
			payload_bytes(p, b, k);
			if (p->fpos == p->flen)
				frame_end(p);
			break;
		default:
			return;
		}
		b += k;
		n -= k;
	}
}

/* ---- public ---- */

static int h2_new(const struct enf_http_limits *lim, enum enf_http2_side side,
		  bool midstream, struct enf_http2 **out)
{
	struct enf_hpack_limits hl;
	struct enf_http2 *p;
	int err;

	*out = NULL;
	if (side != ENF_HTTP2_CLIENT && side != ENF_HTTP2_SERVER)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = enf_http_limits_resolve(lim, &p->lim);
	if (err)
		goto out_free;
	err = -EINVAL;
	if (!p->lim.max_headers)
		goto out_free;
	p->side = side;
	hl.max_bytes = p->lim.max_header_bytes;
	/* the fields, with room for every pseudo-header */
	hl.max_fields = p->lim.max_headers + PS_N;
	hl.max_table = ENF_HTTP2_MAX_TABLE;
	hl.open_table = true;
	err = enf_hpack_new(&hl, &p->hp);
	if (err)
		goto out_free;
	err = -ENOMEM;
	p->streams = calloc(p->lim.max_streams, sizeof(*p->streams));
	if (!p->streams)
		goto out_hpack;
	p->c.peer_table_size = ENF_HPACK_DEFAULT_TABLE;
	p->trusted = true;
	p->first_frame = true;
	p->st = side == ENF_HTTP2_CLIENT ? ST_PREFACE : ST_HEADER;
	if (midstream)
		go_midstream(p);
	*out = p;
	return 0;

out_hpack:
	enf_hpack_free(p->hp);
out_free:
	free(p);
	return err;
}

int enf_http2_new(const struct enf_http_limits *lim, enum enf_http2_side side,
		  struct enf_http2 **out)
{
	return h2_new(lim, side, false, out);
}

int enf_http2_new_midstream(const struct enf_http_limits *lim,
			    enum enf_http2_side side, struct enf_http2 **out)
{
	return h2_new(lim, side, true, out);
}

void enf_http2_free(struct enf_http2 *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n_streams; i++)
		stream_free(p->streams[i]);
	free(p->streams);
	enf_hpack_free(p->hp);
	free(p->out);
	free(p->line);
	enf_http_derive_release(&p->derive);
	free(p);
}

static void set_cbs(struct enf_http2 *p, enf_http1_cb on_request,
		    enf_http2_resp_cb on_response, void *ctx)
{
	p->on_req = on_request;
	p->on_resp = on_response;
	p->ctx = ctx;
	p->stop = 0;
}

int enf_http2_feed(struct enf_http2 *p, const void *data, size_t len,
		   enf_http1_cb on_request, enf_http2_resp_cb on_response,
		   void *ctx)
{
	if (!p || (!data && len) || p->st == ST_FINISHED)
		return -EINVAL;
	set_cbs(p, on_request, on_response, ctx);
	feed_bytes(p, data, len);
	return p->stop;
}

int enf_http2_finish(struct enf_http2 *p, enf_http1_cb on_request,
		     enf_http2_resp_cb on_response, void *ctx)
{
	if (!p || p->st == ST_FINISHED)
		return -EINVAL;
	set_cbs(p, on_request, on_response, ctx);
	if (p->in_block && !p->block_skip)
		abandon_block(p, ENF_ANOM_H2_RESET, false);
	p->in_block = false;
	goaway(p);
	p->st = ST_FINISHED;
	while (p->n_streams)
		stream_remove(p, p->streams[0]);
	return p->stop;
}

void enf_http2_counters(const struct enf_http2 *p, struct enf_http2_counters *c)
{
	*c = p->c;
}

bool enf_http2_trusted(const struct enf_http2 *p)
{
	return p->trusted;
}
