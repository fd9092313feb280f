/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental HTTP/1.1 request parser: fed the plaintext of one flow and
 * direction in whatever chunks capture delivers, it hands out each complete
 * request (request line, headers, body up to a cap) as a struct
 * enf_request, with what the head and body imply (path, query and body
 * arguments, cookies, host, decoded URI) filled by enf_http_derive(), as
 * for HTTP/2: see enforcer/http/derive.c. The same machinery parses the responses of the other
 * direction (enf_http1_resp_*, below). A library: no logging, no exits.
 *
 * What it decides, so that rules and the audit trail can rely on it:
 * - Lines end in CRLF or LF alone (ENF_ANOM_BARE_LF). Empty lines between
 *   requests are skipped and not counted as skipped bytes. A CR not
 *   followed by LF is none of the line's end: it stays in the line as sent
 *   (ENF_ANOM_BARE_CR; nginx refuses such a request, RFC 9112 2.2 lets a
 *   recipient take the element as invalid), so a target holding one is not
 *   clean and a framing value holding one frames nothing. A NUL in the
 *   request line, a head line, a chunk extension or a trailer is kept too
 *   (ENF_ANOM_NUL_BYTE: nginx refuses it, C-string readers cut the line).
 * - Caps keep what came first: a line over max_line keeps its first
 *   max_line bytes (a cut request line keeps its protocol, up to 32 bytes of
 *   it) and sets ENF_ANOM_LINE_TOO_LONG with ENF_ANOM_HEADERS_LIMIT; headers
 *   past max_headers are dropped but still frame the body
 *   (ENF_ANOM_HEADERS_LIMIT). Chunk-size lines, extensions and trailers,
 *   never kept, are only flagged ENF_ANOM_LINE_TOO_LONG when over max_line.
 *   When the kept head reaches max_header_bytes the rest of the head is not
 *   kept (ENF_ANOM_HEAD_TRUNCATED) but is still read for framing, and the
 *   request is handed out with what fitted and its body, as any other.
 * - Header lines: names kept as sent; a line without ':' is dropped, a name
 *   that is not a token is kept and does not frame (ENF_ANOM_BAD_HEADER);
 *   obsolete folding is unfolded into the previous value (ENF_ANOM_OBS_FOLD).
 * - Framing headers (Content-Length, Transfer-Encoding) are read byte by
 *   byte as they arrive, kept or not, so no cap hides them: the decision
 *   uses the whole value, unfolded, OWS trimmed (RFC 9112 5.2), which is
 *   what a peer that takes such a request does; peers that do not take it
 *   refuse it. Their values are reported with each inner OWS run as one
 *   space and without leading or trailing OWS, so padding cannot push the
 *   reported value past the cap either: the value reported is the value
 *   framed by, unless the value itself is longer than max_line (then the
 *   report is its start, flagged). A framing header that was folded or sat
 *   on a line longer than max_line is one peers disagree on:
 *   ENF_ANOM_BAD_CONTENT_LENGTH or ENF_ANOM_BAD_TRANSFER_ENCODING (and
 *   ENF_ANOM_OBS_FOLD or ENF_ANOM_HEADERS_LIMIT) is set, and the body is
 *   still framed by the value. So `Content-Length:` CRLF SP `47` frames 47
 *   bytes and reports "47"; `Content-Length: 4` CRLF SP `7` reports "4 7",
 *   which is not a number: no body.
 * - Body framing (RFC 9112 6.3): Transfer-Encoding whose final coding is
 *   chunked wins over Content-Length (ENF_ANOM_CL_AND_TE); any other
 *   Transfer-Encoding, a Content-Length that is not decimal, or two that
 *   differ mean no body, flagged, and what follows is read as the next
 *   request, with the stricter matching below. Content-Length sent twice or
 *   as a list sets ENF_ANOM_DUP_CONTENT_LENGTH (nginx refuses both); equal
 *   values frame as one.
 * - Transfer-Encoding: codings are compared without case, OWS trimmed, the
 *   lines of several fields joined as one list (RFC 9110 5.3). Anything
 *   but one field whose value is "chunked" after at most one SP sets
 *   ENF_ANOM_TE_OBFUSCATED: case ("Chunked"), a tab or more spaces, a fold,
 *   a list ("gzip, chunked", "identity, chunked", "chunked,"), quotes, an
 *   unknown coding ("x-chunked"), a second field. Framing then follows the
 *   final coding: "chunked" in any case frames chunked (flagged only);
 *   a final coding that is not exactly the token chunked ("chunked,
 *   identity", "\"chunked\"", "chunked x", "x-chunked") also sets
 *   ENF_ANOM_BAD_TRANSFER_ENCODING and means no body. Chunked applied twice
 *   (in one field or two), or any Transfer-Encoding in an HTTP/1.0 request
 *   (faulty framing, RFC 9112 6.1), sets ENF_ANOM_BAD_TRANSFER_ENCODING and
 *   is framed as the final coding says. "Transfer-Encoding :" or
 *   "Content-Length :" (OWS before the colon) is no field name (RFC 9112
 *   5.1; ENF_ANOM_BAD_HEADER) and frames nothing here, as nginx refuses it,
 *   but a peer that strips the OWS frames by it: ENF_ANOM_TE_OBFUSCATED and
 *   ENF_ANOM_BAD_TRANSFER_ENCODING, or ENF_ANOM_BAD_CONTENT_LENGTH, and the
 *   stricter matching after the request.
 * - Chunked bodies: a chunk size is hex digits, leading zeros allowed, up
 *   to 2^63 - 1 (what a peer with a signed 64-bit length takes), then
 *   optional OWS (nginx's reading); a sign, "0x", OWS before the size, a
 *   bare CR or anything else is malformed. Extensions run to the LF
 *   (quotes are not honoured: a quoted-string holds no CR or LF). Trailers
 *   are read, not kept, and frame nothing; a trailer line that is no
 *   field, a name that is no token, or a framing field (which a peer
 *   merging trailers would frame by) sets ENF_ANOM_BAD_HEADER, a folded one
 *   ENF_ANOM_OBS_FOLD. Malformed chunked framing ends the request there
 *   (ENF_ANOM_BAD_CHUNK), the stricter matching after it.
 * - A request handed out after skipped bytes, or after a request whose
 *   framing was lost (the stricter matching), carries ENF_ANOM_RESYNC: its
 *   boundary is the parser's best guess, not the stream's.
 * - Request lines end in SP "HTTP/" 1*DIGIT "." 1*DIGIT with a major version
 *   of 1 (leading zeros allowed), then optional SP/HTAB: what nginx serves.
 *   Anything but " HTTP/1.x" right at the end of the line, or more than one
 *   space on either side of the target, sets ENF_ANOM_BAD_REQUEST_LINE; the
 *   protocol is reported as sent ("HTTP/01.10"), the target without the
 *   extra spaces. A token, a space and a target starting the line make one;
 *   a target with a space or control byte is taken, flagged, only at a true
 *   request boundary, not after skipped bytes or lost framing. A line whose
 *   start is not a registered method may hold body bytes glued to the next
 *   request: a registered method and a clean target right before the
 *   protocol are taken from inside it, the bytes before counted as skipped.
 * - HTTP/0.9 ("GET" SP target, no protocol; nginx serves it) is handed out
 *   at a true request boundary only, from a line within max_line and with a
 *   clean target: no headers, no body, an empty protocol,
 *   ENF_ANOM_BAD_REQUEST_LINE. Other methods, or such a line after skipped
 *   bytes or lost framing, are skipped like garbage.
 */
/*
 * Responses (enf_http1_resp_*), to audit the outcome of requests: the same
 * line reading, caps, framing-header scanner, anomalies and split
 * invariance as requests, with these differences:
 * - A status line starts with "HTTP/1.": "HTTP/1." DIGIT SP 3DIGIT
 *   (100-999) SP reason. Without the SP and reason, or with a control byte
 *   other than HTAB in the reason, it is flagged ENF_ANOM_BAD_STATUS_LINE and
 *   its status kept; any other line starting with "HTTP/1." is handed out
 *   with status 0, flagged, at a true boundary only (not after skipped
 *   bytes or lost framing). Other lines are skipped
 *   (enf_http1_resp_skipped()); the response after them, or after lost
 *   framing, carries ENF_ANOM_RESYNC.
 * - Bodies (RFC 9112 6.3) are counted, never kept: none for 1xx, 204, 304
 *   and a response to HEAD; chunked when the final coding is; with
 *   another final coding, or no framing header, the body runs to the end of
 *   the stream (enf_http1_resp_finish()); Content-Length otherwise. A
 *   Content-Length that is not valid means no body, flagged, and the
 *   stricter matching of lost framing after it.
 * - 1xx responses are handed out as they come, before the final one. After
 *   a 101, or a 2xx to CONNECT, the stream is no longer HTTP/1: nothing
 *   more is parsed until enf_http1_resp_finish().
 * - Which request a response answers: the daemon calls
 *   enf_http1_resp_expect() with each request's method as it hands out the
 *   requests of the paired direction; final responses take them in order.
 *   Without that (or past the queue) a response is taken as not to HEAD:
 *   a HEAD response with a Content-Length then swallows that many bytes of
 *   what follows as its body, and the parser finds its place again at the
 *   next line starting with "HTTP/1." (the bytes before it skipped, the
 *   response flagged ENF_ANOM_RESYNC); a close-delimited reading of it
 *   runs to the end of the stream.
 */
#ifndef ENFORCER_HTTP1_H
#define ENFORCER_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/**
 * struct enf_http_limits - caps on what a peer can make the parser keep
 * @max_line: bytes in the request line or one header line
 * @max_headers: header fields per request (HTTP/2: and the host field made
 *	of :authority, see struct enf_request)
 * @max_header_bytes: bytes of the whole header block
 * @max_args: query arguments per request
 * @max_body: body bytes kept per request (the rest is counted, not kept)
 * @max_json_depth: nesting of a JSON body split into arguments
 * @max_parts: parts of a multipart/form-data body
 * @max_streams: HTTP/2 streams open at once on a connection
 * @max_continuations: HTTP/2 CONTINUATION frames per header block
 *
 * @max_args caps each list on its own: query arguments, body arguments,
 * cookies. For HTTP/2, @max_header_bytes caps the decoded bytes of a header
 * block (names and values), enforced while decoding. The last four may be
 * 0: their defaults are taken.
 */
struct enf_http_limits {
	size_t max_line;
	size_t max_headers;
	size_t max_header_bytes;
	size_t max_args;
	size_t max_body;
	size_t max_json_depth;
	size_t max_parts;
	size_t max_streams;
	size_t max_continuations;
};

/* Bounds enf_http1_new() accepts for max_line and max_header_bytes (the
 * lower) and for every cap (the upper). */
#define ENF_HTTP1_MIN_LINE 64
#define ENF_HTTP1_MAX_CAP (1u << 30)

/**
 * enf_http_limits_default() - fill @lim with the defaults
 * @lim: filled: 8 KiB lines, 100 headers, 64 KiB of headers, 256 args,
 *       64 KiB body, JSON depth 32, 128 parts, 128 streams, 16
 *       CONTINUATIONs
 */
void enf_http_limits_default(struct enf_http_limits *lim);

/**
 * enf_http_limits_resolve() - check caps and fill the defaults of the
 * optional ones
 * @in: the caps asked for; NULL for the defaults
 * @out: @in with each optional cap left 0 set to its default
 * Return: 0, or -EINVAL when a cap is out of the ENF_HTTP1_* bounds.
 */
int enf_http_limits_resolve(const struct enf_http_limits *in,
			    struct enf_http_limits *out);

struct enf_http1;

/* Called for every complete request; @req is valid during the call only.
 * A non-zero return stops feeding and is returned by enf_http1_feed(). */
typedef int (*enf_http1_cb)(const struct enf_request *req, void *ctx);

/**
 * enf_http1_new() - a parser for one flow and direction
 * @lim: caps, copied; NULL for the defaults
 * @out: the parser, NULL on failure
 *
 * Buffers grow with what a request needs, never past the caps: the head
 * (line contents without line endings) to max_header_bytes, the body to
 * max_body, the header and argument arrays to max_headers and max_args.
 * Return: 0, -EINVAL when a cap is out of the ENF_HTTP1_* bounds, or -ENOMEM.
 */
int enf_http1_new(const struct enf_http_limits *lim, struct enf_http1 **out);
/**
 * enf_http1_free() - free a parser and everything it holds
 * @p: the parser; NULL is accepted
 */
void enf_http1_free(struct enf_http1 *p);

/**
 * enf_http1_feed() - give the parser the next bytes of the stream
 * @p: the parser
 * @data: the bytes, in stream order after those fed before
 * @len: their count
 * @cb: called for each complete request; may be NULL
 * @ctx: passed to @cb
 *
 * Complete requests are handed to @cb in stream order, each with the
 * anomalies it met. Input that is not HTTP/1.x at a request boundary (a
 * stream seen from the middle, garbage) is skipped up to the next line that
 * looks like a request line; the skipped byte count is in
 * enf_http1_skipped().
 *
 * When @cb returns non-zero, the bytes of @data after that request are not
 * looked at; the parser stays usable at the next request boundary.
 * Return: 0, the non-zero value @cb returned, -EINVAL for a NULL @p (or NULL
 * @data with a non-zero @len), or -ENOMEM (the request being read is
 * dropped and the parser starts again at the next line).
 */
int enf_http1_feed(struct enf_http1 *p, const void *data, size_t len,
		   enf_http1_cb cb, void *ctx);

/**
 * enf_http1_skipped() - bytes skipped so far looking for a request line
 * @p: the parser
 *
 * Counted when the skipped line ends; empty lines between requests are not
 * counted.
 */
uint64_t enf_http1_skipped(const struct enf_http1 *p);

struct enf_http1_resp;

/* Called for every response; @resp is valid during the call only. A
 * non-zero return stops feeding and is returned by the feed. */
typedef int (*enf_http1_resp_cb)(const struct enf_response *resp, void *ctx);

/**
 * enf_http1_resp_new() - a response parser for one flow (the direction
 * opposite to the requests')
 * @lim: caps, copied; NULL for the defaults. The head is kept under the
 *	same caps as a request's; max_body is not used: bodies are counted,
 *	never kept.
 * @out: the parser, NULL on failure
 * Return: 0, -EINVAL when a cap is out of the ENF_HTTP1_* bounds, or -ENOMEM.
 */
int enf_http1_resp_new(const struct enf_http_limits *lim,
		       struct enf_http1_resp **out);

/**
 * enf_http1_resp_free() - free a response parser
 * @r: the parser; NULL is accepted
 */
void enf_http1_resp_free(struct enf_http1_resp *r);

/**
 * enf_http1_resp_status_only() - hand responses out with their status
 * line and framing only
 * @r: the parser
 *
 * The header lines are read for framing as they stream in but not kept
 * (the handed-out response has no headers; no anomaly says so): what the
 * daemon's audit needs, at a fraction of the cost.
 */
void enf_http1_resp_status_only(struct enf_http1_resp *r);

/**
 * enf_http1_resp_expect() - tell the parser a request was sent on the
 * paired stream, in order, so that its response is framed right
 * @r: the parser
 * @method: the request's method as sent ("HEAD": no body in the response;
 *	"CONNECT": a 2xx ends HTTP/1 on the flow)
 * @len: its length
 *
 * Final (non-1xx) responses take the requests in order. Up to 256 are
 * remembered; past that a request is counted and its response framed as
 * a GET's.
 * Return: 0, -ENOSPC when the method was not remembered (counted), or
 * -EINVAL.
 */
int enf_http1_resp_expect(struct enf_http1_resp *r, const char *method,
			  size_t len);

/**
 * enf_http1_resp_feed() - give the parser the next bytes of the stream
 * @r: the parser
 * @data: the bytes, in stream order
 * @len: their count
 * @cb: called for each complete response (1xx included); may be NULL
 * @ctx: passed to @cb
 *
 * Return: 0, the non-zero value @cb returned (the rest of @data is not
 * looked at), -EINVAL, or -ENOMEM (the response being read is dropped).
 */
int enf_http1_resp_feed(struct enf_http1_resp *r, const void *data, size_t len,
			enf_http1_resp_cb cb, void *ctx);

/**
 * enf_http1_resp_finish() - the stream ended (the server closed it)
 * @r: the parser
 * @cb: called for the response the end completes or cuts; may be NULL
 * @ctx: passed to @cb
 *
 * A close-delimited body ends here, and the response is handed out whole.
 * A response cut earlier is handed out with what came: a head cut
 * (ENF_ANOM_HEAD_TRUNCATED), a Content-Length body cut
 * (ENF_ANOM_BAD_CONTENT_LENGTH, body_len the bytes seen), a chunked body
 * cut (ENF_ANOM_BAD_CHUNK); a status line cut is counted as skipped. The
 * parser is then as new (the requests awaited are forgotten), the skipped
 * count kept.
 * Return: 0, the value @cb returned, or -EINVAL.
 */
int enf_http1_resp_finish(struct enf_http1_resp *r, enf_http1_resp_cb cb,
			  void *ctx);

/**
 * enf_http1_resp_skipped() - bytes skipped so far looking for a status line
 * @r: the parser
 */
uint64_t enf_http1_resp_skipped(const struct enf_http1_resp *r);

#endif /* ENFORCER_HTTP1_H */
