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
 * - informational: xdp_host on frames of the denied 5-tuple: dropped by
 *   deny_flow, after the source (a marker: the source has denied flows),
 *   CIDR and 5-tuple lookups.
 * Drops are counted by the programs themselves (host_stats drop_src4 and
 * drop_flow; the baseline's drop_count), over wall-clock time. Rounds go
 * round the contenders in a rotating order. The count per run is set from
 * a calibration run of the baseline so that a run lasts about --seconds.
 *
 * Needs root; exits 77 (skipped) without it.
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
#include "bench_xdp_drop.skel.h"
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

enum contender {
	CT_DROP = 0,
	CT_HOST_SRC,
	CT_HOST_FLOW,
	CT_COUNT,
};

static const char *const ct_name[CT_COUNT] = {
	[CT_DROP] = "xdp_drop_all",
	[CT_HOST_SRC] = "xdp_host/src",
	[CT_HOST_FLOW] = "xdp_host/flow",
};

enum frame_id {
	FR_SRC = 0, /* from the denied source */
	FR_FLOW, /* the denied 5-tuple */
	FR_COUNT,
};

static const int ct_frame[CT_COUNT] = {
	[CT_DROP] = FR_SRC,
	[CT_HOST_SRC] = FR_SRC,
	[CT_HOST_FLOW] = FR_FLOW,
};

struct opts {
	unsigned long samples;
	unsigned long seconds_ms;
	unsigned long max_packets;
	unsigned long entries;
};

struct ctx {
	struct opts o;
	int tx_ns, rx_ns;
	int tx_ifindex, rx_ifindex;
	struct enf_dp *dp;
	struct bench_xdp_drop *drop;
	struct bench_xdp_tx *tx;
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

static void build_udp4(__u8 *f, const char *src, const char *dst, __u16 sport,
		       __u16 dport)
{
	static const __u8 dmac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const __u8 smac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	__u8 *ip = f + 14, *udp = ip + 20;

	memset(f, 0, FRAME_LEN);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, FRAME_LEN - 14);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	inet_pton(AF_INET, src, ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	put16(ip + 10, ip_csum(ip, 20));
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, FRAME_LEN - 14 - 20);
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
		__u32 a = htonl(0x0a000000u |
				((__u32)(i * 2654435761u) & 0xffffffu));

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
	for (unsigned long i = 0; i <= 300; i++) {
		const char *src = i < 300 ? NULL : FLOW_SRC;
		__u32 s = htonl(0xc6120000u | (__u32)i);

		d = (struct enf_deny){ .kind = ENF_DENY_FLOW };
		d.flow.family = ENF_FAMILY_V4;
		d.flow.proto = IPPROTO_UDP;
		if (src)
			inet_pton(AF_INET, src, d.flow.saddr);
		else
			memcpy(d.flow.saddr, &s, 4);
		inet_pton(AF_INET, RX_ADDR, d.flow.daddr);
		d.flow.sport = htons(src ? FLOW_SPORT : 1024 + i);
		d.flow.dport = htons(FLOW_DPORT);
		err = add_deny(c, &d);
		if (err)
			return err;
	}
	d = (struct enf_deny){ .kind = ENF_DENY_SRC, .family = AF_INET };
	inet_pton(AF_INET, TX_ADDR, d.addr);
	return add_deny(c, &d);
}

static int load_all(struct ctx *c)
{
	/* The sources, 198.51.100.1, and a mark for each flow's source. */
	struct enf_dp_opts o = { .pin_dir = NULL,
				 .host_entries = c->o.entries + 1 + 301 };
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
	return fill_denies(c);
}

static int attach(struct ctx *c, int ct)
{
	enum enf_xdp_mode got;
	int err;

	if (ct == CT_DROP) {
		err = bpf_xdp_attach(
			c->rx_ifindex,
			bpf_program__fd(c->drop->progs.bench_xdp_drop),
			XDP_FLAGS_DRV_MODE, NULL);
		if (err)
			fprintf(stderr, "Error: attaching xdp_drop_all: %s\n",
				strerror(-err));
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

	if (ct == CT_DROP)
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

	if (ct == CT_DROP) {
		int ncpu = libbpf_num_possible_cpus();
		__u64 v[256];
		__u32 key = 0;

		if (ncpu <= 0 || ncpu > 256)
			return -EINVAL;
		err = bpf_map_lookup_elem(bpf_map__fd(c->drop->maps.drop_count),
					  &key, v);
		if (err)
			return err;
		*out = 0;
		for (int i = 0; i < ncpu; i++)
			*out += v[i];
		return 0;
	}
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

static int measure(struct ctx *c)
{
	double pps[2];
	int err;

	/* One round untimed (first attach, page pools), then the baseline
	 * once more to size the runs, then the rounds. */
	for (int ct = 0; ct < CT_COUNT; ct++) {
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
		for (int j = 0; j < CT_COUNT; j++) {
			int ct = (j + s) % CT_COUNT;

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

static void report(struct ctx *c)
{
	size_t n = c->o.samples;
	struct bench_stat st[CT_COUNT], wst, r, wr, summary = { 0 };
	double ratio[BENCH_MAX_SAMPLES];

	printf("xdp_veth: veth %s -> %s across two network namespaces, native XDP on %s;\n"
	       "  %lu denied sources, 300 prefixes, 301 flows (the loader, no pins);\n"
	       "  %lu rounds of %lu packets per contender, interleaved; drops counted by the programs;\n"
	       "  pps per second of the sending thread's CPU time (sender, veth and XDP program all\n"
	       "  run on it), and per wall-clock second\n",
	       TX_IF, RX_IF, RX_IF, c->o.entries + 1, n, c->packets);
	printf("%-14s %10s %20s %7s %20s %10s %7s %s\n", "program", "pps/cpu",
	       "min..max", "ns/pkt", "ratio (min..max)", "pps/wall", "ratio",
	       "counted/sent");
	for (int ct = 0; ct < CT_COUNT; ct++) {
		bench_stat_of(c->pps[ct], n, &st[ct]);
		bench_ratios(c->pps[ct], c->pps[CT_DROP], n, ratio);
		bench_stat_of(ratio, n, &r);
		bench_stat_of(c->wall_pps[ct], n, &wst);
		bench_ratios(c->wall_pps[ct], c->wall_pps[CT_DROP], n, ratio);
		bench_stat_of(ratio, n, &wr);
		printf("%-14s %10.0f %9.0f..%-9.0f %7.1f %6.3f %5.3f..%-5.3f %10.0f %7.3f %llu/%llu\n",
		       ct_name[ct], st[ct].med, st[ct].min, st[ct].max,
		       1e9 / st[ct].med, r.med, r.min, r.max, wst.med, wr.med,
		       c->counted[ct], c->sent[ct]);
		if (ct == CT_HOST_SRC)
			summary = r;
	}
	printf("over drop-everything, per packet: xdp_host/src %.1f ns, xdp_host/flow %.1f ns\n",
	       1e9 / st[CT_HOST_SRC].med - 1e9 / st[CT_DROP].med,
	       1e9 / st[CT_HOST_FLOW].med - 1e9 / st[CT_DROP].med);
	bench_summary("xdp_veth", "pps", st[CT_HOST_SRC].med, "xdp_drop_all",
		      &summary);
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: xdp_veth [--samples N] [--seconds-ms MS] [--packets N]\n"
		"                [--entries N]\n"
		"  --samples N      rounds, each runs every contender (21)\n"
		"  --seconds-ms MS  about how long one run lasts (300)\n"
		"  --packets N      at most this many packets per run (50000000)\n"
		"  --entries N      denied sources in the host map (1000000)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "samples", required_argument, NULL, 's' },
		{ "seconds-ms", required_argument, NULL, 't' },
		{ "packets", required_argument, NULL, 'p' },
		{ "entries", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){ .samples = 21,
			    .seconds_ms = 300,
			    .max_packets = 50000000,
			    .entries = 1000000 };
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
	c->tx_ns = c->rx_ns = -1;
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
	build_udp4(c->frame[FR_SRC], TX_ADDR, RX_ADDR, 40000, FLOW_DPORT);
	build_udp4(c->frame[FR_FLOW], FLOW_SRC, RX_ADDR, FLOW_SPORT,
		   FLOW_DPORT);

	err = veth_setup(c);
	err = err ?: load_all(c);
	err = err ?: measure(c);
	if (!err)
		report(c);

	/* The namespaces, the veth pair and anything attached to it go
	 * with the last fd and the process. */
	enf_dp_close(c->dp);
	bench_xdp_tx__destroy(c->tx);
	bench_xdp_drop__destroy(c->drop);
	if (c->tx_ns >= 0)
		close(c->tx_ns);
	if (c->rx_ns >= 0)
		close(c->rx_ns);
	free(c);
	return err ? 1 : 0;
}
