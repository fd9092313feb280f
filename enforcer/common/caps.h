/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities, thread by thread. Linux keeps a capability set per thread,
 * so dropping them in the main thread leaves the others as they were: the
 * daemon's helper threads (the map writer, the audit writer and exporter,
 * the control and metrics threads) each call enf_caps_thread_enter() first
 * thing, which drops every capability of theirs once the daemon asked for
 * it with enf_caps_helpers_unprivileged(). None of them needs one: they
 * work on descriptors the privileged setup opened, and on root's files.
 * Raw capget()/capset(): no libcap needed for this.
 */
#ifndef ENFORCER_CAPS_H
#define ENFORCER_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* A set of capabilities: bit N is capability N (linux/capability.h). */
typedef uint64_t enf_caps_t;

#define ENF_CAP(n) ((enf_caps_t)1 << (n))

/*
 * From now on, each thread that calls enf_caps_thread_enter() drops all its
 * capabilities (enforcerd sets it before starting, when the sandbox is on).
 */
void enf_caps_helpers_unprivileged(bool on);

/* What a helper thread calls first: drops every capability of the calling
 * thread, when asked to (above); logs a failure, which it survives. */
void enf_caps_thread_enter(const char *thread);

/*
 * enf_caps_limit() - keep only @keep in the calling thread
 * Drops every other capability from the bounding set (while CAP_SETPCAP is
 * still there to allow it), clears the ambient set, and sets the permitted
 * and effective sets to @keep & permitted, the inheritable set empty.
 * Return: 0 or -errno; @kept receives what the thread has left.
 */
int enf_caps_limit(enf_caps_t keep, enf_caps_t *kept);

/* The calling thread's effective and permitted sets. Return: 0 or -errno. */
int enf_caps_get(enf_caps_t *effective, enf_caps_t *permitted);

/* "bpf", "net_admin"...: capability @n's name without CAP_, lower case;
 * NULL for one this build does not name. */
const char *enf_caps_name(unsigned int n);

#endif /* ENFORCER_CAPS_H */
