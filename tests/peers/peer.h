/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The TLS test peers: one HTTP/1.1 server and client (peer.c) over a small
 * TLS backend interface, implemented once per library (tls_openssl.c,
 * tls_wolfssl.c, tls_gnutls.c, tls_nss.c). Each backend makes the calls the
 * capture probes, and nothing else, to move application data; see the
 * header comment of peers.sh for which call each peer makes.
 */
#ifndef ENFORCER_TEST_PEER_H
#define ENFORCER_TEST_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Seconds a peer waits for its peer on any one read, write or handshake. */
#define PEER_IO_TIMEOUT_S 30

struct peer_opts {
	bool server;
	bool ex; /* OpenSSL: SSL_read_ex/SSL_write_ex; NSS: PR_Recv/PR_Send */
	bool nonblock; /* non-blocking socket, poll() on want-read/write */
	const char *cert; /* server: PEM certificate (NSS: database dir) */
	const char *key; /* server: PEM key (NSS: certificate nickname) */
	const char *ca; /* client: verify the server against this CA */
	const char *name; /* client: SNI and the name verified */
	const char *addr; /* client: the server's address */
};

struct peer_tls;
struct peer_conn;

/* The library's name as the peer reports it (X-Peer header). */
extern const char peer_tls_name[];

/**
 * peer_tls_init() - set up the library and a context for @o->server's side
 * @out: the context, on success
 * @o: what to load and how to do I/O
 * @err: a message on failure
 * @errlen: size of @err
 *
 * Return: 0 or a negative errno.
 */
int peer_tls_init(struct peer_tls **out, const struct peer_opts *o, char *err,
		  size_t errlen);

/**
 * peer_tls_free() - free the context and release the library
 * @t: the context; NULL is fine
 */
void peer_tls_free(struct peer_tls *t);

/**
 * peer_tls_handshake() - a TLS session over the connected socket @fd
 * @t: the context
 * @fd: the socket; the session owns it from here, even on failure
 * @out: the session, on success
 * @err: a message on failure
 * @errlen: size of @err
 *
 * Return: 0 or a negative errno.
 */
int peer_tls_handshake(struct peer_tls *t, int fd, struct peer_conn **out,
		       char *err, size_t errlen);

/**
 * peer_tls_read() - one library read call (retried on want-read/write)
 * @c: the session
 * @buf: where the plaintext goes
 * @len: room in @buf
 *
 * Return: bytes read, 0 at a clean close by the peer, or a negative errno.
 */
ssize_t peer_tls_read(struct peer_conn *c, void *buf, size_t len);

/**
 * peer_tls_write() - one library write call (retried on want-read/write)
 * @c: the session
 * @buf: the plaintext
 * @len: its length
 *
 * Some libraries write less than @len in one call (GnuTLS: one record);
 * the caller loops.
 *
 * Return: bytes written (> 0) or a negative errno.
 */
ssize_t peer_tls_write(struct peer_conn *c, const void *buf, size_t len);

/**
 * peer_tls_close() - send close_notify (best effort), free the session and
 * close its socket
 * @c: the session; NULL is fine
 */
void peer_tls_close(struct peer_conn *c);

/**
 * peer_wait_fd() - wait for @fd to be readable or writable
 * @fd: the socket
 * @want_write: wait for POLLOUT instead of POLLIN
 *
 * Return: 0, -ETIMEDOUT after PEER_IO_TIMEOUT_S, or a negative errno.
 */
int peer_wait_fd(int fd, bool want_write);

#endif /* ENFORCER_TEST_PEER_H */
