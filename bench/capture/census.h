/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What is attached where, read back from the kernel: the BPF links one
 * process holds (its /proc/PID/fdinfo names their ids) or every link in the
 * system, with the uprobes on one file by offset and direction, and the
 * tracepoints by name. bench/capture uses it to see which probes enforcerd
 * attaches (so the trap floor can match them) and whether anybody else has
 * probes on libssl during a round.
 *
 * Uprobe files and offsets, and tracepoint names, come from the
 * perf_event members of struct bpf_link_info that kernels fill since 6.6;
 * an older kernel leaves them zero and the census says so (no_detail).
 */
#ifndef ENFORCER_BENCH_CENSUS_H
#define ENFORCER_BENCH_CENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/types.h>

#define CENSUS_MAX_SITES 64
#define CENSUS_MAX_TPS 16
#define CENSUS_TP_NAME 64
#define CENSUS_LINK_TYPES 16

/**
 * struct census_site - one probed place in the file
 * @offset: file offset, as uprobes take it
 * @ret: a return probe (uretprobe)
 * @links: links attached there (more than one: attached per process, or
 *	twice)
 */
struct census_site {
	__u64 offset;
	bool ret;
	unsigned int links;
};

/**
 * struct census - the links found
 * @sites: uprobes on the file, distinct (offset, ret)
 * @n_sites: entries in @sites
 * @uprobe_links: perf_event uprobe links on the file (sum of @links)
 * @multi_links: uprobe_multi links on the file (not broken down)
 * @multi_probes: probes those links hold
 * @tps: tracepoints: "NAME" for a perf_event tracepoint (the event's name,
 *	without its category), "raw:NAME" for a raw tracepoint
 * @tp_links: links of each entry of @tps
 * @n_tps: entries in @tps
 * @other_uprobe_links: uprobes on other files
 * @other_links: any other link (sock_ops, XDP, kprobes, ...)
 * @other_types: @other_links by link type (enum bpf_link_type, below
 *	CENSUS_LINK_TYPES; census_link_type_name() names them)
 * @file_link_id: the id of one link on the file (uprobe or uprobe_multi),
 *	0 when there is none
 * @no_detail: a perf_event link gave no file or name (kernel < 6.6)
 * @truncated: more sites or tracepoints than the arrays hold
 */
struct census {
	struct census_site sites[CENSUS_MAX_SITES];
	size_t n_sites;
	unsigned int uprobe_links;
	unsigned int multi_links;
	unsigned int multi_probes;
	char tps[CENSUS_MAX_TPS][CENSUS_TP_NAME];
	unsigned int tp_links[CENSUS_MAX_TPS];
	size_t n_tps;
	unsigned int other_uprobe_links;
	unsigned int other_links;
	unsigned int other_types[CENSUS_LINK_TYPES];
	__u32 file_link_id;
	bool no_detail;
	bool truncated;
};

/**
 * census_take() - count the links one process holds, or all of them
 * @pid: the process whose link fds are counted; 0 for every link in the
 *	system
 * @file: the probed file to break uprobes down for (an absolute path, as
 *	the kernel prints it: no symlinks)
 * @c: filled in
 *
 * Return: 0, or a negative errno (no /proc/PID/fdinfo, no BPF).
 */
int census_take(pid_t pid, const char *file, struct census *c);

/**
 * census_owner() - a process holding link @id
 * @id: a link id
 * @pid: set to the first process found with an fd of it
 * @comm: its name, 16 bytes
 *
 * Return: 0, or -ENOENT when no process holds it (pinned, or gone).
 */
int census_owner(__u32 id, pid_t *pid, char comm[16]);

/**
 * census_link_offset() - the file offset a uprobe link of ours sits at
 * @link_fd: the link
 * @offset: set to its offset in the file
 *
 * Return: 0, or a negative errno (-EOPNOTSUPP when the kernel does not
 * tell).
 */
int census_link_offset(int link_fd, __u64 *offset);

/* The name of BPF link type @type ("cgroup", "xdp", ...), or "?". */
const char *census_link_type_name(unsigned int type);

/**
 * census_has() - whether (@offset, @ret) is among @c's sites
 * @c: a census
 * @offset: file offset
 * @ret: return probe
 */
bool census_has(const struct census *c, __u64 offset, bool ret);

#endif /* ENFORCER_BENCH_CENSUS_H */
