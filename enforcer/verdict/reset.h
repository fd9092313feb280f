/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforce:reset: destroy the TCP socket of a request's flow (SOCK_DESTROY
 * through sock_diag), in the network namespace of the process that holds
 * it, so that both ends see the connection end at once: the local process
 * gets ECONNABORTED, the peer a RST.
 */
#ifndef ENFORCER_VERDICT_RESET_H
#define ENFORCER_VERDICT_RESET_H

#include "enforcer/request.h"

/**
 * enf_reset_flow() - destroy the TCP socket of @o's flow
 * @o: the request's origin: @o->tuple (peer as source, as the capture
 *	gives it), @o->sock_cookie (when not 0, only the socket with that
 *	cookie is destroyed: a new connection that took the same 5-tuple is
 *	left alone) and @o->tgid (its network namespace is the socket's; 0:
 *	this process's)
 *
 * Return: 0 when the socket was destroyed; -ENOTCONN without a flow;
 * -EPROTONOSUPPORT for a flow that is not TCP; -ENOENT when no such socket
 * is open: the connection ended, or its 5-tuple is now another socket's
 * (the cookie differs: the kernel here, 6.18, answers ENOENT; kernels that
 * check the cookie after the lookup answer -ESTALE); -ESRCH when the process is gone (its
 * namespace with it); -EOPNOTSUPP without CONFIG_INET_DIAG_DESTROY;
 * -EPERM without CAP_NET_ADMIN (or CAP_SYS_ADMIN to enter the namespace);
 * another negative errno.
 */
int enf_reset_flow(const struct enf_req_origin *o);

#endif /* ENFORCER_VERDICT_RESET_H */
