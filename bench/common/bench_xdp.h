/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the XDP benchmarks in bench/ share: the frames they send, the
 * denied sources they load (the same addresses in every benchmark and in
 * every contender's map), and xdp-tools' xdp-filter as a peer: Debian's
 * xdpfilt_*.o objects, loaded without pins, their IPv4 map filled as
 * `xdp-filter ip ADDR -m src` fills it, their drops read from their own
 * stats map.
 *
 * xdp-filter's naming, which is easy to read backwards: `alw` is the
 * object for `xdp-filter load --policy allow` (its default), which passes
 * everything except what its maps hold, so it DROPS listed sources, as
 * enforcer does; `dny` (--policy deny) passes listed sources and drops the
 * rest. The code is the same with the verdicts swapped; both look the
 * destination up first, then the source.
 */
#ifndef ENFORCER_BENCH_XDP_H
#define ENFORCER_BENCH_XDP_H

#include <stddef.h>

#include <linux/types.h>

struct bpf_object;

/* Where Debian's xdp-tools puts xdp-filter's objects. */
#define BENCH_XDPFILT_DIR "/usr/lib/x86_64-linux-gnu/bpf"
/* xdp-filter's IPv4 filter map (per-CPU hash, __u32 -> __u64 flags). */
#define BENCH_XDPFILT_MAP_IPV4 "filter_ipv4"
/* Its per-action counters (per-CPU array of struct xdp_stats_record). */
#define BENCH_XDPFILT_MAP_STATS "xdp_stats_map"
/* xdp-filter's "src" flag in a filter map's value (its MAP_FLAG_SRC). */
#define BENCH_XDPFILT_FLAG_SRC 1ULL

/* Possible CPUs a per-CPU map's value arrays here are sized for. */
#define BENCH_MAX_CPUS 256

/**
 * bench_udp4_frame() - an Ethernet + IPv4 + UDP frame
 * @f: the frame, @len bytes (zeroed first)
 * @len: 42..1514; the IPv4 and UDP lengths say so
 * @saddr: source, network byte order
 * @daddr: destination, network byte order
 * @sport: UDP source port, host order
 * @dport: UDP destination port, host order
 *
 * The IPv4 header checksum is right; the UDP checksum is 0 (none).
 */
void bench_udp4_frame(__u8 *f, size_t len, __u32 saddr, __u32 daddr,
		      __u16 sport, __u16 dport);

/**
 * bench_deny_src4() - the i-th denied IPv4 source of the benchmarks
 * @i: index; distinct for every i below 2^24
 *
 * A permutation of 10.0.0.0/8 (an odd multiplier mod 2^24), so a million
 * entries are distinct and spread over any hash.
 *
 * Return: the address, network byte order.
 */
__u32 bench_deny_src4(unsigned long i);

/**
 * bench_fill_src4() - write sources bench_deny_src4(0..@n-1) into a map
 * @fd: a hash map keyed by __u32
 * @n: entries to write
 * @val: the value of every entry (for a per-CPU map, one per possible CPU)
 * @val_size: its size in bytes
 *
 * Written in batches (bpf_map_update_batch). Prints why on failure.
 *
 * Return: 0 or -errno.
 */
int bench_fill_src4(int fd, unsigned long n, const void *val, size_t val_size);

/**
 * struct bench_xdpfilt - one of xdp-filter's programs, loaded
 * @obj: its object (bench_xdpfilt_close() closes it)
 * @prog_fd: the XDP program
 * @ipv4_fd: filter_ipv4
 * @stats_fd: xdp_stats_map
 */
struct bench_xdpfilt {
	struct bpf_object *obj;
	int prog_fd;
	int ipv4_fd;
	int stats_fd;
};

/**
 * bench_xdpfilt_load() - load one of xdp-filter's objects, nothing pinned
 * @f: filled in; close with bench_xdpfilt_close() whatever this returns
 * @dir: where the objects are (BENCH_XDPFILT_DIR)
 * @file: "xdpfilt_alw_ip.o", say
 * @ipv4_entries: filter_ipv4's max_entries (bpf_map__set_max_entries
 *	before load, as `xdp-filter load` cannot, so a million fit)
 * @share_ipv4_fd: a filter_ipv4 of another xdp-filter object to share, or -1
 *
 * xdp-filter pins its maps by name under /sys/fs/bpf; a benchmark leaves
 * nothing behind, so every pin path is cleared. Prints why on failure;
 * "skipped: ..." when the object is not there.
 *
 * Return: 0, -ENOENT when the object is missing (skip), or -errno.
 */
int bench_xdpfilt_load(struct bench_xdpfilt *f, const char *dir,
		       const char *file, __u32 ipv4_entries, int share_ipv4_fd);

/**
 * bench_xdpfilt_close() - unload what bench_xdpfilt_load() loaded
 * @f: may be all zero
 */
void bench_xdpfilt_close(struct bench_xdpfilt *f);

/**
 * bench_xdpfilt_fill_src4() - bench_deny_src4(0..@n-1) into filter_ipv4
 * @ipv4_fd: filter_ipv4
 * @n: entries
 * @flags: the value on every CPU (BENCH_XDPFILT_FLAG_SRC, as
 *	`xdp-filter ip ADDR -m src` writes it)
 *
 * Return: 0 or -errno.
 */
int bench_xdpfilt_fill_src4(int ipv4_fd, unsigned long n, __u64 flags);

/**
 * bench_xdpfilt_set4() - one IPv4 entry of filter_ipv4, @flags on every CPU
 * @ipv4_fd: filter_ipv4
 * @addr: network byte order
 * @flags: the value (0: present, matches nothing)
 *
 * Return: 0 or -errno.
 */
int bench_xdpfilt_set4(int ipv4_fd, __u32 addr, __u64 flags);

/**
 * bench_xdpfilt_count() - packets xdp-filter counted under one verdict
 * @f: the program
 * @action: XDP_DROP, XDP_PASS, ... (xdp_stats_map's key)
 * @packets: summed over CPUs
 *
 * Return: 0 or -errno.
 */
int bench_xdpfilt_count(const struct bench_xdpfilt *f, __u32 action,
			__u64 *packets);

#endif /* ENFORCER_BENCH_XDP_H */
