// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/btf.h>

#include "test_tls_common.h"

static int checks, failures;

void tls_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	checks++;
	if (!ok)
		failures++;
	printf("%sok %d - ", ok ? "" : "not ", checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int tls_check_done(void)
{
	printf("1..%d\n# %d of %d checks failed\n", checks, failures, checks);
	return failures ? 1 : 0;
}

void tls_store_watch(struct tls_store *s, __u32 tgid)
{
	if (s->ntgids < TLS_STORE_MAX_TGIDS)
		s->tgids[s->ntgids++] = tgid;
}

void tls_store_clear(struct tls_store *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->ev[i]);
	free(s->ev);
	memset(s, 0, sizeof(*s));
}

int tls_store_cb(void *ctx, const struct enf_tls_event *ev)
{
	struct tls_store *s = ctx;
	size_t i;

	for (i = 0; i < s->ntgids; i++)
		if (s->tgids[i] == ev->tgid)
			break;
	if (i == s->ntgids)
		return 0;
	if (s->n == TLS_STORE_MAX_EVENTS) {
		s->overflow++;
		return 0;
	}
	if (s->n == s->room) {
		size_t room = s->room ? s->room * 2 : 256;
		struct enf_tls_event **ev = realloc(s->ev, room * sizeof(*ev));

		if (!ev)
			return -ENOMEM;
		s->ev = ev;
		s->room = room;
	}
	s->ev[s->n] = malloc(sizeof(*ev) + ev->data_len);
	if (!s->ev[s->n])
		return -ENOMEM;
	memcpy(s->ev[s->n], ev, sizeof(*ev) + ev->data_len);
	s->n++;
	return 0;
}

int tls_stream_get(const struct tls_store *s, __u32 tgid, int dir,
		   __u64 session, size_t max, struct tls_stream *out)
{
	unsigned char *have;
	size_t end = 0;

	memset(out, 0, sizeof(*out));
	out->data = calloc(1, max ? max : 1);
	have = calloc(1, max ? max : 1);
	if (!out->data || !have) {
		free(have);
		tls_stream_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct enf_tls_event *e = s->ev[i];
		size_t n = e->data_len;

		if (e->tgid != tgid || e->direction != dir)
			continue;
		if (!session)
			session = e->session;
		if (e->session != session)
			continue;
		out->records++;
		out->calls += e->offset == 0;
		out->truncated += !!(e->flags & ENF_TLS_F_TRUNCATED);
		out->flags_or |= e->flags;
		if (e->seq >= max)
			continue;
		if (e->seq + n > max)
			n = max - e->seq;
		for (size_t k = 0; k < n; k++) {
			if (have[e->seq + k]) {
				out->overlaps++;
				break;
			}
		}
		memcpy(out->data + e->seq, e->data, n);
		memset(have + e->seq, 1, n);
		if (e->seq + n > end)
			end = e->seq + n;
	}
	for (size_t k = 0; k < end; k++)
		out->gaps += !have[k];
	out->len = end;
	out->session = session;
	free(have);
	return out->records ? 0 : -ENOENT;
}

void tls_stream_free(struct tls_stream *st)
{
	free(st->data);
	st->data = NULL;
}

const char *tls_libssl_path(void)
{
	static char path[1][PATH_MAX];
	size_t n;

	if (!path[0][0] && enf_tls_find_libs(NULL, path, 1, &n) == -ENOENT)
		path[0][0] = '\0';
	return path[0];
}

enum enf_tls_track tls_default_track(void)
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	bool sock;

	if (!vmlinux)
		return ENF_TLS_TRACK_RAW;
	sock = btf__find_by_name_kind(vmlinux, "btf_trace_sock_send_length",
				      BTF_KIND_TYPEDEF) > 0 &&
	       btf__find_by_name_kind(vmlinux, "btf_trace_sock_recv_length",
				      BTF_KIND_TYPEDEF) > 0;
	btf__free(vmlinux);
	return sock ? ENF_TLS_TRACK_SOCK : ENF_TLS_TRACK_RAW;
}

int tls_open_libssl(const struct enf_tls_opts *opts, int pid,
		    struct enf_tls **tls)
{
	struct enf_tls_target t = {
		.lib = ENF_TLS_LIB_OPENSSL,
		.path = tls_libssl_path(),
		.by_name = true,
		.pid = pid,
	};
	__u32 id;
	int err;

	*tls = NULL;
	if (!t.path[0])
		return -ENOENT;
	err = enf_tls_open(opts, tls);
	if (err)
		return err;
	err = enf_tls_attach(*tls, &t, &id);
	if (err) {
		enf_tls_close(*tls);
		*tls = NULL;
	}
	return err;
}

const struct enf_tls_event *tls_store_find(const struct tls_store *s,
					   __u32 tgid, int dir,
					   const char *prefix)
{
	size_t plen = prefix ? strlen(prefix) : 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct enf_tls_event *e = s->ev[i];

		if (e->tgid != tgid || e->direction != dir)
			continue;
		if (plen &&
		    (e->data_len < plen || memcmp(e->data, prefix, plen)))
			continue;
		return e;
	}
	return NULL;
}

size_t tls_store_count(const struct tls_store *s, __u32 tgid, int dir)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++)
		n += s->ev[i]->tgid == tgid && s->ev[i]->direction == dir;
	return n;
}

__u64 tls_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

const struct enf_tls_event *tls_wait_event(struct enf_capture *cap,
					   struct tls_store *s, __u32 tgid,
					   int dir, const char *prefix,
					   int timeout_ms)
{
	__u64 end = tls_now_ns() + (__u64)timeout_ms * 1000000ull;
	const struct enf_tls_event *e;

	for (;;) {
		enf_capture_consume(cap);
		e = tls_store_find(s, tgid, dir, prefix);
		if (e || tls_now_ns() > end)
			return e;
		enf_capture_poll(cap, 20);
	}
}

void tls_drain(struct enf_capture *cap, int ms)
{
	__u64 end = tls_now_ns() + (__u64)ms * 1000000ull;

	while (tls_now_ns() < end)
		enf_capture_poll(cap, 10);
	enf_capture_consume(cap);
}

/* Where the cgroup2 hierarchy is mounted (unified or hybrid layout). */
static int tls_cgroup2_root(char *buf, size_t len)
{
	char line[4096], root[1024], mnt[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*d %*d %*s %1023s %1023s", root, mnt) != 2)
			continue;
		if (strcmp(root, "/") || strlen(mnt) >= len)
			continue;
		strcpy(buf, mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

__u64 tls_cgroup_id(pid_t pid)
{
	char path[4096], line[2048], root[1024];
	struct stat st;
	__u64 id = 0;
	FILE *f;

	if (tls_cgroup2_root(root, sizeof(root)))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", root, line + 3);
		if (stat(path, &st) == 0)
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

const char *tls_tuple_str(const struct enf_tuple *t, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	int af = t->family == ENF_FAMILY_V6 ? AF_INET6 : AF_INET;

	inet_ntop(af, t->saddr, s, sizeof(s));
	inet_ntop(af, t->daddr, d, sizeof(d));
	snprintf(buf, len, "%s:%u -> %s:%u proto %u family %u", s,
		 ntohs(t->sport), d, ntohs(t->dport), t->proto, t->family);
	return buf;
}

void tls_store_dump(const struct tls_store *s)
{
	char tb[160];

	for (size_t i = 0; i < s->n; i++) {
		const struct enf_tls_event *e = s->ev[i];
		int show = e->data_len < 40 ? (int)e->data_len : 40;

		printf("# event tgid %u pid %u comm %.16s lib %u %s len %u offset %u data_len %u seq %llu session %#llx flags %#x fd %d cookie %llu %s '",
		       e->tgid, e->pid, e->comm, e->lib,
		       e->direction == ENF_TLS_READ ? "READ" : "WRITE", e->len,
		       e->offset, e->data_len, (unsigned long long)e->seq,
		       (unsigned long long)e->session, e->flags, e->fd,
		       (unsigned long long)e->sock_cookie,
		       tls_tuple_str(&e->tuple, tb, sizeof(tb)));
		for (int j = 0; j < show; j++)
			putchar(e->data[j] >= 32 && e->data[j] < 127 ?
					e->data[j] :
					'.');
		printf("'\n");
	}
}

int tls_lib_mapped(const char *prefix, char *out, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[PATH_MAX + 256];
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/'), *base;

		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		base = strrchr(path, '/') + 1;
		if (strncmp(base, prefix, strlen(prefix)) ||
		    strlen(path) >= len)
			continue;
		strcpy(out, path);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

int tls_lib_find(const char *name, char *out, size_t len)
{
	static const char *const dirs[] = {
		"/usr/lib/x86_64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
		"/lib/x86_64-linux-gnu",
		"/usr/lib64",
		"/usr/lib",
		"/lib64",
		"/lib",
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dirs[i], name);
		if (access(path, R_OK) == 0 && strlen(path) < len) {
			strcpy(out, path);
			return 0;
		}
	}
	return -ENOENT;
}

int tls_open_lib(const struct enf_tls_opts *opts, enum enf_tls_lib lib,
		 const char *path, const char *nss_ssl, int pid,
		 struct enf_tls **tls)
{
	struct enf_tls_target t = {
		.lib = lib,
		.path = path,
		.by_name = true,
		.pid = pid,
		.nss_ssl_path = nss_ssl,
	};
	__u32 id;
	int err;

	*tls = NULL;
	err = enf_tls_open(opts, tls);
	if (err)
		return err;
	err = enf_tls_attach(*tls, &t, &id);
	if (err) {
		enf_tls_close(*tls);
		*tls = NULL;
	}
	return err;
}

pid_t tls_spawn(char *const argv[], int in, const char *out)
{
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	fd = in >= 0 ? in : open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		_exit(126);
	fd = open(out ? out : "/dev/null",
		  O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 ||
	    dup2(fd, STDERR_FILENO) < 0)
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

int tls_wait_consuming(pid_t pid, struct enf_capture *cap, int ms)
{
	__u64 end = tls_now_ns() + (__u64)ms * 1000000ull;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return status;
		if (r < 0)
			return -1;
		if (tls_now_ns() > end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -1;
		}
		if (cap)
			enf_capture_poll(cap, 10);
		else
			usleep(10000);
	}
}

int tls_make_pem_dir(char *dir)
{
	char cert[PATH_MAX], key[PATH_MAX];
	char *argv[] = { "openssl",
			 "req",
			 "-x509",
			 "-newkey",
			 "ec",
			 "-pkeyopt",
			 "ec_paramgen_curve:prime256v1",
			 "-nodes",
			 "-keyout",
			 key,
			 "-out",
			 cert,
			 "-days",
			 "1",
			 "-subj",
			 "/CN=localhost",
			 NULL };
	int status;

	if (!mkdtemp(dir))
		return -1;
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	status = tls_wait_consuming(tls_spawn(argv, -1, NULL), NULL, 20000);
	if (status < 0 || !WIFEXITED(status) || WEXITSTATUS(status) ||
	    access(cert, R_OK) || access(key, R_OK))
		return -1;
	/* readable by the client child once it is nobody */
	chmod(dir, 0755);
	chmod(cert, 0644);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void tls_rm_dir(const char *dir)
{
	if (dir && dir[0])
		nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int tls_listen4(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8) ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

int tls_free_port(void)
{
	int port, fd = tls_listen4(&port);

	if (fd < 0)
		return -1;
	close(fd);
	return port;
}

/* Whether /proc/net/tcp@v6 lists a listener on @port. */
static bool tcp_listening(const char *table, int port)
{
	char line[512], local[64];
	unsigned int lport, st;
	bool found = false;
	FILE *f = fopen(table, "re");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *colon;

		if (sscanf(line, " %*d: %63s %*s %x", local, &st) != 2)
			continue;
		colon = strrchr(local, ':');
		if (colon && sscanf(colon + 1, "%x", &lport) == 1 &&
		    (int)lport == port && st == 0x0a)
			found = true;
	}
	fclose(f);
	return found;
}

int tls_wait_listen(int port, int ms)
{
	__u64 end = tls_now_ns() + (__u64)ms * 1000000ull;

	/* without connecting: a probe connection would be a client */
	while (tls_now_ns() < end) {
		if (tcp_listening("/proc/net/tcp", port) ||
		    tcp_listening("/proc/net/tcp6", port))
			return 0;
		usleep(20000);
	}
	return -1;
}

/* A byte pattern in which a chunk put at the wrong place shows. */
static void fill_pattern(unsigned char *p, size_t n, unsigned int salt)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(((i + salt) * 2654435761u) >> 13);
}

static int peer_write_all(const struct tls_peer_ops *ops, void *s,
			  const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		long n = ops->write(s, (const char *)buf + done, len - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int peer_read_exact(const struct tls_peer_ops *ops, void *s, void *buf,
			   size_t len)
{
	size_t done = 0;

	while (done < len) {
		size_t want = len - done > 65536 ? 65536 : len - done;
		long n = ops->read(s, (char *)buf + done, want);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

struct exchange_data {
	char request[128];
	char reply[128];
	unsigned char *up, *down; /* @big bytes each */
	size_t big;
};

static void exchange_server(const struct tls_peer_ops *ops, int ls, int report,
			    const struct exchange_data *x, const char *dir)
{
	char cert[PATH_MAX], key[PATH_MAX], req[128];
	unsigned char *got = malloc(x->big ? x->big : 1);
	void *s;
	int c;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	c = accept(ls, NULL, NULL);
	if (c < 0 || write(report, &c, sizeof(c)) != sizeof(c))
		_exit(1);
	s = !got ? NULL : ops->server(c, cert, key);
	if (!s)
		_exit(2);
	if (peer_read_exact(ops, s, req, strlen(x->request)) ||
	    memcmp(req, x->request, strlen(x->request)))
		_exit(3);
	if (peer_write_all(ops, s, x->reply, strlen(x->reply)))
		_exit(4);
	if (x->big && (peer_read_exact(ops, s, got, x->big) ||
		       memcmp(got, x->up, x->big)))
		_exit(5);
	if (x->big && peer_write_all(ops, s, x->down, x->big))
		_exit(6);
	ops->close(s);
	_exit(0);
}

static void exchange_client(const struct tls_peer_ops *ops, int port,
			    int report, const struct exchange_data *x)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sa);
	unsigned char *got = malloc(x->big ? x->big : 1);
	char reply[128];
	void *s;
	int fd, info[2];

	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	if (!got || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &slen))
		_exit(10);
	info[0] = ntohs(sa.sin_port);
	info[1] = fd;
	/* one write: the reader must not see half of it */
	if (write(report, info, sizeof(info)) != sizeof(info))
		_exit(11);
	if (setgid(TLS_NOBODY) || setuid(TLS_NOBODY))
		_exit(12);
	s = ops->client(fd);
	if (!s)
		_exit(13);
	if (peer_write_all(ops, s, x->request, strlen(x->request)))
		_exit(14);
	if (peer_read_exact(ops, s, reply, strlen(x->reply)) ||
	    memcmp(reply, x->reply, strlen(x->reply)))
		_exit(15);
	if (x->big && peer_write_all(ops, s, x->up, x->big))
		_exit(16);
	if (x->big && (peer_read_exact(ops, s, got, x->big) ||
		       memcmp(got, x->down, x->big)))
		_exit(17);
	ops->close(s);
	_exit(0);
}

/* One stream rebuilt and compared with what was sent. */
static void check_stream(const char *m, const char *what,
			 const struct tls_store *st, pid_t pid, int dir,
			 const char *head, const unsigned char *big,
			 size_t big_len)
{
	size_t hl = strlen(head), want = hl + big_len;
	struct tls_stream s;
	int err;

	err = tls_stream_get(st, pid, dir, 0, want + 65536, &s);
	CHECK(!err && s.len == want && s.gaps == 0 && s.overlaps == 0,
	      "[%s] %s: %zu bytes in %zu records of %zu calls, no gap, no overlap (%zu bytes, %zu gaps, %zu overlaps)",
	      m, what, want, s.records, s.calls, s.len, s.gaps, s.overlaps);
	CHECK(!err && s.len >= want && !memcmp(s.data, head, hl) &&
		      (!big_len || !memcmp(s.data + hl, big, big_len)),
	      "[%s] %s: byte-exact", m, what);
	CHECK(!err && !(s.flags_or &
			(ENF_TLS_F_TRUNCATED | ENF_TLS_F_READ_FAULT |
			 ENF_TLS_F_NO_SOCKET)),
	      "[%s] %s: no record truncated, unread or without socket (%#x)", m,
	      what, s.flags_or);
	if (!err)
		tls_stream_free(&s);
}

/* Every record of @pid: the identity and flow it must carry. */
static void check_identity(const char *m, const struct tls_store *st, pid_t pid,
			   __u32 uid, enum enf_tls_lib lib, int fd, bool server,
			   int port, int client_port, struct enf_tuple *tuple,
			   __u64 *cookie)
{
	static const __u8 lo[16] = { 127, 0, 0, 1 };
	size_t n = 0, bad_id = 0, bad_flow = 0, bad_cookie = 0;
	const char *who = server ? "server" : "client";

	*cookie = 0;
	memset(tuple, 0, sizeof(*tuple));
	for (size_t i = 0; i < st->n; i++) {
		const struct enf_tls_event *e = st->ev[i];
		const struct enf_tuple *t = &e->tuple;
		__u16 local = server ? port : client_port;
		__u16 peer = server ? client_port : port;

		if (e->tgid != (__u32)pid)
			continue;
		if (!n++) {
			*tuple = *t;
			*cookie = e->sock_cookie;
		}
		if (e->pid != (__u32)pid || e->uid != uid || e->gid != uid ||
		    e->lib != lib)
			bad_id++;
		if (e->fd != fd || t->family != ENF_FAMILY_V4 ||
		    t->proto != 6 || memcmp(t->saddr, lo, 16) ||
		    memcmp(t->daddr, lo, 16) || ntohs(t->sport) != peer ||
		    ntohs(t->dport) != local)
			bad_flow++;
		if (!e->sock_cookie || e->sock_cookie != *cookie)
			bad_cookie++;
	}
	CHECK(n > 0 && bad_id == 0,
	      "[%s] %s: every record (%zu) has pid %d, uid %u, lib %u (%zu wrong)",
	      m, who, n, (int)pid, uid, lib, bad_id);
	CHECK(n > 0 && bad_flow == 0,
	      "[%s] %s: every record has fd %d and the flow 127.0.0.1:%d -> 127.0.0.1:%d (%zu wrong)",
	      m, who, fd, server ? client_port : port,
	      server ? port : client_port, bad_flow);
	CHECK(n > 0 && bad_cookie == 0,
	      "[%s] %s: every record has the socket's cookie %llu (%zu wrong)",
	      m, who, (unsigned long long)*cookie, bad_cookie);
}

void tls_exchange_check(const char *m, const struct tls_peer_ops *ops,
			struct enf_capture *cap, struct tls_store *st,
			size_t big, const char *pem_dir)
{
	struct exchange_data x = { .big = big };
	int ls, port = 0, rep[2] = { -1, -1 }, info[2] = { -1, -1 };
	int srep[2] = { -1, -1 }, sfd = -1, sstatus = -1, cstatus = -1;
	struct enf_tuple ct, stp;
	__u64 ccookie, scookie;
	pid_t server, client;

	snprintf(x.request, sizeof(x.request),
		 "GET /%s/exchange HTTP/1.1\r\nHost: localhost\r\n\r\n",
		 ops->name);
	snprintf(x.reply, sizeof(x.reply),
		 "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(ops->name), ops->name);
	x.up = malloc(big ? big : 1);
	x.down = malloc(big ? big : 1);
	ls = tls_listen4(&port);
	if (!x.up || !x.down || ls < 0 || pipe(rep) || pipe(srep)) {
		CHECK(false, "[%s] exchange setup", m);
		goto out;
	}
	fill_pattern(x.up, big, 1);
	fill_pattern(x.down, big, 77);
	enf_capture_consume(cap);
	tls_store_clear(st);

	server = fork();
	if (server == 0)
		exchange_server(ops, ls, srep[1], &x, pem_dir);
	client = fork();
	if (client == 0)
		exchange_client(ops, port, rep[1], &x);
	close(rep[1]);
	close(srep[1]);
	rep[1] = srep[1] = -1;
	tls_store_watch(st, server);
	tls_store_watch(st, client);
	if (read(rep[0], info, sizeof(info)) != sizeof(info))
		info[0] = info[1] = -1;
	if (read(srep[0], &sfd, sizeof(sfd)) != sizeof(sfd))
		sfd = -1;
	cstatus = tls_wait_consuming(client, cap, 60000);
	sstatus = tls_wait_consuming(server, cap, 10000);
	tls_drain(cap, 200);
	CHECK(WIFEXITED(sstatus) && WEXITSTATUS(sstatus) == 0,
	      "[%s] %s server child exits 0 (status %#x)", m, ops->name,
	      sstatus);
	CHECK(WIFEXITED(cstatus) && WEXITSTATUS(cstatus) == 0,
	      "[%s] %s client child (uid %d) exits 0 (status %#x)", m,
	      ops->name, TLS_NOBODY, cstatus);
	CHECK(st->overflow == 0, "[%s] event store did not overflow", m);

	check_stream(m, "client WRITE stream", st, client, ENF_TLS_WRITE,
		     x.request, x.up, big);
	check_stream(m, "server READ stream", st, server, ENF_TLS_READ,
		     x.request, x.up, big);
	check_stream(m, "server WRITE stream", st, server, ENF_TLS_WRITE,
		     x.reply, x.down, big);
	check_stream(m, "client READ stream", st, client, ENF_TLS_READ, x.reply,
		     x.down, big);
	check_identity(m, st, client, TLS_NOBODY, ops->lib, info[1], false,
		       port, info[0], &ct, &ccookie);
	check_identity(m, st, server, 0, ops->lib, sfd, true, port, info[0],
		       &stp, &scookie);
	CHECK(ccookie != scookie,
	      "[%s] the two ends' sockets have their own cookies", m);
out:
	for (int i = 0; i < 2; i++) {
		if (rep[i] >= 0)
			close(rep[i]);
		if (srep[i] >= 0)
			close(srep[i]);
	}
	if (ls >= 0)
		close(ls);
	free(x.up);
	free(x.down);
}
