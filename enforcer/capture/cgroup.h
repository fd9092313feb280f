/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cgroup v2 facts the BPF side cannot give: the path of a cgroup id and the
 * container that path names.
 *
 * A cgroup v2 id (bpf_get_current_cgroup_id()) is the inode number of the
 * cgroup's directory in the cgroup2 file system (kernfs). What this relies
 * on, on a 64-bit kernel:
 *  - kernfs hands out ids from a cyclic 32-bit counter with a generation in
 *    the high 32 bits that grows at every wrap, so an id is never given to
 *    a second cgroup while the system runs, even after the first is gone;
 *  - a cgroup v2 directory cannot be renamed or moved (the kernel answers
 *    EPERM on the default hierarchy).
 * So the path first seen for an id stays that id's path for good: a cached
 * entry is never wrong, only possibly of a cgroup removed since, which is
 * still the right answer for an event from before the removal. Every answer
 * is checked before it is cached: the directory found must be a directory
 * on the cgroup2 mount's device whose inode number is the id. The cache
 * holds at most max_entries cgroups and evicts the least recently used.
 *
 * Paths are given as /proc/PID/cgroup shows them ("0::/system.slice/x"):
 * from the root of the hierarchy, which assumes enforcerd runs in the
 * initial cgroup namespace. The cgroup2 mount is found in
 * PROC/self/mountinfo (the one whose root is the hierarchy's root when
 * there are several); nothing is mounted here.
 *
 * Not thread-safe: one cache per thread.
 */
#ifndef ENFORCER_CGROUP_H
#define ENFORCER_CGROUP_H

#include <limits.h>
#include <stddef.h>

#include <linux/types.h>

#define ENF_CGROUP_DEFAULT_ENTRIES 1024
/* Upper bound on max_entries, so a configuration cannot ask for gigabytes. */
#define ENF_CGROUP_MAX_ENTRIES 65536
/* Longest path answered (the mount point included when reading it). */
#define ENF_CGROUP_PATH_MAX PATH_MAX
/* Longest container id kept, NUL included (64 hex digits, or a name). */
#define ENF_CONTAINER_ID_MAX 128
/* A walk of the hierarchy looks at this many directories at most... */
#define ENF_CGROUP_WALK_MAX 16384
/* ...this deep at most (each level holds a directory open)... */
#define ENF_CGROUP_WALK_DEPTH 32
/* ...and is not repeated for the last this many ids it could not find. */
#define ENF_CGROUP_NEG_ENTRIES 256

/**
 * struct enf_cgroup_facts - what a cgroup id names
 * @path: the cgroup's path from the hierarchy's root, "/" for the root
 * @container: the container id the path names (see enf_container_id()),
 *	"" when none
 * @runtime: who names it that way ("docker", ...), NULL when none
 */
struct enf_cgroup_facts {
	char path[ENF_CGROUP_PATH_MAX];
	char container[ENF_CONTAINER_ID_MAX];
	const char *runtime;
};

/**
 * struct enf_cgroup_stats - cache counters
 * @hits: lookups answered from the cache
 * @misses: lookups the cache could not answer
 * @by_proc: misses resolved through the process's /proc/PID/cgroup
 * @by_walk: misses resolved by walking the hierarchy
 * @not_found: misses not resolved (the cgroup is gone, or out of reach)
 * @walks: walks of the hierarchy made
 * @walk_dirs: directories those walks looked at
 * @walk_capped: walks stopped at ENF_CGROUP_WALK_MAX directories
 * @neg_hits: misses not walked again: the id was searched for before
 * @evictions: entries dropped to make room
 */
struct enf_cgroup_stats {
	__u64 hits;
	__u64 misses;
	__u64 by_proc;
	__u64 by_walk;
	__u64 not_found;
	__u64 walks;
	__u64 walk_dirs;
	__u64 walk_capped;
	__u64 neg_hits;
	__u64 evictions;
};

struct enf_cgroup_cache;

/**
 * enf_cgroup_cache_new() - find the cgroup2 mount and create a cache
 * @max_entries: cgroups kept, 1 to ENF_CGROUP_MAX_ENTRIES; 0 for
 *	ENF_CGROUP_DEFAULT_ENTRIES
 * @proc_root: the procfs to read (self/mountinfo, PID/cgroup), NULL for
 *	"/proc" (tests pass a fake tree whose mountinfo names a directory of
 *	their own as the cgroup2 mount)
 * @out: set to the cache on success
 *
 * Return: 0; -EINVAL for a bad size or root; -ENOENT when no cgroup2 file
 * system is mounted; -ENOMEM; or another negative errno from reading
 * mountinfo or the mount point.
 */
int enf_cgroup_cache_new(size_t max_entries, const char *proc_root,
			 struct enf_cgroup_cache **out);

/**
 * enf_cgroup_cache_free() - free a cache
 * @cc: the cache, may be NULL
 */
void enf_cgroup_cache_free(struct enf_cgroup_cache *cc);

/**
 * enf_cgroup_cache_mount() - where the cgroup2 hierarchy is mounted
 * @cc: the cache
 *
 * Return: the mount point ("/sys/fs/cgroup"), valid while @cc lives.
 */
const char *enf_cgroup_cache_mount(const struct enf_cgroup_cache *cc);

/**
 * enf_cgroup_cache_lookup() - the path and container of a cgroup id
 * @cc: the cache
 * @id: the cgroup v2 id (an event's cgroup_id)
 * @tgid: a process that was in the cgroup (the event's), 0 for none
 * @out: filled on success
 *
 * A miss reads /proc/@tgid/cgroup and takes its path when the directory's
 * inode is @id (the process may have moved since: then it is not taken),
 * else walks the hierarchy, within ENF_CGROUP_WALK_MAX directories and
 * ENF_CGROUP_WALK_DEPTH levels, looking for a directory whose inode is @id.
 * An id a walk did not find is not walked for again while it is among the
 * last ENF_CGROUP_NEG_ENTRIES such ids (a process hint is still tried).
 *
 * Return: 0; -ENOENT when the cgroup is not found (removed before it was
 * looked up, or out of the walk's reach); -EINVAL for id 0; -ENOMEM.
 */
int enf_cgroup_cache_lookup(struct enf_cgroup_cache *cc, __u64 id, __u32 tgid,
			    struct enf_cgroup_facts *out);

/**
 * enf_cgroup_cache_id() - the id of a cgroup named by its path
 * @cc: the cache
 * @path: from the hierarchy's root ("/system.slice/nginx.service"), or a
 *	directory under the mount point ("/sys/fs/cgroup/system.slice/...")
 *	when no cgroup has the first reading
 * @id: set to the cgroup's id on success
 *
 * Resolves configured cgroups at start; the answer is cached for lookups.
 * A cgroup removed and created again under the same path is another
 * cgroup with another id: the caller resolves again to follow it.
 *
 * Return: 0; -EINVAL when @path is not absolute or has an empty, "." or
 * ".." component; -ENOENT when no such cgroup exists; -ENOTDIR when the
 * path leads to something else; -ENAMETOOLONG; -ENOMEM.
 */
int enf_cgroup_cache_id(struct enf_cgroup_cache *cc, const char *path,
			__u64 *id);

/**
 * enf_cgroup_cache_count() - how many cgroups the cache holds
 * @cc: the cache
 *
 * Return: the count.
 */
size_t enf_cgroup_cache_count(const struct enf_cgroup_cache *cc);

/**
 * enf_cgroup_cache_get_stats() - read the cache counters
 * @cc: the cache
 * @out: filled with the counters
 */
void enf_cgroup_cache_get_stats(const struct enf_cgroup_cache *cc,
				struct enf_cgroup_stats *out);

/**
 * enf_container_id() - the container a cgroup path names
 * @path: a cgroup path ("/system.slice/docker-<64 hex>.scope")
 * @buf: receives the id, NUL-terminated
 * @len: size of @buf
 * @runtime: set to who names it (may be NULL): "docker", "containerd",
 *	"cri-o", "podman", "kubepods" (a bare id under a pod, runtime not
 *	named), "machine" (systemd-machined: systemd-nspawn, libvirt) or "lxc"
 *
 * The path's components are tried from the innermost out against a table
 * of the names runtimes give (docker-ID.scope, /docker/ID,
 * cri-containerd-ID.scope, crio-ID.scope, crio-ID, libpod-ID.scope,
 * libpod-ID, /kubepods.../pod.../ID, machine-NAME.scope, lxc.payload.NAME,
 * /lxc/NAME; ID is 64 lower-case hex digits); the innermost match wins, so
 * a container inside a machine is named as the container. A machine
 * name's systemd escapes (\x2d) are undone. Monitor scopes
 * (crio-conmon-ID.scope, libpod-conmon-ID.scope) name no container.
 *
 * Return: @buf, or NULL when the path names no container (or the id does
 * not fit @buf).
 */
const char *enf_container_id(const char *path, char *buf, size_t len,
			     const char **runtime);

#endif /* ENFORCER_CGROUP_H */
