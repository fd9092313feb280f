// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The stream properties of the TLS capture, on OpenSSL:
 *   - 1 MiB each way through SSL_read/SSL_write and through their _ex
 *     forms, complete, in order by seq, byte-exact on both ends;
 *   - a call over the per-call cap: its records say TRUNCATED with the
 *     true length, carry the first cap bytes, and the stream's next call
 *     starts past the cut (a gap the consumer sees);
 *   - TLS over a memory BIO pair (no socket in any call): captured,
 *     flagged NO_SOCKET, fd -1, tuple and cookie zero;
 *   - TLS over AF_UNIX, from a socketpair of this program's own and from
 *     openssl s_server -unix / s_client -unix: nothing captured, counted
 *     as not_inet; the same tools over TCP are captured (the control).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

#define BIG (1u << 20)
#define CAP (64u << 10)
#define CUT_LEN 100000

static struct tls_store st;

static void test_big(struct enf_capture *cap, const char *dir)
{
	tls_exchange_check("openssl 1MiB", tls_ossl_ops(false), cap, &st, BIG,
			   dir);
	tls_exchange_check("openssl _ex 1MiB", tls_ossl_ops(true), cap, &st,
			   BIG, dir);
}

/* The child of test_cut: read @total bytes, exit. */
static void sink(int ls, size_t total)
{
	char buf[16384];
	size_t got = 0;
	SSL_CTX *ctx = tls_server_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	int c = accept(ls, NULL, NULL);

	if (!ssl || c < 0 || SSL_set_fd(ssl, c) != 1 || SSL_accept(ssl) != 1)
		_exit(2);
	while (got < total) {
		int n = SSL_read(ssl, buf, sizeof(buf));

		if (n <= 0)
			_exit(3);
		got += n;
	}
	_exit(0);
}

/* A connected client SSL of this process to 127.0.0.1:@port. */
static SSL *connect_ssl(int port, int *fdp)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	SSL_CTX *ctx = tls_client_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	SSL_CTX_free(ctx);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (!ssl || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1) {
		SSL_free(ssl);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*fdp = fd;
	return ssl;
}

/*
 * With a 64 KiB cap, one SSL_write of 100000 bytes: 4 records of 16 KiB,
 * each TRUNCATED with len 100000; the next write's seq is 100000.
 */
static void test_cut(const char *lib, const char *dir)
{
	struct enf_tls_opts opts = { .call_cap = CAP };
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	unsigned char *payload = malloc(CUT_LEN);
	const struct enf_tls_event *tail;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	size_t recs = 0, bad = 0, at = 0;
	int ls, port, fd = -1, status;
	SSL *ssl = NULL;
	pid_t pid;

	(void)dir;
	tls_store_clear(&st);
	ls = tls_listen4(&port);
	if (!payload || ls < 0 ||
	    tls_open_lib(&opts, ENF_TLS_LIB_OPENSSL, lib, NULL, -1, &tls) ||
	    enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap) ||
	    enf_tls_stats_read(tls, before)) {
		CHECK(false, "[cut] open the capture with a %u-byte cap", CAP);
		goto out;
	}
	for (size_t i = 0; i < CUT_LEN; i++)
		payload[i] = (unsigned char)(i * 7 + (i >> 9));
	pid = fork();
	if (pid == 0)
		sink(ls, CUT_LEN + 4);
	tls_store_watch(&st, getpid());
	ssl = connect_ssl(port, &fd);
	CHECK(ssl && SSL_write(ssl, payload, CUT_LEN) == CUT_LEN &&
		      SSL_write(ssl, "TAIL", 4) == 4,
	      "[cut] one SSL_write of %d bytes, then one of 4", CUT_LEN);
	status = tls_wait_consuming(pid, cap, 20000);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "[cut] the peer read everything");
	tail = tls_wait_event(cap, &st, getpid(), ENF_TLS_WRITE, "TAIL", 3000);
	tls_drain(cap, 100);

	for (size_t i = 0; i < st.n; i++) {
		const struct enf_tls_event *e = st.ev[i];

		if (e->tgid != (__u32)getpid() ||
		    e->direction != ENF_TLS_WRITE || e->len != CUT_LEN)
			continue;
		recs++;
		if (!(e->flags & ENF_TLS_F_TRUNCATED) ||
		    e->data_len != ENF_TLS_CHUNK || e->offset != at ||
		    e->seq != at ||
		    memcmp(e->data, payload + at, e->data_len) ||
		    !!(e->flags & ENF_TLS_F_MORE) != (at + ENF_TLS_CHUNK < CAP))
			bad++;
		at += e->data_len;
	}
	CHECK(recs == CAP / ENF_TLS_CHUNK && bad == 0 && at == CAP,
	      "[cut] %u records of %d bytes, TRUNCATED, len %d, the first %u bytes in order (%zu records, %zu wrong, %zu bytes)",
	      CAP / ENF_TLS_CHUNK, ENF_TLS_CHUNK, CUT_LEN, CAP, recs, bad, at);
	CHECK(tail && tail->seq == CUT_LEN && tail->len == 4 &&
		      !(tail->flags & (ENF_TLS_F_TRUNCATED | ENF_TLS_F_MORE)),
	      "[cut] the next call starts at seq %d: the cut bytes are a gap (%llu)",
	      CUT_LEN, tail ? (unsigned long long)tail->seq : 0ULL);
	CHECK(!enf_tls_stats_read(tls, after) &&
		      after[ENF_TLS_STAT_TRUNCATED] >
			      before[ENF_TLS_STAT_TRUNCATED],
	      "[cut] tls_stats counts the truncated call");
out:
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	if (ls >= 0)
		close(ls);
	free(payload);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/* Move what @from's network BIO holds into @to's. */
static void shuttle(BIO *from, BIO *to)
{
	char buf[4096];
	int n;

	while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
		BIO_write(to, buf, n);
}

/*
 * Client and server SSL in this process over a BIO pair each, the bytes
 * moved by hand: no syscall in any TLS call, so no socket.
 */
static void test_membio(struct enf_capture *cap, struct enf_tls *tls)
{
	static const char msg[] = "MEMBIO request over no socket";
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	SSL_CTX *cctx = tls_client_ctx(), *sctx = tls_server_ctx();
	SSL *c = cctx ? SSL_new(cctx) : NULL, *s = sctx ? SSL_new(sctx) : NULL;
	BIO *c_int = NULL, *c_ext = NULL, *s_int = NULL, *s_ext = NULL;
	const struct enf_tls_event *w, *r;
	static const __u8 zero[sizeof(struct enf_tuple)];
	char buf[128];
	int n = -1, i;

	tls_store_clear(&st);
	tls_store_watch(&st, getpid());
	if (!c || !s || !BIO_new_bio_pair(&c_int, 0, &c_ext, 0) ||
	    !BIO_new_bio_pair(&s_int, 0, &s_ext, 0) ||
	    enf_tls_stats_read(tls, before)) {
		CHECK(false, "[membio] setup");
		goto out;
	}
	SSL_set_bio(c, c_int, c_int);
	SSL_set_bio(s, s_int, s_int);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 20; i++) {
		int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);

		shuttle(c_ext, s_ext);
		shuttle(s_ext, c_ext);
		if (rc == 1 && rs == 1)
			break;
	}
	if (SSL_write(c, msg, strlen(msg)) == (int)strlen(msg)) {
		shuttle(c_ext, s_ext);
		n = SSL_read(s, buf, sizeof(buf));
	}
	CHECK(i < 20 && n == (int)strlen(msg) && !memcmp(buf, msg, n),
	      "[membio] handshake and one request through the BIO pairs");
	w = tls_wait_event(cap, &st, getpid(), ENF_TLS_WRITE, "MEMBIO", 3000);
	r = tls_wait_event(cap, &st, getpid(), ENF_TLS_READ, "MEMBIO", 3000);
	CHECK(w && r && w->len == strlen(msg) && r->len == strlen(msg),
	      "[membio] the write and the read are captured");
	CHECK(w && r && (w->flags & ENF_TLS_F_NO_SOCKET) &&
		      (r->flags & ENF_TLS_F_NO_SOCKET),
	      "[membio] both flagged NO_SOCKET");
	CHECK(w && r && w->fd == -1 && r->fd == -1 && !w->sock_cookie &&
		      !r->sock_cookie &&
		      !memcmp(&w->tuple, zero, sizeof(zero)) &&
		      !memcmp(&r->tuple, zero, sizeof(zero)),
	      "[membio] fd -1, cookie 0, tuple zero: attributed to no flow");
	CHECK(w && r && w->session == (__u64)(unsigned long)c &&
		      r->session == (__u64)(unsigned long)s,
	      "[membio] the sessions are the two SSL objects");
	CHECK(!enf_tls_stats_read(tls, after) &&
		      after[ENF_TLS_STAT_NO_SOCKET] >=
			      before[ENF_TLS_STAT_NO_SOCKET] + 2,
	      "[membio] tls_stats counts the NO_SOCKET records");
out:
	SSL_free(c);
	SSL_free(s);
	BIO_free(c_ext);
	BIO_free(s_ext);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	tls_store_clear(&st);
}

/* The server child of test_unix_pair: read the request, answer. */
static void unix_server(int fd)
{
	SSL_CTX *ctx = tls_server_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char buf[128];
	int n;

	if (!ssl || SSL_set_fd(ssl, fd) != 1 || SSL_accept(ssl) != 1)
		_exit(2);
	n = SSL_read(ssl, buf, sizeof(buf));
	if (n <= 0 || SSL_write(ssl, "UNIX reply", 10) != 10)
		_exit(3);
	SSL_shutdown(ssl);
	_exit(0);
}

/* TLS over a socketpair(AF_UNIX): skipped in the kernel, counted. */
static void test_unix_pair(struct enf_capture *cap, struct enf_tls *tls)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	SSL_CTX *ctx = tls_client_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	int sv[2] = { -1, -1 }, status, n = -1;
	char buf[64];
	pid_t pid;

	tls_store_clear(&st);
	if (!ssl || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) ||
	    enf_tls_stats_read(tls, before)) {
		CHECK(false, "[unix] setup");
		goto out;
	}
	pid = fork();
	if (pid == 0)
		unix_server(sv[1]);
	tls_store_watch(&st, pid);
	tls_store_watch(&st, getpid());
	if (SSL_set_fd(ssl, sv[0]) == 1 && SSL_connect(ssl) == 1 &&
	    SSL_write(ssl, "UNIX request", 12) == 12)
		n = SSL_read(ssl, buf, sizeof(buf));
	status = tls_wait_consuming(pid, cap, 10000);
	tls_drain(cap, 200);
	CHECK(n == 10 && WIFEXITED(status) && !WEXITSTATUS(status),
	      "[unix] a TLS exchange over socketpair(AF_UNIX)");
	CHECK(st.n == 0, "[unix] no record of either end (%zu)", st.n);
	if (st.n)
		tls_store_dump(&st);
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(after[ENF_TLS_STAT_NOT_INET] >= before[ENF_TLS_STAT_NOT_INET] + 4,
	      "[unix] the four calls are counted not_inet (+%llu)",
	      (unsigned long long)(after[ENF_TLS_STAT_NOT_INET] -
				   before[ENF_TLS_STAT_NOT_INET]));
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	tls_store_clear(&st);
}

/* Whether the file @path holds @text. */
static bool file_has(const char *path, const char *text)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char buf[4096];
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, text) != NULL;
}

/*
 * openssl s_server and s_client, over a Unix socket (@unix_path) or TCP
 * (@port): the client sends @line from its stdin, the server prints it.
 * Returns whether the server printed it; the pids in @srv and @cli.
 */
static bool run_tools(struct enf_capture *cap, const char *dir,
		      const char *unix_path, int port, const char *line,
		      pid_t *srv, pid_t *cli)
{
	char cert[PATH_MAX], key[PATH_MAX], out[PATH_MAX], cout[PATH_MAX];
	char addr[64];
	char *s_argv[] = { "openssl",
			   "s_server",
			   "-naccept",
			   "1",
			   "-quiet",
			   "-cert",
			   cert,
			   "-key",
			   key,
			   unix_path ? "-unix" : "-accept",
			   unix_path ? (char *)unix_path : addr,
			   NULL };
	char *c_argv[] = { "openssl",
			   "s_client",
			   "-quiet",
			   "-no_ign_eof",
			   unix_path ? "-unix" : "-connect",
			   unix_path ? (char *)unix_path : addr,
			   NULL };
	int in[2] = { -1, -1 }, sin[2] = { -1, -1 };
	bool seen = false;
	__u64 t0;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(out, sizeof(out), "%s/s_server.%s.out", dir,
		 unix_path ? "unix" : "tcp");
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	*srv = *cli = -1;
	if (pipe2(in, O_CLOEXEC) || pipe2(sin, O_CLOEXEC)) {
		for (int i = 0; i < 2; i++) {
			if (in[i] >= 0)
				close(in[i]);
			if (sin[i] >= 0)
				close(sin[i]);
		}
		return false;
	}
	/* s_server sends what it reads on stdin, and stops at its end: an
	 * open pipe keeps it serving */
	*srv = tls_spawn(s_argv, sin[0], out);
	close(sin[0]);
	tls_store_watch(&st, *srv);
	for (int i = 0; i < 250; i++) {
		if (unix_path ? access(unix_path, F_OK) == 0 :
				tls_wait_listen(port, 20) == 0)
			break;
		usleep(20000);
	}
	snprintf(cout, sizeof(cout), "%s/s_client.%s.out", dir,
		 unix_path ? "unix" : "tcp");
	*cli = tls_spawn(c_argv, in[0], cout);
	tls_store_watch(&st, *cli);
	close(in[0]);
	if (write(in[1], line, strlen(line)) != (ssize_t)strlen(line))
		line = "";
	/* let the line through before the end of stdin closes the session */
	t0 = tls_now_ns();
	while (!seen && tls_now_ns() - t0 < 20000000000ull) {
		seen = line[0] && file_has(out, line);
		enf_capture_poll(cap, 20);
	}
	printf("# %s: the line reached s_server after %llu ms\n",
	       unix_path ? "unix" : "tcp",
	       (unsigned long long)((tls_now_ns() - t0) / 1000000));
	close(in[1]);
	close(sin[1]);
	if (tls_wait_consuming(*cli, cap, 5000) < 0)
		printf("# s_client had to be killed\n");
	if (tls_wait_consuming(*srv, cap, 5000) < 0)
		printf("# s_server had to be killed\n");
	/* what it printed late, at its end */
	seen = seen || (line[0] && file_has(out, line));
	if (!seen) {
		char cmd[2 * PATH_MAX + 64];

		snprintf(
			cmd, sizeof(cmd),
			"sed 's/^/# s_server: /' %s; sed 's/^/# s_client: /' %s",
			out, cout);
		if (system(cmd))
			printf("# no s_server output\n");
	}
	tls_drain(cap, 200);
	return seen;
}

static void test_unix_tools(struct enf_capture *cap, struct enf_tls *tls,
			    const char *dir)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	char sock[PATH_MAX];
	pid_t srv, cli;
	bool ok;

	/* the control: the same tools over TCP are captured */
	tls_store_clear(&st);
	ok = run_tools(cap, dir, NULL, tls_free_port(), "HELLO-TCP\n", &srv,
		       &cli);
	CHECK(ok, "[tools tcp] s_server printed what s_client sent");
	CHECK(tls_store_find(&st, cli, ENF_TLS_WRITE, "HELLO-TCP") &&
		      tls_store_find(&st, srv, ENF_TLS_READ, "HELLO-TCP"),
	      "[tools tcp] s_client's write and s_server's read are captured");

	tls_store_clear(&st);
	/* s_server and s_client -unix fail on paths past ~30 characters */
	snprintf(sock, sizeof(sock), "/tmp/enf-us-%d", (int)getpid());
	unlink(sock);
	if (enf_tls_stats_read(tls, before))
		memset(before, 0, sizeof(before));
	ok = run_tools(cap, dir, sock, 0, "HELLO-UNIX\n", &srv, &cli);
	unlink(sock);
	CHECK(ok,
	      "[tools unix] s_server -unix printed what s_client -unix sent");
	CHECK(st.n == 0, "[tools unix] nothing of either tool captured (%zu)",
	      st.n);
	if (st.n)
		tls_store_dump(&st);
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(after[ENF_TLS_STAT_NOT_INET] >= before[ENF_TLS_STAT_NOT_INET] + 2,
	      "[tools unix] their calls are counted not_inet (+%llu)",
	      (unsigned long long)(after[ENF_TLS_STAT_NOT_INET] -
				   before[ENF_TLS_STAT_NOT_INET]));
	tls_store_clear(&st);
}

int main(void)
{
	char dir[] = "/tmp/enf-tls-stream.XXXXXX";
	const char *lib;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	int err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_stream attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_stream");
	lib = tls_libssl_path();
	if (!lib[0]) {
		printf("SKIP: no libssl.so.3 on this machine\n");
		return TLS_TEST_SKIP;
	}
	if (tls_make_pem_dir(dir)) {
		printf("SKIP: cannot make a certificate with the openssl command\n");
		tls_rm_dir(dir);
		return TLS_TEST_SKIP;
	}
	err = tls_open_lib(NULL, ENF_TLS_LIB_OPENSSL, lib, NULL, -1, &tls);
	CHECK(err == 0, "open the capture and attach %s (%s)", lib,
	      strerror(-err));
	if (err)
		goto out;
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "ring buffer consumer");
	if (err)
		goto out;

	test_big(cap, dir);
	test_membio(cap, tls);
	test_unix_pair(cap, tls);
	test_unix_tools(cap, tls, dir);
	/* its own loader, with a cap */
	enf_capture_free(cap);
	cap = NULL;
	enf_tls_close(tls);
	tls = NULL;
	test_cut(lib, dir);
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
	tls_rm_dir(dir);
	return tls_check_done();
}
