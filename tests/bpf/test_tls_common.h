/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the TLS capture tests: named checks, an event store
 * fed by the capture callback (with the data of every record, and the
 * streams put back together by seq), the capture opened on the system's
 * libssl, OpenSSL contexts with a throwaway certificate, and the cgroup id
 * of a process.
 */
#ifndef ENFORCER_TEST_TLS_COMMON_H
#define ENFORCER_TEST_TLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "enforcer/capture/capture.h"
#include "enforcer/loader/tls.h"

/* Exit code ctest reads as "skipped". */
#define TLS_TEST_SKIP 77

/* TAP-style checks: "ok N - name" or "not ok N - name". */
void tls_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define CHECK(cond, ...) tls_check(!!(cond), __VA_ARGS__)
/* Prints the plan summary; returns the process exit code (0 or 1). */
int tls_check_done(void);

/* Events of the processes the test watches, copied out of the ring. */
#define TLS_STORE_MAX_EVENTS 65536
#define TLS_STORE_MAX_TGIDS 16

struct tls_store {
	struct enf_tls_event **ev; /* each with its data_len bytes of data */
	size_t n, room;
	__u32 tgids[TLS_STORE_MAX_TGIDS];
	size_t ntgids;
	size_t overflow; /* watched events that did not fit */
};

void tls_store_watch(struct tls_store *s, __u32 tgid);
void tls_store_clear(struct tls_store *s);
/* The enf_capture_fn: keeps copies of events of watched tgids. */
int tls_store_cb(void *ctx, const struct enf_tls_event *ev);

/*
 * The first stored event of @tgid in @dir whose data starts with @prefix
 * (any event when @prefix is NULL); NULL if none.
 */
const struct enf_tls_event *tls_store_find(const struct tls_store *s,
					   __u32 tgid, int dir,
					   const char *prefix);
/* Print every stored event as a comment line, for failed checks. */
void tls_store_dump(const struct tls_store *s);
/* Number of stored events of @tgid in @dir. */
size_t tls_store_count(const struct tls_store *s, __u32 tgid, int dir);

/**
 * struct tls_stream - the records of one (tgid, session, direction) put
 * back together by seq
 * @data: the bytes, in stream order (malloc'd; tls_stream_free())
 * @len: bytes in @data
 * @records: records used
 * @calls: calls (records with offset 0)
 * @gaps: bytes of the stream no record carried (before the end)
 * @overlaps: records that overlapped bytes already placed
 * @session: the session of the stream
 * @truncated: records flagged ENF_TLS_F_TRUNCATED
 * @flags_or: the OR of every record's flags
 */
struct tls_stream {
	unsigned char *data;
	size_t len;
	size_t records, calls, gaps, overlaps, truncated;
	__u64 session;
	__u32 flags_or;
};

/*
 * Rebuild the stream of @tgid in @dir (of @session, or of the session of
 * the first such record when @session is 0) from the store, up to @max
 * bytes of stream offset. Returns 0, or -ENOENT when there is no record.
 */
int tls_stream_get(const struct tls_store *s, __u32 tgid, int dir,
		   __u64 session, size_t max, struct tls_stream *out);
void tls_stream_free(struct tls_stream *st);

/*
 * Open the capture with @opts and attach the system's libssl.so.3 (every
 * process when @pid is -1, else @pid alone). Returns 0 or a negative
 * errno; on error *@tls is NULL.
 */
int tls_open_libssl(const struct enf_tls_opts *opts, int pid,
		    struct enf_tls **tls);
/* The system's libssl.so.3, "" when there is none. */
const char *tls_libssl_path(void);
/*
 * The socket tracking the loader's default should pick here, looked up in
 * the kernel's BTF apart from the loader: ENF_TLS_TRACK_SOCK when the
 * kernel has sock_send_length and sock_recv_length, else _RAW.
 */
enum enf_tls_track tls_default_track(void);

/*
 * Poll @cap until tls_store_find(@tgid, @dir, @prefix) succeeds or
 * @timeout_ms passes. Returns the event or NULL.
 */
const struct enf_tls_event *tls_wait_event(struct enf_capture *cap,
					   struct tls_store *s, __u32 tgid,
					   int dir, const char *prefix,
					   int timeout_ms);

/* Keep consuming for @ms milliseconds (late events of finished calls). */
void tls_drain(struct enf_capture *cap, int ms);

/* cgroup v2 id (inode of its directory) of @pid; 0 on error. */
__u64 tls_cgroup_id(pid_t pid);

/* CLOCK_MONOTONIC now, in ns (the clock of enf_tls_event.ts_ns). */
__u64 tls_now_ns(void);

/* Format @t's addresses for messages, "addr:port -> addr:port". */
const char *tls_tuple_str(const struct enf_tuple *t, char *buf, size_t len);

/*
 * A file of a TLS library: the first mapping of this process whose base
 * name starts with @prefix (the library the test links), else the first
 * of the standard library directories holding @name. 0 or -ENOENT.
 */
int tls_lib_mapped(const char *prefix, char *out, size_t len);
int tls_lib_find(const char *name, char *out, size_t len);

/*
 * Open the capture with @opts and attach @path as @lib (by name; @nss_ssl
 * for NSS), for every process (@pid -1) or one. 0 or a negative errno; on
 * error *@tls is NULL.
 */
int tls_open_lib(const struct enf_tls_opts *opts, enum enf_tls_lib lib,
		 const char *path, const char *nss_ssl, int pid,
		 struct enf_tls **tls);

/*
 * A self-signed P-256 certificate and its key, as PEM files cert.pem and
 * key.pem in the new directory @dir (a mkdtemp template), made with the
 * openssl command. 0 or -1; tls_rm_dir() removes the directory.
 */
int tls_make_pem_dir(char *dir);
void tls_rm_dir(const char *dir);

/* A loopback IPv4 listener on a free port: the fd, and *@port. */
int tls_listen4(int *port);

/**
 * struct tls_peer_ops - a TLS library as the generic exchange drives it
 * @name: for messages
 * @lib: what its events must say
 * @server: in a child: the server side of a handshake over @fd with the
 *	PEM files; the session, NULL on failure
 * @client: in a child: the client side over @fd (no verification)
 * @read: one read call of the library (>0 bytes, else failure)
 * @write: one write call of the library
 * @close: shut the session down and free it
 */
struct tls_peer_ops {
	const char *name;
	enum enf_tls_lib lib;
	void *(*server)(int fd, const char *cert, const char *key);
	void *(*client)(int fd);
	long (*read)(void *s, void *buf, size_t len);
	long (*write)(void *s, const void *buf, size_t len);
	void (*close)(void *s);
};

#define TLS_NOBODY 65534

/*
 * The exchange: a server child and a client child (which drops to uid
 * TLS_NOBODY after connecting) on the loopback; the client writes an HTTP
 * request in one call and reads the reply, then writes @big bytes and
 * reads @big bytes back (each side loops over its library's calls). The
 * parent consumes while they run, then checks, named by @m: both exit 0;
 * each of the four streams, rebuilt by seq, is byte-exact and gapless on
 * both ends; pid, tgid, uid, lib, fd, cookie and tuple of every record are
 * the real ones. @pem_dir holds cert.pem and key.pem.
 */
void tls_exchange_check(const char *m, const struct tls_peer_ops *ops,
			struct enf_capture *cap, struct tls_store *st,
			size_t big, const char *pem_dir);

/*
 * Spawn @argv with stdin from the fd @in (-1: /dev/null; the child's copy
 * only), stdout and stderr to the file @out (NULL: /dev/null). The pid, or
 * -1.
 */
pid_t tls_spawn(char *const argv[], int in, const char *out);

/*
 * A free loopback TCP port (bound, then released for a tool to take).
 * The port, or -1.
 */
int tls_free_port(void);

/* Wait up to @ms for a listener on 127.0.0.1:@port. 0 or -1. */
int tls_wait_listen(int port, int ms);

/* Wait for @pid up to @ms (then kill it), consuming @cap meanwhile; its
 * wait status, or -1 when it had to be killed. */
int tls_wait_consuming(pid_t pid, struct enf_capture *cap, int ms);

/*
 * OpenSSL (test_tls_ossl.c, library enf_tls_test_ossl): an SSL_CTX for a
 * server with a fresh self-signed P-256 certificate, and one for a client
 * that does not verify the peer. Declared with OpenSSL's struct tag so
 * that this header needs no OpenSSL header.
 */
struct ssl_ctx_st;
struct ssl_ctx_st *tls_server_ctx(void);
struct ssl_ctx_st *tls_client_ctx(void);

/* The generic exchange's OpenSSL peers: SSL_read/SSL_write, or with @ex
 * SSL_read_ex/SSL_write_ex. */
const struct tls_peer_ops *tls_ossl_ops(bool ex);

/**
 * struct tls_pair - one OpenSSL client and server, each a child
 * @ls: the server's listening socket (the server accepts once)
 * @port: its port
 * @msg: what the client writes in one SSL_write; the server answers
 *	"ACK " and the same bytes
 * @client_comm: the client's comm, NULL to keep the test's
 * @server_comm: likewise for the server
 * @client_cgroup: a cgroup v2 directory the client moves into first, or
 *	NULL
 * @go: when >= 0, the client waits for a byte on this fd before it
 *	connects (the parent attaches in between)
 * @client: set to the client's pid
 * @server: set to the server's pid
 */
struct tls_pair {
	int ls;
	int port;
	const char *msg;
	const char *client_comm;
	const char *server_comm;
	const char *client_cgroup;
	int go;
	pid_t client, server;
};

/* Fork the server and the client of @p. 0 or -1. */
int tls_pair_start(struct tls_pair *p);

/* Wait for both children of @p, consuming @cap; true when both exit 0. */
bool tls_pair_wait(struct tls_pair *p, struct enf_capture *cap);

#endif /* ENFORCER_TEST_TLS_COMMON_H */
