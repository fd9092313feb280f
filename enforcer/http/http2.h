/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Incremental HTTP/2 parser (RFC 9113) for one direction of one connection:
 * fed the plaintext in whatever chunks capture delivers, it hands out each
 * request (client to server) or response (server to client) as its stream
 * ends. The output is the same for every split of the input: nothing depends
 * on chunk boundaries. A library: no logging, no exits.
 *
 * What it decides, so that rules and the audit trail can rely on it:
 * - Framing. The client side starts with the preface; a client side whose
 *   first bytes are not the preface is a connection seen from the middle
 *   (below). Frames up to 2^24-1 bytes are accepted (the peer may have
 *   raised SETTINGS_MAX_FRAME_SIZE in the direction not seen); nothing but
 *   decoded fields (under the caps) and bodies (to max_body) is buffered:
 *   header block fragments are decoded as they stream in. Unknown frame
 *   types are skipped.
 * - HPACK: one decoder per parser (connection and direction), over
 *   libnghttp2's inflater. SETTINGS_HEADER_TABLE_SIZE bounds the encoder of
 *   the *other* direction; the value this direction's encoder obeys is sent
 *   the other way, unseen. So the decoder accepts any dynamic table size up
 *   to ENF_HTTP2_MAX_TABLE (memory is bounded by it) and an encoder that
 *   announces none decodes the same (a larger decoder table only keeps
 *   entries the encoder no longer references). A size update over it fails
 *   the block (ENF_ANOM_H2_HPACK). The HEADER_TABLE_SIZE this direction's
 *   SETTINGS carry is reported in the counters, for an integrator that sees
 *   both directions.
 * - Caps (each with its anomaly): decoded bytes per header block,
 *   max_header_bytes, checked before each copy (ENF_ANOM_H2_HEADERS_LIMIT;
 *   decoding goes on keeping nothing, so the table stays in step); regular
 *   fields per message, max_headers (ENF_ANOM_HEADERS_LIMIT); kept name and
 *   value bytes per message (headers and trailers), max_header_bytes
 *   (ENF_ANOM_H2_HEADERS_LIMIT); CONTINUATIONs per block, max_continuations
 *   (ENF_ANOM_H2_CONTINUATION_LIMIT: the block is abandoned, its stream is
 *   handed out at once with what was decoded, flagged ENF_ANOM_H2_HPACK too,
 *   the rest of the block is skipped and the HPACK state is lost); open
 *   streams, max_streams (ENF_ANOM_H2_STREAMS_LIMIT: the extra stream's
 *   block is decoded, for the table, but not kept; it is counted and every
 *   later message of the connection carries the bit); body bytes kept,
 *   max_body (ENF_ANOM_BODY_TRUNCATED; body_len counts them all). Memory is
 *   thus bounded by max_streams * (max_header_bytes + max_body) plus the
 *   HPACK table and libnghttp2's 64 KiB per string.
 * - Requests: :method, :scheme, :path, :authority, :protocol (RFC 8441);
 *   a pseudo-header missing (:method; :scheme and :path but for CONNECT;
 *   :authority for CONNECT), repeated, unknown, empty (:path), after a
 *   regular field, in trailers, or :scheme/:path in a plain CONNECT sets
 *   ENF_ANOM_H2_PSEUDO_HEADER. uri is :path (CONNECT: :authority), line
 *   "METHOD uri HTTP/2.0", protocol "HTTP/2.0", host :authority (else
 *   derived from Host). Fields are kept as decoded, in order, duplicates
 *   kept; trailers (a later block, which must end the stream) are appended.
 *   Then enf_http_derive() fills the rest.
 * - Field checks: a name empty or with bytes other than lowercase tchar,
 *   a value with CR, LF or NUL or with leading or trailing SP/HTAB:
 *   ENF_ANOM_H2_BAD_FIELD. Connection, Keep-Alive, Proxy-Connection,
 *   Transfer-Encoding, Upgrade, or TE other than "trailers":
 *   ENF_ANOM_H2_CONNECTION_HEADER. content-length not decimal, two that
 *   differ, or not the DATA's length at the end: ENF_ANOM_H2_CONTENT_LENGTH.
 * - Hand-out: at END_STREAM; at RST_STREAM, GOAWAY (every open stream) or
 *   enf_http2_finish() with ENF_ANOM_H2_RESET and what came. Responses
 *   (server to client): :status and fields, handed out at END_STREAM (or
 *   reset) with the body's length (the body is not kept); 1xx heads are not
 *   handed out; a missing or malformed :status is ENF_ANOM_H2_PSEUDO_HEADER
 *   with status 0.
 * - Errors (ENF_ANOM_H2_PROTOCOL). Frames are length-prefixed, so no error
 *   loses the framing; parsing always goes on. Those RFC 9113 makes
 *   connection errors (a frame on the wrong stream 0 or not 0, a bad
 *   preface-less start, a CONTINUATION out of place or an interrupted
 *   header block, padding over the frame, a wrong SETTINGS/PING/
 *   WINDOW_UPDATE/RST_STREAM size, a new stream id not above the last one,
 *   a client stream with an even id, PUSH_PROMISE from a client, DATA on
 *   an idle stream) mean the receiver closes the connection: every later
 *   message is flagged too. Stream errors (a PRIORITY of the wrong size,
 *   trailers without END_STREAM, HEADERS on a closed stream) flag that
 *   stream only, or nothing when it is not assembled. An interrupted header
 *   block is abandoned like an over-long one (its stream handed out with
 *   ENF_ANOM_H2_PROTOCOL | ENF_ANOM_H2_HPACK | ENF_ANOM_H2_RESET, the state
 *   lost). DATA on a stream already handed out is counted and ignored (the
 *   other side may have reset it unseen).
 * - Trust. A header block that fails to decode sets ENF_ANOM_H2_HPACK on
 *   its message, and the connection's HPACK state is lost: the decoder
 *   starts again with an empty table and every message whose fields are
 *   decoded, or that is handed out, while the state is lost carries
 *   ENF_ANOM_H2_STATE_LOST. A connection seen from the middle starts lost.
 *   The state is trusted again at the first header block that starts with
 *   a dynamic table size update to 0 and decodes: the encoder's table is
 *   then as empty as ours (RFC 7541 4.2), whatever came before.
 * - Seen from the middle (enf_http2_new_midstream(), or a client side that
 *   does not start with the preface): frames are looked for byte by byte,
 *   a frame header taken when plausible (a known type, flags of that type
 *   only, a length within 16384 and right for the type, the reserved bit
 *   clear, stream 0 exactly for the connection frames, no CONTINUATION);
 *   skipped bytes are counted. Until the state is trusted again, every
 *   frame header must be plausible, else the search starts again.
 */
#ifndef ENFORCER_HTTP2_H
#define ENFORCER_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/http/http1.h"
#include "enforcer/request.h"

/* The largest HPACK dynamic table accepted (what browsers advertise) */
#define ENF_HTTP2_MAX_TABLE 65536

/* The client connection preface (RFC 9113 3.4) */
#define ENF_HTTP2_PREFACE "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
#define ENF_HTTP2_PREFACE_LEN 24

/* Which direction of the connection a parser reads */
enum enf_http2_side {
	ENF_HTTP2_CLIENT =
		0, /* client to server: requests, starts w/ preface */
	ENF_HTTP2_SERVER = 1, /* server to client: responses */
};

/* Called for every response handed out; @resp is valid during the call
 * only. A non-zero return stops feeding, as for requests. */
typedef int (*enf_http2_resp_cb)(const struct enf_response *resp, void *ctx);

/**
 * struct enf_http2_counters - what a parser has seen
 * @frames: frame headers read
 * @streams: streams assembled
 * @streams_refused: streams over max_streams, not assembled
 * @requests: requests handed out
 * @responses: responses handed out
 * @errors: protocol errors (ENF_ANOM_H2_PROTOCOL events)
 * @hpack_errors: header blocks that did not decode or were abandoned
 * @skipped: bytes skipped looking for a frame (seen from the middle)
 * @resyncs: times a frame header was taken after skipped bytes
 * @ignored_data: DATA payload bytes on streams not assembled
 * @peer_table_size: the last SETTINGS_HEADER_TABLE_SIZE sent in this
 *	direction (the bound of the other direction's encoder), 4096 unseen
 */
struct enf_http2_counters {
	uint64_t frames;
	uint64_t streams;
	uint64_t streams_refused;
	uint64_t requests;
	uint64_t responses;
	uint64_t errors;
	uint64_t hpack_errors;
	uint64_t skipped;
	uint64_t resyncs;
	uint64_t ignored_data;
	uint32_t peer_table_size;
};

struct enf_http2;

/**
 * enf_http2_new() - a parser for one direction of a connection seen from
 * its start
 * @lim: caps, copied; NULL for the defaults
 * @side: the direction
 * @out: the parser, NULL on failure
 * Return: 0, -EINVAL for a cap out of bounds or a bad @side, or -ENOMEM.
 */
int enf_http2_new(const struct enf_http_limits *lim, enum enf_http2_side side,
		  struct enf_http2 **out);

/**
 * enf_http2_new_midstream() - a parser for a connection seen from the
 * middle: frames are looked for, and the header state is not trusted until
 * a block flushes the table (see the top of this file)
 * @lim: caps, copied; NULL for the defaults
 * @side: the direction
 * @out: the parser, NULL on failure
 * Return: as enf_http2_new().
 */
int enf_http2_new_midstream(const struct enf_http_limits *lim,
			    enum enf_http2_side side, struct enf_http2 **out);

/**
 * enf_http2_free() - free a parser and the streams it holds
 * @p: the parser; NULL is accepted
 */
void enf_http2_free(struct enf_http2 *p);

/**
 * enf_http2_feed() - give the parser the next bytes of its direction
 * @p: the parser
 * @data: the bytes, in stream order after those fed before
 * @len: their count
 * @on_request: called for each request handed out (client side); may be NULL
 * @on_response: called for each response handed out (server side); may be
 *	NULL
 * @ctx: passed to both
 *
 * When a callback returns non-zero, the bytes after the frame (or frame
 * header) that handed the message out are not looked at; the parser stays
 * usable from there.
 * Return: 0, the non-zero value a callback returned, -EINVAL for a NULL @p
 * (or NULL @data with a non-zero @len) or a finished parser, or -ENOMEM
 * (the message being handed out is lost; the parser goes on).
 */
int enf_http2_feed(struct enf_http2 *p, const void *data, size_t len,
		   enf_http1_cb on_request, enf_http2_resp_cb on_response,
		   void *ctx);

/**
 * enf_http2_finish() - the connection ended: hand out every open stream
 * with ENF_ANOM_H2_RESET (a header block in progress is abandoned first)
 * @p: the parser; it takes no more input afterwards
 * @on_request: as for enf_http2_feed()
 * @on_response: as for enf_http2_feed()
 * @ctx: passed to both
 * Return: 0, a callback's non-zero value (the streams not yet handed out
 * are dropped), -EINVAL, or -ENOMEM.
 */
int enf_http2_finish(struct enf_http2 *p, enf_http1_cb on_request,
		     enf_http2_resp_cb on_response, void *ctx);

/**
 * enf_http2_counters() - what the parser has seen so far
 * @p: the parser
 * @c: filled
 */
void enf_http2_counters(const struct enf_http2 *p,
			struct enf_http2_counters *c);

/**
 * enf_http2_trusted() - whether the connection's header state is trusted
 * @p: the parser
 * Return: false while messages are flagged ENF_ANOM_H2_STATE_LOST.
 */
bool enf_http2_trusted(const struct enf_http2 *p);

#endif /* ENFORCER_HTTP2_H */
