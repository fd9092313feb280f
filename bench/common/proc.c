// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define PROC_POLL_MS 5

volatile sig_atomic_t proc_stop;

static void redirect(int fd, const char *path, int flags)
{
	int f = open(path ? path : "/dev/null", flags, 0644);

	if (f < 0)
		_exit(126);
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
}

int proc_spawn(char *const argv[], const char *out, const char *err, pid_t *pid)
{
	pid_t parent = getpid();
	pid_t p;

	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p < 0)
		return -errno;
	if (p == 0) {
		/* Dies with the benchmark, however that ends. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(126);
		redirect(STDIN_FILENO, NULL, O_RDONLY);
		redirect(STDOUT_FILENO, out, O_WRONLY | O_CREAT | O_TRUNC);
		redirect(STDERR_FILENO, err, O_WRONLY | O_CREAT | O_TRUNC);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	*pid = p;
	return 0;
}

void proc_msleep(unsigned int ms)
{
	struct timespec ts;

	while (ms && !proc_stop) {
		unsigned int step = ms < 50 ? ms : 50;

		ts.tv_sec = 0;
		ts.tv_nsec = (long)step * 1000000L;
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

int proc_wait(pid_t pid, unsigned int timeout_ms, int *status,
	      struct rusage *ru)
{
	unsigned int waited = 0;
	int st, err;
	pid_t r;

	for (;;) {
		r = wait4(pid, &st, WNOHANG, ru);
		if (r == pid)
			break;
		if (r < 0) {
			err = -errno;
			if (err == -EINTR)
				continue;
			return err;
		}
		if (proc_stop)
			return -EINTR;
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		proc_msleep(PROC_POLL_MS);
		waited += PROC_POLL_MS;
	}
	if (status)
		*status = st;
	return 0;
}

int proc_stop_child(pid_t *pid, int sig, unsigned int grace_ms)
{
	unsigned int waited = 0;
	int st;
	pid_t r;

	if (*pid <= 0)
		return -1;
	kill(*pid, sig);
	/* Not proc_wait(): this runs on the way out after a stop request. */
	while ((r = waitpid(*pid, &st, WNOHANG)) == 0 && waited < grace_ms) {
		struct timespec ts = { 0, PROC_POLL_MS * 1000000L };

		nanosleep(&ts, NULL);
		waited += PROC_POLL_MS;
	}
	if (r == 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, &st, 0);
		*pid = 0;
		return -1;
	}
	*pid = 0;
	return r == -1 ? -1 : st;
}

int proc_run(char *const argv[], const char *out, const char *err,
	     unsigned int timeout_ms)
{
	int st, ret;
	pid_t pid = -1;

	ret = proc_spawn(argv, out, err, &pid);
	if (ret)
		return ret;
	ret = proc_wait(pid, timeout_ms, &st, NULL);
	if (ret) {
		proc_stop_child(&pid, SIGKILL, 1000);
		return ret;
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return -EINTR;
}

unsigned long long proc_cpu_ticks(pid_t pid)
{
	unsigned long long utime, stime;
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last
	 * ')'; utime and stime are fields 14 and 15, the 12th and 13th
	 * after it. */
	p = strrchr(buf, ')');
	if (!p ||
	    sscanf(p + 1,
		   " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return 0;
	return utime + stime;
}

bool proc_have(const char *name)
{
	char path[PATH_MAX];
	const char *env = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	copy = strdup(env ? env : "/usr/sbin:/usr/bin:/sbin:/bin");
	if (!copy)
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		found = access(path, X_OK) == 0;
	}
	free(copy);
	return found;
}
