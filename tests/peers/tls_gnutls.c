// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The GnuTLS backend of the test peers (gnutls_peer): gnutls_record_recv
 * and gnutls_record_send, one call per peer_tls_read/peer_tls_write. A send
 * carries at most one record (16 KiB), so large writes are several calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "peer.h"

const char peer_tls_name[] = "gnutls";

struct peer_tls {
	gnutls_certificate_credentials_t cred;
	struct peer_opts o;
};

struct peer_conn {
	gnutls_session_t s;
	int fd;
	bool nonblock;
};

int peer_tls_init(struct peer_tls **out, const struct peer_opts *o, char *err,
		  size_t errlen)
{
	struct peer_tls *t;
	int rc, r;

	if (o->ex) {
		snprintf(err, errlen, "--ex is an OpenSSL or NSS switch");
		return -EINVAL;
	}
	r = gnutls_global_init();
	if (r < 0) {
		snprintf(err, errlen, "gnutls_global_init: %s",
			 gnutls_strerror(r));
		return -EIO;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out_deinit;
	}
	t->o = *o;
	r = gnutls_certificate_allocate_credentials(&t->cred);
	if (r < 0) {
		snprintf(err, errlen, "credentials: %s", gnutls_strerror(r));
		rc = -ENOMEM;
		goto out_free;
	}
	rc = -EINVAL;
	if (o->server) {
		r = gnutls_certificate_set_x509_key_file(
			t->cred, o->cert, o->key, GNUTLS_X509_FMT_PEM);
		if (r < 0) {
			snprintf(err, errlen, "%s, %s: %s", o->cert, o->key,
				 gnutls_strerror(r));
			goto out_free_cred;
		}
	} else if (o->ca) {
		r = gnutls_certificate_set_x509_trust_file(t->cred, o->ca,
							   GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			snprintf(err, errlen, "%s: %s", o->ca,
				 r ? gnutls_strerror(r) : "no certificate");
			goto out_free_cred;
		}
	}
	*out = t;
	return 0;

out_free_cred:
	gnutls_certificate_free_credentials(t->cred);
out_free:
	free(t);
out_deinit:
	gnutls_global_deinit();
	return rc;
}

void peer_tls_free(struct peer_tls *t)
{
	if (!t)
		return;
	gnutls_certificate_free_credentials(t->cred);
	free(t);
	gnutls_global_deinit();
}

/* 0 to retry after EAGAIN (non-blocking) or EINTR, or a negative errno. */
static int gnutls_retry(struct peer_conn *c, int ret)
{
	if (ret == GNUTLS_E_INTERRUPTED)
		return 0;
	/*
	 * Also in blocking mode: a TLS 1.3 post-handshake message (a session
	 * ticket) ends a receive with GNUTLS_E_AGAIN. The socket's own
	 * timeout ends one too; then the wait below times out as well.
	 */
	if (ret == GNUTLS_E_AGAIN) {
		if (gnutls_record_check_pending(c->s))
			return 0;
		return peer_wait_fd(c->fd, gnutls_record_get_direction(c->s));
	}
	if (ret == GNUTLS_E_PREMATURE_TERMINATION)
		return -ENOTCONN;
	return -EPROTO;
}

int peer_tls_handshake(struct peer_tls *t, int fd, struct peer_conn **out,
		       char *err, size_t errlen)
{
	unsigned int flags = t->o.server ? GNUTLS_SERVER : GNUTLS_CLIENT;
	struct peer_conn *c;
	int rc, r;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->fd = fd;
	c->nonblock = t->o.nonblock;
	if (t->o.nonblock)
		flags |= GNUTLS_NONBLOCK;
	r = gnutls_init(&c->s, flags);
	if (r < 0) {
		snprintf(err, errlen, "gnutls_init: %s", gnutls_strerror(r));
		close(fd);
		free(c);
		return -ENOMEM;
	}
	rc = -EINVAL;
	r = gnutls_set_default_priority(c->s);
	if (r >= 0)
		r = gnutls_credentials_set(c->s, GNUTLS_CRD_CERTIFICATE,
					   t->cred);
	if (r >= 0 && !t->o.server && t->o.name)
		r = gnutls_server_name_set(c->s, GNUTLS_NAME_DNS, t->o.name,
					   strlen(t->o.name));
	if (r < 0) {
		snprintf(err, errlen, "session setup: %s", gnutls_strerror(r));
		goto out_deinit;
	}
	/* verify the chain, and the name when one is given */
	if (!t->o.server && t->o.ca)
		gnutls_session_set_verify_cert(c->s, t->o.name, 0);
	gnutls_transport_set_int(c->s, fd);
	gnutls_handshake_set_timeout(c->s, PEER_IO_TIMEOUT_S * 1000);
	do {
		r = gnutls_handshake(c->s);
		rc = r < 0 ? gnutls_retry(c, r) : 0;
	} while (r < 0 && !rc);
	if (rc) {
		snprintf(err, errlen, "handshake: %s", gnutls_strerror(r));
		goto out_deinit;
	}
	*out = c;
	return 0;

out_deinit:
	gnutls_deinit(c->s);
	close(fd);
	free(c);
	return rc;
}

ssize_t peer_tls_read(struct peer_conn *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = gnutls_record_recv(c->s, buf, len);
		int rc;

		if (n >= 0)
			return n;
		rc = gnutls_retry(c, (int)n);
		if (rc == -ENOTCONN)
			return 0;
		if (rc)
			return rc;
	}
}

ssize_t peer_tls_write(struct peer_conn *c, const void *buf, size_t len)
{
	for (;;) {
		/* after EAGAIN, the same arguments again */
		ssize_t n = gnutls_record_send(c->s, buf, len);
		int rc;

		if (n > 0)
			return n;
		rc = gnutls_retry(c, n ? (int)n : GNUTLS_E_INTERNAL_ERROR);
		if (rc)
			return rc;
	}
}

void peer_tls_close(struct peer_conn *c)
{
	if (!c)
		return;
	/* close_notify, without waiting for the peer's */
	gnutls_bye(c->s, GNUTLS_SHUT_WR);
	gnutls_deinit(c->s);
	close(c->fd);
	free(c);
}
