// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * deny_fast4's placement (enforcer/loader/fast4.h, where the invariant the
 * readers rely on is stated and argued).
 */
#include <errno.h>

#include "enforcer/loader/fast4.h"

#define SLOT_EMPTY 0ULL
#define SLOT_TOMB ENF_FAST4_SLOT(0, ENF_FAST4_TOMB)

static bool slot_valid(__u64 s)
{
	return (s >> 32) & ENF_FAST4_VALID;
}

static __u32 slot_addr(__u64 s)
{
	return (__u32)s;
}

#ifdef ENF_FAST4_STORE_HOOK
/* The unit test's reader: called after every store, it checks that what
 * a concurrent lookup would find is right at that moment. */
void ENF_FAST4_STORE_HOOK(const struct enf_fast4 *t);
#endif

/* The one way a slot changes: a single aligned 8-byte store. */
static void slot_store(struct enf_fast4 *t, __u32 i, __u64 v)
{
	__atomic_store_n(&t->slots[i], v, __ATOMIC_RELEASE);
#ifdef ENF_FAST4_STORE_HOOK
	ENF_FAST4_STORE_HOOK(t);
#endif
}

static __u64 slot_load(const struct enf_fast4 *t, __u32 i)
{
	return __atomic_load_n(&t->slots[i], __ATOMIC_RELAXED);
}

__u32 enf_fast4_bits(__u64 entries)
{
	__u64 want = entries * ENF_FAST4_SLOTS_PER_ENTRY;
	__u32 bits = ENF_FAST4_MIN_BITS;

	while (bits < ENF_FAST4_MAX_BITS && (1ULL << bits) < want)
		bits++;
	return bits;
}

size_t enf_fast4_bytes(__u32 bits)
{
	return sizeof(__u64) << bits;
}

int enf_fast4_init(struct enf_fast4 *t, __u64 *slots, __u32 bits)
{
	if (bits < ENF_FAST4_MIN_BITS || bits > ENF_FAST4_MAX_BITS || !slots)
		return -EINVAL;
	*t = (struct enf_fast4){
		.slots = slots,
		.bits = bits,
		.mask = (1u << bits) - 1,
	};
	return 0;
}

long enf_fast4_find(const struct enf_fast4 *t, __u32 addr, __u32 *flags)
{
	const __u64 want = ENF_FAST4_SLOT(addr, ENF_FAST4_VALID);
	__u32 home = enf_fast4_home(addr, t->bits);

	for (__u32 d = 0; d < ENF_FAST4_PROBES; d++) {
		__u32 i = (home + d) & t->mask;
		__u64 s = slot_load(t, i);

		if (s == SLOT_EMPTY)
			break;
		if ((s & ENF_FAST4_MATCH_MASK) == want) {
			if (flags)
				*flags = (s >> 32) & ENF_FAST4_FLAGS;
			return i;
		}
	}
	return -ENOENT;
}

/* Puts entry @v into free slot @i. */
static void slot_fill(struct enf_fast4 *t, __u32 i, __u64 v)
{
	if (slot_load(t, i) == SLOT_TOMB)
		t->tombs--;
	slot_store(t, i, v);
	t->used++;
}

/*
 * Inserts slot value @v of an address not in the table: the first free
 * slot of its window, else room made by moving others (fast4.h).
 * Return: 0, -ENOSPC.
 */
static int slot_insert(struct enf_fast4 *t, __u64 v)
{
	__u32 home = enf_fast4_home(slot_addr(v), t->bits);
	__u32 nslots = t->mask + 1, limit, e;

	for (__u32 d = 0; d < ENF_FAST4_PROBES; d++) {
		__u32 i = (home + d) & t->mask;

		if (!slot_valid(slot_load(t, i))) {
			slot_fill(t, i, v);
			return 0;
		}
	}
	/* The window is full: the first free slot past it, at distance e
	 * from the home; every slot before it is VALID. */
	limit = ENF_FAST4_PROBES + ENF_FAST4_DISPLACE;
	if (limit > nslots)
		limit = nslots;
	for (e = ENF_FAST4_PROBES; e < limit; e++)
		if (!slot_valid(slot_load(t, (home + e) & t->mask)))
			break;
	if (e >= limit)
		return -ENOSPC;
	while (e >= ENF_FAST4_PROBES) {
		__u32 to = (home + e) & t->mask;
		bool moved = false;

		/* The farthest-back address whose window reaches the free
		 * slot moves there: copy, then TOMB where it was. */
		for (__u32 k = ENF_FAST4_PROBES - 1; k > 0; k--) {
			__u32 from = (home + e - k) & t->mask;
			__u64 x = slot_load(t, from);
			__u32 xhome = enf_fast4_home(slot_addr(x), t->bits);

			if (((to - xhome) & t->mask) >= ENF_FAST4_PROBES)
				continue;
			slot_fill(t, to, x);
			slot_store(t, from, SLOT_TOMB);
			t->used--;
			t->tombs++;
			t->moves++;
			e -= k;
			moved = true;
			break;
		}
		if (!moved)
			return -ENOSPC;
	}
	slot_fill(t, (home + e) & t->mask, v);
	return 0;
}

int enf_fast4_put(struct enf_fast4 *t, __u32 addr, __u32 flags, bool in_src4)
{
	const __u64 v = ENF_FAST4_SLOT(addr, ENF_FAST4_VALID | flags);
	long i;

	if (flags & ~ENF_FAST4_FLAGS)
		return -EINVAL;
	i = enf_fast4_find(t, addr, NULL);
	if (i >= 0) {
		slot_store(t, i, v);
		return 0;
	}
	if (!slot_insert(t, v)) {
		/* Was it in deny_src4 alone? Then it is in the table now. */
		if (in_src4 && t->overflow)
			t->overflow--;
		return 0;
	}
	if (!in_src4)
		t->overflow++;
	return 1;
}

int enf_fast4_del(struct enf_fast4 *t, __u32 addr, bool in_src4)
{
	long found = enf_fast4_find(t, addr, NULL);
	__u32 i, j;

	if (found < 0) {
		if (!in_src4)
			return -ENOENT;
		if (t->overflow)
			t->overflow--;
		return 1;
	}
	i = found;
	t->used--;
	if (slot_load(t, (i + 1) & t->mask) != SLOT_EMPTY) {
		slot_store(t, i, SLOT_TOMB);
		t->tombs++;
		return 0;
	}
	/* The next slot is EMPTY: no scan crosses this one, nor the TOMBs
	 * right before it (fast4.h). */
	slot_store(t, i, SLOT_EMPTY);
	j = (i - 1) & t->mask;
	for (__u32 n = 0; n < t->mask && slot_load(t, j) == SLOT_TOMB; n++) {
		slot_store(t, j, SLOT_EMPTY);
		t->tombs--;
		j = (j - 1) & t->mask;
	}
	return 0;
}

__u32 enf_fast4_addr_at(__u32 bits, __u32 home, __u32 i)
{
	__u32 inv = ENF_FAST4_MULT;

	/* Newton's iteration for the inverse mod 2^32: each doubles the
	 * bits that are right (an odd number is its own inverse mod 8). */
	for (int k = 0; k < 5; k++)
		inv *= 2 - ENF_FAST4_MULT * inv;
	return ((home << (32 - bits)) | (i & (0xffffffffu >> bits))) * inv;
}
