// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcer/http/hpack.c: every story of hpack-test-case decodes to exactly
 * its headers (whole blocks and byte by byte), an HPACK bomb stops at the
 * byte cap with bounded memory, the field cap, a lost state and its reset,
 * the table size rules.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "enforcer/http/hpack.h"

#ifndef ENF_HPACK_TESTDATA
#error "ENF_HPACK_TESTDATA: the hpack-test-case directory"
#endif

#define CHECK(cond, ...)                       \
	do {                                   \
		if (!(cond))                   \
			fail_msg(__VA_ARGS__); \
	} while (0)

static int new_dec(struct enf_hpack **h, size_t max_bytes, size_t max_fields,
		   size_t max_table, bool open)
{
	struct enf_hpack_limits lim = {
		.max_bytes = max_bytes,
		.max_fields = max_fields,
		.max_table = max_table,
		.open_table = open,
	};

	return enf_hpack_new(&lim, h);
}

static size_t unhex(const char *s, uint8_t **out)
{
	size_t n = strlen(s) / 2, i;
	uint8_t *b = malloc(n ? n : 1);

	assert_non_null(b);
	for (i = 0; i < n; i++) {
		unsigned int v;

		CHECK(sscanf(s + 2 * i, "%2x", &v) == 1, "bad hex in wire");
		b[i] = (uint8_t)v;
	}
	*out = b;
	return n;
}

/* Compares what @h kept of a block to a story case's "headers". */
static void check_case(struct enf_hpack *h, json_t *headers, const char *where)
{
	const struct enf_field *f;
	size_t n, i;

	f = enf_hpack_fields(h, &n);
	CHECK(n == json_array_size(headers),
	      "%s: %zu fields decoded, %zu expected", where, n,
	      json_array_size(headers));
	for (i = 0; i < n; i++) {
		json_t *o = json_array_get(headers, i);
		const char *k;
		json_t *v;

		CHECK(json_object_size(o) == 1, "%s: header %zu shape", where,
		      i);
		json_object_foreach(o, k, v) {
			const char *vs = json_string_value(v);
			size_t vl = json_string_length(v);

			CHECK(f[i].name.len == strlen(k) &&
				      !memcmp(f[i].name.ptr, k, strlen(k)),
			      "%s: field %zu name '%.*s', expected '%s'", where,
			      i, (int)f[i].name.len, f[i].name.ptr, k);
			CHECK(f[i].value.len == vl &&
				      (!vl || !memcmp(f[i].value.ptr, vs, vl)),
			      "%s: field %zu (%s) value '%.*s', expected '%s'",
			      where, i, k, (int)f[i].value.len, f[i].value.ptr,
			      vs);
		}
	}
	CHECK(enf_hpack_anomalies(h) == 0, "%s: anomalies %#llx", where,
	      (unsigned long long)enf_hpack_anomalies(h));
}

/* Runs one story; @step 0 feeds each block whole, else @step bytes at once. */
static size_t run_story(const char *path, size_t step)
{
	json_error_t jerr;
	json_t *root, *cases, *c;
	struct enf_hpack *h;
	size_t idx, checked = 0;
	char where[1600];

	root = json_load_file(path, 0, &jerr);
	CHECK(root, "%s: %s", path, jerr.text);
	cases = json_object_get(root, "cases");
	CHECK(json_is_array(cases), "%s: no cases", path);
	assert_int_equal(new_dec(&h, 1 << 20, 4096, 65536, false), 0);
	json_array_foreach(cases, idx, c) {
		json_t *ts = json_object_get(c, "header_table_size");
		const char *wire =
			json_string_value(json_object_get(c, "wire"));
		uint8_t *b;
		size_t len, off = 0;
		int rc = 0;

		snprintf(where, sizeof(where), "%s case %zu step %zu", path,
			 idx, step);
		CHECK(wire, "%s: no wire", where);
		if (json_is_integer(ts))
			CHECK(enf_hpack_settings_table_size(
				      h, (size_t)json_integer_value(ts)) == 0,
			      "%s: table size %lld refused", where,
			      (long long)json_integer_value(ts));
		len = unhex(wire, &b);
		enf_hpack_begin(h);
		if (!step) {
			rc = enf_hpack_decode(h, b, len, true);
		} else {
			do {
				size_t k = len - off < step ? len - off : step;

				rc = enf_hpack_decode(h, b + off, k,
						      off + k == len);
				off += k;
			} while (!rc && off < len);
		}
		free(b);
		CHECK(rc == 0, "%s: decode returned %d", where, rc);
		check_case(h, json_object_get(c, "headers"), where);
		checked++;
	}
	enf_hpack_free(h);
	json_decref(root);
	return checked;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The story files of one implementation's directory, sorted. */
static size_t list_dir(const char *dir, const char *suffix, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0;

	*out = NULL;
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name), sl = strlen(suffix);

		if (de->d_name[0] == '.')
			continue;
		if (sl && (l < sl || strcmp(de->d_name + l - sl, suffix)))
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		assert_non_null(v);
		v[n] = strdup(de->d_name);
		assert_non_null(v[n]);
		n++;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

static void free_list(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void test_stories(size_t step)
{
	char **impls, **stories;
	size_t ni, ns, i, j, n_stories = 0, n_cases = 0;
	char path[1024];

	ni = list_dir(ENF_HPACK_TESTDATA, "", &impls);
	for (i = 0; i < ni; i++) {
		snprintf(path, sizeof(path), "%s/%s", ENF_HPACK_TESTDATA,
			 impls[i]);
		if (!strcmp(impls[i], "raw-data"))
			continue;
		ns = list_dir(path, ".json", &stories);
		for (j = 0; j < ns; j++) {
			char sp[1400];

			if (strncmp(stories[j], "story_", 6))
				continue;
			snprintf(sp, sizeof(sp), "%s/%s", path, stories[j]);
			n_cases += run_story(sp, step);
			n_stories++;
		}
		free_list(stories, ns);
	}
	free_list(impls, ni);
	printf("hpack-test-case (%s): %zu stories, %zu cases checked\n",
	       step ? "byte by byte" : "whole blocks", n_stories, n_cases);
	CHECK(n_stories > 0 && n_cases > 0,
	      "no hpack-test-case story found under %s", ENF_HPACK_TESTDATA);
}

static void stories_whole(void **state)
{
	(void)state;
	test_stories(0);
}

static void stories_byte_by_byte(void **state)
{
	(void)state;
	test_stories(1);
}

/* Appends a literal with incremental indexing, new name, plain strings. */
static size_t put_literal(uint8_t *p, const char *name, size_t vlen, char fill)
{
	size_t n = 0, nl = strlen(name), v = vlen;

	p[n++] = 0x40;
	p[n++] = (uint8_t)nl; /* < 127, not Huffman */
	memcpy(p + n, name, nl);
	n += nl;
	if (v < 127) {
		p[n++] = (uint8_t)v;
	} else {
		p[n++] = 127;
		v -= 127;
		while (v >= 128) {
			p[n++] = (uint8_t)(0x80 | (v & 0x7f));
			v >>= 7;
		}
		p[n++] = (uint8_t)v;
	}
	memset(p + n, fill, vlen);
	return n + vlen;
}

/*
 * An HPACK bomb: a 4006-byte field put in the table, then referenced 2000
 * times by one byte each: 8 MB of headers from 6 KB.
 */
static void bomb(void **state)
{
	enum { VLEN = 4000, REFS = 2000, CAP = 16384 };
	const size_t fsz = strlen("x-bomb") + VLEN;
	struct enf_hpack_stats st;
	const struct enf_field *f;
	struct enf_hpack *h;
	uint8_t *blk;
	size_t n = 0, nf, i;

	(void)state;
	blk = malloc(VLEN + 64 + REFS);
	assert_non_null(blk);
	n = put_literal(blk, "x-bomb", VLEN, 'A');
	for (i = 0; i < REFS; i++)
		blk[n++] = 0x80 | 62; /* the newest dynamic entry */
	assert_int_equal(new_dec(&h, CAP, 1000, 65536, true), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, blk, n, true) == 0,
	      "bomb: the block decodes (state kept)");
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == CAP / fsz, "bomb: %zu fields kept, %zu fit the cap", nf,
	      CAP / fsz);
	CHECK(nf && f[0].value.len == VLEN, "bomb: first field kept whole");
	CHECK(enf_hpack_anomalies(h) & ENF_ANOM_H2_HEADERS_LIMIT,
	      "bomb: ENF_ANOM_H2_HEADERS_LIMIT set");
	enf_hpack_stats(h, &st);
	CHECK(st.decoded_bytes == (uint64_t)(REFS + 1) * fsz,
	      "bomb: decoding went on to the end (%llu bytes)",
	      (unsigned long long)st.decoded_bytes);
	CHECK(st.buf_cap <= CAP, "bomb: kept buffer %zu within cap %d",
	      st.buf_cap, CAP);
	CHECK(st.inflater_peak < 3 * 65536,
	      "bomb: inflater peak %zu bytes bounded", st.inflater_peak);
	/* the table stayed in step: the next block can use the entry */
	enf_hpack_begin(h);
	blk[0] = 0x80 | 62;
	CHECK(enf_hpack_decode(h, blk, 1, true) == 0, "bomb: next block");
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == 1 && f[0].name.len == 6 &&
		      !memcmp(f[0].name.ptr, "x-bomb", 6),
	      "bomb: next block decodes against the table in step");
	CHECK(enf_hpack_anomalies(h) == 0, "bomb: next block clean");
	enf_hpack_free(h);
	free(blk);
}

/* A field over the byte cap by itself is not kept; nor what follows. */
static void one_field_over_cap(void **state)
{
	uint8_t blk[600];
	struct enf_hpack *h;
	size_t n, nf;

	(void)state;
	n = put_literal(blk, "x-big", 500, 'B');
	blk[n++] = 0x82; /* :method GET: small, but after the cap was hit */
	assert_int_equal(new_dec(&h, 256, 100, 4096, false), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, blk, n, true) == 0, "over cap: decodes");
	enf_hpack_fields(h, &nf);
	CHECK(nf == 0, "over cap: nothing kept (%zu)", nf);
	CHECK(enf_hpack_anomalies(h) == ENF_ANOM_H2_HEADERS_LIMIT,
	      "over cap: only H2_HEADERS_LIMIT");
	enf_hpack_free(h);
}

static void field_cap(void **state)
{
	uint8_t blk[20];
	const struct enf_field *f;
	struct enf_hpack *h;
	size_t nf;

	(void)state;
	memset(blk, 0x82, sizeof(blk)); /* :method GET, 20 times */
	assert_int_equal(new_dec(&h, 4096, 5, 4096, false), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, blk, sizeof(blk), true) == 0,
	      "field cap: decodes");
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == 5, "field cap: 5 kept, got %zu", nf);
	CHECK(f[4].value.len == 3 && !memcmp(f[4].value.ptr, "GET", 3),
	      "field cap: kept fields intact");
	CHECK(enf_hpack_anomalies(h) == ENF_ANOM_HEADERS_LIMIT,
	      "field cap: ENF_ANOM_HEADERS_LIMIT alone");
	enf_hpack_free(h);
}

static void lost_and_reset(void **state)
{
	const uint8_t bad[] = { 0x80 | 70 }; /* no such entry */
	const uint8_t good[] = { 0x82 };
	struct enf_hpack *h;
	size_t nf;

	(void)state;
	assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, bad, 1, true) == -EPROTO,
	      "lost: bad index refused");
	CHECK(enf_hpack_anomalies(h) & ENF_ANOM_H2_HPACK, "lost: H2_HPACK");
	CHECK(enf_hpack_lost(h), "lost: state lost");
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, good, 1, true) == -EPROTO,
	      "lost: later blocks refused");
	CHECK(enf_hpack_anomalies(h) & ENF_ANOM_H2_HPACK,
	      "lost: later block flagged");
	CHECK(enf_hpack_reset(h) == 0, "lost: reset");
	CHECK(!enf_hpack_lost(h), "lost: reset clears the state");
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, good, 1, true) == 0, "lost: after reset");
	enf_hpack_fields(h, &nf);
	CHECK(nf == 1 && !enf_hpack_anomalies(h), "lost: decodes after reset");
	enf_hpack_free(h);
}

static void decode_block(struct enf_hpack *h, const uint8_t *b, size_t n,
			 int want_rc, bool want_flush, const char *name)
{
	int rc;

	enf_hpack_begin(h);
	rc = enf_hpack_decode(h, b, n, true);
	CHECK(rc == want_rc, "%s: decode %d, expected %d", name, rc, want_rc);
	CHECK(enf_hpack_block_flushes_table(h) == want_flush,
	      "%s: flushes table %d, expected %d", name,
	      enf_hpack_block_flushes_table(h), want_flush);
}

static void table_sizes(void **state)
{
	const uint8_t to0[] = { 0x20, 0x82 };
	const uint8_t to4096[] = { 0x3f, 0xe1, 0x1f, 0x82 };
	const uint8_t to4096_then0[] = { 0x3f, 0xe1, 0x1f, 0x20, 0x82 };
	const uint8_t to65536[] = { 0x3f, 0xe1, 0xff, 0x03, 0x82 };
	const uint8_t to65537[] = { 0x3f, 0xe2, 0xff, 0x03, 0x82 };
	const uint8_t late0[] = { 0x82, 0x20 };
	struct enf_hpack *h;

	(void)state;
	assert_int_equal(new_dec(&h, 4096, 100, 65536, true), 0);
	decode_block(h, to0, sizeof(to0), 0, true, "update to 0");
	decode_block(h, to4096, sizeof(to4096), 0, false, "update to 4096");
	decode_block(h, to4096_then0, sizeof(to4096_then0), 0, true,
		     "updates 4096 then 0");
	decode_block(h, to65536, sizeof(to65536), 0, false,
		     "open table: update to max_table");
	decode_block(h, late0, sizeof(late0), -EPROTO, false,
		     "update after a field refused");
	enf_hpack_free(h);

	assert_int_equal(new_dec(&h, 4096, 100, 65536, true), 0);
	decode_block(h, to65537, sizeof(to65537), -EPROTO, false,
		     "open table: update over max_table refused");
	enf_hpack_free(h);

	assert_int_equal(new_dec(&h, 4096, 100, 65536, false), 0);
	decode_block(h, to65536, sizeof(to65536), -EPROTO, false,
		     "settings 4096: update to 65536 refused");
	enf_hpack_free(h);

	assert_int_equal(new_dec(&h, 4096, 100, 65536, false), 0);
	CHECK(enf_hpack_settings_table_size(h, 65537) == -E2BIG,
	      "settings over max_table refused");
	CHECK(enf_hpack_settings_table_size(h, 65536) == 0, "settings 65536");
	decode_block(h, to65536, sizeof(to65536), 0, false,
		     "settings 65536: update to 65536");
	CHECK(enf_hpack_settings_table_size(h, 1024) == 0, "settings 1024");
	decode_block(h, to4096 + 3, 1, -EPROTO, false,
		     "lowered settings: a block without the update refused");
	enf_hpack_free(h);

	CHECK(new_dec(&h, 4096, 100, 100, false) == -EINVAL,
	      "max_table under 4096 refused");
	CHECK(new_dec(&h, 0, 100, 4096, false) == -EINVAL,
	      "max_bytes 0 refused");
}

/* A block fed across calls keeps a literal split in its middle. */
static void split_literal(void **state)
{
	uint8_t blk[200];
	const struct enf_field *f;
	struct enf_hpack *h;
	size_t n, nf, i;

	(void)state;
	n = put_literal(blk, "x-split", 150, 'C');
	assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
	enf_hpack_begin(h);
	for (i = 0; i < n; i++)
		CHECK(enf_hpack_decode(h, blk + i, 1, i + 1 == n) == 0,
		      "split: byte %zu", i);
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == 1 && f[0].value.len == 150 && f[0].value.ptr[149] == 'C',
	      "split: literal decoded whole");
	enf_hpack_free(h);
}

/* A field with an empty name and value keeps no byte: still handed out. */
static void empty_field(void **state)
{
	const uint8_t blk[] = { 0x00, 0x00, 0x00 };
	const struct enf_field *f;
	struct enf_hpack *h;
	size_t nf;

	(void)state;
	assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, blk, sizeof(blk), true) == 0,
	      "empty field: decodes");
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == 1 && f[0].name.ptr && f[0].value.ptr && !f[0].name.len &&
		      !f[0].value.len,
	      "empty field: one field, empty name and value, no NULL");
	enf_hpack_free(h);
}

/*
 * A block whose bytes all came before its end, ended by an empty final
 * call with no buffer (as the HTTP/2 parser ends every block): decoded,
 * and no arithmetic on the NULL (UBSan, found by fuzz_http2).
 */
static void end_without_bytes(void **state)
{
	uint8_t blk[64];
	const struct enf_field *f;
	struct enf_hpack *h;
	size_t n, nf;

	(void)state;
	n = put_literal(blk, "x-end", 7, 'e');
	assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
	enf_hpack_begin(h);
	CHECK(enf_hpack_decode(h, blk, n, false) == 0, "end: the bytes");
	CHECK(enf_hpack_decode(h, NULL, 0, true) == 0, "end: (NULL, 0, final)");
	f = enf_hpack_fields(h, &nf);
	CHECK(nf == 1 && f[0].value.len == 7 && f[0].value.ptr[6] == 'e',
	      "end: the field decoded");
	enf_hpack_free(h);
}

/*
 * Whether a block flushes the table is the same for every split: false
 * for a block that fails (found by fuzz_hpack: a size update over the cap
 * then one to 0 answered true whole, false as 3 + 1 bytes), and false
 * after a reset (the failed block's answer outlived it).
 */
static void flushes_by_no_split(void **state)
{
	const uint8_t over_then0[] = { 0x3f, 0x80, 0x20, 0x20 };
	const uint8_t big_then0[] = { 0x3f, 0xe1, 0xff, 0x00, 0x20 };
	struct enf_hpack *h;

	(void)state;
	for (size_t cut = 0; cut <= sizeof(over_then0); cut++) {
		assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
		enf_hpack_begin(h);
		if (cut)
			enf_hpack_decode(h, over_then0, cut,
					 cut == sizeof(over_then0));
		if (cut < sizeof(over_then0))
			enf_hpack_decode(h, over_then0 + cut,
					 sizeof(over_then0) - cut, true);
		CHECK(enf_hpack_lost(h) && !enf_hpack_block_flushes_table(h),
		      "failed block cut at %zu: lost, flushes nothing", cut);
		enf_hpack_free(h);
	}
	assert_int_equal(new_dec(&h, 4096, 100, 4096, false), 0);
	enf_hpack_begin(h);
	enf_hpack_decode(h, big_then0, sizeof(big_then0), true);
	CHECK(enf_hpack_reset(h) == 0 && !enf_hpack_lost(h) &&
		      !enf_hpack_block_flushes_table(h),
	      "after a reset: not lost, no flush left from the failed block");
	enf_hpack_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stories_whole),
		cmocka_unit_test(stories_byte_by_byte),
		cmocka_unit_test(bomb),
		cmocka_unit_test(one_field_over_cap),
		cmocka_unit_test(field_cap),
		cmocka_unit_test(lost_and_reset),
		cmocka_unit_test(table_sizes),
		cmocka_unit_test(split_literal),
		cmocka_unit_test(empty_field),
		cmocka_unit_test(end_without_bytes),
		cmocka_unit_test(flushes_by_no_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
