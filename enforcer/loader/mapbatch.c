// SPDX-License-Identifier: GPL-2.0-or-later
#include <bpf/bpf.h>

#include "enforcer/loader/mapbatch.h"

void enf_map_update_many(int fd, const void *keys, size_t key_size,
			 const void *vals, size_t val_size, size_t n, int *err)
{
	const unsigned char *k = keys, *v = vals;
	size_t i = 0;

	while (i < n) {
		__u32 want = (__u32)(n - i), count = want;
		int e = bpf_map_update_batch(fd, k + i * key_size,
					     v + i * val_size, &count, NULL);

		if (e && count >= want) {
			/* refused as a whole: one by one */
			for (; i < n; i++)
				err[i] = bpf_map_update_elem(fd,
							     k + i * key_size,
							     v + i * val_size,
							     BPF_ANY);
			return;
		}
		for (size_t j = i; j < i + count; j++)
			err[j] = 0;
		i += count;
		if (!e)
			break;
		err[i++] = e; /* the entry it stopped at */
	}
}
