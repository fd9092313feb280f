// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The verdict stage against the real deny maps (enf_dp_open() without
 * pins: the host maps are created in the kernel, nothing is attached) and
 * a real SQLite policy database: a rule's enforce: kinds (src, flow, cidr
 * of IPv4 and IPv6 peers), the configured defaults of deny, drop and
 * block, none, egress audited as not enforced and counted, a kill
 * without a process, reset of a real connection in another network
 * namespace (and of a flow without a socket, a stale cookie, UDP),
 * ttl: giving the blocklist row's expires, shadow rules writing nothing,
 * and a request without a flow. Each case asserts the exact set of map
 * entries (kind, key, rule), the blocklist rows (kind, key, expires -
 * created) and the audit row's action. Needs root and BPF: else it exits
 * 77 (skipped).
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <mntent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/verdict.h"
#include "enforcer/verdict/writer.h"
#include "policydb/policydb.h"

#define SKIP_CODE 77
#define MAX_ROWS 16

struct fx {
	char dir[64];
	char db_path[96];
	struct pdb *db;
	struct enf_dp *dp;
	struct enf_writer *w;
	struct enf_verdict *v;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[PDB_ERR_LEN];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/enf-verdict-maps-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db_path, sizeof(f->db_path), "%s/policy.db", f->dir);
	assert_int_equal(pdb_open(f->db_path, &f->db, err), 0);
	assert_int_equal(enf_dp_open(NULL, &f->dp), 0);
	assert_int_equal(enf_writer_new(f->dp, &f->w), 0);
	assert_int_equal(enf_verdict_new(f->w, f->db, &f->v), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	enf_verdict_free(f->v);
	enf_writer_free(f->w);
	enf_dp_close(f->dp);
	pdb_close(f->db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* A flow as the daemon gives it: peer first, TCP. */
static void tuple(struct enf_tuple *t, const char *peer, uint16_t pport,
		  const char *local, uint16_t lport)
{
	int af = strchr(peer, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	assert_int_equal(inet_pton(af, peer, t->saddr), 1);
	assert_int_equal(inet_pton(af, local, t->daddr), 1);
	t->sport = htons(pport);
	t->dport = htons(lport);
	t->proto = IPPROTO_TCP;
	t->family = af == AF_INET ? ENF_FAMILY_V4 : ENF_FAMILY_V6;
}

/*
 * One match of rule @id (@actions, @enforce as the parser would leave it,
 * @ttl, after:@n/@secs) on a request of @o (its flow, process and socket). Return: what
 * enf_verdict_apply() returned.
 */
static int apply_after(struct fx *f, uint32_t id, uint32_t actions,
		       const char *enforce_words, uint32_t ttl, uint32_t n,
		       uint32_t secs, const struct enf_req_origin *o)
{
	struct enf_rule_info info = { .id = id,
				      .msg = "test rule",
				      .severity = 2,
				      .actions = actions,
				      .text = "",
				      .origin = "test",
				      .engine = "literal",
				      .ttl = ttl,
				      .after_n = n,
				      .after_s = secs };
	struct enf_request req = { 0 };
	struct enf_rule_match m = { .rule = &info, .value_len = 4 };
	char words[128], msg[256], *save = NULL;

	snprintf(words, sizeof(words), "%s", enforce_words);
	for (char *w = strtok_r(words, ",", &save); w;
	     w = strtok_r(NULL, ",", &save))
		assert_int_equal(enf_enforce_add(&info.enforce, w, strlen(w),
						 msg, sizeof(msg)),
				 0);
	assert_int_equal(enf_enforce_finish(&info.enforce, msg, sizeof(msg)),
			 0);
	req.method.ptr = "GET";
	req.method.len = 3;
	req.uri.ptr = "/x";
	req.uri.len = 2;
	req.origin = o;
	strcpy(m.var, "ARGS:q");
	memcpy(m.value, "evil", 4);
	return enf_verdict_apply(f->v, &req, &m);
}

static int apply_from(struct fx *f, uint32_t id, uint32_t actions,
		      const char *enforce_words, uint32_t ttl,
		      const struct enf_req_origin *o)
{
	return apply_after(f, id, actions, enforce_words, ttl, 0, 0, o);
}

/* The same from flow @t (NULL: none) of no process and no known socket: a
 * kill says "(no process)" (test_verdict kills one), a reset looks the
 * flow up in this network namespace. */
static int apply(struct fx *f, uint32_t id, uint32_t actions,
		 const char *enforce_words, uint32_t ttl,
		 const struct enf_tuple *t)
{
	struct enf_req_origin o = { .pid = 0,
				    .tgid = 0,
				    .comm = "server",
				    .exe = "/usr/sbin/server",
				    .tls_lib = "openssl" };

	if (t)
		o.tuple = *t;
	return apply_from(f, id, actions, enforce_words, ttl, &o);
}

/* ---- what the maps, the blocklist and the audit hold ------------------- */

struct rows {
	char row[MAX_ROWS][192];
	size_t n;
};

static int map_entry(const struct enf_deny *d, const struct enf_deny_value *v,
		     void *ctx)
{
	struct rows *r = ctx;
	char key[ENF_DENY_TEXT_MAX];

	assert_int_equal(enf_deny_format(d, key, sizeof(key)), 0);
	assert_true(r->n < MAX_ROWS);
	snprintf(r->row[r->n++], sizeof(r->row[0]), "%s %s rule %u",
		 enf_deny_kind_name(d->kind), key, v->rule_id);
	return 0;
}

static int block_row(const struct pdb_block *b, void *ctx)
{
	struct rows *r = ctx;

	assert_true(r->n < MAX_ROWS);
	assert_true(b->created > 0);
	if (b->expires)
		snprintf(r->row[r->n++], sizeof(r->row[0]),
			 "%s %s rule %u expires +%lld %s", b->kind, b->key,
			 b->rule_id, (long long)(b->expires - b->created),
			 b->point);
	else
		snprintf(r->row[r->n++], sizeof(r->row[0]),
			 "%s %s rule %u expires never %s", b->kind, b->key,
			 b->rule_id, b->point);
	return 0;
}

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * @got must hold exactly the rows of @want (NULL-terminated), in any
 * order; @what names the check.
 */
static void same_rows(struct rows *got, const char *const *want,
		      const char *what)
{
	size_t n = 0;
	bool ok;

	while (want[n])
		n++;
	qsort(got->row, got->n, sizeof(got->row[0]), cmp_rows);
	ok = got->n == n;
	for (size_t i = 0; ok && i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < got->n && !found; k++)
			found = !strcmp(got->row[k], want[i]);
		ok = found;
	}
	if (!ok) {
		for (size_t k = 0; k < got->n; k++)
			print_error("%s: got  '%s'\n", what, got->row[k]);
		for (size_t i = 0; i < n; i++)
			print_error("%s: want '%s'\n", what, want[i]);
		fail_msg("%s: the rows differ", what);
	}
}

static void maps_hold(struct fx *f, const char *const *want)
{
	struct rows r = { .n = 0 };

	assert_int_equal(enf_dp_deny_foreach(f->dp, map_entry, &r), 0);
	same_rows(&r, want, "deny maps");
}

static void blocklist_holds(struct fx *f, const char *const *want)
{
	struct rows r = { .n = 0 };
	char err[PDB_ERR_LEN];

	assert_true(pdb_block_foreach(f->db, true, block_row, &r, err) >= 0);
	same_rows(&r, want, "blocklist");
}

static int first_value(void *ctx, int ncols, const char *const *names,
		       const char *const *values)
{
	(void)ncols;
	(void)names;
	if (values)
		snprintf(ctx, 128, "%s", values[0] ? values[0] : "(null)");
	return 0;
}

/* The audit row of rule @id must say @want as its action. */
static void audited(struct fx *f, uint32_t id, const char *want)
{
	char sql[128], err[PDB_ERR_LEN], got[128] = "";

	snprintf(sql, sizeof(sql),
		 "SELECT action FROM audit WHERE rule_id = %u", id);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, first_value,
					    got, NULL, err),
			 1);
	if (strcmp(got, want))
		fail_msg("rule %u: audit action '%s', want '%s'", id, got,
			 want);
}

/* ---- the cases --------------------------------------------------------- */

/* enforce:src,flow,cidr/24 with ttl:600 from an IPv4 peer: three entries,
 * three rows expiring 600 s after they were made. */
static void test_src_flow_cidr_v4_with_ttl(void **state)
{
	static const char *const maps[] = {
		"src 192.0.2.7 rule 11",
		"flow tcp 192.0.2.7:40000 192.0.2.1:443 rule 11",
		"cidr 192.0.2.0/24 rule 11",
		NULL,
	};
	static const char *const rows[] = {
		"src 192.0.2.7 rule 11 expires +600 host",
		"flow tcp 192.0.2.7:40000 192.0.2.1:443 rule 11 expires +600 "
		"host",
		"cidr 192.0.2.0/24 rule 11 expires +600 host",
		NULL,
	};
	struct fx *f = *state;
	struct enf_verdict_stats st;
	struct enf_tuple t;

	tuple(&t, "192.0.2.7", 40000, "192.0.2.1", 443);
	assert_int_equal(
		apply(f, 11, ENF_ACT_DENY, "src,flow,cidr/24", 600, &t), 0);
	maps_hold(f, maps);
	blocklist_holds(f, rows);
	audited(f, 11, "deny:src+flow+cidr/24");
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.denied, 3);
	assert_int_equal(st.map_errors, 0);
	assert_int_equal(st.not_enforced, 0);
}

/* IPv6 peers: cidr6/M's prefix, or /64 when only cidr/N was given; host
 * bits zeroed; no ttl: the rows never expire. */
static void test_cidr_v6(void **state)
{
	static const char *const maps[] = {
		"cidr 2001:db8:1::/48 rule 12",
		"cidr 2001:db8:2:3::/64 rule 13",
		"flow tcp [2001:db8:2:3::9]:50000 [2001:db8::1]:443 rule 13",
		NULL,
	};
	static const char *const rows[] = {
		"cidr 2001:db8:1::/48 rule 12 expires never host",
		"cidr 2001:db8:2:3::/64 rule 13 expires never host",
		"flow tcp [2001:db8:2:3::9]:50000 [2001:db8::1]:443 rule 13 "
		"expires never host",
		NULL,
	};
	struct fx *f = *state;
	struct enf_tuple t;

	tuple(&t, "2001:db8:1:2:3:4:5:6", 50000, "2001:db8::1", 443);
	assert_int_equal(apply(f, 12, ENF_ACT_BLOCK, "cidr/24,cidr6/48", 0, &t),
			 0);
	audited(f, 12, "deny:cidr/48");
	tuple(&t, "2001:db8:2:3::9", 50000, "2001:db8::1", 443);
	assert_int_equal(apply(f, 13, ENF_ACT_DENY, "cidr/24,flow", 0, &t), 0);
	audited(f, 13, "deny:flow+cidr/64");
	maps_hold(f, maps);
	blocklist_holds(f, rows);
}

/* A rule without enforce: takes the default of its deny, drop or block;
 * src for all three until set; none writes nothing. */
static void test_config_defaults(void **state)
{
	static const char *const maps[] = {
		"src 198.51.100.1 rule 21",
		"flow tcp 198.51.100.2:1000 192.0.2.1:443 rule 22",
		"cidr 198.51.0.0/16 rule 24",
		NULL,
	};
	struct enf_enforce deny = { .kinds = ENF_ENF_FLOW };
	struct enf_enforce drop = { .kinds = 0 };
	struct enf_enforce block = { .kinds = ENF_ENF_CIDR,
				     .cidr4 = 16,
				     .cidr6 = 64 };
	struct fx *f = *state;
	struct enf_verdict_stats st;
	struct enf_tuple t;

	tuple(&t, "198.51.100.1", 1000, "192.0.2.1", 443);
	/* before the configuration: deny denies the source, as it always did */
	assert_int_equal(apply(f, 21, ENF_ACT_DENY, "", 0, &t), 0);
	audited(f, 21, "deny:src");

	enf_verdict_set_enforce(f->v, &deny, &drop, &block);
	tuple(&t, "198.51.100.2", 1000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 22, ENF_ACT_DENY | ENF_ACT_BLOCK, "", 0, &t),
			 0);
	audited(f, 22, "deny:flow");
	tuple(&t, "198.51.100.3", 1000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 23, ENF_ACT_DROP, "", 60, &t), 0);
	audited(f, 23, "deny:none");
	tuple(&t, "198.51.100.4", 1000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 24, ENF_ACT_BLOCK, "", 0, &t), 0);
	audited(f, 24, "deny:cidr/16");
	maps_hold(f, maps);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.denied, 3);
	/* a rule's own enforce: wins over the default */
	tuple(&t, "203.0.113.5", 1000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 25, ENF_ACT_DROP, "src", 0, &t), 0);
	audited(f, 25, "deny:src");
	/* pass and log enforce nothing, whatever the defaults */
	assert_int_equal(apply(f, 26, ENF_ACT_PASS, "", 0, &t), 0);
	audited(f, 26, "pass");
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.denied, 4);
}

/* egress is audited as not enforced and counted, a kill without a
 * process as "(no process)", a reset of a flow no socket has as failed
 * (ENOENT) and of a UDP flow as not supported. */
static void test_kinds_not_done(void **state)
{
	static const char *const maps[] = {
		"src 192.0.2.9 rule 31",
		"src 192.0.2.10 rule 33",
		NULL,
	};
	struct fx *f = *state;
	struct enf_verdict_stats st;
	struct enf_tuple t;

	tuple(&t, "192.0.2.9", 40000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 31, ENF_ACT_DENY, "src,reset", 0, &t),
			 -ENOENT);
	audited(f, 31, "deny:src+reset(failed:ENOENT)");
	assert_int_equal(apply(f, 32, ENF_ACT_DENY, "egress", 0, &t), 0);
	audited(f, 32, "deny:egress(not enforced)");
	tuple(&t, "192.0.2.10", 40000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 33, ENF_ACT_DENY, "egress,kill,reset,src", 0,
			       &t),
			 -ENOENT);
	/* "deny:src+reset(failed:ENOENT)+kill(no process)+egress(not
	 * enforced)" is 67 bytes: the row keeps 61 and "..." */
	audited(f, 33,
		"deny:src+reset(failed:ENOENT)+kill(no process)+egress(not "
		"enf...");
	t.proto = IPPROTO_UDP;
	assert_int_equal(apply(f, 34, ENF_ACT_DENY, "reset", 0, &t),
			 -EPROTONOSUPPORT);
	audited(f, 34, "deny:reset(failed:EPROTONOSUPPORT)");
	maps_hold(f, maps);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.not_enforced, 2);
	assert_int_equal(st.killed, 0);
	assert_int_equal(st.resets, 0);
	assert_int_equal(st.reset_errors, 3);
	assert_int_equal(st.denied, 2);
}

/* ---- enforce:reset against a real connection --------------------------- */

/* What the connection's process tells the test. */
struct conn_report {
	struct enf_tuple t; /* the server side's flow, peer first */
	uint64_t cookie; /* the server side's socket cookie */
	int err[2]; /* errno of a read on the server, the client end */
};

static void up_lo(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	strcpy(ifr.ifr_name, "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr))
		_exit(10);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(fd, SIOCSIFFLAGS, &ifr))
		_exit(11);
	close(fd);
}

/* errno of a read of @fd: 0 for data or an orderly end, EAGAIN when
 * nothing came (@wait: within 2 s, else at once). */
static int read_errno(int fd, bool wait)
{
	struct timeval tv = { .tv_sec = 2 };
	char c;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (recv(fd, &c, 1, wait ? 0 : MSG_DONTWAIT) >= 0)
		return 0;
	return errno == EWOULDBLOCK ? EAGAIN : errno;
}

/*
 * The process of a connection, in a network namespace of its own (not the
 * test's): a listener on loopback (@af), a client connected to it and the
 * accepted socket. It reports the flow and cookie on @out, then for each
 * byte read from @in ('p': peek at once, 'w': wait) the errno of a read on
 * the server's and the client's end. Never returns.
 */
static void conn_process(int af, int in, int out)
{
	struct sockaddr_storage ss = { 0 }, peer;
	socklen_t len = sizeof(ss);
	struct conn_report r = { 0 };
	int lfd, cfd, sfd, one = 1;
	char cmd;

	if (unshare(CLONE_NEWNET))
		_exit(12);
	up_lo();
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		((struct sockaddr_in *)&ss)->sin_addr.s_addr =
			htonl(INADDR_LOOPBACK);
	else
		((struct sockaddr_in6 *)&ss)->sin6_addr = in6addr_loopback;
	lfd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cfd = socket(af, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || cfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&ss, len) || listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) ||
	    connect(cfd, (struct sockaddr *)&ss, len))
		_exit(13);
	sfd = accept(lfd, NULL, NULL);
	len = sizeof(ss);
	socklen_t plen = sizeof(peer), clen = sizeof(r.cookie);
	if (sfd < 0 || getsockname(sfd, (struct sockaddr *)&ss, &len) ||
	    getpeername(sfd, (struct sockaddr *)&peer, &plen) ||
	    getsockopt(sfd, SOL_SOCKET, SO_COOKIE, &r.cookie, &clen))
		_exit(14);
	r.t.proto = IPPROTO_TCP;
	if (af == AF_INET) {
		const struct sockaddr_in *l = (void *)&ss, *p = (void *)&peer;

		r.t.family = ENF_FAMILY_V4;
		memcpy(r.t.saddr, &p->sin_addr, 4);
		memcpy(r.t.daddr, &l->sin_addr, 4);
		r.t.sport = p->sin_port;
		r.t.dport = l->sin_port;
	} else {
		const struct sockaddr_in6 *l = (void *)&ss, *p = (void *)&peer;

		r.t.family = ENF_FAMILY_V6;
		memcpy(r.t.saddr, &p->sin6_addr, 16);
		memcpy(r.t.daddr, &l->sin6_addr, 16);
		r.t.sport = p->sin6_port;
		r.t.dport = l->sin6_port;
	}
	if (write(out, &r, sizeof(r)) != sizeof(r))
		_exit(15);
	while (read(in, &cmd, 1) == 1) {
		r.err[0] = read_errno(sfd, cmd == 'w');
		r.err[1] = read_errno(cfd, cmd == 'w');
		if (write(out, &r, sizeof(r)) != sizeof(r))
			_exit(16);
	}
	_exit(0);
}

/* Asks the connection's process to read both ends (@cmd as above). */
static void conn_ask(int in, int out, char cmd, struct conn_report *r)
{
	assert_int_equal(write(in, &cmd, 1), 1);
	assert_int_equal(read(out, r, sizeof(*r)), (ssize_t)sizeof(*r));
}

/* A connection in another network namespace, reset by its process's flow
 * and cookie: a stale cookie leaves it open; the right one ends
 * it at both ends at once, the server's read ECONNABORTED, the client's
 * ECONNRESET; a second reset finds no socket (ENOENT). */
static void reset_connection(struct fx *f, int af, uint32_t id)
{
	int to_child[2], from_child[2], status;
	struct enf_req_origin o = { .comm = "server",
				    .exe = "/usr/sbin/server",
				    .tls_lib = "openssl" };
	struct enf_verdict_stats st;
	struct conn_report r;
	char want[64];
	pid_t pid;
	int ret;

	assert_int_equal(pipe2(to_child, O_CLOEXEC), 0);
	assert_int_equal(pipe2(from_child, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(to_child[1]);
		close(from_child[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		conn_process(af, to_child[0], from_child[1]);
	}
	close(to_child[0]);
	close(from_child[1]);
	assert_int_equal(read(from_child[0], &r, sizeof(r)),
			 (ssize_t)sizeof(r));
	assert_true(r.cookie != 0);
	o.pid = o.tgid = (uint32_t)pid;
	o.tuple = r.t;

	/* the kernel finds no socket of that cookie: ESTALE (up to 6.x) or
	 * ENOENT (6.18), both audited as failed */
	o.sock_cookie = r.cookie + 1;
	ret = apply_from(f, id, ENF_ACT_DENY, "reset", 0, &o);
	if (ret != -ESTALE && ret != -ENOENT)
		fail_msg("a stale cookie: %s, want ESTALE or ENOENT",
			 strerror(-ret));
	snprintf(want, sizeof(want), "deny:reset(failed:%s)",
		 strerrorname_np(-ret));
	audited(f, id, want);
	conn_ask(to_child[1], from_child[0], 'p', &r);
	if (r.err[0] != EAGAIN || r.err[1] != EAGAIN)
		fail_msg("a stale cookie ended the connection: server %s, "
			 "client %s",
			 strerror(r.err[0]), strerror(r.err[1]));

	o.sock_cookie = r.cookie;
	assert_int_equal(apply_from(f, id + 1, ENF_ACT_DENY, "reset", 0, &o),
			 0);
	audited(f, id + 1, "deny:reset");
	conn_ask(to_child[1], from_child[0], 'w', &r);
	if (r.err[0] != ECONNABORTED || r.err[1] != ECONNRESET)
		fail_msg("after the reset: server read %s (want "
			 "ECONNABORTED), client read %s (want ECONNRESET)",
			 strerror(r.err[0]), strerror(r.err[1]));
	assert_int_equal(apply_from(f, id + 2, ENF_ACT_DENY, "reset", 0, &o),
			 -ENOENT);
	audited(f, id + 2, "deny:reset(failed:ENOENT)");

	close(to_child[1]);
	close(from_child[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.resets, 1);
	assert_int_equal(st.reset_errors, 2);
	assert_int_equal(st.denied, 0);
}

static void test_reset_v4(void **state)
{
	reset_connection(*state, AF_INET, 61);
}

static void test_reset_v6(void **state)
{
	reset_connection(*state, AF_INET6, 71);
}

/* A shadow rule, or every rule in shadow mode, audits "shadow:" and the
 * same text and writes no entry and no row. */
static void test_shadow_writes_nothing(void **state)
{
	static const char *const none[] = { NULL };
	struct fx *f = *state;
	struct enf_verdict_stats st;
	struct enf_tuple t;

	tuple(&t, "192.0.2.20", 40000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 41, ENF_ACT_DENY | ENF_ACT_SHADOW,
			       "src,flow,cidr/24,reset,egress", 600, &t),
			 0);
	audited(f, 41,
		"shadow:deny:src+flow+cidr/24+reset+egress(not enforced)");
	enf_verdict_set_shadow(f->v, true);
	assert_int_equal(apply(f, 42, ENF_ACT_DROP, "", 0, &t), 0);
	audited(f, 42, "shadow:deny:src");
	maps_hold(f, none);
	blocklist_holds(f, none);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.shadowed, 2);
	assert_int_equal(st.denied, 0);
	assert_int_equal(st.not_enforced, 0);
}

/* A peer in the allowlist is never denied: each kind against it is
 * audited "(suppressed)" and the verdict counted once; a kill still acts
 * (here: no process); a peer outside is denied as ever. */
static void test_allowlist_suppresses(void **state)
{
	static const char *const maps[] = {
		"src 192.0.2.77 rule 82",
		NULL,
	};
	struct fx *f = *state;
	struct enf_cidr allow[2];
	struct enf_verdict_stats st;
	struct enf_tuple t;
	char err[128];

	assert_int_equal(
		enf_cidr_parse("192.0.2.0/26", &allow[0], err, sizeof(err)), 0);
	assert_int_equal(enf_cidr_parse("2001:db8::/64", &allow[1], err,
					sizeof(err)),
			 0);
	enf_verdict_set_allowlist(f->v, allow, 2);
	tuple(&t, "192.0.2.5", 40000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 81, ENF_ACT_DENY, "src,flow", 600, &t), 0);
	audited(f, 81, "deny:src(suppressed)+flow(suppressed)");
	tuple(&t, "192.0.2.77", 40000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 82, ENF_ACT_DENY, "src", 0, &t), 0);
	audited(f, 82, "deny:src");
	tuple(&t, "2001:db8::5", 40000, "2001:db8::1", 443);
	assert_int_equal(apply(f, 83, ENF_ACT_DENY, "cidr/24,kill", 0, &t), 0);
	audited(f, 83, "deny:cidr/64(suppressed)+kill(no process)");
	assert_int_equal(
		apply(f, 84, ENF_ACT_DENY | ENF_ACT_SHADOW, "src", 0, &t), 0);
	audited(f, 84, "shadow:deny:src(suppressed)");
	maps_hold(f, maps);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.suppressed, 2);
	assert_int_equal(st.denied, 1);
}

/* The actions of rule @id's audit rows, oldest first, joined by " ". */
static void audited_all(struct fx *f, uint32_t id, const char *want)
{
	char sql[192], err[PDB_ERR_LEN], got[256] = "";

	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(action, ' ') FROM (SELECT action FROM "
		 "audit WHERE rule_id = %u ORDER BY id)",
		 id);
	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, first_value,
					    got, NULL, err),
			 1);
	if (strcmp(got, want))
		fail_msg("rule %u: audit actions '%s', want '%s'", id, got,
			 want);
}

/* after:3/60: the first two matches from a source are counted, audited
 * "count(K/3)" and do nothing; the third denies; another source counts
 * apart; without a flow the process is counted. */
static void test_after_escalates(void **state)
{
	static const char *const none[] = { NULL };
	static const char *const maps[] = {
		"src 192.0.2.30 rule 91",
		NULL,
	};
	struct enf_req_origin o = { .comm = "server",
				    .exe = "/usr/sbin/server",
				    .tls_lib = "openssl" };
	struct fx *f = *state;
	struct enf_verdict_stats st;

	tuple(&o.tuple, "192.0.2.30", 40000, "192.0.2.1", 443);
	for (int i = 0; i < 2; i++)
		assert_int_equal(apply_after(f, 91, ENF_ACT_DENY, "src", 0, 3,
					     60, &o),
				 0);
	maps_hold(f, none);
	tuple(&o.tuple, "192.0.2.31", 40000, "192.0.2.1", 443);
	assert_int_equal(apply_after(f, 91, ENF_ACT_DENY, "src", 0, 3, 60, &o),
			 0);
	maps_hold(f, none);
	tuple(&o.tuple, "192.0.2.30", 40001, "192.0.2.1", 443);
	assert_int_equal(apply_after(f, 91, ENF_ACT_DENY, "src", 0, 3, 60, &o),
			 0);
	maps_hold(f, maps);
	audited_all(f, 91, "count(1/3) count(2/3) count(1/3) deny:src");
	/* no flow: counted by process; the second match acts */
	memset(&o.tuple, 0, sizeof(o.tuple));
	o.tgid = 4242;
	assert_int_equal(apply_after(f, 92, ENF_ACT_DENY | ENF_ACT_SHADOW,
				     "src", 0, 2, 60, &o),
			 0);
	o.tgid = 4243;
	assert_int_equal(apply_after(f, 92, ENF_ACT_DENY | ENF_ACT_SHADOW,
				     "src", 0, 2, 60, &o),
			 0);
	o.tgid = 4242;
	assert_int_equal(apply_after(f, 92, ENF_ACT_DENY | ENF_ACT_SHADOW,
				     "src", 0, 2, 60, &o),
			 0);
	audited_all(f, 92,
		    "shadow:count(1/2) shadow:count(1/2) shadow:deny:src(no "
		    "flow)");
	maps_hold(f, maps);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.pending, 5);
	assert_int_equal(st.escalated, 2);
	assert_int_equal(st.denied, 1);
}

/* Without a flow nothing can be denied: each kind says so, -ENOTCONN. */
static void test_no_flow(void **state)
{
	static const char *const none[] = { NULL };
	struct fx *f = *state;
	struct enf_verdict_stats st;

	assert_int_equal(apply(f, 51, ENF_ACT_DENY, "src,cidr/24,kill", 0,
			       NULL),
			 -ENOTCONN);
	audited(f, 51, "deny:src(no flow)+cidr(no flow)+kill(no process)");
	maps_hold(f, none);
	blocklist_holds(f, none);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.unenforceable, 1);
}

/*
 * The latency of a verdict, from its request's capture (ts_ns, 3 ms before
 * now) to its enforcing: counted in the histogram once it enforced
 * something, at 3 ms or more, and stored in its audit row; a shadow
 * verdict, a log rule and a request of unknown capture time are not
 * counted (the log rule's row still has its latency, the unknown one
 * NULL).
 */
static void test_latency(void **state)
{
	static const char sql[] =
		"SELECT group_concat(rule_id || ':' || (latency_ns >= 3000000)"
		" || ':' || latency_ns, ' ') FROM (SELECT * FROM audit WHERE"
		" rule_id IN (61, 62, 63, 64) ORDER BY rule_id)";
	static const uint32_t bounds[] = ENF_VERDICT_LAT_BOUNDS_US;
	struct enf_req_origin o = { .comm = "server",
				    .exe = "/usr/sbin/server",
				    .tls_lib = "openssl" };
	struct fx *f = *state;
	struct enf_verdict_latency l;
	struct timespec ts;
	char got[128];
	char err[PDB_ERR_LEN];
	uint64_t below = 0;

	enf_verdict_get_latency(f->v, &l);
	assert_int_equal(l.count, 0);
	tuple(&o.tuple, "192.0.2.30", 40000, "192.0.2.1", 443);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	o.ts_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec -
		  3000000;
	assert_int_equal(apply_from(f, 61, ENF_ACT_DENY, "src", 0, &o), 0);
	assert_int_equal(apply_from(f, 62, ENF_ACT_DENY | ENF_ACT_SHADOW, "src",
				    0, &o),
			 0);
	assert_int_equal(apply_from(f, 63, ENF_ACT_LOG, "", 0, &o), 0);
	o.ts_ns = 0;
	assert_int_equal(apply_from(f, 64, ENF_ACT_DENY, "flow", 0, &o), 0);

	enf_verdict_get_latency(f->v, &l);
	assert_int_equal(l.count, 1);
	for (size_t i = 0; i < ENF_VERDICT_LAT_BUCKETS - 1; i++) {
		if (bounds[i] < 3000)
			below += l.bucket[i];
	}
	assert_int_equal(below, 0);
	assert_true(l.max_ns >= 3000000 && l.sum_ns == l.max_ns);

	assert_int_equal(pdb_query_readonly(f->db_path, sql, 0, first_value,
					    got, NULL, err),
			 1);
	/* 64's latency is NULL: its comparison too, and so the whole text
	 * of its part */
	if (strncmp(got, "61:1:", 5) || !strstr(got, " 62:1:") ||
	    !strstr(got, " 63:1:") || strstr(got, "64:"))
		fail_msg("audit latencies: %s", got);
}

/* The first cgroup2 mount into @buf; false when there is none. */
static bool cgroup2_mount(char *buf, size_t len)
{
	struct mntent *m;
	bool found = false;
	FILE *f = setmntent("/proc/self/mounts", "r");

	while (f && !found && (m = getmntent(f))) {
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(buf, len, "%s", m->mnt_dir);
			found = true;
		}
	}
	if (f)
		endmntent(f);
	return found;
}

/*
 * enforce:egress with the egress data plane on a cgroup of the test's own:
 * a request the process sent denies its cgroup's connect()s to the peer's
 * address and port, one it received the peer's address on every port;
 * each with a blocklist row of kind egress that keeps the cgroup's path.
 * A request of no known cgroup enforces nothing. The cgroup's removal,
 * and a cgroup made again under its name, are told apart from a live one.
 */
static void test_egress_entries(void **state)
{
	struct enf_req_origin o = { .comm = "client",
				    .exe = "/usr/bin/client",
				    .tls_lib = "openssl",
				    .direction = ENF_REQ_OUTBOUND };
	struct enf_egress_opts opts = { 0 };
	struct fx *f = *state;
	struct enf_egress *e = NULL;
	struct enf_egress_counters c;
	struct enf_egress_value val;
	struct enf_verdict_stats st;
	char mnt[256], dir[512], rel[64], want[3][192];
	const char *rows[4];
	__u8 a4[16] = { 0 }, a6[16];
	__u64 id, id2;
	__u32 n = 0;

	if (!cgroup2_mount(mnt, sizeof(mnt)))
		skip();
	snprintf(rel, sizeof(rel), "/enf-verdict-maps-%d", (int)getpid());
	snprintf(dir, sizeof(dir), "%s%s", mnt, rel);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(enf_egress_cgroup_id(dir, &id), 0);
	opts.cgroup_path = dir;
	assert_int_equal(enf_egress_open(&opts, &e), 0);
	enf_verdict_set_egress(f->v, e);
	enf_writer_set_egress(f->w, e);

	o.cgroup_id = id;
	o.cgroup = rel;
	tuple(&o.tuple, "192.0.2.40", 443, "192.0.2.1", 40000);
	assert_int_equal(apply_from(f, 81, ENF_ACT_DENY, "egress", 600, &o), 0);
	audited(f, 81, "deny:egress");
	inet_pton(AF_INET, "192.0.2.40", a4);
	assert_int_equal(
		enf_egress_lookup(e, id, AF_INET, a4, htons(443), &val), 0);
	assert_int_equal(val.rule_id, 81);
	/* only that port */
	assert_int_equal(enf_egress_lookup(e, id, AF_INET, a4, 0, NULL),
			 -ENOENT);

	o.direction = ENF_REQ_INBOUND;
	tuple(&o.tuple, "2001:db8::41", 40001, "2001:db8::1", 443);
	assert_int_equal(apply_from(f, 82, ENF_ACT_DENY, "egress,src", 0, &o),
			 0);
	audited(f, 82, "deny:src+egress");
	inet_pton(AF_INET6, "2001:db8::41", a6);
	assert_int_equal(enf_egress_lookup(e, id, AF_INET6, a6, 0, NULL), 0);

	o.cgroup_id = 0;
	assert_int_equal(apply_from(f, 83, ENF_ACT_DENY, "egress", 0, &o), 0);
	audited(f, 83, "deny:egress(no cgroup)");

	assert_int_equal(enf_egress_count(e, &n), 0);
	assert_int_equal(n, 2);
	snprintf(want[0], sizeof(want[0]),
		 "egress 192.0.2.40:443 %llu rule 81 expires +600 host",
		 (unsigned long long)id);
	snprintf(want[1], sizeof(want[1]),
		 "egress [2001:db8::41]:* %llu rule 82 expires never host",
		 (unsigned long long)id);
	snprintf(want[2], sizeof(want[2]),
		 "src 2001:db8::41 rule 82 expires never host");
	rows[0] = want[0];
	rows[1] = want[1];
	rows[2] = want[2];
	rows[3] = NULL;
	blocklist_holds(f, rows);
	{
		char sql[160], err[PDB_ERR_LEN], got[128] = "";

		snprintf(sql, sizeof(sql),
			 "SELECT group_concat(cgroup, ',') FROM blocklist"
			 " WHERE kind = 'egress'");
		assert_int_equal(pdb_query_readonly(f->db_path, sql, 0,
						    first_value, got, NULL,
						    err),
				 1);
		snprintf(sql, sizeof(sql), "%s,%s", rel, rel);
		assert_string_equal(got, sql);
	}
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.not_enforced, 0);
	assert_int_equal(st.denied, 3);
	assert_int_equal(enf_egress_stats(e, &c), 0);

	/* alive; gone once removed; another cgroup under the same name is
	 * not the one the entries name */
	assert_int_equal(enf_egress_cgroup_gone(e, id, rel), 0);
	assert_int_equal(enf_egress_cgroup_gone(e, id, "relative"), -EINVAL);
	enf_verdict_set_egress(f->v, NULL);
	enf_writer_set_egress(f->w, NULL);
	enf_egress_close(e);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(enf_egress_open(NULL, &e), 0);
	assert_int_equal(enf_egress_cgroup_gone(e, id, rel), 1);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(enf_egress_cgroup_id(dir, &id2), 0);
	assert_true(id2 != id);
	assert_int_equal(enf_egress_cgroup_gone(e, id, rel), 1);
	assert_int_equal(enf_egress_cgroup_gone(e, id2, rel), 0);
	enf_egress_close(e);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * Deferred verdicts (as enforcerd's event thread runs them): staged, their
 * entries queued for the map writer, finished by enf_verdict_flush(). 20
 * verdicts on one source queued together make one write; every verdict
 * still gets its audit row, and the blocklist one row per entry.
 */
static void test_deferred_coalesce(void **state)
{
	static const char *const maps[] = {
		"src 192.0.2.77 rule 91",
		"flow tcp 192.0.2.80:40000 192.0.2.1:443 rule 92",
		"flow tcp 192.0.2.80:40001 192.0.2.1:443 rule 92",
		"src 192.0.2.78 rule 93",
		"flow tcp 192.0.2.78:41000 192.0.2.1:443 rule 93",
		NULL,
	};
	static const char *const rows[] = {
		"src 192.0.2.77 rule 91 expires never host",
		"flow tcp 192.0.2.80:40000 192.0.2.1:443 rule 92 expires never "
		"host",
		"flow tcp 192.0.2.80:40001 192.0.2.1:443 rule 92 expires never "
		"host",
		"src 192.0.2.78 rule 93 expires +60 host",
		"flow tcp 192.0.2.78:41000 192.0.2.1:443 rule 93 expires +60 "
		"host",
		NULL,
	};
	struct fx *f = *state;
	struct enf_writer_stats ws;
	struct enf_verdict_stats st;
	char err[PDB_ERR_LEN], got[32] = "";
	struct enf_tuple t;

	enf_verdict_set_deferred(f->v, true);
	enf_writer_hold(f->w, true);
	for (int i = 0; i < 20; i++) {
		tuple(&t, "192.0.2.77", (uint16_t)(30000 + i), "192.0.2.1",
		      443);
		assert_int_equal(apply(f, 91, ENF_ACT_DENY, "src", 0, &t), 0);
	}
	for (int i = 0; i < 3; i++) { /* the third is the first again */
		tuple(&t, "192.0.2.80", (uint16_t)(40000 + i % 2), "192.0.2.1",
		      443);
		assert_int_equal(apply(f, 92, ENF_ACT_DENY, "flow", 0, &t), 0);
	}
	tuple(&t, "192.0.2.78", 41000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 93, ENF_ACT_DENY, "src,flow", 60, &t), 0);

	/* staged: nothing written, nothing audited yet */
	maps_hold(f, (const char *const[]){ NULL });
	assert_int_equal(pdb_query_readonly(f->db_path,
					    "SELECT count(*) FROM audit", 0,
					    first_value, got, NULL, err),
			 1);
	assert_string_equal(got, "0");

	enf_writer_hold(f->w, false);
	assert_int_equal(enf_verdict_flush(f->v), 0);
	maps_hold(f, maps);
	blocklist_holds(f, rows);
	assert_int_equal(
		pdb_query_readonly(f->db_path,
				   "SELECT count(*) FROM audit WHERE rule_id = "
				   "91 AND action = 'deny:src'",
				   0, first_value, got, NULL, err),
		1);
	assert_string_equal(got, "20");
	audited_all(f, 92, "deny:flow deny:flow deny:flow");
	audited(f, 93, "deny:src+flow");

	enf_writer_get_stats(f->w, &ws);
	assert_int_equal(ws.ops, 25);
	assert_int_equal(ws.writes, 5);
	assert_int_equal(ws.coalesced, 20);
	assert_int_equal(ws.wakes, 1);
	enf_verdict_get_stats(f->v, &st);
	assert_int_equal(st.denied, 25);
	assert_int_equal(st.audited, 24);
	assert_int_equal(st.map_errors, 0);

	/* off again: each verdict finished before apply returns */
	enf_verdict_set_deferred(f->v, false);
	tuple(&t, "192.0.2.79", 42000, "192.0.2.1", 443);
	assert_int_equal(apply(f, 94, ENF_ACT_DENY, "src", 0, &t), 0);
	audited(f, 94, "deny:src");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_src_flow_cidr_v4_with_ttl,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cidr_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_defaults, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kinds_not_done, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_reset_v4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_v6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shadow_writes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowlist_suppresses,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_escalates, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_egress_entries, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deferred_coalesce, setup,
						teardown),
	};
	struct enf_dp *dp;

	if (geteuid() != 0) {
		fprintf(stderr, "test_verdict_maps: BPF maps need root; "
				"skipped\n");
		return SKIP_CODE;
	}
	if (enf_dp_open(NULL, &dp)) {
		fprintf(stderr, "test_verdict_maps: no BPF maps here; "
				"skipped\n");
		return SKIP_CODE;
	}
	enf_dp_close(dp);
	return cmocka_run_group_tests_name("verdict_maps", tests, NULL, NULL);
}
