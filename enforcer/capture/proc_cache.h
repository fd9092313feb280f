/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small cache of process facts the BPF side cannot give cheaply: the
 * executable of a tgid, read once from /proc/PID/exe.
 *
 * An entry is trusted only while its process runs the same file: each
 * lookup reads the start time from /proc/PID/stat (field 22), so a reused
 * pid is noticed, and stat()s /proc/PID/exe, whose device and inode change
 * with every execve() of another file, even one with the same name or
 * comm. A changed entry is read again. An execve() of a hard link to the
 * same inode keeps the path first seen. The cache holds at most
 * max_entries processes and evicts the least recently used one. Not
 * thread-safe: one cache per thread.
 */
#ifndef ENFORCER_PROC_CACHE_H
#define ENFORCER_PROC_CACHE_H

#include <stddef.h>

#include <linux/types.h>

#define ENF_PROC_CACHE_DEFAULT_ENTRIES 1024
/* Upper bound on max_entries, so a configuration cannot ask for gigabytes. */
#define ENF_PROC_CACHE_MAX_ENTRIES 65536

/**
 * struct enf_proc_cache_stats - cache counters
 * @hits: lookups answered from the cache
 * @misses: lookups that read the exe link (first sight or a changed process)
 * @stale: entries dropped because the start time or the executable changed
 * @evictions: entries dropped to make room
 * @gone_hits: lookups answered for a process gone since, from what it ran
 *	when the event happened (enf_proc_cache_exe_at())
 */
struct enf_proc_cache_stats {
	__u64 hits;
	__u64 misses;
	__u64 stale;
	__u64 evictions;
	__u64 gone_hits;
};

struct enf_proc_cache;

/**
 * enf_proc_cache_new() - create a process cache
 * @max_entries: processes kept, 1 to ENF_PROC_CACHE_MAX_ENTRIES; 0 for
 *	ENF_PROC_CACHE_DEFAULT_ENTRIES
 * @proc_root: the procfs to read, NULL for "/proc" (tests pass a fake tree)
 * @out: set to the cache on success
 *
 * Return: 0, -EINVAL for a bad size or root, or -ENOMEM.
 */
int enf_proc_cache_new(size_t max_entries, const char *proc_root,
		       struct enf_proc_cache **out);

/**
 * enf_proc_cache_free() - free a process cache
 * @pc: the cache, may be NULL
 */
void enf_proc_cache_free(struct enf_proc_cache *pc);

/**
 * enf_proc_cache_exe() - the executable path of a process
 * @pc: the cache
 * @tgid: the process id
 * @buf: receives the path, NUL-terminated (as the kernel shows it, with
 *	" (deleted)" when the file was removed)
 * @len: size of @buf
 *
 * Return: 0; -ESRCH when the process does not exist (any more), -ENOENT
 * when it has no executable (a kernel thread, or a process exiting: a
 * cached answer that cannot be checked is not given), -EAGAIN when the
 * pid was reused while being read, -ENAMETOOLONG when @buf is too small,
 * or another negative errno from reading /proc.
 */
int enf_proc_cache_exe(struct enf_proc_cache *pc, __u32 tgid, char *buf,
		       size_t len);

/**
 * enf_proc_cache_exe_at() - the executable a process ran at a given time
 * @pc: the cache
 * @tgid: the process id
 * @ts_ns: CLOCK_MONOTONIC time of the event asked about (a TLS record's),
 *	0 for none
 * @buf: receives the path, NUL-terminated
 * @len: size of @buf
 *
 * As enf_proc_cache_exe(), except for a process that is gone (or exiting)
 * by now: a short-lived client (curl) is often gone before its request is
 * matched. Its cached entry answers when the process was alive at @ts_ns,
 * that is, its exit was not seen (enf_proc_cache_exited()) before @ts_ns.
 * The daemon caches each process at its exec, so one that lived for a
 * single request is known. A pid is not reused for thousands of process
 * creations, so an entry whose exit is not seen yet is the process's own.
 *
 * Return: as enf_proc_cache_exe().
 */
int enf_proc_cache_exe_at(struct enf_proc_cache *pc, __u32 tgid, __u64 ts_ns,
			  char *buf, size_t len);

/**
 * enf_proc_cache_exited() - a process was seen exiting
 * @pc: the cache
 * @tgid: the process id
 * @ts_ns: CLOCK_MONOTONIC time of its exit; 0 drops it at once
 *
 * Its entry stays, for the events it made before @ts_ns still to be
 * matched, until evicted or replaced by a process that reuses the pid.
 */
void enf_proc_cache_exited(struct enf_proc_cache *pc, __u32 tgid, __u64 ts_ns);

/**
 * enf_proc_cache_forget() - drop a process from the cache
 * @pc: the cache
 * @tgid: the process id, for instance of a process seen exiting
 */
void enf_proc_cache_forget(struct enf_proc_cache *pc, __u32 tgid);

/**
 * enf_proc_cache_count() - how many processes the cache holds
 * @pc: the cache
 *
 * Return: the count.
 */
size_t enf_proc_cache_count(const struct enf_proc_cache *pc);

/**
 * enf_proc_cache_get_stats() - read the cache counters
 * @pc: the cache
 * @out: filled with the counters
 */
void enf_proc_cache_get_stats(const struct enf_proc_cache *pc,
			      struct enf_proc_cache_stats *out);

#endif /* ENFORCER_PROC_CACHE_H */
