// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench xdp_cost: nanoseconds per packet of enforcer's XDP program through
 * BPF_PROG_TEST_RUN, against the XDP_PASS floor and xdp-tools' xdp-filter
 * (Debian's xdpfilt_dny_ip.o), on the same frames, in one run, interleaved.
 *
 * Programs:
 * - xdp_pass: returns XDP_PASS (bench_xdp_pass.bpf.c): the floor, what
 *   the test-run loop costs around any program;
 * - xdp_host: enforcer's host program with check_primary (an interface
 *   without NIC offload): deny_src4, deny_cidr4, deny_flow, host_stats;
 *   filled as the loader fills them, each flow's source marked in deny_src4
 *   (ENF_DENY_F_FLOWS, a marker entry: enforcer/xdp.h), so deny_flow is
 *   looked up only for packets from those sources, and deny_fast4, the
 *   inline IPv4 source table, sized and filled as the loader does it
 *   (enforcer/loader/fast4.h), live in dp_config;
 * - xdpfilt_dny_ip: the peer the issue names, xdp-filter's IPv4/IPv6
 *   variant for `xdp-filter load --policy deny`, which passes what its
 *   filter_ipv4 map holds and drops the rest; the map holds the same
 *   sources as deny_src4, flagged "src" as `xdp-filter ip ADDR -m src`
 *   flags them (it looks the destination up first, then the source);
 * - informational: xdpfilt_alw_ip (the same code for xdp-filter's default
 *   --policy allow, which drops what the map holds, as enforcer does; the
 *   two share one map), xdp_offload (the NIC part, run on the host, with
 *   its own deny_src4 holding the same sources and, as a NIC's, no marks;
 *   deny_flow shared), and any --variant object (an xdp_host built with a
 *   proposed change, say).
 *
 * Frames (64 bytes, Ethernet + IPv4 + UDP):
 * - hit: from a source in the deny maps;
 * - miss: from a source in none, to a 5-tuple in none: xdp_host looks the
 *   source and the CIDR tries up and passes it (the path every legitimate
 *   packet takes);
 * - malformed: the IPv4 header cut short (34 bytes of frame);
 * - marked: from the source of a denied flow, not that flow: xdp_host
 *   looks up source (a marker), CIDR and 5-tuple and passes it (the path of
 *   a source's other traffic once one of its flows is denied; with
 *   --flows 0, a plain miss).
 *
 * Each sample runs one frame through one program @repeat times in one
 * BPF_PROG_TEST_RUN call and takes the thread's CPU time over the call,
 * divided by @repeat (the kernel's own figure is a whole number of ns; it
 * is printed too). Samples go round the programs in an order that rotates
 * every round, so no program always runs first. Before timing, each
 * program's verdict on each frame is checked, and enforcer's counters must
 * show the path taken (drop_src4, pass, pass_malformed, pass).
 *
 * Needs root; exits 77 (skipped) without it or without xdp-tools.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_xdp.h"
#include "bench_xdp_pass.skel.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/fast4.h"
#include "enforcer/xdp.h"
#include "xdp_host.skel.h"
#include "xdp_offload.skel.h"

#define FRAME_LEN 64
#define MALFORMED_LEN 34 /* Ethernet + 20 bytes of a 24-byte header */

enum prog_id {
	PR_FLOOR = 0,
	PR_HOST,
	PR_XDPFILT,
	PR_XDPFILT_ALW,
	PR_OFFLOAD,
	PR_COUNT,
};

/* --variant objects: timed after the others, informational. */
#define MAX_VARIANTS 4
#define PR_MAX (PR_COUNT + MAX_VARIANTS)

static const char *prog_name[PR_MAX] = {
	[PR_FLOOR] = "xdp_pass",	 [PR_HOST] = "xdp_host",
	[PR_XDPFILT] = "xdpfilt_dny_ip", [PR_XDPFILT_ALW] = "xdpfilt_alw_ip",
	[PR_OFFLOAD] = "xdp_offload",
};

enum frame_id {
	FR_HIT = 0,
	FR_MISS,
	FR_MALFORMED,
	FR_MARKED,
	FR_COUNT,
};

static const char *const frame_name[FR_COUNT] = {
	[FR_HIT] = "hit",
	[FR_MISS] = "miss",
	[FR_MALFORMED] = "malformed",
	[FR_MARKED] = "marked",
};

/* The verdict each program must give each frame. */
static const __u32 want_action[PR_COUNT][FR_COUNT] = {
	[PR_FLOOR] = { XDP_PASS, XDP_PASS, XDP_PASS, XDP_PASS },
	[PR_HOST] = { XDP_DROP, XDP_PASS, XDP_PASS, XDP_PASS },
	/* Policy deny: a map hit passes, everything else drops; a header
	 * it cannot parse aborts. */
	[PR_XDPFILT] = { XDP_PASS, XDP_DROP, XDP_ABORTED, XDP_DROP },
	[PR_XDPFILT_ALW] = { XDP_DROP, XDP_PASS, XDP_ABORTED, XDP_PASS },
	[PR_OFFLOAD] = { XDP_DROP, XDP_PASS, XDP_PASS, XDP_PASS },
};

/* The counter enforcer's programs must move for each frame. */
static const int want_stat[FR_COUNT] = {
	[FR_HIT] = ENF_XDP_DROP_SRC4,
	[FR_MISS] = ENF_XDP_PASS,
	[FR_MALFORMED] = ENF_XDP_PASS_MALFORMED,
	[FR_MARKED] = ENF_XDP_PASS,
};

struct opts {
	unsigned long samples;
	unsigned long repeat;
	unsigned long entries;
	unsigned long cidrs;
	unsigned long flows;
	const char *xdpfilt_dir;
	const char *variant[MAX_VARIANTS];
	int n_variants;
};

struct ctx {
	struct opts o;
	struct bench_xdp_pass *floor;
	struct xdp_host *host;
	struct xdp_offload *off;
	struct bench_xdpfilt filt[2]; /* dny, alw */
	struct enf_fast4 fast4; /* xdp_host's deny_fast4, mapped */
	struct bpf_object *var[MAX_VARIANTS];
	int n_progs;
	int fd[PR_MAX];
	__u8 frame[FR_COUNT][FRAME_LEN];
	size_t frame_len[FR_COUNT];
	__u32 hit_src; /* network order */
	double ns[FR_COUNT][PR_MAX][BENCH_MAX_SAMPLES];
	double kns[FR_COUNT][PR_MAX][BENCH_MAX_SAMPLES];
};

/* ---- deny entries --------------------------------------------------------- */

/* The i-th denied flow's source, in 198.18.0.0/15. */
static __u32 flow_src(unsigned long i)
{
	return htonl(0xc6120000u | (__u32)(i & 0x1ffff));
}

/*
 * ENF_DENY_F_FLOWS on source @addr in @fd, as the loader sets it before it
 * writes a flow: OR-ed into a deny entry, or a marker entry; then its
 * deny_fast4 slot.
 */
static int mark_src(struct ctx *c, int fd, __u32 addr)
{
	struct enf_deny_value v = { .flags = ENF_DENY_F_MARK |
					     ENF_DENY_F_FLOWS };
	bool existed = false;
	int err;

	if (!bpf_map_lookup_elem(fd, &addr, &v)) {
		v.flags |= ENF_DENY_F_FLOWS;
		existed = true;
	}
	err = bpf_map_update_elem(fd, &addr, &v, BPF_ANY);
	if (err)
		return err;
	if (enf_fast4_put(&c->fast4, addr, v.flags, existed) < 0)
		return -EINVAL;
	return 0;
}

/* A few hundred /24 prefixes in 172.16.0.0/12, and as many UDP 5-tuples
 * from 198.18.0.0/15, their sources marked; none covers a frame of the
 * benchmark. */
static int fill_cidrs_flows(struct ctx *c)
{
	const struct enf_deny_value v = { .rule_id = 1 };
	int cfd = bpf_map__fd(c->host->maps.deny_cidr4);
	int ffd = bpf_map__fd(c->host->maps.deny_flow);
	int sfd = bpf_map__fd(c->host->maps.deny_src4);
	int err;

	for (unsigned long i = 0; i < c->o.cidrs; i++) {
		struct enf_cidr4_key k = { .prefixlen = 24 };
		__u32 a = htonl(0xac100000u | (__u32)(i & 0xfff) << 8);

		memcpy(k.addr, &a, 4);
		err = bpf_map_update_elem(cfd, &k, &v, BPF_ANY);
		if (err)
			goto out_err;
	}
	for (unsigned long i = 0; i < c->o.flows; i++) {
		struct enf_tuple t = { .proto = IPPROTO_UDP,
				       .family = ENF_FAMILY_V4 };
		__u32 s = flow_src(i);
		__u32 d = htonl(0xc0000201u); /* 192.0.2.1 */

		memcpy(t.saddr, &s, 4);
		memcpy(t.daddr, &d, 4);
		t.sport = htons(1024 + i % 60000);
		t.dport = htons(53);
		err = mark_src(c, sfd, s);
		err = err ?: bpf_map_update_elem(ffd, &t, &v, BPF_ANY);
		if (err)
			goto out_err;
	}
	return 0;

out_err:
	fprintf(stderr, "Error: writing CIDR and flow entries: %s\n",
		strerror(-err));
	return err;
}

/* ---- loading ------------------------------------------------------------- */

/* xdp_host's deny_fast4, mapped as the loader maps it. */
static int fast4_map(struct ctx *c)
{
	__u32 bits = c->host->rodata->fast4_bits;
	void *mem;
	int err;

	mem = mmap(NULL, enf_fast4_bytes(bits), PROT_READ | PROT_WRITE,
		   MAP_SHARED, bpf_map__fd(c->host->maps.deny_fast4), 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		fprintf(stderr, "Error: mapping deny_fast4: %s\n",
			strerror(-err));
		return err;
	}
	err = enf_fast4_init(&c->fast4, mem, bits);
	if (err)
		munmap(mem, enf_fast4_bytes(bits));
	return err;
}

/* dp_config: the table live, its overflow count (0 at these sizes). */
static int fast4_live(struct ctx *c)
{
	const struct enf_dp_config cfg = {
		.fast4_live = 1,
		.src4_overflow = c->fast4.overflow,
	};
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(bpf_map__fd(c->host->maps.dp_config), &zero,
				  &cfg, BPF_ANY);
	if (err)
		fprintf(stderr, "Error: writing dp_config: %s\n",
			strerror(-err));
	return err;
}

static int load_enforcer(struct ctx *c)
{
	const struct enf_deny_value v = { .rule_id = 1 };
	struct xdp_host *h;
	struct xdp_offload *o;
	__u32 n;
	int err;

	h = xdp_host__open();
	if (!h) {
		err = -errno;
		fprintf(stderr, "Error: opening xdp_host: %s\n",
			strerror(-err));
		return err;
	}
	c->host = h;
	h->rodata->check_primary = true;
	/* As the loader sizes them with host_entries = --entries + --flows
	 * (room for the flows' marks; never below the defaults). */
	n = c->o.entries + c->o.flows;
	if (n < ENF_DENY_FLOW_MAX)
		n = ENF_DENY_FLOW_MAX;
	h->rodata->fast4_bits = enf_fast4_bits(n);
	err = bpf_map__set_max_entries(h->maps.deny_fast4,
				       1u << h->rodata->fast4_bits);
	err = err ?: bpf_map__set_max_entries(h->maps.deny_src4, n);
	err = err ?: bpf_map__set_max_entries(h->maps.deny_src6, n);
	err = err ?: bpf_map__set_max_entries(h->maps.deny_flow, n);
	err = err ?: bpf_map__set_max_entries(h->maps.deny_spill, n);
	err = err ?: xdp_host__load(h);
	if (err) {
		fprintf(stderr, "Error: loading xdp_host: %s\n",
			strerror(-err));
		return err;
	}

	o = xdp_offload__open();
	if (!o) {
		err = -errno;
		fprintf(stderr, "Error: opening xdp_offload: %s\n",
			strerror(-err));
		return err;
	}
	c->off = o;
	/* Its own deny_src4, as a NIC's: the same sources, no marks. */
	err = bpf_map__set_max_entries(o->maps.deny_src4, n);
	err = err   ?:
		      bpf_map__reuse_fd(o->maps.deny_src6,
					bpf_map__fd(h->maps.deny_src6));
	err = err   ?:
		      bpf_map__reuse_fd(o->maps.deny_flow,
					bpf_map__fd(h->maps.deny_flow));
	err = err ?: xdp_offload__load(o);
	if (err) {
		fprintf(stderr, "Error: loading xdp_offload: %s\n",
			strerror(-err));
		return err;
	}

	err = fast4_map(c);
	if (err)
		return err;
	err = bench_fill_src4(bpf_map__fd(h->maps.deny_src4), c->o.entries, &v,
			      sizeof(v));
	err = err   ?:
		      bench_fill_src4(bpf_map__fd(o->maps.deny_src4),
				      c->o.entries, &v, sizeof(v));
	/* The sources' slots, as the loader places them. */
	for (unsigned long i = 0; !err && i < c->o.entries; i++)
		if (enf_fast4_put(&c->fast4, bench_deny_src4(i), 0, false) < 0)
			err = -EINVAL;
	err = err ?: fill_cidrs_flows(c);
	err = err ?: fast4_live(c);
	if (err)
		return err;
	c->fd[PR_HOST] = bpf_program__fd(h->progs.xdp_host);
	c->fd[PR_OFFLOAD] = bpf_program__fd(o->progs.xdp_offload);
	return 0;
}

/*
 * A --variant: an XDP object built differently from xdp_host (a proposed
 * change, say), timed on the same frames. Its maps that share a name,
 * type and layout with xdp_host's share xdp_host's entries.
 */
static int load_variant(struct ctx *c, int i)
{
	const char *path = c->o.variant[i], *base;
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err = -errno;
		fprintf(stderr, "Error: opening %s: %s\n", path,
			strerror(-err));
		return err;
	}
	c->var[i] = obj;
	bpf_object__for_each_map(map, obj) {
		struct bpf_map *h = bpf_object__find_map_by_name(
			c->host->obj, bpf_map__name(map));

		/* Not the table: a variant's fast4_bits is its own, and
		 * with its own empty dp_config it reads deny_src4 alone. */
		if (!h || bpf_map__type(h) != bpf_map__type(map) ||
		    bpf_map__key_size(h) != bpf_map__key_size(map) ||
		    bpf_map__value_size(h) != bpf_map__value_size(map) ||
		    !strcmp(bpf_map__name(map), ENF_MAP_HOST_STATS) ||
		    !strcmp(bpf_map__name(map), ENF_MAP_DENY_FAST4) ||
		    !strcmp(bpf_map__name(map), ENF_MAP_DP_CONFIG))
			continue;
		err = bpf_map__reuse_fd(map, bpf_map__fd(h));
		if (err)
			goto out_err;
	}
	err = bpf_object__load(obj);
	if (err)
		goto out_err;
	prog = bpf_object__next_program(obj, NULL);
	if (!prog) {
		err = -ENOENT;
		goto out_err;
	}
	base = strrchr(path, '/');
	prog_name[PR_COUNT + i] = base ? base + 1 : path;
	c->fd[PR_COUNT + i] = bpf_program__fd(prog);
	return 0;

out_err:
	fprintf(stderr, "Error: loading %s: %s\n", path, strerror(-err));
	return err;
}

static int load_all(struct ctx *c)
{
	int err;

	c->floor = bench_xdp_pass__open_and_load();
	if (!c->floor) {
		err = -errno;
		fprintf(stderr, "Error: loading xdp_pass: %s\n",
			strerror(-err));
		return err;
	}
	c->fd[PR_FLOOR] = bpf_program__fd(c->floor->progs.bench_xdp_pass);

	err = load_enforcer(c);
	if (err)
		return err;

	/* One filter_ipv4 for both, sized to --entries, the sources
	 * flagged "src" on every CPU. */
	err = bench_xdpfilt_load(&c->filt[0], c->o.xdpfilt_dir,
				 "xdpfilt_dny_ip.o", c->o.entries, -1);
	if (err)
		return err;
	err = bench_xdpfilt_load(&c->filt[1], c->o.xdpfilt_dir,
				 "xdpfilt_alw_ip.o", c->o.entries,
				 c->filt[0].ipv4_fd);
	if (err)
		return err;
	err = bench_xdpfilt_fill_src4(c->filt[0].ipv4_fd, c->o.entries,
				      BENCH_XDPFILT_FLAG_SRC);
	if (err)
		return err;
	c->fd[PR_XDPFILT] = c->filt[0].prog_fd;
	c->fd[PR_XDPFILT_ALW] = c->filt[1].prog_fd;
	c->n_progs = PR_COUNT;
	for (int i = 0; i < c->o.n_variants; i++) {
		err = load_variant(c, i);
		if (err)
			return err;
		c->n_progs++;
	}
	return 0;
}

static void unload_all(struct ctx *c)
{
	if (c->fast4.slots)
		munmap(c->fast4.slots, enf_fast4_bytes(c->fast4.bits));
	bench_xdp_pass__destroy(c->floor);
	xdp_offload__destroy(c->off);
	xdp_host__destroy(c->host);
	bench_xdpfilt_close(&c->filt[0]);
	bench_xdpfilt_close(&c->filt[1]);
	for (int i = 0; i < MAX_VARIANTS; i++)
		bpf_object__close(c->var[i]);
}

/* ---- running ------------------------------------------------------------- */

/* One sample: @repeat runs of frame @f through program @p. */
static int run_once(struct ctx *c, int p, int f, int repeat, double *ns,
		    double *kns, __u32 *action)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = c->frame[f],
		    .data_size_in = c->frame_len[f], .repeat = repeat);
	double t0, t1;
	int err;

	t0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	err = bpf_prog_test_run_opts(c->fd[p], &t);
	t1 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	if (err) {
		fprintf(stderr, "Error: test run of %s on %s: %s\n",
			prog_name[p], frame_name[f], strerror(-err));
		return err;
	}
	if (ns)
		*ns = (t1 - t0) / repeat;
	if (kns)
		*kns = t.duration;
	if (action)
		*action = t.retval;
	return 0;
}

/* Sums an enforcer program's counters over CPUs. */
static int read_stats(struct ctx *c, int p, __u64 out[ENF_XDP_STAT_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 percpu[256];
	int err;

	memset(out, 0, sizeof(__u64) * ENF_XDP_STAT_MAX);
	if (p == PR_OFFLOAD) {
		struct enf_xdp_nic_stats st;
		__u32 key = 0;

		err = bpf_map_lookup_elem(bpf_map__fd(c->off->maps.xdp_stats),
					  &key, &st);
		if (!err)
			memcpy(out, st.count, sizeof(st.count));
		return err;
	}
	if (ncpu <= 0 || ncpu > 256)
		return -EINVAL;
	for (__u32 k = 0; k < ENF_XDP_STAT_MAX; k++) {
		err = bpf_map_lookup_elem(bpf_map__fd(c->host->maps.host_stats),
					  &k, percpu);
		if (err)
			return err;
		for (int i = 0; i < ncpu; i++)
			out[k] += percpu[i];
	}
	return 0;
}

/*
 * Every program's verdict on every frame, and for enforcer's programs the
 * one counter that must move: what is timed is the path meant.
 */
static int check_paths(struct ctx *c)
{
	static const char *const stat_names[] = ENF_XDP_STAT_NAMES;
	const char *action_names[] = { "aborted", "drop", "pass", "tx",
				       "redirect" };
	int bad = 0;

	for (int p = 0; p < c->n_progs; p++) {
		/* A variant must judge as xdp_host does. */
		int pw = p < PR_COUNT ? p : PR_HOST;

		for (int f = 0; f < FR_COUNT; f++) {
			__u64 before[ENF_XDP_STAT_MAX], after[ENF_XDP_STAT_MAX];
			bool enf = p == PR_HOST || p == PR_OFFLOAD;
			__u32 act;
			int err;

			if (enf) {
				err = read_stats(c, p, before);
				if (err)
					return err;
			}
			err = run_once(c, p, f, 1, NULL, NULL, &act);
			if (err)
				return err;
			if (act != want_action[pw][f]) {
				fprintf(stderr,
					"%s: %s gave %s on the %s frame, not %s\n",
					p < PR_COUNT ? "Error" : "Warning",
					prog_name[p],
					act < 5 ? action_names[act] : "?",
					frame_name[f],
					action_names[want_action[pw][f]]);
				/* A variant may judge otherwise on purpose. */
				bad += p < PR_COUNT;
			}
			if (!enf)
				continue;
			err = read_stats(c, p, after);
			if (err)
				return err;
			for (int s = 0; s < ENF_XDP_STAT_MAX; s++) {
				__u64 d = after[s] - before[s];
				__u64 want = s == want_stat[f];

				if (d == want)
					continue;
				fprintf(stderr,
					"Error: %s on the %s frame moved %s by %llu\n",
					prog_name[p], frame_name[f],
					stat_names[s], (unsigned long long)d);
				bad++;
			}
		}
	}
	return bad ? -EPROTO : 0;
}

static int measure(struct ctx *c)
{
	int err;

	/* One round untimed: caches, page pools, branch predictors. */
	for (int f = 0; f < FR_COUNT; f++) {
		for (int p = 0; p < c->n_progs; p++) {
			err = run_once(c, p, f, c->o.repeat / 4, NULL, NULL,
				       NULL);
			if (err)
				return err;
		}
	}
	for (unsigned long s = 0; s < c->o.samples; s++) {
		for (int f = 0; f < FR_COUNT; f++) {
			for (int j = 0; j < c->n_progs; j++) {
				int p = (j + s) % c->n_progs;

				err = run_once(c, p, f, c->o.repeat,
					       &c->ns[f][p][s],
					       &c->kns[f][p][s], NULL);
				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* ---- report ------------------------------------------------------------- */

static int prog_sizes(int fd, __u32 *insns, __u32 *jited)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	*insns = info.xlated_prog_len / 8;
	*jited = info.jited_prog_len;
	return 0;
}

static void report(struct ctx *c)
{
	size_t n = c->o.samples;
	struct bench_stat st[FR_COUNT][PR_MAX], kst, r, ra, summary = { 0 };
	double ratio[BENCH_MAX_SAMPLES], above[2][BENCH_MAX_SAMPLES];
	double miss_host = 0;

	printf("xdp_cost: %lu source entries (xdp_host's deny_src4, xdp-filter's %s), %lu CIDRs and %lu flows, their sources marked (xdp_host);\n"
	       "  %lu samples of %lu runs each, interleaved; ns per packet from the thread's CPU time\n",
	       c->o.entries, BENCH_XDPFILT_MAP_IPV4, c->o.cidrs, c->o.flows, n,
	       c->o.repeat);
	printf("xdp_host's deny_fast4: %u slots, %u sources in it, %u overflowed to deny_src4, %llu moved to make room\n",
	       c->fast4.mask + 1, c->fast4.used, c->fast4.overflow,
	       (unsigned long long)c->fast4.moves);
	printf("%-10s %-15s %10s %18s %12s %9s\n", "frame", "program", "ns/pkt",
	       "min..max", "above floor", "kernel");
	for (int f = 0; f < FR_COUNT; f++) {
		for (int p = 0; p < c->n_progs; p++) {
			bench_stat_of(c->ns[f][p], n, &st[f][p]);
			bench_stat_of(c->kns[f][p], n, &kst);
			printf("%-10s %-15s %10.2f %8.2f..%-8.2f %12.2f %9.0f\n",
			       frame_name[f], prog_name[p], st[f][p].med,
			       st[f][p].min, st[f][p].max,
			       st[f][p].med - st[f][PR_FLOOR].med, kst.med);
		}
	}

	printf("ratio xdp_host / xdpfilt_dny_ip (per sample; median, min..max), and of the cost above the floor:\n");
	for (int f = 0; f < FR_COUNT; f++) {
		for (size_t s = 0; s < n; s++) {
			above[0][s] =
				c->ns[f][PR_HOST][s] - c->ns[f][PR_FLOOR][s];
			above[1][s] =
				c->ns[f][PR_XDPFILT][s] - c->ns[f][PR_FLOOR][s];
		}
		bench_ratios(c->ns[f][PR_HOST], c->ns[f][PR_XDPFILT], n, ratio);
		bench_stat_of(ratio, n, &r);
		bench_ratios(above[0], above[1], n, ratio);
		bench_stat_of(ratio, n, &ra);
		printf("  %-10s %.3f (%.3f..%.3f)   above floor %.3f (%.3f..%.3f)%s\n",
		       frame_name[f], r.med, r.min, r.max, ra.med, ra.min,
		       ra.max, r.med <= 1.2 ? "" : "   over the 1.2 target");
		if (f == FR_MISS) {
			summary = r;
			miss_host = st[f][PR_HOST].med;
		}
	}
	for (int p = PR_COUNT; p < c->n_progs; p++) {
		printf("ratio %s / xdpfilt_dny_ip:", prog_name[p]);
		for (int f = 0; f < FR_COUNT; f++) {
			bench_ratios(c->ns[f][p], c->ns[f][PR_XDPFILT], n,
				     ratio);
			bench_stat_of(ratio, n, &r);
			printf("  %s %.3f (%.3f..%.3f)", frame_name[f], r.med,
			       r.min, r.max);
		}
		printf("\n");
	}

	printf("program sizes (xlated BPF instructions, jited bytes):");
	for (int p = 0; p < c->n_progs; p++) {
		__u32 insns = 0, jited = 0;

		prog_sizes(c->fd[p], &insns, &jited);
		printf(" %s %u/%u", prog_name[p], insns, jited);
	}
	printf("\n");
	bench_summary("xdp_cost", "ns_per_pkt", miss_host, "xdpfilt_dny_ip",
		      &summary);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp_cost [--samples N] [--repeat N] [--entries N]\n"
		"                [--cidrs N] [--flows N] [--xdpfilt-dir DIR]\n"
		"                [--variant FILE.o]...\n"
		"  --samples N      samples per program and frame (15)\n"
		"  --repeat N       runs per sample (2000000)\n"
		"  --entries N      denied sources (1000000)\n"
		"  --cidrs N        denied prefixes in xdp_host (300)\n"
		"  --flows N        denied 5-tuples in xdp_host (300)\n"
		"  --xdpfilt-dir D  where xdpfilt_*.o are (" BENCH_XDPFILT_DIR
		")\n"
		"  --variant FILE.o also time this XDP object (e.g. a changed\n"
		"                   xdp_host); maps named as xdp_host's share\n"
		"                   its entries (up to %d)\n",
		MAX_VARIANTS);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "entries", required_argument, NULL, 'e' },
		{ "cidrs", required_argument, NULL, 'c' },
		{ "flows", required_argument, NULL, 'f' },
		{ "xdpfilt-dir", required_argument, NULL, 'd' },
		{ "variant", required_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){ .samples = 15,
			    .repeat = 2000000,
			    .entries = 1000000,
			    .cidrs = 300,
			    .flows = 300,
			    .xdpfilt_dir = BENCH_XDPFILT_DIR };
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			err = bench_parse_ulong("--samples", optarg, 1,
						BENCH_MAX_SAMPLES, &o->samples);
			break;
		case 'r':
			err = bench_parse_ulong("--repeat", optarg, 1000,
						1000000000, &o->repeat);
			break;
		case 'e':
			err = bench_parse_ulong("--entries", optarg, 1,
						16000000, &o->entries);
			break;
		case 'c':
			err = bench_parse_ulong("--cidrs", optarg, 0, 4096,
						&o->cidrs);
			break;
		case 'f':
			err = bench_parse_ulong("--flows", optarg, 0, 65536,
						&o->flows);
			break;
		case 'd':
			o->xdpfilt_dir = optarg;
			break;
		case 'v':
			if (o->n_variants == MAX_VARIANTS) {
				fprintf(stderr, "Error: at most %d --variant\n",
					MAX_VARIANTS);
				return -EINVAL;
			}
			o->variant[o->n_variants++] = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: xdp_cost needs root\n");
		free(c);
		return BENCH_SKIP;
	}
	enf_log_init(ENF_LOG_WARN, "xdp_cost");

	c->hit_src = bench_deny_src4(c->o.entries / 2);
	bench_udp4_frame(c->frame[FR_HIT], FRAME_LEN, c->hit_src,
			 htonl(0xc0000201u), 40000, 53);
	/* 203.0.113.7: in no deny map, no prefix, no flow. */
	bench_udp4_frame(c->frame[FR_MISS], FRAME_LEN, htonl(0xcb007107u),
			 htonl(0xc0000201u), 40000, 53);
	bench_udp4_frame(c->frame[FR_MALFORMED], FRAME_LEN, htonl(0xcb007107u),
			 htonl(0xc0000201u), 40000, 53);
	c->frame[FR_MALFORMED][14] = 0x46; /* a 24-byte header, cut at 20 */
	/* From the first flow's source (marked), not to that flow. */
	bench_udp4_frame(c->frame[FR_MARKED], FRAME_LEN, flow_src(0),
			 htonl(0xc0000201u), 40000, 53);
	c->frame_len[FR_HIT] = FRAME_LEN;
	c->frame_len[FR_MISS] = FRAME_LEN;
	c->frame_len[FR_MALFORMED] = MALFORMED_LEN;
	c->frame_len[FR_MARKED] = FRAME_LEN;

	err = load_all(c);
	if (err)
		goto out_unload;
	err = check_paths(c);
	if (err)
		goto out_unload;
	err = measure(c);
	if (err)
		goto out_unload;
	report(c);

out_unload:
	unload_all(c);
	free(c);
	if (err == -ENOENT)
		return BENCH_SKIP;
	return err ? 1 : 0;
}
