/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers of the discovery tests: answers computed with the binutils
 * (nm, readelf) to check enforcer's own ELF reading against, temp files,
 * and child processes.
 */
#ifndef ENFORCER_TEST_DISCOVER_UTIL_H
#define ENFORCER_TEST_DISCOVER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/types.h>

/*
 * The file offset of @sym, computed from `nm [-D] --defined-only` (its
 * address) and `readelf -lW` (the PT_LOAD that covers it). 0, or -ENOENT.
 */
int tool_sym_offset(const char *path, const char *sym, bool dynamic,
		    __u64 *off);

/* The build-id `readelf -n` prints, in hex. 0, or -ENOENT. */
int tool_build_id(const char *path, char *hex, size_t len);

/* The first line a shell command prints, newline cut. 0, or -EIO. */
int tool_line(const char *cmd, char *out, size_t len);

/* @name in the standard library directories; NULL when none has it. */
const char *find_lib(const char *name, char *buf, size_t len);

int copy_file(const char *src, const char *dst);

/* A temp directory removed (recursively) by rm_tree(). */
int make_tmpdir(char *buf, size_t len);
void rm_tree(const char *dir);

/**
 * struct child - a started process that says "ready" and lives until its
 *	stdin closes
 */
struct child {
	pid_t pid;
	int in; /* its stdin, ours to close */
	int out; /* its stdout */
	bool stopped;
};

/*
 * Start @argv with @env_add ("NAME=value", or NULL) added to our
 * environment. Does not wait for "ready".
 */
int child_start(struct child *c, char *const argv[], const char *env_add);
/* Wait up to @ms for the child's "ready" line. 0, or -ETIMEDOUT/-EIO. */
int child_ready(struct child *c, int ms);
/* Close its stdin, kill it, reap it (once; @pid stays set). */
void child_stop(struct child *c);

#endif /* ENFORCER_TEST_DISCOVER_UTIL_H */
