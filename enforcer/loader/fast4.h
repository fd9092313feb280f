/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The placement of deny_fast4 (enforcer/xdp.h): the open-addressed IPv4
 * source table xdp_host reads without a helper call. Pure C over an array
 * of slots: the loader hands it the mapping of the BPF map (mmap), the
 * tests and benchmarks do the same or hand it plain memory, so there is
 * one implementation of where an address goes.
 *
 * Readers (the XDP program, on any CPU, at any time) scan the window of
 * ENF_FAST4_PROBES slots from the address's home and stop at the first
 * EMPTY slot; one writer (the caller serialises) changes one slot per
 * store, each an aligned 8-byte store, so a reader sees a slot before or
 * after a store, never half of it. Every step keeps this invariant, which
 * is what makes the readers' early stop right:
 *
 *   (I) an address in the table sits in its window, and no slot of the
 *       window from its home up to it is EMPTY.
 *
 * - Lookup: by (I), scanning from the home, the address is met before any
 *   EMPTY slot; an EMPTY slot (or the end of the window) means absent.
 * - Insert takes the first free slot (EMPTY or TOMB) of the window: every
 *   slot before it is VALID, so (I) holds for the new address; turning a
 *   free slot VALID empties no slot, so (I) holds for the others.
 * - Delete writes TOMB over the address: no slot becomes EMPTY. Only where
 *   the next slot is EMPTY does it write EMPTY instead (and then turns the
 *   TOMBs just before it EMPTY too, walking back): an address whose scan
 *   crossed that slot would sit past it, so its scan would cross the EMPTY
 *   next slot as well, which (I) rules out. So nothing that can be found
 *   is cut off, and long-running tables do not fill up with TOMBs.
 * - Displacement, when the window is full: the first free slot e past the
 *   window is found (all slots from the home to e are VALID), and an
 *   address whose own window reaches e is copied there, then its old slot
 *   becomes TOMB; repeated until the free slot lies in the window. Copy
 *   before TOMB: a reader finds the moved address in one place or the
 *   other at every moment; the slots between its home and e hold no EMPTY,
 *   so (I) holds for it. At most ENF_FAST4_DISPLACE slots are searched.
 *   An address that still finds no room overflows: it is in deny_src4
 *   only, counted.
 *
 * Overflow bookkeeping follows deny_src4, which holds every entry: the
 * caller says whether the address was there before a write, so the count
 * of deny_src4 entries not in the table stays exact; an overflowed entry
 * written again moves into the table when its window has room by then.
 */
#ifndef ENFORCER_LOADER_FAST4_H
#define ENFORCER_LOADER_FAST4_H

#include <stdbool.h>
#include <stddef.h>

#include "enforcer/xdp.h"

/* How far past the window a free slot is searched for a displacement. */
#define ENF_FAST4_DISPLACE 64

/**
 * struct enf_fast4 - one table and its counts
 * @slots: 2^@bits slots (an mmap of deny_fast4, or plain memory)
 * @bits: log2 of the slots
 * @mask: slots - 1
 * @used: VALID slots
 * @tombs: TOMB slots
 * @overflow: deny_src4 entries that are not in the table
 * @moves: addresses moved to make room, since init (informational)
 */
struct enf_fast4 {
	__u64 *slots;
	__u32 bits;
	__u32 mask;
	__u32 used;
	__u32 tombs;
	__u32 overflow;
	__u64 moves;
};

/**
 * enf_fast4_bits() - the table size for a deny_src4 of @entries
 * @entries: deny_src4's capacity
 *
 * Return: log2 of the smallest power of two of at least
 * ENF_FAST4_SLOTS_PER_ENTRY * @entries slots, within ENF_FAST4_MIN_BITS..
 * ENF_FAST4_MAX_BITS.
 */
__u32 enf_fast4_bits(__u64 entries);

/* Bytes of a table of 2^@bits slots. */
size_t enf_fast4_bytes(__u32 bits);

/**
 * enf_fast4_init() - take @slots as an empty table
 * @t: the table
 * @slots: 2^@bits slots, all 0 (EMPTY)
 * @bits: ENF_FAST4_MIN_BITS..ENF_FAST4_MAX_BITS
 *
 * Return: 0, -EINVAL for @bits out of range.
 */
int enf_fast4_init(struct enf_fast4 *t, __u64 *slots, __u32 bits);

/**
 * enf_fast4_find() - where @addr is, as xdp_host looks it up
 * @t: the table
 * @addr: IPv4 address as in packets
 * @flags: if not NULL, the entry's ENF_DENY_F_* flags when found
 *
 * Return: the slot index, or -ENOENT.
 */
long enf_fast4_find(const struct enf_fast4 *t, __u32 addr, __u32 *flags);

/**
 * enf_fast4_put() - mirror a deny_src4 write: @addr now has @flags
 * @t: the table
 * @addr: IPv4 address as in packets
 * @flags: the deny_src4 entry's flags (ENF_FAST4_FLAGS bits only)
 * @in_src4: @addr had a deny_src4 entry before this write
 *
 * Call after the deny_src4 write. Rewrites the slot of an address in the
 * table (one store), or inserts it, displacing others if needed; without
 * room it overflows (counted once, however often it is written).
 *
 * Return: 0 in the table, 1 overflowed (in deny_src4 only), -EINVAL for
 * flags the slot cannot carry.
 */
int enf_fast4_put(struct enf_fast4 *t, __u32 addr, __u32 flags, bool in_src4);

/**
 * enf_fast4_del() - mirror a deny_src4 delete of @addr
 * @t: the table
 * @addr: IPv4 address as in packets
 * @in_src4: @addr has a deny_src4 entry (about to go)
 *
 * Call before the deny_src4 delete.
 *
 * Return: 0 when its slot was freed, 1 when it was an overflowed entry
 * (uncounted), -ENOENT when it was in neither.
 */
int enf_fast4_del(struct enf_fast4 *t, __u32 addr, bool in_src4);

/**
 * enf_fast4_addr_at() - an address whose home is @home (tests, benchmarks)
 * @bits: the table's bits
 * @home: 0..2^@bits - 1
 * @i: which one; distinct addresses for i below 2^(32 - @bits)
 *
 * The hash inverted: lets a test fill a chosen window.
 *
 * Return: the address, as enf_fast4_home() reads it.
 */
__u32 enf_fast4_addr_at(__u32 bits, __u32 home, __u32 i);

#endif /* ENFORCER_LOADER_FAST4_H */
