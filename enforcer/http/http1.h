/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental HTTP/1.1 request parser: fed the plaintext of one flow and
 * direction in whatever chunks capture delivers, it hands out each complete
 * request (request line, headers, query arguments, body up to a cap) as a
 * struct enf_request. A library: no logging, no exits.
 *
 * What it decides, so that rules and the audit trail can rely on it:
 * - Lines end in CRLF or LF alone (ENF_ANOM_BARE_LF). Empty lines between
 *   requests are skipped and not counted as skipped bytes.
 * - Caps keep what came first: a line over max_line keeps its first
 *   max_line bytes (a cut request line keeps its protocol, up to 32 bytes of
 *   it); headers past max_headers are dropped but still frame the body; all
 *   set ENF_ANOM_HEADERS_LIMIT. When the kept head reaches max_header_bytes
 *   the rest of the head is not kept (ENF_ANOM_HEAD_TRUNCATED) but is still
 *   read for framing, and the request is handed out with what fitted and
 *   its body, as any other.
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
 *   differ (a list of equal values is one) mean no body, flagged, and what
 *   follows is read as the next request, with the stricter matching below.
 *   Malformed chunked framing ends the request there (ENF_ANOM_BAD_CHUNK).
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
#ifndef ENFORCER_HTTP1_H
#define ENFORCER_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/**
 * struct enf_http_limits - caps on what a peer can make the parser keep
 * @max_line: bytes in the request line or one header line
 * @max_headers: header fields per request
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

#endif /* ENFORCER_HTTP1_H */
