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

#include <openssl/ssl.h>

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
