// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS plaintext capture: uprobes on OpenSSL's SSL_read/SSL_write (and their
 * _ex forms) copy the plaintext of every successful call to the tls_events
 * ring buffer, with the caller's identity and the TCP flow of its socket.
 *
 * The socket is found from the call itself, not from OpenSSL's internals:
 * while a thread is inside an SSL call, the read/write family of syscall
 * tracepoints records the socket fd the library (or the application's own
 * BIO) touches. A call served entirely from OpenSSL's record buffer makes no
 * syscall, so the last fd seen for each (process, SSL *) is cached.
 *
 * Every uprobe hit is expensive, so each SSL call costs exactly one entry
 * probe and one return probe; the syscall tracepoints fire for every process
 * and return after one hash lookup when the thread is not inside an SSL call.
 */
#include "bpf_common.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "enforcer/tls_event.h"

char LICENSE[] SEC("license") = "GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000

/* Threads inside an SSL call at once, and SSL objects whose fd is cached. */
#define TLS_MAX_CALLS 10240
#define TLS_MAX_FD_CACHE 16384

/* One SSL call in flight on a thread, from entry to return. */
struct tls_call {
	__u64 ssl;
	__u64 buf;
	__u64 nbytes; /* size_t * of the _ex forms, 0 for SSL_read/SSL_write */
	__s32 fd; /* last socket the thread read or wrote in the call, or -1 */
	__u8 direction;
	__u8 pad[3];
};

struct fd_cache_key {
	__u32 tgid;
	__u32 pad;
	__u64 ssl;
};

/*
 * LRU rather than plain HASH: a thread killed inside SSL_read never returns,
 * and its entry must not hold a slot forever.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLS_MAX_CALLS);
	__type(key, __u64);
	__type(value, struct tls_call);
} tls_calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, TLS_MAX_FD_CACHE);
	__type(key, struct fd_cache_key);
	__type(value, __s32);
} tls_fd_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ENF_TLS_RINGBUF_SIZE);
} tls_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ENF_TLS_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} tls_stats SEC(".maps");

static __always_inline void stat_inc(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&tls_stats, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline int call_enter(__u64 ssl, __u64 buf, __u64 nbytes,
				      __u8 direction)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call call = {
		.ssl = ssl,
		.buf = buf,
		.nbytes = nbytes,
		.fd = -1,
		.direction = direction,
	};

	/*
	 * Overwrite any entry the thread has: a stale one from a call that
	 * never returned, or the outer call of a library that implements one
	 * SSL function with another (the inner call then reports the bytes).
	 */
	if (bpf_map_update_elem(&tls_calls, &id, &call, BPF_ANY))
		stat_inc(ENF_TLS_STAT_CALLS_FULL);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(tls_read_enter, void *ssl, void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_READ);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_enter, void *ssl, const void *buf, int num)
{
	return call_enter((__u64)ssl, (__u64)buf, 0, ENF_TLS_WRITE);
}

SEC("uprobe")
int BPF_KPROBE(tls_read_ex_enter, void *ssl, void *buf, __u64 num,
	       __u64 *readbytes)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)readbytes,
			  ENF_TLS_READ);
}

SEC("uprobe")
int BPF_KPROBE(tls_write_ex_enter, void *ssl, const void *buf, __u64 num,
	       __u64 *written)
{
	return call_enter((__u64)ssl, (__u64)buf, (__u64)written,
			  ENF_TLS_WRITE);
}

/* The file open as @fd in the current task, NULL if none. */
static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct file *file = NULL;
	struct fdtable *fdt;
	struct file **fds;

	if (fd < 0)
		return NULL;
	fdt = BPF_CORE_READ(task, files, fdt);
	if (!fdt || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]))
		return NULL;
	return file;
}

static __always_inline bool v4_mapped(const __u32 *a)
{
	return a[0] == 0 && a[1] == 0 && a[2] == bpf_htonl(0xffff);
}

/* The IPv4 or IPv6 socket open as @fd, or NULL (not AF_UNIX: /dev/log). */
static __always_inline struct sock *fd_inet_sock(int fd)
{
	struct file *file = fd_file(fd);
	struct socket *sock;
	struct sock *sk;
	__u16 family;

	if (!file ||
	    (BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return NULL;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	return family == AF_INET || family == AF_INET6 ? sk : NULL;
}

/*
 * Fill @t from the IPv4/IPv6 socket open as @fd, peer as source. Returns
 * false, with @t untouched, when @fd is not such a socket.
 */
static __always_inline bool fd_tuple(int fd, struct enf_tuple *t)
{
	struct sock *sk = fd_inet_sock(fd);
	struct sock_common *skc;
	__u32 peer[4], local[4];
	__u16 family, proto;

	if (!sk)
		return false;
	skc = &sk->__sk_common;
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
	} else if (family == AF_INET) {
		peer[0] = BPF_CORE_READ(skc, skc_daddr);
		local[0] = BPF_CORE_READ(skc, skc_rcv_saddr);
	} else {
		return false;
	}
	proto = BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol);

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
	t->proto = proto;
	t->family = family == AF_INET6 ? ENF_FAMILY_V6 : ENF_FAMILY_V4;
	return true;
}

/*
 * Find the flow of @call: the fd seen during the call if it is a socket
 * (then remembered for the SSL object), else the SSL object's cached fd.
 * Returns the fd used, -1 if none is known.
 */
static __always_inline int call_tuple(const struct tls_call *call, __u32 tgid,
				      struct enf_tuple *t, bool *found)
{
	struct fd_cache_key key = { .tgid = tgid, .ssl = call->ssl };
	__s32 fd = call->fd;
	__s32 *cached;

	if (fd >= 0 && fd_tuple(fd, t)) {
		bpf_map_update_elem(&tls_fd_cache, &key, &fd, BPF_ANY);
		*found = true;
		return fd;
	}
	cached = bpf_map_lookup_elem(&tls_fd_cache, &key);
	if (cached) {
		__s32 cfd = *cached;

		if (fd_tuple(cfd, t)) {
			stat_inc(ENF_TLS_STAT_FD_CACHED);
			*found = true;
			return cfd;
		}
	}
	*found = false;
	return fd;
}

/*
 * @ret is int, as the SSL functions declare it: libssl returns -1 with
 * "mov $0xffffffff, %eax", which leaves the upper half of rax zero, so read
 * as a long a failure (WANT_READ on every idle non-blocking socket) would
 * look like a 4 GiB success.
 */
SEC("uretprobe")
int BPF_KRETPROBE(tls_ret, int ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 uid_gid, len;
	struct enf_tls_event *e;
	struct tls_call *callp;
	struct tls_call call;
	bool found = false;
	__u64 n;

	callp = bpf_map_lookup_elem(&tls_calls, &id);
	if (!callp)
		return 0;
	call = *callp;
	bpf_map_delete_elem(&tls_calls, &id);

	if (call.nbytes) {
		/* SSL_read_ex/SSL_write_ex: 1 on success, count via pointer */
		if (ret != 1 ||
		    bpf_probe_read_user(&len, sizeof(len), (void *)call.nbytes))
			return 0;
	} else {
		if (ret <= 0)
			return 0;
		len = ret;
	}
	if (len == 0)
		return 0;
	if (len > 0xffffffffULL)
		len = 0xffffffffULL;

	e = bpf_ringbuf_reserve(&tls_events, sizeof(*e), 0);
	if (!e) {
		stat_inc(ENF_TLS_STAT_LOST);
		return 0;
	}

	e->ts_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	uid_gid = bpf_get_current_uid_gid();
	e->uid = (__u32)uid_gid;
	e->gid = uid_gid >> 32;
	e->len = len;
	e->flags = 0;
	e->direction = call.direction;
	e->lib = ENF_TLS_LIB_OPENSSL;
	__builtin_memset(e->pad, 0, sizeof(e->pad));
	bpf_get_current_comm(e->comm, sizeof(e->comm));

	e->fd = call_tuple(&call, e->tgid, &e->tuple, &found);
	if (!found) {
		__builtin_memset(&e->tuple, 0, sizeof(e->tuple));
		e->flags |= ENF_TLS_F_NO_SOCKET;
		stat_inc(ENF_TLS_STAT_NO_SOCKET);
	}

	n = len;
	if (n > ENF_TLS_MAX_DATA) {
		n = ENF_TLS_MAX_DATA;
		e->flags |= ENF_TLS_F_TRUNCATED;
		stat_inc(ENF_TLS_STAT_TRUNCATED);
	}
	/*
	 * n is 64 bits wide so that clang 14 bounds-checks the register it
	 * passes, not a zero-extended copy.
	 */
	barrier_var(n);
	if (n > ENF_TLS_MAX_DATA)
		n = ENF_TLS_MAX_DATA;
	if (bpf_probe_read_user(e->data, n, (void *)call.buf)) {
		n = 0;
		e->flags |= ENF_TLS_F_READ_FAULT;
		stat_inc(ENF_TLS_STAT_READ_FAULT);
	}
	e->data_len = n;

	bpf_ringbuf_submit(e, 0);
	stat_inc(ENF_TLS_STAT_EVENTS);
	return 0;
}

/*
 * Record @fd in the thread's call, if the thread is inside an SSL call and
 * @fd is an IP socket: a call may also write a log, a key log file or to
 * syslog's Unix socket.
 */
static __always_inline void note_fd(long fd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct tls_call *call;

	call = bpf_map_lookup_elem(&tls_calls, &id);
	if (!call || fd < 0 || fd > 0x7fffffff || call->fd == fd)
		return;
	if (fd_inet_sock(fd))
		call->fd = fd;
}

#define TLS_SYSCALL_TP(name)                                      \
	SEC("tracepoint/syscalls/sys_enter_" #name)               \
	int tls_sys_##name(struct trace_event_raw_sys_enter *ctx) \
	{                                                         \
		note_fd(ctx->args[0]);                            \
		return 0;                                         \
	}

TLS_SYSCALL_TP(read)
TLS_SYSCALL_TP(write)
TLS_SYSCALL_TP(readv)
TLS_SYSCALL_TP(writev)
TLS_SYSCALL_TP(recvfrom)
TLS_SYSCALL_TP(sendto)
TLS_SYSCALL_TP(recvmsg)
TLS_SYSCALL_TP(sendmsg)

/*
 * Fallback when tracefs cannot be mounted: one raw tracepoint on every
 * syscall entry, filtered by number. The loader loads either this or the
 * tracepoints above, never both.
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

#ifdef NR_read
SEC("raw_tracepoint/sys_enter")
int tls_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = ctx->args[1];

	switch (nr) {
	case NR_read:
	case NR_write:
	case NR_readv:
	case NR_writev:
	case NR_sendto:
	case NR_recvfrom:
	case NR_sendmsg:
	case NR_recvmsg:
		note_fd(PT_REGS_PARM1_CORE_SYSCALL(regs));
		break;
	default:
		break;
	}
	return 0;
}
#endif
