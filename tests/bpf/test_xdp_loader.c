// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The XDP loader against the real kernel: pinning and reuse across a
 * "restart", attach modes and fallback, refusal of foreign programs, detach
 * of only what is ours, the deny map API, and real frames through a veth
 * pair. Runs in its own network and mount namespaces (every interface it
 * makes, and a bpffs mount if it has to make one, go away with it) with
 * pins under /sys/fs/bpf/enforcer-test-PID, removed at the end. Needs root: without it the test exits 77 (skipped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/xdp.h"

#define SKIP_CODE 77

/* Interfaces, all inside this test's network namespace. */
#define IF_OURS "veth0" /* ours, native; frames are sent from its peer */
#define IF_PEER "veth1"
#define IF_FOREIGN_DRV "veth2" /* a foreign program in native mode */
#define IF_FOREIGN_SKB "veth3" /* a foreign program in generic mode */
#define IF_MOVE "veth4" /* ours, moved between modes */
#define IF_STOLEN "veth5" /* ours, then replaced behind our back */
#define IF_NO_NATIVE "lo" /* no native XDP: AUTO must fall back */

static char pin_dir[PATH_MAX];
static char pin_dir_b[PATH_MAX];

struct state {
	struct enf_xdp *x; /* the current "daemon" */
	int foreign_fd; /* a trivial XDP_PASS program named "foreign" */
	int impostor_fd; /* the same, named "xdp_offload" */
};

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

static void xdp_ids(const char *ifname, __u32 *drv, __u32 *skb)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	assert_int_equal(bpf_xdp_query(ifindex(ifname), 0, &q), 0);
	*drv = q.drv_prog_id;
	*skb = q.skb_prog_id;
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

static bool pinned(const char *dir, const char *name)
{
	char path[PATH_MAX + NAME_MAX + 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

static int count_cb(int family, const void *addr,
		    const struct enf_deny_value *val, void *ctx)
{
	int *n = ctx;

	(void)addr;
	(void)val;
	n[family == AF_INET ? 0 : 1]++;
	return 0;
}

static int stop_cb(int family, const void *addr,
		   const struct enf_deny_value *val, void *ctx)
{
	int *n = ctx;

	(void)family;
	(void)addr;
	(void)val;
	return ++*n == 1 ? 42 : 0;
}

static int flow_cb(const struct enf_tuple *t, const struct enf_deny_value *v,
		   void *ctx)
{
	const struct enf_tuple *want = ctx;

	return !memcmp(t, want, sizeof(*t)) && v->rule_id == 300 ? 1 : 0;
}

static void addr4(const char *s, __u32 *a)
{
	assert_int_equal(inet_pton(AF_INET, s, a), 1);
}

static void addr6(const char *s, __u8 a[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static struct enf_tuple flow4(void)
{
	struct enf_tuple t = { .proto = IPPROTO_TCP,
			       .family = ENF_FAMILY_V4,
			       .sport = htons(40000),
			       .dport = htons(443) };

	addr4("192.0.2.1", (__u32 *)t.saddr);
	addr4("198.51.100.7", (__u32 *)t.daddr);
	return t;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (err)
		print_error("writing %s: %s\n", path, strerror(-err));
	return err;
}

/* ---- fixtures -------------------------------------------------------------- */

static void remove_pins(void)
{
	enf_bpffs_remove_dir(pin_dir);
	enf_bpffs_remove_dir(pin_dir_b);
}

static int group_setup(void **state)
{
	struct state *s = calloc(1, sizeof(*s));

	if (!s)
		return -1;
	s->foreign_fd = -1;
	s->impostor_fd = -1;
	/* No IPv6 autoconfiguration chatter on the veths: the frame test
	 * counts exactly what it sends.
	 */
	if (write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") ||
	    run("ip link add " IF_OURS " type veth peer name " IF_PEER) ||
	    run("ip link add " IF_FOREIGN_DRV
		" type veth peer name " IF_FOREIGN_SKB) ||
	    run("ip link add " IF_MOVE " type veth peer name " IF_STOLEN) ||
	    run("ip link set " IF_OURS " up && ip link set " IF_PEER " up") ||
	    run("ip link set lo up")) {
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int group_teardown(void **state)
{
	struct state *s = *state;

	if (s) {
		if (s->x) {
			enf_xdp_detach_all(s->x);
			enf_xdp_close(s->x);
		}
		if (s->foreign_fd >= 0)
			close(s->foreign_fd);
		if (s->impostor_fd >= 0)
			close(s->impostor_fd);
		free(s);
	}
	remove_pins();
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_bpffs_ensure(void **state)
{
	char tmp[] = "/tmp/enf-xdp-test-XXXXXX";
	char path[PATH_MAX + 8];
	int fd;

	(void)state;
	assert_int_equal(enf_bpffs_ensure(pin_dir), 0);
	assert_true(enf_bpffs_is_bpffs(pin_dir));
	assert_int_equal(enf_bpffs_ensure(pin_dir), 0); /* idempotent */
	assert_int_equal(enf_bpffs_ensure("relative/dir"), -EINVAL);

	/* Not bpffs: refused, and nothing there is ever deleted. */
	assert_non_null(mkdtemp(tmp));
	assert_int_equal(enf_bpffs_ensure(tmp), -EMEDIUMTYPE);
	snprintf(path, sizeof(path), "%s/keep", tmp);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(enf_bpffs_remove_dir(tmp), -EMEDIUMTYPE);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(tmp);
}

/* In a private mount namespace with /sys/fs/bpf bare, ensure mounts it. */
static void test_bpffs_mounts_when_bare(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char dir[] = ENF_BPFFS_ROOT "/enforcer-test-mount/a/b";

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(10);
		while (enf_bpffs_is_bpffs(ENF_BPFFS_ROOT))
			if (umount2(ENF_BPFFS_ROOT, MNT_DETACH))
				_exit(11);
		if (enf_bpffs_ensure(dir))
			_exit(12);
		if (!enf_bpffs_is_bpffs(ENF_BPFFS_ROOT) ||
		    !enf_bpffs_is_bpffs(dir))
			_exit(13);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	/* 10: namespace, 11: umount, 12: ensure failed, 13: not bpffs. */
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_attach_native_and_pins(void **state)
{
	struct state *s = *state;
	enum enf_xdp_mode got = ENF_XDP_MODE_AUTO;
	const char *name;
	__u32 drv, skb;

	assert_int_equal(enf_xdp_open(pin_dir, &s->x), 0);
	assert_true(pinned(pin_dir, ENF_MAP_DENY_SRC4));
	assert_true(pinned(pin_dir, ENF_MAP_DENY_SRC6));
	assert_true(pinned(pin_dir, ENF_MAP_DENY_FLOW));
	assert_true(pinned(pin_dir, ENF_MAP_XDP_STATS));
	assert_true(pinned(pin_dir, ENF_XDP_PROG_PIN));

	assert_int_equal(
		enf_xdp_attach(s->x, IF_OURS, ENF_XDP_MODE_NATIVE, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	xdp_ids(IF_OURS, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(s->x));
	assert_int_equal(skb, 0);

	/* Attaching again in the same mode is a no-op that succeeds. */
	assert_int_equal(enf_xdp_attach(s->x, IF_OURS, ENF_XDP_MODE_AUTO, &got),
			 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	xdp_ids(IF_OURS, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(s->x));

	assert_true(enf_xdp_attached(s->x, 0, &name, &got));
	assert_string_equal(name, IF_OURS);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	assert_false(enf_xdp_attached(s->x, 1, NULL, NULL));
}

static void test_auto_falls_back_to_generic(void **state)
{
	struct state *s = *state;
	enum enf_xdp_mode got = ENF_XDP_MODE_AUTO;
	__u32 drv, skb;

	assert_int_equal(
		enf_xdp_attach(s->x, IF_NO_NATIVE, ENF_XDP_MODE_AUTO, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_GENERIC);
	xdp_ids(IF_NO_NATIVE, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, enf_xdp_prog_id(s->x));

	/* NATIVE alone fails there; the generic attachment is put back. */
	assert_true(enf_xdp_attach(s->x, IF_NO_NATIVE, ENF_XDP_MODE_NATIVE,
				   NULL) < 0);
	xdp_ids(IF_NO_NATIVE, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, enf_xdp_prog_id(s->x));
}

static void test_mode_moves(void **state)
{
	struct state *s = *state;
	enum enf_xdp_mode got = ENF_XDP_MODE_AUTO;
	__u32 drv, skb;

	assert_int_equal(
		enf_xdp_attach(s->x, IF_MOVE, ENF_XDP_MODE_GENERIC, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_GENERIC);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, enf_xdp_prog_id(s->x));

	assert_int_equal(
		enf_xdp_attach(s->x, IF_MOVE, ENF_XDP_MODE_NATIVE, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(s->x));
	assert_int_equal(skb, 0);
}

static void test_bad_arguments(void **state)
{
	struct state *s = *state;
	struct enf_tuple t = flow4();
	struct enf_xdp *ro;
	__u32 a4 = 0;

	assert_int_equal(enf_xdp_attach(s->x, IF_OURS, ENF_XDP_MODE_HW, NULL),
			 -EOPNOTSUPP);
	assert_int_equal(enf_xdp_attach(s->x, "nosuchif0", ENF_XDP_MODE_AUTO,
					NULL),
			 -ENODEV);
	assert_int_equal(enf_xdp_detach(s->x, IF_PEER), -ENOENT);
	assert_int_equal(enf_xdp_deny_add(s->x, AF_UNIX, &a4, 1),
			 -EAFNOSUPPORT);
	assert_int_equal(enf_xdp_deny_foreach(s->x, AF_UNIX, count_cb, NULL),
			 -EAFNOSUPPORT);
	addr4("192.0.2.200", &a4);
	assert_int_equal(enf_xdp_deny_del(s->x, AF_INET, &a4), -ENOENT);
	assert_int_equal(enf_xdp_deny_lookup(s->x, AF_INET, &a4, NULL),
			 -ENOENT);

	t.family = 3;
	assert_int_equal(enf_xdp_flow_add(s->x, &t, 1), -EINVAL);
	t = flow4();
	t.proto = IPPROTO_ICMP;
	assert_int_equal(enf_xdp_flow_add(s->x, &t, 1), -EINVAL);
	t = flow4();
	t.saddr[7] = 1; /* IPv4 with junk past the address */
	assert_int_equal(enf_xdp_flow_add(s->x, &t, 1), -EINVAL);
	t = flow4();
	t.pad[1] = 1;
	assert_int_equal(enf_xdp_flow_add(s->x, &t, 1), -EINVAL);
	t = flow4();
	assert_int_equal(enf_xdp_flow_del(s->x, &t), -ENOENT);

	/* A maps-only handle cannot attach; a missing pin dir is ENOENT. */
	assert_int_equal(enf_xdp_open_pinned(pin_dir, true, &ro), 0);
	assert_int_equal(enf_xdp_prog_fd(ro), -1);
	assert_int_equal(enf_xdp_attach(ro, IF_OURS, ENF_XDP_MODE_AUTO, NULL),
			 -EOPNOTSUPP);
	enf_xdp_close(ro);
	assert_int_equal(enf_xdp_open_pinned("/sys/fs/bpf/enforcer-test-none",
					     true, &ro),
			 -ENOENT);
	assert_null(ro);
}

/*
 * A "restart": entries added, handle closed without detaching, a second
 * enf_xdp_open() on the same pins. The entries must still be there, the old
 * program still attached until the new one replaces it.
 */
static void test_reopen_reuses_pins(void **state)
{
	struct state *s = *state;
	struct enf_tuple t = flow4();
	enum enf_xdp_mode got = ENF_XDP_MODE_AUTO;
	struct enf_deny_value v;
	__u32 a4, old_id, drv, skb;
	int n[2] = { 0, 0 };
	__u8 a6[16];
	int fd;

	addr4("203.0.113.66", &a4);
	addr6("2001:db8:bad::66", a6);
	assert_int_equal(enf_xdp_deny_add(s->x, AF_INET, &a4, 100), 0);
	assert_int_equal(enf_xdp_deny_add(s->x, AF_INET6, a6, 200), 0);
	assert_int_equal(enf_xdp_flow_add(s->x, &t, 300), 0);
	old_id = enf_xdp_prog_id(s->x);
	enf_xdp_close(s->x);
	s->x = NULL;

	xdp_ids(IF_OURS, &drv, &skb);
	assert_int_equal(drv, old_id); /* enforcement outlives the handle */

	assert_int_equal(enf_xdp_open(pin_dir, &s->x), 0);
	assert_true(enf_xdp_prog_id(s->x) != old_id);
	assert_int_equal(enf_xdp_deny_lookup(s->x, AF_INET, &a4, &v), 0);
	assert_int_equal(v.rule_id, 100);
	assert_int_equal(enf_xdp_deny_lookup(s->x, AF_INET6, a6, &v), 0);
	assert_int_equal(v.rule_id, 200);
	assert_int_equal(enf_xdp_flow_lookup(s->x, &t, &v), 0);
	assert_int_equal(v.rule_id, 300);
	assert_int_equal(enf_xdp_deny_foreach(s->x, AF_UNSPEC, count_cb, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);
	assert_int_equal(enf_xdp_flow_foreach(s->x, flow_cb, &t), 1);

	/* The pinned program is the new one now. */
	{
		char path[PATH_MAX + 32];

		snprintf(path, sizeof(path), "%s/%s", pin_dir,
			 ENF_XDP_PROG_PIN);
		fd = bpf_obj_get(path);
		assert_true(fd >= 0);
		assert_int_equal(prog_id_of(fd), enf_xdp_prog_id(s->x));
		close(fd);
	}

	/* The earlier program is recognised as ours and replaced. */
	assert_int_equal(enf_xdp_attach(s->x, IF_OURS, ENF_XDP_MODE_AUTO, &got),
			 0);
	assert_int_equal(got, ENF_XDP_MODE_NATIVE);
	xdp_ids(IF_OURS, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(s->x));
	assert_int_equal(skb, 0);

	/* Also on lo, where the earlier one ran generic. */
	xdp_ids(IF_NO_NATIVE, &drv, &skb);
	assert_int_equal(skb, old_id);
	assert_int_equal(
		enf_xdp_attach(s->x, IF_NO_NATIVE, ENF_XDP_MODE_AUTO, &got), 0);
	assert_int_equal(got, ENF_XDP_MODE_GENERIC);
	xdp_ids(IF_NO_NATIVE, &drv, &skb);
	assert_int_equal(skb, enf_xdp_prog_id(s->x));

	/* And where it ran native, by the maps it shares with us. */
	assert_int_equal(
		enf_xdp_attach(s->x, IF_MOVE, ENF_XDP_MODE_NATIVE, &got), 0);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(s->x));
}

static void test_open_pinned(void **state)
{
	struct state *s = *state;
	__u64 st[ENF_XDP_STAT_MAX];
	struct enf_xdp *ro, *rw;
	struct enf_deny_value v;
	int n = 0;
	__u32 a4;

	addr4("203.0.113.66", &a4);
	assert_int_equal(enf_xdp_open_pinned(pin_dir, true, &ro), 0);
	assert_int_equal(enf_xdp_deny_lookup(ro, AF_INET, &a4, &v), 0);
	assert_int_equal(v.rule_id, 100);
	assert_int_equal(enf_xdp_deny_add(ro, AF_INET, &a4, 1), -EPERM);
	assert_int_equal(enf_xdp_stats_read(ro, st), 0);
	/* A callback's non-zero return stops the walk and is returned. */
	assert_int_equal(enf_xdp_deny_foreach(ro, AF_UNSPEC, stop_cb, &n), 42);
	assert_int_equal(n, 1);
	enf_xdp_close(ro);

	/* Written through the pins, seen by the daemon's handle. */
	addr4("203.0.113.77", &a4);
	assert_int_equal(enf_xdp_open_pinned(pin_dir, false, &rw), 0);
	assert_int_equal(enf_xdp_deny_add(rw, AF_INET, &a4, 5), 0);
	enf_xdp_close(rw);
	assert_int_equal(enf_xdp_deny_lookup(s->x, AF_INET, &a4, &v), 0);
	assert_int_equal(v.rule_id, 5);
	assert_int_equal(enf_xdp_deny_del(s->x, AF_INET, &a4), 0);
	assert_int_equal(enf_xdp_deny_lookup(s->x, AF_INET, &a4, NULL),
			 -ENOENT);
}

static void test_refuses_foreign(void **state)
{
	struct state *s = *state;
	__u32 drv, skb, foreign_id, impostor_id;

	s->foreign_fd = load_trivial("foreign");
	s->impostor_fd = load_trivial("xdp_offload");
	foreign_id = prog_id_of(s->foreign_fd);
	impostor_id = prog_id_of(s->impostor_fd);

	assert_int_equal(bpf_xdp_attach(ifindex(IF_FOREIGN_DRV), s->foreign_fd,
					XDP_FLAGS_DRV_MODE, NULL),
			 0);
	assert_int_equal(enf_xdp_attach(s->x, IF_FOREIGN_DRV, ENF_XDP_MODE_AUTO,
					NULL),
			 -EBUSY);
	assert_int_equal(enf_xdp_attach(s->x, IF_FOREIGN_DRV,
					ENF_XDP_MODE_GENERIC, NULL),
			 -EBUSY);
	xdp_ids(IF_FOREIGN_DRV, &drv, &skb);
	assert_int_equal(drv, foreign_id);
	assert_int_equal(skb, 0);

	/* Same name as ours, but neither our pin nor our maps: foreign. */
	assert_int_equal(bpf_xdp_attach(ifindex(IF_FOREIGN_SKB), s->impostor_fd,
					XDP_FLAGS_SKB_MODE, NULL),
			 0);
	assert_int_equal(enf_xdp_attach(s->x, IF_FOREIGN_SKB, ENF_XDP_MODE_AUTO,
					NULL),
			 -EBUSY);
	assert_int_equal(enf_xdp_attach(s->x, IF_FOREIGN_SKB,
					ENF_XDP_MODE_NATIVE, NULL),
			 -EBUSY);
	xdp_ids(IF_FOREIGN_SKB, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, impostor_id);

	/* Neither refused interface is remembered. */
	for (size_t i = 0;; i++) {
		const char *name;

		if (!enf_xdp_attached(s->x, i, &name, NULL))
			break;
		assert_string_not_equal(name, IF_FOREIGN_DRV);
		assert_string_not_equal(name, IF_FOREIGN_SKB);
	}
}

/* Send one frame on IF_PEER; it arrives on IF_OURS and meets XDP there. */
static void send_frame(const void *frame, size_t len)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_ifindex = ifindex(IF_PEER),
				   .sll_halen = ETH_ALEN };
	int fd = socket(AF_PACKET, SOCK_RAW, 0);

	assert_true(fd >= 0);
	memset(sll.sll_addr, 0xff, ETH_ALEN);
	assert_int_equal(sendto(fd, frame, len, 0, (struct sockaddr *)&sll,
				sizeof(sll)),
			 (ssize_t)len);
	close(fd);
}

static size_t udp4_frame(__u8 *f, const char *src)
{
	size_t n = 14 + 20 + 8 + 4;

	memset(f, 0, n);
	memset(f, 0xff, 6);
	f[6] = 0x02;
	f[11] = 0x01;
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 20 + 8 + 4;
	f[22] = 64;
	f[23] = IPPROTO_UDP;
	addr4(src, (__u32 *)(f + 26));
	addr4("198.51.100.7", (__u32 *)(f + 30));
	f[34] = 0x9c; /* sport 40001 */
	f[35] = 0x41;
	f[37] = 53;
	f[39] = 8 + 4;
	return n;
}

static void wait_stats(struct enf_xdp *x, const __u64 *before, int stat,
		       __u64 *after)
{
	for (int i = 0; i < 100; i++) {
		assert_int_equal(enf_xdp_stats_read(x, after), 0);
		if (after[stat] != before[stat])
			return;
		usleep(10000);
	}
}

static void test_real_frames(void **state)
{
	struct state *s = *state;
	__u64 before[ENF_XDP_STAT_MAX], after[ENF_XDP_STAT_MAX];
	__u8 f[64];
	size_t n;

	assert_int_equal(enf_xdp_stats_read(s->x, before), 0);
	n = udp4_frame(f, "203.0.113.66"); /* denied since the reopen test */
	send_frame(f, n);
	wait_stats(s->x, before, ENF_XDP_DROP_SRC4, after);
	assert_int_equal(after[ENF_XDP_DROP_SRC4] - before[ENF_XDP_DROP_SRC4],
			 1);
	assert_int_equal(after[ENF_XDP_PASS] - before[ENF_XDP_PASS], 0);

	memcpy(before, after, sizeof(before));
	n = udp4_frame(f, "192.0.2.9");
	send_frame(f, n);
	wait_stats(s->x, before, ENF_XDP_PASS, after);
	assert_int_equal(after[ENF_XDP_PASS] - before[ENF_XDP_PASS], 1);
	assert_int_equal(after[ENF_XDP_DROP_SRC4] - before[ENF_XDP_DROP_SRC4],
			 0);
}

static void test_detach_only_ours(void **state)
{
	struct state *s = *state;
	enum enf_xdp_mode got;
	__u32 drv, skb, foreign_id = prog_id_of(s->foreign_fd);
	int stolen = ifindex(IF_STOLEN);

	/* Ours on IF_STOLEN, then a foreign program replaces it. */
	assert_int_equal(
		enf_xdp_attach(s->x, IF_STOLEN, ENF_XDP_MODE_NATIVE, &got), 0);
	assert_int_equal(bpf_xdp_attach(stolen, s->foreign_fd,
					XDP_FLAGS_DRV_MODE, NULL),
			 0);

	assert_int_equal(enf_xdp_detach(s->x, IF_MOVE), 0);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, 0);

	/* The stolen one reports -EEXIST and is left alone; the rest go. */
	assert_int_equal(enf_xdp_detach_all(s->x), -EEXIST);
	assert_false(enf_xdp_attached(s->x, 0, NULL, NULL));
	xdp_ids(IF_OURS, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, 0);
	xdp_ids(IF_NO_NATIVE, &drv, &skb);
	assert_int_equal(drv, 0);
	assert_int_equal(skb, 0);
	xdp_ids(IF_STOLEN, &drv, &skb);
	assert_int_equal(drv, foreign_id);
	xdp_ids(IF_FOREIGN_DRV, &drv, &skb);
	assert_int_equal(drv, foreign_id);
	xdp_ids(IF_FOREIGN_SKB, &drv, &skb);
	assert_int_equal(skb, prog_id_of(s->impostor_fd));

	/* Pins stay after detach: enforcement state is not the process's. */
	assert_true(pinned(pin_dir, ENF_MAP_DENY_SRC4));
	assert_true(pinned(pin_dir, ENF_XDP_PROG_PIN));
}

/* A pin left by a build with other map sizes is replaced, not reused. */
static void test_incompatible_pin_replaced(void **state)
{
	char path[PATH_MAX + 32];
	struct enf_xdp *x, *ro;
	int fd;

	(void)state;
	assert_int_equal(enf_bpffs_ensure(pin_dir_b), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "deny_src4", 8, 8, 16, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", pin_dir_b, ENF_MAP_DENY_SRC4);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdp_stats", 4, 8, 2, NULL);
	assert_true(fd >= 0);
	snprintf(path, sizeof(path), "%s/%s", pin_dir_b, ENF_MAP_XDP_STATS);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);

	/* The maps-only view refuses what does not match... */
	assert_int_equal(enf_xdp_open_pinned(pin_dir_b, true, &ro), -EINVAL);
	/* ...the loader replaces it... */
	assert_int_equal(enf_xdp_open(pin_dir_b, &x), 0);
	enf_xdp_close(x);
	/* ...after which the pins have this build's layout. */
	assert_int_equal(enf_xdp_open_pinned(pin_dir_b, true, &ro), 0);
	enf_xdp_close(ro);
}

/*
 * An upgrade that replaced every map: the program still attached uses the
 * old maps, so only the pinned program's id tells it is ours.
 */
static void test_upgrade_recognised_by_pinned_prog(void **state)
{
	static const char *const maps[] = { ENF_MAP_DENY_SRC4,
					    ENF_MAP_DENY_SRC6,
					    ENF_MAP_DENY_FLOW,
					    ENF_MAP_XDP_STATS };
	char path[PATH_MAX + 32];
	struct enf_xdp *old, *x;
	__u32 drv, skb;

	(void)state;
	assert_int_equal(enf_xdp_open(pin_dir_b, &old), 0);
	assert_int_equal(
		enf_xdp_attach(old, IF_MOVE, ENF_XDP_MODE_NATIVE, NULL), 0);
	enf_xdp_close(old);
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_dir_b, maps[i]);
		assert_int_equal(unlink(path), 0);
	}

	assert_int_equal(enf_xdp_open(pin_dir_b, &x), 0);
	assert_int_equal(enf_xdp_attach(x, IF_MOVE, ENF_XDP_MODE_NATIVE, NULL),
			 0);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, enf_xdp_prog_id(x));
	assert_int_equal(enf_xdp_detach_all(x), 0);
	xdp_ids(IF_MOVE, &drv, &skb);
	assert_int_equal(drv, 0);
	enf_xdp_close(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bpffs_ensure),
		cmocka_unit_test(test_bpffs_mounts_when_bare),
		cmocka_unit_test(test_attach_native_and_pins),
		cmocka_unit_test(test_auto_falls_back_to_generic),
		cmocka_unit_test(test_mode_moves),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_reopen_reuses_pins),
		cmocka_unit_test(test_open_pinned),
		cmocka_unit_test(test_refuses_foreign),
		cmocka_unit_test(test_real_frames),
		cmocka_unit_test(test_detach_only_ours),
		cmocka_unit_test(test_incompatible_pin_replaced),
		cmocka_unit_test(test_upgrade_recognised_by_pinned_prog),
	};

	if (geteuid() != 0) {
		fprintf(stderr,
			"skipped: XDP attach, bpffs and network namespaces need root\n");
		return SKIP_CODE;
	}
	/* Own network namespace: the interfaces die with us. Own mount
	 * namespace: if bpffs has to be mounted, the mount dies with us too.
	 */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
		fprintf(stderr, "skipped: no new network namespace: %s\n",
			strerror(errno));
		return SKIP_CODE;
	}
	snprintf(pin_dir, sizeof(pin_dir), ENF_BPFFS_ROOT "/enforcer-test-%d",
		 (int)getpid());
	snprintf(pin_dir_b, sizeof(pin_dir_b),
		 ENF_BPFFS_ROOT "/enforcer-test-%d-b", (int)getpid());
	atexit(remove_pins);
	enf_log_init(ENF_LOG_WARN, "test_xdp_loader");
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
