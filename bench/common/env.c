// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/libbpf.h>

#include "env.h"
#include "proc.h"

int bench_tmp_make(struct bench_tmp *t, const char *name)
{
	int err;

	snprintf(t->dir, sizeof(t->dir), "/tmp/enf-bench-%s.XXXXXX", name);
	if (!mkdtemp(t->dir)) {
		err = -errno;
		t->dir[0] = '\0';
		return err;
	}
	chmod(t->dir, 0755);
	return 0;
}

const char *bench_tmp_path(struct bench_tmp *t, const char *name)
{
	char *buf = t->path_buf[t->path_next++ % 4];
	char dir[sizeof(t->dir)];

	/* a copy: snprintf() may not read from the struct it writes to */
	memcpy(dir, t->dir, sizeof(dir));
	snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	return buf;
}

void bench_tmp_remove(struct bench_tmp *t, bool keep)
{
	if (!t->dir[0])
		return;
	if (keep)
		printf("kept %s\n", t->dir);
	else
		bench_rm_tree(t->dir);
}

int bench_write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int err = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) < 0)
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	return err;
}

ssize_t bench_read_text(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

void bench_print_tail(const char *what, const char *path)
{
	char buf[4096];
	ssize_t n = bench_read_text(path, buf, sizeof(buf));

	if (n > 0)
		fprintf(stderr, "--- %s (%s):\n%s---\n", what, path, buf);
}

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void bench_rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void bench_rm_pins(const char *path)
{
	struct statfs sfs;

	if (path[0] && statfs(path, &sfs) == 0 && sfs.f_type == BPF_FS_MAGIC)
		bench_rm_tree(path);
}

static void on_signal(int sig)
{
	(void)sig;
	proc_stop = 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void bench_env_init(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	libbpf_set_print(libbpf_quiet);
}

int bench_make_cert(const char *dir, const char *err)
{
	char key[128], cert[128];
	char *argv[] = { "openssl",
			 "req",
			 "-x509",
			 "-newkey",
			 "ec",
			 "-pkeyopt",
			 "ec_paramgen_curve:P-256",
			 "-nodes",
			 "-subj",
			 "/CN=bench.enforcer.test",
			 "-days",
			 "2",
			 "-keyout",
			 key,
			 "-out",
			 cert,
			 NULL };
	int rc;

	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	rc = proc_run(argv, NULL, err, 30000);
	if (rc) {
		fprintf(stderr, "Error: openssl req failed (%d)\n", rc);
		bench_print_tail("openssl", err);
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

int bench_nginx_conf(const char *dir, const char *who, const char *addr,
		     int port, unsigned int worker_conns,
		     unsigned int keepalive_s)
{
	char conf[2048], path[128];

	snprintf(path, sizeof(path), "%s/nginx.conf", dir);
	snprintf(conf, sizeof(conf),
		 "# written by %s\n"
		 "worker_processes 1;\n"
		 "daemon off;\n"
		 "master_process on;\n"
		 "pid %s/nginx.pid;\n"
		 "error_log %s/nginx-error.log;\n"
		 "events { worker_connections %u; }\n"
		 "http {\n"
		 "\taccess_log off;\n"
		 "\tkeepalive_requests 100000000;\n"
		 "\tkeepalive_timeout %us;\n"
		 "\tserver {\n"
		 "\t\tlisten %s:%d ssl;\n"
		 "\t\tssl_certificate %s/cert.pem;\n"
		 "\t\tssl_certificate_key %s/key.pem;\n"
		 "\t\tlocation / { default_type text/plain; "
		 "return 200 \"hello\\n\"; }\n"
		 "\t}\n"
		 "}\n",
		 who, dir, dir, worker_conns, keepalive_s, addr, port, dir,
		 dir);
	return bench_write_text(path, conf);
}

int bench_wait_up(pid_t *pid, unsigned int timeout_ms, bool (*up)(void *),
		  void *arg)
{
	for (unsigned int ms = 0; ms < timeout_ms; ms += 50) {
		if (proc_wait(*pid, 0, NULL, NULL) == 0) {
			*pid = 0;
			break;
		}
		if (up(arg))
			return 0;
		if (proc_stop)
			return -EINTR;
		proc_msleep(50);
	}
	return -EIO;
}
