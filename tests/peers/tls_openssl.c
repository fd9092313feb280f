// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The OpenSSL backend of the test peers (ossl_peer against libssl.so,
 * static_peer against libssl.a): SSL_read/SSL_write, or SSL_read_ex/
 * SSL_write_ex with --ex, one call per peer_tls_read/peer_tls_write.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "peer.h"

#ifdef PEER_OPENSSL_STATIC
const char peer_tls_name[] = "static";
#else
const char peer_tls_name[] = "ossl";
#endif

struct peer_tls {
	SSL_CTX *ctx;
	struct peer_opts o;
};

struct peer_conn {
	SSL *ssl;
	int fd;
	bool ex, nonblock;
};

static void ossl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[200] = "no OpenSSL error queued";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", what, buf);
	ERR_clear_error();
}

int peer_tls_init(struct peer_tls **out, const struct peer_opts *o, char *err,
		  size_t errlen)
{
	struct peer_tls *t;
	int rc = -EINVAL;

	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->o = *o;
	/* names the library in the log, and links its version text into the
	 * static build, as real statically linked servers do */
	fprintf(stderr, "%s_peer: %s\n", peer_tls_name,
		OpenSSL_version(OPENSSL_VERSION));
	t->ctx = SSL_CTX_new(o->server ? TLS_server_method() :
					 TLS_client_method());
	if (!t->ctx) {
		ossl_err(err, errlen, "SSL_CTX_new");
		rc = -ENOMEM;
		goto out_free;
	}
	/* Retry reads over non-application records inside one call. */
	SSL_CTX_set_mode(t->ctx, SSL_MODE_AUTO_RETRY);
	/* A peer closing without close_notify ends the stream cleanly. */
	SSL_CTX_set_options(t->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (o->server) {
		if (SSL_CTX_use_certificate_chain_file(t->ctx, o->cert) != 1) {
			ossl_err(err, errlen, o->cert);
			goto out_free_ctx;
		}
		if (SSL_CTX_use_PrivateKey_file(t->ctx, o->key,
						SSL_FILETYPE_PEM) != 1) {
			ossl_err(err, errlen, o->key);
			goto out_free_ctx;
		}
	} else if (o->ca) {
		if (SSL_CTX_load_verify_locations(t->ctx, o->ca, NULL) != 1) {
			ossl_err(err, errlen, o->ca);
			goto out_free_ctx;
		}
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
	}
	*out = t;
	return 0;

out_free_ctx:
	SSL_CTX_free(t->ctx);
out_free:
	free(t);
	return rc;
}

void peer_tls_free(struct peer_tls *t)
{
	if (!t)
		return;
	SSL_CTX_free(t->ctx);
	free(t);
}

/*
 * What to do after a failed call: 0 to retry (after waiting in
 * non-blocking mode), or a negative errno. A want in blocking mode is the
 * socket's timeout.
 */
static int ossl_retry(struct peer_conn *c, int ret)
{
	int e = SSL_get_error(c->ssl, ret);
	int saved = errno;

	switch (e) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		if (!c->nonblock)
			return -ETIMEDOUT;
		return peer_wait_fd(c->fd, e == SSL_ERROR_WANT_WRITE);
	case SSL_ERROR_ZERO_RETURN:
		return -ENOTCONN;
	case SSL_ERROR_SYSCALL:
		return saved ? -saved : -EPIPE;
	default:
		return -EPROTO;
	}
}

int peer_tls_handshake(struct peer_tls *t, int fd, struct peer_conn **out,
		       char *err, size_t errlen)
{
	struct peer_conn *c;
	int rc, ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->ex = t->o.ex;
	c->nonblock = t->o.nonblock;
	c->ssl = SSL_new(t->ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, fd) != 1) {
		ossl_err(err, errlen, "SSL_new");
		rc = -ENOMEM;
		goto out_free;
	}
	if (!t->o.server && t->o.name) {
		SSL_set_tlsext_host_name(c->ssl, t->o.name);
		if (t->o.ca && SSL_set1_host(c->ssl, t->o.name) != 1) {
			ossl_err(err, errlen, "SSL_set1_host");
			rc = -EINVAL;
			goto out_free;
		}
	}
	for (;;) {
		ret = t->o.server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
		if (ret == 1)
			break;
		rc = ossl_retry(c, ret);
		if (rc) {
			long v = SSL_get_verify_result(c->ssl);
			char what[160];

			snprintf(what, sizeof(what), "handshake (%s%s%s)",
				 strerror(-rc), v == X509_V_OK ? "" : ", ",
				 v == X509_V_OK ?
					 "" :
					 X509_verify_cert_error_string(v));
			ossl_err(err, errlen, what);
			goto out_free;
		}
	}
	*out = c;
	return 0;

out_free:
	SSL_free(c->ssl);
	close(fd);
	free(c);
	return rc;
}

ssize_t peer_tls_read(struct peer_conn *c, void *buf, size_t len)
{
	for (;;) {
		size_t got = 0;
		int ret, rc;

		if (c->ex) {
			ret = SSL_read_ex(c->ssl, buf, len, &got);
			if (ret == 1)
				return got;
		} else {
			ret = SSL_read(c->ssl, buf,
				       len > INT32_MAX ? INT32_MAX : (int)len);
			if (ret > 0)
				return ret;
		}
		rc = ossl_retry(c, ret);
		ERR_clear_error();
		if (rc == -ENOTCONN)
			return 0;
		if (rc)
			return rc;
	}
}

ssize_t peer_tls_write(struct peer_conn *c, const void *buf, size_t len)
{
	for (;;) {
		size_t put = 0;
		int ret, rc;

		if (c->ex) {
			ret = SSL_write_ex(c->ssl, buf, len, &put);
			if (ret == 1)
				return put;
		} else {
			ret = SSL_write(c->ssl, buf,
					len > INT32_MAX ? INT32_MAX : (int)len);
			if (ret > 0)
				return ret;
		}
		rc = ossl_retry(c, ret);
		ERR_clear_error();
		if (rc)
			return rc;
	}
}

void peer_tls_close(struct peer_conn *c)
{
	if (!c)
		return;
	/* close_notify, without waiting for the peer's */
	if (SSL_shutdown(c->ssl) < 0)
		ERR_clear_error();
	SSL_free(c->ssl);
	close(c->fd);
	free(c);
}
