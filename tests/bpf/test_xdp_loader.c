// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The data plane loader (enforcer/loader/dataplane.h) against the real
 * kernel, on veth pairs: AUTO ends native on veth (the hw step fails and
 * says why), generic, hw refused; pinned host maps reused across a
 * close/reopen and a pin of another layout replaced; foreign programs
 * refused and left alone; detach removes only ours; enf_dp_unpin_all leaves
 * nothing; deny add/del/lookup/foreach; and real UDP from a peer network
 * namespace in native and in generic mode: traffic from a denied source, a
 * denied prefix and a denied 5-tuple is dropped, the rest arrives. The flow
 * marks (dataplane.h): read back from the pinned source maps and proved on
 * frames through the attached xdp_host, across source denies added and
 * lifted, full maps, a restart and maps pinned without marks. deny_fast4
 * (the inline IPv4 table): an entry written to deny_src4 behind the
 * loader's back is not matched while nothing overflowed, a full window
 * overflows into deny_src4 and is still enforced, a refresh moves it back,
 * and a restart builds a new table from deny_src4 while the earlier run's
 * program reads deny_src4 alone until replaced.
 *
 * Runs in its own network and mount namespaces (interfaces and a bpffs
 * mount die with it), pins under /sys/fs/bpf/enforcer-test-PID. HW mode is
 * covered by the netdevsim guest test (tests/offload). Needs root: without
 * it the test exits 77 (skipped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/dataplane.h"
#include "test_xdp_common.h"

#define IF_OURS "veth0" /* traffic arrives here from the peer namespace */
#define IF_PEER "veth1" /* in the peer namespace */
#define IF_SPARE "veth2" /* modes, pins, foreign programs */
#define IF_SPARE_PEER "veth3"

#define OUR4 "192.0.2.1"
#define OUR6 "2001:db8::1"
#define PORT 5001
#define N_SEND 5

static char pin_dir[PATH_MAX];
static char pin_dir_b[PATH_MAX];
static char pin_dir_c[PATH_MAX]; /* the flow mark tests */
static pid_t peer_pid = -1;
static int peer_pipe = -1;

/* ---- helpers ------------------------------------------------------------- */

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
	if (rc != 0)
		print_error("command failed (%d): %s\n", rc, cmd);
	return rc;
}

static int ifindex(const char *ifname)
{
	int i = if_nametoindex(ifname);

	assert_true(i > 0);
	return i;
}

struct ids {
	__u32 hw, drv, skb;
};

static struct ids xdp_ids(const char *ifname)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct ids r;

	assert_int_equal(bpf_xdp_query(ifindex(ifname), 0, &q), 0);
	r.hw = q.hw_prog_id;
	r.drv = q.drv_prog_id;
	r.skb = q.skb_prog_id;
	return r;
}

static __u32 prog_id_of(int fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static int load_trivial(const char *name)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_0,
		  .imm = XDP_PASS },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insns, 2, NULL);

	assert_true(fd >= 0);
	return fd;
}

static bool exists(const char *dir, const char *a, const char *b)
{
	char path[PATH_MAX + 2 * NAME_MAX];
	struct stat st;

	if (b)
		snprintf(path, sizeof(path), "%s/%s/%s", dir, a, b);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, a);
	return stat(path, &st) == 0;
}

static struct enf_deny src_deny(int family, const char *addr)
{
	struct enf_deny d = { .kind = ENF_DENY_SRC, .family = family };

	assert_int_equal(inet_pton(family, addr, d.addr), 1);
	return d;
}

static struct enf_deny cidr_deny(int family, const char *addr, int plen)
{
	struct enf_deny d = src_deny(family, addr);

	d.kind = ENF_DENY_CIDR;
	d.prefixlen = plen;
	return d;
}

static struct enf_deny flow_deny(int family, const char *src, __u16 sport,
				 const char *dst, __u16 dport, __u8 proto)
{
	struct enf_deny d = { .kind = ENF_DENY_FLOW, .family = family };

	assert_int_equal(inet_pton(family, src, d.flow.saddr), 1);
	assert_int_equal(inet_pton(family, dst, d.flow.daddr), 1);
	d.flow.sport = htons(sport);
	d.flow.dport = htons(dport);
	d.flow.proto = proto;
	d.flow.family = family == AF_INET ? ENF_FAMILY_V4 : ENF_FAMILY_V6;
	return d;
}

static void add(struct enf_dp *dp, struct enf_deny d)
{
	struct enf_deny_result res;

	assert_int_equal(enf_dp_deny_add(dp, &d, 9, &res), 0);
	assert_true(res.host);
	assert_int_equal(res.n_nic, 0);
	assert_int_equal(res.n_spill, 0);
}

/* ---- tests --------------------------------------------------------------- */

static void test_modes(void **state)
{
	struct enf_dp_if_info info;
	enum enf_xdp_mode got = ENF_XDP_MODE_HW;
	struct enf_dp *dp;
	struct ids ids;

	(void)state;
	assert_int_equal(enf_dp_open(NULL, &dp), 0);

	/* veth offers no offload: AUTO ends native (the log says why). */
	assert_int_equal(enf_dp_attach(dp, IF_OURS, ENF_XDP_MODE_AUTO, &got),
			 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	ids = xdp_ids(IF_OURS);
	assert_true(ids.drv != 0);
	assert_int_equal(ids.skb, 0);
	assert_int_equal(ids.hw, 0);
	assert_int_equal(enf_dp_if_count(dp), 1);
	assert_int_equal(enf_dp_if_info(dp, 0, &info), 0);
	assert_string_equal(info.name, IF_OURS);
	assert_string_equal(info.driver, "veth");
	assert_int_equal(info.mode, ENF_XDP_MODE_NATIVE);
	assert_false(info.offloaded);
	assert_int_equal(info.ifindex, ifindex(IF_OURS));

	/* hw asked for alone: refused, nothing left behind. */
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_HW, NULL),
			 -EOPNOTSUPP);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.drv + ids.skb + ids.hw, 0);
	assert_int_equal(enf_dp_if_count(dp), 1);

	/* generic, then moved to native: one slot at a time. */
	assert_int_equal(
		enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_GENERIC, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_GENERIC);
	ids = xdp_ids(IF_SPARE);
	assert_true(ids.skb != 0);
	assert_int_equal(ids.drv, 0);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, &got),
			 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	ids = xdp_ids(IF_SPARE);
	assert_true(ids.drv != 0);
	assert_int_equal(ids.skb, 0);
	assert_int_equal(enf_dp_if_count(dp), 2);

	assert_int_equal(enf_dp_attach(dp, "nosuchif0", ENF_XDP_MODE_AUTO,
				       NULL),
			 -ENODEV);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, 42, NULL), -EINVAL);

	assert_int_equal(enf_dp_detach_all(dp), 0);
	assert_int_equal(enf_dp_if_count(dp), 0);
	ids = xdp_ids(IF_OURS);
	assert_int_equal(ids.drv + ids.skb, 0);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.drv + ids.skb, 0);
	enf_dp_close(dp);
}

static void test_mode_names(void **state)
{
	enum enf_xdp_mode m;

	(void)state;
	assert_int_equal(enf_xdp_mode_parse("hw", &m), 0);
	assert_int_equal(m, ENF_XDP_MODE_HW);
	assert_int_equal(enf_xdp_mode_parse("generic", &m), 0);
	assert_int_equal(m, ENF_XDP_MODE_GENERIC);
	assert_int_equal(enf_xdp_mode_parse("Native", &m), -EINVAL);
	assert_string_equal(enf_xdp_mode_name(ENF_XDP_MODE_AUTO), "auto");
	assert_string_equal(enf_xdp_mode_name(ENF_XDP_MODE_NATIVE), "native");
}

struct walk {
	int src4, src6, cidr4, cidr6, flow4, flow6;
	bool bad;
};

static int walk_cb(const struct enf_deny *d, const struct enf_deny_value *v,
		   void *ctx)
{
	struct walk *w = ctx;

	if (v->rule_id != 9 || v->flags)
		w->bad = true;
	if (d->kind == ENF_DENY_SRC)
		(*(d->family == AF_INET ? &w->src4 : &w->src6))++;
	else if (d->kind == ENF_DENY_CIDR)
		(*(d->family == AF_INET ? &w->cidr4 : &w->cidr6))++;
	else if (d->kind == ENF_DENY_FLOW)
		(*(d->family == AF_INET ? &w->flow4 : &w->flow6))++;
	else
		w->bad = true;
	return 0;
}

static int stop_cb(const struct enf_deny *d, const struct enf_deny_value *v,
		   void *ctx)
{
	(void)d;
	(void)v;
	++*(int *)ctx;
	return 42;
}

static void test_deny_api(void **state)
{
	struct enf_deny ents[] = {
		src_deny(AF_INET, "203.0.113.66"),
		src_deny(AF_INET6, "2001:db8:bad::66"),
		cidr_deny(AF_INET, "10.0.0.0", 8),
		cidr_deny(AF_INET6, "2001:db8:c1d0::", 48),
		flow_deny(AF_INET, "192.0.2.2", 40000, "192.0.2.1", 443,
			  IPPROTO_TCP),
		flow_deny(AF_INET6, "2001:db8::2", 40000, "2001:db8::1", 53,
			  IPPROTO_UDP),
	};
	struct enf_dp_host_counts c;
	struct enf_deny_value v;
	struct enf_deny d;
	struct walk w = { 0 };
	struct enf_dp *dp;
	int n = 0;

	(void)state;
	assert_int_equal(enf_dp_open(NULL, &dp), 0);
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		add(dp, ents[i]);
		assert_int_equal(enf_dp_deny_lookup(dp, &ents[i], &v), 0);
		assert_int_equal(v.rule_id, 9);
	}
	assert_int_equal(enf_dp_deny_foreach(dp, walk_cb, &w), 0);
	assert_false(w.bad);
	assert_int_equal(w.src4, 1);
	assert_int_equal(w.src6, 1);
	assert_int_equal(w.cidr4, 1);
	assert_int_equal(w.cidr6, 1);
	assert_int_equal(w.flow4, 1);
	assert_int_equal(w.flow6, 1);
	assert_int_equal(enf_dp_deny_foreach(dp, stop_cb, &n), 42);
	assert_int_equal(n, 1);
	assert_int_equal(enf_dp_host_counts(dp, &c), 0);
	assert_int_equal(c.src4 + c.src6 + c.cidr4 + c.cidr6 + c.flow, 6);
	assert_int_equal(c.spill, 0);

	/* A prefix is looked up as itself, not by what covers it. */
	d = cidr_deny(AF_INET, "10.1.0.0", 16);
	assert_int_equal(enf_dp_deny_lookup(dp, &d, NULL), -ENOENT);
	assert_int_equal(enf_dp_deny_del(dp, &d), -ENOENT);

	/* Malformed entries. */
	d = cidr_deny(AF_INET, "10.0.0.1", 8); /* host bits set */
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d = cidr_deny(AF_INET, "10.0.0.0", 33);
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d = cidr_deny(AF_INET6, "2001:db8::", 129);
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d = flow_deny(AF_INET, "192.0.2.2", 1, "192.0.2.1", 2, IPPROTO_ICMP);
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d = flow_deny(AF_INET, "192.0.2.2", 1, "192.0.2.1", 2, IPPROTO_TCP);
	d.flow.saddr[7] = 1; /* IPv4 with bytes past the address */
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d = src_deny(AF_INET, "192.0.2.2");
	d.family = AF_UNIX;
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);
	d.kind = 99;
	assert_int_equal(enf_dp_deny_add(dp, &d, 1, NULL), -EINVAL);

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		assert_int_equal(enf_dp_deny_del(dp, &ents[i]), 0);
		assert_int_equal(enf_dp_deny_lookup(dp, &ents[i], NULL),
				 -ENOENT);
		assert_int_equal(enf_dp_deny_del(dp, &ents[i]), -ENOENT);
	}
	assert_int_equal(enf_dp_host_counts(dp, &c), 0);
	assert_int_equal(c.src4 + c.src6 + c.cidr4 + c.cidr6 + c.flow, 0);
	enf_dp_close(dp);
}

/* Pinned maps survive the handle; the next one reuses them and takes its
 * programs back atomically. */
static void test_pins_reused(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir };
	struct enf_deny d = src_deny(AF_INET, "203.0.113.7");
	struct enf_deny_value v;
	struct enf_dp *dp;
	struct ids before, after;
	int fd;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_true(exists(pin_dir, ENF_MAP_DENY_SRC4, NULL));
	assert_true(exists(pin_dir, ENF_MAP_DENY_CIDR6, NULL));
	assert_true(exists(pin_dir, ENF_MAP_DENY_SPILL, NULL));
	add(dp, d);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	assert_true(exists(pin_dir, IF_SPARE, "xdp_host"));
	assert_true(exists(pin_dir, IF_SPARE, ENF_MAP_HOST_STATS));
	assert_false(exists(pin_dir, IF_SPARE, "xdp_offload"));
	before = xdp_ids(IF_SPARE);
	enf_dp_close(dp);
	/* Closing detaches nothing. */
	after = xdp_ids(IF_SPARE);
	assert_int_equal(after.drv, before.drv);

	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_int_equal(enf_dp_deny_lookup(dp, &d, &v), 0);
	assert_int_equal(v.rule_id, 9);
	/* The earlier run's program is ours: replaced, not refused. */
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	after = xdp_ids(IF_SPARE);
	assert_true(after.drv != 0);
	assert_true(after.drv != before.drv);
	fd = bpf_prog_get_fd_by_id(before.drv);
	if (fd >= 0) /* still referenced somewhere: not on the interface */
		close(fd);
	assert_int_equal(enf_dp_detach(dp, IF_SPARE), 0);
	assert_false(exists(pin_dir, IF_SPARE, NULL));
	assert_true(exists(pin_dir, ENF_MAP_DENY_SRC4, NULL));
	assert_int_equal(enf_dp_detach(dp, IF_SPARE), -ENOENT);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	enf_dp_close(dp);
}

/* A pin left with another layout is replaced, with a warning. */
static void test_incompatible_pin_replaced(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir_b };
	char path[PATH_MAX + 32];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct enf_dp *dp;
	int fd;

	(void)state;
	assert_int_equal(enf_bpffs_ensure(pin_dir_b), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "deny_src4", 8, 8, 16, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", pin_dir_b, ENF_MAP_DENY_SRC4);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);

	assert_int_equal(enf_dp_open(&o, &dp), 0);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	close(fd);
	assert_int_equal(info.key_size, 4);
	assert_int_equal(info.max_entries, ENF_DENY_SRC4_MAX);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	assert_false(exists(pin_dir_b, ENF_MAP_DENY_SRC4, NULL));
	enf_dp_close(dp);
	assert_int_equal(access(pin_dir_b, F_OK), -1);
}

static void test_foreign_refused(void **state)
{
	int foreign = load_trivial("foreign");
	int impostor = load_trivial("xdp_host"); /* our name, not ours */
	int spare = ifindex(IF_SPARE);
	struct enf_dp *dp;
	struct ids ids;

	(void)state;
	assert_int_equal(enf_dp_open(NULL, &dp), 0);
	assert_int_equal(
		bpf_xdp_attach(spare, foreign, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_AUTO, NULL),
			 -EBUSY);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_GENERIC,
				       NULL),
			 -EBUSY);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.drv, prog_id_of(foreign));
	assert_int_equal(ids.skb, 0);
	assert_int_equal(bpf_xdp_detach(spare, XDP_FLAGS_DRV_MODE, NULL), 0);

	assert_int_equal(
		bpf_xdp_attach(spare, impostor, XDP_FLAGS_SKB_MODE, NULL), 0);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 -EBUSY);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.skb, prog_id_of(impostor));
	assert_int_equal(ids.drv, 0);
	assert_int_equal(enf_dp_if_count(dp), 0);
	assert_int_equal(bpf_xdp_detach(spare, XDP_FLAGS_SKB_MODE, NULL), 0);

	/* Ours, then replaced behind our back: detach leaves that alone. */
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	assert_int_equal(
		bpf_xdp_attach(spare, foreign, XDP_FLAGS_DRV_MODE, NULL), 0);
	assert_int_equal(enf_dp_detach(dp, IF_SPARE), -EEXIST);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.drv, prog_id_of(foreign));
	assert_int_equal(enf_dp_if_count(dp), 0);
	assert_int_equal(bpf_xdp_detach(spare, XDP_FLAGS_DRV_MODE, NULL), 0);

	enf_dp_close(dp);
	close(foreign);
	close(impostor);
}

/* ---- flow marks ---------------------------------------------------------- */

/* The raw host entry of source @addr in the maps pinned under @dir. */
static int raw_src(const char *dir, int family, const char *addr,
		   struct enf_deny_value *v)
{
	char path[PATH_MAX + NAME_MAX];
	__u8 key[16];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir,
		 family == AF_INET ? ENF_MAP_DENY_SRC4 : ENF_MAP_DENY_SRC6);
	assert_int_equal(inet_pton(family, addr, key), 1);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	err = bpf_map_lookup_elem(fd, key, v);
	close(fd);
	return err;
}

static void raw_del(const char *dir, const char *map, const void *key)
{
	char path[PATH_MAX + NAME_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, map);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_delete_elem(fd, key), 0);
	close(fd);
}

static void raw_put(const char *dir, const char *map, const void *key,
		    __u32 rule_id, __u32 flags)
{
	const struct enf_deny_value v = { .rule_id = rule_id, .flags = flags };
	char path[PATH_MAX + NAME_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, map);
	fd = bpf_obj_get(path);
	assert_true(fd >= 0);
	assert_int_equal(bpf_map_update_elem(fd, key, &v, BPF_ANY), 0);
	close(fd);
}

#define MARKER (ENF_DENY_F_MARK | ENF_DENY_F_FLOWS)

/* Fails, naming @what, unless the raw entry of @addr is {rule, flags}. */
static void expect_raw(const char *what, int family, const char *addr,
		       __u32 rule_id, __u32 flags)
{
	struct enf_deny_value v;
	int err = raw_src(pin_dir_c, family, addr, &v);

	if (err)
		fail_msg("%s: no host entry for %s (%s)", what, addr,
			 strerror(-err));
	if (v.rule_id != rule_id || v.flags != flags)
		fail_msg(
			"%s: host entry of %s is rule %u flags %#x, want rule %u flags %#x",
			what, addr, v.rule_id, v.flags, rule_id, flags);
}

static void expect_no_raw(const char *what, int family, const char *addr)
{
	struct enf_deny_value v;
	int err = raw_src(pin_dir_c, family, addr, &v);

	if (err != -ENOENT)
		fail_msg(
			"%s: host entry of %s is there (rule %u flags %#x), want none",
			what, addr, v.rule_id, v.flags);
}

/*
 * Runs one UDP frame @src:@sport -> @dst:@dport through the xdp_host that
 * @dp attached to IF_SPARE (interface 0 of @dp) and returns the counter it
 * moved; the verdict must match it.
 */
static int frame_stat(struct enf_dp *dp, int family, const char *src,
		      __u16 sport, const char *dst, __u16 dport)
{
	struct enf_dp_if_info before, after;
	__u8 s[16], d[16];
	struct pkt p = { 0 };
	int fd, moved = -1;

	assert_int_equal(inet_pton(family, src, s), 1);
	assert_int_equal(inet_pton(family, dst, d), 1);
	pkt_eth(&p, 0, NULL, family == AF_INET ? ETYPE_IP : ETYPE_IPV6);
	if (family == AF_INET)
		pkt_ipv4(&p, s, d, IPPROTO_UDP, 5);
	else
		pkt_ipv6(&p, s, d, IPPROTO_UDP);
	pkt_udp(&p, sport, dport);
	pkt_payload(&p, 8);
	pkt_finish(&p);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.b,
			    .data_size_in = p.len, .repeat = 1);

		assert_int_equal(enf_dp_if_info(dp, 0, &before), 0);
		fd = bpf_prog_get_fd_by_id(xdp_ids(IF_SPARE).drv);
		assert_true(fd >= 0);
		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		close(fd);
		assert_int_equal(enf_dp_if_info(dp, 0, &after), 0);
		for (int i = 0; i < ENF_XDP_STAT_MAX; i++) {
			__u64 n = after.host_stats[i] - before.host_stats[i];

			if (!n)
				continue;
			assert_true(n == 1 && moved == -1);
			moved = i;
		}
		assert_true(moved >= 0);
		assert_int_equal(o.retval, moved >= ENF_XDP_DROP_SRC4 ?
						   XDP_DROP :
						   XDP_PASS);
	}
	return moved;
}

static void expect_stat(const char *what, struct enf_dp *dp, int family,
			const char *src, __u16 sport, int want)
{
	int got = frame_stat(dp, family, src, sport,
			     family == AF_INET ? OUR4 : OUR6, 53);

	if (got != want)
		fail_msg("%s: a frame from %s port %u moved %s, want %s", what,
			 src, sport, xdp_stat_names[got], xdp_stat_names[want]);
}

static void expect_counts(const char *what, struct enf_dp *dp, __u32 src4,
			  __u32 src6, __u32 flow)
{
	struct enf_dp_host_counts c;
	struct walk w = { 0 };

	assert_int_equal(enf_dp_host_counts(dp, &c), 0);
	assert_int_equal(enf_dp_deny_foreach(dp, walk_cb, &w), 0);
	if (c.src4 != src4 || c.src6 != src6 || c.flow != flow)
		fail_msg("%s: counts src4 %u src6 %u flow %u, want %u %u %u",
			 what, c.src4, c.src6, c.flow, src4, src6, flow);
	if ((__u32)w.src4 != src4 || (__u32)w.src6 != src6 ||
	    (__u32)(w.flow4 + w.flow6) != flow || w.bad)
		fail_msg(
			"%s: foreach saw src4 %d src6 %d flows %d%s, want %u %u %u",
			what, w.src4, w.src6, w.flow4 + w.flow6,
			w.bad ? " and a bad value" : "", src4, src6, flow);
}

#define S4 "198.51.100.50"
#define S6 "2001:db8:50::50"

/*
 * A flow marks its source; the mark outlives all but the last flow; a
 * source deny over the mark keeps it, and lifted leaves the marker; the
 * lookup, the walk and the counts never show a marker; every step proved
 * on frames through the attached program.
 */
static void test_flow_marks(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir_c };
	struct enf_deny f1 =
		flow_deny(AF_INET, S4, 40000, OUR4, 53, IPPROTO_UDP);
	struct enf_deny f2 =
		flow_deny(AF_INET, S4, 40001, OUR4, 53, IPPROTO_UDP);
	struct enf_deny f6 =
		flow_deny(AF_INET6, S6, 40000, OUR6, 53, IPPROTO_UDP);
	struct enf_deny s4 = src_deny(AF_INET, S4);
	struct enf_deny s6 = src_deny(AF_INET6, S6);
	struct enf_deny_value v;
	struct enf_dp *dp;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	expect_stat("no flow yet", dp, AF_INET, S4, 40000, ENF_XDP_PASS);

	/* Two flows from one source, one removed: still marked. */
	add(dp, f1);
	expect_raw("first flow", AF_INET, S4, 0, MARKER);
	assert_int_equal(enf_dp_deny_lookup(dp, &s4, &v), -ENOENT);
	expect_stat("first flow", dp, AF_INET, S4, 40000, ENF_XDP_DROP_FLOW);
	expect_stat("first flow, other port", dp, AF_INET, S4, 40002,
		    ENF_XDP_PASS);
	add(dp, f2);
	add(dp, f1); /* a refresh counts no second flow */
	assert_int_equal(enf_dp_deny_del(dp, &f1), 0);
	expect_raw("one of two flows removed", AF_INET, S4, 0, MARKER);
	expect_stat("one of two flows removed", dp, AF_INET, S4, 40000,
		    ENF_XDP_PASS);
	expect_stat("the other flow stays", dp, AF_INET, S4, 40001,
		    ENF_XDP_DROP_FLOW);
	expect_counts("one flow, a marker", dp, 0, 0, 1);
	assert_int_equal(enf_dp_deny_del(dp, &s4), -ENOENT);
	expect_raw("a marker is no deny to delete", AF_INET, S4, 0, MARKER);

	/* The last one: the marker goes. */
	assert_int_equal(enf_dp_deny_del(dp, &f2), 0);
	expect_no_raw("last flow removed", AF_INET, S4);
	assert_int_equal(enf_dp_deny_lookup(dp, &s4, NULL), -ENOENT);
	expect_stat("last flow removed", dp, AF_INET, S4, 40001, ENF_XDP_PASS);
	expect_counts("nothing left", dp, 0, 0, 0);

	/* A source denied, then lifted, while a flow exists. */
	add(dp, f1);
	add(dp, s4);
	expect_raw("deny over a marker", AF_INET, S4, 9, ENF_DENY_F_FLOWS);
	assert_int_equal(enf_dp_deny_lookup(dp, &s4, &v), 0);
	assert_int_equal(v.rule_id, 9);
	assert_int_equal(v.flags, 0);
	expect_stat("deny over a marker", dp, AF_INET, S4, 40002,
		    ENF_XDP_DROP_SRC4);
	expect_counts("a denied source with a flow", dp, 1, 0, 1);
	assert_int_equal(enf_dp_deny_del(dp, &s4), 0);
	expect_raw("deny lifted, flow left", AF_INET, S4, 0, MARKER);
	assert_int_equal(enf_dp_deny_lookup(dp, &s4, NULL), -ENOENT);
	expect_stat("deny lifted: the flow", dp, AF_INET, S4, 40000,
		    ENF_XDP_DROP_FLOW);
	expect_stat("deny lifted: the source", dp, AF_INET, S4, 40002,
		    ENF_XDP_PASS);
	expect_counts("deny lifted", dp, 0, 0, 1);
	assert_int_equal(enf_dp_deny_del(dp, &s4), -ENOENT);
	assert_int_equal(enf_dp_deny_del(dp, &f1), 0);
	expect_no_raw("all gone", AF_INET, S4);

	/* A flow from a denied source: the mark is OR-ed in, and out. */
	add(dp, s4);
	expect_raw("deny alone", AF_INET, S4, 9, 0);
	add(dp, f1);
	expect_raw("flow of a denied source", AF_INET, S4, 9, ENF_DENY_F_FLOWS);
	expect_stat("flow of a denied source", dp, AF_INET, S4, 40000,
		    ENF_XDP_DROP_SRC4);
	assert_int_equal(enf_dp_deny_del(dp, &f1), 0);
	expect_raw("its flow removed", AF_INET, S4, 9, 0);
	assert_int_equal(enf_dp_deny_del(dp, &s4), 0);
	expect_no_raw("deny removed", AF_INET, S4);

	/* IPv6 the same way. */
	add(dp, f6);
	expect_raw("v6 flow", AF_INET6, S6, 0, MARKER);
	assert_int_equal(enf_dp_deny_lookup(dp, &s6, NULL), -ENOENT);
	expect_stat("v6 flow", dp, AF_INET6, S6, 40000, ENF_XDP_DROP_FLOW);
	expect_stat("v6 flow, other port", dp, AF_INET6, S6, 40001,
		    ENF_XDP_PASS);
	expect_counts("v6 flow", dp, 0, 0, 1);
	add(dp, s6);
	expect_raw("v6 deny over a marker", AF_INET6, S6, 9, ENF_DENY_F_FLOWS);
	assert_int_equal(enf_dp_deny_del(dp, &s6), 0);
	expect_raw("v6 deny lifted", AF_INET6, S6, 0, MARKER);
	assert_int_equal(enf_dp_deny_del(dp, &f6), 0);
	expect_no_raw("v6 flow removed", AF_INET6, S6);
	expect_counts("v6 all gone", dp, 0, 0, 0);

	assert_int_equal(enf_dp_detach_all(dp), 0);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	enf_dp_close(dp);
}

/* Markers take room: a full source map refuses a flow from a source it
 * does not hold, a full flow map refuses the flow; either way nothing is
 * left half done. */
static void test_flow_marks_full(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir_c, .host_entries = 4 };
	static const char *const a[] = { "192.0.2.11", "192.0.2.12",
					 "192.0.2.13", "192.0.2.14" };
	struct enf_deny d, f;
	struct enf_dp *dp;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	for (int i = 0; i < 4; i++)
		add(dp, src_deny(AF_INET, a[i]));

	/* The source map full of denies. */
	f = flow_deny(AF_INET, S4, 40000, OUR4, 53, IPPROTO_UDP);
	assert_int_equal(enf_dp_deny_add(dp, &f, 9, NULL), -E2BIG);
	expect_no_raw("flow refused: no marker", AF_INET, S4);
	assert_int_equal(enf_dp_deny_lookup(dp, &f, NULL), -ENOENT);
	expect_counts("flow refused", dp, 4, 0, 0);
	/* A denied source needs no new entry. */
	f = flow_deny(AF_INET, a[0], 40000, OUR4, 53, IPPROTO_UDP);
	add(dp, f);
	expect_raw("flow of a denied source", AF_INET, a[0], 9,
		   ENF_DENY_F_FLOWS);
	/* Its deny lifted, its marker still takes an entry. */
	d = src_deny(AF_INET, a[0]);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	expect_counts("3 denies and a marker", dp, 3, 0, 1);
	d = src_deny(AF_INET, S4);
	assert_int_equal(enf_dp_deny_add(dp, &d, 9, NULL), -E2BIG);
	assert_int_equal(enf_dp_deny_del(dp, &f), 0);
	expect_no_raw("marker gone with the flow", AF_INET, a[0]);
	add(dp, d);
	for (int i = 1; i < 4; i++) {
		d = src_deny(AF_INET, a[i]);
		assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	}
	d = src_deny(AF_INET, S4);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	expect_counts("empty", dp, 0, 0, 0);

	/* The flow map full: the new source's marker is taken back. */
	for (__u16 i = 0; i < 4; i++)
		add(dp,
		    flow_deny(AF_INET, S4, 40000 + i, OUR4, 53, IPPROTO_UDP));
	f = flow_deny(AF_INET, a[1], 40000, OUR4, 53, IPPROTO_UDP);
	assert_int_equal(enf_dp_deny_add(dp, &f, 9, NULL), -E2BIG);
	expect_no_raw("flow map full: no marker", AF_INET, a[1]);
	f = flow_deny(AF_INET, S4, 40009, OUR4, 53, IPPROTO_UDP);
	assert_int_equal(enf_dp_deny_add(dp, &f, 9, NULL), -E2BIG);
	expect_counts("flow map full", dp, 0, 0, 4);
	/* The refused fifth flow counted nothing: four removals clear it. */
	for (__u16 i = 0; i < 4; i++) {
		expect_raw("flows left", AF_INET, S4, 0, MARKER);
		f = flow_deny(AF_INET, S4, 40000 + i, OUR4, 53, IPPROTO_UDP);
		assert_int_equal(enf_dp_deny_del(dp, &f), 0);
	}
	expect_no_raw("every flow removed", AF_INET, S4);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	enf_dp_close(dp);
}

/*
 * The flows per source come back from the pinned deny_flow after a
 * restart; maps pinned without marks (an older run) get them, and marks
 * of sources without flows go.
 */
static void test_flow_marks_restart(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir_c };
	struct enf_deny f1 =
		flow_deny(AF_INET, S4, 40000, OUR4, 53, IPPROTO_UDP);
	struct enf_deny f2 =
		flow_deny(AF_INET, S4, 40001, OUR4, 53, IPPROTO_UDP);
	struct enf_deny fd =
		flow_deny(AF_INET, "192.0.2.21", 40000, OUR4, 53, IPPROTO_UDP);
	struct enf_deny d = src_deny(AF_INET, "192.0.2.21");
	struct enf_deny fu = flow_deny(AF_INET6, "2001:db8::21", 40000, OUR6,
				       53, IPPROTO_UDP);
	struct enf_deny fd2 =
		flow_deny(AF_INET, "192.0.2.22", 40000, OUR4, 53, IPPROTO_UDP);
	struct enf_deny d2 = src_deny(AF_INET, "192.0.2.22");
	struct enf_deny z = src_deny(AF_INET, "192.0.2.23");
	struct enf_deny y = src_deny(AF_INET, "192.0.2.24");
	struct enf_dp *dp;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	add(dp, f1);
	add(dp, f2);
	add(dp, d);
	add(dp, fd);
	enf_dp_close(dp);

	assert_int_equal(enf_dp_open(&o, &dp), 0);
	expect_raw("after a restart", AF_INET, S4, 0, MARKER);
	assert_int_equal(enf_dp_deny_del(dp, &f1), 0);
	expect_raw("one of two flows removed after a restart", AF_INET, S4, 0,
		   MARKER);
	assert_int_equal(enf_dp_deny_del(dp, &f2), 0);
	expect_no_raw("both removed after a restart", AF_INET, S4);
	assert_int_equal(enf_dp_deny_del(dp, &fd), 0);
	expect_raw("a denied source's flow removed after a restart", AF_INET,
		   "192.0.2.21", 9, 0);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	expect_counts("all removed after a restart", dp, 0, 0, 0);
	enf_dp_close(dp);

	/* What a run without marks left: flows, a deny without F_FLOWS;
	 * and marks no flow needs. */
	raw_put(pin_dir_c, ENF_MAP_DENY_FLOW, &fu.flow, 9, 0);
	raw_put(pin_dir_c, ENF_MAP_DENY_FLOW, &fd2.flow, 9, 0);
	raw_put(pin_dir_c, ENF_MAP_DENY_SRC4, d2.addr, 9, 0);
	raw_put(pin_dir_c, ENF_MAP_DENY_SRC4, z.addr, 0, MARKER);
	raw_put(pin_dir_c, ENF_MAP_DENY_SRC4, y.addr, 9, ENF_DENY_F_FLOWS);
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	expect_raw("upgrade: a flow's source marked", AF_INET6, "2001:db8::21",
		   0, MARKER);
	expect_raw("upgrade: a denied flow source marked", AF_INET,
		   "192.0.2.22", 9, ENF_DENY_F_FLOWS);
	expect_no_raw("upgrade: a stale marker gone", AF_INET, "192.0.2.23");
	expect_raw("upgrade: a stale mark cleared", AF_INET, "192.0.2.24", 9,
		   0);
	expect_counts("upgrade", dp, 2, 0, 2);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	expect_stat("upgrade: the flow enforced", dp, AF_INET6, "2001:db8::21",
		    40000, ENF_XDP_DROP_FLOW);
	assert_int_equal(enf_dp_deny_del(dp, &fu), 0);
	expect_no_raw("upgrade: marker gone with the flow", AF_INET6,
		      "2001:db8::21");
	assert_int_equal(enf_dp_deny_del(dp, &fd2), 0);
	expect_raw("upgrade: the deny stays", AF_INET, "192.0.2.22", 9, 0);
	assert_int_equal(enf_dp_detach_all(dp), 0);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	enf_dp_close(dp);
}

/* ---- deny_fast4 ---------------------------------------------------------- */

/* The verdict of the program in IF_SPARE's native slot on one UDP frame
 * from @src (no counters: the handle may not have attached it). */
static __u32 spare_verdict(int family, const __u8 *src, __u16 sport)
{
	__u8 d[16];
	struct pkt p = { 0 };
	int fd;

	assert_int_equal(inet_pton(family, family == AF_INET ? OUR4 : OUR6, d),
			 1);
	pkt_eth(&p, 0, NULL, family == AF_INET ? ETYPE_IP : ETYPE_IPV6);
	if (family == AF_INET)
		pkt_ipv4(&p, src, d, IPPROTO_UDP, 5);
	else
		pkt_ipv6(&p, src, d, IPPROTO_UDP);
	pkt_udp(&p, sport, 53);
	pkt_payload(&p, 8);
	pkt_finish(&p);
	{
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.b,
			    .data_size_in = p.len, .repeat = 1);

		fd = bpf_prog_get_fd_by_id(xdp_ids(IF_SPARE).drv);
		assert_true(fd >= 0);
		assert_int_equal(bpf_prog_test_run_opts(fd, &o), 0);
		close(fd);
		return o.retval;
	}
}

static void expect_src4(const char *what, struct enf_dp *dp, const __u8 *a,
			int want)
{
	char text[INET_ADDRSTRLEN];

	assert_non_null(inet_ntop(AF_INET, a, text, sizeof(text)));
	expect_stat(what, dp, AF_INET, text, 41000, want);
}

static struct enf_deny src4_of(const __u8 *a)
{
	struct enf_deny d = { .kind = ENF_DENY_SRC, .family = AF_INET };

	memcpy(d.addr, a, 4);
	return d;
}

/* dp_config as pinned (@fd: a reference kept, or -1 for the pin). */
static struct enf_dp_config config_of(int fd)
{
	struct enf_dp_config c = { 0 };
	char path[PATH_MAX + NAME_MAX];
	__u32 zero = 0;
	int f = fd;

	if (f < 0) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir_c,
			 ENF_MAP_DP_CONFIG);
		f = bpf_obj_get(path);
		assert_true(f >= 0);
	}
	assert_int_equal(bpf_map_lookup_elem(f, &zero, &c), 0);
	if (fd < 0)
		close(f);
	return c;
}

static __u32 map_id_of(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	assert_int_equal(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
	return info.id;
}

static void expect_fast4(const char *what, struct enf_dp *dp, __u32 used,
			 __u32 overflow)
{
	struct enf_dp_fast4_info fi;
	struct enf_dp_config c = config_of(-1);

	assert_int_equal(enf_dp_fast4_info(dp, &fi), 0);
	if (fi.used != used || fi.overflow != overflow)
		fail_msg("%s: deny_fast4 holds %u, %u overflowed; want %u, %u",
			 what, fi.used, fi.overflow, used, overflow);
	if (c.fast4_live != 1 || c.src4_overflow != overflow)
		fail_msg("%s: dp_config says live %u overflow %u; want 1, %u",
			 what, c.fast4_live, c.src4_overflow, overflow);
}

/*
 * deny_fast4 through the loader, on frames through the attached xdp_host:
 * the inline path is what runs (an entry in deny_src4 alone is not
 * matched until an overflow is counted); a window's ninth source
 * overflows, is counted and enforced; refreshed once room is made it
 * moves into the table; a restart makes a new table from deny_src4, the
 * count recomputed, the earlier run's dp_config retired (its program
 * reads deny_src4 alone until attach replaces it).
 */
static void test_fast4(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir_c, .host_entries = 16 };
	const int n = ENF_FAST4_PROBES;
	char path[PATH_MAX + NAME_MAX];
	struct enf_dp_fast4_info fi;
	__u8 a[ENF_FAST4_PROBES + 2][4], b[4];
	struct enf_deny d;
	struct enf_dp *dp;
	int old_cfg, old_tab;
	__u32 bits, old_id;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_true(exists(pin_dir_c, ENF_MAP_DENY_FAST4, NULL));
	assert_true(exists(pin_dir_c, ENF_MAP_DP_CONFIG, NULL));
	assert_int_equal(enf_dp_fast4_info(dp, &fi), 0);
	/* Four slots per deny_src4 entry. */
	assert_int_equal(fi.slots, 16 * ENF_FAST4_SLOTS_PER_ENTRY);
	for (bits = 0; (1u << bits) < fi.slots; bits++)
		;
	for (int i = 0; i < n + 2; i++) {
		__u32 x = enf_fast4_addr_at(bits, 5, i);

		memcpy(a[i], &x, 4);
	}
	/* Another source, far from that window. */
	{
		__u32 x = enf_fast4_addr_at(bits, 40, 0);

		memcpy(b, &x, 4);
	}
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	expect_fast4("empty", dp, 0, 0);

	/* Written to deny_src4 alone: the program never looks there. */
	raw_put(pin_dir_c, ENF_MAP_DENY_SRC4, b, 9, 0);
	expect_src4("deny_src4 alone, nothing overflowed", dp, b, ENF_XDP_PASS);

	/* A window's worth of one home and one more: it overflows. */
	for (int i = 0; i <= n; i++)
		add(dp, src4_of(a[i]));
	expect_fast4("a window and one more", dp, n, 1);
	for (int i = 0; i <= n; i++)
		expect_src4(i < n ? "in the window" : "overflowed", dp, a[i],
			    ENF_XDP_DROP_SRC4);
	expect_src4("same home, not denied", dp, a[n + 1], ENF_XDP_PASS);
	expect_src4("deny_src4 alone, an overflow counted", dp, b,
		    ENF_XDP_DROP_SRC4);

	/* Room made; refreshed, the overflowed source moves in. */
	d = src4_of(a[3]);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	expect_fast4("one of the window lifted", dp, n - 1, 1);
	expect_src4("lifted", dp, a[3], ENF_XDP_PASS);
	add(dp, src4_of(a[n]));
	expect_fast4("the overflowed one refreshed", dp, n, 0);
	expect_src4("moved into the table", dp, a[n], ENF_XDP_DROP_SRC4);
	expect_src4("deny_src4 alone, no overflow again", dp, b, ENF_XDP_PASS);
	add(dp, src4_of(a[3]));
	expect_fast4("the lifted one back", dp, n, 1);
	expect_src4("back, overflowed", dp, a[3], ENF_XDP_DROP_SRC4);

	/* A restart: programs and pins stay, the table is built anew. One
	 * more of that home first, so one still overflows after it. */
	add(dp, src4_of(a[n + 1]));
	snprintf(path, sizeof(path), "%s/%s", pin_dir_c, ENF_MAP_DP_CONFIG);
	old_cfg = bpf_obj_get(path);
	snprintf(path, sizeof(path), "%s/%s", pin_dir_c, ENF_MAP_DENY_FAST4);
	old_tab = bpf_obj_get(path);
	assert_true(old_cfg >= 0 && old_tab >= 0);
	old_id = map_id_of(old_tab);
	enf_dp_close(dp);
	/* deny_src4 changed with no table kept in step (as an open may
	 * change it: a stale mark cleared). */
	raw_del(pin_dir_c, ENF_MAP_DENY_SRC4, a[0]);
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_int_equal(config_of(old_cfg).fast4_live, 0);
	{
		int fd = bpf_obj_get(path);

		assert_true(fd >= 0);
		assert_true(map_id_of(fd) != old_id);
		close(fd);
	}
	/* b is in the new table; nine of one home still leave one out. */
	expect_fast4("after a restart", dp, n + 1, 1);
	/* The earlier run's program, until replaced, reads deny_src4
	 * alone: its table would still drop a[0]. */
	assert_int_equal(spare_verdict(AF_INET, a[0], 41000), XDP_PASS);
	assert_int_equal(spare_verdict(AF_INET, a[1], 41000), XDP_DROP);
	assert_int_equal(spare_verdict(AF_INET, b, 41000), XDP_DROP);
	assert_int_equal(enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	for (int i = 1; i <= n + 1; i++)
		expect_src4("after a restart", dp, a[i], ENF_XDP_DROP_SRC4);
	expect_src4("after a restart, gone from deny_src4", dp, a[0],
		    ENF_XDP_PASS);
	expect_src4("written behind the loader, then a restart", dp, b,
		    ENF_XDP_DROP_SRC4);

	for (int i = 1; i <= n + 1; i++) {
		d = src4_of(a[i]);
		assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	}
	d = src4_of(b);
	assert_int_equal(enf_dp_deny_del(dp, &d), 0);
	expect_fast4("all lifted", dp, 0, 0);
	expect_src4("all lifted", dp, b, ENF_XDP_PASS);
	close(old_cfg);
	close(old_tab);
	assert_int_equal(enf_dp_detach_all(dp), 0);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	enf_dp_close(dp);
}

/* ---- real traffic -------------------------------------------------------- */

struct flowcase {
	const char *what;
	int family;
	const char *src;
	__u16 sport;
	bool dropped;
	int stat; /* counter it must move in host_stats */
};

static const struct flowcase traffic[] = {
	{ "allowed v4", AF_INET, "192.0.2.2", 41000, false, ENF_XDP_PASS },
	{ "denied source v4", AF_INET, "192.0.2.66", 41000, true,
	  ENF_XDP_DROP_SRC4 },
	{ "denied prefix v4", AF_INET, "192.0.2.130", 41000, true,
	  ENF_XDP_DROP_CIDR4 },
	{ "denied 5-tuple v4", AF_INET, "192.0.2.2", 40000, true,
	  ENF_XDP_DROP_FLOW },
	{ "allowed v6", AF_INET6, "2001:db8::2", 41000, false, ENF_XDP_PASS },
	{ "denied source v6", AF_INET6, "2001:db8::66", 41000, true,
	  ENF_XDP_DROP_SRC6 },
	{ "denied prefix v6", AF_INET6, "2001:db8::1:82", 41000, true,
	  ENF_XDP_DROP_CIDR6 },
	{ "denied 5-tuple v6", AF_INET6, "2001:db8::2", 40000, true,
	  ENF_XDP_DROP_FLOW },
};

#define N_CASES (sizeof(traffic) / sizeof(traffic[0]))

/* In a child in the peer namespace: N_SEND datagrams per case. */
static void send_all(void)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)peer_pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET))
		_exit(10);
	for (size_t i = 0; i < N_CASES; i++) {
		const struct flowcase *c = &traffic[i];
		struct sockaddr_storage src = { 0 }, dst = { 0 };
		socklen_t len;
		int s;

		if (c->family == AF_INET) {
			struct sockaddr_in *a = (void *)&src, *b = (void *)&dst;

			a->sin_family = b->sin_family = AF_INET;
			a->sin_port = htons(c->sport);
			b->sin_port = htons(PORT);
			inet_pton(AF_INET, c->src, &a->sin_addr);
			inet_pton(AF_INET, OUR4, &b->sin_addr);
			len = sizeof(*a);
		} else {
			struct sockaddr_in6 *a = (void *)&src,
					    *b = (void *)&dst;

			a->sin6_family = b->sin6_family = AF_INET6;
			a->sin6_port = htons(c->sport);
			b->sin6_port = htons(PORT);
			inet_pton(AF_INET6, c->src, &a->sin6_addr);
			inet_pton(AF_INET6, OUR6, &b->sin6_addr);
			len = sizeof(*a);
		}
		s = socket(c->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&src, len))
			_exit(11);
		for (int k = 0; k < N_SEND; k++)
			if (sendto(s, c->what, strlen(c->what), 0,
				   (struct sockaddr *)&dst, len) < 0)
				_exit(12);
		close(s);
	}
	_exit(0);
}

static int recv_socket(int family)
{
	struct sockaddr_storage a = { 0 };
	socklen_t len;
	int s = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), one = 1;

	assert_true(s >= 0);
	if (family == AF_INET) {
		struct sockaddr_in *v4 = (void *)&a;

		v4->sin_family = AF_INET;
		v4->sin_port = htons(PORT);
		len = sizeof(*v4);
	} else {
		struct sockaddr_in6 *v6 = (void *)&a;

		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons(PORT);
		assert_int_equal(setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &one,
					    sizeof(one)),
				 0);
		len = sizeof(*v6);
	}
	assert_int_equal(bind(s, (struct sockaddr *)&a, len), 0);
	return s;
}

/* Which case a datagram from @from belongs to; -1 for none. */
static int case_of(const struct sockaddr_storage *from)
{
	char text[INET6_ADDRSTRLEN];
	__u16 port;
	int family = from->ss_family;

	if (family == AF_INET) {
		const struct sockaddr_in *a = (const void *)from;

		inet_ntop(AF_INET, &a->sin_addr, text, sizeof(text));
		port = ntohs(a->sin_port);
	} else {
		const struct sockaddr_in6 *a = (const void *)from;

		inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof(text));
		port = ntohs(a->sin6_port);
	}
	for (size_t i = 0; i < N_CASES; i++) {
		struct in6_addr want, got;

		if (traffic[i].family != family || traffic[i].sport != port)
			continue;
		inet_pton(family, traffic[i].src, &want);
		inet_pton(family, text, &got);
		if (!memcmp(&want, &got, family == AF_INET ? 4 : 16))
			return i;
	}
	return -1;
}

static void traffic_in_mode(enum enf_xdp_mode mode)
{
	struct enf_deny denies[] = {
		src_deny(AF_INET, "192.0.2.66"),
		cidr_deny(AF_INET, "192.0.2.128", 26),
		flow_deny(AF_INET, "192.0.2.2", 40000, OUR4, PORT, IPPROTO_UDP),
		src_deny(AF_INET6, "2001:db8::66"),
		cidr_deny(AF_INET6, "2001:db8::1:0", 112),
		flow_deny(AF_INET6, "2001:db8::2", 40000, OUR6, PORT,
			  IPPROTO_UDP),
	};
	int got_n[N_CASES] = { 0 };
	struct enf_dp_if_info info;
	enum enf_xdp_mode got;
	struct pollfd pfd[2];
	struct enf_dp *dp;
	int status;
	pid_t pid;

	assert_int_equal(enf_dp_open(NULL, &dp), 0);
	for (size_t i = 0; i < sizeof(denies) / sizeof(denies[0]); i++)
		add(dp, denies[i]);
	assert_int_equal(enf_dp_attach(dp, IF_OURS, mode, &got), 0);
	assert_int_equal(got, mode);
	pfd[0] =
		(struct pollfd){ .fd = recv_socket(AF_INET), .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = recv_socket(AF_INET6),
				  .events = POLLIN };

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		send_all();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	/* Everything sent is on its way: read until quiet. */
	while (poll(pfd, 2, 300) > 0) {
		for (int k = 0; k < 2; k++) {
			struct sockaddr_storage from;
			socklen_t flen = sizeof(from);
			char buf[64];
			int c;

			if (!(pfd[k].revents & POLLIN))
				continue;
			if (recvfrom(pfd[k].fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &flen) < 0)
				continue;
			c = case_of(&from);
			assert_true(c >= 0);
			got_n[c]++;
		}
	}
	close(pfd[0].fd);
	close(pfd[1].fd);

	assert_int_equal(enf_dp_if_info(dp, 0, &info), 0);
	for (size_t i = 0; i < N_CASES; i++) {
		const struct flowcase *c = &traffic[i];
		int want = c->dropped ? 0 : N_SEND;

		print_message("%s %s: %d of %d arrived, counter %s = %llu\n",
			      enf_xdp_mode_name(mode), c->what, got_n[i],
			      N_SEND, xdp_stat_names[c->stat],
			      (unsigned long long)info.host_stats[c->stat]);
		if (got_n[i] != want)
			fail_msg("%s mode, %s: %d datagrams arrived, want %d",
				 enf_xdp_mode_name(mode), c->what, got_n[i],
				 want);
		if (info.host_stats[c->stat] < (__u64)N_SEND)
			fail_msg("%s mode, %s: counter %s is %llu, want >= %d",
				 enf_xdp_mode_name(mode), c->what,
				 xdp_stat_names[c->stat],
				 (unsigned long long)info.host_stats[c->stat],
				 N_SEND);
	}
	assert_int_equal(enf_dp_detach_all(dp), 0);
	enf_dp_close(dp);
}

static void test_traffic_native(void **state)
{
	(void)state;
	traffic_in_mode(ENF_XDP_MODE_NATIVE);
}

static void test_traffic_generic(void **state)
{
	(void)state;
	traffic_in_mode(ENF_XDP_MODE_GENERIC);
}

static void test_unpin_all(void **state)
{
	struct enf_dp_opts o = { .pin_dir = pin_dir };
	struct enf_dp *dp;
	struct ids ids;

	(void)state;
	assert_int_equal(enf_dp_open(&o, &dp), 0);
	assert_int_equal(enf_dp_attach(dp, IF_OURS, ENF_XDP_MODE_AUTO, NULL),
			 0);
	assert_int_equal(
		enf_dp_attach(dp, IF_SPARE, ENF_XDP_MODE_GENERIC, NULL), 0);
	assert_true(exists(pin_dir, IF_OURS, "xdp_host"));
	assert_int_equal(enf_dp_detach_all(dp), 0);
	assert_int_equal(enf_dp_unpin_all(dp), 0);
	assert_int_equal(access(pin_dir, F_OK), -1);
	ids = xdp_ids(IF_OURS);
	assert_int_equal(ids.drv + ids.skb + ids.hw, 0);
	ids = xdp_ids(IF_SPARE);
	assert_int_equal(ids.drv + ids.skb + ids.hw, 0);
	enf_dp_close(dp);
}

/* ---- setup --------------------------------------------------------------- */

/* A process holding the peer network namespace until we exit. */
static int start_peer(void)
{
	int fds[2];
	char c;

	if (pipe(fds))
		return -1;
	peer_pid = fork();
	if (peer_pid < 0)
		return -1;
	if (peer_pid == 0) {
		close(fds[1]);
		if (unshare(CLONE_NEWNET))
			_exit(1);
		/* Holds the namespace until the parent's end closes. */
		while (read(fds[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	peer_pipe = fds[1];
	/* Wait until the child is in its own namespace. */
	for (int i = 0; i < 200; i++) {
		char a[64], b[64], pa[64];
		ssize_t na, nb;

		snprintf(pa, sizeof(pa), "/proc/%d/ns/net", (int)peer_pid);
		na = readlink(pa, a, sizeof(a) - 1);
		nb = readlink("/proc/self/ns/net", b, sizeof(b) - 1);
		if (na > 0 && nb > 0 && (na != nb || memcmp(a, b, na)))
			return 0;
		usleep(10000);
	}
	return -1;
}

static void stop_peer(void)
{
	if (peer_pipe >= 0)
		close(peer_pipe);
	if (peer_pid > 0)
		waitpid(peer_pid, NULL, 0);
	peer_pipe = -1;
	peer_pid = -1;
}

static int setup_net(void)
{
	int p = (int)peer_pid;

	return run("ip link set lo up") ||
	       run("ip link add " IF_OURS
		   " address 02:00:00:00:00:01 type veth peer name " IF_PEER
		   " address 02:00:00:00:00:02 netns %d",
		   p) ||
	       run("ip link add " IF_SPARE
		   " type veth peer name " IF_SPARE_PEER) ||
	       run("ip addr add " OUR4 "/24 dev " IF_OURS) ||
	       run("ip -6 addr add " OUR6 "/64 dev " IF_OURS " nodad") ||
	       run("ip link set " IF_OURS " up && ip link set " IF_SPARE
		   " up && ip link set " IF_SPARE_PEER " up") ||
	       run("nsenter -t %d -n sh -c 'ip link set lo up && "
		   "ip addr add 192.0.2.2/24 dev " IF_PEER " && "
		   "ip addr add 192.0.2.66/24 dev " IF_PEER " && "
		   "ip addr add 192.0.2.130/24 dev " IF_PEER " && "
		   "ip -6 addr add 2001:db8::2/64 dev " IF_PEER " nodad && "
		   "ip -6 addr add 2001:db8::66/64 dev " IF_PEER " nodad && "
		   "ip -6 addr add 2001:db8::1:82/64 dev " IF_PEER " nodad && "
		   "ip link set " IF_PEER " up && "
		   "ip neigh add " OUR4 " lladdr 02:00:00:00:00:01 dev " IF_PEER
		   " nud permanent && "
		   "ip -6 neigh add " OUR6
		   " lladdr 02:00:00:00:00:01 dev " IF_PEER " nud permanent'",
		   p);
}

static void remove_pins(void)
{
	char path[PATH_MAX + NAME_MAX + 2];

	snprintf(path, sizeof(path), "%s/%s", pin_dir, IF_OURS);
	enf_bpffs_remove_dir(path);
	snprintf(path, sizeof(path), "%s/%s", pin_dir, IF_SPARE);
	enf_bpffs_remove_dir(path);
	enf_bpffs_remove_dir(pin_dir);
	enf_bpffs_remove_dir(pin_dir_b);
	snprintf(path, sizeof(path), "%s/%s", pin_dir_c, IF_SPARE);
	enf_bpffs_remove_dir(path);
	enf_bpffs_remove_dir(pin_dir_c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_deny_api),
		cmocka_unit_test(test_pins_reused),
		cmocka_unit_test(test_incompatible_pin_replaced),
		cmocka_unit_test(test_foreign_refused),
		cmocka_unit_test(test_flow_marks),
		cmocka_unit_test(test_flow_marks_full),
		cmocka_unit_test(test_flow_marks_restart),
		cmocka_unit_test(test_fast4),
		cmocka_unit_test(test_traffic_native),
		cmocka_unit_test(test_traffic_generic),
		cmocka_unit_test(test_unpin_all),
	};
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr,
			"test_xdp_loader: XDP attach, bpffs and network namespaces need root; skipped\n");
		return SKIP_CODE;
	}
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr,
			"test_xdp_loader: no new network namespace (%s); skipped\n",
			strerror(errno));
		return SKIP_CODE;
	}
	snprintf(pin_dir, sizeof(pin_dir), ENF_BPFFS_ROOT "/enforcer-test-%d",
		 (int)getpid());
	snprintf(pin_dir_b, sizeof(pin_dir_b),
		 ENF_BPFFS_ROOT "/enforcer-test-%d-b", (int)getpid());
	snprintf(pin_dir_c, sizeof(pin_dir_c),
		 ENF_BPFFS_ROOT "/enforcer-test-%d-c", (int)getpid());
	enf_log_init(ENF_LOG_INFO, "test_xdp_loader");
	if (start_peer() || setup_net()) {
		fprintf(stderr,
			"test_xdp_loader: setting up the network failed\n");
		stop_peer();
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	remove_pins();
	stop_peer();
	return rc;
}
