// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>
#include <sys/wait.h>

#include "test_discover_util.h"

extern char **environ;

int tool_line(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	int ok;

	if (!p)
		return -EIO;
	ok = fgets(out, (int)len, p) != NULL;
	while (ok && fgetc(p) != EOF)
		;
	pclose(p);
	if (!ok)
		return -EIO;
	out[strcspn(out, "\n")] = '\0';
	return 0;
}

int tool_sym_offset(const char *path, const char *sym, bool dynamic, __u64 *off)
{
	char cmd[PATH_MAX + 64], line[1024];
	unsigned long long addr = 0;
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "nm %s --defined-only '%s' 2>/dev/null",
		 dynamic ? "-D" : "", path);
	p = popen(cmd, "r");
	if (!p)
		return -EIO;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long a;
		char type, name[512];
		size_t n = strlen(sym);

		if (sscanf(line, "%llx %c %511s", &a, &type, name) != 3)
			continue;
		if (type != 'T' && type != 't')
			continue;
		if (strncmp(name, sym, n) || (name[n] && name[n] != '@'))
			continue;
		/* the default version (@@) wins over an old one (@) */
		if (!found || strstr(name, "@@")) {
			addr = a;
			found = true;
		}
	}
	pclose(p);
	if (!found)
		return -ENOENT;

	snprintf(cmd, sizeof(cmd), "readelf -lW '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -EIO;
	found = false;
	while (fgets(line, sizeof(line), p)) {
		unsigned long long o, va, pa, fsz;

		if (sscanf(line, " LOAD %llx %llx %llx %llx", &o, &va, &pa,
			   &fsz) != 4)
			continue;
		if (!found && addr >= va && addr < va + fsz) {
			*off = addr - va + o;
			found = true;
		}
	}
	pclose(p);
	return found ? 0 : -ENOENT;
}

int tool_build_id(const char *path, char *hex, size_t len)
{
	char cmd[PATH_MAX + 64], line[512];
	bool found = false;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "readelf -n '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		return -EIO;
	while (fgets(line, sizeof(line), p)) {
		char id[256];

		if (!found && sscanf(line, " Build ID: %255s", id) == 1) {
			snprintf(hex, len, "%s", id);
			found = true;
		}
	}
	pclose(p);
	return found ? 0 : -ENOENT;
}

const char *find_lib(const char *name, char *buf, size_t len)
{
	static const char *const dirs[] = {
		"/usr/lib/x86_64-linux-gnu",
		"/usr/lib/aarch64-linux-gnu",
		"/usr/lib64",
		"/usr/lib",
		"/lib64",
		"/lib",
	};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		struct stat st;

		snprintf(buf, len, "%s/%s", dirs[i], name);
		if (!stat(buf, &st) && S_ISREG(st.st_mode))
			return buf;
	}
	return NULL;
}

int copy_file(const char *src, const char *dst)
{
	char buf[65536];
	int in, out, err = 0;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	if (close(out) && !err)
		err = -errno;
	return err;
}

int make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/enf-discover-%d-XXXXXX", (int)getpid());
	return mkdtemp(buf) ? 0 : -errno;
}

void rm_tree(const char *dir)
{
	char cmd[PATH_MAX + 32];

	if (!dir[0] || strncmp(dir, "/tmp/enf-discover-", 18))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "rm_tree: %s failed\n", dir);
}

int child_start(struct child *c, char *const argv[], const char *env_add)
{
	int in[2], out[2];
	pid_t pid;

	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	if (!pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (env_add)
			putenv((char *)env_add);
		execve(argv[0], argv, environ);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->pid = pid;
	c->stopped = false;
	c->in = in[1];
	c->out = out[0];
	return 0;
}

int child_ready(struct child *c, int ms)
{
	struct pollfd pfd = { .fd = c->out, .events = POLLIN };
	char buf[16] = { 0 };
	size_t got = 0;

	while (got < 6) {
		ssize_t n;

		if (poll(&pfd, 1, ms) <= 0)
			return -ETIMEDOUT;
		n = read(c->out, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return -EIO;
		got += n;
	}
	return strncmp(buf, "ready\n", 6) ? -EIO : 0;
}

void child_stop(struct child *c)
{
	if (c->pid <= 0 || c->stopped)
		return;
	close(c->in);
	close(c->out);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, NULL, 0);
	c->stopped = true; /* @pid kept: the caller reports the exit */
}
