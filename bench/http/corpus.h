/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The requests bench/http parses: real-shaped HTTP/1.1 requests as one
 * keep-alive stream, made from templates with a fixed pseudo-random mix so
 * every run parses the same bytes; and the same requests over HTTP/2.
 */
#ifndef ENFORCER_BENCH_HTTP_CORPUS_H
#define ENFORCER_BENCH_HTTP_CORPUS_H

#include <stddef.h>
#include <stdint.h>

/* Kinds of request in the mix, in the order of the counts below. */
enum corpus_kind {
	CK_GET_BROWSER, /* a page load as Firefox sends it */
	CK_GET_API, /* an XHR with a bearer token and a query */
	CK_POST_FORM, /* application/x-www-form-urlencoded */
	CK_POST_JSON, /* application/json with Content-Length */
	CK_POST_MULTIPART, /* multipart/form-data with a small file */
	CK_POST_CHUNKED, /* JSON in three chunks */
	CK_KINDS,
};

/**
 * struct corpus - a stream of requests
 * @p: the bytes
 * @len: their count
 * @n_req: requests in it
 * @n_kind: requests of each enum corpus_kind
 * @body_bytes: body bytes of all requests, as framed
 */
struct corpus {
	uint8_t *p;
	size_t len;
	size_t n_req;
	size_t n_kind[CK_KINDS];
	uint64_t body_bytes;
};

/**
 * corpus_http1() - make a stream of at least @bytes bytes of requests
 * @c: filled; free with corpus_free()
 * @bytes: the size wanted (whole requests: a little more)
 *
 * The mix, by count: 60% browser GETs, 12% API GETs, 10% form POSTs, 8% JSON
 * POSTs, 5% multipart uploads, 5% chunked POSTs.
 * Return: 0 or -ENOMEM.
 */
int corpus_http1(struct corpus *c, size_t bytes);

/**
 * corpus_http2() - the requests of @h1 as a browser would send them over one
 * HTTP/2 connection: the client side's bytes as libnghttp2's client
 * session encodes them (h2enc.h), preface and SETTINGS included
 * @h1: a corpus from corpus_http1()
 * @c: filled with the same requests; free with corpus_free()
 * @err: set to a message when it fails
 *
 * Each request is taken from enforcer's HTTP/1 parser's reading of @h1:
 * :method, :scheme https, :authority from Host, :path the target, the
 * other fields lowercased without the connection-specific ones, the body
 * as DATA. At most 32 streams are in flight (the server session answers
 * them), as a browser keeps many at once.
 * Return: 0, -ENOMEM, or a negative error code of either library.
 */
int corpus_http2(const struct corpus *h1, struct corpus *c, const char **err);

void corpus_free(struct corpus *c);

#endif /* ENFORCER_BENCH_HTTP_CORPUS_H */
