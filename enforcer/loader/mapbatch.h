/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Writing many entries of one BPF map with as few bpf() calls as the
 * kernel allows: the deny maps (dataplane.c) and the egress map
 * (egress.c) share it.
 */
#ifndef ENFORCER_LOADER_MAPBATCH_H
#define ENFORCER_LOADER_MAPBATCH_H

#include <stddef.h>

/**
 * enf_map_update_many() - write @n entries of map @fd (BPF_ANY)
 * @keys: the keys, packed, @key_size bytes each
 * @vals: the values, packed, @val_size bytes each
 * @err: each entry's outcome (0, -E2BIG for a full map, -errno)
 *
 * One BPF_MAP_UPDATE_BATCH where the kernel takes it: it stops at the first
 * entry it refuses, which fails, and the batch goes on after it. Where the
 * kernel refuses the batch as a whole (no batches for this map), one by
 * one. Batches take BPF_ANY only: a caller that needs to know which keys
 * were there looks first.
 */
void enf_map_update_many(int fd, const void *keys, size_t key_size,
			 const void *vals, size_t val_size, size_t n, int *err);

#endif /* ENFORCER_LOADER_MAPBATCH_H */
