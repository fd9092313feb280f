// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit event exporter (export.h): a bounded queue of event copies,
 * taken whole at each wake by one thread that formats them as JSON and
 * writes them to a file and to syslog.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/clock.h"
#include "enforcer/audit/export.h"
#include "enforcer/common/log.h"

/* The file is written when this much is formatted, or the take is done. */
#define EXPORT_FLUSH_AT (256 * 1024)
/* Per-string caps tried in turn until the line fits ENF_EXPORT_LINE_MAX;
 * the last one fits whatever the text (20 strings of 64 bytes, each byte
 * at most 6 characters once escaped). */
static const size_t str_caps[] = { 4096, 512, 64 };

struct item {
	struct pdb_audit *a;
	int64_t id;
	size_t end; /* the thread's: where its line ends in the buffer */
	bool has_hash;
	bool failed; /* the thread's: some sink did not get it */
	uint8_t hash[PDB_AUDIT_HASH_LEN];
};

struct enf_export {
	char *path; /* NULL: no file */
	bool syslog;
	int facility;
	char host[256];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* something queued, a reopen, or stop */
	struct item *q; /* the queue, @count of @max */
	struct item *spare; /* the other array, swapped in at each take */
	size_t count, max;
	bool reopen;
	bool stop;
	uint64_t stop_ns; /* CLOCK_MONOTONIC time free() gives up at */
	int wake_fd; /* eventfd: free() wakes a wait for the file */
	struct enf_export_stats stats;

	/* the thread's own */
	int fd; /* -1 when a reopen failed */
	bool warned; /* a write error logged since the file was opened */
	bool midline; /* a failed write left part of a line in the file */
	bool file_gone, syslog_gone; /* given up on while stopping */
	char *buf;
	size_t len;
};

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/*
 * JSON text. jansson refuses strings that are not UTF-8, and audit text
 * comes from requests and processes: it is made UTF-8 here, each byte
 * outside a well-formed sequence written as \xHH, so that what an attacker
 * sent stays visible (a byte-for-byte copy is in the database).
 */

/* The length of the well-formed UTF-8 sequence at @p (Unicode table 3-7:
 * no overlong forms, no surrogates, nothing past U+10FFFF), 0 if none. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t need;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2)
		return 0;
	if (p[0] < 0xe0) {
		need = 2;
	} else if (p[0] < 0xf0) {
		need = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] < 0xf5) {
		need = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (left < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	}
	return need;
}

/* @s's length cut to @max bytes, not inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	for (size_t back = 0; back < 4 && back < max; back++) {
		if (((unsigned char)s[max - back] & 0xc0) != 0x80)
			return max - back;
	}
	return max;
}

struct jb {
	size_t cap; /* strings cut to this many bytes */
	bool cut; /* some were */
	bool oom;
};

static json_t *jstr(struct jb *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s), i, n, o = 0;
	json_t *v;
	char *t;

	if (len > b->cap) {
		len = utf8_cut(s, len, b->cap);
		b->cut = true;
	}
	for (i = 0; i < len; i += n) {
		n = utf8_seq(u + i, len - i);
		if (!n)
			break;
	}
	if (i == len)
		return json_stringn(s, len);
	t = malloc(4 * len);
	if (!t)
		return NULL;
	for (i = 0; i < len; i += n) {
		n = utf8_seq(u + i, len - i);
		if (n) {
			memcpy(t + o, s + i, n);
			o += n;
			continue;
		}
		t[o++] = '\\';
		t[o++] = 'x';
		t[o++] = hex[u[i] >> 4];
		t[o++] = hex[u[i] & 0xf];
		n = 1;
	}
	v = json_stringn(t, o);
	free(t);
	return v;
}

/* Sets @k to @v (a new reference), noting a failed allocation. */
static void put(struct jb *b, json_t *o, const char *k, json_t *v)
{
	if (!v || json_object_set_new(o, k, v))
		b->oom = true;
}

/* NULL and "" are unknown: left out. */
static void put_str(struct jb *b, json_t *o, const char *k, const char *s)
{
	if (s && *s)
		put(b, o, k, jstr(b, s));
}

/* 0 is unknown: left out. */
static void put_uint(struct jb *b, json_t *o, const char *k, uint64_t v)
{
	if (v)
		put(b, o, k, json_integer((json_int_t)v));
}

/* An empty object is left out. */
static void put_obj(struct jb *b, json_t *o, const char *k, json_t *child)
{
	if (child && !json_object_size(child)) {
		json_decref(child);
		return;
	}
	put(b, o, k, child);
}

/* "2024-05-01T12:34:56.123456+0000", as Suricata writes its timestamps. */
static void iso_time(int64_t t, char *out, size_t len)
{
	int64_t sec = t / 1000000000, ns = t % 1000000000;
	time_t tt;
	struct tm tm;

	if (ns < 0) {
		ns += 1000000000;
		sec--;
	}
	tt = (time_t)sec;
	if (!gmtime_r(&tt, &tm))
		memset(&tm, 0, sizeof(tm));
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+0000",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)(ns / 1000));
}

static json_t *build(struct jb *b, const struct pdb_audit *a, int64_t id,
		     const uint8_t *hash, const char *host)
{
	json_t *o = json_object(), *sub;
	char ts[64], hx[2 * PDB_AUDIT_HASH_LEN + 1];

	if (!o) {
		b->oom = true;
		return NULL;
	}
	iso_time(a->time_ns, ts, sizeof(ts));
	put(b, o, "timestamp", json_string(ts));
	put(b, o, "time_ns", json_integer(a->time_ns));
	put_str(b, o, "host", host);
	put(b, o, "id", json_integer(id));
	if (hash) {
		for (size_t i = 0; i < PDB_AUDIT_HASH_LEN; i++)
			snprintf(hx + 2 * i, 3, "%02x", hash[i]);
		put(b, o, "hash", json_string(hx));
	}
	put(b, o, "event", a->event ? jstr(b, a->event) : json_string(""));
	put_uint(b, o, "rule_id", a->rule_id);
	put_str(b, o, "msg", a->msg);
	if (a->severity >= 0)
		put(b, o, "severity", json_integer(a->severity));
	put_str(b, o, "action", a->action);
	put_str(b, o, "point", a->point);
	put(b, o, "shadow", json_boolean(a->shadow));

	sub = json_object();
	if (sub) {
		put_uint(b, sub, "pid", a->pid);
		put_uint(b, sub, "tgid", a->tgid);
		/* uid 0 is root: there whenever the process is known */
		if (a->pid || a->tgid || (a->exe && *a->exe) ||
		    (a->comm && *a->comm))
			put(b, sub, "uid", json_integer(a->uid));
		put_str(b, sub, "exe", a->exe);
		put_str(b, sub, "comm", a->comm);
		put_str(b, sub, "cmdline", a->cmdline);
		put_uint(b, sub, "cgroup_id", a->cgroup_id);
		put_str(b, sub, "cgroup", a->cgroup);
		put_str(b, sub, "container", a->container);
	}
	put_obj(b, o, "process", sub);

	sub = json_object();
	if (sub) {
		put_str(b, sub, "proto", a->proto);
		put_str(b, sub, "src_ip", a->saddr);
		put_uint(b, sub, "src_port", a->sport);
		put_str(b, sub, "dest_ip", a->daddr);
		put_uint(b, sub, "dest_port", a->dport);
		put_uint(b, sub, "sock_cookie", a->sock_cookie);
		put_str(b, sub, "direction", a->direction);
	}
	put_obj(b, o, "flow", sub);

	sub = json_object();
	if (sub)
		put_str(b, sub, "library", a->tls_lib);
	put_obj(b, o, "tls", sub);

	sub = json_object();
	if (sub) {
		put_str(b, sub, "method", a->method);
		put_str(b, sub, "hostname", a->host);
		put_str(b, sub, "url", a->uri);
	}
	put_obj(b, o, "http", sub);

	sub = json_object();
	if (sub) {
		put_str(b, sub, "excerpt", a->excerpt);
		put_str(b, sub, "logdata", a->logdata);
	}
	put_obj(b, o, "match", sub);

	put_uint(b, o, "latency_ns", a->latency_ns);
	if (b->cut)
		put(b, o, "truncated", json_true());
	return o;
}

/* The event's line without its newline, shorter than ENF_EXPORT_LINE_MAX
 * with it; NULL when out of memory. */
static char *format_event(const struct pdb_audit *a, int64_t id,
			  const uint8_t *hash, const char *host)
{
	for (size_t i = 0; i < sizeof(str_caps) / sizeof(str_caps[0]); i++) {
		struct jb b = { .cap = str_caps[i] };
		json_t *o = build(&b, a, id, hash, host);
		char *s = NULL;

		if (!b.oom)
			s = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		if (!s)
			return NULL;
		if (strlen(s) + 1 < ENF_EXPORT_LINE_MAX)
			return s;
		free(s);
	}
	return NULL; /* not reached: the last cap always fits */
}

char *enf_export_json(const struct pdb_audit *a, int64_t id,
		      const uint8_t *hash)
{
	char host[256] = "";

	if (gethostname(host, sizeof(host) - 1))
		host[0] = '\0';
	return format_event(a, id, hash, host);
}

/*
 * The file. It is opened O_NONBLOCK: a regular file is written as ever,
 * and a FIFO whose reader stalls makes write() return EAGAIN, so the
 * thread waits in poll() where enf_export_free() can stop the wait.
 */

static int file_open(const char *path)
{
	int fd = open(path,
		      O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK,
		      0640);

	return fd < 0 ? -errno : fd;
}

/* Return: 0 once @fd can be written; -ETIMEDOUT when stopping and the
 * stop time passed; another negative errno. */
static int wait_writable(struct enf_export *x)
{
	struct pollfd pfd[2] = {
		{ .fd = x->fd, .events = POLLOUT },
		{ .fd = x->wake_fd, .events = POLLIN },
	};

	for (;;) {
		uint64_t stop = __atomic_load_n(&x->stop_ns, __ATOMIC_ACQUIRE);
		int timeout = -1;

		if (stop) {
			uint64_t now = enf_mono_ns();

			if (now >= stop)
				return -ETIMEDOUT;
			timeout = (int)((stop - now + 999999) / 1000000);
			pfd[1].fd =
				-1; /* stays readable: no longer waited on */
		}
		if (poll(pfd, 2, timeout) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* POLLERR and POLLHUP too: the next write() reports them */
		if (pfd[0].revents)
			return 0;
	}
}

static int write_all(struct enf_export *x, const char *p, size_t len,
		     size_t *done)
{
	int ret;

	while (*done < len) {
		ssize_t n = write(x->fd, p + *done, len - *done);

		if (n > 0) {
			*done += (size_t)n;
			continue;
		}
		if (!n)
			return -EIO;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		ret = wait_writable(x);
		if (ret)
			return ret;
	}
	return 0;
}

/* Writes the buffer, the lines of t[from..to); those not written in full
 * fail. */
static void file_flush(struct enf_export *x, struct item *t, size_t from,
		       size_t to)
{
	size_t done = 0;
	int ret = -EBADF;

	if (x->fd >= 0 && !x->file_gone)
		ret = write_all(x, x->buf, x->len, &done);
	for (size_t i = from; i < to; i++) {
		if (t[i].end > done)
			t[i].failed = true;
	}
	if (!ret) {
		x->midline = false;
	} else if (x->fd >= 0) {
		if (done)
			x->midline = x->buf[done - 1] != '\n';
		if (ret == -ETIMEDOUT) {
			x->file_gone = true;
			pr_warn("audit export: %s still not writable %d ms after stop; the events left are lost",
				x->path, ENF_EXPORT_STOP_MS);
		} else if (!x->warned) {
			pr_warn("audit export: %s: %s; events lost are counted",
				x->path, strerror(-ret));
		}
		x->warned = true;
	}
	x->len = 0;
}

static void file_reopen(struct enf_export *x)
{
	int fd;

	if (!x->path)
		return;
	fd = file_open(x->path);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = fd < 0 ? -1 : fd;
	x->midline = false;
	x->warned = false;
	if (fd < 0) {
		pr_warn("audit export: reopen %s: %s; its events are lost until the next reopen",
			x->path, strerror(-fd));
		return;
	}
	stat_add(&x->stats.reopens, 1);
}

/*
 * syslog(3) says nothing of success: with no /dev/log (a build VM, a
 * container) glibc drops the message silently, and it is counted written.
 */
static void syslog_one(struct enf_export *x, struct item *it, const char *line)
{
	uint64_t stop = __atomic_load_n(&x->stop_ns, __ATOMIC_ACQUIRE);
	int sev = it->a->severity;

	if (stop && enf_mono_ns() >= stop)
		x->syslog_gone = true;
	if (x->syslog_gone) {
		it->failed = true;
		return;
	}
	syslog(x->facility | (sev >= 0 && sev <= 7 ? sev : LOG_NOTICE), "%s",
	       line);
}

static void take_do(struct enf_export *x, struct item *t, size_t n)
{
	uint64_t failed = 0;
	size_t from = 0;

	for (size_t i = 0; i < n; i++) {
		char *line = format_event(t[i].a, t[i].id,
					  t[i].has_hash ? t[i].hash : NULL,
					  x->host);

		t[i].failed = !line;
		if (line && x->syslog)
			syslog_one(x, &t[i], line);
		if (line && x->path) {
			size_t len = strlen(line);

			/* end the part of a line a failed write left */
			if (!x->len && x->midline)
				x->buf[x->len++] = '\n';
			memcpy(x->buf + x->len, line, len);
			x->len += len;
			x->buf[x->len++] = '\n';
		}
		t[i].end = x->len;
		free(line);
		if (x->path && (x->len >= EXPORT_FLUSH_AT || i + 1 == n)) {
			file_flush(x, t, from, i + 1);
			from = i + 1;
		}
	}
	for (size_t i = 0; i < n; i++)
		failed += t[i].failed;
	stat_add(&x->stats.written, n - failed);
	stat_add(&x->stats.errors, failed);
}

static void *export_main(void *arg)
{
	struct enf_export *x = arg;

	enf_caps_thread_enter("audit export");
	pthread_mutex_lock(&x->lock);
	for (;;) {
		struct item *t;
		bool reopen;
		size_t n;

		while (!x->count && !x->reopen && !x->stop)
			pthread_cond_wait(&x->work, &x->lock);
		if (!x->count && !x->reopen)
			break;
		/* take the whole queue: callers go on in the other array */
		t = x->q;
		n = x->count;
		x->q = x->spare;
		x->spare = t;
		x->count = 0;
		reopen = x->reopen;
		x->reopen = false;
		pthread_mutex_unlock(&x->lock);

		/* before writing: what was taken goes to the new file */
		if (reopen)
			file_reopen(x);
		take_do(x, t, n);
		for (size_t i = 0; i < n; i++)
			free(t[i].a);

		pthread_mutex_lock(&x->lock);
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

static int nomem(char *err, size_t errlen)
{
	snprintf(err, errlen, "audit export: out of memory");
	return -ENOMEM;
}

int enf_export_new(const struct enf_export_opts *o, struct enf_export **out,
		   char *err, size_t errlen)
{
	bool file = o->file && *o->file;
	struct enf_export *x;
	sigset_t all, old;
	int ret;

	*out = NULL;
	if (!file && !o->syslog) {
		snprintf(err, errlen,
			 "audit export: no sink (no file, no syslog)");
		return -EINVAL;
	}
	if (o->queue_max > ENF_EXPORT_QUEUE_LIMIT) {
		snprintf(err, errlen,
			 "audit export: queue of %zu events over %u",
			 o->queue_max, ENF_EXPORT_QUEUE_LIMIT);
		return -EINVAL;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		return nomem(err, errlen);
	x->fd = -1;
	x->syslog = o->syslog;
	x->facility = o->facility ? o->facility : LOG_DAEMON;
	x->max = o->queue_max ? o->queue_max : ENF_EXPORT_QUEUE_DEFAULT;
	if (gethostname(x->host, sizeof(x->host) - 1))
		x->host[0] = '\0';
	x->q = calloc(x->max, sizeof(*x->q));
	x->spare = calloc(x->max, sizeof(*x->spare));
	if (!x->q || !x->spare) {
		ret = nomem(err, errlen);
		goto out_free;
	}
	if (file) {
		x->path = strdup(o->file);
		/* a take flushes past EXPORT_FLUSH_AT: one line more at most */
		x->buf = malloc(EXPORT_FLUSH_AT + ENF_EXPORT_LINE_MAX + 1);
		if (!x->path || !x->buf) {
			ret = nomem(err, errlen);
			goto out_free;
		}
		x->fd = file_open(x->path);
		if (x->fd < 0) {
			ret = x->fd;
			snprintf(err, errlen, "audit export file %s: %s",
				 x->path, strerror(-ret));
			goto out_free;
		}
	}
	x->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (x->wake_fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "audit export: eventfd: %s",
			 strerror(-ret));
		goto out_close_file;
	}
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->work, NULL);
	if (x->syslog)
		openlog("enforcerd", LOG_PID | LOG_NDELAY, x->facility);
	/* The thread takes no signals: they stay the main loop's, and a
	 * FIFO whose reader left gives EPIPE rather than SIGPIPE. SIGSYS
	 * stays open: the sandbox answers a refused system call with it, and
	 * a thread that blocked it would be killed instead. */
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&x->thread, NULL, export_main, x);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		snprintf(err, errlen, "audit export: thread: %s",
			 strerror(-ret));
		goto out_destroy_lock;
	}
	pthread_setname_np(x->thread, "enf-export");
	*out = x;
	return 0;

out_destroy_lock:
	if (x->syslog)
		closelog();
	pthread_cond_destroy(&x->work);
	pthread_mutex_destroy(&x->lock);
	close(x->wake_fd);
out_close_file:
	if (x->fd >= 0)
		close(x->fd);
out_free:
	free(x->buf);
	free(x->path);
	free(x->spare);
	free(x->q);
	free(x);
	return ret;
}

void enf_export_event(struct enf_export *x, const struct pdb_audit *a,
		      int64_t id, const uint8_t *hash)
{
	struct pdb_audit *c = pdb_audit_dup(a);
	struct item *it;

	if (!c) {
		stat_add(&x->stats.dropped, 1);
		return;
	}
	pthread_mutex_lock(&x->lock);
	if (x->count == x->max || x->stop) {
		pthread_mutex_unlock(&x->lock);
		free(c);
		stat_add(&x->stats.dropped, 1);
		return;
	}
	it = &x->q[x->count++];
	it->a = c;
	it->id = id;
	it->has_hash = hash != NULL;
	if (hash)
		memcpy(it->hash, hash, PDB_AUDIT_HASH_LEN);
	stat_add(&x->stats.queued, 1);
	/* the thread sleeps only on an empty queue */
	if (x->count == 1)
		pthread_cond_signal(&x->work);
	pthread_mutex_unlock(&x->lock);
}

void enf_export_reopen(struct enf_export *x)
{
	pthread_mutex_lock(&x->lock);
	x->reopen = true;
	pthread_cond_signal(&x->work);
	pthread_mutex_unlock(&x->lock);
}

void enf_export_get_stats(struct enf_export *x, struct enf_export_stats *s)
{
	const uint64_t *in = (const uint64_t *)&x->stats;
	uint64_t *o = (uint64_t *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

void enf_export_free(struct enf_export *x)
{
	uint64_t one = 1;

	if (!x)
		return;
	pthread_mutex_lock(&x->lock);
	x->stop = true;
	__atomic_store_n(&x->stop_ns,
			 enf_mono_ns() + ENF_EXPORT_STOP_MS * 1000000ull,
			 __ATOMIC_RELEASE);
	pthread_cond_signal(&x->work);
	pthread_mutex_unlock(&x->lock);
	/* wakes a wait for the file to take more */
	if (write(x->wake_fd, &one, sizeof(one)) < 0)
		pr_debug("audit export: eventfd: %s", strerror(errno));
	pthread_join(x->thread, NULL);
	if (x->syslog)
		closelog();
	if (x->fd >= 0)
		close(x->fd);
	close(x->wake_fd);
	pthread_cond_destroy(&x->work);
	pthread_mutex_destroy(&x->lock);
	free(x->buf);
	free(x->path);
	free(x->spare);
	free(x->q);
	free(x);
}
