/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The records bpf/tls_capture.bpf.c puts on its ring buffers, the names and
 * layouts of its maps, and the TLS libraries it knows.
 *
 * tls_events carries plaintext: one record per chunk of a successful TLS
 * read or write. A call longer than ENF_TLS_CHUNK bytes becomes several
 * records, in order, with consecutive @offset and @seq; bytes past the
 * per-call cap (enf_tls_config.call_cap) are not carried, and every record
 * of such a call says ENF_TLS_F_TRUNCATED with @len the true length.
 * Records come in a few fixed sizes (the ring buffer reserves constant
 * sizes): a reader uses @data_len, never the record size, for the data.
 *
 * proc_events carries process starts and ends (exec, exit of a process),
 * for library discovery.
 */
#ifndef ENFORCER_TLS_EVENT_H
#define ENFORCER_TLS_EVENT_H

#include "enforcer/flow.h"
#include "enforcer/types.h"

#define ENF_MAP_TLS_EVENTS "tls_events"
#define ENF_MAP_PROC_EVENTS "proc_events"
#define ENF_MAP_TLS_STATS "tls_stats"
#define ENF_MAP_TLS_CONFIG "tls_config"
#define ENF_MAP_TLS_FILTER_PORTS "tls_filter_ports"
#define ENF_MAP_TLS_FILTER_CGROUPS "tls_filter_cgroups"
#define ENF_MAP_TLS_FILTER_COMMS "tls_filter_comms"
#define ENF_MAP_TLS_NSS_FILES "tls_nss_files"

/* Plaintext bytes carried per record; longer calls take several records. */
#define ENF_TLS_CHUNK 16384
/*
 * Smaller record sizes: a call of at most this many bytes takes one. The
 * smallest holds a typical request line and headers or a short response
 * head, so the ring advances little per request.
 */
#define ENF_TLS_TINY 256
#define ENF_TLS_SMALL 1024
#define ENF_TLS_MEDIUM 4096
/* Per-call cap (bytes carried of one call): default and bounds. */
#define ENF_TLS_CALL_CAP_DEFAULT (1u << 20)
#define ENF_TLS_CALL_CAP_MIN ENF_TLS_CHUNK
#define ENF_TLS_CALL_CAP_MAX (16u << 20)
/* tls_events ring buffer size: default and bounds (powers of two). */
#define ENF_TLS_RINGBUF_DEFAULT (4u << 20)
#define ENF_TLS_RINGBUF_MIN (1u << 20)
#define ENF_TLS_RINGBUF_MAX (256u << 20)
#define ENF_PROC_RINGBUF_SIZE (1u << 18)
#define ENF_COMM_LEN 16
/*
 * Entries of each kernel-side filter map. Keys, values __u8 (1):
 *   tls_filter_ports:   __u16 port, host byte order (local or peer port)
 *   tls_filter_cgroups: __u64 cgroup v2 id
 *   tls_filter_comms:   char[ENF_COMM_LEN], the comm zero-padded
 */
#define ENF_TLS_FILTER_MAX 256
/*
 * tls_nss_files: __u64 inode number of an NSS libssl3.so -> __u8 (1). A
 * PR_* call counts only when its descriptor's SSL layer methods lie in a
 * mapping of one of these files.
 */
#define ENF_TLS_NSS_FILES_MAX 64

/* Kept for older users: the largest data one record carries. */
#define ENF_TLS_MAX_DATA ENF_TLS_CHUNK

enum enf_tls_dir {
	ENF_TLS_READ = 0, /* plaintext the process received */
	ENF_TLS_WRITE = 1, /* plaintext the process sent */
};

/*
 * The library that made the call. A library linked into an executable
 * reports as the library it is (OpenSSL's libssl.a: openssl).
 */
enum enf_tls_lib {
	ENF_TLS_LIB_UNKNOWN = 0,
	ENF_TLS_LIB_OPENSSL = 1, /* SSL_read/SSL_write(_ex), 1.1 and 3 */
	ENF_TLS_LIB_GNUTLS = 2, /* gnutls_record_recv/send */
	ENF_TLS_LIB_NSS = 3, /* PR_Read/PR_Write/PR_Recv/PR_Send, SSL fds */
	ENF_TLS_LIB_WOLFSSL = 4, /* wolfSSL_read/wolfSSL_write */
	ENF_TLS_LIB_BORINGSSL = 5, /* SSL_read/SSL_write, statically linked */
	ENF_TLS_LIB_MAX,
};

/*
 * How the session object of a library version is laid out, where the
 * capture may read the session's socket from it (the attachment's cookie
 * carries it): for a call that did no socket I/O of its own, such as an
 * SSL_read answered from bytes read ahead during the handshake.
 *   OSSL30: OpenSSL 3.0.x: SSL { int version; const SSL_METHOD *method;
 *           BIO *rbio; BIO *wbio; ... }, BIO { OSSL_LIB_CTX *libctx;
 *           const BIO_METHOD *method; ...; int num (at 56) },
 *           BIO_METHOD { int type; ... }; num is the fd of a socket BIO
 *           (type BIO_TYPE_SOCKET)
 */
enum enf_tls_layout {
	ENF_TLS_LAYOUT_NONE = 0,
	ENF_TLS_LAYOUT_OSSL30 = 1,
	ENF_TLS_LAYOUT_MAX,
};

#define ENF_TLS_LIB_NAMES                                                     \
	{                                                                     \
		"unknown", "openssl", "gnutls", "nss", "wolfssl", "boringssl" \
	}

/*
 * The functions probed, by slot; what each slot names per library:
 *   openssl, boringssl: SSL_read, SSL_write, SSL_read_ex, SSL_write_ex
 *   gnutls:             gnutls_record_recv, gnutls_record_send, -, -
 *   nss (libnspr4):     PR_Read, PR_Write, PR_Recv, PR_Send
 *   wolfssl:            wolfSSL_read, wolfSSL_write, -, -
 * NSS's PR_Writev (NSPR's exported vectored write, which servers such as
 * selfserv answer with) has no slot: the loader attaches it by name with
 * every NSS attachment. Its records never span two of its buffers, so a
 * call may take one record more per buffer than a plain write.
 */
enum enf_tls_fn {
	ENF_TLS_FN_READ = 0,
	ENF_TLS_FN_WRITE,
	ENF_TLS_FN_READ2,
	ENF_TLS_FN_WRITE2,
	ENF_TLS_FN_MAX,
};

/* enf_tls_event.flags */
#define ENF_TLS_F_TRUNCATED \
	(1u << 0) /* the call's bytes past the cap are not carried */
#define ENF_TLS_F_NO_SOCKET \
	(1u << 1) /* uncorrelated: no IP socket found, tuple zero */
#define ENF_TLS_F_READ_FAULT (1u << 2) /* the plaintext could not be read */
#define ENF_TLS_F_MORE (1u << 3) /* more records of this call follow */
#define ENF_TLS_F_FD_CACHED (1u << 4) /* socket from the session's cached fd */
/* socket read from the session object (enum enf_tls_layout): the call did
 * no socket I/O and the session's socket was not known */
#define ENF_TLS_F_FD_BIO (1u << 5)

/*
 * Indexes of the tls_stats per-CPU array (one __u64 each per CPU): what the
 * capture did and, above all, what it could not do, so no loss is silent.
 */
enum enf_tls_stat {
	ENF_TLS_STAT_EVENTS = 0, /* records put on tls_events */
	ENF_TLS_STAT_LOST, /* tls_events full: a record dropped */
	ENF_TLS_STAT_NO_SOCKET, /* records sent with ENF_TLS_F_NO_SOCKET */
	ENF_TLS_STAT_READ_FAULT, /* records sent with ENF_TLS_F_READ_FAULT */
	ENF_TLS_STAT_TRUNCATED, /* calls cut at the cap */
	ENF_TLS_STAT_CALLS_FULL, /* in-flight call table full: call missed */
	ENF_TLS_STAT_FD_CACHED, /* socket taken from the session cache */
	ENF_TLS_STAT_NOT_INET, /* calls on AF_UNIX and other sockets, skipped */
	ENF_TLS_STAT_FILTERED, /* calls out of the configured scope, skipped */
	ENF_TLS_STAT_NSS_NOT_SSL, /* PR_* calls on non-SSL descriptors, skipped */
	ENF_TLS_STAT_PROC_LOST, /* proc_events full: an exec or exit dropped */
	/* writes captured at entry alone (enf_tls_opts.write_entry_only): */
	ENF_TLS_STAT_WRITE_RETRY, /* a retry or continuation: not again */
	ENF_TLS_STAT_WRITE_UNSEEN, /* no socket seen before the next call */
	ENF_TLS_STAT_MAX,
};

#define ENF_TLS_STAT_NAMES                                                 \
	{                                                                  \
		"events", "lost", "no_socket", "read_fault", "truncated",  \
			"calls_full", "fd_cached", "not_inet", "filtered", \
			"nss_not_ssl", "proc_lost", "write_retry",         \
			"write_unseen"                                     \
	}

/* enf_tls_config.filters: which filter maps are in force (an AND of them) */
#define ENF_TLS_FILTER_PORTS (1u << 0) /* local or peer port in the map */
#define ENF_TLS_FILTER_CGROUPS (1u << 1) /* cgroup id in the map */
#define ENF_TLS_FILTER_COMMS (1u << 2) /* comm in the map */

/* enf_tls_config.flags */
#define ENF_TLS_CFG_WRITE_ENTRY \
	(1u << 0) /* some writes probed at entry alone */

/**
 * struct enf_tls_config - the one entry of tls_config, set by the loader
 * @call_cap: bytes carried per call, ENF_TLS_CALL_CAP_MIN..._MAX
 * @filters: ENF_TLS_FILTER_*
 * @flags: ENF_TLS_CFG_*
 * @pad: zero
 */
struct enf_tls_config {
	__u32 call_cap;
	__u32 filters;
	__u32 flags;
	__u32 pad;
};

/*
 * A record committed this long or less before enf_tls_wake.poll_until_ns
 * may be left for the consumer's next poll: the slack the programs allow
 * between deciding and committing.
 */
#define ENF_TLS_WAKE_MARGIN_NS 200000ull

/**
 * struct enf_tls_wake - the one entry of tls_wake (mmapped by the consumer)
 * @poll_until_ns: CLOCK_MONOTONIC time until which the consumer promises
 *                 to poll tls_events on its own, at the latest one poll
 *                 after it; 0 (or past) when it sleeps until woken
 * @pad: zero
 *
 * Waking the consumer costs the program an IRQ-work interrupt and the
 * consumer a context switch. While the consumer polls on its own, records
 * committed before poll_until_ns - ENF_TLS_WAKE_MARGIN_NS do not wake it;
 * after that, a record that finds older ones still waiting wakes it
 * whatever the ring's own rule (which wakes only for the first record
 * after the consumer caught up), so none is left behind a sleeping one.
 */
struct enf_tls_wake {
	__u64 poll_until_ns;
	__u64 pad;
};

/**
 * struct enf_tls_event - one chunk of a TLS read or write, in plaintext
 * @ts_ns: CLOCK_MONOTONIC time of the call
 * @cgroup_id: cgroup v2 id of the calling task
 * @sock_cookie: the socket's cookie, 0 when not known
 * @session: the library's session object in the process (SSL *,
 *	gnutls_session_t, the NSS PRFileDesc *, WOLFSSL *); with @tgid and
 *	@direction, the identity of the byte stream
 * @seq: offset of @data[0] in that stream (bytes carried or skipped before
 *	it in this session and direction); a gap means lost bytes
 * @pid: calling thread id
 * @tgid: calling process id
 * @uid: real uid of the caller
 * @gid: real gid of the caller
 * @len: bytes the whole call transferred (its true length)
 * @data_len: bytes of @data that are valid, at most ENF_TLS_CHUNK
 * @offset: offset of @data[0] within the call
 * @fd: the socket's file descriptor in the caller, -1 when unknown
 * @flags: ENF_TLS_F_*
 * @direction: enum enf_tls_dir
 * @lib: enum enf_tls_lib
 * @pad: zero
 * @tuple: the TCP flow of @fd, peer as source (see struct enf_tuple)
 * @comm: the task's comm
 * @data: the plaintext, @data_len bytes
 */
struct enf_tls_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u64 sock_cookie;
	__u64 session;
	__u64 seq;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u32 gid;
	__u32 len;
	__u32 data_len;
	__u32 offset;
	__s32 fd;
	__u32 flags;
	__u8 direction;
	__u8 lib;
	__u8 pad[2];
	struct enf_tuple tuple;
	char comm[ENF_COMM_LEN];
	__u8 data[];
};

/* Record sizes on tls_events: the header and one of these data sizes. */
#define ENF_TLS_EVENT_SIZE(data) (sizeof(struct enf_tls_event) + (data))

enum enf_proc_event_type {
	ENF_PROC_EXEC = 1, /* a process called execve: @tgid runs a new file */
	ENF_PROC_EXIT = 2, /* a process ended (its last thread) */
};

/**
 * struct enf_proc_event - a process start or end, on proc_events
 * @ts_ns: CLOCK_MONOTONIC time
 * @cgroup_id: cgroup v2 id of the process
 * @type: enum enf_proc_event_type
 * @tgid: the process
 * @ppid: its parent's tgid (EXEC only, else 0)
 * @uid: real uid
 * @comm: comm after the exec
 */
struct enf_proc_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 type;
	__u32 tgid;
	__u32 ppid;
	__u32 uid;
	char comm[ENF_COMM_LEN];
};

#endif /* ENFORCER_TLS_EVENT_H */
