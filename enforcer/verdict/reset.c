// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "enforcer/verdict/reset.h"

/* How long the kernel may take to answer, at most. */
#define RESET_TIMEOUT_MS 1000

struct ns_socket {
	int nsfd; /* the namespace to open the socket in */
	int fd; /* the socket, or -1 */
	int err; /* 0 or a negative errno */
};

static int diag_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);

	return fd < 0 ? -errno : fd;
}

/* Runs in a thread of its own: a thread may change its network namespace
 * without touching the others, and this one ends right after. A socket
 * keeps the namespace it was made in. */
static void *open_in_ns(void *arg)
{
	struct ns_socket *s = arg;

	if (setns(s->nsfd, CLONE_NEWNET)) {
		s->err = -errno;
		return NULL;
	}
	s->fd = diag_socket();
	if (s->fd < 0) {
		s->err = s->fd;
		s->fd = -1;
	}
	return NULL;
}

/* A sock_diag socket in the network namespace of @tgid (0: ours). */
static int diag_socket_of(unsigned int tgid)
{
	struct ns_socket s = { .fd = -1 };
	struct stat theirs, ours;
	char path[64];
	pthread_t th;
	int err;

	if (!tgid)
		return diag_socket();
	snprintf(path, sizeof(path), "/proc/%u/ns/net", tgid);
	s.nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (s.nsfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	if (fstat(s.nsfd, &theirs) == 0 &&
	    stat("/proc/thread-self/ns/net", &ours) == 0 &&
	    theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
		close(s.nsfd);
		return diag_socket();
	}
	err = pthread_create(&th, NULL, open_in_ns, &s);
	if (err) {
		close(s.nsfd);
		return -err;
	}
	pthread_join(th, NULL);
	close(s.nsfd);
	return s.err ? s.err : s.fd;
}

int enf_reset_flow(const struct enf_req_origin *o)
{
	const struct enf_tuple *t = &o->tuple;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = RESET_TIMEOUT_MS / 1000,
			      .tv_usec = RESET_TIMEOUT_MS % 1000 * 1000 };
	union {
		struct nlmsghdr nlh;
		char buf[512];
	} ans;
	unsigned int alen = t->family == ENF_FAMILY_V4 ? 4 : 16;
	struct nlmsgerr *e;
	ssize_t n;
	int fd, err;

	if (t->family != ENF_FAMILY_V4 && t->family != ENF_FAMILY_V6)
		return -ENOTCONN;
	if (t->proto != IPPROTO_TCP)
		return -EPROTONOSUPPORT;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = sizeof(req);
	req.nlh.nlmsg_type = SOCK_DESTROY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nlh.nlmsg_seq = 1;
	req.r.sdiag_family = t->family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0u;
	/* the socket's view: the local end is its source, the peer (the
	 * tuple's source, as packets arrive) its destination */
	req.r.id.idiag_sport = t->dport;
	req.r.id.idiag_dport = t->sport;
	memcpy(req.r.id.idiag_src, t->daddr, alen);
	memcpy(req.r.id.idiag_dst, t->saddr, alen);
	if (o->sock_cookie) {
		req.r.id.idiag_cookie[0] = (__u32)o->sock_cookie;
		req.r.id.idiag_cookie[1] = (__u32)(o->sock_cookie >> 32);
	} else {
		req.r.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
		req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	}

	fd = diag_socket_of(o->tgid);
	if (fd < 0)
		return fd;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		err = -errno;
		goto out_close;
	}
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0) {
		err = -errno;
		goto out_close;
	}
	n = recv(fd, &ans, sizeof(ans), 0);
	if (n < 0) {
		err = -errno;
		goto out_close;
	}
	if ((size_t)n < NLMSG_LENGTH(sizeof(*e)) ||
	    ans.nlh.nlmsg_type != NLMSG_ERROR) {
		err = -EPROTO;
		goto out_close;
	}
	e = NLMSG_DATA(&ans.nlh);
	err = e->error; /* 0: done, or a negative errno */
out_close:
	close(fd);
	return err;
}
