// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enforcer/verdict/kill.h"

/* @path's bytes into @buf (@len >= 1), NUL-terminated: how many, or a
 * negative errno. */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* Whether the process under /proc/@tgid is still what @o saw: its
 * executable, or without one the comm of its thread or of the process. */
static bool still_same(const struct enf_req_origin *o)
{
	char path[64], now[4096];
	ssize_t n;

	if (o->exe && o->exe[0]) {
		snprintf(path, sizeof(path), "/proc/%u/exe", o->tgid);
		n = readlink(path, now, sizeof(now) - 1);
		if (n < 0)
			return false;
		now[n] = '\0';
		return !strcmp(now, o->exe);
	}
	if (!o->comm || !o->comm[0])
		return false;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/comm", o->tgid, o->pid);
	if (read_small(path, now, sizeof(now)) < 0) {
		snprintf(path, sizeof(path), "/proc/%u/comm", o->tgid);
		if (read_small(path, now, sizeof(now)) < 0)
			return false;
	}
	now[strcspn(now, "\n")] = '\0';
	return !strcmp(now, o->comm);
}

int enf_kill_origin(const struct enf_req_origin *o, char *cmdline, size_t len)
{
	char path[64];
	ssize_t n;
	int pidfd, ret = 0;

	if (len)
		cmdline[0] = '\0';
	if (!o || o->tgid <= 1 || o->tgid == (uint32_t)getpid())
		return -EPERM;
	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)o->tgid, 0);
	if (pidfd < 0)
		return -errno;
	/* checked after the pidfd holds the process: should the pid be
	 * reused in between, the check reads the new process and fails, or
	 * the signal finds the held one gone */
	if (!still_same(o)) {
		ret = -ESTALE;
		goto out;
	}
	if (len) {
		snprintf(path, sizeof(path), "/proc/%u/cmdline", o->tgid);
		n = read_small(path, cmdline, len);
		/* arguments end in NULs: joined by spaces */
		for (ssize_t i = 0; i < n; i++)
			if (!cmdline[i])
				cmdline[i] = ' ';
		while (n > 0 && cmdline[n - 1] == ' ')
			cmdline[--n] = '\0';
	}
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0)
		ret = -errno;
out:
	close(pidfd);
	return ret;
}
