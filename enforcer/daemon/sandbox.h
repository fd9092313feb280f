/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforcerd's in-process sandbox, entered once every stage has started:
 * the event thread keeps only the capabilities enforcing goes on needing
 * (ENF_SANDBOX_KEEP), the helper threads none (enforcer/common/caps.h), and
 * a seccomp filter on every thread admits only the system calls of the
 * steady state. A refused call fails with EPERM and is logged once per
 * call (sandbox = eperm), or kills the process (sandbox = kill).
 */
#ifndef ENFORCER_DAEMON_SANDBOX_H
#define ENFORCER_DAEMON_SANDBOX_H

#include <stdint.h>

#include <linux/capability.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/config.h"

/*
 * What the event thread still needs after start, each for a path that runs
 * while enforcing:
 *   bpf, perfmon     uprobes attached to TLS libraries discovery finds
 *   net_admin        SOCK_DESTROY (enforce:reset)
 *   sys_admin        setns() into a process's network namespace for the
 *                    reset (the filter admits setns for CLONE_NEWNET only,
 *                    and no mount, no unshare)
 *   sys_ptrace       /proc/PID/exe, /proc/PID/root of other users' processes
 *   dac_read_search  the libraries under /proc/PID/root whatever their modes
 *   kill             enforce:kill of other users' processes
 */
#define ENF_SANDBOX_KEEP                                                    \
	(ENF_CAP(CAP_BPF) | ENF_CAP(CAP_PERFMON) | ENF_CAP(CAP_NET_ADMIN) | \
	 ENF_CAP(CAP_SYS_ADMIN) | ENF_CAP(CAP_SYS_PTRACE) |                 \
	 ENF_CAP(CAP_DAC_READ_SEARCH) | ENF_CAP(CAP_KILL))

/**
 * struct enf_sandbox_state - what enf_sandbox_enter() did
 * @mode: the configured mode
 * @filter: a system call filter is installed
 * @caps: the event thread's permitted capabilities after it
 * @allowed: system calls the filter admits
 */
struct enf_sandbox_state {
	enum enf_sandbox_mode mode;
	bool filter;
	enf_caps_t caps;
	unsigned int allowed;
};

/*
 * enf_sandbox_enter() - limit the calling (event) thread's capabilities
 * and filter every thread's system calls, as @mode says (off: nothing).
 * Call with every thread started. Return: 0, or -errno after logging why
 * (the daemon refuses to run half sandboxed).
 */
int enf_sandbox_enter(enum enf_sandbox_mode mode, struct enf_sandbox_state *st);

/* System calls the filter refused so far (sandbox = eperm). */
uint64_t enf_sandbox_refused(void);

#endif /* ENFORCER_DAEMON_SANDBOX_H */
