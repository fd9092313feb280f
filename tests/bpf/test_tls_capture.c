// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS capture across two network namespaces, run by tls_capture.sh, which
 * builds the network (server 192.0.2.1 and 2001:db8::1, client 192.0.2.2
 * and 2001:db8::2), starts nginx (one process, SSL_read/SSL_write) in the
 * server namespace and passes, in the environment:
 *   ENF_TLS_SERVER_PID  pid of the nginx process
 *   ENF_TLS_CLIENT_NS   path of the client namespace (/run/netns/NAME)
 *   ENF_TLS_PORT        the server's TCP port
 *   ENF_TLS_SERVER_OWN_CGROUP  1 when the server runs in a cgroup of its own
 *
 * This program loads the capture, attaches the system's libssl, runs curl
 * (IPv4 and IPv6) and its own OpenSSL client (a 20000-byte write, two
 * records, as an unprivileged user) in the client namespace, and checks
 * the events of both ends.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "enforcer/capture/capture.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/tls.h"

#include "test_tls_common.h"

#define BIG_WRITE 20000
#define NOBODY 65534

struct env {
	pid_t server;
	const char *client_ns;
	int port;
	bool own_cgroup;
	__u64 server_cgroup;
	char server_comm[ENF_COMM_LEN];
};

static struct tls_store st;

/* fork, enter the client namespace, exec @argv; returns the child's pid */
static pid_t spawn_in_ns(const char *ns, char *const argv[])
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	fd = open(ns, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		perror("setns");
		_exit(126);
	}
	execvp(argv[0], argv);
	perror(argv[0]);
	_exit(127);
}

static int run_curl(const struct env *env, const char *url, pid_t *pid)
{
	char *argv[] = { "curl", "-sgk",      "--max-time", "10",
			 "-o",	 "/dev/null", (char *)url,  NULL };
	int status;

	*pid = spawn_in_ns(env->client_ns, argv);
	if (*pid < 0)
		return -1;
	tls_store_watch(&st, *pid);
	if (waitpid(*pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static bool addr_is(const __u8 *a, int family, const char *text)
{
	__u8 want[16] = { 0 };

	if (inet_pton(family, text, want) != 1)
		return false;
	return !memcmp(a, want, 16);
}

static bool tuple_mirrored(const struct enf_tuple *a, const struct enf_tuple *b)
{
	return !memcmp(a->saddr, b->daddr, 16) &&
	       !memcmp(a->daddr, b->saddr, 16) && a->sport == b->dport &&
	       a->dport == b->sport && a->proto == b->proto &&
	       a->family == b->family;
}

/* curl GETs @path over @url; check both ends' events. */
static void curl_case(struct enf_capture *cap, const struct env *env,
		      const char *m, const char *url, const char *path,
		      int family, const char *srv_addr, const char *cli_addr)
{
	int af = family == ENF_FAMILY_V6 ? AF_INET6 : AF_INET;
	const struct enf_tls_event *sr, *cw;
	char request_line[128], tb[160];
	__u64 t0 = tls_now_ns();
	pid_t curl;
	int rc;

	snprintf(request_line, sizeof(request_line), "GET %s HTTP/1.1\r\n",
		 path);
	rc = run_curl(env, url, &curl);
	CHECK(rc == 0, "[%s] curl %s exits 0 (%d)", m, url, rc);

	sr = tls_wait_event(cap, &st, env->server, ENF_TLS_READ, request_line,
			    3000);
	cw = tls_wait_event(cap, &st, curl, ENF_TLS_WRITE, request_line, 3000);
	CHECK(sr != NULL, "[%s] server READ event starting '%.*s'", m,
	      (int)strlen(request_line) - 2, request_line);
	CHECK(cw != NULL, "[%s] curl WRITE event with the request", m);
	if (!sr || !cw) {
		printf("# server pid %d, curl pid %d\n", (int)env->server,
		       (int)curl);
		tls_store_dump(&st);
		return;
	}

	/* the server's side */
	CHECK(sr->tuple.family == family && sr->tuple.proto == 6,
	      "[%s] server READ tuple family %u proto %u", m, sr->tuple.family,
	      sr->tuple.proto);
	CHECK(addr_is(sr->tuple.saddr, af, cli_addr) &&
		      addr_is(sr->tuple.daddr, af, srv_addr),
	      "[%s] server READ tuple %s has the client as source", m,
	      tls_tuple_str(&sr->tuple, tb, sizeof(tb)));
	CHECK(sr->tuple.dport == htons(env->port),
	      "[%s] server READ dport is the server port %d", m, env->port);
	CHECK(!(sr->flags & ENF_TLS_F_NO_SOCKET) && sr->fd >= 0,
	      "[%s] server READ found its socket (fd %d)", m, sr->fd);
	CHECK(sr->pid == (__u32)env->server && sr->tgid == (__u32)env->server,
	      "[%s] server READ pid and tgid are the server's", m);
	CHECK(sr->uid == 0 && sr->gid == 0, "[%s] server READ uid/gid 0", m);
	CHECK(!strncmp(sr->comm, env->server_comm, ENF_COMM_LEN),
	      "[%s] server READ comm '%.16s' == '%s'", m, sr->comm,
	      env->server_comm);
	CHECK(sr->cgroup_id == env->server_cgroup && sr->cgroup_id,
	      "[%s] server READ cgroup id %llu is the server's cgroup (%llu)",
	      m, (unsigned long long)sr->cgroup_id,
	      (unsigned long long)env->server_cgroup);
	CHECK(sr->ts_ns >= t0 && sr->ts_ns <= tls_now_ns(),
	      "[%s] server READ timestamp within the case", m);
	CHECK(sr->lib == ENF_TLS_LIB_OPENSSL && sr->len >= sr->data_len &&
		      !(sr->flags & ENF_TLS_F_TRUNCATED),
	      "[%s] server READ lib, len, flags", m);

	/* curl's side: the same bytes, the same flow seen from the other end */
	CHECK(cw->data_len == cw->len && sr->data_len >= cw->data_len &&
		      !memcmp(sr->data, cw->data, cw->data_len),
	      "[%s] curl WRITE and server READ carry the same request bytes (%u)",
	      m, cw->len);
	CHECK(tuple_mirrored(&cw->tuple, &sr->tuple),
	      "[%s] curl WRITE tuple %s mirrors the server's", m,
	      tls_tuple_str(&cw->tuple, tb, sizeof(tb)));
	CHECK(sr->tuple.sport != 0 && sr->tuple.sport == cw->tuple.dport,
	      "[%s] server READ sport is curl's port %u", m,
	      ntohs(cw->tuple.dport));
	CHECK(cw->pid == (__u32)curl && cw->uid == 0,
	      "[%s] curl WRITE pid and uid", m);
	CHECK(!strcmp(cw->comm, "curl"), "[%s] curl WRITE comm '%.16s'", m,
	      cw->comm);
	CHECK(cw->cgroup_id == tls_cgroup_id(getpid()),
	      "[%s] curl WRITE cgroup id is curl's (the test's) cgroup", m);
	if (env->own_cgroup)
		CHECK(cw->cgroup_id != sr->cgroup_id,
		      "[%s] client and server cgroup ids differ", m);
	CHECK(tls_store_find(&st, curl, ENF_TLS_READ, "HTTP/1.1 200") != NULL,
	      "[%s] curl READ event with the response status line", m);
}

/*
 * The child of big_write_case: as nobody, in the client namespace, send
 * one 20000-byte SSL_write and read the answer 8 bytes a call.
 */
static void big_write_child(const struct env *env, int report,
			    const char *payload)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	char buf[8];
	int nsfd, fd, info[2];
	SSL_CTX *ctx;
	SSL *ssl;

	nsfd = open(env->client_ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
		_exit(10);
	if (setgid(NOBODY) || setuid(NOBODY))
		_exit(11);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	inet_pton(AF_INET, "192.0.2.1", &sa.sin_addr);
	sa.sin_port = htons(env->port);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen))
		_exit(12);
	info[0] = fd;
	info[1] = ntohs(sa.sin_port);
	if (write(report, info, sizeof(info)) != sizeof(info))
		_exit(13);
	ctx = tls_client_ctx();
	ssl = ctx ? SSL_new(ctx) : NULL;
	if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1)
		_exit(14);
	if (SSL_write(ssl, payload, BIG_WRITE) != BIG_WRITE)
		_exit(15);
	while (SSL_read(ssl, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static void big_write_case(struct enf_capture *cap, const struct env *env)
{
	const struct enf_tls_event *w, *r;
	char *payload = malloc(BIG_WRITE);
	int rep[2], info[2] = { -1, -1 }, status = -1;
	__u64 t0 = tls_now_ns();
	size_t reads = 0;
	bool reads_ok = true;
	pid_t pid;
	char tb[160];

	if (!payload || pipe(rep)) {
		CHECK(false, "[big] setup");
		free(payload);
		return;
	}
	memset(payload, 'x', BIG_WRITE);
	memcpy(payload, "GET /big HTTP/1.0\r\nX-Pad: ", 26);
	memcpy(payload + BIG_WRITE - 4, "\r\n\r\n", 4);
	for (int i = 26; i < BIG_WRITE - 4; i++)
		payload[i] = 'a' + i % 26;

	pid = fork();
	if (pid == 0) {
		close(rep[0]);
		big_write_child(env, rep[1], payload);
	}
	close(rep[1]);
	tls_store_watch(&st, pid);
	if (read(rep[0], info, sizeof(info)) != sizeof(info))
		info[0] = info[1] = -1;
	close(rep[0]);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "[big] client child (uid %d) wrote %d bytes in one SSL_write (status %#x)",
	      NOBODY, BIG_WRITE, status);

	w = tls_wait_event(cap, &st, pid, ENF_TLS_WRITE, "GET /big", 3000);
	r = tls_wait_event(cap, &st, pid, ENF_TLS_READ, NULL, 3000);
	tls_drain(cap, 100);
	CHECK(w != NULL, "[big] WRITE event of the big write");
	if (!w)
		goto out_free;
	CHECK(w->len == BIG_WRITE, "[big] len %u is the full %d bytes", w->len,
	      BIG_WRITE);
	CHECK(w->data_len == ENF_TLS_CHUNK && w->offset == 0 &&
		      (w->flags & ENF_TLS_F_MORE),
	      "[big] first record: %u bytes at offset 0, more follow (%#x)",
	      w->data_len, w->flags);
	CHECK(!(w->flags & ENF_TLS_F_TRUNCATED),
	      "[big] under the cap: not truncated (%#x)", w->flags);
	CHECK(!memcmp(w->data, payload, ENF_TLS_CHUNK),
	      "[big] first record is the first %d bytes written",
	      ENF_TLS_CHUNK);
	{
		struct tls_stream ws;

		CHECK(!tls_stream_get(&st, pid, ENF_TLS_WRITE, w->session,
				      BIG_WRITE + 1, &ws) &&
			      ws.len == BIG_WRITE && ws.records == 2 &&
			      ws.calls == 1 && ws.gaps == 0 &&
			      !memcmp(ws.data, payload, BIG_WRITE),
		      "[big] the two records rebuild the %d bytes by seq (%zu bytes, %zu records)",
		      BIG_WRITE, ws.len, ws.records);
		tls_stream_free(&ws);
	}
	CHECK(w->uid == NOBODY && w->gid == NOBODY, "[big] uid/gid %u/%u",
	      w->uid, w->gid);
	CHECK(w->fd == info[0], "[big] fd %d is the client's socket %d", w->fd,
	      info[0]);
	CHECK(w->tuple.family == ENF_FAMILY_V4 &&
		      addr_is(w->tuple.saddr, AF_INET, "192.0.2.1") &&
		      addr_is(w->tuple.daddr, AF_INET, "192.0.2.2") &&
		      w->tuple.sport == htons(env->port) &&
		      w->tuple.dport == htons(info[1]),
	      "[big] tuple %s: server as source, client port %d",
	      tls_tuple_str(&w->tuple, tb, sizeof(tb)), info[1]);
	CHECK(w->ts_ns >= t0, "[big] timestamp");

	/* 8-byte reads: most come from OpenSSL's buffer, without a syscall */
	CHECK(r != NULL, "[big] READ events of the answer");
	for (size_t i = 0; i < st.n; i++) {
		const struct enf_tls_event *e = st.ev[i];

		if (e->tgid != (__u32)pid || e->direction != ENF_TLS_READ)
			continue;
		reads++;
		if (e->fd != info[0] ||
		    memcmp(&e->tuple, &w->tuple, sizeof(e->tuple)))
			reads_ok = false;
	}
	CHECK(reads >= 2 && reads_ok,
	      "[big] all %zu READ events have the socket's fd and tuple",
	      reads);
out_free:
	free(payload);
}

static int env_load(struct env *env)
{
	const char *pid = getenv("ENF_TLS_SERVER_PID");
	const char *port = getenv("ENF_TLS_PORT");
	const char *own = getenv("ENF_TLS_SERVER_OWN_CGROUP");
	char path[64];
	FILE *f;

	env->client_ns = getenv("ENF_TLS_CLIENT_NS");
	if (!pid || !port || !env->client_ns)
		return -EINVAL;
	env->server = atoi(pid);
	env->port = atoi(port);
	env->own_cgroup = own && !strcmp(own, "1");
	env->server_cgroup = tls_cgroup_id(env->server);
	if (env->server <= 0 || env->port <= 0 || kill(env->server, 0))
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)env->server);
	f = fopen(path, "re");
	if (!f)
		return -ESRCH;
	if (!fgets(env->server_comm, sizeof(env->server_comm), f))
		env->server_comm[0] = '\0';
	env->server_comm[strcspn(env->server_comm, "\n")] = '\0';
	fclose(f);
	return 0;
}

int main(void)
{
	__u64 stats[ENF_TLS_STAT_MAX];
	struct enf_capture_stats cs;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	struct env env;
	char url[128];
	int err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_capture needs root (BPF, network namespaces)\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_capture");
	err = env_load(&env);
	if (err) {
		printf("Bail out! run me through tls_capture.sh (%s)\n",
		       strerror(-err));
		return 1;
	}

	err = tls_open_libssl(NULL, -1, &tls);
	CHECK(err == 0, "load the TLS capture and attach %s (%s)",
	      tls_libssl_path(), strerror(-err));
	if (err)
		return tls_check_done();
	CHECK(enf_tls_tracking(tls) == tls_default_track(),
	      "sockets tracked by the %s (default)",
	      enf_tls_track_name(tls_default_track()));
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "ring buffer consumer");
	if (err)
		goto out_close;
	tls_store_watch(&st, env.server);

	snprintf(url, sizeof(url), "https://192.0.2.1:%d/hello?x=1", env.port);
	curl_case(cap, &env, "v4", url, "/hello?x=1", ENF_FAMILY_V4,
		  "192.0.2.1", "192.0.2.2");
	snprintf(url, sizeof(url), "https://[2001:db8::1]:%d/hello6", env.port);
	curl_case(cap, &env, "v6", url, "/hello6", ENF_FAMILY_V6, "2001:db8::1",
		  "2001:db8::2");
	big_write_case(cap, &env);

	err = enf_tls_stats_read(tls, stats);
	CHECK(err == 0, "read tls_stats");
	CHECK(!err && stats[ENF_TLS_STAT_EVENTS] >= st.n,
	      "tls_stats events %llu >= %zu events seen",
	      (unsigned long long)stats[ENF_TLS_STAT_EVENTS], st.n);
	CHECK(!err && stats[ENF_TLS_STAT_LOST] == 0, "no event lost");
	enf_capture_get_stats(cap, &cs);
	CHECK(cs.malformed == 0, "no malformed ring buffer record");
	CHECK(st.overflow == 0, "event store did not overflow");

out_close:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
	return tls_check_done();
}
