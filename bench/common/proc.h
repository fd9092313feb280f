/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Child processes for bench/capture and bench/verdict: start one with its
 * output in files, wait for it with a deadline, stop it (a signal, then
 * SIGKILL), and read the CPU time a process has used. Every child gets
 * PR_SET_PDEATHSIG, so nothing started here outlives the benchmark, even
 * killed.
 */
#ifndef ENFORCER_BENCH_PROC_H
#define ENFORCER_BENCH_PROC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Set by the benchmark's SIGINT/SIGTERM handler; waits return -EINTR. */
extern volatile sig_atomic_t proc_stop;

/**
 * proc_spawn() - start @argv[0] (looked up in PATH) with @argv
 * @argv: NULL-terminated
 * @out: file for its stdout (truncated), NULL for /dev/null
 * @err: file for its stderr (truncated), NULL for /dev/null
 * @pid: set to the child's pid
 *
 * Return: 0, or a negative errno from fork(). A failed exec makes the
 * child exit 127 with the reason in @err.
 */
int proc_spawn(char *const argv[], const char *out, const char *err,
	       pid_t *pid);

/**
 * proc_wait() - reap @pid, waiting at most @timeout_ms
 * @pid: a child
 * @timeout_ms: how long to wait
 * @status: its wait status, may be NULL
 * @ru: its resource use (CPU time of all its threads), may be NULL
 *
 * Return: 0 once reaped; -ETIMEDOUT when still running; -EINTR when the
 * benchmark was asked to stop; another negative errno from wait4().
 */
int proc_wait(pid_t pid, unsigned int timeout_ms, int *status,
	      struct rusage *ru);

/**
 * proc_stop_child() - stop a child: @sig, then SIGKILL after @grace_ms
 * @pid: the child; set to 0 once reaped. Nothing is done for 0.
 * @sig: the first signal (SIGTERM, SIGINT)
 * @grace_ms: how long it has to exit after @sig
 *
 * Return: its wait status, or -1 when it had to be killed or was not
 * there.
 */
int proc_stop_child(pid_t *pid, int sig, unsigned int grace_ms);

/**
 * proc_run() - run a command to its end
 * @argv: as for proc_spawn()
 * @out: as for proc_spawn()
 * @err: as for proc_spawn()
 * @timeout_ms: killed after this long
 *
 * Return: its exit code (0..255), or a negative errno (-ETIMEDOUT, a
 * signal as -EINTR).
 */
int proc_run(char *const argv[], const char *out, const char *err,
	     unsigned int timeout_ms);

/**
 * proc_cpu_ticks() - user plus system time @pid has used, all its threads
 * @pid: a process
 *
 * Return: clock ticks (sysconf(_SC_CLK_TCK) a second); 0 when it is gone.
 */
unsigned long long proc_cpu_ticks(pid_t pid);

/* Sleeps @ms milliseconds, less when the benchmark is asked to stop. */
void proc_msleep(unsigned int ms);

/* Whether executable @name is found in PATH (or is an executable path). */
bool proc_have(const char *name);

#endif /* ENFORCER_BENCH_PROC_H */
