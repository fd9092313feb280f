// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TLS loader and capture on the loopback, without namespaces: errors
 * that name the missing library or symbol, bad targets and options, one
 * attachment per file, detach, and a real TLS exchange between this
 * process (client) and a child (server on a dual-stack socket, so its IPv4
 * flow is an IPv4-mapped IPv6 socket), with fds tracked by the syscall
 * tracepoints and by the raw-tracepoint fallback, and with a client BIO of
 * the application's own (as curl has) that also writes to a non-socket fd
 * inside every SSL call; a ring-buffer flood counted per CPU while the
 * consumer goes on; the tracefs mount.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sockios.h>

#include <bpf/libbpf.h>
#include <openssl/ssl.h>

#include "enforcer/capture/capture.h"
#include "enforcer/common/log.h"
#include "enforcer/loader/tls.h"

#include "test_tls_common.h"

static char libssl[PATH_MAX];

/* Run enf_tls_attach() with stderr captured into @msg. */
static int attach_capturing(struct enf_tls *tls, const struct enf_tls_target *t,
			    __u32 *id, char *msg, size_t len)
{
	FILE *tmp = tmpfile();
	int saved, err;
	size_t n = 0;

	msg[0] = '\0';
	if (!tmp)
		return enf_tls_attach(tls, t, id);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fileno(tmp), STDERR_FILENO);
	err = enf_tls_attach(tls, t, id);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(msg, 1, len - 1, tmp);
	msg[n] = '\0';
	fclose(tmp);
	fputs(msg, stderr);
	return err;
}

static void test_missing_library(struct enf_tls *tls)
{
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.path = "/nonexistent/enforcer/libssl.so.3",
		.by_name = true,
		.pid = -1,
	};
	char msg[4096];
	__u32 id = 0;
	int err;

	err = attach_capturing(tls, &t, &id, msg, sizeof(msg));
	CHECK(err == -ENOENT,
	      "missing library: enf_tls_attach returns -ENOENT (%d)", err);
	CHECK(strstr(msg, t.path) != NULL,
	      "missing library: the error names %s", t.path);
	CHECK(enf_tls_attach_count(tls) == 0,
	      "missing library: nothing attached");
}

static void test_missing_symbol(struct enf_tls *tls)
{
	char libcrypto[PATH_MAX + 32], msg[8192], *slash;
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.path = libcrypto,
		.by_name = true,
		.pid = -1,
	};
	__u32 id = 0;
	int err;

	/* libcrypto sits next to libssl and has no SSL_read */
	snprintf(libcrypto, sizeof(libcrypto), "%s", libssl);
	slash = strrchr(libcrypto, '/');
	strcpy(slash + 1, "libcrypto.so.3");
	if (access(libcrypto, R_OK)) {
		CHECK(false, "missing symbol: %s exists", libcrypto);
		return;
	}
	err = attach_capturing(tls, &t, &id, msg, sizeof(msg));
	CHECK(err == -ENOENT,
	      "missing symbol: enf_tls_attach(%s) returns -ENOENT (%d)",
	      libcrypto, err);
	CHECK(strstr(msg, "SSL_read") != NULL,
	      "missing symbol: the error names SSL_read");
	CHECK(strstr(msg, libcrypto) != NULL,
	      "missing symbol: the error names the library");
	CHECK(enf_tls_attach_count(tls) == 0,
	      "missing symbol: nothing stays attached");
	/* neither by name nor any offset: nothing to attach */
	t.by_name = false;
	t.offsets[ENF_TLS_FN_READ] = 0;
	err = enf_tls_attach(tls, &t, &id);
	CHECK(err == -ENOENT,
	      "no offsets and not by name: -ENOENT, nothing to attach (%d)",
	      err);
}

static void test_bad_targets(struct enf_tls *tls)
{
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.path = libssl,
		.by_name = true,
		.pid = 0,
	};
	struct enf_tls_opts o = { 0 };
	struct enf_tls *other = NULL;
	__u32 id;

	CHECK(enf_tls_attach(tls, &t, &id) == -EINVAL, "bad target: pid 0");
	t.pid = -1;
	t.lib = ENF_TLS_LIB_UNKNOWN;
	CHECK(enf_tls_attach(tls, &t, &id) == -EINVAL,
	      "bad target: unknown library");
	t.lib = ENF_TLS_LIB_MAX;
	CHECK(enf_tls_attach(tls, &t, &id) == -EINVAL,
	      "bad target: library out of range");
	t.lib = ENF_TLS_LIB_NSS;
	CHECK(enf_tls_attach(tls, &t, &id) == -EINVAL,
	      "bad target: NSS without its libssl3.so");
	CHECK(enf_tls_detach(tls, 12345) == -ENOENT,
	      "detach of an unknown id: -ENOENT");
	CHECK(enf_tls_attach_count(tls) == 0, "bad targets: nothing attached");

	o.call_cap = ENF_TLS_CALL_CAP_MIN - 1;
	CHECK(enf_tls_open(&o, &other) == -EINVAL, "bad option: call cap low");
	o.call_cap = ENF_TLS_CALL_CAP_MAX + 1;
	CHECK(enf_tls_open(&o, &other) == -EINVAL, "bad option: call cap high");
	o.call_cap = 0;
	o.ringbuf_bytes = ENF_TLS_RINGBUF_MIN * 3;
	CHECK(enf_tls_open(&o, &other) == -EINVAL,
	      "bad option: ring buffer size not a power of two");
	o.ringbuf_bytes = ENF_TLS_RINGBUF_MAX * 2;
	CHECK(enf_tls_open(&o, &other) == -EINVAL,
	      "bad option: ring buffer too big");
	o.ringbuf_bytes = 0;
	o.n_ports = ENF_TLS_FILTER_MAX + 1;
	o.ports = calloc(o.n_ports, sizeof(*o.ports));
	CHECK(enf_tls_open(&o, &other) == -E2BIG,
	      "bad option: port filter too long");
	free((void *)o.ports);
	o.ports = NULL;
	o.n_ports = 0;
	{
		const char *comms[] = { "a-comm-of-16-chars" };

		o.comms = comms;
		o.n_comms = 1;
		CHECK(enf_tls_open(&o, &other) == -EINVAL,
		      "bad option: comm longer than 15 characters");
	}
	CHECK(other == NULL, "bad options: no loader made");
	enf_tls_close(other);
}

static void test_same_file_once(struct enf_tls *tls)
{
	char dir[] = "/tmp/enf-tls-loader.XXXXXX", link[PATH_MAX];
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.path = libssl,
		.by_name = true,
		.pid = -1,
	};
	struct enf_tls_attach_info info;
	__u32 id = 0, id2 = 0, id3 = 0;
	int err;

	if (!mkdtemp(dir)) {
		CHECK(false, "same file: mkdtemp");
		return;
	}
	snprintf(link, sizeof(link), "%s/libssl.so.3", dir);
	if (symlink(libssl, link)) {
		CHECK(false, "same file: symlink");
		goto out_rmdir;
	}
	err = enf_tls_attach(tls, &t, &id);
	CHECK(err == 0 && id != 0, "same file: first attach (%d, id %u)", err,
	      id);
	t.path = link;
	err = enf_tls_attach(tls, &t, &id2);
	CHECK(err == -EEXIST && id2 == id,
	      "same file: a second name of it is -EEXIST with the first id (%d, %u)",
	      err, id2);
	CHECK(enf_tls_attach_count(tls) == 1, "same file: attached once (%zu)",
	      enf_tls_attach_count(tls));
	CHECK(!enf_tls_attach_info(tls, 0, &info) && info.id == id &&
		      !strcmp(info.path, libssl) &&
		      info.lib == ENF_TLS_LIB_OPENSSL && info.pid == -1 &&
		      info.funcs == 0xf,
	      "same file: info of the attachment (4 functions)");
	CHECK(enf_tls_attach_info(tls, 1, &info) == -ENOENT,
	      "same file: no second attachment");
	/* another scope of the same file is another attachment */
	t.pid = getpid();
	err = enf_tls_attach(tls, &t, &id3);
	CHECK(err == 0 && id3 != id,
	      "same file, one process: its own attachment (%d)", err);
	CHECK(enf_tls_detach(tls, id3) == 0 && enf_tls_detach(tls, id) == 0,
	      "same file: both detach");
	CHECK(enf_tls_attach_count(tls) == 0 &&
		      enf_tls_detach(tls, id) == -ENOENT,
	      "same file: none left, a second detach is -ENOENT");
	t.pid = -1;
	err = enf_tls_attach(tls, &t, &id2);
	CHECK(err == 0 && id2 != id,
	      "same file: attached again after the detach, new id");
	if (!err)
		enf_tls_detach(tls, id2);
	unlink(link);
out_rmdir:
	rmdir(dir);
}

/* The error paths on one loader with no attachment. */
static void test_attach_errors(void)
{
	struct enf_tls *tls = NULL;
	int err = enf_tls_open(NULL, &tls);

	CHECK(err == 0, "errors: enf_tls_open with no library (%s)",
	      strerror(-err));
	if (err)
		return;
	CHECK(enf_tls_attach_count(tls) == 0,
	      "errors: enf_tls_open attaches no library");
	CHECK(enf_tls_has_sock_ops(tls),
	      "errors: sock_ops attached to the root cgroup");
	CHECK(enf_tls_proc_events_fd(tls) >= 0 && enf_tls_events_fd(tls) >= 0,
	      "errors: both ring buffer fds");
	test_missing_library(tls);
	test_missing_symbol(tls);
	test_bad_targets(tls);
	test_same_file_once(tls);
	enf_tls_close(tls);
}

#define REPLY_PAD 100

struct exchange {
	int port; /* server's listening port */
	int client_fd, client_port;
	int server_fd; /* the accepted fd, in the child */
	pid_t server_pid;
	char request[128];
	char reply[8 + REPLY_PAD];
	char got[8 + REPLY_PAD + 64];
	size_t got_len;
	int client_reads; /* successful SSL_read calls */
	bool custom_bio; /* client uses log_bio, like curl's own BIO */
	bool want_read; /* a non-blocking SSL_read failed with WANT_READ */
};

/* The child: accept one TLS connection, read the request, send the reply. */
static void serve_one(int ls, int report, SSL_CTX *ctx, struct exchange *x)
{
	char buf[1024];
	size_t got = 0;
	SSL *ssl;
	int c, n;

	c = accept(ls, NULL, NULL);
	if (c < 0 || write(report, &c, sizeof(c)) != sizeof(c))
		_exit(2);
	ssl = SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, c) != 1 || SSL_accept(ssl) != 1)
		_exit(3);
	while (!memmem(buf, got, "\r\n\r\n", 4)) {
		n = SSL_read(ssl, buf + got, sizeof(buf) - got);
		if (n <= 0)
			_exit(4);
		got += n;
	}
	if (SSL_write(ssl, x->reply, strlen(x->reply)) != (int)strlen(x->reply))
		_exit(5);
	SSL_shutdown(ssl);
	_exit(0);
}

/*
 * A BIO like curl's: the application moves the bytes itself with send()
 * and recv(), so ssl->rbio is no socket BIO, and after each it writes a
 * log line to another fd (/dev/null), the last fd the call touches.
 */
struct log_bio {
	int fd, log;
};

static int log_bio_write(BIO *b, const char *buf, int len)
{
	struct log_bio *lb = BIO_get_data(b);
	ssize_t n = send(lb->fd, buf, len, MSG_NOSIGNAL);

	BIO_clear_retry_flags(b);
	if (write(lb->log, "sent\n", 5) != 5)
		return -1;
	return n < 0 ? -1 : (int)n;
}

static int log_bio_read(BIO *b, char *buf, int len)
{
	struct log_bio *lb = BIO_get_data(b);
	ssize_t n = recv(lb->fd, buf, len, 0);

	BIO_clear_retry_flags(b);
	if (write(lb->log, "received\n", 9) != 9)
		return -1;
	return n < 0 ? -1 : (int)n;
}

static long log_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

/* This process: connect, send the request, read the reply 4 bytes a call. */
static int client_run(SSL_CTX *ctx, struct exchange *x)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	struct log_bio lb = { .fd = -1, .log = -1 };
	BIO_METHOD *meth = NULL;
	SSL *ssl = NULL;
	BIO *bio = NULL;
	int n, err = -1;

	x->client_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (x->client_fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(x->port);
	if (connect(x->client_fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto out;
	if (getsockname(x->client_fd, (struct sockaddr *)&sa, &slen))
		goto out;
	x->client_port = ntohs(sa.sin_port);
	ssl = SSL_new(ctx);
	if (!ssl)
		goto out;
	if (x->custom_bio) {
		meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
				    "enforcer-test-log");
		bio = meth ? BIO_new(meth) : NULL;
		lb.fd = x->client_fd;
		lb.log = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (!bio || lb.log < 0)
			goto out;
		BIO_meth_set_write(meth, log_bio_write);
		BIO_meth_set_read(meth, log_bio_read);
		BIO_meth_set_ctrl(meth, log_bio_ctrl);
		BIO_set_data(bio, &lb);
		BIO_set_init(bio, 1);
		SSL_set_bio(ssl, bio, bio); /* takes the one reference */
		bio = NULL;
	} else if (SSL_set_fd(ssl, x->client_fd) != 1) {
		goto out;
	}
	if (SSL_connect(ssl) != 1)
		goto out;
	if (!x->custom_bio) {
		/* What an event-loop server does all the time: a non-blocking
		 * SSL_read with nothing to read fails with WANT_READ (-1). It
		 * must produce no event. */
		int fl = fcntl(x->client_fd, F_GETFL);

		if (fl < 0 || fcntl(x->client_fd, F_SETFL, fl | O_NONBLOCK))
			goto out;
		n = SSL_read(ssl, x->got, sizeof(x->got));
		x->want_read = n < 0 &&
			       SSL_get_error(ssl, n) == SSL_ERROR_WANT_READ;
		if (fcntl(x->client_fd, F_SETFL, fl))
			goto out;
	}
	if (SSL_write(ssl, x->request, strlen(x->request)) !=
	    (int)strlen(x->request))
		goto out;
	while (x->got_len + 4 <= sizeof(x->got)) {
		n = SSL_read(ssl, x->got + x->got_len, 4);
		if (n <= 0)
			break;
		x->got_len += n;
		x->client_reads++;
	}
	err = 0;
out:
	SSL_free(ssl);
	BIO_free(bio);
	BIO_meth_free(meth);
	if (lb.log >= 0)
		close(lb.log);
	close(x->client_fd);
	return err;
}

static int listen_dual_stack(int *port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	socklen_t slen = sizeof(sa);
	int off = 0, fd;

	fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	sa.sin6_addr = in6addr_any;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 4) ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin6_port);
	return fd;
}

static bool is_loopback4(const __u8 *a)
{
	static const __u8 lo[16] = { 127, 0, 0, 1 };

	return !memcmp(a, lo, 16);
}

static void read_comm(char *comm, size_t len)
{
	FILE *f = fopen("/proc/self/comm", "re");

	memset(comm, 0, len);
	if (f) {
		if (fgets(comm, len, f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
}

/*
 * What v2 adds: the session and seq of each stream, the socket cookie
 * (the connection was made after the start, so sock_ops gave it one).
 */
static void check_stream_fields(const char *m, struct exchange *x,
				struct tls_store *st,
				const struct enf_tls_event *cw,
				const struct enf_tls_event *sr)
{
	__u32 self = getpid();
	bool same_session = true, seq_ok = true, cookie_ok = true;
	__u64 next = 0;

	CHECK(cw->session != 0 && sr->session != 0,
	      "[%s] WRITE and READ carry the session object", m);
	CHECK(cw->seq == 0 && cw->offset == 0 && sr->seq == 0,
	      "[%s] the first bytes of each stream have seq 0", m);
	CHECK(cw->sock_cookie != 0 && sr->sock_cookie != 0 &&
		      cw->sock_cookie != sr->sock_cookie,
	      "[%s] both ends have a socket cookie, each its own (%llu, %llu)",
	      m, (unsigned long long)cw->sock_cookie,
	      (unsigned long long)sr->sock_cookie);
	CHECK(!(cw->flags & ENF_TLS_F_MORE) && cw->data_len <= ENF_TLS_SMALL,
	      "[%s] a short call is one small record", m);
	for (size_t i = 0; i < st->n; i++) {
		const struct enf_tls_event *e = st->ev[i];

		if (e->tgid != self || e->direction != ENF_TLS_READ)
			continue;
		if (e->session != cw->session)
			same_session = false;
		if (e->seq != next)
			seq_ok = false;
		if (e->sock_cookie != cw->sock_cookie)
			cookie_ok = false;
		next += e->len;
	}
	CHECK(same_session, "[%s] the client's READs have its session", m);
	CHECK(seq_ok && next == x->got_len,
	      "[%s] the client's READ seqs follow each other (%llu)", m,
	      (unsigned long long)next);
	CHECK(cookie_ok, "[%s] the client's READs have its socket cookie", m);
}

static void check_loopback_events(const char *m, struct exchange *x,
				  struct tls_store *st, struct enf_capture *cap,
				  __u64 t0)
{
	const struct enf_tls_event *cw, *sr, *sw;
	char comm[ENF_COMM_LEN], tb[160];
	__u32 self = getpid();
	size_t reads = 0, at = 0;
	bool all_reads_ok = true, concat_ok = true;

	sr = tls_wait_event(cap, st, x->server_pid, ENF_TLS_READ, "PING", 3000);
	cw = tls_wait_event(cap, st, self, ENF_TLS_WRITE, "PING", 3000);
	sw = tls_wait_event(cap, st, x->server_pid, ENF_TLS_WRITE, "PONG",
			    3000);
	tls_drain(cap, 100);
	CHECK(cw != NULL, "[%s] client WRITE event seen", m);
	CHECK(sr != NULL, "[%s] server READ event seen", m);
	CHECK(sw != NULL, "[%s] server WRITE event seen", m);
	if (!cw || !sr || !sw)
		return;

	read_comm(comm, sizeof(comm));
	CHECK(cw->len == strlen(x->request) && cw->data_len == cw->len &&
		      !memcmp(cw->data, x->request, cw->len),
	      "[%s] client WRITE carries the request bytes (len %u)", m,
	      cw->len);
	CHECK(cw->flags == 0, "[%s] client WRITE flags 0 (%#x)", m, cw->flags);
	CHECK(cw->fd == x->client_fd, "[%s] client WRITE fd %d == %d", m,
	      cw->fd, x->client_fd);
	CHECK(cw->pid == self && cw->tgid == self, "[%s] client WRITE pid/tgid",
	      m);
	CHECK(cw->uid == getuid() && cw->gid == getgid(),
	      "[%s] client WRITE uid/gid", m);
	CHECK(!strncmp(cw->comm, comm, ENF_COMM_LEN),
	      "[%s] client WRITE comm '%.16s' == '%s'", m, cw->comm, comm);
	CHECK(cw->cgroup_id == tls_cgroup_id(self) && cw->cgroup_id != 0,
	      "[%s] client WRITE cgroup id %llu", m,
	      (unsigned long long)cw->cgroup_id);
	CHECK(cw->ts_ns >= t0 && cw->ts_ns <= tls_now_ns(),
	      "[%s] client WRITE ts within the test", m);
	CHECK(cw->lib == ENF_TLS_LIB_OPENSSL, "[%s] client WRITE lib openssl",
	      m);
	CHECK(cw->tuple.family == ENF_FAMILY_V4 && cw->tuple.proto == 6 &&
		      is_loopback4(cw->tuple.saddr) &&
		      is_loopback4(cw->tuple.daddr) &&
		      cw->tuple.sport == htons(x->port) &&
		      cw->tuple.dport == htons(x->client_port),
	      "[%s] client WRITE tuple peer first: %s", m,
	      tls_tuple_str(&cw->tuple, tb, sizeof(tb)));

	CHECK(sr->data_len >= cw->data_len &&
		      !memcmp(sr->data, cw->data, cw->data_len),
	      "[%s] server READ carries the bytes the client wrote", m);
	CHECK(sr->pid == (__u32)x->server_pid, "[%s] server READ pid", m);
	CHECK(sr->fd == x->server_fd, "[%s] server READ fd %d == %d", m, sr->fd,
	      x->server_fd);
	CHECK(sr->tuple.family == ENF_FAMILY_V4 && sr->tuple.proto == 6 &&
		      is_loopback4(sr->tuple.saddr) &&
		      is_loopback4(sr->tuple.daddr) &&
		      sr->tuple.sport == htons(x->client_port) &&
		      sr->tuple.dport == htons(x->port),
	      "[%s] server READ on a v4-mapped v6 socket reported as v4: %s", m,
	      tls_tuple_str(&sr->tuple, tb, sizeof(tb)));
	CHECK(sw->len == strlen(x->reply) &&
		      !memcmp(sw->data, x->reply, sw->data_len),
	      "[%s] server WRITE carries the reply", m);

	/* every 4-byte read, most served from OpenSSL's buffer, has the flow */
	for (size_t i = 0; i < st->n; i++) {
		const struct enf_tls_event *e = st->ev[i];

		if (e->tgid != self || e->direction != ENF_TLS_READ)
			continue;
		reads++;
		if ((e->flags & ENF_TLS_F_NO_SOCKET) || e->fd != x->client_fd ||
		    memcmp(&e->tuple, &cw->tuple, sizeof(e->tuple)))
			all_reads_ok = false;
		if (at + e->data_len > x->got_len ||
		    memcmp(x->got + at, e->data, e->data_len))
			concat_ok = false;
		at += e->data_len;
	}
	CHECK(x->got_len == strlen(x->reply) &&
		      !memcmp(x->got, x->reply, x->got_len),
	      "[%s] client received the reply", m);
	CHECK(reads == (size_t)x->client_reads,
	      "[%s] one READ event per successful SSL_read (%zu == %d)", m,
	      reads, x->client_reads);
	if (!x->custom_bio)
		CHECK(x->want_read,
		      "[%s] the non-blocking SSL_read failed "
		      "with WANT_READ",
		      m);
	for (size_t i = 0; i < st->n; i++) {
		const struct enf_tls_event *e = st->ev[i];

		if (e->len > INT_MAX || (e->len != e->data_len &&
					 !(e->flags & ENF_TLS_F_TRUNCATED))) {
			CHECK(false,
			      "[%s] event %zu: len %u, data_len %u: a "
			      "failed call reported as data",
			      m, i, e->len, e->data_len);
			break;
		}
	}
	CHECK(all_reads_ok,
	      "[%s] every client READ has the socket's fd and tuple", m);
	CHECK(concat_ok && at == x->got_len,
	      "[%s] client READ events concatenate to the reply", m);
	check_stream_fields(m, x, st, cw, sr);
}

enum loop_mode {
	LOOP_DEFAULT, /* the socket tracepoints where the kernel has them */
	LOOP_TRACEPOINTS,
	LOOP_RAW_TP,
	LOOP_CUSTOM_BIO, /* the default tracking */
	LOOP_RAW_TP_WRITE_ENTRY, /* and writes probed at entry alone */
	LOOP_DEFAULT_WRITE_ENTRY,
	LOOP_MODES,
};

static void test_loopback(enum loop_mode mode)
{
	static const char *const names[LOOP_MODES] = {
		"default",
		"tracepoints",
		"raw_tp",
		"custom_bio",
		"raw_tp write_entry_only",
		"default write_entry_only",
	};
	static const enum enf_tls_track asked[LOOP_MODES] = {
		[LOOP_TRACEPOINTS] = ENF_TLS_TRACK_SYSCALL,
		[LOOP_RAW_TP] = ENF_TLS_TRACK_RAW,
		[LOOP_RAW_TP_WRITE_ENTRY] = ENF_TLS_TRACK_RAW,
	};
	const char *m = names[mode];
	struct enf_tls_opts opts = {
		.track = asked[mode],
		.write_entry_only = mode == LOOP_RAW_TP_WRITE_ENTRY ||
				    mode == LOOP_DEFAULT_WRITE_ENTRY,
	};
	enum enf_tls_track want = opts.track ? opts.track : tls_default_track();
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	struct enf_capture_stats cs;
	static struct tls_store st;
	struct enf_capture *cap = NULL;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct enf_tls *tls = NULL;
	struct exchange x = { .custom_bio = mode == LOOP_CUSTOM_BIO };
	int ls = -1, rep[2] = { -1, -1 };
	int err, status = -1;
	__u64 t0 = tls_now_ns();

	err = tls_open_libssl(&opts, -1, &tls);
	CHECK(err == 0, "[%s] open the capture and attach %s (%s)", m, libssl,
	      strerror(-err));
	if (err)
		return;
	CHECK(enf_tls_tracking(tls) == want, "[%s] sockets tracked by the %s",
	      m, enf_tls_track_name(enf_tls_tracking(tls)));
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "[%s] enf_capture_new", m);
	CHECK(enf_capture_epoll_fd(cap) >= 0, "[%s] epoll fd", m);
	if (err)
		goto out_close;
	/* events of other TLS users on this machine are not ours */
	enf_capture_consume(cap);
	tls_store_clear(&st);
	if (enf_tls_stats_read(tls, before)) {
		CHECK(false, "[%s] read tls_stats", m);
		goto out_close;
	}

	snprintf(x.request, sizeof(x.request),
		 "PING /loop?mode=%s HTTP/1.1\r\nHost: lo\r\n\r\n", m);
	snprintf(x.reply, sizeof(x.reply), "PONG %s ", m);
	memset(x.reply + strlen(x.reply), 'r', REPLY_PAD - 1 - strlen(x.reply));
	sctx = tls_server_ctx();
	cctx = tls_client_ctx();
	ls = listen_dual_stack(&x.port);
	if (!sctx || !cctx || ls < 0 || pipe(rep)) {
		CHECK(false, "[%s] test setup (ssl contexts, listener, pipe)",
		      m);
		goto out_close;
	}
	x.server_pid = fork();
	if (x.server_pid == 0)
		serve_one(ls, rep[1], sctx, &x);
	tls_store_watch(&st, x.server_pid);
	tls_store_watch(&st, getpid());
	close(rep[1]);
	rep[1] = -1;

	err = client_run(cctx, &x);
	CHECK(err == 0, "[%s] TLS exchange from the client side", m);
	if (read(rep[0], &x.server_fd, sizeof(x.server_fd)) !=
	    sizeof(x.server_fd))
		x.server_fd = -2;
	waitpid(x.server_pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "[%s] TLS server child exits 0 (status %#x)", m, status);

	check_loopback_events(m, &x, &st, cap, t0);

	if (enf_tls_stats_read(tls, after)) {
		CHECK(false, "[%s] read tls_stats", m);
		goto out_close;
	}
	CHECK(after[ENF_TLS_STAT_EVENTS] - before[ENF_TLS_STAT_EVENTS] >= st.n,
	      "[%s] stats count the events (%llu >= %zu)", m,
	      (unsigned long long)(after[ENF_TLS_STAT_EVENTS] -
				   before[ENF_TLS_STAT_EVENTS]),
	      st.n);
	CHECK(after[ENF_TLS_STAT_LOST] == 0, "[%s] no event lost", m);
	CHECK(after[ENF_TLS_STAT_FD_CACHED] > before[ENF_TLS_STAT_FD_CACHED],
	      "[%s] reads served from OpenSSL's buffer used the fd cache", m);
	enf_capture_get_stats(cap, &cs);
	CHECK(cs.malformed == 0, "[%s] no malformed record", m);
	CHECK(st.overflow == 0, "[%s] event store did not overflow", m);

out_close:
	if (rep[0] >= 0)
		close(rep[0]);
	if (rep[1] >= 0)
		close(rep[1]);
	if (ls >= 0)
		close(ls);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

#define RING_CALLS 600
#define RING_MSG_LEN 4000

/* The child of test_ring_full: read @total bytes from one client, exit. */
static void sink_one(int ls, SSL_CTX *ctx, size_t total)
{
	char buf[4096];
	size_t got = 0;
	SSL *ssl;
	int c, n;

	c = accept(ls, NULL, NULL);
	ssl = c < 0 ? NULL : SSL_new(ctx);
	if (!ssl || SSL_set_fd(ssl, c) != 1 || SSL_accept(ssl) != 1)
		_exit(3);
	while (got < total) {
		n = SSL_read(ssl, buf, sizeof(buf));
		if (n <= 0)
			_exit(4);
		got += n;
	}
	_exit(0);
}

/*
 * Write @msg @count times to the child @sink, and wait for it before the
 * close (unread session tickets would make the close a reset, which can
 * cost the child its unread data).
 */
static int ring_exchange(SSL_CTX *cctx, int port, const char *msg, size_t len,
			 int count, pid_t sink, int *status)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, writes = 0;
	SSL *ssl;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	ssl = SSL_new(cctx);
	if (fd >= 0 && ssl &&
	    !connect(fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    SSL_set_fd(ssl, fd) == 1 && SSL_connect(ssl) == 1) {
		while (writes < count && SSL_write(ssl, msg, len) == (int)len)
			writes++;
	}
	waitpid(sink, status, 0);
	SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	return writes;
}

/*
 * With nobody consuming, 600 writes of 4000 bytes (and the peer's reads)
 * overflow a 1 MiB ring buffer, which holds about 250 such records: every
 * call is either delivered or counted as lost, per CPU; then the consumer
 * drains and the next exchange is captured as before.
 */
static void test_ring_full(void)
{
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX], lost, sent;
	struct enf_tls_opts opts = { .ringbuf_bytes = ENF_TLS_RINGBUF_MIN };
	int ncpu = libbpf_num_possible_cpus(), cpus_lost = 0;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct enf_capture *cap = NULL;
	__u64 *per_cpu = NULL, sum = 0;
	static struct tls_store st;
	struct enf_tls *tls = NULL;
	int ls = -1, port, status = -1, writes;
	char *msg = malloc(RING_MSG_LEN);
	size_t delivered;
	pid_t pid;

	if (!msg || ncpu <= 0 || !(per_cpu = calloc(ncpu, sizeof(*per_cpu))) ||
	    tls_open_libssl(&opts, -1, &tls) ||
	    enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap)) {
		CHECK(false, "[ring] open the capture with a 1 MiB ring");
		goto out;
	}
	memset(msg, 'f', RING_MSG_LEN);
	memcpy(msg, "FLOOD ", 6);
	enf_capture_consume(cap);
	sctx = tls_server_ctx();
	cctx = tls_client_ctx();
	ls = listen_dual_stack(&port);
	if (!sctx || !cctx || ls < 0 || enf_tls_stats_read(tls, before)) {
		CHECK(false, "[ring] test setup");
		goto out;
	}
	pid = fork();
	if (pid == 0)
		sink_one(ls, sctx, (size_t)RING_CALLS * RING_MSG_LEN);
	tls_store_watch(&st, getpid());
	writes = ring_exchange(cctx, port, msg, RING_MSG_LEN, RING_CALLS, pid,
			       &status);
	CHECK(writes == RING_CALLS && WIFEXITED(status) &&
		      WEXITSTATUS(status) == 0,
	      "[ring] %d writes of %d bytes went through (%d)", RING_CALLS,
	      RING_MSG_LEN, writes);
	if (enf_tls_stats_read(tls, after)) {
		CHECK(false, "[ring] read tls_stats");
		goto out;
	}
	lost = after[ENF_TLS_STAT_LOST] - before[ENF_TLS_STAT_LOST];
	sent = after[ENF_TLS_STAT_EVENTS] - before[ENF_TLS_STAT_EVENTS];
	tls_drain(cap, 50);
	delivered = tls_store_count(&st, getpid(), ENF_TLS_WRITE);
	CHECK(lost > 0, "[ring] a full ring buffer counts lost records (%llu)",
	      (unsigned long long)lost);
	CHECK(delivered > 0 && delivered < RING_CALLS,
	      "[ring] the records that fit are delivered (%zu)", delivered);
	CHECK(delivered + lost >= RING_CALLS,
	      "[ring] every write is delivered or counted lost (%zu + %llu)",
	      delivered, (unsigned long long)lost);
	CHECK(sent + lost >= 2 * RING_CALLS,
	      "[ring] records + lost cover both ends' calls (%llu + %llu)",
	      (unsigned long long)sent, (unsigned long long)lost);
	/* other processes' TLS calls go on counting: bracket the read */
	CHECK(enf_tls_stats_percpu(tls, ENF_TLS_STAT_LOST, per_cpu, ncpu) ==
			      0 &&
		      enf_tls_stats_read(tls, before) == 0,
	      "[ring] read the lost counter per CPU");
	for (int c = 0; c < ncpu; c++) {
		sum += per_cpu[c];
		cpus_lost += per_cpu[c] > 0;
	}
	CHECK(sum >= after[ENF_TLS_STAT_LOST] &&
		      sum <= before[ENF_TLS_STAT_LOST] && cpus_lost >= 1,
	      "[ring] the per-CPU lost counters sum to the total (%llu <= %llu <= %llu, on %d CPUs)",
	      (unsigned long long)after[ENF_TLS_STAT_LOST],
	      (unsigned long long)sum,
	      (unsigned long long)before[ENF_TLS_STAT_LOST], cpus_lost);
	CHECK(enf_tls_stats_percpu(tls, ENF_TLS_STAT_LOST, per_cpu, 0) ==
			      -ERANGE &&
		      enf_tls_stats_percpu(tls, ENF_TLS_STAT_MAX, per_cpu,
					   ncpu) == -EINVAL,
	      "[ring] per-CPU read: too small a buffer, a bad counter");

	/* the consumer goes on: after the drain, a new exchange arrives */
	tls_store_clear(&st);
	tls_store_watch(&st, getpid());
	pid = fork();
	if (pid == 0)
		sink_one(ls, sctx, 64);
	memcpy(msg, "AFTER THE FLOOD ", 16);
	writes = ring_exchange(cctx, port, msg, 64, 1, pid, &status);
	CHECK(writes == 1 && tls_wait_event(cap, &st, getpid(), ENF_TLS_WRITE,
					    "AFTER THE FLOOD", 3000) != NULL,
	      "[ring] after the flood the next write is captured");
out:
	free(msg);
	free(per_cpu);
	if (ls >= 0)
		close(ls);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/*
 * In a mount namespace of its own, with tracefs unmounted, the loader
 * asked for the syscall tracepoints mounts it and uses them; by default it
 * uses the socket (or raw) tracepoints and leaves tracefs alone. Exit
 * code: 0 fine, 1 something else used when asked for tracepoints, 2
 * tracefs still missing, 4 the default not tls_default_track(), 8 the
 * default mounted tracefs, 64+ setup or open failed.
 */
static int tracefs_child(void)
{
	const struct enf_tls_opts opts = { .track = ENF_TLS_TRACK_SYSCALL };
	struct enf_tls *tls;
	int code = 0;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 64;
	umount2("/sys/kernel/debug/tracing", MNT_DETACH);
	umount2("/sys/kernel/debug", MNT_DETACH);
	umount2("/sys/kernel/tracing", MNT_DETACH);
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		return 65;
	if (enf_tls_open(NULL, &tls))
		return 67;
	if (enf_tls_tracking(tls) != tls_default_track())
		code |= 4;
	if (access("/sys/kernel/tracing/events", F_OK) == 0)
		code |= 8;
	enf_tls_close(tls);
	if (enf_tls_open(&opts, &tls))
		return 66;
	if (enf_tls_tracking(tls) != ENF_TLS_TRACK_SYSCALL)
		code |= 1;
	if (access("/sys/kernel/tracing/events/syscalls/sys_enter_read/id",
		   R_OK))
		code |= 2;
	enf_tls_close(tls);
	return code;
}

static void test_tracefs_mount(void)
{
	int status = -1;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(tracefs_child());
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) >= 64) {
		CHECK(false,
		      "[tracefs] unmount tracefs in a mount namespace (status %#x)",
		      status);
		return;
	}
	CHECK(!(WEXITSTATUS(status) & 4),
	      "[tracefs] by default the loader uses the %s",
	      enf_tls_track_name(tls_default_track()));
	CHECK(!(WEXITSTATUS(status) & 8),
	      "[tracefs] and does not mount tracefs for them");
	CHECK(!(WEXITSTATUS(status) & 2),
	      "[tracefs] asked for tracepoints, the loader mounts tracefs when "
	      "it is missing");
	CHECK(!(WEXITSTATUS(status) & 1),
	      "[tracefs] and then uses the syscall tracepoints");
}

/* One loopback TLS exchange (request and reply) with a forked server. */
static int wake_exchange(SSL_CTX *sctx, SSL_CTX *cctx, const char *what)
{
	struct exchange x = { 0 };
	int ls, rep[2], status = -1, err;

	snprintf(x.request, sizeof(x.request),
		 "PING /wake?%s HTTP/1.1\r\nHost: lo\r\n\r\n", what);
	snprintf(x.reply, sizeof(x.reply), "PONG %s", what);
	ls = listen_dual_stack(&x.port);
	if (ls < 0)
		return -1;
	if (pipe(rep)) {
		close(ls);
		return -1;
	}
	x.server_pid = fork();
	if (x.server_pid == 0)
		serve_one(ls, rep[1], sctx, &x);
	close(rep[1]);
	err = client_run(cctx, &x);
	waitpid(x.server_pid, &status, 0);
	close(rep[0]);
	close(ls);
	return err || !WIFEXITED(status) || WEXITSTATUS(status) ? -1 : 0;
}

/* test_read_ahead(): the server's SSL object serves a first connection */
enum {
	REUSE_NONE, /* no */
	REUSE_OPEN, /* yes, and keeps its fd open */
	REUSE_CLOSED, /* yes, and closes its fd */
};

/*
 * The server of the read-ahead exchange: with read-ahead on, it starts its
 * handshake (non-blocking: it stops for the client's Finished), waits
 * until the client said its request is sent, then finishes it: the read
 * of the Finished takes the request's record too, so the SSL_read that
 * follows makes no syscall. Writes its fd to @rep, replies, exits 0.
 */
static void __attribute__((noreturn))
serve_read_ahead(int ls, int go, int rep, SSL_CTX *sctx, const char *reply,
		 int reuse)
{
	char buf[256], c;
	SSL *ssl = SSL_new(sctx);
	int fd, r, n;

	if (!ssl)
		_exit(3);
	if (reuse) {
		/* a first connection on the same SSL object, its fd kept
		 * open after the object is cleared for the next one */
		fd = accept(ls, NULL, NULL);
		if (fd < 0 || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1 ||
		    SSL_read(ssl, buf, sizeof(buf)) <= 0 ||
		    SSL_write(ssl, "first", 5) != 5 || !SSL_clear(ssl))
			_exit(7);
		if (reuse == REUSE_CLOSED)
			close(fd);
	}
	fd = accept(ls, NULL, NULL);
	if (fd < 0 || write(rep, &fd, sizeof(fd)) != sizeof(fd))
		_exit(2);
	if (!SSL_set_fd(ssl, fd))
		_exit(3);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	do {
		r = SSL_accept(ssl);
	} while (r <= 0 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ &&
		 SSL_get_state(ssl) == TLS_ST_BEFORE && usleep(1000) == 0);
	/* its flight is out; the client's Finished and request follow */
	if (read(go, &c, 1) != 1)
		_exit(4);
	do {
		r = SSL_accept(ssl);
	} while (r <= 0 && SSL_get_error(ssl, r) == SSL_ERROR_WANT_READ &&
		 usleep(1000) == 0);
	if (r != 1)
		_exit(5);
	n = SSL_read(ssl, buf, sizeof(buf));
	if (n <= 0 || SSL_write(ssl, reply, (int)strlen(reply)) <= 0)
		_exit(6);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	close(fd);
	_exit(0);
}

/*
 * A request read ahead during the handshake: its SSL_read does no socket
 * I/O, and the session's socket is not known yet. With the session
 * layout of OpenSSL 3.0 (as discovery gives it by version) the socket is
 * read from the SSL's BIO (ENF_TLS_F_FD_BIO); without it the record has
 * no socket, which shows the case is the one meant. With @reuse the SSL
 * object served a first connection whose fd stays open: its cached socket
 * is valid by that fd, and only the BIO tells the session moved (without
 * the layout the read carries the first connection's flow). Only on
 * OpenSSL 3.0.
 */
static void test_read_ahead(enum enf_tls_layout layout, int reuse)
{
	const char *m =
		reuse == REUSE_CLOSED ? "reused SSL, first fd closed" :
		reuse  ? (layout ? "reused SSL, layout" : "reused SSL, none") :
		layout ? "read-ahead, layout" :
			 "read-ahead, none";
	static const char request[] = "GET /ahead HTTP/1.1\r\nHost: lo\r\n\r\n";
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.layout = layout,
		.path = libssl,
		.by_name = true,
		.pid = -1,
	};
	/* as the daemon runs: writes probed at entry alone */
	const struct enf_tls_opts entry_only = { .track = tls_default_track(),
						 .write_entry_only = true };
	static struct tls_store st;
	const struct enf_tls_event *e;
	struct enf_capture *cap = NULL;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct enf_tls *tls = NULL;
	int ls = -1, port = 0, cfd = -1, sfd = -1, go[2] = { -1, -1 };
	int rep[2] = { -1, -1 }, status = -1;
	char reply[64] = "";
	pid_t server = -1, spid;
	SSL *ssl = NULL, *first = NULL;
	int ffd = -1;
	__u32 id;
	int err;

	if (strncmp(OpenSSL_version(OPENSSL_VERSION), "OpenSSL 3.0.", 12)) {
		printf("# SKIP [%s]: OpenSSL here is %s, not 3.0\n", m,
		       OpenSSL_version(OPENSSL_VERSION));
		return;
	}
	err = enf_tls_open(&entry_only, &tls);
	if (!err)
		err = enf_tls_attach(tls, &t, &id);
	CHECK(err == 0, "[%s] open the capture and attach %s (%s)", m, libssl,
	      strerror(-err));
	if (!err)
		err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st,
				      &cap);
	sctx = tls_server_ctx();
	cctx = tls_client_ctx();
	ls = tls_listen4(&port);
	if (err || !sctx || !cctx || ls < 0 || pipe(go) || pipe(rep)) {
		CHECK(false, "[%s] test setup", m);
		goto out;
	}
	SSL_CTX_set_read_ahead(sctx, 1);
	SSL_CTX_set_num_tickets(sctx, 0); /* nothing written after it */
	enf_capture_consume(cap);
	tls_store_clear(&st);
	server = fork();
	if (server == 0)
		serve_read_ahead(ls, go[0], rep[1], sctx, "ahead-reply", reuse);
	spid = server;
	tls_store_watch(&st, spid);
	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_port = htons(port) };
		char r1[8] = "";
		int one = 1;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (reuse) {
			ffd = socket(AF_INET, SOCK_STREAM, 0);
			first = SSL_new(cctx);
			err = ffd < 0 || !first ||
			      connect(ffd, (struct sockaddr *)&a, sizeof(a)) ||
			      !SSL_set_fd(first, ffd) ||
			      SSL_connect(first) != 1 ||
			      SSL_write(first, "GET /first HTTP/1.1\r\n\r\n",
					24) != 24 ||
			      SSL_read(first, r1, sizeof(r1) - 1) != 5;
			CHECK(!err, "[%s] a first exchange on the server's SSL",
			      m);
		}
		/* no Nagle: the request must be in the server's socket,
		 * behind the Finished, before the server reads them (held
		 * for the Finished's ACK, it came after 100 ms under ASan
		 * now and then, and SSL_read then read it itself) */
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		err = cfd < 0 ||
		      setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one,
				 sizeof(one)) ||
		      connect(cfd, (struct sockaddr *)&a, sizeof(a));
	}
	ssl = err ? NULL : SSL_new(cctx);
	err = !ssl || !SSL_set_fd(ssl, cfd) || SSL_connect(ssl) != 1 ||
	      SSL_write(ssl, request, sizeof(request) - 1) <= 0;
	CHECK(!err, "[%s] client handshake and request", m);
	/* the server finishes its handshake once both are in its socket:
	 * everything the client sent acknowledged (on loopback, queued at
	 * the server), then a little more */
	for (int i = 0; !err && i < 2000; i++) {
		int unacked = -1;

		if (ioctl(cfd, SIOCOUTQ, &unacked) || unacked == 0)
			break;
		usleep(1000);
	}
	usleep(20000);
	if (write(go[1], "g", 1) != 1 ||
	    read(rep[0], &sfd, sizeof(sfd)) != sizeof(sfd))
		sfd = -2;
	if (!err)
		SSL_read(ssl, reply, sizeof(reply) - 1);
	waitpid(server, &status, 0);
	server = -1;
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "[%s] server child exits 0 (status %#x)", m, status);
	CHECK(!strcmp(reply, "ahead-reply"), "[%s] the client got the reply",
	      m);
	e = tls_wait_event(cap, &st, spid, ENF_TLS_READ, "GET /ahead", 2000);
	CHECK(e != NULL, "[%s] the server's READ of the request is captured",
	      m);
	if (!e)
		goto out;
	if (layout) {
		CHECK((e->flags & ENF_TLS_F_FD_BIO) &&
			      !(e->flags & ENF_TLS_F_NO_SOCKET) && e->fd == sfd,
		      "[%s] its socket read from the SSL's BIO: flags %#x, fd %d == %d",
		      m, e->flags, e->fd, sfd);
		CHECK(e->tuple.proto == 6 && e->tuple.family == ENF_FAMILY_V4 &&
			      ntohs(e->tuple.dport) == port,
		      "[%s] and its flow, the server's port %d", m, port);
	} else if (reuse == REUSE_CLOSED) {
		CHECK((e->flags & ENF_TLS_F_NO_SOCKET) && e->seq == 0,
		      "[%s] the read has no socket, and its session starts "
		      "again at 0 (flags %#x, seq %llu): never the first "
		      "connection's flow",
		      m, e->flags, (unsigned long long)e->seq);
	} else if (reuse) {
		CHECK(e->fd != sfd && !(e->flags & ENF_TLS_F_NO_SOCKET),
		      "[%s] without the layout the read carries the first "
		      "connection's socket (fd %d, not %d): the case is meant",
		      m, e->fd, sfd);
	} else {
		CHECK(e->flags & ENF_TLS_F_NO_SOCKET,
		      "[%s] without the layout the read has no socket "
		      "(flags %#x): the request was read ahead",
		      m, e->flags);
	}
	/* the reply, a write probed at entry alone, takes the socket its
	 * send goes out on, layout or not: never the first connection's */
	e = tls_wait_event(cap, &st, spid, ENF_TLS_WRITE, "ahead-reply", 2000);
	CHECK(e && e->fd == sfd && !(e->flags & ENF_TLS_F_NO_SOCKET) &&
		      ntohs(e->tuple.dport) == port,
	      "[%s] the server's reply is captured on its own socket (fd %d "
	      "== %d, flags %#x)",
	      m, e ? e->fd : -3, sfd, e ? e->flags : 0);
out:
	if (server > 0) {
		kill(server, SIGKILL);
		waitpid(server, NULL, 0);
	}
	if (ssl)
		SSL_free(ssl);
	if (first)
		SSL_free(first);
	if (ffd >= 0)
		close(ffd);
	for (int i = 0; i < 2; i++) {
		if (go[i] >= 0)
			close(go[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	if (cfd >= 0)
		close(cfd);
	if (ls >= 0)
		close(ls);
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

/* Whether the consumer's epoll fd reports records within @ms. */
static bool woken_within(struct enf_capture *cap, int ms)
{
	struct epoll_event ev;

	return epoll_wait(enf_capture_epoll_fd(cap), &ev, 1, ms) > 0;
}

/*
 * The consumer's polling promise (tls_wake): while it holds, records wake
 * nobody and wait for the consumer's own poll, which finds them and
 * extends it; once it has ended, the first record wakes the consumer.
 */
static void test_wake_promise(void)
{
	static struct tls_store st;
	struct enf_capture *cap = NULL;
	SSL_CTX *sctx = NULL, *cctx = NULL;
	struct enf_tls *tls = NULL;
	struct enf_tls_wake *w;
	bool drained = false;
	int err, got;
	__u64 now;

	err = tls_open_libssl(NULL, -1, &tls);
	CHECK(err == 0, "[wake] open the capture and attach %s (%s)", libssl,
	      strerror(-err));
	if (err)
		return;
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "[wake] enf_capture_new");
	w = enf_tls_wake(tls);
	CHECK(w != NULL, "[wake] tls_wake is mapped");
	sctx = tls_server_ctx();
	cctx = tls_client_ctx();
	if (err || !w || !sctx || !cctx)
		goto out;
	enf_capture_set_wake(cap, w);
	CHECK(w->poll_until_ns == 0, "[wake] no promise before a consume");
	CHECK(enf_capture_timeout(cap) == 1000,
	      "[wake] asleep, the consumer looks once a second");

	/* the consumer promises to poll for the next ten seconds */
	w->poll_until_ns = tls_now_ns() + 10000000000ull;
	/* other TLS users' records, and epoll's ready list, emptied */
	for (int i = 0; i < 20 && !drained; i++) {
		enf_capture_consume(cap);
		drained = !woken_within(cap, 0);
	}
	CHECK(drained, "[wake] the ring drained before the exchange");
	tls_store_clear(&st);
	tls_store_watch(&st, getpid());
	w->poll_until_ns = tls_now_ns() + 10000000000ull;
	CHECK(wake_exchange(sctx, cctx, "promised") == 0,
	      "[wake] TLS exchange under the promise");
	CHECK(!woken_within(cap, 300),
	      "[wake] records committed under the promise woke nobody");
	now = tls_now_ns();
	got = enf_capture_tick(cap);
	CHECK(got > 0 && st.n > 0,
	      "[wake] the consumer's own poll found them (%d records, %zu ours)",
	      got, st.n);
	/* it was ten seconds ahead: the renewal is a few ms from now */
	CHECK(w->poll_until_ns > now && w->poll_until_ns <= now + 1000000000ull,
	      "[wake] records found renewed the promise from now");
	CHECK(enf_capture_timeout(cap) == 10,
	      "[wake] while it holds, the consumer polls every 10 ms");
	CHECK(w->poll_until_ns >= now + 21000000ull,
	      "[wake] the promise outlasts two polls and a millisecond");
	enf_capture_set_poll_ms(cap, 3);
	CHECK(enf_capture_timeout(cap) == 3,
	      "[wake] or as often as it is told to (3 ms)");
	enf_capture_set_poll_ms(cap, 1000);
	CHECK(enf_capture_timeout(cap) == 100, "[wake] at most 100 ms apart");

	/* the promise ended: the first record wakes the consumer at once */
	enf_capture_set_wake(cap, w);
	tls_store_clear(&st);
	tls_store_watch(&st, getpid());
	CHECK(wake_exchange(sctx, cctx, "asleep") == 0,
	      "[wake] TLS exchange with the consumer asleep");
	CHECK(woken_within(cap, 2000), "[wake] a record woke the consumer");
	got = enf_capture_consume(cap);
	CHECK(got > 0 && st.n > 0,
	      "[wake] and it found the exchange (%d records, %zu ours)", got,
	      st.n);

out:
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

int main(void)
{
	char found[1][PATH_MAX];
	size_t n;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_loader loads BPF programs and attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_loader");
	if (enf_tls_find_libs(NULL, found, 1, &n) == -ENOENT) {
		printf("SKIP: no libssl.so.3 on this machine\n");
		return TLS_TEST_SKIP;
	}
	strcpy(libssl, found[0]);

	test_attach_errors();
	test_loopback(LOOP_DEFAULT);
	test_loopback(LOOP_TRACEPOINTS);
	test_loopback(LOOP_RAW_TP);
	test_loopback(LOOP_CUSTOM_BIO);
	test_loopback(LOOP_RAW_TP_WRITE_ENTRY);
	test_loopback(LOOP_DEFAULT_WRITE_ENTRY);
	test_read_ahead(ENF_TLS_LAYOUT_OSSL30, REUSE_NONE);
	test_read_ahead(ENF_TLS_LAYOUT_NONE, REUSE_NONE);
	test_read_ahead(ENF_TLS_LAYOUT_OSSL30, REUSE_OPEN);
	test_read_ahead(ENF_TLS_LAYOUT_NONE, REUSE_OPEN);
	test_read_ahead(ENF_TLS_LAYOUT_NONE, REUSE_CLOSED);
	test_ring_full();
	test_wake_promise();
	test_tracefs_mount();
	return tls_check_done();
}
