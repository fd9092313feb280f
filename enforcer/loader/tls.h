/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loader of bpf/tls_capture.bpf.c: loads the maps and the always-on
 * programs once (enf_tls_open), then attaches the uprobes of one TLS
 * library file at a time (enf_tls_attach), for every process that maps it
 * or for one process.
 *
 * enf_tls_open() loads the object with every uprobe program switched off
 * and attaches the tracking of the sockets TLS calls use (the socket
 * layer's send and receive tracepoints; where the kernel has none, raw
 * tracepoints on every syscall: enum enf_tls_track), the exec and exit
 * tracepoints that feed proc_events, and a sock_ops program on the root
 * cgroup v2 that gives every TCP connection established from then on a
 * socket cookie. The first enf_tls_attach() of a library family (OpenSSL
 * and BoringSSL, GnuTLS, NSS, wolfSSL) loads that family's programs, on
 * the same maps; a family never attached is never loaded, and one that
 * fails to load fails only its own attachments. enf_tls_close() detaches
 * everything.
 *
 * Events are read from the ring buffers whose fds enf_tls_events_fd() and
 * enf_tls_proc_events_fd() give, with enforcer/capture/capture.h.
 */
#ifndef ENFORCER_LOADER_TLS_H
#define ENFORCER_LOADER_TLS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "enforcer/tls_event.h"

/* Distinct libssl files enf_tls_find_libs() reports. */
#define ENF_TLS_MAX_LIBS 8
/* Attachments one loader holds at once. */
#define ENF_TLS_MAX_ATTACH 1024

/**
 * struct enf_tls_target - one file to probe
 * @lib: enum enf_tls_lib
 * @path: the file, as enforcerd can open it (for a file in another mount
 *	namespace: /proc/PID/root/...)
 * @offsets: file offsets of the functions (as uprobes take them), by
 *	enum enf_tls_fn; 0 means absent (not attached). All zero and
 *	@by_name set: the loader resolves the library's function names itself
 *	(libbpf, .dynsym then .symtab)
 * @by_name: see @offsets
 * @pid: -1 for every process that maps @path; else this process only (its
 *	other processes never trap)
 * @nss_ssl_path: for ENF_TLS_LIB_NSS (@path is libnspr4): NSS's libssl3.so
 *	of the same tree; a PR_* call is captured only when its descriptor's
 *	top layer is NSS's SSL layer (methods table inside this file)
 * @layout: enum enf_tls_layout of the library's version, where it is
 *	known (ENF_TLS_LAYOUT_OSSL30 for OpenSSL 3.0 only), else 0
 */
struct enf_tls_target {
	enum enf_tls_lib lib;
	enum enf_tls_layout layout;
	const char *path;
	__u64 offsets[ENF_TLS_FN_MAX];
	bool by_name;
	int pid;
	const char *nss_ssl_path;
};

/**
 * enum enf_tls_track - how the socket a TLS call uses is seen
 * @ENF_TLS_TRACK_AUTO: the socket tracepoints where the kernel has them,
 *	else the raw syscall tracepoints
 * @ENF_TLS_TRACK_SOCK: the socket layer's sock_send_length and
 *	sock_recv_length tracepoints (BTF, kernel 6.3 and later), run after
 *	each send and receive on a socket: only socket I/O runs a program,
 *	and no syscall is slowed; the raw ones where the kernel lacks them
 * @ENF_TLS_TRACK_RAW: BTF raw tracepoints on every syscall's entry and
 *	exit; they put every syscall of every task on the slow path
 *	(120 ns more for a getppid() here)
 * @ENF_TLS_TRACK_SYSCALL: the per-syscall tracepoints (sys_enter_read and
 *	its kin, through tracefs, mounted when missing); the raw ones when
 *	tracefs cannot be had. Fewer runs than the raw ones, but each is
 *	dispatched through perf with its record built, which costs more
 */
enum enf_tls_track {
	ENF_TLS_TRACK_AUTO = 0,
	ENF_TLS_TRACK_SOCK,
	ENF_TLS_TRACK_RAW,
	ENF_TLS_TRACK_SYSCALL,
};

/**
 * struct enf_tls_opts - how to load the TLS capture
 * @track: how the socket of a TLS call is seen (enum enf_tls_track)
 * @call_cap: bytes carried per TLS call, ENF_TLS_CALL_CAP_MIN..._MAX;
 *	0: ENF_TLS_CALL_CAP_DEFAULT
 * @ringbuf_bytes: size of tls_events, a power of two within
 *	ENF_TLS_RINGBUF_MIN..._MAX; 0: ENF_TLS_RINGBUF_DEFAULT
 * @ports: capture only calls whose socket's local or peer port is one of
 *	these (host byte order); @n_ports 0: no port filter. A call with no
 *	socket has no port and is out of scope while this filter is on.
 * @n_ports: entries of @ports, at most ENF_TLS_FILTER_MAX
 * @cgroups: capture only tasks in one of these cgroup v2 ids (a task's own
 *	cgroup, not its ancestors); @n_cgroups 0: no cgroup filter
 * @n_cgroups: entries of @cgroups, at most ENF_TLS_FILTER_MAX
 * @comms: capture only tasks whose comm is one of these (at most
 *	ENF_COMM_LEN - 1 characters); @n_comms 0: no comm filter
 * @n_comms: entries of @comms, at most ENF_TLS_FILTER_MAX
 * @write_entry_only: probe the writes of OpenSSL, BoringSSL and wolfSSL
 *	at entry alone (one uprobe hit a write instead of two). The count
 *	asked for is the length; a write is emitted at its first send, on
 *	the IP socket its session already runs over or else of a TLS record
 *	on an IP socket (so the socket is the one the bytes go out on, and
 *	nothing is read at entry); a write that sends nothing before the
 *	thread's next TLS call is given up there (counted write_unseen), so
 *	writes over no socket (memory BIOs) are not captured; a retried
 *	write (its send on the socket would block or was interrupted, seen
 *	at the send's end) or the rest of a partial one is told from a
 *	new one (counted write_retry). GnuTLS and NSS, whose writes may
 *	send less than asked, keep entry and return probes.
 *
 * The filters in force are an AND: a call must pass every one.
 */
struct enf_tls_opts {
	enum enf_tls_track track;
	__u32 call_cap;
	__u32 ringbuf_bytes;
	const __u16 *ports;
	size_t n_ports;
	const __u64 *cgroups;
	size_t n_cgroups;
	const char *const *comms;
	size_t n_comms;
	bool write_entry_only;
};

struct enf_tls;

/**
 * enf_tls_find_libs() - find the system's libssl.so.3 files
 * @candidates: NULL-terminated paths to try, or NULL for the standard ones
 *	(libssl.so.3 in the multiarch, lib64 and lib directories, /usr and
 *	/usr/local)
 * @out: filled with up to @max absolute paths
 * @max: room in @out
 * @n: set to the number of paths written
 *
 * Missing candidates are skipped; two paths naming the same file (say
 * /lib/... and /usr/lib/... on a merged-/usr system) count once, since
 * attaching twice would report every call twice.
 *
 * Return: 0 when at least one file was found, -ENOENT when none was,
 * -E2BIG when more than @max distinct files exist (the first @max are in
 * @out).
 */
int enf_tls_find_libs(const char *const *candidates, char (*out)[PATH_MAX],
		      size_t max, size_t *n);

/**
 * enf_tls_open() - load the TLS capture, attach no library yet
 * @opts: options, may be NULL for the defaults
 * @out: set to the new loader on success
 *
 * Loads tls_capture with every uprobe program's autoload off, fills the
 * configuration and filter maps, and attaches the syscall fd tracking, the
 * exec/exit tracepoints and the sock_ops program (a missing cgroup v2
 * hierarchy only costs the cookies of new connections, with a warning).
 * Nothing stays attached after an error.
 *
 * Return: 0, -EINVAL or -E2BIG for options out of bounds, or another
 * negative errno.
 */
int enf_tls_open(const struct enf_tls_opts *opts, struct enf_tls **out);

/**
 * enf_tls_close() - detach every program and free the loader
 * @tls: the loader, may be NULL
 */
void enf_tls_close(struct enf_tls *tls);

/**
 * enf_tls_attach() - probe the TLS functions of one file
 * @tls: the loader
 * @t: the file, its library and scope
 * @id: set to the attachment's id, for enf_tls_detach()
 *
 * Attaches an entry probe and a return probe on every function of @t (by
 * offset, or by name: a function the file lacks, such as SSL_read_ex in
 * an old OpenSSL, is skipped); for NSS also on PR_Writev, by name in any
 * case. On error nothing of @t stays attached.
 *
 * Return: 0; -ENOENT when @path does not exist or has none of the
 * library's functions; -EEXIST when the same file is already attached for
 * the same library and pid (*@id is then that attachment's id); -EINVAL
 * for a bad target (unknown library, pid below -1 or 0, NSS without
 * @nss_ssl_path); -ENOSPC past ENF_TLS_MAX_ATTACH attachments; the
 * error of loading the library family's programs; another negative errno.
 */
int enf_tls_attach(struct enf_tls *tls, const struct enf_tls_target *t,
		   __u32 *id);

/**
 * enf_tls_detach() - remove one attachment
 * @tls: the loader
 * @id: as enf_tls_attach() gave it
 *
 * Return: 0, or -ENOENT for an unknown id.
 */
int enf_tls_detach(struct enf_tls *tls, __u32 id);

/**
 * struct enf_tls_attach_info - what one attachment probes
 * @id: its id
 * @lib: enum enf_tls_lib
 * @pid: -1 or the one process
 * @funcs: bit (1 << enum enf_tls_fn) per function probed, and
 *	ENF_TLS_FUNC_EXTRA for NSS's PR_Writev (found by name)
 * @path: the file, owned by the loader, valid until the detach
 */
/* enf_tls_attach_info.funcs: the function beyond the ABI's slots */
#define ENF_TLS_FUNC_EXTRA (1u << ENF_TLS_FN_MAX)

struct enf_tls_attach_info {
	__u32 id;
	enum enf_tls_lib lib;
	int pid;
	unsigned int funcs;
	const char *path;
};

/**
 * enf_tls_attach_count() - how many attachments are in place
 * @tls: the loader
 *
 * Return: the count.
 */
size_t enf_tls_attach_count(const struct enf_tls *tls);

/**
 * enf_tls_attach_info() - describe one attachment
 * @tls: the loader
 * @i: index below enf_tls_attach_count(), in attach order
 * @out: filled on success
 *
 * Return: 0, or -ENOENT when @i is out of range.
 */
int enf_tls_attach_info(const struct enf_tls *tls, size_t i,
			struct enf_tls_attach_info *out);

/**
 * enf_tls_events_fd() - the fd of the tls_events ring buffer map
 * @tls: the loader
 *
 * Return: the map fd, owned by @tls.
 */
int enf_tls_events_fd(const struct enf_tls *tls);

/**
 * enf_tls_wake() - the consumer's polling promise, shared with the programs
 * @tls: the loader
 *
 * Give it to enf_capture_set_wake() so that records committed while the
 * consumer polls on its own do not wake it (struct enf_tls_wake).
 *
 * Return: the mapped entry of tls_wake, owned by @tls, or NULL when it
 * could not be mapped (every record may then wake the consumer).
 */
struct enf_tls_wake *enf_tls_wake(const struct enf_tls *tls);

/**
 * enf_tls_proc_events_fd() - the fd of the proc_events ring buffer map
 * @tls: the loader
 *
 * Return: the map fd, owned by @tls.
 */
int enf_tls_proc_events_fd(const struct enf_tls *tls);

/**
 * enf_tls_stats_read() - read the tls_stats counters, summed over CPUs
 * @tls: the loader
 * @stats: filled with ENF_TLS_STAT_MAX counters, indexed by enum enf_tls_stat
 *
 * Return: 0, or a negative errno.
 */
int enf_tls_stats_read(const struct enf_tls *tls,
		       __u64 stats[ENF_TLS_STAT_MAX]);

/**
 * enf_tls_stats_percpu() - read one tls_stats counter per CPU
 * @tls: the loader
 * @s: the counter
 * @per_cpu: filled with one value per possible CPU
 * @ncpu: room in @per_cpu, at least libbpf_num_possible_cpus()
 *
 * Return: 0; -EINVAL for a bad @s; -ERANGE when @ncpu is too small;
 * another negative errno.
 */
int enf_tls_stats_percpu(const struct enf_tls *tls, enum enf_tls_stat s,
			 __u64 *per_cpu, size_t ncpu);

/**
 * enf_tls_tracking() - how the sockets of TLS calls are seen
 * @tls: the loader
 *
 * Return: ENF_TLS_TRACK_SOCK, _RAW or _SYSCALL: what enf_tls_opts.track
 * asked for, or what stood in for it.
 */
enum enf_tls_track enf_tls_tracking(const struct enf_tls *tls);

/**
 * enf_tls_track_name() - a tracking mode in words, for logs and status
 * @t: the mode
 *
 * Return: a static string.
 */
const char *enf_tls_track_name(enum enf_tls_track t);

/**
 * enf_tls_write_entry_only() - whether some writes are probed at entry alone
 * @tls: the loader
 *
 * Return: enf_tls_opts.write_entry_only as opened.
 */
bool enf_tls_write_entry_only(const struct enf_tls *tls);

/**
 * enf_tls_has_sock_ops() - whether the cookie-making sock_ops is attached
 * @tls: the loader
 *
 * Return: true when it is attached to the root cgroup v2.
 */
bool enf_tls_has_sock_ops(const struct enf_tls *tls);

#endif /* ENFORCER_LOADER_TLS_H */
