/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HPACK (RFC 7541) header block decoding for one direction of one HTTP/2
 * connection, over libnghttp2's inflater. Internal to enforcer/http/.
 *
 * A block is fed in pieces as its frames arrive (nothing is buffered here
 * but the decoded fields kept); the fields are copied into this decoder's
 * own buffer under two caps, checked before each copy:
 * - @max_bytes: names plus values kept per block. The first field that
 *   would pass it sets ENF_ANOM_H2_HEADERS_LIMIT and nothing more of the
 *   block is kept. Decoding goes on, keeping nothing, so the dynamic table
 *   stays in step with the encoder's: an HPACK bomb (a few bytes that
 *   reference a large table entry many times) costs CPU linear in its
 *   input bytes and copies nothing past the cap.
 * - @max_fields: fields kept per block; one more sets
 *   ENF_ANOM_HEADERS_LIMIT and nothing more of the block is kept.
 * libnghttp2's own memory is bounded by the dynamic table size, which is
 * capped at @max_table, and by its per-string limit (64 KiB).
 */
#ifndef ENFORCER_HTTP_HPACK_H
#define ENFORCER_HTTP_HPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

/* The table size every HPACK encoder may use unannounced (RFC 7541 4.2) */
#define ENF_HPACK_DEFAULT_TABLE 4096

/**
 * struct enf_hpack_limits - caps of one decoder
 * @max_bytes: decoded name and value bytes kept per block (>= 1)
 * @max_fields: fields kept per block (>= 1)
 * @max_table: the largest dynamic table size accepted, in RFC 7541 4.1
 *	bytes (>= ENF_HPACK_DEFAULT_TABLE): a size update or a SETTINGS value
 *	over it is refused
 * @open_table: true when the SETTINGS_HEADER_TABLE_SIZE the encoder obeys
 *	cannot be seen (a parser of one direction): the decoder then starts
 *	at @max_table, so an encoder may announce any size up to it, and one
 *	that announces none (using 4096 or less) decodes the same, since a
 *	larger decoder table only keeps entries the encoder no longer
 *	references. false: RFC semantics, 4096 until
 *	enf_hpack_settings_table_size() says otherwise
 */
struct enf_hpack_limits {
	size_t max_bytes;
	size_t max_fields;
	size_t max_table;
	bool open_table;
};

/**
 * struct enf_hpack_stats - what a decoder has done and holds
 * @blocks: blocks begun
 * @decoded_bytes: name and value bytes decoded in the current block, kept
 *	or not
 * @decoded_fields: fields decoded in the current block, kept or not
 * @buf_cap: bytes allocated for kept names and values (at most @max_bytes)
 * @inflater_mem: bytes libnghttp2's inflater holds now
 * @inflater_peak: the most it ever held
 */
struct enf_hpack_stats {
	uint64_t blocks;
	uint64_t decoded_bytes;
	uint64_t decoded_fields;
	size_t buf_cap;
	size_t inflater_mem;
	size_t inflater_peak;
};

struct enf_hpack;

/**
 * enf_hpack_new() - a decoder with an empty dynamic table
 * @lim: its caps, copied
 * @out: the decoder, NULL on failure
 * Return: 0, -EINVAL for a cap out of bounds, or -ENOMEM.
 */
int enf_hpack_new(const struct enf_hpack_limits *lim, struct enf_hpack **out);

/**
 * enf_hpack_free() - free a decoder
 * @h: the decoder; NULL is accepted
 */
void enf_hpack_free(struct enf_hpack *h);

/**
 * enf_hpack_settings_table_size() - apply a SETTINGS_HEADER_TABLE_SIZE the
 * encoder has acknowledged
 * @h: the decoder, between blocks
 * @size: the value
 *
 * A value under the table's current size makes the next block start with a
 * size update, as RFC 7541 4.2 requires.
 * Return: 0, -E2BIG over max_table, -EBUSY inside a block, -EPROTO when the
 * state is lost (enf_hpack_reset() first), or -ENOMEM.
 */
int enf_hpack_settings_table_size(struct enf_hpack *h, size_t size);

/**
 * enf_hpack_begin() - start a header block: the previous block's fields and
 * anomalies are dropped
 * @h: the decoder
 */
void enf_hpack_begin(struct enf_hpack *h);

/**
 * enf_hpack_decode() - decode the next bytes of the current block
 * @h: the decoder, after enf_hpack_begin()
 * @in: the bytes
 * @len: their count (0 is fine)
 * @final: true when they end the block
 *
 * Fields are kept under the caps (see the top of this file). A block that
 * does not decode (bad encoding, an index out of the table, a size update
 * over the limit, a string over 64 KiB) sets ENF_ANOM_H2_HPACK and loses the
 * decoder's state: every later call fails until enf_hpack_reset().
 * Return: 0, -EPROTO when the block did not decode (now or before), -EINVAL
 * outside a block, or -ENOMEM (the state is lost too).
 */
int enf_hpack_decode(struct enf_hpack *h, const void *in, size_t len,
		     bool final);

/**
 * enf_hpack_fields() - the fields kept of the current block
 * @h: the decoder
 * @n: set to their count
 *
 * Valid until the next enf_hpack_begin(), enf_hpack_decode() or free.
 * Return: the fields, in block order, names and values as decoded.
 */
const struct enf_field *enf_hpack_fields(struct enf_hpack *h, size_t *n);

/**
 * enf_hpack_anomalies() - ENF_ANOM_* bits of the current block
 * @h: the decoder
 * Return: ENF_ANOM_H2_HEADERS_LIMIT, ENF_ANOM_HEADERS_LIMIT, ENF_ANOM_H2_HPACK.
 */
uint64_t enf_hpack_anomalies(const struct enf_hpack *h);

/**
 * enf_hpack_lost() - whether a block failed to decode since the last reset
 * @h: the decoder
 */
bool enf_hpack_lost(const struct enf_hpack *h);

/**
 * enf_hpack_block_flushes_table() - whether the current block starts with a
 * dynamic table size update to 0
 * @h: the decoder
 *
 * Such a block empties the encoder's table as well as ours: from it on, the
 * two tables agree whatever came before (the rule that lets a connection
 * whose state was lost be trusted again). False for a block that failed to
 * decode, and after enf_hpack_reset(), however the block was split.
 */
bool enf_hpack_block_flushes_table(const struct enf_hpack *h);

/**
 * enf_hpack_reset() - a fresh inflater, empty table, same caps
 * @h: the decoder
 *
 * For a connection seen from the middle or after a lost state. Keeps the
 * table size limit: max_table with open_table, else the last SETTINGS value.
 * Return: 0 or -ENOMEM (the state stays lost).
 */
int enf_hpack_reset(struct enf_hpack *h);

/**
 * enf_hpack_stats() - counters and memory of a decoder
 * @h: the decoder
 * @st: filled
 */
void enf_hpack_stats(const struct enf_hpack *h, struct enf_hpack_stats *st);

#endif /* ENFORCER_HTTP_HPACK_H */
