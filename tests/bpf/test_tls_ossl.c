// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The OpenSSL side of the TLS test helpers, apart from test_tls_common.c so
 * that tests of other libraries (wolfSSL declares OpenSSL's names too) do
 * not link OpenSSL.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "test_tls_common.h"

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

static void *ossl_start(int fd, SSL_CTX *ctx, bool server)
{
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;

	SSL_CTX_free(ctx); /* the SSL holds its own reference */
	if (!ssl || SSL_set_fd(ssl, fd) != 1 ||
	    (server ? SSL_accept(ssl) : SSL_connect(ssl)) != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

static void *ossl_server(int fd, const char *cert, const char *key)
{
	(void)cert;
	(void)key;
	return ossl_start(fd, tls_server_ctx(), true);
}

static void *ossl_client(int fd)
{
	return ossl_start(fd, tls_client_ctx(), false);
}

static long ossl_read(void *s, void *buf, size_t len)
{
	return SSL_read(s, buf, len > INT_MAX ? INT_MAX : (int)len);
}

static long ossl_write(void *s, const void *buf, size_t len)
{
	return SSL_write(s, buf, len > INT_MAX ? INT_MAX : (int)len);
}

static long ossl_read_ex(void *s, void *buf, size_t len)
{
	size_t n = 0;

	return SSL_read_ex(s, buf, len, &n) == 1 ? (long)n : -1;
}

static long ossl_write_ex(void *s, const void *buf, size_t len)
{
	size_t n = 0;

	return SSL_write_ex(s, buf, len, &n) == 1 ? (long)n : -1;
}

static void ossl_close(void *s)
{
	SSL_shutdown(s);
	SSL_free(s);
}

const struct tls_peer_ops *tls_ossl_ops(bool ex)
{
	static const struct tls_peer_ops ops[2] = {
		{
			.name = "openssl",
			.lib = ENF_TLS_LIB_OPENSSL,
			.server = ossl_server,
			.client = ossl_client,
			.read = ossl_read,
			.write = ossl_write,
			.close = ossl_close,
		},
		{
			.name = "openssl-ex",
			.lib = ENF_TLS_LIB_OPENSSL,
			.server = ossl_server,
			.client = ossl_client,
			.read = ossl_read_ex,
			.write = ossl_write_ex,
			.close = ossl_close,
		},
	};

	return &ops[ex];
}

static void pair_server(const struct tls_pair *p)
{
	size_t len = strlen(p->msg);
	char *buf = malloc(len + 4), *ack = malloc(len + 4);
	size_t got = 0;
	SSL *ssl;
	int c, n;

	if (p->server_comm)
		prctl(PR_SET_NAME, p->server_comm);
	c = accept(p->ls, NULL, NULL);
	ssl = c < 0 || !buf || !ack ? NULL : ossl_server(c, NULL, NULL);
	if (!ssl)
		_exit(2);
	while (got < len) {
		n = SSL_read(ssl, buf + got, len - got);
		if (n <= 0)
			_exit(3);
		got += n;
	}
	memcpy(ack, "ACK ", 4);
	memcpy(ack + 4, buf, len);
	if (SSL_write(ssl, ack, len + 4) != (int)(len + 4))
		_exit(4);
	ossl_close(ssl);
	_exit(0);
}

static int move_to_cgroup(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;
	int err;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	err = fprintf(f, "%d\n", (int)getpid()) < 0;
	err |= fclose(f) != 0;
	return err ? -1 : 0;
}

static void pair_client(const struct tls_pair *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	size_t len = strlen(p->msg), got = 0;
	char *buf = malloc(len + 4), go;
	SSL *ssl;
	int fd, n;

	if (p->client_comm)
		prctl(PR_SET_NAME, p->client_comm);
	if (p->client_cgroup && move_to_cgroup(p->client_cgroup))
		_exit(20);
	if (p->go >= 0 && read(p->go, &go, 1) != 1)
		_exit(21);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(p->port);
	if (!buf || fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		_exit(22);
	ssl = ossl_client(fd);
	if (!ssl || SSL_write(ssl, p->msg, len) != (int)len)
		_exit(23);
	while (got < len + 4) {
		n = SSL_read(ssl, buf + got, len + 4 - got);
		if (n <= 0)
			_exit(24);
		got += n;
	}
	if (memcmp(buf, "ACK ", 4) || memcmp(buf + 4, p->msg, len))
		_exit(25);
	ossl_close(ssl);
	_exit(0);
}

int tls_pair_start(struct tls_pair *p)
{
	p->server = fork();
	if (p->server == 0)
		pair_server(p);
	p->client = fork();
	if (p->client == 0)
		pair_client(p);
	return p->server > 0 && p->client > 0 ? 0 : -1;
}

bool tls_pair_wait(struct tls_pair *p, struct enf_capture *cap)
{
	int cs = tls_wait_consuming(p->client, cap, 20000);
	int ss = tls_wait_consuming(p->server, cap, 5000);

	return cs >= 0 && WIFEXITED(cs) && !WEXITSTATUS(cs) && ss >= 0 &&
	       WIFEXITED(ss) && !WEXITSTATUS(ss);
}
