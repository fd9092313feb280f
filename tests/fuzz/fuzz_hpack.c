// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: HPACK header block decoding (enforcer/http/hpack.h).
 *
 * Input: one byte choosing the caps, FUZZ_PATTERN_LEN bytes of chunk sizes,
 * then operations on one decoder, each an op byte (low two bits) and its
 * operands:
 *   0  a header block: 2 bytes of length (big-endian), the block's bytes
 *   1  SETTINGS_HEADER_TABLE_SIZE: 4 bytes of value (big-endian)
 *   2  reset
 *   3  a block left unfinished: 2 bytes of length, the bytes, no final
 * The operations run on two decoders: one given each block whole, one in
 * chunks whose sizes cycle through the pattern. After each operation both
 * must return the same, keep the same fields with the same anomalies, and
 * agree on lost state and table flushes: decoding does not depend on how
 * the frames cut a block. The caps are checked on what is kept.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "enforcer/http/hpack.h"
#include "fuzz_util.h"

struct dec {
	struct enf_hpack *h;
	struct fuzz_buf dump;
	const uint8_t *pattern; /* NULL: whole blocks */
	size_t chunk_i;
};

static void limits(uint8_t sel, struct enf_hpack_limits *lim)
{
	static const size_t bytes[] = { 65536, 64, 512, 4096 };
	static const size_t fields[] = { 100, 2, 16, 1 };
	static const size_t table[] = { ENF_HPACK_DEFAULT_TABLE, 65536, 16384,
					ENF_HPACK_DEFAULT_TABLE };

	*lim = (struct enf_hpack_limits){
		.max_bytes = bytes[sel & 3],
		.max_fields = fields[(sel >> 2) & 3],
		.max_table = table[(sel >> 5) & 3],
		.open_table = sel & 0x10,
	};
}

/* The block's kept fields, checked against the caps, and its state. */
static void dump_block(struct dec *d, const struct enf_hpack_limits *lim)
{
	const struct enf_field *f;
	struct enf_hpack_stats st;
	size_t n, i, bytes = 0;

	f = enf_hpack_fields(d->h, &n);
	FUZZ_CHECK(n <= lim->max_fields, "%zu fields kept, cap %zu", n,
		   lim->max_fields);
	for (i = 0; i < n; i++)
		bytes += f[i].name.len + f[i].value.len;
	FUZZ_CHECK(bytes <= lim->max_bytes, "%zu bytes kept, cap %zu", bytes,
		   lim->max_bytes);
	fuzz_buf_fields(&d->dump, "fields", f, n);
	fuzz_buf_u64(&d->dump, enf_hpack_anomalies(d->h));
	fuzz_buf_u64(&d->dump, enf_hpack_lost(d->h));
	/* the same for every split: false on a failed block and after a
	 * reset (crashes/README.md had two inputs where it was not) */
	fuzz_buf_u64(&d->dump, enf_hpack_block_flushes_table(d->h));
	enf_hpack_stats(d->h, &st);
	FUZZ_CHECK(st.buf_cap <= lim->max_bytes, "buffer of %zu, cap %zu",
		   st.buf_cap, lim->max_bytes);
	fuzz_buf_u64(&d->dump, st.blocks);
	fuzz_buf_u64(&d->dump, st.decoded_bytes);
	fuzz_buf_u64(&d->dump, st.decoded_fields);
}

static void block(struct dec *d, const uint8_t *in, size_t len, bool final)
{
	size_t off = 0;
	int err = 0;

	enf_hpack_begin(d->h);
	do {
		size_t n = d->pattern ? fuzz_chunk(d->pattern, d->chunk_i++) :
					len - off;

		if (n > len - off)
			n = len - off;
		err = enf_hpack_decode(d->h, in + off, n,
				       final && off + n == len);
		off += n;
	} while (off < len);
	FUZZ_CHECK(err == 0 || err == -EPROTO, "enf_hpack_decode: %d", err);
	fuzz_buf_u64(&d->dump, (uint64_t)err);
}

/* Runs the operations of @in on @d. */
static void run(struct dec *d, const struct enf_hpack_limits *lim,
		const uint8_t *in, size_t len)
{
	size_t off = 0;
	int err;

	err = enf_hpack_new(lim, &d->h);
	FUZZ_CHECK(err == 0 && d->h, "enf_hpack_new: %d", err);
	while (off < len) {
		uint8_t op = in[off++] & 3;
		size_t n;
		uint32_t v;

		switch (op) {
		case 0:
		case 3:
			if (len - off < 2)
				goto out;
			n = (size_t)in[off] << 8 | in[off + 1];
			off += 2;
			if (n > len - off)
				n = len - off;
			block(d, in + off, n, op == 0);
			off += n;
			break;
		case 1:
			if (len - off < 4)
				goto out;
			v = (uint32_t)in[off] << 24 |
			    (uint32_t)in[off + 1] << 16 |
			    (uint32_t)in[off + 2] << 8 | in[off + 3];
			off += 4;
			err = enf_hpack_settings_table_size(d->h, v);
			FUZZ_CHECK(err == 0 || err == -E2BIG || err == -EBUSY ||
					   err == -EPROTO,
				   "enf_hpack_settings_table_size(%u): %d", v,
				   err);
			fuzz_buf_u64(&d->dump, (uint64_t)err);
			break;
		default:
			err = enf_hpack_reset(d->h);
			FUZZ_CHECK(err == 0, "enf_hpack_reset: %d", err);
			FUZZ_CHECK(!enf_hpack_lost(d->h), "lost after a reset");
			break;
		}
		dump_block(d, lim);
	}
out:
	enf_hpack_free(d->h);
	d->h = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dec whole = { 0 }, chunked = { 0 };
	struct enf_hpack_limits lim;

	if (size < FUZZ_HDR_LEN)
		return 0;
	limits(data[0], &lim);
	chunked.pattern = data + 1;
	run(&whole, &lim, data + FUZZ_HDR_LEN, size - FUZZ_HDR_LEN);
	run(&chunked, &lim, data + FUZZ_HDR_LEN, size - FUZZ_HDR_LEN);
	fuzz_same("whole blocks against chunked", &whole.dump, &chunked.dump);
	fuzz_buf_free(&whole.dump);
	fuzz_buf_free(&chunked.dump);
	return 0;
}
