/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The record bpf/tls_capture.bpf.c puts on the tls_events ring buffer for
 * every successful TLS read or write, and the names of its maps.
 */
#ifndef ENFORCER_TLS_EVENT_H
#define ENFORCER_TLS_EVENT_H

#include "enforcer/flow.h"
#include "enforcer/types.h"

#define ENF_MAP_TLS_EVENTS "tls_events"
#define ENF_MAP_TLS_STATS "tls_stats"

/* Plaintext bytes carried per event; longer calls are cut and say so. */
#define ENF_TLS_MAX_DATA 16384
/* Ring buffer size: a power of two, room for 256 full events. */
#define ENF_TLS_RINGBUF_SIZE (1u << 22)
#define ENF_COMM_LEN 16

enum enf_tls_dir {
	ENF_TLS_READ = 0, /* plaintext the process received (SSL_read) */
	ENF_TLS_WRITE = 1, /* plaintext the process sent (SSL_write) */
};

enum enf_tls_lib {
	ENF_TLS_LIB_OPENSSL = 1,
};

/* enf_tls_event.flags */
#define ENF_TLS_F_TRUNCATED (1u << 0) /* data_len < len */
#define ENF_TLS_F_NO_SOCKET (1u << 1) /* no socket found: tuple is zero */
#define ENF_TLS_F_READ_FAULT (1u << 2) /* the plaintext could not be read */

/*
 * Indexes of the tls_stats array (one __u64 each): what the capture did and,
 * above all, what it could not do, so that no loss is silent.
 */
enum enf_tls_stat {
	ENF_TLS_STAT_EVENTS = 0, /* events put on the ring buffer */
	ENF_TLS_STAT_LOST, /* ring buffer full: event dropped */
	ENF_TLS_STAT_NO_SOCKET, /* events sent with ENF_TLS_F_NO_SOCKET */
	ENF_TLS_STAT_READ_FAULT, /* events sent with ENF_TLS_F_READ_FAULT */
	ENF_TLS_STAT_TRUNCATED, /* events sent with ENF_TLS_F_TRUNCATED */
	ENF_TLS_STAT_CALLS_FULL, /* in-flight call table full: call missed */
	ENF_TLS_STAT_FD_CACHED, /* fd taken from the (tgid, SSL *) cache */
	ENF_TLS_STAT_MAX,
};

/**
 * struct enf_tls_event - one TLS read or write, in plaintext
 * @ts_ns: CLOCK_MONOTONIC time the call returned
 * @cgroup_id: cgroup v2 id of the calling task
 * @pid: calling thread id
 * @tgid: calling process id
 * @uid: real uid of the caller
 * @gid: real gid of the caller
 * @len: bytes the call really transferred (its return value)
 * @data_len: bytes of @data that are valid, at most ENF_TLS_MAX_DATA
 * @fd: the socket's file descriptor in the caller, -1 when unknown
 * @flags: ENF_TLS_F_*
 * @direction: enum enf_tls_dir
 * @lib: enum enf_tls_lib
 * @pad: zero
 * @tuple: the TCP flow of @fd, peer as source (see struct enf_tuple)
 * @comm: the task's comm
 * @data: the plaintext
 */
struct enf_tls_event {
	__u64 ts_ns;
	__u64 cgroup_id;
	__u32 pid;
	__u32 tgid;
	__u32 uid;
	__u32 gid;
	__u32 len;
	__u32 data_len;
	__s32 fd;
	__u32 flags;
	__u8 direction;
	__u8 lib;
	__u8 pad[6];
	struct enf_tuple tuple;
	char comm[ENF_COMM_LEN];
	__u8 data[ENF_TLS_MAX_DATA];
};

#endif /* ENFORCER_TLS_EVENT_H */
