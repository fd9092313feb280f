/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Loader of bpf/tls_capture.bpf.c: finds libssl, loads the skeleton and
 * attaches its uprobes and syscall tracepoints.
 *
 * Uprobes are attached by library path with pid -1, so every process that
 * maps the library is covered, those running now and those started later.
 * The fd tracking programs are the syscalls:sys_enter_* tracepoints (tracefs
 * is mounted when missing); if tracefs cannot be had, one raw tracepoint on
 * sys_enter takes their place. enf_tls_close() detaches everything.
 *
 * Events are read from the ring buffer whose fd enf_tls_events_fd() gives,
 * with enforcer/capture/capture.h.
 */
#ifndef ENFORCER_LOADER_TLS_H
#define ENFORCER_LOADER_TLS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "enforcer/tls_event.h"

/* Distinct libssl files one loader attaches to. */
#define ENF_TLS_MAX_LIBS 8

/**
 * struct enf_tls_opts - what to attach the TLS capture to
 * @lib_paths: NULL-terminated list of libssl files to probe (from the
 *	configuration). Every one must exist and export the SSL functions.
 *	NULL or empty: look for libssl.so.3 in the standard library
 *	directories and attach to every distinct file found.
 * @force_raw_tp: use the raw sys_enter tracepoint even when tracefs is
 *	available (tests of the fallback)
 */
struct enf_tls_opts {
	const char *const *lib_paths;
	bool force_raw_tp;
};

struct enf_tls;

/**
 * enf_tls_find_libs() - find the libssl files to attach to
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
 * enf_tls_open() - load the TLS capture and attach it
 * @opts: options, may be NULL for the defaults
 * @out: set to the new loader on success
 *
 * A library that cannot be found or lacks one of SSL_read, SSL_write,
 * SSL_read_ex, SSL_write_ex is an error naming it; nothing stays attached
 * after an error.
 *
 * Return: 0, or a negative errno.
 */
int enf_tls_open(const struct enf_tls_opts *opts, struct enf_tls **out);

/**
 * enf_tls_close() - detach every program and free the loader
 * @tls: the loader, may be NULL
 */
void enf_tls_close(struct enf_tls *tls);

/**
 * enf_tls_events_fd() - the fd of the tls_events ring buffer map
 * @tls: the loader
 *
 * Return: the map fd, owned by @tls.
 */
int enf_tls_events_fd(const struct enf_tls *tls);

/**
 * enf_tls_stats_read() - read the tls_stats counters
 * @tls: the loader
 * @stats: filled with ENF_TLS_STAT_MAX counters, indexed by enum enf_tls_stat
 *
 * Return: 0, or a negative errno.
 */
int enf_tls_stats_read(const struct enf_tls *tls,
		       __u64 stats[ENF_TLS_STAT_MAX]);

/**
 * enf_tls_lib_count() - how many libssl files are probed
 * @tls: the loader
 *
 * Return: the count, at least 1.
 */
size_t enf_tls_lib_count(const struct enf_tls *tls);

/**
 * enf_tls_lib_path() - one probed libssl file
 * @tls: the loader
 * @i: index below enf_tls_lib_count()
 *
 * Return: the path, owned by @tls; NULL when @i is out of range.
 */
const char *enf_tls_lib_path(const struct enf_tls *tls, size_t i);

/**
 * enf_tls_uses_raw_tp() - whether fds are tracked by the raw tracepoint
 * @tls: the loader
 *
 * Return: true for the raw sys_enter fallback, false for the syscall
 * tracepoints.
 */
bool enf_tls_uses_raw_tp(const struct enf_tls *tls);

#endif /* ENFORCER_LOADER_TLS_H */
