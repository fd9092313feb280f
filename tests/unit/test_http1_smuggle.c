// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * HTTP/1.1 parser: the adversarial set. Request smuggling payloads (CL.TE,
 * TE.CL, TE.TE with each obfuscation, duplicate Content-Length, chunk-size
 * tricks, request line tricks, obs-fold, bare CR and LF, NUL, over-long
 * lines, pipelining after a smuggled body), each fed whole, split at every
 * byte and one byte at a time, with identical output. Each case says where
 * the request boundary is and why: RFC 9112 first, then what nginx does
 * (it refuses most of these with 400 and closes, so where a boundary is
 * the parser's choice the request after it carries ENF_ANOM_RESYNC).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_http1.h"

#define IN(s) s, sizeof(s) - 1
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CLTE ENF_ANOM_CL_AND_TE
#define BADTE ENF_ANOM_BAD_TRANSFER_ENCODING
#define TEO ENF_ANOM_TE_OBFUSCATED
#define BADCL ENF_ANOM_BAD_CONTENT_LENGTH
#define DUPCL ENF_ANOM_DUP_CONTENT_LENGTH
#define RESYNC ENF_ANOM_RESYNC
#define BADCHUNK ENF_ANOM_BAD_CHUNK
#define BADHDR ENF_ANOM_BAD_HEADER

/* The request that ends most inputs: where the next boundary fell. */
#define NEXT "GET /n HTTP/1.1\r\n\r\n"

struct want {
	const char *uri;
	const char *body;
	uint64_t body_len;
	uint64_t anom;
};

struct smug_case {
	const char *name;
	const char *in;
	size_t len;
	size_t n; /* requests handed out */
	struct want want[3];
	uint64_t skipped;
	size_t max_line; /* 0: the default */
};

static const struct smug_case cases[] = {
	/*
	 * CL.TE, the classic: a front end framing by Content-Length forwards
	 * "0\r\n\r\nG" as the body; a back end framing by chunked ends the
	 * request at the last chunk and reads "G" as the start of the next,
	 * "GPOST". RFC 9112 6.3: Transfer-Encoding wins; nginx refuses both
	 * at once. So the body is empty, and the next request is the "POST"
	 * inside "GPOST", the "G" skipped and the request flagged.
	 */
	{ "CL.TE: the G of GPOST",
	  IN("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nG"
	     "POST /n HTTP/1.1\r\n\r\n"),
	  2,
	  { { "/a", "", 0, CLTE }, { "/n", "", 0, RESYNC } },
	  1,
	  0 },
	/*
	 * TE.CL: a front end framing by chunked forwards the whole chunk; a
	 * back end framing by Content-Length: 3 would read "8\r\n" and take
	 * "SMUGGLED..." as the next request. Chunked wins (RFC 9112 6.3):
	 * one request whose body is the chunk, then the real next one.
	 */
	{ "TE.CL: the chunk is the body",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "SMUGGLED", 8, CLTE }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/*
	 * TE.TE: one side reads an obfuscated Transfer-Encoding as chunked,
	 * the other does not and falls back to Content-Length. Codings are
	 * case-insensitive and OWS is trimmed (RFC 9110 5.3, 5.6.3), so these
	 * frame chunked here, flagged: the body is the chunk "Z".
	 */
	{ "TE.TE: Chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: Chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	{ "TE.TE: chunked with a trailing space",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: chunked \r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	{ "TE.TE: two spaces before chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding:  chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	{ "TE.TE: a tab before chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding:\tchunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* "identity" is no longer a coding (RFC 9110 removed it); chunked is
	 * still final, so the framing holds */
	{ "TE.TE: identity, chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: identity, chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* two fields are one list: "gzip, chunked" */
	{ "TE.TE: gzip and chunked in two fields",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* chunked twice is forbidden (RFC 9112 7): flagged, framed by the
	 * final coding, chunked */
	{ "TE.TE: chunked in two fields",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | TEO | BADTE }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* HTTP/1.0 has no Transfer-Encoding: faulty framing (RFC 9112 6.1);
	 * a 1.0 intermediary frames by Content-Length. Framed as the field
	 * says, flagged. */
	{ "TE.TE: Transfer-Encoding in HTTP/1.0",
	  IN("POST /a HTTP/1.0\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, CLTE | BADTE }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/*
	 * A final coding that is not the token chunked: RFC 9112 6.3 says
	 * 400 and close; nginx answers 501. No body here (not the
	 * Content-Length either: the request is refused by every strict
	 * peer), the chunk lines are skipped, and the next request is
	 * flagged. Skipped: "1\r\n" "Z\r\n" "0\r\n".
	 */
	{ "TE.TE: chunked, identity",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: chunked, identity\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, CLTE | TEO | BADTE }, { "/n", "", 0, RESYNC } },
	  9,
	  0 },
	{ "TE.TE: quoted chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: \"chunked\"\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, CLTE | TEO | BADTE }, { "/n", "", 0, RESYNC } },
	  9,
	  0 },
	{ "TE.TE: x-chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: x-chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, CLTE | TEO | BADTE }, { "/n", "", 0, RESYNC } },
	  9,
	  0 },
	{ "TE.TE: chunked with trailing junk",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding: chunked x\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, CLTE | TEO | BADTE }, { "/n", "", 0, RESYNC } },
	  9,
	  0 },
	/* a vertical tab is no OWS: not chunked */
	{ "TE.TE: a vertical tab before chunked",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding:\x0b"
	     "chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, CLTE | TEO | BADTE }, { "/n", "", 0, RESYNC } },
	  9,
	  0 },
	/*
	 * "Transfer-Encoding : chunked": OWS before the colon makes no field
	 * name (RFC 9112 5.1 says 400; nginx refuses it), so Content-Length
	 * frames: "1\r\nZ". A peer that strips the OWS reads chunked: flagged,
	 * and what follows is suspect: "\r\n" (an empty line), "0\r\n"
	 * skipped, "\r\n", then the next request, flagged.
	 */
	{ "TE.TE: space before the colon",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding : chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "1\r\nZ", 4, BADHDR | TEO | BADTE },
	    { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	/* the name cut by a line end: two lines that are no fields */
	{ "TE.TE: name and value on two lines",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\n"
	     "Transfer-Encoding\r\n: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "1\r\nZ", 4, BADHDR }, { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	/* a fold that looks like a field: it is part of X-F's value (RFC
	 * 9112 5.2 unfolds it); a peer that refuses folding may take it as a
	 * field. Content-Length frames; "0\r\n" is skipped. */
	{ "TE.TE: Transfer-Encoding hidden in a fold",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 4\r\nX-F: a\r\n"
	     " Transfer-Encoding: chunked\r\n\r\n1\r\nZ\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "1\r\nZ", 4, ENF_ANOM_OBS_FOLD }, { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	/* duplicate Content-Length: equal values are one (RFC 9110 8.6);
	 * nginx refuses a second field at all */
	{ "duplicate CL: equal",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n"
	     "\r\nabc" NEXT),
	  2,
	  { { "/a", "abc", 3, DUPCL }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* differing: RFC 9112 6.3 says 400; no body here, the bytes a
	 * peer would have taken as body are glued to the next request line:
	 * "abc" skipped, the request after it flagged */
	{ "duplicate CL: differing",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 30\r\n"
	     "\r\nabc" NEXT),
	  2,
	  { { "/a", "", 0, DUPCL | BADCL }, { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	{ "duplicate CL: a list that differs",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 3, 30\r\n\r\nabc" NEXT),
	  2,
	  { { "/a", "", 0, DUPCL | BADCL }, { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	/* chunk sizes: leading zeros are hex digits (RFC 9112 7.1) */
	{ "chunk size: leading zeros",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0003\r\nabc\r\n000\r\n\r\n" NEXT),
	  2,
	  { { "/a", "abc", 3, 0 }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* 2^63: over what a signed 64-bit length holds (nginx's off_t): the
	 * request ends at the 16th digit; "0\r\n" is skipped */
	{ "chunk size: 2^63",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "8000000000000000\r\n" NEXT),
	  2,
	  { { "/a", "", 0, BADCHUNK }, { "/n", "", 0, RESYNC } },
	  3,
	  0 },
	/* 2^63 - 1 is taken: the rest of the stream is its data */
	{ "chunk size: 2^63 - 1",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "7fffffffffffffff\r\n" NEXT),
	  0,
	  { { NULL } },
	  0,
	  0 },
	/* "0x": the 0 is a digit, the x ends the request; skipped: "x5\r\n"
	 * "hello\r\n" "0\r\n" */
	{ "chunk size: 0x prefix",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "0x5\r\nhello\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, BADCHUNK }, { "/n", "", 0, RESYNC } },
	  4 + 7 + 3,
	  0 },
	{ "chunk size: negative",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "-1\r\n" NEXT),
	  2,
	  { { "/a", "", 0, BADCHUNK }, { "/n", "", 0, RESYNC } },
	  4,
	  0 },
	{ "chunk size: whitespace before",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "\t5\r\nhello\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "", 0, BADCHUNK }, { "/n", "", 0, RESYNC } },
	  4 + 7 + 3,
	  0 },
	/* OWS after the size: BWS before an extension in RFC 9112, and what
	 * nginx accepts on its own: taken */
	{ "chunk size: whitespace after",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5 \t\r\nhello\r\n5 ;e=1\r\nworld\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "helloworld", 10, 0 }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/*
	 * An extension whose quoted value holds CRLF: a quoted-string cannot
	 * hold CR or LF (RFC 9110 5.6.4), so the line ends at the first CRLF,
	 * as nginx reads it; the 5 bytes of data are `y"` CRLF `h`, then no
	 * CRLF: the request ends there. Skipped: "ello\r\n" "0\r\n".
	 */
	{ "chunk extension: quoted CRLF",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "5;a=\"x\r\ny\"\r\nhello\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "y\"\r\nh", 5, BADCHUNK }, { "/n", "", 0, RESYNC } },
	  6 + 3,
	  0 },
	/* an extension with a bare LF inside quotes: the line ends there,
	 * flagged; the closing quote is the chunk's one byte of data */
	{ "chunk extension: quoted LF",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1;a=\"\n\"\r\n0\r\n\r\n" NEXT),
	  2,
	  { { "/a", "\"", 1, ENF_ANOM_BARE_LF }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* no empty line after the last chunk: the next request line and its
	 * end are read as the trailer section (nginx does the same); the
	 * line that is no field is flagged */
	{ "last chunk without its final CRLF",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nZ\r\n0\r\n" NEXT NEXT),
	  2,
	  { { "/a", "Z", 1, BADHDR }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* framing fields in trailers frame nothing (RFC 9110 6.5.1) */
	{ "trailers with framing fields",
	  IN("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
	     "1\r\nZ\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
	     "\r\n" NEXT),
	  2,
	  { { "/a", "Z", 1, BADHDR }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* request line tricks: absolute-form is a target like any (RFC 9112
	 * 3.2.2), the host from it is the derive step's */
	{ "absolute-form target",
	  IN("GET http://internal/admin HTTP/1.1\r\nHost: public\r\n\r\n" NEXT),
	  2,
	  { { "http://internal/admin", "", 0, 0 }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	{ "extra spaces around the target",
	  IN("GET  /x  HTTP/1.1\r\n\r\n" NEXT),
	  2,
	  { { "/x", "", 0, ENF_ANOM_BAD_REQUEST_LINE }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/*
	 * A tab between method and target: no request line (RFC 9112 3 wants
	 * SP; nginx refuses it). Its lines are skipped, and its body, which
	 * nothing frames, is glued to the next request line: skipped
	 * "GET\t/x HTTP/1.1\r\n" "Content-Length: 5\r\n" "hello".
	 */
	{ "tab after the method",
	  IN("GET\t/x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello" NEXT),
	  1,
	  { { "/n", "", 0, RESYNC } },
	  17 + 19 + 5,
	  0 },
	/* bare LF ends lines (RFC 9112 2.2 allows it; nginx too) */
	{ "bare LF line ends",
	  IN("POST /a HTTP/1.1\nContent-Length: 1\n\nZ" NEXT),
	  2,
	  { { "/a", "Z", 1, ENF_ANOM_BARE_LF }, { "/n", "", 0, 0 } },
	  0,
	  0 },
	/* a bare CR is no line end here (nginx refuses it): the Content-
	 * Length is a value of X, nothing frames; a peer ending lines at CR
	 * reads 5 bytes of body, glued to the next request line */
	{ "bare CR as a line end",
	  IN("POST /a HTTP/1.1\r\nX: a\rContent-Length: 5\r\n\r\nhello" NEXT),
	  2,
	  { { "/a", "", 0, ENF_ANOM_BARE_CR }, { "/n", "", 0, RESYNC } },
	  5,
	  0 },
	/* a bare CR inside the value: not a number, no body */
	{ "bare CR in Content-Length",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 5\r\r\n\r\nhello" NEXT),
	  2,
	  { { "/a", "", 0, ENF_ANOM_BARE_CR | BADCL },
	    { "/n", "", 0, RESYNC } },
	  5,
	  0 },
	/* a NUL: a C-string reader sees "5", the value here is not a number */
	{ "NUL in Content-Length",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 5\0\r\n\r\nhello" NEXT),
	  2,
	  { { "/a", "", 0, ENF_ANOM_NUL_BYTE | BADCL },
	    { "/n", "", 0, RESYNC } },
	  5,
	  0 },
	/* over-long line before Content-Length: cut, yet the next line frames
	 * (max_line 64) */
	{ "over-long line before Content-Length",
	  IN("POST /a HTTP/1.1\r\nX-Pad: "
	     "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	     "\r\nContent-Length: 5\r\n\r\nhello" NEXT),
	  2,
	  { { "/a", "hello", 5,
	      ENF_ANOM_LINE_TOO_LONG | ENF_ANOM_HEADERS_LIMIT },
	    { "/n", "", 0, 0 } },
	  0,
	  64 },
	/*
	 * Pipelining after a smuggled body: the body (Content-Length 39)
	 * holds a whole request; it is body, not a request (RFC 9112 6.3),
	 * and the next request is the one after it.
	 */
	{ "request inside a body, then pipelining",
	  IN("POST /a HTTP/1.1\r\nContent-Length: 39\r\n\r\n"
	     "GET /admin HTTP/1.1\r\nHost: internal\r\n\r\n" NEXT NEXT),
	  3,
	  { { "/a", "GET /admin HTTP/1.1\r\nHost: internal\r\n\r\n", 39, 0 },
	    { "/n", "", 0, 0 },
	    { "/n", "", 0, 0 } },
	  0,
	  0 },
};

static void check_case(const struct smug_case *c, const struct t_run *r)
{
	size_t i;

	T_CHECK(r->n == c->n, "%s: %zu requests, want %zu", c->name, r->n,
		c->n);
	for (i = 0; i < c->n; i++) {
		const struct want *w = &c->want[i];
		const struct enf_request *q = &r->req[i];
		char name[160];

		snprintf(name, sizeof(name), "%s: request %zu", c->name, i);
		t_check_str(name, "uri", q->uri, w->uri);
		t_check_mem(name, "body", q->body, w->body, w->body_len);
		T_CHECK(q->body_len == w->body_len,
			"%s: body_len %llu, want %llu", name,
			(unsigned long long)q->body_len,
			(unsigned long long)w->body_len);
		T_CHECK(q->anomalies == w->anom,
			"%s: anomalies 0x%llx, want 0x%llx", name,
			(unsigned long long)q->anomalies,
			(unsigned long long)w->anom);
	}
	T_CHECK(r->skipped == c->skipped, "%s: skipped %llu, want %llu",
		c->name, (unsigned long long)r->skipped,
		(unsigned long long)c->skipped);
}

static void test_smuggling_set(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct smug_case *c = &cases[i];
		struct enf_http_limits lim;
		struct t_run *r = calloc(1, sizeof(*r));

		assert_non_null(r);
		enf_http_limits_default(&lim);
		if (c->max_line)
			lim.max_line = c->max_line;
		t_feed_all_splits(c->name, &lim, c->in, c->len, r);
		check_case(c, r);
		t_run_free(r);
		free(r);
	}
	printf("smuggling set: %zu cases, each split at every byte\n",
	       ARRAY_SIZE(cases));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smuggling_set),
	};

	return cmocka_run_group_tests_name("http1_smuggle", tests, NULL, NULL);
}
