// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "enforcer/common/caps.h"
#include "enforcer/control/metrics_http.h"

/* Connections the kernel queues while one is served; more are refused. */
#define METRICS_BACKLOG 16
/* Bytes read and thrown away after a 431, so that closing with them unread
 * does not reset the connection before the peer has read the reply. */
#define METRICS_LINGER_MAX (64u << 10)
/* The pause after accept() fails for want of a resource (EMFILE...),
 * instead of spinning on a listening socket that stays readable. */
#define METRICS_ACCEPT_PAUSE_MS 100

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct enf_metrics_http {
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	uint16_t port;
	unsigned int timeout_ms;
	enf_metrics_fn fn;
	void *ctx;
	/* Written by the endpoint's thread, read by any: __atomic only. */
	struct enf_metrics_http_stats stats;
	/* The request head of the connection being served. */
	char head[ENF_METRICS_HTTP_MAX_HEAD];
};

union metrics_sockaddr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void count(uint64_t *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits until @fd has one of @events, @deadline (CLOCK_MONOTONIC ms)
 * passes, or the endpoint is stopped. Return: 0, -ETIMEDOUT, -ECANCELED
 * (stopped), or another negative errno.
 */
static int wait_fd(const struct enf_metrics_http *m, int fd, short events,
		   int64_t deadline)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = m->stop_fd, .events = POLLIN },
	};
	int64_t left;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(pfd, 2, left < INT_MAX ? (int)left : INT_MAX) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents)
			return -ECANCELED;
		/* POLLERR and POLLHUP too: the next call reports them. */
		if (pfd[0].revents)
			return 0;
	}
}

/* Where the request line starts: RFC 9112 2.2 lets empty lines precede it. */
static size_t skip_empty_lines(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == '\n')
			i++;
		else if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n')
			i += 2;
		else
			break;
	}
	return i;
}

/* The offset just past the empty line that ends the head, or 0. */
static size_t find_head_end(const char *p, size_t len, size_t from)
{
	for (size_t i = from; i < len; i++) {
		if (p[i] != '\n')
			continue;
		if (i + 1 < len && p[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Reads the request head into m->head until the empty line that ends it.
 * Return: 0 with *@start at the request line; -EMSGSIZE when
 * ENF_METRICS_HTTP_MAX_HEAD bytes hold no end; -ENODATA when the peer
 * closed first; -ETIMEDOUT, -ECANCELED, or another negative errno.
 */
static int read_head(struct enf_metrics_http *m, int fd, int64_t deadline,
		     size_t *start)
{
	size_t len = 0, from;
	ssize_t n;
	int ret;

	for (;;) {
		n = recv(fd, m->head + len, sizeof(m->head) - len,
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = wait_fd(m, fd, POLLIN, deadline);
			if (ret)
				return ret;
			continue;
		}
		if (n == 0)
			return -ENODATA;
		/* A '\n' before len - 2 was looked at with what follows it. */
		from = len > 2 ? len - 2 : 0;
		len += (size_t)n;
		*start = skip_empty_lines(m->head, len);
		if (find_head_end(m->head, len, from > *start ? from : *start))
			return 0;
		if (len == sizeof(m->head))
			return -EMSGSIZE;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
	}
}

/* tchar of RFC 9110 5.6.2, what a method is made of. */
static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool is_metrics_path(const char *t, size_t len)
{
	static const char path[] = "/metrics";
	const size_t plen = sizeof(path) - 1;

	return len >= plen && memcmp(t, path, plen) == 0 &&
	       (len == plen || t[plen] == '?');
}

/*
 * Judges the request line "METHOD SP target SP HTTP/1.x" at @p (up to its
 * '\n'). Return: 200 to serve the metrics, else the error status; *@head
 * when the method is HEAD (no body goes back, whatever the status).
 */
static int route(const char *p, bool *head)
{
	const char *method = p, *target, *version;
	size_t mlen, tlen, vlen;

	*head = false;
	while (is_tchar(*p))
		p++;
	mlen = (size_t)(p - method);
	if (!mlen || *p++ != ' ')
		return 400;
	target = p;
	while (*p > ' ' && *p < 0x7f)
		p++;
	tlen = (size_t)(p - target);
	if (!tlen || *p++ != ' ')
		return 400;
	version = p;
	while (*p != '\r' && *p != '\n')
		p++;
	vlen = (size_t)(p - version);
	if (*p == '\r' && p[1] != '\n')
		return 400;
	if (vlen != 8 || memcmp(version, "HTTP/", 5) != 0 || version[5] < '0' ||
	    version[5] > '9' || version[6] != '.' || version[7] < '0' ||
	    version[7] > '9')
		return 400;
	*head = mlen == 4 && memcmp(method, "HEAD", 4) == 0;
	if (version[5] != '1')
		return 505;
	if (!is_metrics_path(target, tlen))
		return 404;
	if (!*head && !(mlen == 3 && memcmp(method, "GET", 3) == 0))
		return 405;
	return 200;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 431:
		return "Request Header Fields Too Large";
	case 505:
		return "HTTP Version Not Supported";
	case 500:
	default:
		return "Internal Server Error";
	}
}

/* Sends all of @iov before @deadline: short writes and EINTR resumed. */
static int send_all(const struct enf_metrics_http *m, int fd, struct iovec *iov,
		    size_t iovcnt, int64_t deadline)
{
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = iovcnt };
	size_t done;
	ssize_t n;
	int ret;

	for (;;) {
		while (msg.msg_iovlen && !msg.msg_iov->iov_len) {
			msg.msg_iov++;
			msg.msg_iovlen--;
		}
		if (!msg.msg_iovlen)
			return 0;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			ret = wait_fd(m, fd, POLLOUT, deadline);
			if (ret)
				return ret;
			continue;
		}
		for (done = (size_t)n; done >= msg.msg_iov->iov_len;) {
			done -= msg.msg_iov->iov_len;
			msg.msg_iov++;
			msg.msg_iovlen--;
			if (!msg.msg_iovlen)
				return 0;
		}
		msg.msg_iov->iov_base = (char *)msg.msg_iov->iov_base + done;
		msg.msg_iov->iov_len -= done;
	}
}

/* The status line, the headers and, unless @head, @body (or for an error
 * its reason on a line). */
static int send_reply(const struct enf_metrics_http *m, int fd, int status,
		      bool head, const char *body, size_t body_len,
		      int64_t deadline)
{
	char hdr[256], text[64];
	struct iovec iov[2];
	int n;

	if (status != 200) {
		n = snprintf(text, sizeof(text), "%s\n", reason(status));
		body = text;
		body_len = (size_t)n;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "Connection: close\r\n"
		     "\r\n",
		     status, reason(status),
		     status == 200 ? METRICS_CONTENT_TYPE :
				     "text/plain; charset=utf-8",
		     body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdr))
		return -EOVERFLOW;
	iov[0] = (struct iovec){ hdr, (size_t)n };
	iov[1] = (struct iovec){ (void *)body, head ? 0 : body_len };
	return send_all(m, fd, iov, 2, deadline);
}

/*
 * After a 431 the peer may still be sending its head: read and drop it
 * (bounded in bytes and by the deadline) until the peer closes, so that our
 * close does not reset the connection and lose the reply.
 */
static void linger(const struct enf_metrics_http *m, int fd, int64_t deadline)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	if (shutdown(fd, SHUT_WR))
		return;
	while (total < METRICS_LINGER_MAX) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n == 0 ||
		    (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
			return;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if (wait_fd(m, fd, POLLIN, deadline))
				return;
		}
	}
}

/* Drops what has already arrived beyond the head, without waiting. */
static void drain_pending(int fd)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	while (total < METRICS_LINGER_MAX) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		total += (size_t)n;
	}
}

static void conn_failed(struct enf_metrics_http *m, int err)
{
	count(err == -ETIMEDOUT ? &m->stats.timeouts : &m->stats.dropped);
}

/* Serves one connection: a head, one reply, close (by the caller). */
static void serve_conn(struct enf_metrics_http *m, int fd)
{
	int64_t deadline = now_ms() + m->timeout_ms;
	char *body = NULL;
	size_t body_len = 0, start = 0;
	bool head = false;
	int status, ret;

	ret = read_head(m, fd, deadline, &start);
	if (ret == -EMSGSIZE) {
		status = 431;
	} else if (ret) {
		conn_failed(m, ret);
		return;
	} else {
		status = route(m->head + start, &head);
	}
	if (status == 200) {
		/* On failure the function leaves nothing to free. */
		if (m->fn(m->ctx, &body, &body_len) || (!body && body_len)) {
			body = NULL;
			body_len = 0;
			status = 500;
			count(&m->stats.fn_errors);
		}
	}
	if (status != 200)
		count(&m->stats.errors);
	ret = send_reply(m, fd, status, head, body, body_len, deadline);
	free(body);
	if (ret) {
		conn_failed(m, ret);
		return;
	}
	if (status == 200)
		count(&m->stats.served);
	if (status == 431)
		linger(m, fd, deadline);
	else
		drain_pending(fd);
}

/* Waits METRICS_ACCEPT_PAUSE_MS, or less if the endpoint is stopped. */
static void accept_pause(const struct enf_metrics_http *m)
{
	struct pollfd pfd = { .fd = m->stop_fd, .events = POLLIN };
	const struct timespec ts = { 0, METRICS_ACCEPT_PAUSE_MS * 1000000L };

	if (poll(&pfd, 1, METRICS_ACCEPT_PAUSE_MS) < 0 && errno != EINTR)
		nanosleep(&ts, NULL);
}

static void *metrics_thread(void *arg)
{
	struct enf_metrics_http *m = arg;
	struct pollfd pfd[2] = {
		{ .fd = m->listen_fd, .events = POLLIN },
		{ .fd = m->stop_fd, .events = POLLIN },
	};
	int fd;

	enf_caps_thread_enter("metrics");
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno != EINTR)
				accept_pause(m);
			continue;
		}
		if (pfd[1].revents)
			break;
		if (!pfd[0].revents)
			continue;
		fd = accept4(m->listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR || errno == ECONNABORTED)
				continue;
			count(&m->stats.accept_errors);
			accept_pause(m);
			continue;
		}
		count(&m->stats.accepted);
		serve_conn(m, fd);
		close(fd);
	}
	return NULL;
}

/* Parses @addr into @sa with @port; anything but loopback is -EINVAL. */
static int parse_loopback(const char *addr, uint16_t port,
			  union metrics_sockaddr *sa, socklen_t *salen,
			  char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, addr, &sa->in.sin_addr) == 1) {
		if ((ntohl(sa->in.sin_addr.s_addr) >> 24) != 127) {
			set_err(err, errlen,
				"metrics endpoint must listen on loopback: "
				"%.64s is not in 127.0.0.0/8 or ::1",
				addr);
			return -EINVAL;
		}
		sa->in.sin_family = AF_INET;
		sa->in.sin_port = htons(port);
		*salen = sizeof(sa->in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &sa->in6.sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&sa->in6.sin6_addr)) {
			set_err(err, errlen,
				"metrics endpoint must listen on loopback: "
				"%.64s is not in 127.0.0.0/8 or ::1",
				addr);
			return -EINVAL;
		}
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons(port);
		*salen = sizeof(sa->in6);
		return 0;
	}
	set_err(err, errlen,
		"metrics endpoint must listen on loopback: '%.64s' is not an "
		"IPv4 or IPv6 address",
		addr);
	return -EINVAL;
}

/* Creates, binds and listens; m->listen_fd and m->port on success. */
static int open_listener(struct enf_metrics_http *m, const char *addr,
			 const union metrics_sockaddr *sa, socklen_t salen,
			 char *err, size_t errlen)
{
	union metrics_sockaddr bound;
	socklen_t len = sizeof(bound);
	const int one = 1;
	int fd, ret;

	fd = socket(sa->sa.sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: socket for %s: %s",
			addr, strerror(-ret));
		return ret;
	}
	/* A restart must not wait for the last run's TIME_WAIT connections. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (sa->sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: setsockopt: %s",
			strerror(-ret));
		goto out_close;
	}
	if (bind(fd, &sa->sa, salen)) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: bind %s port %u: %s",
			addr, (unsigned)ntohs(sa->in.sin_port), strerror(-ret));
		goto out_close;
	}
	if (listen(fd, METRICS_BACKLOG)) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: listen on %s: %s", addr,
			strerror(-ret));
		goto out_close;
	}
	if (getsockname(fd, &bound.sa, &len)) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: getsockname: %s",
			strerror(-ret));
		goto out_close;
	}
	/* sin_port and sin6_port lie at the same offset. */
	m->port = ntohs(bound.in.sin_port);
	m->listen_fd = fd;
	return 0;

out_close:
	close(fd);
	return ret;
}

int enf_metrics_http_start(const struct enf_metrics_http_opts *o,
			   enf_metrics_fn fn, void *ctx,
			   struct enf_metrics_http **out, char *err,
			   size_t errlen)
{
	const char *addr = o && o->addr ? o->addr : "127.0.0.1";
	union metrics_sockaddr sa;
	struct enf_metrics_http *m;
	sigset_t all, old;
	socklen_t salen;
	int ret;

	if (!o || !fn || !out) {
		set_err(err, errlen,
			"metrics endpoint: no options, function "
			"or result pointer");
		return -EINVAL;
	}
	ret = parse_loopback(addr, o->port, &sa, &salen, err, errlen);
	if (ret)
		return ret;
	m = calloc(1, sizeof(*m));
	if (!m) {
		set_err(err, errlen, "metrics endpoint: out of memory");
		return -ENOMEM;
	}
	m->listen_fd = m->stop_fd = -1;
	m->fn = fn;
	m->ctx = ctx;
	m->timeout_ms = o->timeout_ms ? o->timeout_ms :
					ENF_METRICS_HTTP_TIMEOUT_MS;

	ret = open_listener(m, addr, &sa, salen, err, errlen);
	if (ret)
		goto out_free;
	m->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->stop_fd < 0) {
		ret = -errno;
		set_err(err, errlen, "metrics endpoint: eventfd: %s",
			strerror(-ret));
		goto out_close_listen;
	}
	/* Signals stay with the daemon's threads, not this one; but for
	 * SIGSYS, the sandbox's answer to a refused system call (a thread
	 * that blocked it would be killed instead). */
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&m->thread, NULL, metrics_thread, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		set_err(err, errlen, "metrics endpoint: thread: %s",
			strerror(-ret));
		goto out_close_stop;
	}
	*out = m;
	return 0;

out_close_stop:
	close(m->stop_fd);
out_close_listen:
	close(m->listen_fd);
out_free:
	free(m);
	return ret;
}

uint16_t enf_metrics_http_port(const struct enf_metrics_http *m)
{
	return m->port;
}

void enf_metrics_http_stats(const struct enf_metrics_http *m,
			    struct enf_metrics_http_stats *s)
{
	const struct enf_metrics_http_stats *c = &m->stats;

	s->accepted = __atomic_load_n(&c->accepted, __ATOMIC_RELAXED);
	s->served = __atomic_load_n(&c->served, __ATOMIC_RELAXED);
	s->errors = __atomic_load_n(&c->errors, __ATOMIC_RELAXED);
	s->fn_errors = __atomic_load_n(&c->fn_errors, __ATOMIC_RELAXED);
	s->timeouts = __atomic_load_n(&c->timeouts, __ATOMIC_RELAXED);
	s->dropped = __atomic_load_n(&c->dropped, __ATOMIC_RELAXED);
	s->accept_errors = __atomic_load_n(&c->accept_errors, __ATOMIC_RELAXED);
}

void enf_metrics_http_stop(struct enf_metrics_http *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	/* An eventfd write fails only if the counter would overflow; the
	 * thread sees it readable from now on, mid-connection too. */
	while (write(m->stop_fd, &one, sizeof(one)) < 0 && errno == EINTR)
		;
	pthread_join(m->thread, NULL);
	close(m->stop_fd);
	close(m->listen_fd);
	free(m);
}
