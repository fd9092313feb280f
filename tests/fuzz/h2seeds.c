// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes fuzz_http2's seeds: HTTP/2 connections as libnghttp2's client and
 * server sessions encode them (bench/http/h2enc.h), each prefixed with the
 * fuzz_http2 header (limits and side byte, chunk pattern).
 *
 *   build-fuzz/h2seeds tests/fuzz/corpus/fuzz_http2
 *
 * Rewrites only its own named files. Not run by any test.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h2enc.h"

#define SIDE_SERVER 0x40
#define MIDSTREAM 0x80

#define NV(n, v)                                                              \
	{                                                                     \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, \
			NGHTTP2_NV_FLAG_NONE                                  \
	}

static const nghttp2_nv get_browser[] = {
	NV(":method", "GET"),
	NV(":scheme", "https"),
	NV(":authority", "www.shop.example"),
	NV(":path", "/products?id=42&ref=nav"),
	NV("user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
			 "Gecko/20100101 Firefox/128.0"),
	NV("accept", "text/html,application/xhtml+xml,*/*;q=0.8"),
	NV("accept-language", "en-US,en;q=0.5"),
	NV("accept-encoding", "gzip, deflate, br, zstd"),
	NV("cookie", "sid=8f14e45fceea167a"),
	NV("cookie", "theme=dark"),
	NV("sec-fetch-mode", "navigate"),
};

static const nghttp2_nv post_json[] = {
	NV(":method", "POST"),
	NV(":scheme", "https"),
	NV(":authority", "api.shop.example"),
	NV(":path", "/api/v2/orders"),
	NV("content-type", "application/json"),
	NV("content-length", "52"),
};
static const char json[] =
	"{\"order\":{\"id\":7,\"items\":[{\"sku\":\"A-1\",\"qty\":2}]}}";

static const nghttp2_nv post_form[] = {
	NV(":method", "POST"),
	NV(":scheme", "https"),
	NV(":authority", "www.shop.example"),
	NV(":path", "/login"),
	NV("content-type", "application/x-www-form-urlencoded"),
};
static const char form[] = "user=ann&pass=s%20cr3t&next=%2Fhome";

static const nghttp2_nv post_multipart[] = {
	NV(":method", "POST"),
	NV(":scheme", "https"),
	NV(":authority", "www.shop.example"),
	NV(":path", "/upload"),
	NV("content-type", "multipart/form-data; boundary=XyZ"),
};
static const char multipart[] =
	"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
	"hello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
	"filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\n"
	"\r\n--XyZ--\r\n";

/* What a browser must not send: connection fields, an uppercase name, a
 * content-length the DATA does not match, a pseudo-header after a field */
static const nghttp2_nv odd[] = {
	NV(":method", "POST"),
	NV(":scheme", "https"),
	NV(":path", "/odd"),
	NV("connection", "keep-alive"),
	NV("transfer-encoding", "chunked"),
	NV("X-Upper", "1"),
	NV("te", "gzip"),
	NV("content-length", "3"),
	NV(":authority", "late.example"),
};

static const nghttp2_nv connect_ws[] = {
	NV(":method", "CONNECT"), NV(":protocol", "websocket"),
	NV(":scheme", "https"),	  NV(":authority", "chat.example"),
	NV(":path", "/ws"),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *dir;

static int write_seed(const char *name, uint8_t sel, const uint8_t *p,
		      size_t len)
{
	static const uint8_t pattern[8] = { 1, 7, 0x81, 3, 24, 9, 2, 40 };
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -errno;
	}
	fwrite(&sel, 1, 1, f);
	fwrite(pattern, 1, sizeof(pattern), f);
	fwrite(p, 1, len, f);
	if (fclose(f)) {
		perror(path);
		return -EIO;
	}
	printf("%s: %zu bytes\n", path, len + 9);
	return 0;
}

/* Writes the client's bytes of @e (and the server's, and midstream cuts,
 * when asked) as seeds named @name. */
static int write_both(struct h2enc *e, const char *name, uint8_t lim,
		      bool server, size_t cut)
{
	const uint8_t *p;
	size_t len;
	char n[256];
	int err;

	p = h2enc_bytes(e, H2ENC_CLIENT, &len);
	snprintf(n, sizeof(n), "%s", name);
	err = write_seed(n, lim, p, len);
	if (!err && cut && cut < len) {
		snprintf(n, sizeof(n), "%s_midstream", name);
		err = write_seed(n, lim | MIDSTREAM, p + cut, len - cut);
	}
	if (!err && server) {
		p = h2enc_bytes(e, H2ENC_SERVER, &len);
		snprintf(n, sizeof(n), "%s_server", name);
		err = write_seed(n, lim | SIDE_SERVER, p, len);
	}
	return err;
}

static int scenario(const char *name, uint8_t lim, bool server, size_t cut,
		    int (*fill)(struct h2enc *e))
{
	struct h2enc *e;
	int err;

	err = h2enc_new(&e);
	if (err)
		return err;
	err = fill(e);
	if (!err)
		err = h2enc_pump(e);
	if (!err)
		err = write_both(e, name, lim, server, cut);
	h2enc_free(e);
	if (err)
		fprintf(stderr, "%s: %d\n", name, err);
	return err;
}

static int s_get(struct h2enc *e)
{
	int32_t id = h2enc_request(e, get_browser, N(get_browser), NULL, 0, 0);

	return id < 0 ? id : 0;
}

static int s_post_json(struct h2enc *e)
{
	int32_t id = h2enc_request(e, post_json, N(post_json), json,
				   sizeof(json) - 1, 0);

	return id < 0 ? id : 0;
}

/* Three streams at once: their DATA interleave; a GET after, reusing the
 * dynamic table. */
static int s_three(struct h2enc *e)
{
	int32_t id;

	id = h2enc_request(e, post_form, N(post_form), form, sizeof(form) - 1,
			   0);
	if (id > 0)
		id = h2enc_request(e, post_multipart, N(post_multipart),
				   multipart, sizeof(multipart) - 1, 0);
	if (id > 0)
		id = h2enc_request(e, post_json, N(post_json), json,
				   sizeof(json) - 1, 0);
	if (id > 0)
		id = h2enc_request(e, get_browser, N(get_browser), NULL, 0, 0);
	return id < 0 ? id : 0;
}

static int s_flags(struct h2enc *e)
{
	int32_t id = h2enc_request(
		e, post_json, N(post_json), json, sizeof(json) - 1,
		H2ENC_TRAILERS | H2ENC_PADDED | H2ENC_PRIORITY);

	return id < 0 ? id : 0;
}

/* A header block over 16 KiB: HEADERS and a CONTINUATION */
static int s_continuation(struct h2enc *e)
{
	static char big[17000];
	nghttp2_nv nv[N(get_browser) + 1];
	size_t i;
	int32_t id;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)('!' + (i * 7919) % 90);
	memcpy(nv, get_browser, sizeof(get_browser));
	nv[N(get_browser)] = (nghttp2_nv){ (uint8_t *)"x-big", (uint8_t *)big,
					   5, sizeof(big),
					   NGHTTP2_NV_FLAG_NO_INDEX };
	id = h2enc_request(e, nv, N(nv), NULL, 0, 0);
	return id < 0 ? id : 0;
}

/* PING, WINDOW_UPDATE, a reset stream, GOAWAY; fields a browser would not
 * send; an extended CONNECT */
static int s_control(struct h2enc *e)
{
	static const uint8_t ping[8] = "pingpong";
	nghttp2_session *c = h2enc_session(e, H2ENC_CLIENT);
	int32_t id;
	int err;

	err = nghttp2_submit_ping(c, NGHTTP2_FLAG_NONE, ping);
	if (!err)
		err = nghttp2_submit_window_update(c, NGHTTP2_FLAG_NONE, 0,
						   1 << 20);
	id = h2enc_request(e, post_form, N(post_form), form, sizeof(form) - 1,
			   0);
	if (!err && id > 0)
		err = nghttp2_submit_rst_stream(c, NGHTTP2_FLAG_NONE, id,
						NGHTTP2_CANCEL);
	if (!err)
		id = h2enc_request(e, odd, N(odd), "abcdef", 6, 0);
	if (!err && id > 0)
		id = h2enc_request(e, connect_ws, N(connect_ws), NULL, 0, 0);
	if (!err && id > 0)
		err = h2enc_pump(e);
	if (!err)
		err = nghttp2_submit_goaway(c, NGHTTP2_FLAG_NONE, 0,
					    NGHTTP2_NO_ERROR, NULL, 0);
	return err ? err : id < 0 ? id : 0;
}

/* The server asks for an HPACK table of 0, then 4096: the client's next
 * blocks start with size updates. */
static int s_table(struct h2enc *e)
{
	nghttp2_settings_entry zero = { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 0 };
	nghttp2_settings_entry back = { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE,
					4096 };
	nghttp2_session *s = h2enc_session(e, H2ENC_SERVER);
	int32_t id;
	int err;

	id = h2enc_request(e, get_browser, N(get_browser), NULL, 0, 0);
	err = id < 0 ? id : h2enc_pump(e);
	if (!err)
		err = nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, &zero, 1);
	if (!err)
		err = h2enc_pump(e);
	id = h2enc_request(e, get_browser, N(get_browser), NULL, 0, 0);
	if (!err && id > 0)
		err = nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, &back, 1);
	if (!err && id > 0)
		err = h2enc_pump(e);
	if (!err && id > 0)
		id = h2enc_request(e, post_json, N(post_json), json,
				   sizeof(json) - 1, 0);
	return err ? err : id < 0 ? id : 0;
}

int main(int argc, char **argv)
{
	int err = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: h2seeds DIR (corpus/fuzz_http2)\n");
		return 2;
	}
	dir = argv[1];
	/* limits: 0 defaults, 1 tiny, 2 middle (fuzz_util.c) */
	err = err ?: scenario("get", 0, true, 0, s_get);
	err = err ?: scenario("post_json", 2, true, 0, s_post_json);
	err = err ?: scenario("three_streams", 0, true, 90, s_three);
	err = err ?: scenario("three_streams_tiny", 1, true, 0, s_three);
	err = err ?: scenario("trailers_padded_priority", 0, true, 0, s_flags);
	err = err ?: scenario("continuation", 0, false, 0, s_continuation);
	err = err ?: scenario("control", 2, true, 0, s_control);
	err = err ?: scenario("table_size", 0, true, 150, s_table);
	return err ? 1 : 0;
}
