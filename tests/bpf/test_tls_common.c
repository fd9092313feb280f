// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

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

/* A self-signed certificate for a fresh P-256 key, valid for a day. */
static int tls_make_cert(EVP_PKEY **pkey, X509 **cert)
{
	X509_NAME *name;

	*pkey = EVP_EC_gen("P-256");
	*cert = X509_new();
	if (!*pkey || !*cert)
		goto out_err;
	ASN1_INTEGER_set(X509_get_serialNumber(*cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(*cert), -60);
	X509_gmtime_adj(X509_getm_notAfter(*cert), 86400);
	X509_set_pubkey(*cert, *pkey);
	name = X509_get_subject_name(*cert);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				   (const unsigned char *)"enforcer-test", -1,
				   -1, 0);
	X509_set_issuer_name(*cert, name);
	if (!X509_sign(*cert, *pkey, EVP_sha256()))
		goto out_err;
	return 0;

out_err:
	X509_free(*cert);
	EVP_PKEY_free(*pkey);
	return -1;
}

SSL_CTX *tls_server_ctx(void)
{
	EVP_PKEY *pkey;
	SSL_CTX *ctx;
	X509 *cert;

	if (tls_make_cert(&pkey, &cert))
		return NULL;
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx && (SSL_CTX_use_certificate(ctx, cert) != 1 ||
		    SSL_CTX_use_PrivateKey(ctx, pkey) != 1)) {
		SSL_CTX_free(ctx);
		ctx = NULL;
	}
	X509_free(cert);
	EVP_PKEY_free(pkey);
	return ctx;
}

SSL_CTX *tls_client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
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
