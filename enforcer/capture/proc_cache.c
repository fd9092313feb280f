// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/types.h>

#include "enforcer/capture/proc_cache.h"

#define PC_NONE (-1)

/*
 * Which file a process runs: the device and inode that /proc/PID/exe leads
 * to. A running executable holds its inode, so no other file can take that
 * number while the process runs it; a different pair means an execve().
 */
struct pc_exe_id {
	dev_t dev;
	ino_t ino;
};

struct pc_entry {
	__u32 tgid;
	__u64 start;
	__u64 exited_ns; /* when its exit was seen (CLOCK_MONOTONIC), or 0 */
	struct pc_exe_id id;
	char *exe;
	int hnext; /* next in the hash chain */
	int prev, next; /* recency list, most recent at head */
};

struct enf_proc_cache {
	struct pc_entry *e;
	size_t max, used;
	int *buckets;
	size_t nbuckets; /* a power of two */
	int head, tail;
	int free; /* chain of entries freed by forget/stale, through hnext */
	size_t count; /* entries in use */
	char root[PATH_MAX / 2];
	struct enf_proc_cache_stats stats;
};

static size_t pc_bucket(const struct enf_proc_cache *pc, __u32 tgid)
{
	return (tgid * 2654435761u) & (pc->nbuckets - 1);
}

int enf_proc_cache_new(size_t max_entries, const char *proc_root,
		       struct enf_proc_cache **out)
{
	struct enf_proc_cache *pc;
	int err = -ENOMEM;

	if (!max_entries)
		max_entries = ENF_PROC_CACHE_DEFAULT_ENTRIES;
	if (max_entries > ENF_PROC_CACHE_MAX_ENTRIES)
		return -EINVAL;
	if (!proc_root)
		proc_root = "/proc";
	if (strlen(proc_root) >= sizeof(pc->root) || proc_root[0] == '\0')
		return -EINVAL;

	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return -ENOMEM;
	strcpy(pc->root, proc_root);
	pc->max = max_entries;
	pc->nbuckets = 1;
	while (pc->nbuckets < 2 * max_entries)
		pc->nbuckets <<= 1;
	pc->e = calloc(max_entries, sizeof(*pc->e));
	if (!pc->e)
		goto out_free_pc;
	pc->buckets = malloc(pc->nbuckets * sizeof(*pc->buckets));
	if (!pc->buckets)
		goto out_free_entries;
	for (size_t i = 0; i < pc->nbuckets; i++)
		pc->buckets[i] = PC_NONE;
	pc->head = pc->tail = pc->free = PC_NONE;
	*out = pc;
	return 0;

out_free_entries:
	free(pc->e);
out_free_pc:
	free(pc);
	return err;
}

void enf_proc_cache_free(struct enf_proc_cache *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < pc->used; i++)
		free(pc->e[i].exe);
	free(pc->buckets);
	free(pc->e);
	free(pc);
}

static void pc_list_unlink(struct enf_proc_cache *pc, int i)
{
	struct pc_entry *e = &pc->e[i];

	if (e->prev != PC_NONE)
		pc->e[e->prev].next = e->next;
	else
		pc->head = e->next;
	if (e->next != PC_NONE)
		pc->e[e->next].prev = e->prev;
	else
		pc->tail = e->prev;
	e->prev = e->next = PC_NONE;
}

static void pc_list_push(struct enf_proc_cache *pc, int i)
{
	struct pc_entry *e = &pc->e[i];

	e->prev = PC_NONE;
	e->next = pc->head;
	if (pc->head != PC_NONE)
		pc->e[pc->head].prev = i;
	pc->head = i;
	if (pc->tail == PC_NONE)
		pc->tail = i;
}

static int pc_find(const struct enf_proc_cache *pc, __u32 tgid)
{
	int i = pc->buckets[pc_bucket(pc, tgid)];

	while (i != PC_NONE && pc->e[i].tgid != tgid)
		i = pc->e[i].hnext;
	return i;
}

/* Take entry @i out of its hash chain and the recency list. */
static void pc_remove(struct enf_proc_cache *pc, int i)
{
	struct pc_entry *e = &pc->e[i];
	int *link = &pc->buckets[pc_bucket(pc, e->tgid)];

	while (*link != i)
		link = &pc->e[*link].hnext;
	*link = e->hnext;
	pc_list_unlink(pc, i);
	free(e->exe);
	e->exe = NULL;
	pc->count--;
}

/* A slot for a new entry: a never used one, a freed one, or the LRU one. */
static int pc_slot(struct enf_proc_cache *pc)
{
	int i;

	if (pc->free != PC_NONE) {
		i = pc->free;
		pc->free = pc->e[i].hnext;
		return i;
	}
	if (pc->used < pc->max)
		return (int)pc->used++;
	i = pc->tail;
	pc_remove(pc, i);
	pc->stats.evictions++;
	return i;
}

static void pc_release(struct enf_proc_cache *pc, int i)
{
	pc_remove(pc, i);
	pc->e[i].hnext = pc->free;
	pc->free = i;
}

/*
 * Read the start time (field 22) from /proc/PID/stat, which tells a reused
 * pid from the process it replaced. The comm (field 2) before it may hold
 * spaces and parentheses, so the fields are counted from the last ')'.
 */
static int pc_read_start(const struct enf_proc_cache *pc, __u32 tgid,
			 __u64 *start)
{
	char path[PATH_MAX], buf[1024];
	char *open_paren, *close_paren, *p, *end;
	int fd, err, field;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/stat", pc->root, tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	err = -errno;
	close(fd);
	if (n < 0)
		return err == -ENOENT ? -ESRCH : err;
	buf[n] = '\0';

	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (!open_paren || !close_paren || close_paren < open_paren)
		return -EINVAL;

	/* fields 3.. follow ") "; skip 3..21 */
	p = close_paren + 1;
	for (field = 3; field < 22; field++) {
		while (*p == ' ')
			p++;
		while (*p && *p != ' ')
			p++;
		if (!*p)
			return -EINVAL;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	if (errno || end == p)
		return -EINVAL;
	return 0;
}

/* /proc/PID/exe is missing: the process is gone, or is a kernel thread. */
static int pc_no_exe(const struct enf_proc_cache *pc, __u32 tgid)
{
	__u64 start;

	return pc_read_start(pc, tgid, &start) == -ESRCH ? -ESRCH : -ENOENT;
}

/*
 * Identify the file the process runs. stat() follows the link to the
 * inode itself, so an executable deleted or replaced on disk since the
 * process started is still identified by what it runs.
 */
static int pc_stat_exe(const struct enf_proc_cache *pc, __u32 tgid,
		       struct pc_exe_id *id)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%u/exe", pc->root, tgid);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? pc_no_exe(pc, tgid) : -errno;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return 0;
}

static int pc_read_exe(const struct enf_proc_cache *pc, __u32 tgid, char **exe)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/exe", pc->root, tgid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT ? pc_no_exe(pc, tgid) : -errno;
	target[n] = '\0';
	*exe = strdup(target);
	return *exe ? 0 : -ENOMEM;
}

static int pc_copy(const char *exe, char *buf, size_t len)
{
	size_t n = strlen(exe);

	if (n >= len)
		return -ENAMETOOLONG;
	memcpy(buf, exe, n + 1);
	return 0;
}

static bool pc_same_exe(const struct pc_exe_id *a, const struct pc_exe_id *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/*
 * A lookup costs a read of /proc/PID/stat and a stat() of /proc/PID/exe;
 * a miss adds a readlink() and a second read of the start time. The exe is
 * identified before its link is read: an execve() in between leaves the
 * old identity next to the new path, and the next lookup sees the
 * identity differ and reads the link again, where the other order would
 * keep the old path for good.
 */
int enf_proc_cache_exe(struct enf_proc_cache *pc, __u32 tgid, char *buf,
		       size_t len)
{
	return enf_proc_cache_exe_at(pc, tgid, 0, buf, len);
}

/*
 * Entry @e of a process that is gone may answer for an event at @ts_ns
 * when the process was alive then: it was not seen exiting before it.
 */
static bool pc_alive_at(const struct pc_entry *e, __u64 ts_ns)
{
	return ts_ns && (!e->exited_ns || ts_ns <= e->exited_ns);
}

int enf_proc_cache_exe_at(struct enf_proc_cache *pc, __u32 tgid, __u64 ts_ns,
			  char *buf, size_t len)
{
	__u64 start, again;
	struct pc_exe_id id;
	struct pc_entry *e;
	char *exe = NULL;
	int i, err;

	i = pc_find(pc, tgid);
	err = pc_read_start(pc, tgid, &start);
	if (!err)
		err = pc_stat_exe(pc, tgid, &id);
	if (err) {
		if (i != PC_NONE && (err == -ESRCH || err == -ENOENT) &&
		    pc_alive_at(&pc->e[i], ts_ns)) {
			pc->stats.gone_hits++;
			return pc_copy(pc->e[i].exe, buf, len);
		}
		if (i != PC_NONE && err == -ESRCH)
			pc_release(pc, i);
		return err;
	}
	if (i != PC_NONE) {
		e = &pc->e[i];
		if (e->start == start && pc_same_exe(&e->id, &id)) {
			pc->stats.hits++;
			pc_list_unlink(pc, i);
			pc_list_push(pc, i);
			return pc_copy(e->exe, buf, len);
		}
		pc->stats.stale++;
		pc_release(pc, i);
	}

	pc->stats.misses++;
	err = pc_read_exe(pc, tgid, &exe);
	if (err)
		return err;
	/* the pid may have been reused since the first read */
	err = pc_read_start(pc, tgid, &again);
	if (err)
		goto out_free_exe;
	if (again != start) {
		err = -EAGAIN;
		goto out_free_exe;
	}
	err = pc_copy(exe, buf, len);
	if (err)
		goto out_free_exe;

	i = pc_slot(pc);
	e = &pc->e[i];
	e->tgid = tgid;
	e->start = start;
	e->exited_ns = 0;
	e->id = id;
	e->exe = exe;
	e->hnext = pc->buckets[pc_bucket(pc, tgid)];
	pc->buckets[pc_bucket(pc, tgid)] = i;
	pc_list_push(pc, i);
	pc->count++;
	return 0;

out_free_exe:
	free(exe);
	return err;
}

void enf_proc_cache_exited(struct enf_proc_cache *pc, __u32 tgid, __u64 ts_ns)
{
	int i = pc_find(pc, tgid);

	if (i == PC_NONE)
		return;
	if (!ts_ns) {
		pc_release(pc, i);
		return;
	}
	pc->e[i].exited_ns = ts_ns;
}

void enf_proc_cache_forget(struct enf_proc_cache *pc, __u32 tgid)
{
	int i = pc_find(pc, tgid);

	if (i != PC_NONE)
		pc_release(pc, i);
}

size_t enf_proc_cache_count(const struct enf_proc_cache *pc)
{
	return pc->count;
}

void enf_proc_cache_get_stats(const struct enf_proc_cache *pc,
			      struct enf_proc_cache_stats *out)
{
	*out = pc->stats;
}
