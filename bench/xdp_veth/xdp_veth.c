// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench xdp_veth: packets per second dropped by enforcer's xdp_host in
 * native mode on a veth pair between two network namespaces, against a
 * drop-everything program on the same pair, in one run, interleaved.
 *
 * Setup: the process makes two network namespaces of its own (unshare; they
 * die with it), tx with vtx 198.51.100.1/24 and rx with vrx 198.51.100.2/24,
 * the two ends of one veth pair. In rx, the data plane loader
 * (enforcer/loader/dataplane.h, no pins) holds --entries denied sources
 * (10.0.0.0/8, plus 198.51.100.1), 300 /24 prefixes in 172.16.0.0/12 and
 * 300 5-tuples, the
 * 5-tuple 198.51.100.3:40000 -> 198.51.100.2:9/udp among them.
 *
 * Traffic: bench_xdp_tx.bpf.c, run in tx by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES, redirects a 64-byte UDP frame out of vtx
 * --packets times; veth hands each frame to vrx's XDP program in NAPI on
 * the sending CPU. (xdp-trafficgen does the same, but Debian's 1.3.1 does
 * not load on this kernel: it wants the xdp_redirect_map_err tracepoint,
 * which the kernel no longer has.) So one CPU does all the work: the
 * sender, veth and the program under test, and the rate is of the whole.
 *
 * Contenders, each attached to vrx in native mode for its runs only:
 * - xdp_drop_all (bench_xdp_drop.bpf.c): counts and drops everything;
 * - xdp_host (the loader's attach, native) on frames from 198.51.100.1:
 *   dropped by deny_src4, the first check;
 * - the peer, xdpfilt_alw_ip: xdp-tools' xdp-filter (Debian's object) for
 *   its default policy, which drops the sources its filter_ipv4 holds, on
 *   the same frames; attached alone, as xdp_host is (not behind libxdp's
 *   dispatcher); its filter_ipv4 sized as deny_src4 and holding as many
 *   entries: the same denied sources flagged "src", and the flows' sources,
 *   which are marks in deny_src4, present with no flag (they match nothing);
 * - informational: xdp_host on frames of the denied 5-tuple: dropped by
 *   deny_flow, after the source (a marker: the source has denied flows),
 *   CIDR and 5-tuple lookups;
 * - informational, with --lookup-floor: xdp_lookup_src
 *   (bench_xdp_lookup.bpf.c), the least a source check does: one lookup
 *   in enforcer's own deny_src4, count, drop; on the frames xdp_host/src
 *   gets. What it adds to drop-everything is the price of the lookup.
 * Drops are counted by the programs themselves (host_stats drop_src4 and
 * drop_flow; xdp-filter's xdp_stats_map under XDP_DROP; the baseline's
 * drop_count). Rounds go round the contenders in a rotating order. The
 * count per run is set from a calibration run of the baseline so that a
 * run lasts about --seconds-ms.
 *
 * Needs root; exits 77 (skipped) without it or without xdp-tools.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench.h"
#include "bench_xdp.h"
#include "bench_xdp_drop.skel.h"
#include "bench_xdp_lookup.skel.h"
#include "bench_xdp_tx.skel.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/dataplane.h"

#define TX_IF "vtx"
#define RX_IF "vrx"
#define TX_ADDR "198.51.100.1"
#define RX_ADDR "198.51.100.2"
#define FLOW_SRC "198.51.100.3"
#define FLOW_SPORT 40000
#define FLOW_DPORT 9
#define FRAME_LEN 64
#define CALIBRATE_PACKETS 200000
#define N_FLOWS 301 /* the last one is FLOW_SRC's */
#define XDPFILT_OBJ "xdpfilt_alw_ip.o"

enum contender {
	CT_DROP = 0,
	CT_HOST_SRC,
	CT_XDPFILT,
	CT_HOST_FLOW,
	CT_LOOKUP, /* --lookup-floor only; the last */
	CT_COUNT,
};

static const char *const ct_name[CT_COUNT] = {
	[CT_DROP] = "xdp_drop_all",	 [CT_HOST_SRC] = "xdp_host/src",
	[CT_XDPFILT] = "xdpfilt_alw_ip", [CT_HOST_FLOW] = "xdp_host/flow",
	[CT_LOOKUP] = "xdp_lookup_src",
};

enum frame_id {
	FR_SRC = 0, /* from the denied source */
	FR_FLOW, /* the denied 5-tuple */
	FR_COUNT,
};

static const int ct_frame[CT_COUNT] = {
	[CT_DROP] = FR_SRC,	  [CT_HOST_SRC] = FR_SRC, [CT_XDPFILT] = FR_SRC,
	[CT_HOST_FLOW] = FR_FLOW, [CT_LOOKUP] = FR_SRC,
};

struct opts {
	unsigned long samples;
	unsigned long seconds_ms;
	unsigned long max_packets;
	unsigned long entries;
	const char *xdpfilt_dir;
	bool lookup_floor;
};

struct ctx {
	struct opts o;
	int tx_ns, rx_ns;
	int tx_ifindex, rx_ifindex;
	struct enf_dp *dp;
	struct bench_xdp_drop *drop;
	struct bench_xdp_tx *tx;
	struct bench_xdpfilt filt;
	struct bench_xdp_lookup *lookup;
	int src4_fd; /* enforcer's deny_src4 */
	int n_ct; /* contenders this run */
	bool no_peer; /* xdp-tools is not installed: skip */
	__u32 src4_entries[2]; /* deny_src4's, filter_ipv4's */
	__u8 frame[FR_COUNT][FRAME_LEN];
	unsigned long packets;
	double pps[CT_COUNT][BENCH_MAX_SAMPLES]; /* per CPU second */
	double wall_pps[CT_COUNT][BENCH_MAX_SAMPLES];
	unsigned long long sent[CT_COUNT], counted[CT_COUNT];
};

/* ---- namespaces and the veth pair ---------------------------------------- */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0) {
		fprintf(stderr, "Error: command failed (%d): %s\n", rc, cmd);
		return -EIO;
	}
	return 0;
}

static int enter(int ns_fd)
{
	if (setns(ns_fd, CLONE_NEWNET)) {
		int err = -errno;

		fprintf(stderr, "Error: setns: %s\n", strerror(-err));
		return err;
	}
	return 0;
}

/* A new network namespace for this process; its fd in *@fd. */
static int new_netns(int *fd)
{
	int err;

	if (unshare(CLONE_NEWNET)) {
		err = -errno;
		fprintf(stderr, "Error: unshare(CLONE_NEWNET): %s\n",
			strerror(-err));
		return err;
	}
	*fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		err = -errno;
		fprintf(stderr, "Error: opening /proc/self/ns/net: %s\n",
			strerror(-err));
		return err;
	}
	return 0;
}

/* Leaves the process in rx. */
static int veth_setup(struct ctx *c)
{
	int err;

	/* No IPv6 in either namespace: nothing but the benchmark's frames
	 * (no router solicitations) reaches the programs. */
	err = new_netns(&c->tx_ns);
	err = err ?: run("sysctl -qw net.ipv6.conf.default.disable_ipv6=1");
	err = err ?: new_netns(&c->rx_ns);
	err = err ?: run("sysctl -qw net.ipv6.conf.default.disable_ipv6=1");
	if (err)
		return err;
	err = run("ip link add " RX_IF " type veth peer name " TX_IF
		  " netns /proc/%d/fd/%d",
		  (int)getpid(), c->tx_ns);
	err = err ?: run("ip link set lo up");
	err = err ?: run("ip addr add " RX_ADDR "/24 dev " RX_IF);
	err = err ?: run("ip link set " RX_IF " up");
	err = err ?: enter(c->tx_ns);
	if (err)
		return err;
	err = run("ip link set lo up");
	err = err ?: run("ip addr add " TX_ADDR "/24 dev " TX_IF);
	err = err ?: run("ip link set " TX_IF " up");
	c->tx_ifindex = if_nametoindex(TX_IF);
	err = enter(c->rx_ns) ?: err;
	if (err)
		return err;
	c->rx_ifindex = if_nametoindex(RX_IF);
	if (!c->tx_ifindex || !c->rx_ifindex) {
		fprintf(stderr, "Error: the veth pair is not there\n");
		return -ENODEV;
	}
	return 0;
}

/* ---- frames and entries --------------------------------------------------- */

static __u32 addr4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

/* The i-th denied flow's source: 198.18.0.0/15, the last one FLOW_SRC. */
static __u32 flow_src(unsigned long i)
{
	return i + 1 < N_FLOWS ? htonl(0xc6120000u | (__u32)i) :
				 addr4(FLOW_SRC);
}

/* ---- programs ------------------------------------------------------------- */

static int add_deny(struct ctx *c, const struct enf_deny *d)
{
	int err = enf_dp_deny_add(c->dp, d, 1, NULL);

	if (err)
		fprintf(stderr, "Error: adding a deny entry: %s\n",
			strerror(-err));
	return err;
}

/* The same entries as bench/xdp_cost, through the loader. */
static int fill_denies(struct ctx *c)
{
	struct enf_deny d;
	int err;

	for (unsigned long i = 0; i < c->o.entries; i++) {
		__u32 a = bench_deny_src4(i);

		d = (struct enf_deny){ .kind = ENF_DENY_SRC,
				       .family = AF_INET };
		memcpy(d.addr, &a, 4);
		err = add_deny(c, &d);
		if (err)
			return err;
	}
	for (unsigned long i = 0; i < 300; i++) {
		__u32 a;

		d = (struct enf_deny){ .kind = ENF_DENY_CIDR,
				       .family = AF_INET,
				       .prefixlen = 24 };
		a = htonl(0xac100000u | (__u32)i << 8);
		memcpy(d.addr, &a, 4);
		err = add_deny(c, &d);
		if (err)
			return err;
	}
	for (unsigned long i = 0; i < N_FLOWS; i++) {
		bool last = i + 1 == N_FLOWS;
		__u32 s = flow_src(i), dst = addr4(RX_ADDR);

		d = (struct enf_deny){ .kind = ENF_DENY_FLOW };
		d.flow.family = ENF_FAMILY_V4;
		d.flow.proto = IPPROTO_UDP;
		memcpy(d.flow.saddr, &s, 4);
		memcpy(d.flow.daddr, &dst, 4);
		d.flow.sport = htons(last ? FLOW_SPORT : 1024 + i);
		d.flow.dport = htons(FLOW_DPORT);
		err = add_deny(c, &d);
		if (err)
			return err;
	}
	d = (struct enf_deny){ .kind = ENF_DENY_SRC, .family = AF_INET };
	inet_pton(AF_INET, TX_ADDR, d.addr);
	return add_deny(c, &d);
}

/*
 * xdp-filter's filter_ipv4 holding what deny_src4 holds: the denied
 * sources flagged "src" on every CPU, as `xdp-filter ip ADDR -m src`
 * writes them, and each flow's source, a mark in deny_src4 ("not denied,
 * has flows"), with no flag: a lookup finds it and it matches nothing.
 */
static int fill_xdpfilt(struct ctx *c)
{
	int fd = c->filt.ipv4_fd;
	int err;

	err = bench_xdpfilt_fill_src4(fd, c->o.entries, BENCH_XDPFILT_FLAG_SRC);
	if (err)
		return err;
	err = bench_xdpfilt_set4(fd, addr4(TX_ADDR), BENCH_XDPFILT_FLAG_SRC);
	for (unsigned long i = 0; !err && i < N_FLOWS; i++)
		err = bench_xdpfilt_set4(fd, flow_src(i), 0);
	if (err)
		fprintf(stderr, "Error: writing xdp-filter's entries: %s\n",
			strerror(-err));
	return err;
}

static int load_all(struct ctx *c)
{
	/* The sources, 198.51.100.1, and a mark for each flow's source. */
	struct enf_dp_opts o = { .pin_dir = NULL,
				 .host_entries = c->o.entries + 1 + N_FLOWS };
	int err;

	c->drop = bench_xdp_drop__open_and_load();
	if (!c->drop) {
		err = -errno;
		fprintf(stderr, "Error: loading xdp_drop_all: %s\n",
			strerror(-err));
		return err;
	}
	c->tx = bench_xdp_tx__open();
	if (!c->tx) {
		err = -errno;
		fprintf(stderr, "Error: opening the sender: %s\n",
			strerror(-err));
		return err;
	}
	c->tx->rodata->tx_ifindex = c->tx_ifindex;
	err = bench_xdp_tx__load(c->tx);
	if (err) {
		fprintf(stderr, "Error: loading the sender: %s\n",
			strerror(-err));
		return err;
	}
	err = enf_dp_open(&o, &c->dp);
	if (err) {
		fprintf(stderr, "Error: opening the data plane: %s\n",
			strerror(-err));
		return err;
	}
	err = fill_denies(c);
	if (err)
		return err;
	err = bench_xdpfilt_load(&c->filt, c->o.xdpfilt_dir, XDPFILT_OBJ,
				 o.host_entries, -1);
	c->no_peer = err == -ENOENT;
	return err ?: fill_xdpfilt(c);
}

static int attach(struct ctx *c, int ct)
{
	enum enf_xdp_mode got;
	int err;

	if (ct != CT_HOST_SRC && ct != CT_HOST_FLOW) {
		int fd = c->filt.prog_fd;

		if (ct == CT_DROP)
			fd = bpf_program__fd(c->drop->progs.bench_xdp_drop);
		else if (ct == CT_LOOKUP)
			fd = bpf_program__fd(c->lookup->progs.bench_xdp_lookup);

		err = bpf_xdp_attach(c->rx_ifindex, fd, XDP_FLAGS_DRV_MODE,
				     NULL);
		if (err)
			fprintf(stderr, "Error: attaching %s natively: %s\n",
				ct_name[ct], strerror(-err));
		return err;
	}
	err = enf_dp_attach(c->dp, RX_IF, ENF_XDP_MODE_NATIVE, &got);
	if (!err && got != ENF_XDP_MODE_NATIVE)
		err = -EOPNOTSUPP;
	if (err)
		fprintf(stderr, "Error: attaching xdp_host natively: %s\n",
			strerror(-err));
	return err;
}

static int detach(struct ctx *c, int ct)
{
	int err;

	if (ct != CT_HOST_SRC && ct != CT_HOST_FLOW)
		err = bpf_xdp_detach(c->rx_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	else
		err = enf_dp_detach(c->dp, RX_IF);
	if (err)
		fprintf(stderr, "Error: detaching %s: %s\n", ct_name[ct],
			strerror(-err));
	return err;
}

/* The drops contender @ct has counted so far on its current attach. */
static int drops(struct ctx *c, int ct, unsigned long long *out)
{
	struct enf_dp_if_info info;
	int err;

	if (ct == CT_DROP || ct == CT_LOOKUP) {
		int ncpu = libbpf_num_possible_cpus();
		__u64 v[256];
		__u32 key = 0;

		if (ncpu <= 0 || ncpu > 256)
			return -EINVAL;
		err = bpf_map_lookup_elem(
			bpf_map__fd(ct == CT_DROP ? c->drop->maps.drop_count :
						    c->lookup->maps.drop_count),
			&key, v);
		if (err)
			return err;
		*out = 0;
		for (int i = 0; i < ncpu; i++)
			*out += v[i];
		return 0;
	}
	if (ct == CT_XDPFILT)
		return bench_xdpfilt_count(&c->filt, XDP_DROP, out);
	for (size_t i = 0; i < enf_dp_if_count(c->dp); i++) {
		err = enf_dp_if_info(c->dp, i, &info);
		if (err)
			return err;
		if (strcmp(info.name, RX_IF))
			continue;
		*out = info.host_stats[ct == CT_HOST_SRC ? ENF_XDP_DROP_SRC4 :
							   ENF_XDP_DROP_FLOW];
		return 0;
	}
	return -ENOENT;
}

/* Entries in the map @fd, by walking its keys. */
static int map_entries(int fd, __u32 *out)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char key[2][64];
	void *prev = NULL;
	int err, cur = 0;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	if (info.key_size > sizeof(key[0]))
		return -E2BIG;
	*out = 0;
	while (!(err = bpf_map_get_next_key(fd, prev, key[cur]))) {
		/* A hash never holds more than max_entries; a walk that
		 * restarts (a key deleted meanwhile) must end too. */
		if (++*out > info.max_entries)
			return -EAGAIN;
		prev = key[cur];
		cur ^= 1;
	}
	return err == -ENOENT ? 0 : err;
}

/*
 * The entries in enforcer's deny_src4 (found through the program attached
 * to vrx: the loader does not hand its maps out; its fd kept in src4_fd)
 * and in xdp-filter's filter_ipv4, which must be as many: the two
 * contenders look up in hash tables of the same fill.
 */
static int count_src4(struct ctx *c)
{
	struct bpf_prog_info pinfo = {};
	__u32 len = sizeof(pinfo), ids[16], prog_id = 0;
	int err, fd = -1;

	err = attach(c, CT_HOST_SRC);
	if (err)
		return err;
	err = bpf_xdp_query_id(c->rx_ifindex, XDP_FLAGS_DRV_MODE, &prog_id);
	if (!err) {
		fd = bpf_prog_get_fd_by_id(prog_id);
		err = fd < 0 ? -errno : 0;
	}
	pinfo.nr_map_ids = 16;
	pinfo.map_ids = (__u64)(unsigned long)ids;
	err = err ?: bpf_obj_get_info_by_fd(fd, &pinfo, &len);
	if (fd >= 0)
		close(fd);
	err = detach(c, CT_HOST_SRC) ?: err;
	if (err)
		goto out_err;
	err = -ESRCH; /* no deny_src4 */
	for (__u32 i = 0; i < pinfo.nr_map_ids && i < 16; i++) {
		struct bpf_map_info minfo = {};
		__u32 mlen = sizeof(minfo);
		int mfd = bpf_map_get_fd_by_id(ids[i]);

		if (mfd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(mfd, &minfo, &mlen) &&
		    !strcmp(minfo.name, "deny_src4")) {
			c->src4_fd = mfd;
			err = map_entries(mfd, &c->src4_entries[0]);
			break;
		}
		close(mfd);
	}
	err = err ?: map_entries(c->filt.ipv4_fd, &c->src4_entries[1]);
	if (err)
		goto out_err;
	if (c->src4_entries[0] != c->src4_entries[1]) {
		fprintf(stderr,
			"Error: deny_src4 holds %u entries, filter_ipv4 %u\n",
			c->src4_entries[0], c->src4_entries[1]);
		return -EPROTO;
	}
	return 0;

out_err:
	fprintf(stderr, "Error: counting the source maps' entries: %s\n",
		strerror(-err));
	return err;
}

/* --lookup-floor: bench_xdp_lookup, on enforcer's own deny_src4. */
static int load_lookup(struct ctx *c)
{
	int err;

	c->lookup = bench_xdp_lookup__open();
	if (!c->lookup) {
		err = -errno;
		goto out_err;
	}
	err = bpf_map__reuse_fd(c->lookup->maps.src4, c->src4_fd);
	err = err ?: bench_xdp_lookup__load(c->lookup);
	if (err)
		goto out_err;
	return 0;

out_err:
	fprintf(stderr, "Error: loading xdp_lookup_src: %s\n", strerror(-err));
	return err;
}

/*
 * Sends @n copies of frame @f from tx. @secs: [0] wall-clock time, [1] the
 * thread's CPU time, which holds veth's and the XDP program's work too:
 * NAPI runs in this thread's softirq on the same CPU.
 */
static int send_frames(struct ctx *c, int f, unsigned long n, double secs[2])
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = c->frame[f],
		    .data_size_in = FRAME_LEN, .repeat = n,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);
	double t0, t1, c0, c1;
	int err;

	err = enter(c->tx_ns);
	if (err)
		return err;
	t0 = bench_now_ns(CLOCK_MONOTONIC);
	c0 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	err = bpf_prog_test_run_opts(bpf_program__fd(c->tx->progs.bench_xdp_tx),
				     &t);
	c1 = bench_now_ns(CLOCK_THREAD_CPUTIME_ID);
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	if (err)
		fprintf(stderr, "Error: sending (live frames): %s\n",
			strerror(-err));
	err = enter(c->rx_ns) ?: err;
	secs[0] = (t1 - t0) / 1e9;
	secs[1] = (c1 - c0) / 1e9;
	return err;
}

/*
 * One run: attach, send, count, detach. The rates in @pps: [0] per second
 * of the sending thread's CPU time, [1] per second of wall-clock time.
 */
static int one_run(struct ctx *c, int ct, unsigned long n, double pps[2])
{
	unsigned long long d0 = 0, d1 = 0;
	double secs[2] = { 0, 0 };
	int err;

	err = attach(c, ct);
	if (err)
		return err;
	err = drops(c, ct, &d0);
	err = err ?: send_frames(c, ct_frame[ct], n, secs);
	err = err ?: drops(c, ct, &d1);
	err = detach(c, ct) ?: err;
	if (err)
		return err;
	c->sent[ct] += n;
	c->counted[ct] += d1 - d0;
	pps[0] = (double)(d1 - d0) / secs[1];
	pps[1] = (double)(d1 - d0) / secs[0];
	return 0;
}

/*
 * The peer's verdict on the frame it is timed on, through a plain test run
 * (not live): XDP_DROP, counted under XDP_DROP. Which of xdp-filter's two
 * policies drops a listed source is easy to get backwards.
 */
static int check_peer(struct ctx *c)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = c->frame[FR_SRC],
		    .data_size_in = FRAME_LEN, .repeat = 1);
	__u64 d0 = 0, d1 = 0;
	int err;

	err = bench_xdpfilt_count(&c->filt, XDP_DROP, &d0);
	err = err ?: bpf_prog_test_run_opts(c->filt.prog_fd, &t);
	err = err ?: bench_xdpfilt_count(&c->filt, XDP_DROP, &d1);
	if (err) {
		fprintf(stderr, "Error: test run of %s: %s\n", XDPFILT_OBJ,
			strerror(-err));
		return err;
	}
	if (t.retval != XDP_DROP || d1 - d0 != 1) {
		fprintf(stderr,
			"Error: %s gave verdict %u (counted %llu drops) on the frame from %s, not a drop\n",
			XDPFILT_OBJ, t.retval, (unsigned long long)(d1 - d0),
			TX_ADDR);
		return -EPROTO;
	}
	return 0;
}

static int measure(struct ctx *c)
{
	double pps[2];
	int err;

	/* One round untimed (first attach, page pools), then the baseline
	 * once more to size the runs, then the rounds. */
	for (int ct = 0; ct < c->n_ct; ct++) {
		err = one_run(c, ct, CALIBRATE_PACKETS, pps);
		if (err)
			return err;
	}
	err = one_run(c, CT_DROP, CALIBRATE_PACKETS, pps);
	if (err)
		return err;
	c->packets = pps[1] * c->o.seconds_ms / 1000;
	if (c->packets > c->o.max_packets)
		c->packets = c->o.max_packets;
	if (c->packets < CALIBRATE_PACKETS)
		c->packets = CALIBRATE_PACKETS;
	memset(c->sent, 0, sizeof(c->sent));
	memset(c->counted, 0, sizeof(c->counted));
	for (unsigned long s = 0; s < c->o.samples; s++) {
		for (int j = 0; j < c->n_ct; j++) {
			int ct = (j + s) % c->n_ct;

			double r[2];

			err = one_run(c, ct, c->packets, r);
			if (err)
				return err;
			c->pps[ct][s] = r[0];
			c->wall_pps[ct][s] = r[1];
		}
	}
	return 0;
}

/* ---- report ------------------------------------------------------------- */

/* Statistics of the per-sample ratios @a / @b. */
static void ratio_stat(const double *a, const double *b, size_t n,
		       struct bench_stat *out)
{
	double ratio[BENCH_MAX_SAMPLES];

	bench_ratios(a, b, n, ratio);
	bench_stat_of(ratio, n, out);
}

/*
 * What each contender adds per packet to @base's time: the median over
 * rounds of the difference of the two runs' ns per packet (per CPU second).
 */
static void print_over(struct ctx *c, int base, const char *what)
{
	double d[BENCH_MAX_SAMPLES];
	struct bench_stat st;
	size_t n = c->o.samples;

	printf("over %s, ns per packet (median of the rounds' differences, min..max):\n",
	       what);
	for (int ct = 0; ct < c->n_ct; ct++) {
		if (ct == CT_DROP || ct == base)
			continue;
		for (size_t i = 0; i < n; i++)
			d[i] = 1e9 / c->pps[ct][i] - 1e9 / c->pps[base][i];
		bench_stat_of(d, n, &st);
		printf("  %-14s %6.1f (%.1f..%.1f)\n", ct_name[ct], st.med,
		       st.min, st.max);
	}
}

static void report(struct ctx *c)
{
	size_t n = c->o.samples;
	struct bench_stat st[CT_COUNT], wst, r[CT_COUNT], wr, peer, wpeer;

	printf("xdp_veth: veth %s -> %s across two network namespaces, native XDP on %s;\n"
	       "  %lu denied sources, 300 prefixes, %d flows (the loader, no pins);\n"
	       "  deny_src4 and %s's filter_ipv4 hold %u entries each (the denied sources,\n"
	       "  and the flows' sources: marks in deny_src4, no flag in filter_ipv4);\n"
	       "  %lu rounds of %lu packets per contender, interleaved; drops counted by the programs;\n"
	       "  pps per second of the sending thread's CPU time (sender, veth and XDP program all\n"
	       "  run on it), and per wall-clock second\n",
	       TX_IF, RX_IF, RX_IF, c->o.entries + 1, N_FLOWS, XDPFILT_OBJ,
	       c->src4_entries[0], n, c->packets);
	printf("%-14s %10s %20s %7s %20s %10s %7s %s\n", "program", "pps/cpu",
	       "min..max", "ns/pkt", "ratio (min..max)", "pps/wall", "ratio",
	       "counted/sent");
	for (int ct = 0; ct < c->n_ct; ct++) {
		bench_stat_of(c->pps[ct], n, &st[ct]);
		ratio_stat(c->pps[ct], c->pps[CT_DROP], n, &r[ct]);
		bench_stat_of(c->wall_pps[ct], n, &wst);
		ratio_stat(c->wall_pps[ct], c->wall_pps[CT_DROP], n, &wr);
		printf("%-14s %10.0f %9.0f..%-9.0f %7.1f %6.3f %5.3f..%-5.3f %10.0f %7.3f %llu/%llu\n",
		       ct_name[ct], st[ct].med, st[ct].min, st[ct].max,
		       1e9 / st[ct].med, r[ct].med, r[ct].min, r[ct].max,
		       wst.med, wr.med, c->counted[ct], c->sent[ct]);
	}
	print_over(c, CT_DROP, "drop-everything");
	if (c->n_ct > CT_LOOKUP) {
		print_over(c, CT_LOOKUP, "xdp_lookup_src");
		ratio_stat(c->pps[CT_HOST_SRC], c->pps[CT_LOOKUP], n, &peer);
		printf("ratio xdp_host/src / xdp_lookup_src (per sample): %.3f (%.3f..%.3f)\n",
		       peer.med, peer.min, peer.max);
	}
	printf("ratio to drop-everything: xdp_host/src %.3f (%.3f..%.3f), xdpfilt_alw_ip %.3f (%.3f..%.3f)\n",
	       r[CT_HOST_SRC].med, r[CT_HOST_SRC].min, r[CT_HOST_SRC].max,
	       r[CT_XDPFILT].med, r[CT_XDPFILT].min, r[CT_XDPFILT].max);
	ratio_stat(c->pps[CT_HOST_SRC], c->pps[CT_XDPFILT], n, &peer);
	ratio_stat(c->wall_pps[CT_HOST_SRC], c->wall_pps[CT_XDPFILT], n,
		   &wpeer);
	printf("ratio xdp_host/src / xdpfilt_alw_ip (per sample): %.3f (%.3f..%.3f), wall %.3f (%.3f..%.3f)\n",
	       peer.med, peer.min, peer.max, wpeer.med, wpeer.min, wpeer.max);
	bench_summary("xdp_veth", "pps", st[CT_HOST_SRC].med, "xdp_drop_all",
		      &r[CT_HOST_SRC]);
	bench_summary("xdp_veth_peer", "pps", st[CT_HOST_SRC].med,
		      "xdpfilt_alw_ip", &peer);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp_veth [--samples N] [--seconds-ms MS] [--packets N]\n"
		"                [--entries N] [--xdpfilt-dir DIR] [--lookup-floor]\n"
		"  --samples N      rounds, each runs every contender (21)\n"
		"  --seconds-ms MS  about how long one run lasts (300)\n"
		"  --packets N      at most this many packets per run (50000000)\n"
		"  --entries N      denied sources in the host map (1000000)\n"
		"  --xdpfilt-dir D  where xdpfilt_*.o are (" BENCH_XDPFILT_DIR
		")\n"
		"  --lookup-floor   also time xdp_lookup_src: one deny_src4 lookup,\n"
		"                   count, drop (informational)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "seconds-ms", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'p' },
		{ "entries", required_argument, NULL, 'e' },
		{ "xdpfilt-dir", required_argument, NULL, 'd' },
		{ "lookup-floor", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){ .samples = 21,
			    .seconds_ms = 300,
			    .max_packets = 50000000,
			    .entries = 1000000,
			    .xdpfilt_dir = BENCH_XDPFILT_DIR };
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			err = bench_parse_ulong("--samples", optarg, 1,
						BENCH_MAX_SAMPLES, &o->samples);
			break;
		case 't':
			err = bench_parse_ulong("--seconds-ms", optarg, 10,
						60000, &o->seconds_ms);
			break;
		case 'p':
			err = bench_parse_ulong("--packets", optarg,
						CALIBRATE_PACKETS, 1000000000,
						&o->max_packets);
			break;
		case 'e':
			err = bench_parse_ulong("--entries", optarg, 1,
						16000000, &o->entries);
			break;
		case 'd':
			o->xdpfilt_dir = optarg;
			break;
		case 'l':
			o->lookup_floor = true;
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
	bool skip;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	c->tx_ns = c->rx_ns = c->src4_fd = -1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: xdp_veth needs root\n");
		free(c);
		return BENCH_SKIP;
	}
	enf_log_init(ENF_LOG_WARN, "xdp_veth");
	bench_udp4_frame(c->frame[FR_SRC], FRAME_LEN, addr4(TX_ADDR),
			 addr4(RX_ADDR), 40000, FLOW_DPORT);
	bench_udp4_frame(c->frame[FR_FLOW], FRAME_LEN, addr4(FLOW_SRC),
			 addr4(RX_ADDR), FLOW_SPORT, FLOW_DPORT);

	err = veth_setup(c);
	err = err ?: load_all(c);
	err = err ?: count_src4(c);
	err = err ?: check_peer(c);
	c->n_ct = c->o.lookup_floor ? CT_COUNT : CT_LOOKUP;
	if (!err && c->o.lookup_floor)
		err = load_lookup(c);
	err = err ?: measure(c);
	if (!err)
		report(c);

	/* The namespaces, the veth pair and anything attached to it go
	 * with the last fd and the process. */
	enf_dp_close(c->dp);
	bench_xdp_tx__destroy(c->tx);
	bench_xdp_drop__destroy(c->drop);
	bench_xdpfilt_close(&c->filt);
	bench_xdp_lookup__destroy(c->lookup);
	if (c->src4_fd >= 0)
		close(c->src4_fd);
	if (c->tx_ns >= 0)
		close(c->tx_ns);
	if (c->rx_ns >= 0)
		close(c->rx_ns);
	skip = c->no_peer;
	free(c);
	if (skip)
		return BENCH_SKIP;
	return err ? 1 : 0;
}
