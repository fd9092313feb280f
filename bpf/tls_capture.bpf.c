// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext capture: uprobes on the read and write functions of the TLS
 * libraries (OpenSSL and BoringSSL, GnuTLS, NSS's NSPR, wolfSSL) copy the
 * plaintext of every successful call to the tls_events ring buffer, in
 * chunks, with the caller's identity and the TCP flow of its socket.
 *
 * The socket is found from the call itself, not from a library's internals:
 * while a thread is inside a TLS call, the read/write family of syscall
 * tracepoints notes the socket fd the library (or the application's own
 * transport) touches. A call served from the library's record buffer makes
 * no syscall, so the socket of each (process, session) is cached, fd,
 * struct file and struct sock, and trusted only while the fd still holds
 * that file and the file that sock; its flow and cookie are read once.
 * The kernel's own structures are walked by plain loads through BTF
 * pointers where the verifier allows, since a helper call is dear.
 * A call whose transport is a non-IP socket (AF_UNIX) is skipped; a call
 * with no socket at all (a memory BIO, a pipe) is captured and flagged
 * ENF_TLS_F_NO_SOCKET, never attributed to a flow.
 *
 * Every uprobe hit is expensive, so each call costs one entry probe and one
 * return probe (writes, where the loader says so, the entry alone); the
 * syscall tracepoints fire for every process and return after one look at
 * the thread's task storage when the thread is not inside a TLS call, and
 * after no more when the fd is the call's known socket.
 *
 * The loader loads this object once with every uprobe program switched off
 * (maps, syscall tracepoints, exec/exit tracepoints, sock_ops), then once
 * per library family in use with only that family's programs, on the same
 * maps: a library that is absent is never loaded, and one that fails to
 * load does not stop the others. The object has no global variables, so
 * every instance shares all of its state through the maps (tls_wake, the
 * consumer's polling promise, is a map mmapped by the consumer for that
 * reason).
 */
#include "bpf_common.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "enforcer/tls_event.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Sessions remembered. */
#define TLS_MAX_SESSIONS 16384
/* Layers of an NSPR descriptor stack searched for NSS's SSL layer. */
#define NSS_MAX_LAYERS 4
/* Buffers of one PR_Writev at most (NSPR's PR_MAX_IOVECTOR_SIZE). */
#define NSS_MAX_IOV 16

#define EV_HDR sizeof(struct enf_tls_event)

/* One TLS call in flight on a thread, from entry to return. */
struct tls_call {
	__u64 session;
	__u64 buf; /* the buffer; for PR_Writev its PRIOVec array */
	__u64 nbytes; /* size_t * of SSL_read_ex/SSL_write_ex, else 0 */
	__u64 sk; /* last IP socket the thread used in the call, or 0 */
	__u64 file; /* and its struct file */
	__s32 fd; /* and its fd: -1 when none, or not known */
	__s32 other_fd; /* last other socket (AF_UNIX...) used, or -1 */
	__u8 direction;
	__u8 lib;
	__u8 iovcnt; /* PR_Writev: buffers in the PRIOVec array, else 0 */
	__u8 pending; /* enum call_pending */
	__u8 last_inet; /* the thread's last syscall was on an IP socket */
	__u8 live; /* a call is in flight (the storage outlives it) */
	__u8 layout; /* enum enf_tls_layout of the library */
	__u8 pad;
	__u64 count; /* a write probed at entry alone: the bytes asked for */
};

/* tls_call.pending: a write probed at entry alone (no return probe) */
enum call_pending {
	CALL_RETURNS = 0, /* an entry and return probe call */
	CALL_WRITE_WAITING = 1, /* waiting for its socket */
	CALL_WRITE_SENDING = 2, /* emitted or judged a repeat; sends watched */
};

struct tls_session_key {
	__u32 tgid;
	__u32 pad;
	__u64 session;
};

enum tls_sock_kind {
	TLS_SOCK_NONE = 0,
	TLS_SOCK_INET = 1, /* the session runs over this IP socket */
	TLS_SOCK_OTHER = 2, /* over this non-IP socket: not captured */
};

/*
 * What is known of a session: its socket (the fd and the struct sock it
 * held when seen: both must still agree for the cache to be used), the
 * stream offset of each direction, and for writes probed at entry alone
 * the last one emitted and whether the last attempt failed (see
 * write_repeats()).
 */
struct tls_session {
	__u64 sk;
	__u64 file; /* the struct file @fd held */
	__u64 cookie; /* @sk's cookie, once it has one */
	struct enf_tuple tuple; /* @sk's flow, peer as source (TLS_SOCK_INET) */
	__s32 fd;
	__u32 kind;
	__u64 seq[2];
	__u64 last_buf;
	__u64 last_count; /* 0: none to compare with */
	__u32 failed; /* the last write's send on its socket would block */
	__s32 bio_fd; /* the fd of @bio when a socket BIO, else -1 */
	__u64 bio; /* the session object's BIO last looked at, or 0 */
};

/*
 * The call a thread has in flight lives in the thread's own storage: found
 * without hashing (every syscall tracepoint looks), and freed with the
 * thread, so a thread killed inside SSL_read leaves nothing behind. A
 * session is never told to end: LRU, so none holds a slot forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLS_MAX_SESSIONS);
	__type(key, struct tls_session_key);
	__type(value, struct tls_session);
} tls_sessions SEC(".maps");

/* The loader sizes it (enf_tls_opts.ringbuf_bytes) before the load. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENF_TLS_RINGBUF_DEFAULT);
} tls_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENF_PROC_RINGBUF_SIZE);
} proc_events SEC(".maps");

/* The consumer's promise to poll (struct enf_tls_wake), mmapped by it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct enf_tls_wake);
} tls_wake SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ENF_TLS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tls_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct enf_tls_config);
} tls_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_TLS_FILTER_MAX);
	__type(key, __u16);
	__type(value, __u8);
} tls_filter_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_TLS_FILTER_MAX);
	__type(key, __u64);
	__type(value, __u8);
} tls_filter_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_TLS_FILTER_MAX);
	__type(key, char[ENF_COMM_LEN]);
	__type(value, __u8);
} tls_filter_comms SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_TLS_NSS_FILES_MAX);
	__type(key, __u64);
	__type(value, __u8);
} tls_nss_files SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&tls_stats, &idx);

	/* per CPU, but a program can be preempted by another on its CPU */
	if (v)
		__sync_fetch_and_add(v, 1);
}

/* The thread's storage in tls_calls, created when @create. */
static __always_inline struct tls_call *call_slot(bool create)
{
	return bpf_task_storage_get(
		&tls_calls, bpf_get_current_task_btf(), NULL,
		create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
}

/* The thread's call in flight, or NULL. */
static __always_inline struct tls_call *call_cur(void)
{
	struct tls_call *c = call_slot(false);

	return c && c->live ? c : NULL;
}

/* The thread has no call in flight (any more). */
static __always_inline void call_clear(void)
{
	struct tls_call *c = call_slot(false);

	if (c)
		c->live = 0;
}

static __always_inline struct enf_tls_config *tls_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&tls_config, &zero);
}

/* The configured filters that do not need the socket: comm and cgroup. */
static __always_inline bool task_in_scope(__u32 filters)
{
	if (filters & ENF_TLS_FILTER_COMMS) {
		char comm[ENF_COMM_LEN] = {};

		bpf_get_current_comm(comm, sizeof(comm));
		if (!bpf_map_lookup_elem(&tls_filter_comms, comm))
			return false;
	}
	if (filters & ENF_TLS_FILTER_CGROUPS) {
		__u64 cg = bpf_get_current_cgroup_id();

		if (!bpf_map_lookup_elem(&tls_filter_cgroups, &cg))
			return false;
	}
	return true;
}

/*
 * The thread's slot at a new call, emptied (NULL when out of memory). A
 * write probed at entry alone that is still waiting for its socket when
 * the thread makes its next TLS call is given up: counted, never emitted.
 */
static __always_inline struct tls_call *call_begin(void)
{
	struct tls_call *c = call_slot(true);

	if (!c)
		return NULL;
	if (c->live && c->pending == CALL_WRITE_WAITING)
		stat_inc(ENF_TLS_STAT_WRITE_UNSEEN);
	c->live = 0;
	return c;
}

/* Make @call the call in flight in the thread's @slot. */
static __always_inline void call_fill(struct tls_call *slot,
				      const struct tls_call *call)
{
	if (!slot) {
		stat_inc(ENF_TLS_STAT_CALLS_FULL);
		return;
	}
	*slot = *call;
	slot->live = 1;
}

static __always_inline int call_enter_iov(__u64 session, __u64 buf,
					  __u64 nbytes, __u8 direction,
					  __u64 cookie, __u8 iovcnt)
{
	struct enf_tls_config *cfg = tls_cfg();
	struct tls_call call = {
		.session = session,
		.buf = buf,
		.nbytes = nbytes,
		.fd = -1,
		.other_fd = -1,
		.direction = direction,
		.lib = cookie & 0xff,
		.layout = (cookie >> 16) & 0xff,
		.iovcnt = iovcnt,
	};
	/* any entry the thread has goes (a stale entry of this thread must
	 * not take the return): a stale one from a call that never
	 * returned, or the outer call of a library that implements one of
	 * its functions with another (the inner call then reports) */
	struct tls_call *slot = call_begin();

	if (cfg && cfg->filters && !task_in_scope(cfg->filters)) {
		stat_inc(ENF_TLS_STAT_FILTERED);
		return 0;
	}
	call_fill(slot, &call);
	return 0;
}

/* @cookie: the attachment's, as the loader set it (see cookie_of()) */
static __always_inline int call_enter(__u64 session, __u64 buf, __u64 nbytes,
				      __u8 direction, __u64 cookie)
{
	return call_enter_iov(session, buf, nbytes, direction, cookie, 0);
}

/*
 * The attachment's cookie: the library in bits 0-7 (enum enf_tls_lib), its
 * session layout in bits 16-23 (enum enf_tls_layout).
 */
static __always_inline __u64 cookie_of(void *ctx)
{
	return bpf_get_attach_cookie(ctx);
}

/*
 * The file open as @fd in the current task, NULL if none. The task's file
 * table is reached by plain loads through its BTF pointer (no helper call
 * each); only the slot of the fd array, a pointer to pointers, is read with
 * a helper.
 */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *file = NULL;
	struct files_struct *files;
	struct fdtable *fdt;
	struct file **fds;

	if (fd < 0)
		return NULL;
	files = task->files;
	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (!fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

/* The socket of @file (a socket's file), or NULL. */
static __always_inline struct sock *file_sock(struct file *file)
{
	struct socket *sock = BPF_CORE_READ(file, private_data);

	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

/*
 * The socket open as @fd, or NULL when @fd is no socket; its file in
 * @filep.
 */
static __always_inline struct sock *fd_sock_file(int fd, struct file **filep)
{
	struct file *file = fd_file(fd);

	if (!file ||
	    (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	*filep = file;
	return file_sock(file);
}

static __always_inline bool sk_is_inet(struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	return family == AF_INET || family == AF_INET6;
}

static __always_inline bool v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* Fill @t from the IP socket @sk, peer as source. */
static __always_inline void sk_tuple(struct sock *sk, struct enf_tuple *t)
{
	struct sock_common *skc = &sk->__sk_common;
	__u32 peer[4] = {}, local[4] = {};
	__u16 family;

	family = BPF_CORE_READ(skc, skc_family);
	if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&peer, skc, skc_v6_daddr.in6_u.u6_addr32);
		BPF_CORE_READ_INTO(&local, skc,
				   skc_v6_rcv_saddr.in6_u.u6_addr32);
		if (v4_mapped(peer) && v4_mapped(local)) {
			family = AF_INET;
			peer[0] = peer[3];
			local[0] = local[3];
		}
	} else {
		peer[0] = BPF_CORE_READ(skc, skc_daddr);
		local[0] = BPF_CORE_READ(skc, skc_rcv_saddr);
	}
	__builtin_memset(t, 0, sizeof(*t));
	if (family == AF_INET6) {
		__builtin_memcpy(t->saddr, peer, sizeof(peer));
		__builtin_memcpy(t->daddr, local, sizeof(local));
	} else {
		__builtin_memcpy(t->saddr, peer, 4);
		__builtin_memcpy(t->daddr, local, 4);
	}
	t->sport = BPF_CORE_READ(skc, skc_dport);
	t->dport = bpf_htons(BPF_CORE_READ(skc, skc_num));
	t->proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);
	t->family = family == AF_INET6 ? ENF_FAMILY_V6 : ENF_FAMILY_V4;
}

/*
 * Whether @sk, at the address @s cached, still carries the connection @s
 * knows: struct socks are reused from their cache as soon as freed, so the
 * next connection accepted may get the same address. Its cookie (unique to
 * a connection; sock_ops gives one at connect) or, without one, its ports
 * must be the cached ones.
 */
static __always_inline bool session_same_conn(const struct tls_session *s,
					      struct sock *sk)
{
	__u32 ports;

	if (s->cookie)
		return BPF_CORE_READ(sk, __sk_common.skc_cookie.counter) ==
		       s->cookie;
	/* skc_portpair: skc_dport (the peer's, network order), skc_num */
	ports = BPF_CORE_READ(sk, __sk_common.skc_portpair);
	return ports ==
	       ((__u32)s->tuple.sport | (__u32)bpf_ntohs(s->tuple.dport) << 16);
}

/*
 * Whether the cached socket of @s is still the one its fd holds: the same
 * file in the fd's slot, and that file still the same socket's; and for
 * an IP socket, still the same connection (session_same_conn()): files
 * and socks are reused from their caches as soon as freed (a connection
 * closed and the next accepted may get the same fd, file and sock
 * addresses).
 */
static __always_inline bool session_sock_valid(const struct tls_session *s,
					       __u32 kind)
{
	struct file *file;
	struct sock *sk;

	if (s->kind != kind || !s->sk)
		return false;
	file = fd_file(s->fd);
	if (!file || (__u64)file != s->file)
		return false;
	sk = file_sock(file);
	if ((__u64)sk != s->sk)
		return false;
	if (kind != TLS_SOCK_INET)
		return true;
	return session_same_conn(s, sk);
}

static __always_inline struct tls_session *
session_get(const struct tls_session_key *key)
{
	struct tls_session zero = {};
	struct tls_session *s;

	s = bpf_map_lookup_elem(&tls_sessions, key);
	if (s)
		return s;
	bpf_map_update_elem(&tls_sessions, key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&tls_sessions, key);
}

/*
 * Remember that @s runs over @sk (as @fd, @file); a new socket starts
 * anew, and an IP socket's flow is read once, here (a connected socket's
 * does not change).
 */
static __always_inline void session_set_sock(struct tls_session *s,
					     struct sock *sk, struct file *file,
					     int fd, __u32 kind)
{
	if (s->sk != (__u64)sk || s->kind != kind ||
	    (kind == TLS_SOCK_INET && !session_same_conn(s, sk))) {
		if (s->sk) {
			/* the session object was reused for another
			 * connection: its streams begin again */
			s->seq[0] = 0;
			s->seq[1] = 0;
		}
		s->sk = (__u64)sk;
		s->kind = kind;
		s->cookie = 0;
		if (kind == TLS_SOCK_INET)
			sk_tuple(sk, &s->tuple);
	}
	s->file = (__u64)file;
	s->fd = fd;
}

/* OpenSSL 3.0 (ENF_TLS_LAYOUT_OSSL30): see enum enf_tls_layout */
#define OSSL30_SSL_RBIO 16
#define OSSL30_SSL_WBIO 24
#define OSSL30_BIO_METHOD 8
#define OSSL30_BIO_NUM 56
#define OSSL_BIO_TYPE_SOCKET (5 | 0x0400 | 0x0100)

/* @call's BIO in its OpenSSL 3.0 SSL: read for a read, write for a write. */
static __always_inline __u64 ossl30_bio(const struct tls_call *call)
{
	__u64 bio = 0;

	if (call->layout != ENF_TLS_LAYOUT_OSSL30 ||
	    bpf_probe_read_user(
		    &bio, sizeof(bio),
		    (void *)(call->session + (call->direction == ENF_TLS_READ ?
						      OSSL30_SSL_RBIO :
						      OSSL30_SSL_WBIO))))
		return 0;
	return bio;
}

/* Whether OpenSSL 3.0's BIO @bio is a socket BIO; false when unreadable. */
static __always_inline bool ossl30_bio_is_socket(__u64 bio)
{
	__u64 method = 0;
	int type = 0;

	return !bpf_probe_read_user(&method, sizeof(method),
				    (void *)(bio + OSSL30_BIO_METHOD)) &&
	       method &&
	       !bpf_probe_read_user(&type, sizeof(type), (void *)method) &&
	       type == OSSL_BIO_TYPE_SOCKET;
}

/*
 * The IP socket of @call's session read from the session object, where
 * the library's layout is known: OpenSSL 3.0's read BIO for a read, its
 * write BIO for a write, when that is a socket BIO (not a custom BIO such
 * as curl's, nor a memory BIO) whose fd is an IP socket; else NULL. Its
 * file and fd in @filep and @fdp. For a call that does no socket I/O of
 * its own (an SSL_read answered from bytes read ahead in the handshake)
 * on a session whose socket is not known yet.
 */
static __always_inline struct sock *
session_bio_sock(const struct tls_call *call, struct file **filep, int *fdp)
{
	__u64 bio = ossl30_bio(call);
	struct sock *sk;
	int fd = -1;

	if (!bio || !ossl30_bio_is_socket(bio) ||
	    bpf_probe_read_user(&fd, sizeof(fd),
				(void *)(bio + OSSL30_BIO_NUM)))
		return NULL;
	sk = fd_sock_file(fd, filep);
	if (!sk || !sk_is_inet(sk))
		return NULL;
	*fdp = fd;
	return sk;
}

/*
 * Whether the socket cached in @s may still be @call's, as far as the
 * session object tells (ENF_TLS_LAYOUT_OSSL30; other layouts: true). A
 * library may reuse a session object for a new connection while the old
 * one's fd is still open (nginx frees an HTTP/2 connection's SSL before
 * its lingering close): then the cache is valid by its fd, and only the
 * object's BIO, now a socket BIO over another fd, says it is not. A BIO
 * that is no socket BIO (curl's) says nothing: true.
 */
static __always_inline bool session_bio_agrees(const struct tls_call *call,
					       struct tls_session *s)
{
	__u64 bio = ossl30_bio(call);
	int fd = -1;

	if (!bio)
		return true;
	if (bio != s->bio) {
		/* another BIO object: what it is is read once */
		s->bio = bio;
		s->bio_fd = -1;
		if (!ossl30_bio_is_socket(bio))
			return true;
	} else if (s->bio_fd < 0) {
		return true;
	}
	if (bpf_probe_read_user(&fd, sizeof(fd),
				(void *)(bio + OSSL30_BIO_NUM)))
		return true;
	s->bio_fd = fd;
	return fd == s->fd;
}

/* Where the socket of a call was found. */
enum call_sock {
	CALL_SOCK_INET, /* seen in the call */
	CALL_SOCK_CACHED, /* from the session cache */
	CALL_SOCK_BIO, /* from the session object (session_bio_sock()) */
	CALL_SOCK_NONE, /* none: captured, uncorrelated */
	CALL_SOCK_OTHER, /* a non-IP socket: skipped */
};

/*
 * Find the socket of @call: an IP socket seen in the call, else the
 * session's cached IP socket while its fd still holds it, else a non-IP
 * socket seen in the call or cached (the call is skipped), else none.
 */
static __always_inline enum call_sock call_socket(const struct tls_call *call,
						  struct tls_session *s,
						  struct sock **skp, int *fdp)
{
	struct file *file;
	struct sock *sk;

	/* note_sock() found it an IP socket, in the syscall that used it
	 * (its fd may be unknown: -1) */
	if (call->sk) {
		sk = (struct sock *)call->sk;
		session_set_sock(s, sk, (struct file *)call->file, call->fd,
				 TLS_SOCK_INET);
		*skp = sk;
		*fdp = call->fd;
		return CALL_SOCK_INET;
	}
	if (session_sock_valid(s, TLS_SOCK_INET) &&
	    session_bio_agrees(call, s)) {
		*skp = (struct sock *)s->sk;
		*fdp = s->fd;
		return CALL_SOCK_CACHED;
	}
	if (call->other_fd >= 0) {
		sk = fd_sock_file(call->other_fd, &file);
		if (sk && !sk_is_inet(sk)) {
			session_set_sock(s, sk, file, call->other_fd,
					 TLS_SOCK_OTHER);
			return CALL_SOCK_OTHER;
		}
	}
	if (session_sock_valid(s, TLS_SOCK_OTHER))
		return CALL_SOCK_OTHER;
	sk = session_bio_sock(call, &file, fdp);
	if (sk) {
		session_set_sock(s, sk, file, *fdp, TLS_SOCK_INET);
		*skp = sk;
		return CALL_SOCK_BIO;
	}
	if (s->sk) {
		/* the socket it had is gone (its fd closed, or holding
		 * another): the object serves a new connection this call
		 * did not show. Its streams start again at 0 with no flow
		 * (the consumer starts over too), rather than go on under
		 * the old connection's. */
		__builtin_memset(s, 0, sizeof(*s));
		s->fd = -1;
		s->bio_fd = -1;
	}
	return CALL_SOCK_NONE;
}

/* With a port filter, the local or the peer port must be in the map. */
static __always_inline bool ports_in_scope(const struct enf_tuple *t)
{
	__u16 port = bpf_ntohs(t->dport);

	if (bpf_map_lookup_elem(&tls_filter_ports, &port))
		return true;
	port = bpf_ntohs(t->sport);
	return bpf_map_lookup_elem(&tls_filter_ports, &port) != NULL;
}

/*
 * What every record of one call shares, and where the next chunk comes
 * from: the call's buffer, or for PR_Writev its buffers one after the
 * other (a record never spans two).
 */
struct emit_ctx {
	__u64 cur; /* where the next bytes are read */
	__u64 iov; /* the PRIOVec array, 0 for a plain buffer */
	__u32 left; /* bytes left at @cur in the current buffer */
	__u32 done; /* bytes of the call emitted (or skipped) so far */
	__u32 carry; /* bytes of the call carried: min(len, cap) */
	__u32 iov_idx; /* next PRIOVec to take */
	__u32 iovcnt;
	__u32 pad;
	struct enf_tls_event hdr; /* last: its data[] is empty */
};

/* NSPR's PRIOVec: { char *iov_base; int iov_len; } */
struct nspr_iovec {
	__u64 base;
	__s32 len;
	__u32 pad;
};

/*
 * How a record committed now wakes the consumer (struct enf_tls_wake):
 * not at all while it polls on its own; once it may sleep, by the ring's
 * rule when the ring is otherwise empty, and in any case when records wait
 * (records left by the polling consumer must not hold back the wakeup).
 */
static __always_inline __u64 wake_flags(__u64 own, __u64 now)
{
	struct enf_tls_wake *w;
	__u32 zero = 0;

	w = bpf_map_lookup_elem(&tls_wake, &zero);
	if (!w || !w->poll_until_ns)
		return 0;
	/* @now: the call's time for its first record, read just before;
	 * later records of a long call read the clock again */
	if (!now)
		now = bpf_ktime_get_ns();
	if (now + ENF_TLS_WAKE_MARGIN_NS < w->poll_until_ns)
		return BPF_RB_NO_WAKEUP;
	/* @own: this record's room (header included), still uncommitted */
	if (bpf_ringbuf_query(&tls_events, BPF_RB_AVAIL_DATA) > own)
		return BPF_RB_FORCE_WAKEUP;
	return 0;
}

/*
 * Put one record of @size data bytes (a size class) on tls_events with
 * @n <= @size bytes of the call from @off. Inlined with a constant @size,
 * so the reservation has the constant size the verifier asks for.
 */
static __always_inline void emit_record(struct emit_ctx *c, __u32 off, __u64 n,
					__u32 flags, const __u32 size)
{
	__u64 src = c->cur;
	struct enf_tls_event *e;

	e = bpf_ringbuf_reserve(&tls_events, EV_HDR + size, 0);
	if (!e) {
		stat_inc(ENF_TLS_STAT_LOST);
		return;
	}
	__builtin_memcpy(e, &c->hdr, sizeof(*e));
	e->offset = off;
	e->seq = c->hdr.seq + off;
	/* n is 64 bits wide so that clang 14 bounds-checks the register it
	 * passes, not a zero-extended copy */
	barrier_var(n);
	if (n > size)
		n = size;
	if (bpf_probe_read_user(e->data, n, (void *)src)) {
		n = 0;
		flags |= ENF_TLS_F_READ_FAULT;
		stat_inc(ENF_TLS_STAT_READ_FAULT);
	}
	e->data_len = n;
	e->flags = flags;
	if (flags & ENF_TLS_F_NO_SOCKET)
		stat_inc(ENF_TLS_STAT_NO_SOCKET);
	bpf_ringbuf_submit(
		e, wake_flags((EV_HDR + size + BPF_RINGBUF_HDR_SZ + 7) & ~7ull,
			      off ? 0 : c->hdr.ts_ns));
	stat_inc(ENF_TLS_STAT_EVENTS);
}

/*
 * bpf_loop callback: the next record of the call, in the smallest class
 * that holds it; with PR_Writev, first the next buffer when the current
 * one is done (an empty buffer takes an iteration of its own).
 */
static long emit_chunk(__u32 i, void *data)
{
	struct emit_ctx *c = data;
	__u32 n, flags = c->hdr.flags;

	if (c->done >= c->carry)
		return 1;
	if (!c->left) {
		struct nspr_iovec v;

		if (!c->iov || c->iov_idx >= c->iovcnt ||
		    c->iov_idx >= NSS_MAX_IOV ||
		    bpf_probe_read_user(
			    &v, sizeof(v),
			    (void *)(c->iov + c->iov_idx * sizeof(v))))
			return 1;
		c->iov_idx++;
		c->cur = v.base;
		c->left = v.len > 0 ? v.len : 0;
		if (!c->left)
			return 0;
	}
	n = c->carry - c->done;
	if (n > ENF_TLS_CHUNK)
		n = ENF_TLS_CHUNK;
	if (n > c->left)
		n = c->left;
	if (c->done + n < c->carry)
		flags |= ENF_TLS_F_MORE;
	if (n <= ENF_TLS_TINY)
		emit_record(c, c->done, n, flags, ENF_TLS_TINY);
	else if (n <= ENF_TLS_SMALL)
		emit_record(c, c->done, n, flags, ENF_TLS_SMALL);
	else if (n <= ENF_TLS_MEDIUM)
		emit_record(c, c->done, n, flags, ENF_TLS_MEDIUM);
	else
		emit_record(c, c->done, n, flags, ENF_TLS_CHUNK);
	c->cur += n;
	c->left -= n;
	c->done += n;
	return 0;
}

/*
 * Emit @len bytes of @call on session @s, over @sk (as @fd), or with no
 * socket when @sk is NULL; @flags are added to every record's.
 */
static __always_inline void emit_call(const struct tls_call *call,
				      struct tls_session *s, __u64 len,
				      struct sock *sk, int fd, __u32 flags)
{
	struct enf_tls_config *cfg = tls_cfg();
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred;
	__u32 cap, filters = 0, nrec;
	struct emit_ctx ctx, *c = &ctx;

	if (len == 0)
		return;
	if (len > 0xffffffffULL)
		len = 0xffffffffULL;
	__builtin_memset(&c->hdr, 0, sizeof(c->hdr));
	c->hdr.fd = fd;
	c->hdr.flags = flags;
	if (sk && (__u64)sk == s->sk && s->kind == TLS_SOCK_INET) {
		/* read when the session took the socket; the cookie is
		 * given on first use (sock_ops gives it at connect) */
		c->hdr.tuple = s->tuple;
		if (!s->cookie)
			s->cookie = BPF_CORE_READ(
				sk, __sk_common.skc_cookie.counter);
		c->hdr.sock_cookie = s->cookie;
	} else if (sk) {
		sk_tuple(sk, &c->hdr.tuple);
		c->hdr.sock_cookie =
			BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	} else {
		c->hdr.flags |= ENF_TLS_F_NO_SOCKET;
	}

	cap = ENF_TLS_CALL_CAP_DEFAULT;
	if (cfg) {
		filters = cfg->filters;
		if (cfg->call_cap >= ENF_TLS_CALL_CAP_MIN &&
		    cfg->call_cap <= ENF_TLS_CALL_CAP_MAX)
			cap = cfg->call_cap;
	}
	if ((filters & ENF_TLS_FILTER_PORTS) &&
	    (!sk || !ports_in_scope(&c->hdr.tuple))) {
		stat_inc(ENF_TLS_STAT_FILTERED);
		return;
	}
	if (flags & ENF_TLS_F_FD_CACHED)
		stat_inc(ENF_TLS_STAT_FD_CACHED);

	c->hdr.ts_ns = bpf_ktime_get_ns();
	c->hdr.session = call->session;
	/* the whole call's room in the stream, cut or not, so a consumer
	 * sees the bytes it did not get as a gap */
	c->hdr.seq = __sync_fetch_and_add(&s->seq[call->direction & 1], len);
	/*
	 * Who, read from the task by plain loads through its BTF pointer,
	 * what bpf_get_current_{pid_tgid,uid_gid,cgroup_id,comm}() return,
	 * without four helper calls an event: ids as the init namespaces see
	 * them, the cgroup v2 id of the task's cgroup.
	 */
	c->hdr.pid = task->pid;
	c->hdr.tgid = task->tgid;
	cred = task->cred;
	if (cred) {
		c->hdr.uid = cred->uid.val;
		c->hdr.gid = cred->gid.val;
	}
	c->hdr.cgroup_id = task->cgroups->dfl_cgrp->kn->id;
	__builtin_memcpy(c->hdr.comm, task->comm, sizeof(c->hdr.comm));
	c->hdr.len = len;
	c->hdr.direction = call->direction;
	c->hdr.lib = call->lib;
	c->carry = len;
	if (len > cap) {
		c->carry = cap;
		c->hdr.flags |= ENF_TLS_F_TRUNCATED;
		stat_inc(ENF_TLS_STAT_TRUNCATED);
	}
	c->done = 0;
	c->iov_idx = 0;
	c->iovcnt = call->iovcnt;
	nrec = (c->carry + ENF_TLS_CHUNK - 1) / ENF_TLS_CHUNK;
	if (call->iovcnt) {
		/* each buffer may start a record, or be empty */
		c->iov = call->buf;
		c->cur = 0;
		c->left = 0;
		nrec += call->iovcnt;
	} else {
		c->iov = 0;
		c->cur = call->buf;
		c->left = c->carry;
	}
	/* most calls fit one record: no loop helper and callback for them */
	if (nrec == 1)
		emit_chunk(0, c);
	else
		bpf_loop(nrec, emit_chunk, c, 0);
}

/* A call of @call returned @len bytes: find its flow and emit it. */
static __always_inline void call_done(const struct tls_call *call, __u64 len)
{
	struct tls_session_key key = { .session = call->session };
	struct sock *sk = NULL;
	struct tls_session *s;
	enum call_sock how;
	int fd = -1;

	if (len == 0)
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	s = session_get(&key);
	if (!s) {
		stat_inc(ENF_TLS_STAT_CALLS_FULL);
		return;
	}
	how = call_socket(call, s, &sk, &fd);
	if (how == CALL_SOCK_OTHER) {
		stat_inc(ENF_TLS_STAT_NOT_INET);
		return;
	}
	emit_call(call, s, len, sk, fd,
		  how == CALL_SOCK_CACHED ? ENF_TLS_F_FD_CACHED :
		  how == CALL_SOCK_BIO	  ? ENF_TLS_F_FD_BIO :
					    0);
}

/*
 * Writes probed at entry alone (enf_tls_opts.write_entry_only): the
 * plaintext is in the buffer at entry, and the length is the count asked
 * for, which OpenSSL and wolfSSL send whole, or not at all until retried.
 * What has to be told apart from a new write without the return:
 *   - a retry: the write failed (WANT_WRITE: its send on the socket would
 *     block, or was interrupted) and is made again with the same count
 *     (OpenSSL may allow a moved buffer). The sys_exit tracepoints of the
 *     write-family syscalls mark the session when a send of a write in
 *     progress on its IP socket ends in EAGAIN or an interruption, and
 *     only then is the same count a retry;
 *   - the rest of a partial write (SSL_MODE_ENABLE_PARTIAL_WRITE returns
 *     after each record, blocking or not), sent again from where it
 *     stopped: it ends where the emitted write ended and starts later.
 * Counting the bytes the socket queued (tcp write_seq) cannot tell these:
 * a record's header and tag vary with the cipher, so a write stopped in
 * its last record's overhead looks complete.
 */
static __always_inline bool write_repeats(const struct tls_session *s,
					  __u64 buf, __u64 count)
{
	__u64 end = s->last_buf + s->last_count;

	if (!s->last_count)
		return false;
	if (count == s->last_count && s->failed)
		return true;
	return buf > s->last_buf && buf + count == end;
}

/*
 * Judge a write probed at entry alone, emit it unless it repeats the last
 * one, and watch its sends (the thread's entry in tls_calls says SENDING).
 */
static __always_inline void write_emit(struct tls_call *slot,
				       struct tls_call *call,
				       struct tls_session *s, struct sock *sk,
				       int fd, __u32 flags)
{
	bool repeat = write_repeats(s, call->buf, call->count);

	s->failed = 0;
	call->pending = CALL_WRITE_SENDING;
	call_fill(slot, call);
	if (repeat) {
		stat_inc(ENF_TLS_STAT_WRITE_RETRY);
		return;
	}
	s->last_buf = call->buf;
	s->last_count = call->count;
	emit_call(call, s, call->count, sk, fd, flags);
}

/*
 * The entry of a write probed alone: kept waiting for its first send, and
 * emitted there (note_sock()), with the socket that send goes out on;
 * given up at the thread's next TLS call when none came (a memory BIO).
 * Nothing is looked up or read here: the socket cache of the session
 * would have to be checked against the session object's BIO (a library
 * may reuse the object for another connection while the old fd is open),
 * two user-memory reads a write; the send tells the socket for certain.
 */
static __always_inline int write_entry(__u64 session, __u64 buf, __u64 count,
				       __u64 cookie)
{
	struct enf_tls_config *cfg = tls_cfg();
	struct tls_call call = {
		.session = session,
		.buf = buf,
		.fd = -1,
		.other_fd = -1,
		.direction = ENF_TLS_WRITE,
		.lib = cookie & 0xff,
		.layout = (cookie >> 16) & 0xff,
		.pending = CALL_WRITE_WAITING,
		.count = count,
	};
	struct tls_call *slot = call_begin();

	if (!count)
		return 0;
	if (cfg && cfg->filters && !task_in_scope(cfg->filters)) {
		stat_inc(ENF_TLS_STAT_FILTERED);
		return 0;
	}
	call_fill(slot, &call);
	return 0;
}

/* The thread's call, taken out of tls_calls; false when there is none. */
static __always_inline bool call_take(struct tls_call *call)
{
	struct tls_call *p;

	p = call_cur();
	/* a write probed at entry alone has no return probe */
	if (!p || p->pending != CALL_RETURNS)
		return false;
	*call = *p;
	p->live = 0;
	return true;
}

/*
 * OpenSSL 1.1 and 3, and BoringSSL (the cookie tells which):
 * int SSL_read(SSL *, void *, int), int SSL_write(SSL *, const void *, int),
 * int SSL_read_ex(SSL *, void *, size_t, size_t *), SSL_write_ex likewise.
 */
SEC("uprobe")
int BPF_KPROBE(tls_openssl_read, void *ssl, void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_READ,
			  cookie_of(ctx));
}

SEC("uprobe")
int BPF_KPROBE(tls_openssl_write, void *ssl, const void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_WRITE,
			  cookie_of(ctx));
}

SEC("uprobe")
int BPF_KPROBE(tls_openssl_read_ex, void *ssl, void *buf, __u64 num,
	       __u64 *readbytes)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)readbytes,
			  ENF_TLS_READ, cookie_of(ctx));
}

SEC("uprobe")
int BPF_KPROBE(tls_openssl_write_ex, void *ssl, const void *buf, __u64 num,
	       __u64 *written)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)written, ENF_TLS_WRITE,
			  cookie_of(ctx));
}

/* The write forms probed at entry alone, when the loader is told to. */
SEC("uprobe")
int BPF_KPROBE(tls_openssl_write_e, void *ssl, const void *buf, int num)
{
	return write_entry((__u64)ssl, (__u64)buf, num > 0 ? num : 0,
			   cookie_of(ctx));
}

SEC("uprobe")
int BPF_KPROBE(tls_openssl_write_ex_e, void *ssl, const void *buf, __u64 num,
	       __u64 *written)
{
	return write_entry((__u64)ssl, (__u64)buf, num, cookie_of(ctx));
}

/*
 * @ret is int, as the functions declare it: libssl returns -1 with
 * "mov $0xffffffff, %eax", which leaves the upper half of rax zero, so read
 * as a long a failure (WANT_READ on every idle non-blocking socket) would
 * look like a 4 GiB success.
 */
SEC("uretprobe")
int BPF_KRETPROBE(tls_openssl_ret, int ret)
{
	struct tls_call call;
	__u64 len = 0;

	if (!call_take(&call))
		return 0;
	if (call.nbytes) {
		/* the _ex forms: 1 on success, the count through a pointer */
		if (ret != 1 ||
		    bpf_probe_read_user(&len, sizeof(len), (void *)call.nbytes))
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		len = ret;
	}
	call_done(&call, len);
	return 0;
}

/*
 * GnuTLS: ssize_t gnutls_record_recv(gnutls_session_t, void *, size_t),
 * ssize_t gnutls_record_send(gnutls_session_t, const void *, size_t).
 */
SEC("uprobe")
int BPF_KPROBE(tls_gnutls_recv, void *session, void *buf, __u64 size)
{
	return call_enter((__u64)session, (__u64)buf, 0, ENF_TLS_READ,
			  ENF_TLS_LIB_GNUTLS);
}

SEC("uprobe")
int BPF_KPROBE(tls_gnutls_send, void *session, const void *buf, __u64 size)
{
	return call_enter((__u64)session, (__u64)buf, 0, ENF_TLS_WRITE,
			  ENF_TLS_LIB_GNUTLS);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_gnutls_ret, long ret)
{
	struct tls_call call;

	if (!call_take(&call) || ret <= 0)
		return 0;
	call_done(&call, ret);
	return 0;
}

/*
 * NSS, through NSPR: PRInt32 PR_Read(PRFileDesc *, void *, PRInt32),
 * PR_Write likewise, PR_Recv(PRFileDesc *, void *, PRInt32, PRIntn flags,
 * PRIntervalTime), PR_Send likewise. They serve every NSPR descriptor
 * (files, pipes, stdin), so a call counts only when the descriptor is an
 * SSL socket: one of its top layers has NSS's SSL I/O methods, whose read
 * function lies in a file mapping of one of the libssl3.so files the
 * loader listed in tls_nss_files (by inode). Plaintext flows through
 * every layer above SSL's, so any of the top NSS_MAX_LAYERS will do.
 */

/* NSPR's ABI (prio.h): the start of PRFileDesc and of PRIOMethods. */
struct nspr_file_desc {
	__u64 methods;
	__u64 secret;
	__u64 lower;
	__u64 higher;
};

struct nspr_io_methods {
	__u32 file_type;
	__u32 pad;
	__u64 close;
	__u64 read;
};

struct nss_vma_ctx {
	bool found;
};

static long nss_vma_cb(struct task_struct *task, struct vm_area_struct *vma,
		       void *data)
{
	struct nss_vma_ctx *c = data;
	__u64 ino = BPF_CORE_READ(vma, vm_file, f_inode, i_ino);

	if (ino && bpf_map_lookup_elem(&tls_nss_files, &ino))
		c->found = true;
	return 0;
}

static __always_inline bool nss_is_ssl(__u64 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct nspr_file_desc desc;
	struct nss_vma_ctx c;
	__u64 read_fn;

	for (int i = 0; i < NSS_MAX_LAYERS; i++) {
		if (!fd || bpf_probe_read_user(&desc, sizeof(desc), (void *)fd))
			return false;
		if (!desc.methods ||
		    bpf_probe_read_user(
			    &read_fn, sizeof(read_fn),
			    (void *)(desc.methods +
				     __builtin_offsetof(struct nspr_io_methods,
							read))))
			return false;
		c.found = false;
		if (read_fn &&
		    !bpf_find_vma(task, read_fn, nss_vma_cb, &c, 0) && c.found)
			return true;
		fd = desc.lower;
	}
	return false;
}

static __always_inline int nss_enter(__u64 fd, __u64 buf, __u8 direction,
				     __u8 iovcnt)
{
	if (!nss_is_ssl(fd)) {
		/* not ours: a stale entry must not take this return */
		call_clear();
		stat_inc(ENF_TLS_STAT_NSS_NOT_SSL);
		return 0;
	}
	return call_enter_iov(fd, buf, 0, direction, ENF_TLS_LIB_NSS, iovcnt);
}

SEC("uprobe")
int BPF_KPROBE(tls_nss_read, void *fd, void *buf, int amount)
{
	return nss_enter((__u64)fd, (__u64)buf, ENF_TLS_READ, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_nss_write, void *fd, const void *buf, int amount)
{
	return nss_enter((__u64)fd, (__u64)buf, ENF_TLS_WRITE, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_nss_recv, void *fd, void *buf, int amount, int flags)
{
	return nss_enter((__u64)fd, (__u64)buf, ENF_TLS_READ, 0);
}

SEC("uprobe")
int BPF_KPROBE(tls_nss_send, void *fd, const void *buf, int amount, int flags)
{
	return nss_enter((__u64)fd, (__u64)buf, ENF_TLS_WRITE, 0);
}

/*
 * PRInt32 PR_Writev(PRFileDesc *, const PRIOVec *, PRInt32 iov_size,
 * PRIntervalTime): the plaintext is in up to 16 buffers.
 */
SEC("uprobe")
int BPF_KPROBE(tls_nss_writev, void *fd, const void *iov, int iov_size)
{
	if (iov_size <= 0 || iov_size > NSS_MAX_IOV) {
		/* a call that fails at once: no stale entry takes it */
		call_clear();
		return 0;
	}
	return nss_enter((__u64)fd, (__u64)iov, ENF_TLS_WRITE, iov_size);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_nss_ret, int ret)
{
	struct tls_call call;

	if (!call_take(&call) || ret <= 0)
		return 0;
	call_done(&call, ret);
	return 0;
}

/*
 * wolfSSL: int wolfSSL_read(WOLFSSL *, void *, int),
 * int wolfSSL_write(WOLFSSL *, const void *, int).
 */
SEC("uprobe")
int BPF_KPROBE(tls_wolfssl_read, void *ssl, void *buf, int sz)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_READ,
			  ENF_TLS_LIB_WOLFSSL);
}

SEC("uprobe")
int BPF_KPROBE(tls_wolfssl_write, void *ssl, const void *buf, int sz)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_WRITE,
			  ENF_TLS_LIB_WOLFSSL);
}

SEC("uprobe")
int BPF_KPROBE(tls_wolfssl_write_e, void *ssl, const void *buf, int sz)
{
	return write_entry((__u64)ssl, (__u64)buf, sz > 0 ? sz : 0,
			   ENF_TLS_LIB_WOLFSSL);
}

SEC("uretprobe")
int BPF_KRETPROBE(tls_wolfssl_ret, int ret)
{
	struct tls_call call;

	if (!call_take(&call) || ret <= 0)
		return 0;
	call_done(&call, ret);
	return 0;
}

/* How a syscall's second argument holds the bytes it sends. */
enum sys_buf {
	SYS_IN, /* a read-family syscall: nothing sent */
	SYS_BUF, /* write, sendto: the buffer */
	SYS_IOV, /* writev: a struct iovec array */
	SYS_MSG, /* sendmsg: a struct user_msghdr */
	SYS_SEND, /* another send: its bytes are not known */
};

/* Whether the bytes a write-family syscall sends begin a TLS record. */
static __always_inline bool sends_tls_record(__u64 arg, enum sys_buf how)
{
	__u8 b[2];

	if (how == SYS_MSG &&
	    bpf_probe_read_user(
		    &arg, sizeof(arg),
		    (void *)(arg +
			     __builtin_offsetof(struct user_msghdr, msg_iov))))
		return false;
	if ((how == SYS_IOV || how == SYS_MSG) &&
	    bpf_probe_read_user(&arg, sizeof(arg), (void *)arg))
		return false;
	if (how == SYS_SEND || bpf_probe_read_user(b, sizeof(b), (void *)arg))
		return false;
	/* content type 20..24 (change_cipher_spec..heartbeat), version 3.x */
	return b[0] >= 20 && b[0] <= 24 && b[1] == 3;
}

/*
 * Note in @call that the thread used the socket @sk (an IP socket when
 * @inet), open as @fd (-1 when not known) in @file, through a syscall
 * whose second argument @arg holds what it sends (@how): IP sockets and
 * others apart, since a call may also write a log, a key log file or to
 * syslog's Unix socket, and only an IP socket names the flow.
 *
 * A write probed at entry alone that waits for its socket is emitted at
 * its first send on the IP socket its session already runs over, or else
 * at its first send of a TLS record on an IP socket (a new session, or a
 * session object reused for another connection); one that sends a TLS
 * record on another kind of socket is counted not_inet and not emitted.
 */
static __always_inline void note_sock(struct tls_call *call, struct sock *sk,
				      bool inet, struct file *file, long fd,
				      __u64 arg, enum sys_buf how)
{
	struct tls_session_key key = {};
	struct tls_session *s;
	struct tls_call c;

	if (!inet) {
		if (fd >= 0)
			call->other_fd = fd;
		if (call->pending == CALL_WRITE_WAITING && how != SYS_IN &&
		    sends_tls_record(arg, how)) {
			call->pending = CALL_WRITE_SENDING;
			stat_inc(ENF_TLS_STAT_NOT_INET);
		}
		return;
	}
	call->fd = fd;
	call->sk = (__u64)sk;
	call->file = (__u64)file;
	call->last_inet = 1;
	if (call->pending != CALL_WRITE_WAITING || how == SYS_IN)
		return;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.session = call->session;
	s = bpf_map_lookup_elem(&tls_sessions, &key);
	if (!s || s->kind != TLS_SOCK_INET || s->sk != (__u64)sk) {
		if (!sends_tls_record(arg, how))
			return;
		s = s ? s : session_get(&key);
		if (!s) {
			stat_inc(ENF_TLS_STAT_CALLS_FULL);
			return;
		}
	}
	session_set_sock(s, sk, file, fd, TLS_SOCK_INET);
	c = *call;
	write_emit(call, &c, s, sk, fd, 0);
}

/*
 * Note @fd in the thread's call, if the thread is inside a TLS call and
 * @fd is a socket (the syscall tracepoints, before the syscall runs).
 */
static __always_inline void note_fd(long fd, __u64 arg, enum sys_buf how)
{
	struct tls_call *call;
	struct file *file;
	struct sock *sk;

	call = call_cur();
	if (!call)
		return;
	if (call->pending)
		call->last_inet = 0;
	if (fd < 0 || fd > 0x7fffffff)
		return;
	/* the IP socket the call already uses (a write waiting for its
	 * socket still looks at what this syscall sends) */
	if (call->fd == fd && call->pending != CALL_WRITE_WAITING) {
		call->last_inet = 1;
		return;
	}
	if (call->pending == CALL_RETURNS && call->other_fd == fd)
		return;
	sk = fd_sock_file(fd, &file);
	if (sk)
		note_sock(call, sk, sk_is_inet(sk), file, fd, arg, how);
}

/* Whether a send that returned @ret will be made again: it would block. */
static __always_inline bool send_retried(long ret)
{
	/* EAGAIN, EINTR, and ERESTARTSYS and its kin (-512..-516) */
	return ret == -11 || ret == -4 || (ret <= -512 && ret >= -516);
}

/* A send of the write probed at entry alone in @call will be retried. */
static __always_inline void mark_retried(const struct tls_call *call)
{
	struct tls_session_key key = {};
	struct tls_session *s;

	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.session = call->session;
	s = bpf_map_lookup_elem(&tls_sessions, &key);
	if (s)
		s->failed = 1;
}

/*
 * The end of a write-family syscall: when it was a send on the IP socket
 * of a write probed at entry alone and would have blocked (or was
 * interrupted), the write will be retried: mark its session.
 */
static __always_inline void note_send_end(long ret)
{
	struct tls_call *call;

	if (!send_retried(ret))
		return;
	call = call_cur();
	if (call && call->pending == CALL_WRITE_SENDING && call->last_inet)
		mark_retried(call);
}

#define TLS_SYSCALL_TP(name, how)                                 \
	SEC("tracepoint/syscalls/sys_enter_" #name)               \
	int tls_sys_##name(struct trace_event_raw_sys_enter *ctx) \
	{                                                         \
		note_fd(ctx->args[0], ctx->args[1], how);         \
		return 0;                                         \
	}

TLS_SYSCALL_TP(read, SYS_IN)
TLS_SYSCALL_TP(write, SYS_BUF)
TLS_SYSCALL_TP(readv, SYS_IN)
TLS_SYSCALL_TP(writev, SYS_IOV)
TLS_SYSCALL_TP(recvfrom, SYS_IN)
TLS_SYSCALL_TP(sendto, SYS_BUF)
TLS_SYSCALL_TP(recvmsg, SYS_IN)
TLS_SYSCALL_TP(sendmsg, SYS_MSG)

/* Only with writes probed at entry alone: the ends of the sends. */
#define TLS_SYSCALL_EXIT_TP(name)                                     \
	SEC("tracepoint/syscalls/sys_exit_" #name)                    \
	int tls_sys_exit_##name(struct trace_event_raw_sys_exit *ctx) \
	{                                                             \
		note_send_end(ctx->ret);                              \
		return 0;                                             \
	}

TLS_SYSCALL_EXIT_TP(write)
TLS_SYSCALL_EXIT_TP(writev)
TLS_SYSCALL_EXIT_TP(sendto)
TLS_SYSCALL_EXIT_TP(sendmsg)

/*
 * Where the kernel has no socket tracepoints (below): one BTF raw
 * tracepoint on every syscall entry (and exit), filtered by number. Dearer
 * in runs than the syscall tracepoints above (every syscall of every
 * process runs it, about 12 a request under wrk), but each run is a direct
 * call with a switch on the number, where each of those is dispatched
 * through perf with its record built first: nginx served 11-29% more
 * requests a second with these in three paired runs. Either kind turns on
 * the slow path of every syscall of every task on the host (120 ns more
 * for a getppid() here, with the program returning at once). The
 * registers come as a BTF pointer: read with plain loads. The loader loads
 * one of the three ways, never two.
 */
#if defined(__TARGET_ARCH_x86)
#define NR_read 0
#define NR_write 1
#define NR_readv 19
#define NR_writev 20
#define NR_sendto 44
#define NR_recvfrom 45
#define NR_sendmsg 46
#define NR_recvmsg 47
#elif defined(__TARGET_ARCH_arm64)
#define NR_read 63
#define NR_write 64
#define NR_readv 65
#define NR_writev 66
#define NR_sendto 206
#define NR_recvfrom 207
#define NR_sendmsg 211
#define NR_recvmsg 212
#endif

#if defined(__TARGET_ARCH_x86)
#define SYS_ARG1(regs) ((regs)->di)
#define SYS_ARG2(regs) ((regs)->si)
#define SYS_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYS_ARG1(regs) ((regs)->orig_x0)
#define SYS_ARG2(regs) ((regs)->regs[1])
#define SYS_NR(regs) ((regs)->syscallno)
#endif

#ifdef NR_read
SEC("tp_btf/sys_enter")
int BPF_PROG(tls_sys_enter, struct pt_regs *regs, long nr)
{
	switch (nr) {
	case NR_read:
	case NR_readv:
	case NR_recvfrom:
	case NR_recvmsg:
		note_fd(SYS_ARG1(regs), 0, SYS_IN);
		break;
	case NR_write:
	case NR_sendto:
		note_fd(SYS_ARG1(regs), SYS_ARG2(regs), SYS_BUF);
		break;
	case NR_writev:
		note_fd(SYS_ARG1(regs), SYS_ARG2(regs), SYS_IOV);
		break;
	case NR_sendmsg:
		note_fd(SYS_ARG1(regs), SYS_ARG2(regs), SYS_MSG);
		break;
	default:
		break;
	}
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tls_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SYS_NR(regs);

	if (nr == NR_write || nr == NR_writev || nr == NR_sendto ||
	    nr == NR_sendmsg)
		note_send_end(ret);
	return 0;
}

/*
 * The default where the kernel has them (6.3 and later): the socket
 * layer's own tracepoints, run after each send and receive on a socket
 * (sock_sendmsg and sock_recvmsg, whatever the syscall) with its struct
 * sock and the result. Only socket I/O runs them, and no syscall takes a
 * slower path. The fd and, for a send, the bytes are the syscall's
 * arguments, read from the registers it saved at entry (bpf_task_pt_regs)
 * when it is one of the fd-first syscalls above; else the fd is not known
 * (-1) and a write waiting for its socket does not take this send.
 */
static __always_inline void note_sk(struct sock *sk, int ret, bool send)
{
	struct task_struct *task = bpf_get_current_task_btf();
	enum sys_buf how = SYS_IN;
	struct tls_call *call;
	struct pt_regs *regs;
	struct socket *so;
	__u64 arg = 0;
	long nr, fd = -1;
	__u16 family;

	call = bpf_task_storage_get(&tls_calls, task, NULL, 0);
	if (!call || !call->live)
		return;
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	nr = SYS_NR(regs);
	if (send) {
		switch (nr) {
		case NR_write:
		case NR_sendto:
			how = SYS_BUF;
			break;
		case NR_writev:
			how = SYS_IOV;
			break;
		case NR_sendmsg:
			how = SYS_MSG;
			break;
		default:
			/* sendmmsg, sendfile, io_uring...: a send on the
			 * session's own socket still counts */
			how = SYS_SEND;
			break;
		}
		if (how != SYS_SEND) {
			fd = (int)SYS_ARG1(regs);
			arg = SYS_ARG2(regs);
		}
	} else if (nr == NR_read || nr == NR_readv || nr == NR_recvfrom ||
		   nr == NR_recvmsg) {
		fd = (int)SYS_ARG1(regs);
	}
	/* a write emitted at entry keeps its socket: its sends are watched */
	if (call->pending != CALL_WRITE_SENDING &&
	    (call->sk != (__u64)sk || call->pending == CALL_WRITE_WAITING)) {
		/* a BTF pointer from the tracepoint: plain loads */
		family = sk->__sk_common.skc_family;
		so = sk->sk_socket;
		note_sock(call, sk, family == AF_INET || family == AF_INET6,
			  so ? so->file : NULL, fd, arg, how);
	}
	if (send && send_retried(ret) && call->pending == CALL_WRITE_SENDING &&
	    call->sk == (__u64)sk)
		mark_retried(call);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(tls_sock_send, struct sock *sk, int ret, int flags)
{
	note_sk(sk, ret, true);
	return 0;
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(tls_sock_recv, struct sock *sk, int ret, int flags)
{
	note_sk(sk, ret, false);
	return 0;
}
#endif

/*
 * Process starts and ends, for library discovery: BTF tracepoints, which
 * need no tracefs.
 */
static __always_inline void proc_event(struct task_struct *p, __u32 type)
{
	struct enf_proc_event *e;

	e = bpf_ringbuf_reserve(&proc_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(ENF_TLS_STAT_PROC_LOST);
		return;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->type = type;
	e->tgid = BPF_CORE_READ(p, tgid);
	e->ppid = type == ENF_PROC_EXEC ? BPF_CORE_READ(p, real_parent, tgid) :
					  0;
	e->uid = (__u32)bpf_get_current_uid_gid();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(tls_proc_exec, struct task_struct *p)
{
	proc_event(p, ENF_PROC_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(tls_proc_exit, struct task_struct *p)
{
	/* a thread that dies inside a TLS call never returns from it: its
	 * entry in tls_calls goes with its task storage */
	/* every thread passes here; the process ends with its last one
	 * (signal->live has dropped to 0 before the tracepoint) */
	if (BPF_CORE_READ(p, signal, live.counter) == 0)
		proc_event(p, ENF_PROC_EXIT);
	return 0;
}

/*
 * A socket's cookie is made on first demand: ask for one when a TCP
 * connection is established, so every connection made after the start has
 * one for the capture to read (skc_cookie).
 */
SEC("sockops")
int tls_sock_ops(struct bpf_sock_ops *skops)
{
	if (skops->op == BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB ||
	    skops->op == BPF_SOCK_OPS_PASSIVE_ESTABLISHED_CB)
		bpf_get_socket_cookie(skops);
	return 1;
}
