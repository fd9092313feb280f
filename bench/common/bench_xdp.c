// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench_xdp.h"

/* Map entries written per batch. */
#define BATCH 8192

/* ---- frames --------------------------------------------------------------- */

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u16 ip_csum(const __u8 *h, size_t len)
{
	__u32 sum = 0;

	for (size_t i = 0; i < len; i += 2)
		sum += (__u32)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

void bench_udp4_frame(__u8 *f, size_t len, __u32 saddr, __u32 daddr,
		      __u16 sport, __u16 dport)
{
	static const __u8 dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	__u8 *ip = f + 14, *udp = ip + 20;

	memset(f, 0, len);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, len - 14);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &saddr, 4);
	memcpy(ip + 16, &daddr, 4);
	put16(ip + 10, ip_csum(ip, 20));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, len - 14 - 20);
}

/* ---- denied sources -------------------------------------------------------- */

__u32 bench_deny_src4(unsigned long i)
{
	return htonl(0x0a000000u | ((__u32)(i * 2654435761u) & 0xffffffu));
}

int bench_fill_src4(int fd, unsigned long n, const void *val, size_t val_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	__u32 *keys;
	char *vals;
	int err = 0;

	keys = calloc(BATCH, sizeof(*keys));
	vals = calloc(BATCH, val_size);
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out_free;
	}
	for (size_t j = 0; j < BATCH; j++)
		memcpy(vals + j * val_size, val, val_size);
	for (unsigned long i = 0; i < n;) {
		__u32 count = n - i < BATCH ? n - i : BATCH;

		for (__u32 j = 0; j < count; j++)
			keys[j] = bench_deny_src4(i + j);
		err = bpf_map_update_batch(fd, keys, vals, &count, &bo);
		if (err) {
			fprintf(stderr, "Error: writing %lu deny entries: %s\n",
				n, strerror(-err));
			goto out_free;
		}
		i += count;
	}

out_free:
	free(keys);
	free(vals);
	return err;
}

/* ---- xdp-filter ------------------------------------------------------------ */

int bench_xdpfilt_load(struct bench_xdpfilt *f, const char *dir,
		       const char *file, __u32 ipv4_entries, int share_ipv4_fd)
{
	struct bpf_program *prog;
	struct bpf_map *map, *ipv4, *stats;
	char path[512];
	int err;

	*f = (struct bench_xdpfilt){ .prog_fd = -1,
				     .ipv4_fd = -1,
				     .stats_fd = -1 };
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (access(path, R_OK)) {
		fprintf(stderr, "skipped: %s missing (Debian's xdp-tools)\n",
			path);
		return -ENOENT;
	}
	f->obj = bpf_object__open_file(path, NULL);
	if (!f->obj) {
		err = -errno;
		goto out_err;
	}
	bpf_object__for_each_map(map, f->obj) {
		err = bpf_map__set_pin_path(map, NULL);
		if (err)
			goto out_err;
	}
	ipv4 = bpf_object__find_map_by_name(f->obj, BENCH_XDPFILT_MAP_IPV4);
	stats = bpf_object__find_map_by_name(f->obj, BENCH_XDPFILT_MAP_STATS);
	prog = bpf_object__next_program(f->obj, NULL);
	if (!ipv4 || !stats || !prog) {
		/* Not the xdp-filter this was written against. */
		err = -ENOENT;
		goto out_err;
	}
	err = bpf_map__set_max_entries(ipv4, ipv4_entries);
	if (!err && share_ipv4_fd >= 0)
		err = bpf_map__reuse_fd(ipv4, share_ipv4_fd);
	err = err ?: bpf_object__load(f->obj);
	if (err)
		goto out_err;
	f->prog_fd = bpf_program__fd(prog);
	f->ipv4_fd = bpf_map__fd(ipv4);
	f->stats_fd = bpf_map__fd(stats);
	return 0;

out_err:
	fprintf(stderr, "Error: loading %s: %s\n", path, strerror(-err));
	/* A missing map or program is not a missing object: no skip. */
	return err == -ENOENT ? -EPROTO : err;
}

void bench_xdpfilt_close(struct bench_xdpfilt *f)
{
	bpf_object__close(f->obj);
	f->obj = NULL;
}

/* @flags on every possible CPU, in @vals of BENCH_MAX_CPUS; the count. */
static int percpu_flags(__u64 *vals, __u64 flags)
{
	int ncpu = libbpf_num_possible_cpus();

	if (ncpu <= 0 || ncpu > BENCH_MAX_CPUS)
		return -EINVAL;
	for (int i = 0; i < ncpu; i++)
		vals[i] = flags;
	return ncpu;
}

int bench_xdpfilt_fill_src4(int ipv4_fd, unsigned long n, __u64 flags)
{
	__u64 vals[BENCH_MAX_CPUS];
	int ncpu = percpu_flags(vals, flags);

	if (ncpu < 0)
		return ncpu;
	return bench_fill_src4(ipv4_fd, n, vals, ncpu * sizeof(*vals));
}

int bench_xdpfilt_set4(int ipv4_fd, __u32 addr, __u64 flags)
{
	__u64 vals[BENCH_MAX_CPUS];
	int ncpu = percpu_flags(vals, flags);

	if (ncpu < 0)
		return ncpu;
	return bpf_map_update_elem(ipv4_fd, &addr, vals, BPF_ANY);
}

int bench_xdpfilt_count(const struct bench_xdpfilt *f, __u32 action,
			__u64 *packets)
{
	/* struct xdp_stats_record: packets, then bytes. */
	__u64 rec[BENCH_MAX_CPUS][2];
	int ncpu = libbpf_num_possible_cpus();
	int err;

	if (ncpu <= 0 || ncpu > BENCH_MAX_CPUS)
		return -EINVAL;
	err = bpf_map_lookup_elem(f->stats_fd, &action, rec);
	if (err)
		return err;
	*packets = 0;
	for (int i = 0; i < ncpu; i++)
		*packets += rec[i][0];
	return 0;
}
