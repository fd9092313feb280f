/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * FNV-1a, for the small in-process hash tables (escalation counts, the
 * map writer's and the data plane's search for an entry given twice).
 * Not for anything a peer could aim collisions at without a bound on the
 * probe length of the table that uses it.
 */
#ifndef ENFORCER_COMMON_HASH_H
#define ENFORCER_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of @n bytes at @p, its offset basis XOR-ed with @seed. */
static inline uint32_t enf_fnv1a(uint32_t seed, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t h = 2166136261u ^ seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

#endif /* ENFORCER_COMMON_HASH_H */
