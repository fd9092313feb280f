/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What bench/capture and bench/verdict both set up around nginx and
 * enforcerd: a temp dir and paths in it, small text files, a pin dir
 * removed, the signals that stop a run, a self-signed certificate, nginx's
 * config and the wait for a started daemon to answer. Children are run
 * with proc.h.
 */
#ifndef ENFORCER_BENCH_ENV_H
#define ENFORCER_BENCH_ENV_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/**
 * struct bench_tmp - a benchmark's temp dir
 * @dir: its path; "" until bench_tmp_make() made it
 * @path_buf: bench_tmp_path()'s results, used in turn
 * @path_next: the next of @path_buf
 */
struct bench_tmp {
	char dir[64];
	char path_buf[4][PATH_MAX];
	unsigned int path_next;
};

/**
 * bench_tmp_make() - make /tmp/enf-bench-@name.XXXXXX, mode 0755
 * @t: its @dir set (left "" on failure)
 * @name: the benchmark's
 *
 * Return: 0, or a negative errno from mkdtemp().
 */
int bench_tmp_make(struct bench_tmp *t, const char *name);

/*
 * @name in the temp dir. The result stays valid for the next three calls,
 * so one expression may hold a few (a child's stdout and stderr paths).
 */
const char *bench_tmp_path(struct bench_tmp *t, const char *name);

/* Removes the temp dir, or with @keep prints "kept DIR"; none: nothing. */
void bench_tmp_remove(struct bench_tmp *t, bool keep);

/* Writes @text to @path (truncated). Return: 0, or a negative errno. */
int bench_write_text(const char *path, const char *text);

/* Up to @size - 1 bytes of @path, NUL-terminated; -errno when unreadable. */
ssize_t bench_read_text(const char *path, char *buf, size_t size);

/* Prints the start of @path (up to 4 KiB) on stderr, headed by @what. */
void bench_print_tail(const char *what, const char *path);

/* Removes @path and everything below it. */
void bench_rm_tree(const char *path);

/* The pin dir @path, only ever on a bpf filesystem (enforcerd --detach
 * removes it at its stop; this is for a daemon that did not get to). */
void bench_rm_pins(const char *path);

/*
 * SIGINT and SIGTERM set proc_stop, SIGPIPE is ignored, and libbpf prints
 * no debug lines.
 */
void bench_env_init(void);

/**
 * bench_make_cert() - a self-signed P-256 certificate for nginx
 * @dir: written there as key.pem and cert.pem
 * @err: openssl's stderr; printed on failure
 *
 * Return: 0, or a negative errno (-EIO when openssl failed).
 */
int bench_make_cert(const char *dir, const char *err);

/**
 * bench_nginx_conf() - write @dir/nginx.conf: one worker answering "hello"
 * over TLS with @dir's certificate, its pid file in @dir, its error log
 * @dir/nginx-error.log, no access log, keep-alive connections kept
 * @dir: the temp dir (nginx's prefix)
 * @who: the benchmark ("bench/capture"), in a comment
 * @addr: the address nginx listens on
 * @port: and its port
 * @worker_conns: worker_connections
 * @keepalive_s: keepalive_timeout, seconds
 *
 * Return: 0, or a negative errno.
 */
int bench_nginx_conf(const char *dir, const char *who, const char *addr,
		     int port, unsigned int worker_conns,
		     unsigned int keepalive_s);

/**
 * bench_wait_up() - wait for a started daemon to answer
 * @pid: the daemon; set to 0 when it has exited (reaped)
 * @timeout_ms: how long it may take
 * @up: whether it answers (asked every 50 ms)
 * @arg: for @up
 *
 * Return: 0 once @up says so; -EINTR when the benchmark was asked to
 * stop; -EIO when the daemon exited or did not answer in time.
 */
int bench_wait_up(pid_t *pid, unsigned int timeout_ms, bool (*up)(void *),
		  void *arg);

#endif /* ENFORCER_BENCH_ENV_H */
