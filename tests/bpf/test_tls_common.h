/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers shared by the TLS capture tests: named checks, an event store
 * fed by the capture callback, OpenSSL contexts with a throwaway
 * certificate, and the cgroup id of a process.
 */
#ifndef ENFORCER_TEST_TLS_COMMON_H
#define ENFORCER_TEST_TLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "enforcer/capture/capture.h"

/* Exit code ctest reads as "skipped". */
#define TLS_TEST_SKIP 77

/* TAP-style checks: "ok N - name" or "not ok N - name". */
void tls_check(bool ok, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#define CHECK(cond, ...) tls_check(!!(cond), __VA_ARGS__)
/* Prints the plan summary; returns the process exit code (0 or 1). */
int tls_check_done(void);

/* Events of the processes the test watches, copied out of the ring. */
#define TLS_STORE_MAX_EVENTS 512
#define TLS_STORE_MAX_TGIDS 8

struct tls_store {
	struct enf_tls_event *ev[TLS_STORE_MAX_EVENTS];
	size_t n;
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

/* SSL_CTX for a server with a fresh self-signed P-256 certificate. */
SSL_CTX *tls_server_ctx(void);
/* SSL_CTX for a client that does not verify the peer. */
SSL_CTX *tls_client_ctx(void);

/* cgroup v2 id (inode of its directory) of @pid; 0 on error. */
__u64 tls_cgroup_id(pid_t pid);

/* CLOCK_MONOTONIC now, in ns (the clock of enf_tls_event.ts_ns). */
__u64 tls_now_ns(void);

/* Format @t's addresses for messages, "addr:port -> addr:port". */
const char *tls_tuple_str(const struct enf_tuple *t, char *buf, size_t len);

#endif /* ENFORCER_TEST_TLS_COMMON_H */
