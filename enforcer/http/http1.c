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
 * it ends the line (CRLF) or belongs to it. Two small scanners look at every
 * content byte as it streams in, kept or not, so that no cap can hide what
 * frames a request: one finds the protocol at the end of a request line,
 * the other reads Content-Length and Transfer-Encoding values (and their
 * folds) into the framing state.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/http/http1.h"
#include "http_internal.h"

#define H1_PROTO_LEN 8 /* "HTTP/1.1" */
/* Bytes of the protocol remembered for a request line cut by max_line. */
#define H1_PROTO_MAX 32

/* Where the request-line scanner is in SP "HTTP/" 1*DIGIT "." 1*DIGIT *OWS
 * at the end of the line read so far. */
enum h1_rl_state {
	RL_NONE,
	RL_H,
	RL_HT,
	RL_HTT,
	RL_HTTP,
	RL_SLASH,
	RL_MAJOR,
	RL_DOT,
	RL_MINOR, /* a complete version */
	RL_OWS, /* a complete version and OWS after it */
};

/* Where the framing scanner is in the current head line. */
enum h1_hs_phase {
	HS_START, /* no content byte yet */
	HS_NAME,
	HS_VALUE, /* the value (or a fold) of a framing header */
	HS_OTHER, /* nothing more to look at on this line */
	HS_GHOST, /* a framing name then OWS: "Transfer-Encoding :" */
};

/* Where the trailer scanner is in a trailer line. */
enum h1_tr_phase {
	TR_START,
	TR_NAME,
	TR_DONE,
};

enum h1_fh {
	FH_NONE,
	FH_CL, /* Content-Length */
	FH_TE, /* Transfer-Encoding */
};

/* Where the framing scanner is in one element of a comma list. */
enum h1_el {
	EL_EMPTY, /* nothing but OWS yet */
	EL_TOKEN,
	EL_AFTER, /* OWS after the token */
};

enum h1_state {
	H1_REQ_LINE, /* at a request boundary: a line that may be a request */
	H1_HEADER, /* a header line, or the empty line that ends the head */
	H1_SKIP_HEAD, /* head over max_header_bytes: read its rest for framing */
	H1_BODY, /* Content-Length body */
	H1_CHUNK_SIZE, /* chunk-size [BWS] */
	H1_CHUNK_EXT, /* ";ext..." up to the end of the chunk-size line */
	H1_CHUNK_DATA,
	H1_CHUNK_CR, /* the CRLF after chunk data */
	H1_CHUNK_LF,
	H1_TRAILER, /* trailer lines up to the empty line */
	H1_CLOSE_BODY, /* response body delimited by the end of the stream */
	H1_TUNNEL, /* after 101 or a 2xx to CONNECT: no longer HTTP/1 */
};

/* What a response answers, as the daemon told (enf_http1_resp_expect()) */
enum h1_req_kind {
	RK_OTHER,
	RK_HEAD,
	RK_CONNECT,
};

/* Requests whose responses are awaited, remembered by kind. */
#define H1_RESP_QUEUE 256

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
	bool resp; /* a response parser (struct enf_http1_resp) */
	bool status_only; /* responses: header lines not kept */

	/* the line being read */
	size_t line_start; /* its offset in head */
	size_t line_len; /* content bytes seen, line ending excluded */
	size_t line_kept; /* content bytes stored in head */
	uint64_t line_raw; /* every byte seen, line ending included */
	bool cr_pending; /* a CR was the last byte seen */
	bool line_crlf; /* the line that just ended had CR before LF */
	bool line_cut; /* a content byte did not fit in the line or head cap */
	bool head_full; /* a byte did not fit in max_header_bytes */

	/* request-line scanner: the protocol at the end of the line */
	enum h1_rl_state rl_st;
	bool rl_prev_sp; /* the last byte was SP */
	size_t rl_sp; /* line offset of the SP before "HTTP/" */
	size_t rl_end; /* line offset just past the version */
	unsigned int rl_major; /* its value, 2 standing for anything over 1 */
	size_t rl_proto_len; /* bytes of the protocol, "HTTP/" included */
	char rl_proto[H1_PROTO_MAX]; /* its first bytes */

	/* framing scanner: Content-Length and Transfer-Encoding as they come */
	enum h1_hs_phase hs_phase;
	enum h1_fh hs_open; /* the framing header a fold would continue */
	size_t hs_nlen; /* name bytes so far */
	bool hs_cl; /* ... a prefix of "content-length" */
	bool hs_te; /* ... a prefix of "transfer-encoding" */
	bool hs_fold; /* the line is a fold (starts with OWS) */
	bool hs_ows; /* an OWS run of a framing value not stored yet */
	bool hs_folded; /* the open framing header was folded */
	bool hs_long; /* one of its lines went over the line cap */
	enum h1_el el_st;
	bool el_bad; /* Content-Length element not a number */
	uint64_t el_val;
	size_t el_len; /* Transfer-Encoding element: bytes matched */
	bool el_chunked; /* ... still "chunked" */
	/* the Transfer-Encoding line as sent: [SP] "chunked" and nothing else */
	unsigned int te_c; /* bytes of "chunked" matched */
	bool te_c_sp; /* its one leading SP seen */
	bool te_c_bad; /* a byte off that form */
	enum h1_fh hs_ghost; /* the framing name before OWS (HS_GHOST) */

	/* trailer scanner */
	enum h1_tr_phase tr_phase;
	size_t tr_nlen;
	bool tr_cl;
	bool tr_te;

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
	size_t proto_len;
	size_t reqline_len;
	uint64_t anom;
	bool http10; /* the request line's version is 1.0 */
	unsigned int status; /* a response's; 0: the line did not parse */

	/* framing */
	bool cl_seen;
	bool cl_have; /* cl holds a valid value */
	bool cl_bad;
	uint64_t cl;
	bool te_seen;
	bool te_last_chunked;
	unsigned int te_chunked;
	unsigned int cl_elems; /* Content-Length list elements, all lines */
	unsigned int te_lines; /* Transfer-Encoding field lines */
	bool te_odd; /* one was not [SP] "chunked" exactly */
	bool ghost_cl; /* "Content-Length" OWS ":" (not a field name) */
	bool ghost_te; /* "Transfer-Encoding" OWS ":" */
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
	struct enf_http_derive derive; /* path, query, args, cookies, host... */
};

/* A response parser: the request parser's machinery in response mode and
 * the kinds of the requests awaiting their response, oldest first. */
struct enf_http1_resp {
	struct enf_http1 h;
	unsigned char q[H1_RESP_QUEUE]; /* enum h1_req_kind */
	size_t q_head;
	size_t q_len;
	uint64_t q_over; /* awaited past the queue (behind it): RK_OTHER */
	bool tunnel_next; /* the response being read ends the HTTP/1 stream */
};

#define h1_resp_of(p)                                                          \
	((struct enf_http1_resp *)((char *)(p)-offsetof(struct enf_http1_resp, \
							h)))

struct h1_io {
	const char *d;
	size_t len;
	size_t pos;
	enf_http1_cb cb;
	enf_http1_resp_cb rcb;
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
	lim->max_json_depth = 32;
	lim->max_parts = 128;
	lim->max_streams = 128;
	lim->max_continuations = 16;
}

int enf_http_limits_resolve(const struct enf_http_limits *in,
			    struct enf_http_limits *out)
{
	struct enf_http_limits def;

	enf_http_limits_default(&def);
	if (!in) {
		*out = def;
		return 0;
	}
	if (in->max_line < ENF_HTTP1_MIN_LINE ||
	    in->max_header_bytes < ENF_HTTP1_MIN_LINE ||
	    in->max_line > ENF_HTTP1_MAX_CAP ||
	    in->max_header_bytes > ENF_HTTP1_MAX_CAP ||
	    in->max_headers > ENF_HTTP1_MAX_CAP ||
	    in->max_args > ENF_HTTP1_MAX_CAP ||
	    in->max_body > ENF_HTTP1_MAX_CAP ||
	    in->max_json_depth > ENF_HTTP1_MAX_CAP ||
	    in->max_parts > ENF_HTTP1_MAX_CAP ||
	    in->max_streams > ENF_HTTP1_MAX_CAP ||
	    in->max_continuations > ENF_HTTP1_MAX_CAP)
		return -EINVAL;
	*out = *in;
	if (!out->max_json_depth)
		out->max_json_depth = def.max_json_depth;
	if (!out->max_parts)
		out->max_parts = def.max_parts;
	if (!out->max_streams)
		out->max_streams = def.max_streams;
	if (!out->max_continuations)
		out->max_continuations = def.max_continuations;
	return 0;
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
	p->line_cut = false;
	p->rl_st = RL_NONE;
	p->rl_prev_sp = false;
	p->rl_proto_len = 0;
	p->hs_phase = HS_START;
	p->hs_fold = false;
	p->hs_ows = false;
	p->tr_phase = TR_START;
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
	p->proto_len = 0;
	p->reqline_len = 0;
	p->anom = 0;
	p->http10 = false;
	p->status = 0;
	p->cl_elems = 0;
	p->te_lines = 0;
	p->te_odd = false;
	p->ghost_cl = false;
	p->ghost_te = false;
	p->cl_seen = false;
	p->cl_have = false;
	p->cl_bad = false;
	p->cl = 0;
	p->te_seen = false;
	p->te_last_chunked = false;
	p->te_chunked = 0;
	p->hs_open = FH_NONE;
	p->hs_folded = false;
	p->hs_long = false;
	p->remaining = 0;
	p->body_kept = 0;
	p->body_len = 0;
	h1_line_reset(p);
}

/* A zeroed parser (request or response) made ready under the caps @l. */
static void h1_init(struct enf_http1 *p, const struct enf_http_limits *l)
{
	p->lim = *l;
	p->line_cap = min_sz(l->max_line, l->max_header_bytes);
	/* room for the protocol copied behind a cut request line */
	p->head_max = l->max_header_bytes + H1_PROTO_MAX;
	h1_request_reset(p);
}

int enf_http1_new(const struct enf_http_limits *lim, struct enf_http1 **out)
{
	struct enf_http_limits l;
	struct enf_http1 *p;

	*out = NULL;
	if (enf_http_limits_resolve(lim, &l))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	h1_init(p, &l);
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
	enf_http_derive_release(&p->derive);
	free(p);
}

uint64_t enf_http1_skipped(const struct enf_http1 *p)
{
	return p->skipped;
}

/* Content bytes of the current line into head, within the line cap and
 * max_header_bytes; what does not fit is dropped and marks the line cut. */
static int h1_store(struct enf_http1 *p, const char *s, size_t n)
{
	size_t room_line, room_head, k;
	int err;

	room_line = p->line_cap - p->line_kept;
	room_head = p->head_len < p->lim.max_header_bytes ?
			    p->lim.max_header_bytes - p->head_len :
			    0;
	k = min_sz(n, min_sz(room_line, room_head));
	if (k < n) {
		p->line_cut = true;
		if (room_head < room_line)
			p->head_full = true;
	}
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
 * One byte of a line that may be a request line, at offset @off in it: keeps
 * track of whether the line read so far ends in SP "HTTP/" 1*DIGIT "."
 * 1*DIGIT *(SP / HTAB), where that protocol starts and ends, its major
 * version and its first bytes. A cap on the line cannot hide it.
 */
static void h1_rl_byte(struct enf_http1 *p, unsigned char c, size_t off)
{
	enum h1_rl_state st = p->rl_st, next = RL_NONE;
	bool prev_sp = p->rl_prev_sp;

	p->rl_prev_sp = c == ' ';
	if (h1_ows(c)) {
		p->rl_st = st == RL_MINOR || st == RL_OWS ? RL_OWS : RL_NONE;
		return;
	}
	if (c == 'H' && prev_sp) {
		/* no state goes on with 'H': a new candidate, the only one */
		p->rl_st = RL_H;
		p->rl_sp = off - 1;
		p->rl_major = 0;
		p->rl_proto_len = 0;
		goto out_keep;
	}
	switch (st) {
	case RL_H:
	case RL_HT:
		if (c == 'T')
			next = st + 1;
		break;
	case RL_HTT:
		if (c == 'P')
			next = RL_HTTP;
		break;
	case RL_HTTP:
		if (c == '/')
			next = RL_SLASH;
		break;
	case RL_SLASH:
	case RL_MAJOR:
		if (c >= '0' && c <= '9') {
			next = RL_MAJOR;
			p->rl_major = p->rl_major * 10 + (c - '0');
			if (p->rl_major > 1)
				p->rl_major = 2;
		} else if (c == '.' && st == RL_MAJOR) {
			next = RL_DOT;
		}
		break;
	case RL_DOT:
	case RL_MINOR:
		if (c >= '0' && c <= '9')
			next = RL_MINOR;
		break;
	default:
		break;
	}
	p->rl_st = next;
	if (next == RL_NONE)
		return;
out_keep:
	if (p->rl_proto_len < H1_PROTO_MAX)
		p->rl_proto[p->rl_proto_len] = c;
	p->rl_proto_len++;
	p->rl_end = off + 1;
}

static void h1_el_start(struct enf_http1 *p)
{
	p->el_st = EL_EMPTY;
	p->el_bad = false;
	p->el_val = 0;
	p->el_len = 0;
	p->el_chunked = true;
}

/* An element of the open framing header's value ended (comma or end). */
static void h1_el_end(struct enf_http1 *p)
{
	if (p->hs_open == FH_CL) {
		/* sent twice, or as a list: flagged whatever the values */
		if (++p->cl_elems > 1)
			p->anom |= ENF_ANOM_DUP_CONTENT_LENGTH;
		/* a list of equal values is one value (RFC 9110 8.6) */
		if (p->el_st == EL_EMPTY || p->el_bad) {
			p->cl_bad = true;
		} else {
			if (p->cl_have && p->el_val != p->cl)
				p->cl_bad = true;
			p->cl = p->el_val;
			p->cl_have = true;
		}
	} else if (p->el_st != EL_EMPTY) {
		/* empty list elements are allowed and ignored */
		bool chunked = p->el_chunked && p->el_len == 7;

		if (chunked && p->te_chunked < 2)
			p->te_chunked++;
		p->te_last_chunked = chunked;
	}
	h1_el_start(p);
}

/* One byte of the open framing header's value; a fold counts as OWS. */
static void h1_el_byte(struct enf_http1 *p, unsigned char c)
{
	if (h1_ows(c)) {
		if (p->el_st == EL_TOKEN)
			p->el_st = EL_AFTER;
		return;
	}
	if (c == ',') {
		h1_el_end(p);
		return;
	}
	if (p->hs_open == FH_CL) {
		unsigned int d = c - '0';

		if (d > 9 || p->el_st == EL_AFTER ||
		    p->el_val > (UINT64_MAX - d) / 10)
			p->el_bad = true;
		else
			p->el_val = p->el_val * 10 + d;
	} else if (p->el_st == EL_AFTER || p->el_len >= 7 ||
		   enf_http_lower(c) != (unsigned char)"chunked"[p->el_len]) {
		/* OWS inside the coding, or a byte off "chunked" */
		p->el_chunked = false;
	} else {
		p->el_len++;
	}
	p->el_st = EL_TOKEN;
}

/*
 * One byte of a Transfer-Encoding value, folds included, against the one
 * form every peer reads alike: at most one SP, then "chunked" in lower case,
 * then the line's end. Case, tabs, more spaces, quotes, lists and unknown
 * codings are what implementations have been seen to read differently.
 */
static void h1_te_canon(struct enf_http1 *p, unsigned char c)
{
	if (!p->te_c && !p->te_c_sp && c == ' ')
		p->te_c_sp = true;
	else if (p->te_c < 7 && c == (unsigned char)"chunked"[p->te_c])
		p->te_c++;
	else
		p->te_c_bad = true;
}

/* The open framing header is complete: the line after it is no fold. */
static void h1_framing_end(struct enf_http1 *p)
{
	if (p->hs_open == FH_NONE)
		return;
	h1_el_end(p);
	if (p->hs_open == FH_TE &&
	    (p->te_c_bad || p->te_c != 7 || p->hs_folded))
		p->te_odd = true;
	/*
	 * Peers disagree on a folded framing header or one on an overlong
	 * line: some refuse the request, the others unfold it, trim the OWS and
	 * read the whole value, as done here. Flagged, framed by that value.
	 */
	if (p->hs_folded || p->hs_long)
		p->anom |= p->hs_open == FH_CL ? ENF_ANOM_BAD_CONTENT_LENGTH :
						 ENF_ANOM_BAD_TRANSFER_ENCODING;
	if (p->hs_folded)
		p->anom |= ENF_ANOM_OBS_FOLD;
	if (p->hs_long)
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
	p->hs_open = FH_NONE;
}

/* The first content byte of a head line: a fold, or a new field. */
static void h1_hs_line_start(struct enf_http1 *p, unsigned char c)
{
	if (h1_ows(c)) {
		p->hs_fold = true;
		if (p->hs_open == FH_NONE) {
			p->hs_phase = HS_OTHER;
			return;
		}
		p->hs_folded = true;
		p->hs_phase = HS_VALUE;
		return;
	}
	h1_framing_end(p);
	p->hs_phase = HS_NAME;
	p->hs_nlen = 0;
	p->hs_cl = true;
	p->hs_te = true;
}

static void h1_hs_name_byte(struct enf_http1 *p, unsigned char c)
{
	static const char cl[] = "content-length", te[] = "transfer-encoding";
	enum h1_fh fh = FH_NONE;

	if (h1_ows(c) && ((p->hs_cl && p->hs_nlen == sizeof(cl) - 1) ||
			  (p->hs_te && p->hs_nlen == sizeof(te) - 1))) {
		/* maybe "Transfer-Encoding :": not a field name (RFC 9112
		 * 5.1), though a lenient peer may strip the OWS */
		p->hs_ghost = p->hs_cl && p->hs_nlen == sizeof(cl) - 1 ? FH_CL :
									 FH_TE;
		p->hs_phase = HS_GHOST;
		return;
	}
	if (c != ':') {
		/* both names are tokens: a byte that matches is a tchar */
		c = enf_http_lower(c);
		p->hs_cl = p->hs_cl && p->hs_nlen < sizeof(cl) - 1 &&
			   c == (unsigned char)cl[p->hs_nlen];
		p->hs_te = p->hs_te && p->hs_nlen < sizeof(te) - 1 &&
			   c == (unsigned char)te[p->hs_nlen];
		p->hs_nlen++;
		if (!p->hs_cl && !p->hs_te)
			p->hs_phase = HS_OTHER;
		return;
	}
	if (p->hs_cl && p->hs_nlen == sizeof(cl) - 1)
		fh = FH_CL;
	else if (p->hs_te && p->hs_nlen == sizeof(te) - 1)
		fh = FH_TE;
	if (fh == FH_NONE) {
		p->hs_phase = HS_OTHER;
		return;
	}
	p->hs_phase = HS_VALUE;
	p->hs_open = fh;
	p->hs_folded = false;
	p->hs_long = false;
	h1_el_start(p);
	if (fh == FH_CL) {
		p->cl_seen = true;
	} else {
		p->te_seen = true;
		p->te_lines++;
		p->te_c = 0;
		p->te_c_sp = false;
		p->te_c_bad = false;
	}
}

/* A byte after "Content-Length" or "Transfer-Encoding" and OWS. */
static void h1_hs_ghost_byte(struct enf_http1 *p, unsigned char c)
{
	if (h1_ows(c))
		return;
	if (c == ':') {
		if (p->hs_ghost == FH_CL)
			p->ghost_cl = true;
		else
			p->ghost_te = true;
	}
	p->hs_phase = HS_OTHER;
}

/*
 * Content bytes of a head line, kept when @keep, through the framing scanner.
 * A framing header's value is stored with every OWS run that has more after
 * it as one SP, and without its trailing run, so padding can push neither
 * its content past the line cap nor its report away from what frames.
 */
static int h1_hdr_content(struct enf_http1 *p, const char *s, size_t n,
			  bool keep)
{
	size_t i = 0, run = 0; /* bytes [run, i) are stored as they are */
	int err;

	while (i < n && p->hs_phase != HS_OTHER) {
		unsigned char c = s[i];

		if (p->hs_phase == HS_START) {
			h1_hs_line_start(p, c);
			continue;
		}
		if (p->hs_phase == HS_NAME) {
			h1_hs_name_byte(p, c);
			i++;
			continue;
		}
		if (p->hs_phase == HS_GHOST) {
			h1_hs_ghost_byte(p, c);
			i++;
			continue;
		}
		if (p->hs_open == FH_TE)
			h1_te_canon(p, c);
		h1_el_byte(p, c);
		if (h1_ows(c)) {
			if (keep && i > run) {
				err = h1_store(p, s + run, i - run);
				if (err)
					return err;
			}
			p->hs_ows = true;
			run = ++i;
			continue;
		}
		if (p->hs_ows) {
			/* run == i: the OWS before this byte was not stored */
			p->hs_ows = false;
			if (keep) {
				err = h1_store(p, " ", 1);
				if (err)
					return err;
			}
		}
		i++;
	}
	if (!keep || run == n)
		return 0;
	return h1_store(p, s + run, n - run);
}

/*
 * One byte of a trailer line: trailers are not kept, but a line that is no
 * field, a field name that is not a token, and the framing fields (which a
 * trailer must not carry, RFC 9110 6.5.1, and a peer merging trailers into
 * the head would frame by) are flagged ENF_ANOM_BAD_HEADER; a fold
 * ENF_ANOM_OBS_FOLD. Trailers never frame anything.
 */
static void h1_tr_byte(struct enf_http1 *p, unsigned char c)
{
	static const char cl[] = "content-length", te[] = "transfer-encoding";

	switch (p->tr_phase) {
	case TR_START:
		if (h1_ows(c)) {
			p->anom |= ENF_ANOM_OBS_FOLD;
			p->tr_phase = TR_DONE;
			return;
		}
		p->tr_phase = TR_NAME;
		p->tr_nlen = 0;
		p->tr_cl = true;
		p->tr_te = true;
		/* fall through */
	case TR_NAME:
		if (c == ':') {
			if (!p->tr_nlen ||
			    (p->tr_cl && p->tr_nlen == sizeof(cl) - 1) ||
			    (p->tr_te && p->tr_nlen == sizeof(te) - 1))
				p->anom |= ENF_ANOM_BAD_HEADER;
			p->tr_phase = TR_DONE;
			return;
		}
		if (!h1_tchar(c)) {
			p->anom |= ENF_ANOM_BAD_HEADER;
			p->tr_phase = TR_DONE;
			return;
		}
		c = enf_http_lower(c);
		p->tr_cl = p->tr_cl && p->tr_nlen < sizeof(cl) - 1 &&
			   c == (unsigned char)cl[p->tr_nlen];
		p->tr_te = p->tr_te && p->tr_nlen < sizeof(te) - 1 &&
			   c == (unsigned char)te[p->tr_nlen];
		p->tr_nlen++;
		return;
	default:
		return;
	}
}

/* Content bytes of the current line: scanned, and stored when @keep. */
static int h1_line_content(struct enf_http1 *p, const char *s, size_t n,
			   bool keep)
{
	size_t off = p->line_len, i;

	p->line_len += n;
	/* content bytes: a CR here is not followed by LF (line_step()) */
	if (n && memchr(s, '\r', n))
		p->anom |= ENF_ANOM_BARE_CR;
	if (n && memchr(s, '\0', n))
		p->anom |= ENF_ANOM_NUL_BYTE;
	switch (p->st) {
	case H1_REQ_LINE:
		if (p->resp)
			break;
		for (i = 0; i < n; i++) {
			if (p->rl_st == RL_NONE && !p->rl_prev_sp) {
				/* nothing can start before the next SP */
				const char *sp = memchr(s + i, ' ', n - i);

				if (!sp)
					break;
				i = sp - s;
			}
			h1_rl_byte(p, s[i], off + i);
		}
		break;
	case H1_HEADER:
	case H1_SKIP_HEAD:
		return h1_hdr_content(p, s, n, keep);
	case H1_TRAILER:
		for (i = 0; i < n && p->tr_phase != TR_DONE; i++)
			h1_tr_byte(p, s[i]);
		break;
	default:
		break;
	}
	if (!keep || !n)
		return 0;
	return h1_store(p, s, n);
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
	if (p->line_len > p->lim.max_line)
		p->anom |= ENF_ANOM_LINE_TOO_LONG;
	return 1;
}

static struct enf_str h1_str(const char *base, size_t off, size_t len)
{
	struct enf_str s = { .ptr = base ? base + off : "", .len = len };

	return s;
}

/* The head's fields as the handed-out message's headers. */
static int h1_out_headers(struct enf_http1 *p)
{
	int err;

	err = enf_http_grow((void **)&p->out_hdrs, &p->out_hdrs_cap, p->n_hdrs,
			    sizeof(*p->out_hdrs), p->lim.max_headers);
	if (err)
		return err;
	for (size_t i = 0; i < p->n_hdrs; i++) {
		p->out_hdrs[i].name = h1_str(p->head, p->hdrs[i].name_off,
					     p->hdrs[i].name_len);
		p->out_hdrs[i].value =
			h1_str(p->head, p->hdrs[i].val_off, p->hdrs[i].val_len);
	}
	return 0;
}

/* Hands the request out and goes back to a request boundary. */
static int h1_emit_req(struct enf_http1 *p, struct h1_io *io)
{
	struct enf_request req = { 0 };
	int err, rc = 0;

	err = h1_out_headers(p);
	if (err)
		goto out_reset;

	req.method = h1_str(p->head, 0, p->method_len);
	req.uri = h1_str(p->head, p->uri_off, p->uri_len);
	req.protocol = h1_str(p->head, p->proto_off, p->proto_len);
	req.line = h1_str(p->head, 0, p->reqline_len);
	req.headers = p->out_hdrs;
	req.n_headers = p->n_hdrs;
	req.body = h1_str(p->body, 0, p->body_kept);
	req.body_len = p->body_len;
	if (p->body_len > p->body_kept)
		p->anom |= ENF_ANOM_BODY_TRUNCATED;
	req.anomalies = p->anom;
	/* path, query, arguments, cookies, host, the body's arguments: the
	 * same for HTTP/2 */
	err = enf_http_derive(&p->derive, &req, &p->lim);
	if (err)
		goto out_reset;

	if (io->cb)
		rc = io->cb(&req, io->ctx);
	io->stopped = rc != 0;
out_reset:
	h1_request_reset(p);
	return err ? err : rc;
}

/* Hands the response out and goes back to a boundary (or to the tunnel). */
static int h1_emit_resp(struct enf_http1 *p, struct h1_io *io)
{
	struct enf_http1_resp *r = h1_resp_of(p);
	struct enf_response resp = { 0 };
	int err, rc = 0;

	err = h1_out_headers(p);
	if (err)
		goto out_reset;
	resp.protocol = h1_str(p->head, p->proto_off, p->proto_len);
	resp.status = p->status;
	resp.reason = h1_str(p->head, p->uri_off, p->uri_len);
	resp.headers = p->out_hdrs;
	resp.n_headers = p->n_hdrs;
	resp.body_len = p->body_len;
	resp.anomalies = p->anom;
	if (io->rcb)
		rc = io->rcb(&resp, io->ctx);
	io->stopped = rc != 0;
out_reset:
	h1_request_reset(p);
	if (r->tunnel_next) {
		r->tunnel_next = false;
		p->st = H1_TUNNEL;
	}
	return err ? err : rc;
}

static int h1_emit(struct enf_http1 *p, struct h1_io *io)
{
	return p->resp ? h1_emit_resp(p, io) : h1_emit_req(p, io);
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

/* "HTTP/" 1*DIGIT "." 1*DIGIT with a minor version of 0 (the major is 1) */
static bool h1_proto_is_10(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	size_t i;

	if (!dot)
		return false;
	for (i = dot + 1 - s; i < n; i++)
		if (s[i] != '0')
			return false;
	return true;
}

enum h1_line_kind {
	H1_LINE_NONE, /* not a request line */
	H1_LINE_HTTP1, /* HTTP/1.x: headers follow */
	H1_LINE_HTTP09, /* HTTP/0.9: the whole request */
};

/*
 * HTTP/0.9, "GET" SP target and nothing after it but OWS: nginx serves it.
 * Taken at a true request boundary only, from a line kept whole, with a
 * clean target; the protocol is empty, as sent.
 */
static bool h1_http09(struct enf_http1 *p)
{
	const char *h = p->head;
	size_t K = p->line_kept, u = 4, e = K;

	if (p->resyncing || p->line_cut || K < 5 || memcmp(h, "GET ", 4))
		return false;
	while (u < e && h[u] == ' ')
		u++;
	while (e > u && h1_ows(h[e - 1]))
		e--;
	if (u == e || !h1_target_clean(h + u, e - u))
		return false;
	p->method_len = 3;
	p->uri_off = u;
	p->uri_len = e - u;
	p->proto_off = 0;
	p->proto_len = 0;
	p->reqline_len = K;
	p->anom |= ENF_ANOM_BAD_REQUEST_LINE;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	return true;
}

/*
 * A line at a request boundary ended: is it a request line? It must end in
 * SP "HTTP/" 1*DIGIT "." 1*DIGIT with a major version of 1, then optional
 * OWS; anything but " HTTP/1.x" right at the end is flagged. Normally the
 * request line starts the line: a token, a space, a target (more spaces on
 * either side of the target are flagged, not part of it). When the token is
 * not a registered method, or the stream has lost its place and the target
 * is not clean, the line may hold body bytes glued to the next request (a
 * join mid-body, bad framing), so a registered method followed by a clean
 * target right before the protocol is looked for inside it first. A target
 * with a space or control byte is accepted at a true boundary only, flagged.
 * Without a protocol, the line may be an HTTP/0.9 request.
 * Return: what the line is (head then holds it from offset 0).
 */
static enum h1_line_kind h1_request_line(struct enf_http1 *p)
{
	size_t K = p->line_kept, m = 0, u = 0, t_end, start = 0;
	const char *h = p->head;
	bool over = p->line_cut, from_start = false, clean = false;
	bool known = false, odd;

	if ((p->rl_st != RL_MINOR && p->rl_st != RL_OWS) || p->rl_major != 1)
		return h1_http09(p) ? H1_LINE_HTTP09 : H1_LINE_NONE;
	odd = p->rl_proto_len != H1_PROTO_LEN || p->rl_end != p->line_len;
	/* the target ends at the first of the spaces before the protocol */
	t_end = p->rl_sp;
	while (t_end > 0 && t_end <= K && h[t_end - 1] == ' ')
		t_end--;
	odd = odd || t_end != p->rl_sp;

	while (m < K && h1_tchar(h[m]))
		m++;
	if (m && m < K && h[m] == ' ') {
		u = m + 1;
		while (u < K && u < t_end && h[u] == ' ')
			u++;
		if (u < t_end) {
			from_start = true;
			odd = odd || u != m + 1;
			clean = h1_target_clean(h + u, min_sz(t_end, K) - u);
			known = h1_known_method(h, m);
		}
	}
	if (!over && (!from_start || !known || (!clean && p->resyncing)))
		start = h1_embedded(p, t_end, &m);
	if (start) {
		clean = true;
		p->skipped += start;
		K -= start;
		t_end -= start;
		u = m + 1;
		memmove(p->head, p->head + start, K);
		p->head_len = K;
		/* the line was kept whole: look again at what is left of it */
		p->anom &= ~(ENF_ANOM_BARE_CR | ENF_ANOM_NUL_BYTE);
		if (memchr(p->head, '\r', K))
			p->anom |= ENF_ANOM_BARE_CR;
		if (memchr(p->head, '\0', K))
			p->anom |= ENF_ANOM_NUL_BYTE;
	} else if (!from_start || (!clean && p->resyncing)) {
		return H1_LINE_NONE;
	}

	p->method_len = m;
	p->uri_off = u;
	p->uri_len = min_sz(t_end, K) - u;
	p->reqline_len = K;
	if (p->rl_end - start <= K) {
		p->proto_off = p->rl_sp + 1 - start;
		p->proto_len = p->rl_proto_len;
	} else {
		/* cut: the protocol's first bytes, behind the line */
		p->proto_len = min_sz(p->rl_proto_len, H1_PROTO_MAX);
		memcpy(p->head + K, p->rl_proto, p->proto_len);
		p->proto_off = K;
		p->head_len = K + p->proto_len;
	}
	if (over)
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
	if (!clean || odd)
		p->anom |= ENF_ANOM_BAD_REQUEST_LINE;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (p->resyncing || start)
		p->anom |= ENF_ANOM_RESYNC;
	p->http10 = h1_proto_is_10(p->head + p->proto_off, p->proto_len);
	p->resyncing = false;
	return H1_LINE_HTTP1;
}

static bool h1_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/*
 * A line at a response boundary ended: is it a status line? Only a line
 * starting with "HTTP/1." is: "HTTP/1." DIGIT SP 3DIGIT (100-999), then SP
 * and the reason phrase. A missing SP and reason, or a control byte other
 * than HTAB in the reason, is flagged and the status kept; anything else
 * after "HTTP/1." is flagged with status 0 (the protocol up to the first
 * SP, the reason the rest), and taken only at a true response boundary.
 * Return: what the line is (head then holds it from offset 0).
 */
static enum h1_line_kind h1_status_line(struct enf_http1 *p)
{
	const char *h = p->head, *sp;
	size_t K = p->line_kept, i;
	bool ok;

	if (K < 7 || memcmp(h, "HTTP/1.", 7))
		return H1_LINE_NONE;
	ok = K >= 12 && h1_digit(h[7]) && h[8] == ' ' && h1_digit(h[9]) &&
	     h1_digit(h[10]) && h1_digit(h[11]) && h[9] != '0' &&
	     (K == 12 || h[12] == ' ');
	if (!ok) {
		if (p->resyncing)
			return H1_LINE_NONE;
		sp = memchr(h, ' ', K);
		p->proto_len = sp ? (size_t)(sp - h) : K;
		p->uri_off = sp ? p->proto_len + 1 : K;
		p->uri_len = K - p->uri_off;
		p->anom |= ENF_ANOM_BAD_STATUS_LINE;
	} else {
		p->proto_len = 8;
		p->status =
			(h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
		p->uri_off = K > 12 ? 13 : 12;
		p->uri_len = K - p->uri_off;
		if (K == 12)
			p->anom |= ENF_ANOM_BAD_STATUS_LINE;
		for (i = p->uri_off; i < K; i++)
			if (h[i] != '\t' && h1_ctl(h[i]))
				p->anom |= ENF_ANOM_BAD_STATUS_LINE;
	}
	p->proto_off = 0;
	p->reqline_len = K;
	if (p->line_cut)
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (p->resyncing)
		p->anom |= ENF_ANOM_RESYNC;
	p->resyncing = false;
	return H1_LINE_HTTP1;
}

static int h1_st_req_line(struct enf_http1 *p, struct h1_io *io)
{
	enum h1_line_kind kind;
	int ret;

	ret = h1_line_step(p, io, true);
	if (ret <= 0)
		return ret;
	if (!p->line_len) {
		/* empty lines between requests are tolerated (RFC 9112 2.2) */
		h1_request_reset(p);
		return 0;
	}
	if (p->line_cut) {
		/* room behind the cut line for the protocol */
		ret = enf_http_grow((void **)&p->head, &p->head_cap,
				    p->line_kept + H1_PROTO_MAX, 1,
				    p->head_max);
		if (ret)
			return ret;
	}
	kind = p->resp ? h1_status_line(p) : h1_request_line(p);
	switch (kind) {
	case H1_LINE_HTTP1:
		/* status only: the head is read for framing, not kept */
		p->st = p->status_only ? H1_SKIP_HEAD : H1_HEADER;
		h1_line_reset(p);
		return 0;
	case H1_LINE_HTTP09:
		/* no headers, no body: complete */
		return h1_emit(p, io);
	default:
		p->skipped += p->line_raw;
		p->resyncing = true;
		h1_request_reset(p);
		return 0;
	}
}

static int h1_chunks_start(struct enf_http1 *p)
{
	p->st = H1_CHUNK_SIZE;
	p->chunk_size = 0;
	p->chunk_digits = 0;
	p->chunk_ws = false;
	h1_line_reset(p);
	return 0;
}

/* The kind of the oldest request awaiting its response; RK_OTHER when the
 * daemon told nothing. */
static enum h1_req_kind h1_resp_pop(struct enf_http1_resp *r)
{
	enum h1_req_kind k;

	if (!r->q_len) {
		if (r->q_over)
			r->q_over--;
		return RK_OTHER;
	}
	k = r->q[r->q_head];
	r->q_head = (r->q_head + 1) % H1_RESP_QUEUE;
	r->q_len--;
	return k;
}

/* A response's head ended: how its body is framed (RFC 9112 6.3). */
static int h1_resp_head_done(struct enf_http1 *p, struct h1_io *io)
{
	struct enf_http1_resp *r = h1_resp_of(p);
	unsigned int st = p->status;
	enum h1_req_kind kind = RK_OTHER;
	bool interim = st >= 100 && st < 200;

	/* a 1xx is interim: the request still awaits its final response */
	if (!interim)
		kind = h1_resp_pop(r);
	if (st == 101 || (kind == RK_CONNECT && st >= 200 && st < 300))
		r->tunnel_next = true;
	if (p->te_seen && p->cl_seen)
		p->anom |= ENF_ANOM_CL_AND_TE;
	if (p->te_seen && p->te_chunked > 1)
		p->anom |= ENF_ANOM_BAD_TRANSFER_ENCODING;
	if (p->cl_seen && p->cl_bad)
		p->anom |= ENF_ANOM_BAD_CONTENT_LENGTH;
	if (interim || st == 204 || st == 304 || kind == RK_HEAD ||
	    r->tunnel_next)
		return h1_emit(p, io);
	if (p->te_seen) {
		if (p->te_last_chunked)
			return h1_chunks_start(p);
		/* another final coding: the body runs to the close */
		p->st = H1_CLOSE_BODY;
		return 0;
	}
	if (p->cl_seen && p->cl_bad) {
		/* unrecoverable (RFC 9112 6.3): no body, be careful */
		p->resyncing = true;
		return h1_emit(p, io);
	}
	if (p->cl_have && p->cl) {
		p->st = H1_BODY;
		p->remaining = p->cl;
		return 0;
	}
	if (p->cl_have)
		return h1_emit(p, io);
	p->st = H1_CLOSE_BODY;
	return 0;
}

/* The head ended: decide how the body is framed. */
static int h1_head_done(struct enf_http1 *p, struct h1_io *io)
{
	if (p->te_seen && (p->te_odd || p->te_lines > 1))
		p->anom |= ENF_ANOM_TE_OBFUSCATED;
	/* a framing name with OWS before its colon does not frame here, but
	 * a peer that strips the OWS frames by it */
	if (p->ghost_te)
		p->anom |= ENF_ANOM_TE_OBFUSCATED |
			   ENF_ANOM_BAD_TRANSFER_ENCODING;
	if (p->ghost_cl)
		p->anom |= ENF_ANOM_BAD_CONTENT_LENGTH;
	if (p->ghost_cl || p->ghost_te)
		p->resyncing = true;
	if (p->resp)
		return h1_resp_head_done(p, io);
	if (p->te_seen) {
		if (p->cl_seen)
			p->anom |= ENF_ANOM_CL_AND_TE;
		/* HTTP/1.0 has no Transfer-Encoding: faulty framing (RFC 9112
		 * 6.1), framed as a peer that reads it does */
		if (!p->te_last_chunked || p->te_chunked > 1 || p->http10)
			p->anom |= ENF_ANOM_BAD_TRANSFER_ENCODING;
		if (p->te_last_chunked)
			return h1_chunks_start(p);
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

/*
 * A folded continuation line: appended to the previous header's value. Its
 * stored content starts with OWS (a framing value's run is stored as one SP),
 * so the separator written at the old end of the value never lands on it.
 */
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

/* A head line ended: kept as a header, unfolded, or dropped. Framing was
 * read from it by the scanner as it streamed in. */
static int h1_header_line(struct enf_http1 *p)
{
	const char *line = p->head + p->line_start, *colon, *val;
	size_t K = p->line_kept, nlen, vlen, i;
	bool over = p->line_cut, name_ok;
	struct h1_hdr *hd;
	int err;

	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (over)
		p->anom |= ENF_ANOM_HEADERS_LIMIT;
	if (p->hs_fold) {
		p->anom |= ENF_ANOM_OBS_FOLD;
		if (p->prev_hdr_kept && !over) {
			h1_unfold(p);
			return 0;
		}
		goto out_drop;
	}
	colon = memchr(line, ':', K);
	if (!colon) {
		if (!over)
			p->anom |= ENF_ANOM_BAD_HEADER;
		goto out_drop;
	}
	nlen = colon - line;
	name_ok = nlen > 0;
	for (i = 0; i < nlen && name_ok; i++)
		name_ok = h1_tchar(line[i]);
	if (!name_ok)
		p->anom |= ENF_ANOM_BAD_HEADER;
	val = colon + 1;
	vlen = K - nlen - 1;
	h1_trim(&val, &vlen);

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
	if (!p->line_len) {
		if (!p->line_crlf)
			p->anom |= ENF_ANOM_BARE_LF;
		h1_framing_end(p);
		return h1_head_done(p, io);
	}
	if (p->hs_open != FH_NONE && p->line_len > p->line_cap)
		p->hs_long = true;
	if (p->head_full) {
		/* keep what fitted; read the rest of the head for framing */
		p->anom |= ENF_ANOM_HEADERS_LIMIT | ENF_ANOM_HEAD_TRUNCATED;
		if (!p->line_crlf)
			p->anom |= ENF_ANOM_BARE_LF;
		p->head_len = p->line_start;
		p->prev_hdr_kept = false;
		p->st = H1_SKIP_HEAD;
		h1_line_reset(p);
		return 0;
	}
	ret = h1_header_line(p);
	h1_line_reset(p);
	return ret;
}

/* Does the head line @s (@n bytes) start with a framing field's name, in
 * any case? Those, and folds, are the lines the framing scanner reads. */
static bool h1_framing_name_at(const char *s, size_t n)
{
	static const char cl[] = "content-length", te[] = "transfer-encoding";

	if (!n || h1_ows(s[0]))
		return true;
	if ((s[0] | 0x20) != 'c' && (s[0] | 0x20) != 't')
		return false;
	if (n >= sizeof(cl) - 1 && enf_http_ieq(s, cl, sizeof(cl) - 1))
		return true;
	return n >= sizeof(te) - 1 && enf_http_ieq(s, te, sizeof(te) - 1);
}

/*
 * A whole line of a head that is not kept, read at its start in one pass:
 * what h1_line_step() and h1_line_content() do for it with three memchr()s
 * a line, done with one loop that finds its LF and notes CR and NUL bytes
 * on the way, eight bytes at a time where none is at or below '\r'. Response heads are read this way for every response (the
 * daemon keeps their status only), and their lines are short.
 * Return: 1 when a line was read, 0 when the input holds no whole line
 * (nothing done: h1_line_step() reads it as it comes).
 */
static int h1_skip_line_whole(struct enf_http1 *p, struct h1_io *io)
{
	const unsigned char *s = (const unsigned char *)io->d + io->pos;
	size_t avail = io->len - io->pos, i, n, c, crs = 0, last_cr = 0;
	bool nul = false;

	for (i = 0; i < avail; i++) {
		/* eight bytes at a time while none is '\r' or below (a byte
		 * below 0x0e borrows in w - 0x0e..; one of 0x80 or above has
		 * bit 7 set, and ~w clears it) */
		while (i + 8 <= avail) {
			const uint64_t ones = 0x0101010101010101ull;
			uint64_t w;

			memcpy(&w, s + i, 8);
			if ((w - ones * 0x0e) & ~w & ones * 0x80)
				break;
			i += 8;
		}
		if (i == avail)
			break;
		if (s[i] > '\r')
			continue;
		if (s[i] == '\n')
			break;
		if (s[i] == '\r') {
			crs++;
			last_cr = i;
		} else if (!s[i]) {
			nul = true;
		}
	}
	if (i == avail)
		return 0;
	n = i;
	c = n;
	p->line_crlf = crs && last_cr == n - 1;
	if (p->line_crlf) {
		c--;
		crs--;
	}
	if (crs)
		p->anom |= ENF_ANOM_BARE_CR;
	if (nul)
		p->anom |= ENF_ANOM_NUL_BYTE;
	p->line_len = c;
	if (h1_framing_name_at((const char *)s, c))
		h1_hdr_content(p, (const char *)s, c, false);
	else
		/* what the framing scanner does with any other field line */
		h1_framing_end(p);
	p->line_raw = n + 1;
	io->pos += n + 1;
	if (p->line_len > p->lim.max_line)
		p->anom |= ENF_ANOM_LINE_TOO_LONG;
	return 1;
}

/* The rest of a head over max_header_bytes: not kept, but its framing
 * headers frame the body as they would have in a head that fitted. */
static int h1_st_skip_head(struct enf_http1 *p, struct h1_io *io)
{
	int ret = 0;

	if (!p->line_raw && !p->cr_pending)
		ret = h1_skip_line_whole(p, io);
	if (!ret)
		ret = h1_line_step(p, io, false);
	if (ret <= 0)
		return ret;
	if (!p->line_crlf)
		p->anom |= ENF_ANOM_BARE_LF;
	if (!p->line_len) {
		h1_framing_end(p);
		return h1_head_done(p, io);
	}
	if (p->hs_fold)
		p->anom |= ENF_ANOM_OBS_FOLD;
	if (p->hs_open != FH_NONE && p->line_len > p->line_cap)
		p->hs_long = true;
	h1_line_reset(p);
	return 0;
}

/* Body bytes: counted, kept up to max_body (a response's: counted only). */
static int h1_body(struct enf_http1 *p, const char *s, size_t n)
{
	size_t k = 0;
	int err;

	if (p->resp) {
		p->body_len += n;
		return 0;
	}
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

		if (p->cr_pending && c != '\n') {
			p->anom |= ENF_ANOM_BARE_CR;
			return h1_bad_chunk(p, io);
		}
		if (v >= 0 && !p->chunk_ws) {
			p->line_len++;
			/* what a peer with a signed 64-bit length takes */
			if (p->chunk_size > (uint64_t)(INT64_MAX >> 4))
				return h1_bad_chunk(p, io);
			p->chunk_size = p->chunk_size << 4 | (unsigned int)v;
			p->chunk_digits++;
		} else if (h1_ows(c) && p->chunk_digits) {
			p->line_len++;
			p->chunk_ws = true;
		} else if (c == ';' && p->chunk_digits) {
			p->line_len++;
			io->pos++;
			p->st = H1_CHUNK_EXT;
			return 0;
		} else if (c == '\r' && p->chunk_digits) {
			p->cr_pending = true;
		} else if (c == '\n' && p->chunk_digits) {
			if (!p->cr_pending)
				p->anom |= ENF_ANOM_BARE_LF;
			if (p->line_len > p->lim.max_line)
				p->anom |= ENF_ANOM_LINE_TOO_LONG;
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
		if (p->st == H1_CHUNK_LF)
			p->anom |= ENF_ANOM_BARE_CR;
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
	if (p->tr_phase == TR_NAME)
		p->anom |= ENF_ANOM_BAD_HEADER; /* no colon */
	h1_line_reset(p);
	return 0;
}

/* A response body that runs to the end of the stream: counted. */
static int h1_st_close_body(struct enf_http1 *p, struct h1_io *io)
{
	if (p->st == H1_CLOSE_BODY)
		p->body_len += io->len - io->pos;
	io->pos = io->len;
	return 0;
}

static int h1_run(struct enf_http1 *p, struct h1_io *io_)
{
	struct h1_io io = *io_;
	int ret = 0;

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
		case H1_CLOSE_BODY:
		case H1_TUNNEL:
			ret = h1_st_close_body(p, &io);
			break;
		}
	}
	/* out of memory mid-request: drop it, start again at a boundary */
	if (ret < 0 && !io.stopped)
		h1_request_reset(p);
	return ret;
}

int enf_http1_feed(struct enf_http1 *p, const void *data, size_t len,
		   enf_http1_cb cb, void *ctx)
{
	struct h1_io io = { .d = data, .len = len, .cb = cb, .ctx = ctx };

	if (!p || (!data && len) || p->resp)
		return -EINVAL;
	return h1_run(p, &io);
}

int enf_http1_resp_new(const struct enf_http_limits *lim,
		       struct enf_http1_resp **out)
{
	struct enf_http_limits l;
	struct enf_http1_resp *r;

	*out = NULL;
	if (enf_http_limits_resolve(lim, &l))
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->h.resp = true;
	h1_init(&r->h, &l);
	*out = r;
	return 0;
}

void enf_http1_resp_free(struct enf_http1_resp *r)
{
	if (!r)
		return;
	free(r->h.head);
	free(r->h.hdrs);
	free(r->h.body);
	free(r->h.out_hdrs);
	enf_http_derive_release(&r->h.derive);
	free(r);
}

void enf_http1_resp_status_only(struct enf_http1_resp *r)
{
	r->h.status_only = true;
}

int enf_http1_resp_expect(struct enf_http1_resp *r, const char *method,
			  size_t len)
{
	enum h1_req_kind k = RK_OTHER;

	if (!r || (!method && len))
		return -EINVAL;
	if (len == 4 && !memcmp(method, "HEAD", 4))
		k = RK_HEAD;
	else if (len == 7 && !memcmp(method, "CONNECT", 7))
		k = RK_CONNECT;
	/* behind requests already past the queue: keep the order */
	if (r->q_over || r->q_len == H1_RESP_QUEUE) {
		r->q_over++;
		return -ENOSPC;
	}
	r->q[(r->q_head + r->q_len) % H1_RESP_QUEUE] = k;
	r->q_len++;
	return 0;
}

int enf_http1_resp_feed(struct enf_http1_resp *r, const void *data, size_t len,
			enf_http1_resp_cb cb, void *ctx)
{
	struct h1_io io = { .d = data, .len = len, .rcb = cb, .ctx = ctx };

	if (!r || (!data && len))
		return -EINVAL;
	return h1_run(&r->h, &io);
}

int enf_http1_resp_finish(struct enf_http1_resp *r, enf_http1_resp_cb cb,
			  void *ctx)
{
	struct h1_io io = { .rcb = cb, .ctx = ctx };
	struct enf_http1 *p;
	int ret = 0;

	if (!r)
		return -EINVAL;
	p = &r->h;
	switch (p->st) {
	case H1_REQ_LINE:
		/* a line that never ended: skipped, as any that is no status
		 * line (a CR held back is one of its bytes) */
		p->skipped += p->line_raw;
		break;
	case H1_HEADER:
	case H1_SKIP_HEAD:
		p->anom |= ENF_ANOM_HEAD_TRUNCATED;
		h1_framing_end(p);
		ret = h1_emit(p, &io);
		break;
	case H1_BODY:
		/* shorter than its Content-Length said */
		p->anom |= ENF_ANOM_BAD_CONTENT_LENGTH;
		ret = h1_emit(p, &io);
		break;
	case H1_CHUNK_SIZE:
	case H1_CHUNK_EXT:
	case H1_CHUNK_DATA:
	case H1_CHUNK_CR:
	case H1_CHUNK_LF:
	case H1_TRAILER:
		p->anom |= ENF_ANOM_BAD_CHUNK;
		ret = h1_emit(p, &io);
		break;
	case H1_CLOSE_BODY:
		ret = h1_emit(p, &io);
		break;
	case H1_TUNNEL:
		break;
	}
	/* the stream is over: whatever comes next starts afresh */
	h1_request_reset(p);
	p->resyncing = false;
	r->tunnel_next = false;
	r->q_head = 0;
	r->q_len = 0;
	r->q_over = 0;
	return ret;
}

uint64_t enf_http1_resp_skipped(const struct enf_http1_resp *r)
{
	return r->h.skipped;
}
