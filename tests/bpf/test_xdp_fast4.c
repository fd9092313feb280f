// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * deny_fast4's placement (enforcer/loader/fast4.h), in plain memory: the
 * sizes, the inverted hash the other tests fill windows with, a full
 * window overflowing, TOMBs left and reused, EMPTY slots given back, the
 * lookup's stop at EMPTY, room made by moving an address, and random
 * add/delete sequences against a reference set: every lookup agrees, the
 * overflow count is exact, the invariant holds after each operation, and
 * after every single store what a concurrent reader would find is right
 * (fast4.c is built here with a hook called after each store).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/loader/fast4.h"

#define W ENF_FAST4_PROBES
#define TOMB ENF_FAST4_SLOT(0, ENF_FAST4_TOMB)
#define MARKER (ENF_DENY_F_MARK | ENF_DENY_F_FLOWS)

/* ---- the reader the store hook plays -------------------------------------- */

/*
 * Addresses a reader must find with these flags at every store of the
 * operation under way (those in the table before it and after it, other
 * than the one it changes). Empty outside fuzzed operations.
 */
#define MAX_WATCH 1024
static __u32 watch_addr[MAX_WATCH];
static __u32 watch_flags[MAX_WATCH];
static size_t n_watch;
static unsigned long hook_calls, hook_failures;

void fast4_store_hook(const struct enf_fast4 *t);

void fast4_store_hook(const struct enf_fast4 *t)
{
	hook_calls++;
	for (size_t i = 0; i < n_watch; i++) {
		__u32 f = ~0u;

		if (enf_fast4_find(t, watch_addr[i], &f) < 0 ||
		    f != watch_flags[i]) {
			if (hook_failures++ < 10)
				print_error(
					"a reader between two stores misses %#x (flags %#x, want %#x)\n",
					watch_addr[i], f, watch_flags[i]);
		}
	}
}

/* ---- helpers --------------------------------------------------------------- */

static __u64 *table_new(struct enf_fast4 *t, __u32 bits)
{
	__u64 *slots = calloc((size_t)1 << bits, sizeof(*slots));

	assert_non_null(slots);
	assert_int_equal(enf_fast4_init(t, slots, bits), 0);
	return slots;
}

/* Addresses with home @home: a window's worth and more. */
static void same_home(__u32 bits, __u32 home, __u32 *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		out[i] = enf_fast4_addr_at(bits, home, i);
		assert_int_equal(enf_fast4_home(out[i], bits), home);
	}
}

/* ---- tests ----------------------------------------------------------------- */

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(enf_fast4_bits(0), ENF_FAST4_MIN_BITS);
	assert_int_equal(enf_fast4_bits(2), ENF_FAST4_MIN_BITS);
	assert_int_equal(enf_fast4_bits(16), 6);
	assert_int_equal(enf_fast4_bits(17), 7);
	/* The default deny_src4, and the benchmarks' million. */
	assert_int_equal(enf_fast4_bits(ENF_DENY_SRC4_MAX), 18);
	assert_int_equal(enf_fast4_bits(1000302), 22);
	/* Capped: the rest overflows to deny_src4. */
	assert_int_equal(enf_fast4_bits(1u << 24), ENF_FAST4_MAX_BITS);
	assert_int_equal(enf_fast4_bytes(18), 8u << 18);

	{
		struct enf_fast4 t;
		__u64 s[8];

		assert_int_equal(enf_fast4_init(&t, s, ENF_FAST4_MIN_BITS - 1),
				 -EINVAL);
		assert_int_equal(enf_fast4_init(&t, s, ENF_FAST4_MAX_BITS + 1),
				 -EINVAL);
		assert_int_equal(enf_fast4_init(&t, NULL, 3), -EINVAL);
	}
}

/* The inverted hash gives distinct addresses with the home asked for. */
static void test_addr_at(void **state)
{
	static const __u32 bits[] = { 3, 6, 18, 22, 24 };

	(void)state;
	for (size_t b = 0; b < sizeof(bits) / sizeof(bits[0]); b++) {
		__u32 n = 1u << bits[b];
		__u32 homes[] = { 0, 1, n / 2, n - 1 };

		for (size_t h = 0; h < 4; h++) {
			__u32 a[16];

			same_home(bits[b], homes[h], a, 16);
			for (size_t i = 0; i < 16; i++)
				for (size_t j = 0; j < i; j++)
					assert_true(a[i] != a[j]);
		}
	}
}

/* A window full of addresses with one home: the next one overflows, is
 * counted once however often written, and uncounted when deleted. */
static void test_window_overflow(void **state)
{
	struct enf_fast4 t;
	__u64 *slots = table_new(&t, 6);
	__u32 a[W + 2], f;

	(void)state;
	same_home(6, 10, a, W + 2);
	for (int i = 0; i < W; i++) {
		assert_int_equal(enf_fast4_put(&t, a[i], 0, false), 0);
		assert_int_equal(enf_fast4_find(&t, a[i], NULL), 10 + i);
	}
	assert_int_equal(enf_fast4_put(&t, a[W], ENF_DENY_F_FLOWS, false), 1);
	assert_int_equal(t.overflow, 1);
	assert_int_equal(enf_fast4_find(&t, a[W], NULL), -ENOENT);
	/* Written again (its flags change): still the one overflow. */
	assert_int_equal(enf_fast4_put(&t, a[W], MARKER, true), 1);
	assert_int_equal(t.overflow, 1);
	/* A second one. */
	assert_int_equal(enf_fast4_put(&t, a[W + 1], 0, false), 1);
	assert_int_equal(t.overflow, 2);
	assert_int_equal(t.used, W);
	assert_int_equal(t.moves, 0);
	/* The others keep their flags; a rewrite changes them in place. */
	assert_int_equal(enf_fast4_put(&t, a[3], ENF_DENY_F_FLOWS, true), 0);
	assert_int_equal(enf_fast4_find(&t, a[3], &f), 13);
	assert_int_equal(f, ENF_DENY_F_FLOWS);
	assert_int_equal(t.used, W);
	/* Deleted: uncounted. */
	assert_int_equal(enf_fast4_del(&t, a[W], true), 1);
	assert_int_equal(t.overflow, 1);
	/* Not in deny_src4 and not in the table: nothing. */
	assert_int_equal(enf_fast4_del(&t, a[W], false), -ENOENT);
	assert_int_equal(t.overflow, 1);
	/* Room made in the window: the overflowed one, written again,
	 * moves in and is uncounted. */
	assert_int_equal(enf_fast4_del(&t, a[0], true), 0);
	assert_int_equal(enf_fast4_put(&t, a[W + 1], 0, true), 0);
	assert_int_equal(t.overflow, 0);
	assert_int_equal(enf_fast4_find(&t, a[W + 1], NULL), 10);
	assert_int_equal(enf_fast4_put(&t, 0, ENF_DENY_F_MARK << 4, false),
			 -EINVAL);
	free(slots);
}

/* Deleting leaves a TOMB the scan passes and an insert reuses; EMPTY
 * comes back only at the end of a run of slots. */
static void test_tombs(void **state)
{
	struct enf_fast4 t;
	__u64 *slots = table_new(&t, 6);
	__u32 a[W + 1];

	(void)state;
	same_home(6, 10, a, W + 1);
	for (int i = 0; i < W; i++)
		assert_int_equal(enf_fast4_put(&t, a[i], 0, false), 0);

	/* In the middle: TOMB, and what lies past it is still found. */
	assert_int_equal(enf_fast4_del(&t, a[3], true), 0);
	assert_true(slots[13] == TOMB);
	assert_int_equal(t.tombs, 1);
	assert_int_equal(enf_fast4_find(&t, a[3], NULL), -ENOENT);
	for (int i = 4; i < W; i++)
		assert_int_equal(enf_fast4_find(&t, a[i], NULL), 10 + i);
	/* Reinserted, a new address takes the TOMB. */
	assert_int_equal(enf_fast4_put(&t, a[W], 0, false), 0);
	assert_int_equal(enf_fast4_find(&t, a[W], NULL), 13);
	assert_int_equal(t.tombs, 0);
	assert_int_equal(t.used, W);

	/* 14 and 15 become TOMBs; 17 is last (18 EMPTY): EMPTY at once; 16
	 * then too, and the TOMBs before it with it. */
	assert_int_equal(enf_fast4_del(&t, a[4], true), 0);
	assert_int_equal(enf_fast4_del(&t, a[5], true), 0);
	assert_true(slots[14] == TOMB && slots[15] == TOMB);
	assert_int_equal(enf_fast4_del(&t, a[7], true), 0);
	assert_true(slots[17] == 0);
	assert_true(slots[16] != 0 && slots[16] != TOMB);
	assert_int_equal(t.tombs, 2);
	assert_int_equal(enf_fast4_del(&t, a[6], true), 0);
	for (int i = 14; i < 18; i++)
		assert_true(slots[i] == 0);
	assert_int_equal(t.tombs, 0);
	assert_int_equal(t.used, 4);
	for (int i = 0; i < 3; i++)
		assert_int_equal(enf_fast4_find(&t, a[i], NULL), 10 + i);
	assert_int_equal(enf_fast4_find(&t, a[W], NULL), 13);
	free(slots);
}

/* The lookup stops at the first EMPTY slot of the window, passes TOMBs,
 * and looks no further than the window. */
static void test_lookup_stops(void **state)
{
	struct enf_fast4 t;
	__u64 *slots = table_new(&t, 6);
	__u32 a[1];

	(void)state;
	same_home(6, 20, a, 1);
	/* Behind an EMPTY home: not found, as the program would not. */
	slots[21] = ENF_FAST4_SLOT(a[0], ENF_FAST4_VALID);
	assert_int_equal(enf_fast4_find(&t, a[0], NULL), -ENOENT);
	/* Behind a TOMB: found. */
	slots[20] = TOMB;
	assert_int_equal(enf_fast4_find(&t, a[0], NULL), 21);
	/* A TOMB with its address, or the address without VALID: no hit. */
	slots[21] = ENF_FAST4_SLOT(a[0], ENF_FAST4_TOMB);
	assert_int_equal(enf_fast4_find(&t, a[0], NULL), -ENOENT);
	/* Past the window: not found, even with no EMPTY before it. */
	for (int i = 20; i < 20 + W; i++)
		slots[i] = TOMB;
	slots[20 + W] = ENF_FAST4_SLOT(a[0], ENF_FAST4_VALID);
	assert_int_equal(enf_fast4_find(&t, a[0], NULL), -ENOENT);
	slots[20 + W - 1] = ENF_FAST4_SLOT(a[0], ENF_FAST4_VALID);
	assert_int_equal(enf_fast4_find(&t, a[0], NULL), 20 + W - 1);
	/* The address 0.0.0.0 is an entry like any other. */
	assert_int_equal(enf_fast4_put(&t, 0, 0, false), 0);
	assert_true(enf_fast4_find(&t, 0, NULL) >= 0);
	free(slots);
}

/*
 * A full window whose last address can move forward within its own
 * window: it moves, and the new address takes its place.
 */
static void test_displacement(void **state)
{
	struct enf_fast4 t;
	__u64 *slots = table_new(&t, 6);
	__u32 a[W], x;

	(void)state;
	same_home(6, 7, &x, 1);
	same_home(6, 0, a, W);
	assert_int_equal(enf_fast4_put(&t, x, ENF_DENY_F_FLOWS, false), 0);
	for (int i = 0; i < W - 1; i++)
		assert_int_equal(enf_fast4_put(&t, a[i], 0, false), 0);
	assert_int_equal(enf_fast4_find(&t, x, NULL), 7);
	/* Window 0..7 is full; x (home 7) moves to 8. */
	assert_int_equal(enf_fast4_put(&t, a[W - 1], 0, false), 0);
	assert_int_equal(t.moves, 1);
	assert_int_equal(t.overflow, 0);
	assert_int_equal(enf_fast4_find(&t, a[W - 1], NULL), 7);
	{
		__u32 f = 0;

		assert_int_equal(enf_fast4_find(&t, x, &f), 8);
		assert_int_equal(f, ENF_DENY_F_FLOWS);
	}
	assert_int_equal(t.used, W + 1);
	assert_int_equal(t.tombs, 0);
	free(slots);
}

/* ---- random sequences ------------------------------------------------------- */

static __u64 rng = 0x5eedfa57ULL;

static __u32 rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (__u32)((rng * 0x2545f4914f6cdd1dULL) >> 32);
}

#define POOL 600
#define FUZZ_BITS 8

struct ref {
	__u32 addr[POOL];
	bool in[POOL]; /* in "deny_src4" */
	__u32 flags[POOL];
	size_t n_in;
};

/* Everything the table must be, checked in full. Return: failures. */
static unsigned long check_all(const struct enf_fast4 *t, const struct ref *r,
			       long op)
{
	__u32 nslots = t->mask + 1, used = 0, tombs = 0, missing = 0;
	unsigned long bad = 0;

	for (__u32 i = 0; i < nslots; i++) {
		__u64 s = t->slots[i];
		__u32 home, d;

		if (s == TOMB) {
			tombs++;
			continue;
		}
		if (!s)
			continue;
		used++;
		home = enf_fast4_home((__u32)s, t->bits);
		d = (i - home) & t->mask;
		/* (I): in its window, no EMPTY from its home to it. */
		if (d >= W) {
			bad++;
			print_error(
				"op %ld: %#x in slot %u, %u past its home\n",
				op, (__u32)s, i, d);
		}
		for (__u32 k = 0; k < d && k < W; k++) {
			if (!t->slots[(home + k) & t->mask]) {
				bad++;
				print_error(
					"op %ld: an EMPTY slot before %#x\n",
					op, (__u32)s);
			}
		}
	}
	if (used != t->used || tombs != t->tombs) {
		bad++;
		print_error(
			"op %ld: counts used %u tombs %u, slots say %u %u\n",
			op, t->used, t->tombs, used, tombs);
	}
	for (size_t p = 0; p < POOL; p++) {
		__u32 f = 0;
		long i = enf_fast4_find(t, r->addr[p], &f);

		if (!r->in[p] && i >= 0) {
			bad++;
			print_error("op %ld: %#x found, not in the reference\n",
				    op, r->addr[p]);
		}
		if (r->in[p] && i < 0)
			missing++;
		if (r->in[p] && i >= 0 && f != r->flags[p]) {
			bad++;
			print_error("op %ld: %#x has flags %#x, want %#x\n", op,
				    r->addr[p], f, r->flags[p]);
		}
		/* Only once per address: a second copy would be a bug. */
		for (__u32 k = 0; i >= 0 && k < nslots; k++)
			if (k != (__u32)i &&
			    (t->slots[k] & ENF_FAST4_MATCH_MASK) ==
				    ENF_FAST4_SLOT(r->addr[p],
						   ENF_FAST4_VALID)) {
				bad++;
				print_error("op %ld: %#x twice\n", op,
					    r->addr[p]);
			}
	}
	if (missing != t->overflow) {
		bad++;
		print_error(
			"op %ld: %u entries not in the table, overflow %u\n",
			op, missing, t->overflow);
	}
	return bad;
}

/* Sets the reader's watch: what is found now and is not @p. */
static void watch_set(const struct enf_fast4 *t, const struct ref *r, size_t p)
{
	n_watch = 0;
	for (size_t q = 0; q < POOL && n_watch < MAX_WATCH; q++) {
		__u32 f;

		if (q == p || !r->in[q] ||
		    enf_fast4_find(t, r->addr[q], &f) < 0)
			continue;
		watch_addr[n_watch] = r->addr[q];
		watch_flags[n_watch++] = f;
	}
}

/*
 * Random puts and deletes over a pool of addresses crowded into a few
 * windows (and some anywhere), the table between a third and past full,
 * against a reference set.
 */
static void test_random(void **state)
{
	static const __u32 flag_set[] = { 0, ENF_DENY_F_FLOWS, MARKER };
	static struct ref r;
	const long ops = 60000;
	unsigned long bad = 0, overflows = 0, rehomed = 0;
	__u32 max_overflow = 0;
	struct enf_fast4 t;
	__u64 *slots = table_new(&t, FUZZ_BITS);

	(void)state;
	memset(&r, 0, sizeof(r));
	for (size_t p = 0; p < POOL; p++) {
		bool dup;

		do {
			/* Half crowded into 16 homes, half anywhere. */
			r.addr[p] = p % 2 ? rnd() :
					    enf_fast4_addr_at(FUZZ_BITS,
							      (rnd() % 16) * 3,
							      rnd());
			dup = false;
			for (size_t q = 0; q < p; q++)
				dup |= r.addr[q] == r.addr[p];
		} while (dup);
	}
	hook_calls = hook_failures = 0;
	for (long op = 0; op < ops; op++) {
		size_t p = rnd() % POOL;
		/* Keep between about 90 and 300 entries in 256 slots. */
		bool put = r.n_in < 90	? true :
			   r.n_in > 300 ? false :
					  rnd() % 2;
		__u32 before = t.overflow;
		int ret;

		watch_set(&t, &r, p);
		if (put) {
			__u32 f = flag_set[rnd() % 3];

			ret = enf_fast4_put(&t, r.addr[p], f, r.in[p]);
			if (ret == 1 && !r.in[p])
				overflows++;
			if (ret == 0 && r.in[p] && t.overflow < before)
				rehomed++;
			if (!r.in[p])
				r.n_in++;
			r.in[p] = true;
			r.flags[p] = f;
		} else {
			ret = enf_fast4_del(&t, r.addr[p], r.in[p]);
			if ((ret == -ENOENT) != !r.in[p]) {
				bad++;
				print_error("op %ld: delete gave %d\n", op,
					    ret);
			}
			if (r.in[p])
				r.n_in--;
			r.in[p] = false;
		}
		n_watch = 0;
		if (t.overflow > max_overflow)
			max_overflow = t.overflow;
		bad += check_all(&t, &r, op);
		if (bad > 20)
			break;
	}
	print_message(
		"%ld operations: %lu new overflows (at most %u at once), %lu re-homed, %llu moves, %lu stores checked by the reader; %lu disagreements, %lu reader misses\n",
		ops, overflows, max_overflow, rehomed,
		(unsigned long long)t.moves, hook_calls, bad, hook_failures);
	assert_int_equal(bad, 0);
	assert_int_equal(hook_failures, 0);
	/* The sequence reached what it is there to test. */
	assert_true(overflows > 0);
	assert_true(rehomed > 0);
	assert_true(t.moves > 0);
	assert_true(hook_calls > (unsigned long)ops / 4);
	free(slots);
}

/* At the sizes the loader picks, a full deny_src4 of distinct addresses
 * (the default size, and the benchmarks' million) places without
 * overflow. */
static void test_load(void **state)
{
	static const __u32 sizes[] = { ENF_DENY_SRC4_MAX, 1000302 };

	(void)state;
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		struct enf_fast4 t;
		__u64 *slots = table_new(&t, enf_fast4_bits(sizes[k]));

		/* A permutation of 10.0.0.0/8 in network order (the
		 * benchmarks' sources), then random addresses. */
		for (__u32 i = 0; i < sizes[k]; i++) {
			__u32 a = htonl(0x0a000000u |
					((i * 2654435761u) & 0xffffffu));

			assert_int_equal(enf_fast4_put(&t, a, 0, false), 0);
		}
		print_message(
			"%u entries in %u slots: overflow %u, %llu moves\n",
			sizes[k], t.mask + 1, t.overflow,
			(unsigned long long)t.moves);
		assert_int_equal(t.overflow, 0);
		assert_int_equal(t.used, sizes[k]);
		memset(slots, 0, enf_fast4_bytes(t.bits));
		assert_int_equal(enf_fast4_init(&t, slots, t.bits), 0);
		for (__u32 i = 0; i < sizes[k]; i++) {
			__u32 a = rnd();

			if (enf_fast4_find(&t, a, NULL) < 0)
				assert_true(enf_fast4_put(&t, a, 0, false) >=
					    0);
		}
		print_message(
			"%u random: %u in %u slots, overflow %u, %llu moves\n",
			sizes[k], t.used + t.overflow, t.mask + 1, t.overflow,
			(unsigned long long)t.moves);
		assert_int_equal(t.overflow, 0);
		free(slots);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_addr_at),
		cmocka_unit_test(test_window_overflow),
		cmocka_unit_test(test_tombs),
		cmocka_unit_test(test_lookup_stops),
		cmocka_unit_test(test_displacement),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
