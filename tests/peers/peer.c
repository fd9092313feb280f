// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A TLS test peer: an HTTP/1.1 server that answers every request with what
 * it received (lengths and POSIX cksum CRCs, or the body echoed), and a
 * client that sends a file holding one exact request and prints the raw
 * response. The TLS library is whichever backend the program is linked
 * with (peer.h). One process, one connection at a time, so that the pid a
 * capture reports is the pid the test started.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

/* Limits on what a peer makes this program hold. */
#define PEER_MAX_HEAD (64 * 1024)
#define PEER_MAX_BODY (64 * 1024 * 1024)
#define PEER_MAX_FILE (64 * 1024 * 1024)
#define PEER_MAX_REPEAT 100000
#define PEER_READ_CALL (64 * 1024)

struct opts {
	struct peer_opts tls;
	const char *addr;
	const char *port;
	const char *file; /* client: the request */
	long repeat; /* client: requests on one connection */
	size_t chunk; /* client: largest write call, 0: one call */
	long max_conns; /* server: 0 for no limit */
	long read_delay_ms; /* server: pause before reading a request */
};

/* The signal handler's view: what to shut down so blocking calls return. */
static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t listen_fd_sig = -1;
static volatile sig_atomic_t conn_fd_sig = -1;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (conn_fd_sig >= 0)
		shutdown(conn_fd_sig, SHUT_RDWR);
	if (listen_fd_sig >= 0)
		shutdown(listen_fd_sig, SHUT_RDWR);
}

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s_peer: ", peer_tls_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* POSIX cksum: CRC-32 (0x04C11DB7, MSB first) over data then length. */
struct cksum {
	uint32_t crc;
	uint64_t len;
};

static uint32_t cksum_table[256];

static void cksum_init_table(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;

		for (int b = 0; b < 8; b++)
			c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
		cksum_table[i] = c;
	}
}

static void cksum_add(struct cksum *s, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		s->crc = (s->crc << 8) ^ cksum_table[(s->crc >> 24) ^ p[i]];
	s->len += len;
}

static uint32_t cksum_final(const struct cksum *s)
{
	uint32_t crc = s->crc;

	for (uint64_t n = s->len; n; n >>= 8)
		crc = (crc << 8) ^ cksum_table[(crc >> 24) ^ (n & 0xff)];
	return ~crc;
}

int peer_wait_fd(int fd, bool want_write)
{
	struct pollfd p = { .fd = fd, .events = want_write ? POLLOUT : POLLIN };
	int n;

	for (;;) {
		n = poll(&p, 1, PEER_IO_TIMEOUT_S * 1000);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR || stop_requested)
			return -errno;
	}
}

/* A byte buffer: data in [off, len), room up to cap. */
struct buf {
	char *p;
	size_t off, len, cap;
};

static int buf_reserve(struct buf *b, size_t room, size_t limit)
{
	size_t cap;
	char *p;

	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len >= room)
		return 0;
	if (b->off) {
		memmove(b->p, b->p + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= room)
			return 0;
	}
	if (b->len + room > limit)
		return -E2BIG;
	cap = b->cap ? b->cap : 16384;
	while (cap < b->len + room)
		cap *= 2;
	if (cap > limit)
		cap = limit;
	p = realloc(b->p, cap);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->cap = cap;
	return 0;
}

static size_t buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

/* One read call into @b. Return: bytes, 0 at close, or -errno. */
static ssize_t buf_fill(struct peer_conn *c, struct buf *b, size_t limit)
{
	size_t want = PEER_READ_CALL;
	ssize_t n;
	int err;

	if (limit - buf_avail(b) < want)
		want = limit - buf_avail(b);
	if (!want)
		return -E2BIG;
	err = buf_reserve(b, want, limit);
	if (err)
		return err;
	n = peer_tls_read(c, b->p + b->len, want);
	if (n > 0)
		b->len += n;
	return n;
}

/* Writes all of @len bytes in calls of at most @chunk (0: no limit). */
static int write_all(struct peer_conn *c, const void *data, size_t len,
		     size_t chunk)
{
	const char *p = data;

	while (len) {
		size_t n = chunk && chunk < len ? chunk : len;
		ssize_t w = peer_tls_write(c, p, n);

		if (w < 0)
			return (int)w;
		p += w;
		len -= w;
	}
	return 0;
}

/* Offset just past "\r\n\r\n" in @p[0..len), or 0 when absent. */
static size_t head_end(const char *p, size_t len)
{
	for (size_t i = 3; i < len; i++)
		if (p[i] == '\n' && p[i - 1] == '\r' && p[i - 2] == '\n' &&
		    p[i - 3] == '\r')
			return i + 1;
	return 0;
}

/*
 * The value of header @name in the head @h[0..len), copied to @val; the
 * request or status line is skipped. Return: true when found.
 */
static bool head_value(const char *h, size_t len, const char *name, char *val,
		       size_t vlen)
{
	size_t nl = strlen(name);
	const char *end = h + len, *line = memchr(h, '\n', len);

	while (line && ++line < end) {
		const char *eol = memchr(line, '\n', end - line);
		size_t ll;

		if (!eol)
			break;
		ll = eol - line;
		if (ll > nl && line[nl] == ':' &&
		    !strncasecmp(line, name, nl)) {
			const char *v = line + nl + 1, *ve = eol;

			while (v < ve && (*v == ' ' || *v == '\t'))
				v++;
			while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' ||
					  ve[-1] == '\t'))
				ve--;
			if ((size_t)(ve - v) >= vlen)
				return false;
			memcpy(val, v, ve - v);
			val[ve - v] = '\0';
			return true;
		}
		line = eol;
	}
	return false;
}

/* Parses a decimal length; -1 when not a clean number within @max. */
static long long parse_len(const char *s, long long max)
{
	long long v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
		if (v > max)
			return -1;
	}
	return v;
}

static int send_error(struct peer_conn *c, int code, const char *reason)
{
	char r[256];
	int n;

	n = snprintf(r, sizeof(r),
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n"
		     "X-Peer: %s\r\n\r\n%s\n",
		     code, reason, strlen(reason) + 1, peer_tls_name, reason);
	return write_all(c, r, n, 0);
}

/* Serves one request from @in. Return: 1 to go on, 0 to close, -errno. */
static int serve_request(struct peer_conn *c, struct buf *in,
			 const struct opts *o, unsigned long *seq)
{
	char method[16], target[1024], version[16], val[64];
	char summary[1280], head[1536];
	struct cksum req = { 0 }, body = { 0 };
	long long body_len = 0;
	size_t hl, total;
	bool keep, echo;
	const char *h;
	ssize_t n;
	int len, err;

	for (;;) {
		hl = head_end(in->p + in->off, buf_avail(in));
		if (hl)
			break;
		if (buf_avail(in) >= PEER_MAX_HEAD) {
			send_error(c, 431, "request head too large");
			return 0;
		}
		if (o->read_delay_ms) {
			struct timespec ts = {
				.tv_sec = o->read_delay_ms / 1000,
				.tv_nsec = (o->read_delay_ms % 1000) * 1000000,
			};

			nanosleep(&ts, NULL);
		}
		n = buf_fill(c, in, PEER_MAX_HEAD + PEER_MAX_BODY);
		if (n == 0) /* a close between requests is the normal end */
			return buf_avail(in) ? -EPROTO : 0;
		if (n < 0)
			return (int)n;
	}
	h = in->p + in->off;
	if (sscanf(h, "%15s %1023s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7)) {
		send_error(c, 400, "bad request line");
		return 0;
	}
	if (head_value(h, hl, "Transfer-Encoding", val, sizeof(val))) {
		send_error(c, 501, "only Content-Length bodies");
		return 0;
	}
	if (head_value(h, hl, "Content-Length", val, sizeof(val))) {
		body_len = parse_len(val, PEER_MAX_BODY);
		if (body_len < 0) {
			send_error(c, 413, "bad or too large Content-Length");
			return 0;
		}
	}
	keep = !strcmp(version, "HTTP/1.1");
	if (head_value(h, hl, "Connection", val, sizeof(val)))
		keep = !strcasecmp(val, "keep-alive") ||
		       (keep && strcasecmp(val, "close"));
	total = hl + body_len;
	while (buf_avail(in) < total) {
		n = buf_fill(c, in, PEER_MAX_HEAD + PEER_MAX_BODY);
		if (n <= 0)
			return n ? (int)n : -EPROTO;
	}
	h = in->p + in->off;
	cksum_add(&req, h, total);
	cksum_add(&body, h + hl, body_len);
	echo = !strncmp(target, "/echo", 5);
	snprintf(summary, sizeof(summary),
		 "peer=%s method=%s target=%s request_bytes=%zu "
		 "request_cksum=%u body_bytes=%lld body_cksum=%u",
		 peer_tls_name, method, target, total, cksum_final(&req),
		 body_len, cksum_final(&body));
	printf("request %lu %s\n", ++*seq, summary);
	fflush(stdout);
	/* One write call for the head, one for the body. */
	len = snprintf(head, sizeof(head),
		       "HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
		       "Content-Length: %zu\r\nX-Peer: %s\r\n"
		       "X-Peer-Summary: %s\r\n%s\r\n",
		       echo ? "application/octet-stream" : "text/plain",
		       echo ? (size_t)body_len : strlen(summary) + 1,
		       peer_tls_name, summary,
		       keep ? "" : "Connection: close\r\n");
	err = write_all(c, head, len, 0);
	if (!err && echo && body_len)
		err = write_all(c, h + hl, body_len, 0);
	if (!err && !echo) {
		len = snprintf(head, sizeof(head), "%s\n", summary);
		err = write_all(c, head, len, 0);
	}
	in->off += total;
	if (err)
		return err;
	return keep ? 1 : 0;
}

static int make_addr(const char *addr, const char *port, bool passive,
		     struct addrinfo **out)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
			    (passive ? AI_PASSIVE : 0),
	};
	int rc;

	rc = getaddrinfo(addr, port, &hints, out);
	if (rc) {
		errmsg("%s port %s: %s", addr, port, gai_strerror(rc));
		return -EINVAL;
	}
	return 0;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = PEER_IO_TIMEOUT_S };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int prepare_conn(int fd, const struct opts *o)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (o->tls.nonblock) {
		int fl = fcntl(fd, F_GETFL);

		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			return -errno;
	} else {
		set_timeouts(fd);
	}
	return 0;
}

static int run_server(struct peer_tls *t, const struct opts *o)
{
	struct sigaction sa = { .sa_handler = on_stop };
	struct addrinfo *ai = NULL;
	unsigned long seq = 0;
	long conns = 0;
	int lfd = -1, one = 1, zero = 0, err;
	char emsg[256];

	err = make_addr(o->addr, o->port, true, &ai);
	if (err)
		return err;
	lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		err = -errno;
		errmsg("socket: %s", strerror(-err));
		goto out_free_ai;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" serves IPv4 too. */
	if (ai->ai_family == AF_INET6)
		setsockopt(lfd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, 16)) {
		err = -errno;
		errmsg("bind/listen %s port %s: %s", o->addr, o->port,
		       strerror(-err));
		goto out_close;
	}
	listen_fd_sig = lfd;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	printf("listening %s %s pid %d lib %s\n", o->addr, o->port, getpid(),
	       peer_tls_name);
	fflush(stdout);

	while (!stop_requested && (!o->max_conns || conns < o->max_conns)) {
		struct peer_conn *c = NULL;
		struct buf in = { 0 };
		int fd, rc;

		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (stop_requested)
				break;
			err = -errno;
			errmsg("accept: %s", strerror(-err));
			goto out_close;
		}
		conns++;
		conn_fd_sig = fd;
		err = prepare_conn(fd, o);
		if (err) {
			close(fd);
			conn_fd_sig = -1;
			continue;
		}
		err = peer_tls_handshake(t, fd, &c, emsg, sizeof(emsg));
		if (err) {
			conn_fd_sig = -1;
			errmsg("TLS: %s", emsg);
			continue;
		}
		do {
			rc = serve_request(c, &in, o, &seq);
		} while (rc > 0 && !stop_requested);
		if (rc < 0 && !stop_requested)
			errmsg("connection: %s", strerror(-rc));
		conn_fd_sig = -1;
		peer_tls_close(c);
		free(in.p);
	}
	err = 0;
	listen_fd_sig = -1;
out_close:
	close(lfd);
out_free_ai:
	freeaddrinfo(ai);
	return err;
}

static int read_file(const char *path, char **data, size_t *len)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out_close;
	}
	if (st.st_size > PEER_MAX_FILE) {
		err = -E2BIG;
		goto out_close;
	}
	*data = malloc(st.st_size ? st.st_size : 1);
	if (!*data) {
		err = -ENOMEM;
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, *data + got, st.st_size - got);
		if (n <= 0) {
			err = n ? -errno : -EIO;
			free(*data);
			*data = NULL;
			goto out_close;
		}
		got += n;
	}
	*len = got;
out_close:
	close(fd);
	return err;
}

/* Reads until @in holds at least @want bytes. */
static int fill_to(struct peer_conn *c, struct buf *in, size_t want,
		   size_t limit)
{
	while (buf_avail(in) < want) {
		ssize_t n = buf_fill(c, in, limit);

		if (n <= 0)
			return n ? (int)n : -EPIPE;
	}
	return 0;
}

/*
 * Reads one response, prints it raw on stdout. @head_only: the request was
 * HEAD. Return: 1 when the server closes after it, 0, or -errno.
 */
static int read_response(struct peer_conn *c, struct buf *in, bool head_only)
{
	const size_t limit = PEER_MAX_HEAD + PEER_MAX_BODY;
	char val[64], version[16];
	size_t hl, used;
	int status, err;
	bool closes;
	ssize_t n;

again:
	while (!(hl = head_end(in->p + in->off, buf_avail(in)))) {
		if (buf_avail(in) >= PEER_MAX_HEAD)
			return -E2BIG;
		n = buf_fill(c, in, limit);
		if (n <= 0)
			return n ? (int)n : -EPIPE;
	}
	if (sscanf(in->p + in->off, "%15s %d", version, &status) != 2)
		return -EPROTO;
	closes = !strcmp(version, "HTTP/1.0");
	if (head_value(in->p + in->off, hl, "Connection", val, sizeof(val)))
		closes = !strcasecmp(val, "close") ||
			 (closes && strcasecmp(val, "keep-alive"));
	if (status >= 100 && status < 200) {
		fwrite(in->p + in->off, 1, hl, stdout);
		in->off += hl;
		goto again;
	}
	used = hl;
	if (head_only || status == 204 || status == 304) {
		/* no body */
	} else if (head_value(in->p + in->off, hl, "Transfer-Encoding", val,
			      sizeof(val))) {
		if (strcasecmp(val, "chunked"))
			return -EPROTO;
		for (;;) {
			size_t eol, size;
			char *endp;

			for (;;) {
				char *p = in->p + in->off + used;
				char *nl =
					memchr(p, '\n', buf_avail(in) - used);

				if (nl) {
					eol = nl - (in->p + in->off) + 1;
					break;
				}
				if (buf_avail(in) - used > 1024)
					return -EPROTO;
				n = buf_fill(c, in, limit);
				if (n <= 0)
					return n ? (int)n : -EPIPE;
			}
			size = strtoul(in->p + in->off + used, &endp, 16);
			if (size > PEER_MAX_BODY)
				return -E2BIG;
			used = eol;
			if (size == 0)
				break;
			err = fill_to(c, in, used + size + 2, limit);
			if (err)
				return err;
			used += size + 2;
		}
		/* trailers, up to the empty line */
		for (;;) {
			char *p;
			size_t left;

			err = fill_to(c, in, used + 2, limit);
			if (err)
				return err;
			p = in->p + in->off + used;
			left = buf_avail(in) - used;
			if (p[0] == '\r' && p[1] == '\n') {
				used += 2;
				break;
			}
			p = memchr(p, '\n', left);
			if (!p) {
				if (left > 1024)
					return -EPROTO;
				n = buf_fill(c, in, limit);
				if (n <= 0)
					return n ? (int)n : -EPIPE;
				continue;
			}
			used = p - (in->p + in->off) + 1;
		}
	} else if (head_value(in->p + in->off, hl, "Content-Length", val,
			      sizeof(val))) {
		long long len = parse_len(val, PEER_MAX_BODY);

		if (len < 0)
			return -E2BIG;
		err = fill_to(c, in, hl + len, limit);
		if (err)
			return err;
		used = hl + len;
	} else {
		/* the body ends when the server closes */
		for (;;) {
			n = buf_fill(c, in, limit);
			if (n == 0)
				break;
			if (n < 0)
				return (int)n;
		}
		used = buf_avail(in);
		closes = true;
	}
	fwrite(in->p + in->off, 1, used, stdout);
	in->off += used;
	return closes ? 1 : 0;
}

static int run_client(struct peer_tls *t, const struct opts *o)
{
	struct addrinfo *ai = NULL;
	struct peer_conn *c = NULL;
	struct buf in = { 0 };
	char *req = NULL, emsg[256];
	bool head_only;
	size_t len = 0;
	int fd, err;

	err = read_file(o->file, &req, &len);
	if (err) {
		errmsg("%s: %s", o->file, strerror(-err));
		return err;
	}
	head_only = len >= 5 && !memcmp(req, "HEAD ", 5);
	err = make_addr(o->addr, o->port, false, &ai);
	if (err)
		goto out_free_req;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto out_free_ai;
	}
	set_timeouts(fd);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		err = -errno;
		errmsg("connect %s port %s: %s", o->addr, o->port,
		       strerror(-err));
		close(fd);
		goto out_free_ai;
	}
	err = prepare_conn(fd, o);
	if (err) {
		close(fd);
		goto out_free_ai;
	}
	err = peer_tls_handshake(t, fd, &c, emsg, sizeof(emsg));
	if (err) {
		errmsg("TLS: %s", emsg);
		goto out_free_ai;
	}
	for (long i = 0; i < o->repeat; i++) {
		err = write_all(c, req, len, o->chunk);
		if (err) {
			errmsg("write: %s", strerror(-err));
			goto out_close;
		}
		err = read_response(c, &in, head_only);
		if (err < 0) {
			errmsg("response: %s", strerror(-err));
			goto out_close;
		}
		if (err == 1 && i + 1 < o->repeat) {
			errmsg("server closed after request %ld of %ld", i + 1,
			       o->repeat);
			err = -EPIPE;
			goto out_close;
		}
		err = 0;
	}
	fflush(stdout);
out_close:
	peer_tls_close(c);
	free(in.p);
out_free_ai:
	freeaddrinfo(ai);
out_free_req:
	free(req);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s_peer server [OPTIONS] ADDR PORT CERT KEY\n"
		"       %s_peer client [OPTIONS] ADDR PORT FILE\n"
		"  --ex            OpenSSL: SSL_read_ex/SSL_write_ex; "
		"NSS: PR_Recv/PR_Send\n"
		"  --nonblock      non-blocking socket (poll on want)\n"
		"  --ca CA         client: verify the server (NSS: db dir)\n"
		"  --name NAME     client: SNI and the name verified\n"
		"  --repeat N      client: send the request N times, one "
		"connection\n"
		"  --chunk N       client: write calls of at most N bytes\n"
		"  --max-conns N   server: exit after N connections\n"
		"  --read-delay MS server: pause before each read of a "
		"request head\n"
		"NSS server: CERT is the database directory, KEY the "
		"nickname.\n",
		peer_tls_name, peer_tls_name);
}

static bool parse_num(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "ex", no_argument, NULL, 'x' },
		{ "nonblock", no_argument, NULL, 'n' },
		{ "ca", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'N' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "chunk", required_argument, NULL, 'k' },
		{ "max-conns", required_argument, NULL, 'm' },
		{ "read-delay", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	long v;
	int ch;

	if (argc < 2)
		return -EINVAL;
	if (!strcmp(argv[1], "server"))
		o->tls.server = true;
	else if (strcmp(argv[1], "client"))
		return -EINVAL;
	o->repeat = 1;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'x':
			o->tls.ex = true;
			break;
		case 'n':
			o->tls.nonblock = true;
			break;
		case 'c':
			o->tls.ca = optarg;
			break;
		case 'N':
			o->tls.name = optarg;
			break;
		case 'r':
			if (!parse_num(optarg, 1, PEER_MAX_REPEAT, &o->repeat))
				return -EINVAL;
			break;
		case 'k':
			if (!parse_num(optarg, 1, PEER_MAX_FILE, &v))
				return -EINVAL;
			o->chunk = v;
			break;
		case 'm':
			if (!parse_num(optarg, 1, LONG_MAX, &o->max_conns))
				return -EINVAL;
			break;
		case 'd':
			if (!parse_num(optarg, 0, 600000, &o->read_delay_ms))
				return -EINVAL;
			break;
		default:
			return -EINVAL;
		}
	}
	if (argc - optind != (o->tls.server ? 4 : 3))
		return -EINVAL;
	o->addr = argv[optind];
	o->tls.addr = o->addr;
	o->port = argv[optind + 1];
	if (o->tls.server) {
		o->tls.cert = argv[optind + 2];
		o->tls.key = argv[optind + 3];
	} else {
		o->file = argv[optind + 2];
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct peer_tls *t = NULL;
	struct opts o = { 0 };
	char emsg[256];
	int err;

	if (parse_args(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	cksum_init_table();
	err = peer_tls_init(&t, &o.tls, emsg, sizeof(emsg));
	if (err) {
		errmsg("%s", emsg);
		return 1;
	}
	err = o.tls.server ? run_server(t, &o) : run_client(t, &o);
	peer_tls_free(t);
	return err ? 1 : 0;
}
