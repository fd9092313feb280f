// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The egress data plane (enforcer/loader/egress.h) on the real kernel,
 * without touching the host: the test process moves to a network
 * namespace of its own (lo up) before anything else, and makes a cgroup
 * of its own under the cgroup2 mount (one is mounted privately when there
 * is none):
 *
 *   T = <cgroup2>/enf-egress-test-<pid>   where the programs are attached
 *   T/a                                   the cgroup the entries name
 *   T/b                                   a sibling, under the programs too
 *
 * Two dual-stack TCP listeners (ports PA and PB, on [::], so 127.0.0.1,
 * 127.0.0.2, ::1 and ::ffff:127.0.0.1 reach them) serve every connect().
 * A connect() is made by a forked child that first writes itself into
 * the cgroup's cgroup.procs, and its errno comes back through a pipe.
 *
 * Checked: a denied address:port answers EPERM, while another port or
 * address of the same process connects; a port-0 entry denies every port
 * of its address, TCP and UDP; IPv6, and a v4-mapped destination from an
 * IPv6 socket, denied by the IPv4 entry (an entry given as v4-mapped is
 * stored as IPv4); the test process (outside T) and a process in T/b are
 * not affected; deleting an entry lets connects through again; the
 * counters count each denial, by kind; lookup, foreach, count and their
 * errors; a full map refuses with E2BIG. Pinned (under a bpffs directory
 * of its own): an entry outlives close (the pinned links keep the
 * programs attached), a reopen reuses the map and updates the pinned
 * links in place (same link ids, one program per hook on T), so does one
 * after the owner was killed with SIGKILL, a reopen on another cgroup
 * moves the links, and detach stops enforcement and removes the pins. Everything is removed on exit.
 *
 * Needs root, BPF and cgroup2: else it exits 77 (skipped).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <mntent.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"
#include "enforcer/loader/egress.h"

#define SKIP_CODE 77
#define UDP_PORT 5353 /* nothing listens: a UDP connect() needs no peer */

/* The cgroups, the listeners, the pins: one set for the whole run. */
static struct {
	char cg2[PATH_MAX]; /* the cgroup2 mount */
	bool cg2_private; /* mounted by us (on cg2, a temp directory) */
	char top[PATH_MAX]; /* T */
	char a[PATH_MAX]; /* T/a */
	char b[PATH_MAX]; /* T/b */
	__u64 top_id, a_id, b_id;
	char pin_dir[PATH_MAX];
	int lfd[2]; /* listeners, dual-stack */
	uint16_t pa, pb; /* their ports, host order */
} env = { .lfd = { -1, -1 } };

/* The handle a test uses, closed by teardown whatever happened. */
struct fx {
	struct enf_egress *e;
};

/* ---- the host side: network namespace, cgroups, listeners -------------- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

/* The first cgroup2 mount, or one mounted on a temp directory (in a mount
 * namespace of our own, so the host never sees it). */
static int cg2_find(void)
{
	struct mntent *m;
	FILE *f;

	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return -errno;
	while ((m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(env.cg2, sizeof(env.cg2), "%s", m->mnt_dir);
			endmntent(f);
			return 0;
		}
	}
	endmntent(f);
	strcpy(env.cg2, "/tmp/enf-egress-cg2-XXXXXX");
	if (!mkdtemp(env.cg2))
		return -errno;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("cgroup2", env.cg2, "cgroup2", 0, NULL)) {
		int err = -errno;

		rmdir(env.cg2);
		return err;
	}
	env.cg2_private = true;
	return 0;
}

static int listener(uint16_t *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(sa);
	int fd, off = 0;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*port = ntohs(sa.sin6_port);
	return fd;
}

static void env_cleanup(void)
{
	for (int i = 0; i < 2; i++)
		if (env.lfd[i] >= 0)
			close(env.lfd[i]);
	if (env.pin_dir[0])
		enf_bpffs_remove_dir(env.pin_dir);
	/* Children only, so empty once they are reaped. */
	if (env.a[0])
		rmdir(env.a);
	if (env.b[0])
		rmdir(env.b);
	if (env.top[0])
		rmdir(env.top);
	if (env.cg2_private) {
		umount2(env.cg2, MNT_DETACH);
		rmdir(env.cg2);
	}
}

static int mkcg(char *buf, const char *parent, const char *name, __u64 *id)
{
	snprintf(buf, PATH_MAX, "%s/%s", parent, name);
	if (mkdir(buf, 0755)) {
		int err = -errno;

		buf[0] = '\0';
		return err;
	}
	return enf_egress_cgroup_id(buf, id);
}

/* Why the test cannot run, or NULL. */
static const char *env_setup(void)
{
	char name[64];

	if (unshare(CLONE_NEWNET))
		return "no network namespace of our own (unshare)";
	if (lo_up())
		return "cannot bring lo up in our network namespace";
	if (cg2_find())
		return "no cgroup2 filesystem, and none could be mounted";
	snprintf(name, sizeof(name), "enf-egress-test-%d", (int)getpid());
	if (mkcg(env.top, env.cg2, name, &env.top_id) ||
	    mkcg(env.a, env.top, "a", &env.a_id) ||
	    mkcg(env.b, env.top, "b", &env.b_id))
		return "cannot make a cgroup of our own";
	snprintf(env.pin_dir, sizeof(env.pin_dir), "%s/enf-egress-test-%d",
		 ENF_BPFFS_ROOT, (int)getpid());
	env.lfd[0] = listener(&env.pa);
	env.lfd[1] = listener(&env.pb);
	if (env.lfd[0] < 0 || env.lfd[1] < 0)
		return "cannot listen on [::]";
	return NULL;
}

/* ---- connect() from a process in a cgroup ------------------------------ */

/* Accepts and closes what the listeners hold, so their queues never fill. */
static void drain(void)
{
	for (int i = 0; i < 2; i++) {
		int c;

		while ((c = accept4(env.lfd[i], NULL, NULL, SOCK_CLOEXEC)) >= 0)
			close(c);
	}
}

static socklen_t sockaddr_of(int family, const char *addr, uint16_t port,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, addr, &s4->sin_addr), 1);
		return sizeof(*s4);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, addr, &s6->sin6_addr), 1);
	return sizeof(*s6);
}

/* In a child: join @cg (NULL: stay where the test is), connect. */
static int child_connect(const char *cg, int family, int type,
			 const struct sockaddr_storage *ss, socklen_t len)
{
	char procs[PATH_MAX + 16];
	int fd;

	if (cg) {
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0\n", 2) != 2)
			return 1000 + errno; /* not a connect() errno */
		close(fd);
	}
	fd = socket(family, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 2000 + errno;
	if (connect(fd, (const struct sockaddr *)ss, len))
		return errno;
	close(fd);
	return 0;
}

/*
 * The errno of a connect() to @addr:@port (@type, from a socket of
 * @family) by a child in @cg; 0 when it connected.
 */
static int connect_from(const char *cg, int family, int type, const char *addr,
			uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(family, addr, port, &ss);
	int p[2], st, res = -1;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);
		res = child_connect(cg, family, type, &ss, len);
		if (write(p[1], &res, sizeof(res)) != sizeof(res))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &res, sizeof(res)) != sizeof(res))
		res = -1;
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	drain();
	return res;
}

static const char *errname(int e)
{
	static char buf[64];

	if (e == 0)
		return "connected";
	if (e < 0 || e >= 1000) {
		snprintf(buf, sizeof(buf), "child failed (%d)", e);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s", strerrorname_np(e) ?: "?");
	return buf;
}

/* Check @what: the connect() answers @want (0 or an errno). */
static void expect_connect(const char *what, int want, const char *cg,
			   int family, int type, const char *addr,
			   uint16_t port)
{
	int got = connect_from(cg, family, type, addr, port);
	char got_s[64];

	if (got == want)
		return;
	snprintf(got_s, sizeof(got_s), "%s", errname(got));
	fail_msg("%s: connect() to %s port %u: got %s, want %s", what, addr,
		 (unsigned)port, got_s, errname(want));
}

#define TCP4 AF_INET, SOCK_STREAM
#define TCP6 AF_INET6, SOCK_STREAM
#define UDP4 AF_INET, SOCK_DGRAM

static void addr4(const char *s, __u8 out[4])
{
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void addr6(const char *s, __u8 out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

static void add4(struct enf_egress *e, __u64 cg, const char *a, uint16_t port,
		 __u32 rule)
{
	__u8 b[4];

	addr4(a, b);
	assert_int_equal(enf_egress_add(e, cg, AF_INET, b, htons(port), rule),
			 0);
}

static void del4(struct enf_egress *e, __u64 cg, const char *a, uint16_t port,
		 int want)
{
	__u8 b[4];

	addr4(a, b);
	assert_int_equal(enf_egress_del(e, cg, AF_INET, b, htons(port)), want);
}

static void counters(struct enf_egress *e, struct enf_egress_counters *c)
{
	assert_int_equal(enf_egress_stats(e, c), 0);
}

/* ---- fixtures ------------------------------------------------------------ */

/* A private handle (nothing pinned) attached to T. */
static int setup(void **state)
{
	struct enf_egress_opts o = { .cgroup_path = env.top };
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	*state = f;
	return 0;
}

static int setup_none(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	enf_egress_close(f->e);
	free(f);
	/* A pinned test that failed half way leaves nothing attached. */
	if (env.pin_dir[0])
		enf_bpffs_remove_dir(env.pin_dir);
	return 0;
}

/* ---- tests --------------------------------------------------------------- */

static void test_port_denied_others_pass(void **state)
{
	struct fx *f = *state;
	struct enf_egress_info info;

	assert_int_equal(enf_egress_info(f->e, &info), 0);
	assert_int_equal(info.cgroup_id, env.top_id);
	assert_false(info.pinned);

	expect_connect("no entry yet: connects", 0, env.a, TCP4, "127.0.0.1",
		       env.pa);
	add4(f->e, env.a_id, "127.0.0.1", env.pa, 7);
	expect_connect("denied address and port: EPERM", EPERM, env.a, TCP4,
		       "127.0.0.1", env.pa);
	expect_connect("same address, another port: connects", 0, env.a, TCP4,
		       "127.0.0.1", env.pb);
	expect_connect("another address, same port: connects", 0, env.a, TCP4,
		       "127.0.0.2", env.pa);
	expect_connect("UDP to the denied address and port: EPERM", EPERM,
		       env.a, UDP4, "127.0.0.1", env.pa);
}

static void test_port0_denies_every_port(void **state)
{
	struct fx *f = *state;

	add4(f->e, env.a_id, "127.0.0.2", 0, 8);
	expect_connect("port-0 entry, port A: EPERM", EPERM, env.a, TCP4,
		       "127.0.0.2", env.pa);
	expect_connect("port-0 entry, port B: EPERM", EPERM, env.a, TCP4,
		       "127.0.0.2", env.pb);
	expect_connect("port-0 entry, UDP: EPERM", EPERM, env.a, UDP4,
		       "127.0.0.2", UDP_PORT);
	expect_connect("port-0 entry, another address: connects", 0, env.a,
		       TCP4, "127.0.0.1", env.pb);
	del4(f->e, env.a_id, "127.0.0.2", env.pa, -ENOENT);
	del4(f->e, env.a_id, "127.0.0.2", 0, 0);
	expect_connect("port-0 entry lifted: connects", 0, env.a, TCP4,
		       "127.0.0.2", env.pa);
}

static void test_ipv6_and_v4_mapped(void **state)
{
	struct fx *f = *state;
	struct enf_egress_counters c;
	struct enf_egress_value v;
	__u8 a6[16], a4[4];

	addr6("::1", a6);
	assert_int_equal(enf_egress_add(f->e, env.a_id, AF_INET6, a6,
					htons(env.pa), 9),
			 0);
	expect_connect("IPv6 denied [::1] port A: EPERM", EPERM, env.a, TCP6,
		       "::1", env.pa);
	expect_connect("IPv6 [::1] port B: connects", 0, env.a, TCP6, "::1",
		       env.pb);
	expect_connect("IPv4 entry absent, 127.0.0.1 port A: connects", 0,
		       env.a, TCP4, "127.0.0.1", env.pa);

	add4(f->e, env.a_id, "127.0.0.1", env.pa, 10);
	expect_connect("v4-mapped from an IPv6 socket, IPv4 entry: EPERM",
		       EPERM, env.a, TCP6, "::ffff:127.0.0.1", env.pa);
	expect_connect("v4-mapped, another port: connects", 0, env.a, TCP6,
		       "::ffff:127.0.0.1", env.pb);

	/* Given as v4-mapped, stored as IPv4: found as IPv4, denies both. */
	addr6("::ffff:127.0.0.3", a6);
	assert_int_equal(enf_egress_add(f->e, env.a_id, AF_INET6, a6,
					htons(env.pb), 11),
			 0);
	addr4("127.0.0.3", a4);
	assert_int_equal(enf_egress_lookup(f->e, env.a_id, AF_INET, a4,
					   htons(env.pb), &v),
			 0);
	assert_int_equal(v.rule_id, 11);
	expect_connect("entry given v4-mapped, IPv4 socket: EPERM", EPERM,
		       env.a, TCP4, "127.0.0.3", env.pb);
	expect_connect("entry given v4-mapped, IPv6 socket: EPERM", EPERM,
		       env.a, TCP6, "::ffff:127.0.0.3", env.pb);

	counters(f->e, &c);
	assert_int_equal(c.count[ENF_EGRESS_DENY4], 1);
	assert_int_equal(c.count[ENF_EGRESS_DENY6], 1);
	assert_int_equal(c.count[ENF_EGRESS_DENY_MAPPED], 2);
	assert_int_equal(c.denied, 4);
}

static void test_outside_and_sibling_pass(void **state)
{
	struct fx *f = *state;

	add4(f->e, env.a_id, "127.0.0.1", 0, 12);
	expect_connect("in T/a: EPERM", EPERM, env.a, TCP4, "127.0.0.1",
		       env.pa);
	expect_connect("the test's own cgroup (outside T): connects", 0, NULL,
		       TCP4, "127.0.0.1", env.pa);
	expect_connect("sibling cgroup T/b (programs run, no entry): connects",
		       0, env.b, TCP4, "127.0.0.1", env.pa);
	expect_connect("parent T, the attach point: connects", 0, env.top, TCP4,
		       "127.0.0.1", env.pa);
	/* Moved back out for the cleanup: children only, so nothing to do. */
}

static void test_delete_restores_and_counts(void **state)
{
	struct fx *f = *state;
	struct enf_egress_counters c;

	counters(f->e, &c);
	assert_int_equal(c.denied, 0);
	add4(f->e, env.a_id, "127.0.0.1", env.pb, 13);
	expect_connect("denied: EPERM (1)", EPERM, env.a, TCP4, "127.0.0.1",
		       env.pb);
	expect_connect("denied: EPERM (2)", EPERM, env.a, TCP4, "127.0.0.1",
		       env.pb);
	expect_connect("allowed: not counted", 0, env.a, TCP4, "127.0.0.1",
		       env.pa);
	counters(f->e, &c);
	assert_int_equal(c.count[ENF_EGRESS_DENY4], 2);
	assert_int_equal(c.denied, 2);

	del4(f->e, env.a_id, "127.0.0.1", env.pb, 0);
	del4(f->e, env.a_id, "127.0.0.1", env.pb, -ENOENT);
	expect_connect("entry deleted: connects again", 0, env.a, TCP4,
		       "127.0.0.1", env.pb);
	counters(f->e, &c);
	assert_int_equal(c.denied, 2);
}

struct seen {
	struct enf_egress_entry ent[8];
	int n;
};

static int seen_fn(const struct enf_egress_entry *ent, void *ctx)
{
	struct seen *s = ctx;

	assert_true(s->n < 8);
	s->ent[s->n++] = *ent;
	return 0;
}

static int stop_fn(const struct enf_egress_entry *ent, void *ctx)
{
	(void)ent;
	(void)ctx;
	return 42;
}

static void test_lookup_foreach_errors(void **state)
{
	struct fx *f = *state;
	struct enf_egress_value v = { 99, 99 };
	struct seen s = { 0 };
	__u8 a4[4], a6[16];
	__u32 n;

	addr4("192.0.2.1", a4);
	addr6("2001:db8::1", a6);
	assert_int_equal(enf_egress_count(f->e, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(enf_egress_add(f->e, 1234, AF_INET, a4, htons(443), 5),
			 0);
	assert_int_equal(enf_egress_add(f->e, 1234, AF_INET6, a6, 0, 6), 0);
	/* Again: the rule id changes, no second entry. */
	assert_int_equal(enf_egress_add(f->e, 1234, AF_INET, a4, htons(443), 7),
			 0);
	assert_int_equal(enf_egress_count(f->e, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(
		enf_egress_lookup(f->e, 1234, AF_INET, a4, htons(443), &v), 0);
	assert_int_equal(v.rule_id, 7);
	assert_int_equal(v.flags, 0);
	/* Exact key only: a port-0 entry is not found by another port. */
	assert_int_equal(enf_egress_lookup(f->e, 1234, AF_INET6, a6, htons(80),
					   NULL),
			 -ENOENT);
	assert_int_equal(enf_egress_lookup(f->e, 1235, AF_INET, a4, htons(443),
					   NULL),
			 -ENOENT);

	assert_int_equal(enf_egress_foreach(f->e, seen_fn, &s), 0);
	assert_int_equal(s.n, 2);
	for (int i = 0; i < 2; i++) {
		struct enf_egress_entry *x = &s.ent[i];

		assert_int_equal(x->cgroup_id, 1234);
		if (x->family == AF_INET) {
			assert_memory_equal(x->addr, a4, 4);
			assert_int_equal(x->port, htons(443));
			assert_int_equal(x->rule_id, 7);
		} else {
			assert_int_equal(x->family, AF_INET6);
			assert_memory_equal(x->addr, a6, 16);
			assert_int_equal(x->port, 0);
			assert_int_equal(x->rule_id, 6);
		}
	}
	assert_int_equal(enf_egress_foreach(f->e, stop_fn, NULL), 42);

	assert_int_equal(enf_egress_add(f->e, 0, AF_INET, a4, 0, 1), -EINVAL);
	assert_int_equal(enf_egress_add(f->e, 1, AF_UNIX, a4, 0, 1), -EINVAL);
	assert_int_equal(enf_egress_add(f->e, 1, AF_INET, NULL, 0, 1), -EINVAL);
	assert_int_equal(enf_egress_del(f->e, 0, AF_INET, a4, 0), -EINVAL);
	assert_int_equal(enf_egress_del(f->e, 1234, AF_INET, a4, htons(80)),
			 -ENOENT);
}

static void test_full_map_refuses(void **state)
{
	struct enf_egress_opts o = { .cgroup_path = env.top, .entries = 4 };
	struct fx *f = *state;
	struct enf_egress_info info;
	__u8 a4[4];
	__u32 n;

	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	assert_int_equal(enf_egress_info(f->e, &info), 0);
	assert_int_equal(info.entries, 4);
	addr4("192.0.2.1", a4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(enf_egress_add(f->e, 1, AF_INET, a4,
						htons(1000 + i), 1),
				 0);
	assert_int_equal(enf_egress_add(f->e, 1, AF_INET, a4, htons(2000), 1),
			 -E2BIG);
	/* An entry it holds can still be rewritten. */
	assert_int_equal(enf_egress_add(f->e, 1, AF_INET, a4, htons(1000), 2),
			 0);
	assert_int_equal(enf_egress_count(f->e, &n), 0);
	assert_int_equal(n, 4);
}

/* Programs of ours (any) directly on @cg for @type. */
static __u32 progs_on(const char *cg, enum bpf_attach_type type)
{
	__u32 ids[8], cnt = 8, flags = 0;
	int fd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	assert_int_equal(bpf_prog_query(fd, type, 0, &flags, ids, &cnt), 0);
	close(fd);
	return cnt;
}

static bool pinned(const char *name)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", env.pin_dir, name);
	return access(path, F_OK) == 0;
}

static void test_pinned_survive_reuse_detach(void **state)
{
	struct enf_egress_opts o = { .pin_dir = env.pin_dir,
				     .cgroup_path = env.top };
	struct fx *f = *state;
	struct enf_egress_info first, again;
	struct enf_egress_counters c;
	struct enf_egress_value v;
	__u8 a4[4];

	addr4("127.0.0.1", a4);
	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	assert_int_equal(enf_egress_info(f->e, &first), 0);
	assert_true(first.pinned);
	assert_false(first.map_reused);
	assert_false(first.link_updated[0] || first.link_updated[1]);
	assert_true(pinned("egress_deny") && pinned("egress_stats") &&
		    pinned("egress_connect4") && pinned("egress_connect6"));
	add4(f->e, env.a_id, "127.0.0.1", env.pa, 21);
	expect_connect("pinned, open: EPERM", EPERM, env.a, TCP4, "127.0.0.1",
		       env.pa);
	enf_egress_close(f->e);
	f->e = NULL;

	expect_connect("handle closed, pinned link still enforces: EPERM",
		       EPERM, env.a, TCP4, "127.0.0.1", env.pa);
	assert_int_equal(progs_on(env.top, BPF_CGROUP_INET4_CONNECT), 1);

	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	assert_int_equal(enf_egress_info(f->e, &again), 0);
	assert_true(again.map_reused);
	assert_true(again.link_updated[0] && again.link_updated[1]);
	assert_int_equal(again.link_id[0], first.link_id[0]);
	assert_int_equal(again.link_id[1], first.link_id[1]);
	if (progs_on(env.top, BPF_CGROUP_INET4_CONNECT) != 1 ||
	    progs_on(env.top, BPF_CGROUP_INET6_CONNECT) != 1)
		fail_msg("reopen: one program per hook on T, not doubled");
	assert_int_equal(enf_egress_lookup(f->e, env.a_id, AF_INET, a4,
					   htons(env.pa), &v),
			 0);
	assert_int_equal(v.rule_id, 21);
	expect_connect("reopened, reused entry on the new program: EPERM",
		       EPERM, env.a, TCP4, "127.0.0.1", env.pa);
	counters(f->e, &c);
	if (c.count[ENF_EGRESS_DENY4] != 3)
		fail_msg("pinned counters carried over: deny4 %llu, want 3",
			 (unsigned long long)c.count[ENF_EGRESS_DENY4]);

	assert_int_equal(enf_egress_detach(f->e), 0);
	expect_connect("detached: connects", 0, env.a, TCP4, "127.0.0.1",
		       env.pa);
	if (pinned("egress_deny") || pinned("egress_stats") ||
	    pinned("egress_connect4") || pinned("egress_connect6"))
		fail_msg("detach left a pin under %s", env.pin_dir);
	assert_int_equal(progs_on(env.top, BPF_CGROUP_INET4_CONNECT), 0);
	assert_int_equal(progs_on(env.top, BPF_CGROUP_INET6_CONNECT), 0);
	/* The map still answers until close. */
	assert_int_equal(enf_egress_lookup(f->e, env.a_id, AF_INET, a4,
					   htons(env.pa), NULL),
			 0);
	enf_egress_close(f->e);
	f->e = NULL;
	expect_connect("detached and closed: connects", 0, env.a, TCP4,
		       "127.0.0.1", env.pa);
}

/* What a daemon killed with SIGKILL leaves: no close, no cleanup. */
static void test_pinned_survive_kill9(void **state)
{
	struct enf_egress_opts o = { .pin_dir = env.pin_dir,
				     .cgroup_path = env.top };
	struct fx *f = *state;
	struct enf_egress_info info;
	int p[2], st, ok = 0;
	pid_t pid;

	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct enf_egress *e;
		__u8 a4[4];

		inet_pton(AF_INET, "127.0.0.1", a4);
		ok = enf_egress_open(&o, &e) == 0 &&
		     enf_egress_add(e, env.a_id, AF_INET, a4, htons(env.pa),
				    41) == 0;
		if (write(p[1], &ok, sizeof(ok)) != sizeof(ok))
			_exit(2);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &ok, sizeof(ok)) != sizeof(ok))
		ok = 0;
	close(p[0]);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	if (!ok)
		fail_msg("the child could not open pinned and add its entry");

	expect_connect("owner killed -9, pinned link enforces: EPERM", EPERM,
		       env.a, TCP4, "127.0.0.1", env.pa);
	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	assert_int_equal(enf_egress_info(f->e, &info), 0);
	assert_true(info.map_reused);
	assert_true(info.link_updated[0] && info.link_updated[1]);
	assert_int_equal(enf_egress_lookup(f->e, env.a_id, AF_INET,
					   (const __u8[]){ 127, 0, 0, 1 },
					   htons(env.pa), NULL),
			 0);
	expect_connect("reopened after kill -9: EPERM", EPERM, env.a, TCP4,
		       "127.0.0.1", env.pa);
	assert_int_equal(enf_egress_detach(f->e), 0);
	expect_connect("detached after kill -9: connects", 0, env.a, TCP4,
		       "127.0.0.1", env.pa);
}

static void test_pinned_link_moves_cgroup(void **state)
{
	struct enf_egress_opts o = { .pin_dir = env.pin_dir,
				     .cgroup_path = env.top };
	struct fx *f = *state;
	struct enf_egress_info info;

	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	add4(f->e, env.b_id, "127.0.0.1", env.pb, 31);
	enf_egress_close(f->e);
	f->e = NULL;

	/* Reopened on T/a: the links pinned on T are replaced, not kept. */
	o.cgroup_path = env.a;
	assert_int_equal(enf_egress_open(&o, &f->e), 0);
	assert_int_equal(enf_egress_info(f->e, &info), 0);
	assert_int_equal(info.cgroup_id, env.a_id);
	assert_true(info.map_reused);
	assert_false(info.link_updated[0] || info.link_updated[1]);
	if (progs_on(env.top, BPF_CGROUP_INET4_CONNECT) != 0 ||
	    progs_on(env.top, BPF_CGROUP_INET6_CONNECT) != 0)
		fail_msg("moved: the old links are still on T");
	assert_int_equal(progs_on(env.a, BPF_CGROUP_INET4_CONNECT), 1);
	assert_int_equal(progs_on(env.a, BPF_CGROUP_INET6_CONNECT), 1);
	expect_connect("T/b no longer under the programs: connects", 0, env.b,
		       TCP4, "127.0.0.1", env.pb);
	add4(f->e, env.a_id, "127.0.0.1", env.pb, 32);
	expect_connect("T/a under the moved programs: EPERM", EPERM, env.a,
		       TCP4, "127.0.0.1", env.pb);
	assert_int_equal(enf_egress_detach(f->e), 0);
	assert_int_equal(progs_on(env.a, BPF_CGROUP_INET4_CONNECT), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_port_denied_others_pass,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_port0_denies_every_port,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_and_v4_mapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_outside_and_sibling_pass,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_restores_and_counts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup_foreach_errors,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_map_refuses,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(
			test_pinned_survive_reuse_detach, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_survive_kill9,
						setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_pinned_link_moves_cgroup,
						setup_none, teardown),
	};
	struct enf_egress_opts o = { 0 };
	struct enf_egress *e;
	const char *why;
	int rc;

	if (geteuid() != 0) {
		fprintf(stderr, "test_egress: cgroup BPF programs need root; "
				"skipped\n");
		return SKIP_CODE;
	}
	/* The loader's info lines would bury cmocka's; warnings stay. */
	enf_log_set_level(ENF_LOG_WARN);
	why = env_setup();
	if (why) {
		fprintf(stderr, "test_egress: %s; skipped\n", why);
		env_cleanup();
		return SKIP_CODE;
	}
	o.cgroup_path = env.top;
	if (enf_egress_open(&o, &e)) {
		fprintf(stderr, "test_egress: cannot load or attach the "
				"cgroup connect programs here; skipped\n");
		env_cleanup();
		return SKIP_CODE;
	}
	enf_egress_close(e);
	rc = cmocka_run_group_tests_name("egress", tests, NULL, NULL);
	env_cleanup();
	return rc;
}
