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

/* Protocol anomalies the parser met on the way (ENF_ANOM_*, a bit mask). */
#define ENF_ANOM_HEADERS_LIMIT (1u << 0) /* header count or size cap hit */
#define ENF_ANOM_ARGS_LIMIT (1u << 1) /* argument count cap hit */
/* request line: a target with a space or control byte, extra spaces around
 * it, a protocol other than " HTTP/1.x" at the very end, or HTTP/0.9 */
#define ENF_ANOM_BAD_REQUEST_LINE (1u << 2)
#define ENF_ANOM_BAD_HEADER (1u << 3)
#define ENF_ANOM_BODY_TRUNCATED (1u << 4) /* body longer than kept */
#define ENF_ANOM_BARE_LF (1u << 5) /* a line of the request ended in LF alone */
#define ENF_ANOM_BAD_ESCAPE \
	(1u << 6) /* invalid %-escape in the query, kept as is */
/* Content-Length not decimal, or two that differ: taken as no body */
/* also: folded, or on a line over max_line: framed by its whole value */
#define ENF_ANOM_BAD_CONTENT_LENGTH (1u << 7)
/* Content-Length and Transfer-Encoding both present: chunked wins */
#define ENF_ANOM_CL_AND_TE (1u << 8)
/* Transfer-Encoding whose final coding is not chunked (taken as no body),
 * or chunked applied twice */
/* also: folded, or on a line over max_line: framed by its whole value */
#define ENF_ANOM_BAD_TRANSFER_ENCODING (1u << 9)
/* malformed chunked framing: the request ends where it broke */
#define ENF_ANOM_BAD_CHUNK (1u << 10)
#define ENF_ANOM_OBS_FOLD \
	(1u << 11) /* obsolete header line folding, unfolded */
/* head over max_header_bytes: handed out early; its rest and body unseen */
#define ENF_ANOM_HEAD_TRUNCATED (1u << 12)

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
 * @uri: the request-target as received (REQUEST_URI)
 * @path: @uri up to '?' (REQUEST_FILENAME)
 * @query: @uri after '?', without it (QUERY_STRING); len 0 when none
 * @protocol: "HTTP/1.1" (REQUEST_PROTOCOL)
 * @line: the request line without its line ending (REQUEST_LINE)
 * @headers: in the order received, duplicates kept
 * @n_headers: entries in @headers
 * @args: query-string arguments, percent-decoded, in order (ARGS_GET)
 * @n_args: entries in @args
 * @body: the body bytes kept (REQUEST_BODY), possibly cut (see @anomalies)
 * @body_len: the body's true length as framed by the message
 * @anomalies: ENF_ANOM_* bits
 * @origin: filled by the daemon from the capture; NULL in offline use
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
	uint32_t anomalies;
	const struct enf_req_origin *origin;
};

#endif /* ENFORCER_REQUEST_H */
