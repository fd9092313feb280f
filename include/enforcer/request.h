/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The request model: what enforcer/http/ produces from a byte stream and what
 * rules/ matches against. Userspace only. Every string is a pointer and a
 * length (peer data may hold NUL bytes) into memory owned by the producer and
 * valid for the duration of the callback that hands the request out.
 */
#ifndef ENFORCER_REQUEST_H
#define ENFORCER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/flow.h"

struct enf_str {
	const char *ptr;
	size_t len;
};

struct enf_field {
	struct enf_str name;
	struct enf_str value;
};

/*
 * Protocol anomalies the parsers met on the way (ENF_ANOM_*, a 64-bit mask
 * in enf_request.anomalies and enf_response.anomalies). Each has a stable
 * name, ENF_ANOM_NAMES[bit], which is what rules match (PROTOCOL_ANOMALY)
 * and what the audit shows. Bits 0-19 are HTTP/1 framing, 20-31 request
 * bodies, cookies and URIs, 32-47 HTTP/2.
 */
#define ENF_ANOM_HEADERS_LIMIT (1ull << 0) /* header count or size cap hit */
#define ENF_ANOM_ARGS_LIMIT \
	(1ull << 1) /* argument count cap hit (query, body or cookies) */
/* request line: a target with a space or control byte, extra spaces around
 * it, a protocol other than " HTTP/1.x" at the very end, or HTTP/0.9 */
#define ENF_ANOM_BAD_REQUEST_LINE (1ull << 2)
#define ENF_ANOM_BAD_HEADER (1ull << 3)
#define ENF_ANOM_BODY_TRUNCATED (1ull << 4) /* body longer than kept */
#define ENF_ANOM_BARE_LF \
	(1ull << 5) /* a line of the request ended in LF alone */
/* invalid %-escape in the query, the URI or a urlencoded body, kept as is */
#define ENF_ANOM_BAD_ESCAPE (1ull << 6)
/* Content-Length not decimal, or two that differ: taken as no body */
/* also: folded, or on a line over max_line: framed by its whole value */
#define ENF_ANOM_BAD_CONTENT_LENGTH (1ull << 7)
/* Content-Length and Transfer-Encoding both present: chunked wins */
#define ENF_ANOM_CL_AND_TE (1ull << 8)
/* Transfer-Encoding whose final coding is not chunked (taken as no body),
 * or chunked applied twice */
/* also: folded, or on a line over max_line: framed by its whole value */
#define ENF_ANOM_BAD_TRANSFER_ENCODING (1ull << 9)
/* malformed chunked framing: the request ends where it broke */
#define ENF_ANOM_BAD_CHUNK (1ull << 10)
#define ENF_ANOM_OBS_FOLD \
	(1ull << 11) /* obsolete header line folding, unfolded */
/* head over max_header_bytes: handed out early; its rest and body unseen */
#define ENF_ANOM_HEAD_TRUNCATED (1ull << 12)
/* Content-Length sent more than once, or as a list (equal values) */
#define ENF_ANOM_DUP_CONTENT_LENGTH (1ull << 13)
#define ENF_ANOM_BARE_CR (1ull << 14) /* a CR not followed by LF in a line */
#define ENF_ANOM_NUL_BYTE \
	(1ull << 15) /* a NUL in the request line or a header */
#define ENF_ANOM_LINE_TOO_LONG (1ull << 16) /* a line over max_line, cut */
/* a Transfer-Encoding peers may read differently: odd case or spacing, a
 * list, quotes, an unknown or repeated coding */
#define ENF_ANOM_TE_OBFUSCATED (1ull << 17)
/* the request follows skipped bytes (a stream seen from the middle,
 * garbage, or framing lost before it) */
#define ENF_ANOM_RESYNC (1ull << 18)
#define ENF_ANOM_DUP_HOST (1ull << 19) /* Host sent more than once */
/* request bodies, cookies, URIs */
/* a JSON body that does not parse to its end (arguments: those before) */
#define ENF_ANOM_BAD_JSON (1ull << 20)
/* a multipart/form-data body that does not parse: no or a bad boundary,
 * a part without its headers or name, no closing delimiter */
#define ENF_ANOM_BAD_MULTIPART (1ull << 21)
#define ENF_ANOM_JSON_DEPTH_LIMIT (1ull << 22) /* nesting over the cap */
#define ENF_ANOM_MULTIPART_LIMIT (1ull << 23) /* parts over the cap */
/* a body of a parsed type (urlencoded, JSON, multipart) cut at max_body:
 * its arguments are those of the bytes kept */
#define ENF_ANOM_BODY_ARGS_PARTIAL (1ull << 24)
#define ENF_ANOM_BAD_STATUS_LINE (1ull << 25) /* a response's */
/* HTTP/2 */
/* a frame or frame sequence the protocol forbids (RFC 9113) */
#define ENF_ANOM_H2_PROTOCOL (1ull << 32)
/* a header block that did not decode: the connection's HPACK state is
 * lost from here on */
#define ENF_ANOM_H2_HPACK (1ull << 33)
/* the connection's header state cannot be trusted (HPACK state lost, or
 * the connection seen from the middle): its headers may be wrong */
#define ENF_ANOM_H2_STATE_LOST (1ull << 34)
/* decoded header bytes over max_header_bytes (an HPACK bomb) */
#define ENF_ANOM_H2_HEADERS_LIMIT (1ull << 35)
#define ENF_ANOM_H2_CONTINUATION_LIMIT \
	(1ull << 36) /* CONTINUATIONs over the cap */
#define ENF_ANOM_H2_STREAMS_LIMIT (1ull << 37) /* open streams over the cap */
/* a pseudo-header missing, repeated, unknown, or after a regular field */
#define ENF_ANOM_H2_PSEUDO_HEADER (1ull << 38)
/* a connection-specific field (Connection, Keep-Alive, Proxy-Connection,
 * Transfer-Encoding, Upgrade; TE other than "trailers") */
#define ENF_ANOM_H2_CONNECTION_HEADER (1ull << 39)
#define ENF_ANOM_H2_CONTENT_LENGTH \
	(1ull << 40) /* content-length is not the DATA's length */
/* the stream was reset, or the connection ended, before the request was
 * complete: handed out with what came */
#define ENF_ANOM_H2_RESET (1ull << 41)
/* a field name with uppercase or forbidden bytes, a value with CR, LF or
 * NUL (what an HTTP/1 downgrade would turn into smuggling) */
#define ENF_ANOM_H2_BAD_FIELD (1ull << 42)

/* ENF_ANOM_NAMES[bit]: the name of ENF_ANOM_* (1ull << bit), NULL unused */
#define ENF_ANOM_NAMES                                                           \
	{                                                                        \
		[0] = "HEADERS_LIMIT", [1] = "ARGS_LIMIT",                       \
		[2] = "BAD_REQUEST_LINE", [3] = "BAD_HEADER",                    \
		[4] = "BODY_TRUNCATED", [5] = "BARE_LF", [6] = "BAD_ESCAPE",     \
		[7] = "BAD_CONTENT_LENGTH", [8] = "CL_AND_TE",                   \
		[9] = "BAD_TRANSFER_ENCODING", [10] = "BAD_CHUNK",               \
		[11] = "OBS_FOLD", [12] = "HEAD_TRUNCATED",                      \
		[13] = "DUP_CONTENT_LENGTH", [14] = "BARE_CR",                   \
		[15] = "NUL_BYTE", [16] = "LINE_TOO_LONG",                       \
		[17] = "TE_OBFUSCATED", [18] = "RESYNC", [19] = "DUP_HOST",      \
		[20] = "BAD_JSON", [21] = "BAD_MULTIPART",                       \
		[22] = "JSON_DEPTH_LIMIT", [23] = "MULTIPART_LIMIT",             \
		[24] = "BODY_ARGS_PARTIAL", [25] = "BAD_STATUS_LINE",            \
		[32] = "H2_PROTOCOL", [33] = "H2_HPACK", [34] = "H2_STATE_LOST", \
		[35] = "H2_HEADERS_LIMIT", [36] = "H2_CONTINUATION_LIMIT",       \
		[37] = "H2_STREAMS_LIMIT", [38] = "H2_PSEUDO_HEADER",            \
		[39] = "H2_CONNECTION_HEADER", [40] = "H2_CONTENT_LENGTH",       \
		[41] = "H2_RESET", [42] = "H2_BAD_FIELD",                        \
	}
#define ENF_ANOM_BITS 64

/* What a request's body was parsed as (Content-Type), enf_request.body_type */
enum enf_body_type {
	ENF_BODY_NONE = 0, /* no body */
	ENF_BODY_URLENCODED, /* application/x-www-form-urlencoded */
	ENF_BODY_JSON, /* application/json, or any type ending in +json */
	ENF_BODY_MULTIPART, /* multipart/form-data */
	ENF_BODY_OTHER, /* kept as REQUEST_BODY, not split into arguments */
};

/* Direction of the request relative to the process that handled it. */
enum enf_req_direction {
	ENF_REQ_INBOUND = 0, /* a request the process received (server) */
	ENF_REQ_OUTBOUND = 1, /* a request the process sent (client) */
};

/**
 * struct enf_req_origin - who sent or received the request, and on which flow
 * @pid: thread id that made the TLS call
 * @tgid: process id
 * @uid: real uid
 * @cgroup_id: cgroup v2 id
 * @comm: task comm, NUL-terminated
 * @exe: executable path, NUL-terminated, "" when unknown
 * @tls_lib: TLS library name ("openssl"), NUL-terminated
 * @direction: enum enf_req_direction
 * @tuple: the flow, peer as source; all zero when the TLS session's
 *	transport is not an IP socket (uncorrelated)
 * @ts_ns: CLOCK_MONOTONIC time of capture
 * @cgroup: the cgroup v2 path of @cgroup_id, NULL when unknown
 * @container: the container id @cgroup names, NULL when none
 * @sock_cookie: the socket's cookie, 0 when unknown
 */
struct enf_req_origin {
	uint32_t pid;
	uint32_t tgid;
	uint32_t uid;
	uint64_t cgroup_id;
	const char *comm;
	const char *exe;
	const char *tls_lib;
	int direction;
	struct enf_tuple tuple;
	uint64_t ts_ns;
	const char *cgroup;
	const char *container;
	uint64_t sock_cookie;
};

/**
 * struct enf_request - one HTTP request, parsed
 * @method: REQUEST_METHOD
 * @uri: the request-target as received, not decoded (REQUEST_URI_RAW); for
 *	HTTP/2 the :path
 * @path: @uri up to '?', not decoded; of an absolute-form target
 *	("http://h/x?q") the part after the authority
 * @query: what follows the path's '?', without it (QUERY_STRING); len 0
 *	when none
 * @protocol: "HTTP/1.1" (REQUEST_PROTOCOL); "HTTP/2.0" for HTTP/2
 * @line: the request line without its line ending (REQUEST_LINE); for
 *	HTTP/2 "METHOD :path HTTP/2.0", built
 * @headers: in the order received, duplicates kept; for HTTP/2 the regular
 *	fields (pseudo-headers are in the fields above and @host), and when
 *	none is named "host", first a "host" field of the :authority, as nginx
 *	gives HTTP/2 requests to its modules (beyond max_headers)
 * @n_headers: entries in @headers
 * @args: query-string arguments, percent-decoded, in order (ARGS_GET)
 * @n_args: entries in @args
 * @body: the body bytes kept (REQUEST_BODY), possibly cut (see @anomalies)
 * @body_len: the body's true length as framed by the message
 * @anomalies: ENF_ANOM_* bits
 * @origin: filled by the daemon from the capture; NULL in offline use
 * @uri_decoded: @uri from its path on (an absolute-form target's scheme
 *	and authority left out, as ModSecurity v3's REQUEST_URI), percent-
 *	decoded once ('+' kept; an invalid escape is kept as is and sets
 *	ENF_ANOM_BAD_ESCAPE); NULL ptr when the producer does not decode
 * @path_decoded: @path percent-decoded the same way (REQUEST_FILENAME)
 * @host: the request's host as the server takes it: the authority of an
 *	absolute-form target, else the first Host header (HTTP/2: :authority,
 *	else Host); len 0 when none
 * @args_post: arguments of a urlencoded, JSON or multipart/form-data body,
 *	in order (ARGS_POST; see enf_http_derive() for how JSON is named)
 * @n_args_post: entries in @args_post
 * @cookies: the pairs of every Cookie header in order, split at ';',
 *	names and values as sent (REQUEST_COOKIES, _NAMES)
 * @n_cookies: entries in @cookies
 * @body_type: enum enf_body_type
 * @stream_id: the HTTP/2 stream, 0 for HTTP/1
 */
struct enf_request {
	struct enf_str method;
	struct enf_str uri;
	struct enf_str path;
	struct enf_str query;
	struct enf_str protocol;
	struct enf_str line;
	const struct enf_field *headers;
	size_t n_headers;
	const struct enf_field *args;
	size_t n_args;
	struct enf_str body;
	uint64_t body_len;
	uint64_t anomalies;
	const struct enf_req_origin *origin;
	struct enf_str uri_decoded;
	struct enf_str path_decoded;
	struct enf_str host;
	const struct enf_field *args_post;
	size_t n_args_post;
	const struct enf_field *cookies;
	size_t n_cookies;
	uint32_t body_type;
	uint32_t stream_id;
};

/**
 * struct enf_response - a response's head, for the audit of a request's
 * outcome
 * @protocol: "HTTP/1.1" as sent; "HTTP/2.0" for HTTP/2
 * @status: the status code, 100-999; 0 when the status line did not parse
 *	(ENF_ANOM_BAD_STATUS_LINE)
 * @reason: the reason phrase as sent (empty for HTTP/2)
 * @headers: in the order received, duplicates kept (HTTP/2: regular fields)
 * @n_headers: entries in @headers
 * @body_len: the body's length as framed (bytes seen when it ended early)
 * @anomalies: ENF_ANOM_* bits
 * @stream_id: the HTTP/2 stream, 0 for HTTP/1
 */
struct enf_response {
	struct enf_str protocol;
	unsigned int status;
	struct enf_str reason;
	const struct enf_field *headers;
	size_t n_headers;
	uint64_t body_len;
	uint64_t anomalies;
	uint32_t stream_id;
};

#endif /* ENFORCER_REQUEST_H */
