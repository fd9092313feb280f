/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * TLS library discovery: which files to probe, and when.
 *
 * Pure userspace: no BPF. Discovery calls the attach and detach callbacks
 * it is given (in enforcerd, enf_tls_attach/enf_tls_detach), so it is
 * tested with recording callbacks.
 *
 * What is a TLS file (enforcer/capture/elf_tls.h does the ELF part):
 *   - a library named like one (libssl.so.*, libgnutls.so.*, libnspr4.so,
 *     libwolfssl.so.*) defining its read and write functions;
 *   - an executable (the file /proc/PID/exe names) defining SSL_read and
 *     SSL_write (static OpenSSL, or BoringSSL when it carries a BoringSSL
 *     marker), gnutls_record_recv/send or wolfSSL_read/write in .dynsym or
 *     .symtab: is_static;
 *   - a file without those symbols whose GNU build-id is in the offset
 *     table (enforcer/capture/tls_offsets.h): how = "build-id table".
 * An executable with TLS code markers but neither symbols nor a table
 * entry is reported once per file (dev, ino) through ops->report as
 * "not capturable: PATH (build-id X): no TLS symbols and no entry in
 * TABLE". Other libraries are never opened (a library merely linking
 * libssl is not one; libgnutls-openssl's SSL_read is GnuTLS code).
 *
 * NSS: libnspr4.so holds PR_Read & co; its calls are captured only on NSS
 * SSL sockets, which the loader checks against NSS's libssl3.so: the one
 * the same process maps, else the one in libnspr4's directory
 * (target.nss_ssl_path). Without one, libnspr4 is not attached (a later
 * rescan may find it).
 *
 * Versions (struct enf_discover_file.version), best effort:
 *   openssl   "OpenSSL x.y.z" from the file's read-only data, else from the
 *             libcrypto next to it (libssl.so.3 -> libcrypto.so.3, whose
 *             OPENSSL_VERSION_TEXT it is), else from the name ("OpenSSL 3"
 *             for libssl.so.3, "OpenSSL 1.1" for libssl.so.1.1)
 *   boringssl "BoringSSL" (it has no version number)
 *   gnutls    "GnuTLS x.y.z" from the library's read-only data (its
 *             "Enabled GnuTLS x.y.z logging..." text)
 *   nss       "NSS x.y.z" from the paired libssl3.so ("Version: NSS x.y.z")
 *   wolfssl   "wolfSSL x.y.z" from the library's read-only data
 *
 * Where files are found, and how long they stay attached:
 *   - at start (enf_discover_scan_all()): the standard library directories
 *     (the multiarch one of the build, /lib/<triplet>, /usr/lib64,
 *     /usr/lib, /usr/local/lib) and opts->lib_paths: "system" files,
 *     attached with pid -1 for the daemon's life (a process started later
 *     is covered by that probe at once, without a race); then every
 *     process's /proc/PID/exe and executable file mappings in
 *     /proc/PID/maps;
 *   - at each exec (enf_discover_exec()): the process at once, and again
 *     ENF_DISCOVER_RESCAN_MS after, for libraries loaded after exec (ld.so,
 *     dlopen: Python's ssl module).
 * A file is opened through /proc/PID/root/<path> (a deleted one through
 * /proc/PID/map_files), so files in other mount namespaces are found;
 * files are told apart by (dev, ino): two paths to one file are one file,
 * a copy is another. A file found only through processes (a container's
 * copy, a private build, a static executable) is attached when found and
 * detached when its last user is gone; users are counted per process, a
 * process once per file.
 *
 * Narrowed capture (opts->comms or opts->cgroups set): attachments are per
 * process (target.pid = tgid), only for processes in scope: comm (from
 * /proc/PID/comm) in @comms, or cgroup v2 id (the inode number of the
 * process's cgroup directory, from /proc/PID/cgroup "0::/path") in
 * @cgroups. System files are then not attached with pid -1; a process's
 * exit (or leaving the scope at a rescan) detaches its attachments.
 *
 * Everything is bounded (ENF_DISCOVER_* below); what a bound drops is
 * counted in struct enf_discover_stats and reported once per kind.
 *
 * Not thread-safe: one owner thread, or callers serialised by one lock
 * (enforcerd: the event thread and, for status and reload, the control
 * thread, under disc_lock). The callbacks run on the caller's thread.
 */
#ifndef ENFORCER_CAPTURE_DISCOVER_H
#define ENFORCER_CAPTURE_DISCOVER_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "enforcer/capture/elf_tls.h"
#include "enforcer/loader/tls.h"
#include "enforcer/tls_event.h"
#include "enforcer/types.h"

/* TLS files tracked at once (system ones and those with users). */
#define ENF_DISCOVER_MAX_FILES 512
/* Processes counted as users (those mapping at least one TLS file). */
#define ENF_DISCOVER_MAX_PROCS 8192
/* TLS files one process is counted on. */
#define ENF_DISCOVER_PROC_FILES 16
/* Candidate files (the executable, TLS-named libraries) read per process. */
#define ENF_DISCOVER_PROC_CANDS 32
/* Files remembered as refused (not TLS, not capturable, attach failed). */
#define ENF_DISCOVER_MAX_SEEN 8192
/* Processes with rescans pending (an exec storm beyond it is counted). */
#define ENF_DISCOVER_MAX_PENDING 1024
/* Lines of one /proc/PID/maps read. */
#define ENF_DISCOVER_MAPS_LINES 65536
/* Rescans after an exec, in ms after it. */
#define ENF_DISCOVER_RESCAN_MS \
	{                      \
		50, 500, 5000  \
	}
#define ENF_DISCOVER_RESCANS 3

/*
 * Levels given to ops->report: enum enf_log_level of
 * enforcer/common/log.h (0 error, 1 warn, 2 info, 3 debug).
 */
#define ENF_DISCOVER_ERROR 0
#define ENF_DISCOVER_WARN 1
#define ENF_DISCOVER_INFO 2
#define ENF_DISCOVER_DEBUG 3

/**
 * struct enf_discover_ops - what discovery calls
 * @attach: attach @t, set *@id; 0 or -errno (the file is then reported
 *	once as failed, by path and reason, and not retried until it changes)
 * @detach: detach what @id names
 * @report: one line for the daemon's log ("not capturable", failures,
 *	attaches, limits); may be NULL
 * @ctx: given back to each
 */
struct enf_discover_ops {
	int (*attach)(void *ctx, const struct enf_tls_target *t, __u32 *id);
	int (*detach)(void *ctx, __u32 id);
	void (*report)(void *ctx, int level, const char *msg);
	void *ctx;
};

/**
 * struct enf_discover_opts - where to look
 * @proc_root: procfs, NULL for "/proc" (unit tests give a fake tree:
 *	PID/{exe,maps,root,comm,cgroup,stat})
 * @offsets_file: the build-id offset table; NULL for
 *	ENF_TLS_OFFSETS_DEFAULT, "" for none. A missing file is fine, a
 *	malformed one fails enf_discover_new() with "FILE:LINE: reason"
 *	reported at error level. Read again by enf_discover_reload_offsets()
 * @lib_paths: NULL-terminated extra library files attached at start as
 *	system files (configuration); may be NULL
 * @sys_dirs: NULL-terminated library directories scanned at start; NULL
 *	for the standard ones, an empty list for none (tests)
 * @comms: narrowed capture: comms in scope, @n_comms of them
 * @n_comms: see @comms
 * @cgroups: narrowed capture: cgroup v2 ids in scope, @n_cgroups of them
 * @n_cgroups: see @cgroups
 * @cgroup_root: the cgroup v2 mount, NULL to find it in
 *	/proc/self/mountinfo (else /sys/fs/cgroup)
 */
struct enf_discover_opts {
	const char *proc_root;
	const char *offsets_file;
	const char *const *lib_paths;
	const char *const *sys_dirs;
	const char *const *comms;
	size_t n_comms;
	const __u64 *cgroups;
	size_t n_cgroups;
	const char *cgroup_root;
};

/**
 * struct enf_discover_file - one attachment (a file, and a process when
 *	capture is narrowed), for `enforcerctl status`
 * @path: the file as its first user sees it (inside its mount namespace)
 * @version: "OpenSSL 3.0.17", "GnuTLS 3.7.9", "NSS 3.87.1",
 *	"wolfSSL 5.5.4", "BoringSSL", or ""
 * @build_id: the GNU build-id in hex, or ""
 * @lib: the library
 * @is_static: TLS code inside an executable
 * @system: found at start in the standard directories or lib_paths
 * @other_ns: @path is inside another mount namespace (attached through
 *	/proc/PID/root)
 * @how: "dynsym", "symtab" or "build-id table"
 * @users: processes mapping the file now
 * @pid: -1, or the process of a per-process attachment
 * @dev: the file's device
 * @ino: the file's inode
 */
struct enf_discover_file {
	char path[PATH_MAX];
	char version[ENF_ELF_VERSION_LEN];
	char build_id[2 * ENF_ELF_BUILD_ID_MAX + 1];
	enum enf_tls_lib lib;
	bool is_static;
	bool system;
	bool other_ns;
	const char *how;
	__u32 users;
	int pid;
	__u64 dev, ino;
};

/**
 * struct enf_discover_stats - what discovery did and what bounds dropped
 * @attached: successful attach calls
 * @detached: detach calls
 * @attach_failed: failed attach calls
 * @not_capturable: files reported not capturable
 * @files_full: TLS files not tracked: ENF_DISCOVER_MAX_FILES reached
 * @procs_full: processes not counted: ENF_DISCOVER_MAX_PROCS reached
 * @proc_files_full: a process's files beyond ENF_DISCOVER_PROC_FILES or
 *	ENF_DISCOVER_PROC_CANDS
 * @seen_full: refusals not remembered: ENF_DISCOVER_MAX_SEEN reached
 * @rescans: rescans made
 * @rescans_dropped: execs whose rescans were not scheduled:
 *	ENF_DISCOVER_MAX_PENDING reached
 * @procs_gone: processes that ended between two steps
 * @maps_truncated: maps files longer than ENF_DISCOVER_MAPS_LINES
 */
struct enf_discover_stats {
	__u64 attached;
	__u64 detached;
	__u64 attach_failed;
	__u64 not_capturable;
	__u64 files_full;
	__u64 procs_full;
	__u64 proc_files_full;
	__u64 seen_full;
	__u64 rescans;
	__u64 rescans_dropped;
	__u64 procs_gone;
	__u64 maps_truncated;
};

struct enf_discover;

/**
 * enf_discover_new() - create a discovery context
 * @o: options, may be NULL for the defaults
 * @ops: the callbacks; @ops->attach and @ops->detach are required
 * @out: set to the context on success
 *
 * Loads the offset table. Attaches nothing yet.
 *
 * Return: 0, -EINVAL (bad options, or a malformed table: reported through
 * @ops->report with FILE:LINE), -E2BIG (table too long), -ENOMEM.
 */
int enf_discover_new(const struct enf_discover_opts *o,
		     const struct enf_discover_ops *ops,
		     struct enf_discover **out);

/**
 * enf_discover_free() - free a discovery context
 * @d: the context, may be NULL
 *
 * Calls no callback: attachments are left to the loader, whose close
 * detaches everything (free @d before or after it).
 */
void enf_discover_free(struct enf_discover *d);

/**
 * enf_discover_scan_all() - the scan at start
 * @d: the context
 *
 * The standard library directories and lib_paths (system files), then
 * every process in procfs. A file that cannot be used is reported and
 * skipped; a process that ends meanwhile is skipped.
 *
 * Return: 0, or a negative errno when procfs cannot be read.
 */
int enf_discover_scan_all(struct enf_discover *d);

/**
 * enf_discover_exec() - a process called execve()
 * @d: the context
 * @tgid: the process
 * @now_ms: the caller's clock in ms (monotonic), for the rescans
 *
 * Looks at the process at once and schedules its rescans (at most
 * ENF_DISCOVER_MAX_PENDING processes wait for rescans; beyond that the
 * rescans are dropped and counted, the look at once is still made).
 *
 * Return: 0 (also when the process is already gone).
 */
int enf_discover_exec(struct enf_discover *d, __u32 tgid, __u64 now_ms);

/**
 * enf_discover_exit() - a process ended
 * @d: the context
 * @tgid: the process
 *
 * Drops its uses (detaching a non-system file with no user left, and its
 * per-process attachments) and its pending rescans.
 *
 * Return: 0.
 */
int enf_discover_exit(struct enf_discover *d, __u32 tgid);

/**
 * enf_discover_tick() - make the rescans that are due
 * @d: the context
 * @now_ms: the clock of enf_discover_exec()
 *
 * Return: ms until the next rescan is due (0: call again now), or -1 when
 * none is pending.
 */
long enf_discover_tick(struct enf_discover *d, __u64 now_ms);

/**
 * enf_discover_sweep() - drop processes that ended unseen
 * @d: the context
 *
 * For exits lost on the way (ENF_TLS_STAT_PROC_LOST): each counted process
 * whose /proc entry is gone, or whose start time changed (a reused pid),
 * loses its uses as at exit.
 *
 * Return: the number of processes dropped.
 */
size_t enf_discover_sweep(struct enf_discover *d);

/**
 * enf_discover_reload_offsets() - read the offset table again
 * @d: the context
 * @err: receives "FILE:LINE: reason" (or "FILE: reason") on failure
 * @errlen: size of @err
 *
 * Parses the configured offsets file into a new table. On any failure the
 * running table stays as it was (never half-applied) and nothing else
 * changes. A missing file is fine when no entry was loaded (none then,
 * none now); when entries are loaded it is an error (a file being
 * replaced must not silently drop them): empty the file to clear them.
 *
 * On success the new table replaces the old, then every refused file
 * whose build-id the new table lists, and did not list so (a "not
 * capturable" executable, an entry outside the code, a file without TLS
 * symbols), is forgotten as refused, and every process running or mapping
 * one of them is looked at again as at an exec: the file is attached with
 * the listed offsets, or reported once more if it is still not
 * capturable. Refusals the new table does not concern stay, unreported.
 *
 * Files already attached keep their attachment and its offsets: a changed
 * or removed entry for their build-id takes effect at their next attach,
 * when the last process using them has gone and one runs them again
 * (system files: at the next start). Reports one info line on success;
 * failures are only returned, for the caller to log.
 *
 * Return: 0 (also when no table is configured: @o->offsets_file ""),
 * -ENOENT (file gone while entries are loaded), -EINVAL (malformed line),
 * -E2BIG (too many entries), -ENOMEM, or another -errno from reading.
 */
int enf_discover_reload_offsets(struct enf_discover *d, char *err,
				size_t errlen);

/**
 * enf_discover_count() - attachments listed by enf_discover_get()
 * @d: the context
 *
 * Return: the count.
 */
size_t enf_discover_count(const struct enf_discover *d);

/**
 * enf_discover_get() - one attachment
 * @d: the context
 * @i: index below enf_discover_count()
 * @out: filled
 *
 * Return: 0, or -ENOENT when @i is out of range.
 */
int enf_discover_get(const struct enf_discover *d, size_t i,
		     struct enf_discover_file *out);

/**
 * enf_discover_stats() - counters
 * @d: the context
 * @out: filled
 */
void enf_discover_stats(const struct enf_discover *d,
			struct enf_discover_stats *out);

#endif /* ENFORCER_CAPTURE_DISCOVER_H */
