// SPDX-License-Identifier: GPL-2.0-or-later
/* The request corpus of bench/http (corpus.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>

#include "bench.h"
#include "corpus.h"
#include "enforcer/http/http1.h"
#include "h2enc.h"

#define REQ_MAX BENCH_TEXT_MAX

static const char ua_firefox[] =
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
	"Firefox/128.0";
static const char ua_chrome[] =
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";
static const char *const pages[] = {
	"/",
	"/index.html",
	"/products/shoes/running",
	"/blog/2026/11/hello",
	"/static/css/main.3f9a1c.css",
	"/static/js/app.9b2e77.js",
	"/images/logo.svg",
	"/search",
	"/account/orders",
};

static void browser_headers(struct bench_text *o, uint32_t r)
{
	bench_put(
		o,
		"Host: www.shop.example\r\n"
		"User-Agent: %s\r\n"
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
		"image/avif,image/webp,*/*;q=0.8\r\n"
		"Accept-Language: en-US,en;q=0.5\r\n"
		"Accept-Encoding: gzip, deflate, br, zstd\r\n"
		"Referer: https://www.shop.example/products?page=%u\r\n"
		"Connection: keep-alive\r\n"
		"Cookie: sid=%08x%08x; cart=%u; theme=dark; _ga=GA1.2.%u.%u\r\n"
		"Upgrade-Insecure-Requests: 1\r\n"
		"Sec-Fetch-Dest: document\r\n"
		"Sec-Fetch-Mode: navigate\r\n"
		"Sec-Fetch-Site: same-origin\r\n"
		"Priority: u=0, i\r\n",
		r & 1 ? ua_firefox : ua_chrome, r % 40, r, r * 2654435761u,
		r % 7, r, r / 3);
}

static void make_request(struct bench_text *o, enum corpus_kind k, uint32_t r,
			 uint64_t *body)
{
	char b[4096];
	int bl;

	o->len = 0;
	switch (k) {
	case CK_GET_BROWSER:
		bench_put(o,
			  "GET %s?ref=nav&id=%u&utm_source=mail HTTP/1.1\r\n",
			  pages[r % (sizeof(pages) / sizeof(pages[0]))],
			  r % 10000);
		browser_headers(o, r);
		bench_put(o, "\r\n");
		return;
	case CK_GET_API:
		bench_put(
			o,
			"GET /api/v2/items?filter=status%%3Dopen&sort=-created"
			"&limit=%u&offset=%u HTTP/1.1\r\n"
			"Host: api.shop.example\r\n"
			"User-Agent: %s\r\n"
			"Accept: application/json\r\n"
			"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIl"
			"%08x\r\n"
			"X-Request-Id: %08x-%04x\r\n"
			"Origin: https://www.shop.example\r\n"
			"Connection: keep-alive\r\n\r\n",
			20 + r % 80, r % 500, ua_chrome, r, r * 7, r & 0xffff);
		return;
	case CK_POST_FORM:
		bl = snprintf(b, sizeof(b),
			      "username=user%u&password=p%%40ss%%21%u"
			      "&remember=on&next=%%2Faccount%%2Forders"
			      "&csrf_token=%08x%08x",
			      r % 1000, r, r * 31, r * 17);
		bench_put(o, "POST /login HTTP/1.1\r\n");
		browser_headers(o, r);
		bench_put(o,
			  "Content-Type: application/x-www-form-urlencoded\r\n"
			  "Content-Length: %d\r\n\r\n%s",
			  bl, b);
		break;
	case CK_POST_JSON:
		bl = snprintf(
			b, sizeof(b),
			"{\"order\":{\"id\":%u,\"items\":[{\"sku\":"
			"\"SKU-%05u\",\"qty\":%u,\"price\":%u.99},"
			"{\"sku\":\"SKU-%05u\",\"qty\":1,\"price\":5.5}],"
			"\"address\":{\"name\":\"Ann Example\",\"street\":"
			"\"1 Main St\",\"city\":\"Springfield\"},"
			"\"gift\":%s,\"note\":null}}",
			r, r % 99999, 1 + r % 5, r % 200, (r / 7) % 99999,
			r & 2 ? "true" : "false");
		bench_put(o,
			  "POST /api/v2/orders HTTP/1.1\r\n"
			  "Host: api.shop.example\r\n"
			  "User-Agent: %s\r\n"
			  "Accept: application/json\r\n"
			  "Content-Type: application/json\r\n"
			  "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.%08x\r\n"
			  "Content-Length: %d\r\n\r\n%s",
			  ua_firefox, r, bl, b);
		break;
	case CK_POST_MULTIPART: {
		char file[1024];
		size_t i;

		for (i = 0; i < sizeof(file) - 1; i++)
			file[i] = (char)(i % 64 == 63 ? '\n' :
							'a' + (r + i) % 26);
		file[sizeof(file) - 1] = '\0';
		bl = snprintf(b, sizeof(b),
			      "------geckoformboundary%08x\r\n"
			      "Content-Disposition: form-data; "
			      "name=\"title\"\r\n\r\nreport %u\r\n"
			      "------geckoformboundary%08x\r\n"
			      "Content-Disposition: form-data; name=\"file\"; "
			      "filename=\"notes-%u.txt\"\r\n"
			      "Content-Type: text/plain\r\n\r\n%s\r\n"
			      "------geckoformboundary%08x--\r\n",
			      r, r, r, r, file, r);
		bench_put(o, "POST /upload HTTP/1.1\r\n");
		browser_headers(o, r);
		bench_put(o,
			  "Content-Type: multipart/form-data; "
			  "boundary=----geckoformboundary%08x\r\n"
			  "Content-Length: %d\r\n\r\n%s",
			  r, bl, b);
		break;
	}
	case CK_POST_CHUNKED:
		bench_put(o, "POST /api/v2/events HTTP/1.1\r\n"
			     "Host: api.shop.example\r\n"
			     "User-Agent: shop-sync/1.4\r\n"
			     "Content-Type: application/json\r\n"
			     "Transfer-Encoding: chunked\r\n\r\n");
		bl = snprintf(b, sizeof(b), "{\"events\":[{\"t\":%u,", r);
		bench_put(o, "%x\r\n%s\r\n", bl, b);
		*body += (uint64_t)bl;
		bl = snprintf(b, sizeof(b),
			      "\"kind\":\"view\",\"page\":\"/p/%u\"},",
			      r % 777);
		bench_put(o, "%x\r\n%s\r\n", bl, b);
		*body += (uint64_t)bl;
		bl = snprintf(b, sizeof(b), "{\"t\":%u,\"kind\":\"buy\"}]}",
			      r + 1);
		bench_put(o, "%x\r\n%s\r\n0\r\n\r\n", bl, b);
		*body += (uint64_t)bl;
		return;
	default:
		return;
	}
	*body += (uint64_t)bl;
}

/* The mix by count, out of 100, in enum corpus_kind order. */
static const unsigned mix[CK_KINDS] = { 60, 12, 10, 8, 5, 5 };

static enum corpus_kind pick(uint32_t r)
{
	unsigned v = r % 100, k;

	for (k = 0; k < CK_KINDS - 1; k++) {
		if (v < mix[k])
			return k;
		v -= mix[k];
	}
	return CK_KINDS - 1;
}

int corpus_http1(struct corpus *c, size_t bytes)
{
	struct bench_text *o;
	uint64_t seed = 42;
	size_t cap = bytes + REQ_MAX;

	memset(c, 0, sizeof(*c));
	o = malloc(sizeof(*o));
	c->p = malloc(cap);
	if (!o || !c->p) {
		free(o);
		free(c->p);
		c->p = NULL;
		return -ENOMEM;
	}
	while (c->len < bytes) {
		uint32_t r = bench_rand(&seed);
		enum corpus_kind k = pick(r);

		make_request(o, k, bench_rand(&seed), &c->body_bytes);
		memcpy(c->p + c->len, o->buf, o->len);
		c->len += o->len;
		c->n_req++;
		c->n_kind[k]++;
	}
	free(o);
	return 0;
}

/* Requests in flight at once over HTTP/2 */
#define H2_IN_FLIGHT 32

struct h2conv {
	struct h2enc *enc;
	struct corpus *c;
	size_t in_flight;
	char names[4096]; /* lowercased field names of one request */
	const char *err;
};

static bool connection_specific(struct enf_str n)
{
	static const char *const names[] = { "host",	   "connection",
					     "keep-alive", "transfer-encoding",
					     "upgrade",	   "proxy-connection" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (n.len == strlen(names[i]) &&
		    !strncasecmp(n.ptr, names[i], n.len))
			return true;
	return false;
}

static nghttp2_nv nv_of(const char *n, size_t nl, const char *v, size_t vl)
{
	return (nghttp2_nv){ (uint8_t *)n, (uint8_t *)v, nl, vl,
			     NGHTTP2_NV_FLAG_NONE };
}

/* One request of the HTTP/1 corpus, submitted on the HTTP/2 connection. */
static int h2_submit(const struct enf_request *req, void *ctx)
{
	struct h2conv *cv = ctx;
	nghttp2_nv nv[128];
	struct enf_str host = { "", 0 };
	size_t n = 0, i, used = 0;
	int32_t id;

	for (i = 0; i < req->n_headers; i++)
		if (req->headers[i].name.len == 4 &&
		    !strncasecmp(req->headers[i].name.ptr, "host", 4))
			host = req->headers[i].value;
	nv[n++] = nv_of(":method", 7, req->method.ptr, req->method.len);
	nv[n++] = nv_of(":scheme", 7, "https", 5);
	nv[n++] = nv_of(":authority", 10, host.ptr, host.len);
	nv[n++] = nv_of(":path", 5, req->uri.ptr, req->uri.len);
	for (i = 0; i < req->n_headers && n < 128; i++) {
		const struct enf_field *f = &req->headers[i];
		size_t k;

		if (connection_specific(f->name))
			continue;
		if (used + f->name.len > sizeof(cv->names)) {
			cv->err = "field names over the conversion buffer";
			return -E2BIG;
		}
		for (k = 0; k < f->name.len; k++) {
			char ch = f->name.ptr[k];

			cv->names[used + k] =
				ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
		}
		nv[n++] = nv_of(cv->names + used, f->name.len, f->value.ptr,
				f->value.len);
		used += f->name.len;
	}
	id = h2enc_request(cv->enc, nv, n, req->body_len ? req->body.ptr : NULL,
			   req->body.len, 0);
	if (id < 0) {
		cv->err = "nghttp2_submit_request failed";
		return id;
	}
	cv->c->n_req++;
	cv->c->body_bytes += req->body.len;
	if (++cv->in_flight == H2_IN_FLIGHT) {
		int err = h2enc_pump(cv->enc);

		cv->in_flight = 0;
		if (err) {
			cv->err = "the nghttp2 sessions failed";
			return err;
		}
	}
	return 0;
}

int corpus_http2(const struct corpus *h1, struct corpus *c, const char **err)
{
	struct h2conv cv = { .c = c };
	struct enf_http1 *p = NULL;
	const uint8_t *bytes;
	size_t len;
	int rc;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	rc = h2enc_new(&cv.enc);
	if (rc) {
		*err = "no nghttp2 sessions";
		return rc;
	}
	rc = enf_http1_new(NULL, &p);
	if (rc) {
		*err = "no HTTP/1 parser";
		goto out_free_enc;
	}
	rc = enf_http1_feed(p, h1->p, h1->len, h2_submit, &cv);
	if (!rc)
		rc = h2enc_pump(cv.enc);
	if (rc) {
		*err = cv.err ? cv.err : "the HTTP/1 parser failed";
		goto out_free_parser;
	}
	bytes = h2enc_bytes(cv.enc, H2ENC_CLIENT, &len);
	c->p = malloc(len);
	if (!c->p) {
		rc = -ENOMEM;
		*err = "no memory";
		goto out_free_parser;
	}
	memcpy(c->p, bytes, len);
	c->len = len;
	memcpy(c->n_kind, h1->n_kind, sizeof(c->n_kind));
out_free_parser:
	enf_http1_free(p);
out_free_enc:
	h2enc_free(cv.enc);
	return rc;
}

void corpus_free(struct corpus *c)
{
	free(c->p);
	memset(c, 0, sizeof(*c));
}
