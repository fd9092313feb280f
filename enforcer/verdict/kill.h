/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce:kill: SIGKILL the process that sent or received a request, held
 * by a pidfd from the check that it is still the process the capture saw
 * to the signal, so a pid the kernel handed to another process since is
 * never signalled.
 */
#ifndef ENFORCER_VERDICT_KILL_H
#define ENFORCER_VERDICT_KILL_H

#include <stddef.h>

#include "enforcer/request.h"

/* Bytes of a command line enf_kill_origin() reads, NUL included. */
#define ENF_KILL_CMDLINE_MAX 1025

/**
 * enf_kill_origin() - SIGKILL the process of @o
 * @o: the request's origin: @o->tgid, and @o->exe (or, when the capture
 *	had none, @o->comm) to know it by
 * @cmdline: set to its command line, arguments joined by spaces, read
 *	before the signal ("" when none could be read)
 * @len: room in @cmdline
 *
 * Refused: pid 0, pid 1 and this process (-EPERM); a process that is gone
 * (-ESRCH); one whose executable (or, without one, comm) is no longer what
 * the capture saw: the pid was reused, or the process ran another program
 * (-ESTALE).
 * Return: 0 when the signal was sent, or a negative errno.
 */
int enf_kill_origin(const struct enf_req_origin *o, char *cmdline, size_t len);

#endif /* ENFORCER_VERDICT_KILL_H */
