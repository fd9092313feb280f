// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The wolfSSL backend of the test peers (wolfssl_peer): wolfSSL_read and
 * wolfSSL_write, one call per peer_tls_read/peer_tls_write.
 *
 * Debian's libwolfssl is built with the OpenSSL compatibility layer and
 * many options; its struct layouts depend on them, so <wolfssl/options.h>
 * (the build's own settings) must come before any other wolfSSL header.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>

#include "peer.h"

const char peer_tls_name[] = "wolfssl";

struct peer_tls {
	WOLFSSL_CTX *ctx;
	struct peer_opts o;
};

struct peer_conn {
	WOLFSSL *ssl;
	int fd;
	bool nonblock;
};

static void wolf_err(char *err, size_t errlen, const char *what, int code)
{
	char buf[WOLFSSL_MAX_ERROR_SZ];

	wolfSSL_ERR_error_string_n(code, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s (%d)", what, buf, code);
}

int peer_tls_init(struct peer_tls **out, const struct peer_opts *o, char *err,
		  size_t errlen)
{
	struct peer_tls *t;
	int rc;

	if (o->ex) {
		snprintf(err, errlen, "--ex is an OpenSSL or NSS switch");
		return -EINVAL;
	}
	rc = wolfSSL_Init();
	if (rc != WOLFSSL_SUCCESS) {
		wolf_err(err, errlen, "wolfSSL_Init", rc);
		return -EIO;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out_cleanup;
	}
	t->o = *o;
	/* TLS 1.2 and 1.3, the highest both sides have */
	t->ctx = wolfSSL_CTX_new(o->server ? wolfTLS_server_method() :
					     wolfTLS_client_method());
	if (!t->ctx) {
		snprintf(err, errlen, "wolfSSL_CTX_new failed");
		rc = -ENOMEM;
		goto out_free;
	}
	rc = -EINVAL;
	if (o->server) {
		int r = wolfSSL_CTX_use_certificate_chain_file(t->ctx, o->cert);

		if (r != WOLFSSL_SUCCESS) {
			wolf_err(err, errlen, o->cert, r);
			goto out_free_ctx;
		}
		r = wolfSSL_CTX_use_PrivateKey_file(t->ctx, o->key,
						    WOLFSSL_FILETYPE_PEM);
		if (r != WOLFSSL_SUCCESS) {
			wolf_err(err, errlen, o->key, r);
			goto out_free_ctx;
		}
	} else if (o->ca) {
		int r = wolfSSL_CTX_load_verify_locations(t->ctx, o->ca, NULL);

		if (r != WOLFSSL_SUCCESS) {
			wolf_err(err, errlen, o->ca, r);
			goto out_free_ctx;
		}
		wolfSSL_CTX_set_verify(t->ctx, WOLFSSL_VERIFY_PEER, NULL);
	} else {
		/* wolfSSL clients verify by default; the others do not. */
		wolfSSL_CTX_set_verify(t->ctx, WOLFSSL_VERIFY_NONE, NULL);
	}
	*out = t;
	return 0;

out_free_ctx:
	wolfSSL_CTX_free(t->ctx);
out_free:
	free(t);
out_cleanup:
	wolfSSL_Cleanup();
	return rc;
}

void peer_tls_free(struct peer_tls *t)
{
	if (!t)
		return;
	wolfSSL_CTX_free(t->ctx);
	free(t);
	wolfSSL_Cleanup();
}

/* 0 to retry after a want (non-blocking), or a negative errno. */
static int wolf_retry(struct peer_conn *c, int ret, int *code)
{
	int e = wolfSSL_get_error(c->ssl, ret);

	*code = e;
	switch (e) {
	case WOLFSSL_ERROR_WANT_READ:
	case WOLFSSL_ERROR_WANT_WRITE:
		if (!c->nonblock)
			return -ETIMEDOUT;
		return peer_wait_fd(c->fd, e == WOLFSSL_ERROR_WANT_WRITE);
	case WOLFSSL_ERROR_ZERO_RETURN:
	case SOCKET_PEER_CLOSED_E:
		return -ENOTCONN;
	default:
		return -EPROTO;
	}
}

int peer_tls_handshake(struct peer_tls *t, int fd, struct peer_conn **out,
		       char *err, size_t errlen)
{
	struct peer_conn *c;
	int rc, ret, code;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->nonblock = t->o.nonblock;
	c->ssl = wolfSSL_new(t->ctx);
	if (!c->ssl) {
		snprintf(err, errlen, "wolfSSL_new failed");
		rc = -ENOMEM;
		goto out_free;
	}
	rc = -EINVAL;
	ret = wolfSSL_set_fd(c->ssl, fd);
	if (ret != WOLFSSL_SUCCESS) {
		wolf_err(err, errlen, "wolfSSL_set_fd", ret);
		goto out_free;
	}
	if (!t->o.server && t->o.name) {
		ret = wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, t->o.name,
				     strlen(t->o.name));
		if (ret == WOLFSSL_SUCCESS && t->o.ca)
			ret = wolfSSL_check_domain_name(c->ssl, t->o.name);
		if (ret != WOLFSSL_SUCCESS) {
			wolf_err(err, errlen, "server name", ret);
			goto out_free;
		}
	}
	for (;;) {
		ret = t->o.server ? wolfSSL_accept(c->ssl) :
				    wolfSSL_connect(c->ssl);
		if (ret == WOLFSSL_SUCCESS)
			break;
		rc = wolf_retry(c, ret, &code);
		if (rc) {
			wolf_err(err, errlen, "handshake", code);
			goto out_free;
		}
	}
	*out = c;
	return 0;

out_free:
	wolfSSL_free(c->ssl);
	close(fd);
	free(c);
	return rc;
}

ssize_t peer_tls_read(struct peer_conn *c, void *buf, size_t len)
{
	int sz = len > INT32_MAX ? INT32_MAX : (int)len;

	for (;;) {
		int ret = wolfSSL_read(c->ssl, buf, sz), rc, code;

		if (ret > 0)
			return ret;
		rc = wolf_retry(c, ret, &code);
		if (rc == -ENOTCONN)
			return 0;
		if (rc)
			return rc;
	}
}

ssize_t peer_tls_write(struct peer_conn *c, const void *buf, size_t len)
{
	int sz = len > INT32_MAX ? INT32_MAX : (int)len;

	for (;;) {
		/* after a want, the same arguments again */
		int ret = wolfSSL_write(c->ssl, buf, sz), rc, code;

		if (ret > 0)
			return ret;
		rc = wolf_retry(c, ret, &code);
		if (rc)
			return rc;
	}
}

void peer_tls_close(struct peer_conn *c)
{
	if (!c)
		return;
	wolfSSL_shutdown(c->ssl);
	wolfSSL_free(c->ssl);
	close(c->fd);
	free(c);
}
