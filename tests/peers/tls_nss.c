// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The NSS backend of the test peers (nss_peer): PR_Read and PR_Write on the
 * SSL socket, or PR_Recv and PR_Send with --ex, one call per
 * peer_tls_read/peer_tls_write. The server takes its certificate and key
 * from an NSS database (CERT is the directory, KEY the nickname); a client
 * given --ca DIR verifies the server against the trust in that database.
 *
 * NSPR makes an imported socket non-blocking underneath and emulates
 * blocking I/O with poll(): PR_Read waits without a time limit, PR_Recv
 * and PR_Send wait PEER_IO_TIMEOUT_S.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cert.h>
#include <keyhi.h>
#include <nspr.h>
#include <nss.h>
#include <pk11pub.h>
#include <prerror.h>
/* PR_ImportTCPSocket: "private", but the documented way to wrap a socket */
#include <private/pprio.h>
#include <secerr.h>
#include <ssl.h>
#include <sslerr.h>
#include <sslproto.h>

#include "peer.h"

const char peer_tls_name[] = "nss";

struct peer_tls {
	CERTCertificate *cert;
	SECKEYPrivateKey *key;
	bool cache; /* server session cache configured */
	struct peer_opts o;
};

struct peer_conn {
	PRFileDesc *ssl;
	bool ex, nonblock;
};

static void nss_err(char *err, size_t errlen, const char *what)
{
	PRErrorCode e = PR_GetError();
	const char *name = PR_ErrorToName(e);

	snprintf(err, errlen, "%s: %s (%d)", what, name ? name : "?", e);
}

int peer_tls_init(struct peer_tls **out, const struct peer_opts *o, char *err,
		  size_t errlen)
{
	const char *db = o->server ? o->cert : o->ca;
	struct peer_tls *t;
	SECStatus s;
	int rc = -EINVAL;

	t = calloc(1, sizeof(*t));
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	t->o = *o;
	s = db ? NSS_Init(db) : NSS_NoDB_Init(NULL);
	if (s != SECSuccess) {
		nss_err(err, errlen, db ? db : "NSS_NoDB_Init");
		free(t);
		return -EIO;
	}
	if (NSS_SetDomesticPolicy() != SECSuccess) {
		nss_err(err, errlen, "NSS_SetDomesticPolicy");
		goto out_shutdown;
	}
	if (o->server) {
		t->cert = PK11_FindCertFromNickname(o->key, NULL);
		if (!t->cert) {
			nss_err(err, errlen, o->key);
			goto out_shutdown;
		}
		t->key = PK11_FindKeyByAnyCert(t->cert, NULL);
		if (!t->key) {
			nss_err(err, errlen, "the certificate's key");
			goto out_shutdown;
		}
		if (SSL_ConfigServerSessionIDCache(0, 0, 0, NULL) !=
		    SECSuccess) {
			nss_err(err, errlen, "session cache");
			goto out_shutdown;
		}
		t->cache = true;
	}
	*out = t;
	return 0;

out_shutdown:
	peer_tls_free(t);
	return rc;
}

void peer_tls_free(struct peer_tls *t)
{
	if (!t)
		return;
	if (t->key)
		SECKEY_DestroyPrivateKey(t->key);
	if (t->cert)
		CERT_DestroyCertificate(t->cert);
	if (t->cache)
		SSL_ShutdownServerSessionIDCache();
	SSL_ClearSessionCache();
	NSS_Shutdown();
	free(t);
	PR_Cleanup();
}

/* Accepts any server certificate (a client without --ca). */
static SECStatus accept_any_cert(void *arg, PRFileDesc *fd, PRBool chk,
				 PRBool server)
{
	(void)arg;
	(void)fd;
	(void)chk;
	(void)server;
	return SECSuccess;
}

/* 0 to retry after PR_WOULD_BLOCK_ERROR (non-blocking), or -errno. */
static int nss_retry(struct peer_conn *c, PRInt16 flags)
{
	PRErrorCode e = PR_GetError();
	PRPollDesc pd = { .fd = c->ssl, .in_flags = flags };
	PRInt32 n;

	if (e == PR_PENDING_INTERRUPT_ERROR)
		return -EINTR;
	if (e == PR_IO_TIMEOUT_ERROR)
		return -ETIMEDOUT;
	if (e == PR_CONNECT_RESET_ERROR || e == PR_END_OF_FILE_ERROR)
		return -ENOTCONN;
	if (e != PR_WOULD_BLOCK_ERROR || !c->nonblock)
		return -EPROTO;
	n = PR_Poll(&pd, 1, PR_SecondsToInterval(PEER_IO_TIMEOUT_S));
	if (n > 0)
		return 0;
	return n == 0 ? -ETIMEDOUT : -EIO;
}

int peer_tls_handshake(struct peer_tls *t, int fd, struct peer_conn **out,
		       char *err, size_t errlen)
{
	SSLVersionRange vr = { SSL_LIBRARY_VERSION_TLS_1_2,
			       SSL_LIBRARY_VERSION_TLS_1_3 };
	PRSocketOptionData nb = { .option = PR_SockOpt_Nonblocking };
	const struct peer_opts *o = &t->o;
	struct peer_conn *c;
	PRFileDesc *tcp;
	int rc = -EINVAL;

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	c->ex = o->ex;
	c->nonblock = o->nonblock;
	tcp = PR_ImportTCPSocket(fd);
	if (!tcp) {
		nss_err(err, errlen, "PR_ImportTCPSocket");
		close(fd);
		free(c);
		return -ENOMEM;
	}
	c->ssl = SSL_ImportFD(NULL, tcp);
	if (!c->ssl) {
		nss_err(err, errlen, "SSL_ImportFD");
		PR_Close(tcp);
		free(c);
		return -ENOMEM;
	}
	nb.value.non_blocking = o->nonblock;
	if (PR_SetSocketOption(c->ssl, &nb) != PR_SUCCESS ||
	    SSL_OptionSet(c->ssl, SSL_SECURITY, PR_TRUE) != SECSuccess ||
	    SSL_VersionRangeSet(c->ssl, &vr) != SECSuccess) {
		nss_err(err, errlen, "socket options");
		goto out_close;
	}
	if (o->server) {
		if (SSL_ConfigServerCert(c->ssl, t->cert, t->key, NULL, 0) !=
		    SECSuccess) {
			nss_err(err, errlen, "SSL_ConfigServerCert");
			goto out_close;
		}
	} else {
		/* the name checked (and sent as SNI); the address by default */
		if (SSL_SetURL(c->ssl, o->name ? o->name : o->addr) !=
		    SECSuccess) {
			nss_err(err, errlen, "SSL_SetURL");
			goto out_close;
		}
		if (!o->ca && SSL_AuthCertificateHook(c->ssl, accept_any_cert,
						      NULL) != SECSuccess) {
			nss_err(err, errlen, "SSL_AuthCertificateHook");
			goto out_close;
		}
	}
	if (SSL_ResetHandshake(c->ssl, o->server) != SECSuccess) {
		nss_err(err, errlen, "SSL_ResetHandshake");
		goto out_close;
	}
	while (SSL_ForceHandshake(c->ssl) != SECSuccess) {
		rc = nss_retry(c, PR_POLL_READ);
		if (rc) {
			nss_err(err, errlen, "handshake");
			goto out_close;
		}
	}
	*out = c;
	return 0;

out_close:
	PR_Close(c->ssl);
	free(c);
	return rc;
}

ssize_t peer_tls_read(struct peer_conn *c, void *buf, size_t len)
{
	PRInt32 n = len > PR_INT32_MAX ? PR_INT32_MAX : (PRInt32)len;

	for (;;) {
		PRInt32 r;
		int rc;

		if (c->ex)
			r = PR_Recv(c->ssl, buf, n, 0,
				    PR_SecondsToInterval(PEER_IO_TIMEOUT_S));
		else
			r = PR_Read(c->ssl, buf, n);
		if (r >= 0)
			return r;
		rc = nss_retry(c, PR_POLL_READ);
		if (rc == -ENOTCONN)
			return 0;
		if (rc)
			return rc;
	}
}

ssize_t peer_tls_write(struct peer_conn *c, const void *buf, size_t len)
{
	PRInt32 n = len > PR_INT32_MAX ? PR_INT32_MAX : (PRInt32)len;

	for (;;) {
		PRInt32 r;
		int rc;

		if (c->ex)
			r = PR_Send(c->ssl, buf, n, 0,
				    PR_SecondsToInterval(PEER_IO_TIMEOUT_S));
		else
			r = PR_Write(c->ssl, buf, n);
		if (r > 0)
			return r;
		rc = nss_retry(c, PR_POLL_WRITE);
		if (rc)
			return rc;
	}
}

void peer_tls_close(struct peer_conn *c)
{
	if (!c)
		return;
	/* sends close_notify and closes the socket */
	PR_Close(c->ssl);
	free(c);
}
