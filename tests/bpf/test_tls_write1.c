// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes probed at entry alone (enf_tls_opts.write_entry_only), on
 * OpenSSL:
 *   - the generic exchange (a request, its reply, 1 MiB each way; the
 *     client's first write is emitted at its first send of a TLS record,
 *     the rest at their sends on the session's socket) byte-exact on
 *     both ends, through SSL_write and SSL_write_ex;
 *   - a non-blocking SSL_write of 512 KiB against a peer that does not
 *     read: it fails with WANT_WRITE and is retried with the same buffer
 *     until the peer drains; captured once (write_retry counts the rest);
 *     then the same buffer written again whole: captured again, a new
 *     call;
 *   - partial-write mode, non-blocking and blocking (a return after each
 *     record, no send blocking): the rest of a write sent again from
 *     where it stopped is not captured twice;
 *   - a write over a memory BIO (no socket ever) is not captured and is
 *     counted write_unseen at the next call.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
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
#define NB_LEN (512u << 10)
#define SMALL_BUF 8192

static struct tls_store st;
static const char *libssl;

static int open_entry_only(struct enf_tls **tls, struct enf_capture **cap)
{
	struct enf_tls_opts o = { .write_entry_only = true };
	int err;

	*cap = NULL;
	err = tls_open_lib(&o, ENF_TLS_LIB_OPENSSL, libssl, NULL, -1, tls);
	if (!err)
		err = enf_capture_new(enf_tls_events_fd(*tls), tls_store_cb,
				      &st, cap);
	return err;
}

static void test_exchange(const char *dir)
{
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	struct enf_tls_attach_info info = { 0 };
	int err = open_entry_only(&tls, &cap);

	CHECK(err == 0, "[exchange] open with write_entry_only (%s)",
	      strerror(-err));
	if (err)
		goto out;
	err = enf_tls_attach_info(tls, 0, &info);
	CHECK(!err && enf_tls_write_entry_only(tls) && info.funcs == 0xf,
	      "[exchange] the four functions attached, writes at entry alone");
	tls_exchange_check("entry-only SSL_write", tls_ossl_ops(false), cap,
			   &st, BIG, dir);
	tls_exchange_check("entry-only SSL_write_ex", tls_ossl_ops(true), cap,
			   &st, BIG, dir);
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/*
 * The slow peer: accept with a small receive buffer, wait for a byte on
 * @go before reading anything, then read @total bytes.
 */
static void slow_server(int ls, int go, size_t total)
{
	SSL_CTX *ctx = tls_server_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	char *buf = malloc(65536), c;
	size_t got = 0;
	int fd;

	fd = accept(ls, NULL, NULL);
	if (!ssl || !buf || fd < 0 || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_accept(ssl) != 1)
		_exit(2);
	if (read(go, &c, 1) != 1)
		_exit(3);
	while (got < total) {
		int n = SSL_read(ssl, buf, 65536);

		if (n <= 0)
			_exit(4);
		got += n;
	}
	_exit(0);
}

/*
 * A write of @len bytes from @buf on non-blocking @ssl, retried as
 * OpenSSL asks (same arguments) until done; @go is told after the third
 * failure. Partial-write mode: the rest goes on from where it stopped.
 * Returns the failed attempts, -1 on error.
 */
static int write_retrying(SSL *ssl, int fd, const unsigned char *buf,
			  size_t len, int go)
{
	int failures = 0;
	size_t done = 0;

	while (done < len) {
		int n = SSL_write(ssl, buf + done, len - done);
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (n > 0) {
			done += n;
			continue;
		}
		if (SSL_get_error(ssl, n) != SSL_ERROR_WANT_WRITE)
			return -1;
		if (++failures == 3 && write(go, "g", 1) != 1)
			return -1;
		poll(&p, 1, 1000);
	}
	return failures;
}

/* A client SSL on a non-blocking socket with a small send buffer. */
static SSL *slow_client(int port, int *fdp, long mode)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	SSL_CTX *ctx = tls_client_ctx();
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), sz = SMALL_BUF;

	SSL_CTX_free(ctx);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (!ssl || fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)) ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    SSL_set_fd(ssl, fd) != 1 || SSL_connect(ssl) != 1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)) {
		SSL_free(ssl);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	SSL_set_mode(ssl, mode);
	*fdp = fd;
	return ssl;
}

/*
 * One non-blocking write to a peer that holds off reading: captured once,
 * whole, however many times it is retried; with @again, the same buffer
 * is then written whole a second time and captured as a second call.
 */
static void test_nonblocking(const char *m, long mode, bool again)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	unsigned char *buf = malloc(NB_LEN), *want = NULL;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	int ls, port, rcv = SMALL_BUF, go[2] = { -1, -1 }, fd = -1, status;
	int fails = -1, fails2 = 0, rounds = again ? 2 : 1;
	struct tls_stream ws = { 0 }, rs = { 0 };
	SSL *ssl = NULL;
	pid_t pid = -1;

	tls_store_clear(&st);
	ls = tls_listen4(&port);
	if (!buf || ls < 0 || pipe(go) ||
	    setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)) ||
	    open_entry_only(&tls, &cap) || enf_tls_stats_read(tls, before)) {
		CHECK(false, "[%s] setup", m);
		goto out;
	}
	for (size_t i = 0; i < NB_LEN; i++)
		buf[i] = (unsigned char)((i * 2654435761u) >> 11);
	pid = fork();
	if (pid == 0)
		slow_server(ls, go[0], (size_t)rounds * NB_LEN);
	tls_store_watch(&st, getpid());
	tls_store_watch(&st, pid);
	ssl = slow_client(port, &fd, mode);
	if (ssl)
		fails = write_retrying(ssl, fd, buf, NB_LEN, go[1]);
	if (ssl && again)
		fails2 = write_retrying(ssl, fd, buf, NB_LEN, go[1]);
	status = tls_wait_consuming(pid, cap, 30000);
	pid = -1;
	tls_drain(cap, 300);
	CHECK(fails >= 3 && fails2 >= 0,
	      "[%s] the %u-byte write failed with WANT_WRITE %d times before the peer read",
	      m, NB_LEN, fails);
	CHECK(WIFEXITED(status) && !WEXITSTATUS(status),
	      "[%s] the peer read everything", m);

	want = malloc((size_t)rounds * NB_LEN);
	if (!want)
		goto out;
	for (int r = 0; r < rounds; r++)
		memcpy(want + (size_t)r * NB_LEN, buf, NB_LEN);
	tls_stream_get(&st, getpid(), ENF_TLS_WRITE, 0,
		       (size_t)rounds * NB_LEN + 65536, &ws);
	CHECK(ws.len == (size_t)rounds * NB_LEN && ws.gaps == 0 &&
		      ws.overlaps == 0 && ws.calls == (size_t)rounds &&
		      !memcmp(ws.data, want, ws.len),
	      "[%s] the client's WRITE stream is the buffer %d time(s), byte-exact, in %d call(s) (%zu bytes, %zu calls)",
	      m, rounds, rounds, ws.len, ws.calls);
	tls_stream_get(&st, pid, ENF_TLS_READ, 0, 0, &rs);
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(after[ENF_TLS_STAT_WRITE_RETRY] >
		      before[ENF_TLS_STAT_WRITE_RETRY],
	      "[%s] the retries are counted write_retry (+%llu)", m,
	      (unsigned long long)(after[ENF_TLS_STAT_WRITE_RETRY] -
				   before[ENF_TLS_STAT_WRITE_RETRY]));
out:
	tls_stream_free(&ws);
	tls_stream_free(&rs);
	if (pid > 0)
		tls_wait_consuming(pid, cap, 1000);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	if (ls >= 0)
		close(ls);
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0)
			close(go[i]);
	free(buf);
	free(want);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/*
 * Partial-write mode on a blocking socket: SSL_write returns after each
 * record, and the application goes on from where it stopped; no send
 * ever blocks. Captured once, whole.
 */
static void test_partial_blocking(void)
{
	unsigned char *buf = malloc(NB_LEN);
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	struct tls_stream ws = { 0 };
	int ls, port, go[2] = { -1, -1 }, fd = -1, status, calls = 0;
	size_t done = 0;
	SSL *ssl = NULL;
	pid_t pid;

	tls_store_clear(&st);
	ls = tls_listen4(&port);
	if (!buf || ls < 0 || pipe(go) || open_entry_only(&tls, &cap)) {
		CHECK(false, "[partial blocking] setup");
		goto out;
	}
	for (size_t i = 0; i < NB_LEN; i++)
		buf[i] = (unsigned char)((i * 40503u) >> 7);
	pid = fork();
	if (pid == 0)
		slow_server(ls, go[0], NB_LEN);
	if (write(go[1], "g", 1) != 1)
		CHECK(false, "[partial blocking] start the peer");
	tls_store_watch(&st, getpid());
	ssl = slow_client(port, &fd, SSL_MODE_ENABLE_PARTIAL_WRITE);
	if (ssl && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == 0) {
		while (done < NB_LEN) {
			int n = SSL_write(ssl, buf + done, NB_LEN - done);

			if (n <= 0)
				break;
			done += n;
			calls++;
		}
	}
	status = tls_wait_consuming(pid, cap, 30000);
	tls_drain(cap, 300);
	CHECK(done == NB_LEN && calls > 1 && WIFEXITED(status) &&
		      !WEXITSTATUS(status),
	      "[partial blocking] %u bytes sent in %d SSL_write calls", NB_LEN,
	      calls);
	tls_stream_get(&st, getpid(), ENF_TLS_WRITE, 0, NB_LEN + 65536, &ws);
	CHECK(ws.len == NB_LEN && ws.calls == 1 && ws.gaps == 0 &&
		      ws.overlaps == 0 && !memcmp(ws.data, buf, NB_LEN),
	      "[partial blocking] captured once, whole, byte-exact (%zu bytes, %zu calls)",
	      ws.len, ws.calls);
out:
	tls_stream_free(&ws);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	if (ls >= 0)
		close(ls);
	for (int i = 0; i < 2; i++)
		if (go[i] >= 0)
			close(go[i]);
	free(buf);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/* Move what @from's network BIO holds into @to's. */
static void shuttle(BIO *from, BIO *to)
{
	char b[4096];
	int n;

	while ((n = BIO_read(from, b, sizeof(b))) > 0)
		BIO_write(to, b, n);
}

/* No socket in any call: the write waits, and is given up. */
static void test_membio(void)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	SSL_CTX *cctx = tls_client_ctx(), *sctx = tls_server_ctx();
	SSL *c = cctx ? SSL_new(cctx) : NULL, *s = sctx ? SSL_new(sctx) : NULL;
	BIO *c_int = NULL, *c_ext = NULL, *s_int = NULL, *s_ext = NULL;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	char b[64];
	int i, n = -1;

	tls_store_clear(&st);
	if (!c || !s || !BIO_new_bio_pair(&c_int, 0, &c_ext, 0) ||
	    !BIO_new_bio_pair(&s_int, 0, &s_ext, 0) ||
	    open_entry_only(&tls, &cap) || enf_tls_stats_read(tls, before)) {
		CHECK(false, "[membio] setup");
		goto out;
	}
	tls_store_watch(&st, getpid());
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
	if (SSL_write(c, "MEMBIO entry", 12) == 12) {
		shuttle(c_ext, s_ext);
		n = SSL_read(s, b, sizeof(b));
	}
	tls_drain(cap, 200);
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(n == 12, "[membio] one write and its read through BIO pairs");
	CHECK(!tls_store_find(&st, getpid(), ENF_TLS_WRITE, "MEMBIO"),
	      "[membio] the write is not captured (no socket to wait for)");
	CHECK(tls_store_find(&st, getpid(), ENF_TLS_READ, "MEMBIO") != NULL,
	      "[membio] the read still is (entry and return)");
	CHECK(after[ENF_TLS_STAT_WRITE_UNSEEN] >
		      before[ENF_TLS_STAT_WRITE_UNSEEN],
	      "[membio] counted write_unseen at the next call (+%llu)",
	      (unsigned long long)(after[ENF_TLS_STAT_WRITE_UNSEEN] -
				   before[ENF_TLS_STAT_WRITE_UNSEEN]));
out:
	SSL_free(c);
	SSL_free(s);
	BIO_free(c_ext);
	BIO_free(s_ext);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

int main(void)
{
	char dir[] = "/tmp/enf-tls-write1.XXXXXX";

	if (geteuid() != 0) {
		printf("SKIP: test_tls_write1 attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_write1");
	libssl = tls_libssl_path();
	if (!libssl[0]) {
		printf("SKIP: no libssl.so.3 on this machine\n");
		return TLS_TEST_SKIP;
	}
	if (tls_make_pem_dir(dir)) {
		printf("SKIP: cannot make a certificate with the openssl command\n");
		tls_rm_dir(dir);
		return TLS_TEST_SKIP;
	}
	test_exchange(dir);
	test_nonblocking("retry", 0, true);
	test_nonblocking("moving buffer", SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER,
			 false);
	test_nonblocking("partial writes", SSL_MODE_ENABLE_PARTIAL_WRITE,
			 false);
	test_partial_blocking();
	test_membio();
	tls_rm_dir(dir);
	return tls_check_done();
}
