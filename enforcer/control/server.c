// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/log.h"
#include "enforcer/control/proto.h"
#include "enforcer/control/server.h"

/* Supplementary groups looked at per peer. */
#define CTL_MAX_PEER_GROUPS 256

struct enf_ctl_server {
	int listen_fd;
	int stop_fd;
	pthread_t thread;
	bool have_group;
	gid_t group_gid;
	char group[64];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	const struct enf_ctl_command *cmds;
	size_t n_cmds;
	void *ctx;
	int wake_fd;
	void (*on_wake)(void *ctx);
	int io_timeout_ms;
};

json_t *enf_ctl_ok(json_t *result)
{
	if (!result)
		result = json_object();
	return json_pack("{s:b,s:o}", "ok", 1, "result", result);
}

json_t *enf_ctl_err(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:s}", "error", msg);
}

static bool peer_in_group(const struct enf_ctl_server *s, int fd, gid_t gid)
{
	gid_t groups[CTL_MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);

	if (!s->have_group)
		return false;
	if (gid == s->group_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len))
		return false; /* ERANGE: more groups than we look at */
	for (size_t i = 0; i < len / sizeof(gid_t); i++) {
		if (groups[i] == s->group_gid)
			return true;
	}
	return false;
}

static json_t *dispatch(struct enf_ctl_server *s, json_t *req,
			const struct enf_ctl_peer *peer)
{
	const char *cmd;
	json_t *args, *empty = NULL, *reply;

	cmd = json_string_value(json_object_get(req, "cmd"));
	if (!cmd)
		return enf_ctl_err("request has no \"cmd\" string");
	args = json_object_get(req, "args");
	if (args && !json_is_object(args))
		return enf_ctl_err("\"args\" must be an object");
	if (!args)
		args = empty = json_object();
	for (size_t i = 0; i < s->n_cmds; i++) {
		if (strcmp(s->cmds[i].name, cmd) == 0) {
			reply = s->cmds[i].fn(s->ctx, args, peer);
			json_decref(empty);
			return reply ? reply : enf_ctl_err("out of memory");
		}
	}
	json_decref(empty);
	return enf_ctl_err("unknown command '%.64s'", cmd);
}

static void serve_conn(struct enf_ctl_server *s, int fd)
{
	struct enf_ctl_peer peer;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	char err[256];
	json_t *req, *reply;
	int ret;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		pr_warn("control: SO_PEERCRED: %s", strerror(errno));
		return;
	}
	peer = (struct enf_ctl_peer){ cred.pid, cred.uid, cred.gid };
	if (cred.uid != 0 && !peer_in_group(s, fd, cred.gid)) {
		pr_warn("control: refused pid %d uid %u: neither root nor in "
			"group '%s'",
			(int)cred.pid, (unsigned)cred.uid, s->group);
		reply = enf_ctl_err("permission denied: uid %u is neither root "
				    "nor a member of group '%s'",
				    (unsigned)cred.uid, s->group);
		if (reply)
			enf_ctl_write_msg_timeout(fd, reply, s->io_timeout_ms);
		json_decref(reply);
		return;
	}
	for (int served = 0; served < ENF_CTL_MAX_REQUESTS_PER_CONN; served++) {
		ret = enf_ctl_read_msg(fd, ENF_CTL_MAX_REQUEST,
				       s->io_timeout_ms, &req, err,
				       sizeof(err));
		if (ret == -ENODATA)
			return;
		if (ret == -ETIMEDOUT && served > 0)
			return; /* an idle client between requests */
		if (ret) {
			pr_warn("control: pid %d: bad request: %s",
				(int)cred.pid, err);
			reply = enf_ctl_err("bad request: %s", err);
			if (reply)
				enf_ctl_write_msg_timeout(fd, reply,
							  s->io_timeout_ms);
			json_decref(reply);
			/* The stream cannot be resynchronised after this. */
			return;
		}
		reply = dispatch(s, req, &peer);
		json_decref(req);
		if (!reply)
			return;
		/* Sent under a deadline too: a peer that does not read
		 * cannot hold the control thread. */
		ret = enf_ctl_write_msg_timeout(fd, reply, s->io_timeout_ms);
		json_decref(reply);
		if (ret)
			return;
	}
}

static void *ctl_thread(void *arg)
{
	struct enf_ctl_server *s = arg;
	struct pollfd pfd[3] = {
		{ .fd = s->listen_fd, .events = POLLIN },
		{ .fd = s->stop_fd, .events = POLLIN },
		{ .fd = s->wake_fd, .events = POLLIN },
	};
	nfds_t n = s->wake_fd >= 0 ? 3 : 2;
	int fd;

	enf_caps_thread_enter("control");
	for (;;) {
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("control: poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents)
			break;
		if (n == 3 && pfd[2].revents)
			s->on_wake(s->ctx);
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN &&
			    errno != ECONNABORTED)
				pr_warn("control: accept: %s", strerror(errno));
			continue;
		}
		serve_conn(s, fd);
		close(fd);
	}
	return NULL;
}

/* A socket file left by a daemon that died: replace it, unless one answers. */
static int claim_path(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, ret = 0;

	if (lstat(path, &st)) {
		return errno == ENOENT ? 0 : -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		pr_err("control: %s exists and is not a socket", path);
		return -EEXIST;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		pr_err("control: another enforcerd answers on %s", path);
		ret = -EADDRINUSE;
	} else if (unlink(path) && errno != ENOENT) {
		ret = -errno;
	}
	close(fd);
	return ret;
}

static int make_parent_dir(const char *path)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

int enf_ctl_server_start(const struct enf_ctl_server_opts *opts,
			 struct enf_ctl_server **out)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = opts->path, *group = opts->group;
	struct enf_ctl_server *s;
	struct group *gr;
	int ret;

	if (strlen(path) >= sizeof(sun.sun_path) ||
	    strlen(group) >= sizeof(s->group))
		return -ENAMETOOLONG;
	if (opts->wake_fd >= 0 && !opts->on_wake)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->listen_fd = s->stop_fd = -1;
	s->cmds = opts->cmds;
	s->n_cmds = opts->n_cmds;
	s->ctx = opts->ctx;
	s->wake_fd = opts->wake_fd;
	s->on_wake = opts->on_wake;
	s->io_timeout_ms = opts->io_timeout_ms > 0 ? opts->io_timeout_ms :
						     ENF_CTL_IO_TIMEOUT_MS;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->group, sizeof(s->group), "%s", group);
	gr = getgrnam(group);
	if (gr) {
		s->have_group = true;
		s->group_gid = gr->gr_gid;
	} else {
		pr_warn("control: group '%s' does not exist: only root may use "
			"%s",
			group, path);
	}

	ret = make_parent_dir(path);
	if (ret) {
		pr_err("control: cannot create the directory of %s: %s", path,
		       strerror(-ret));
		goto out_free;
	}
	ret = claim_path(path);
	if (ret)
		goto out_free;
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->listen_fd < 0) {
		ret = -errno;
		goto out_free;
	}
	strcpy(sun.sun_path, path);
	if (bind(s->listen_fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		pr_err("control: bind %s: %s", path, strerror(-ret));
		goto out_close;
	}
	/* 0660 root:group; the peer check below is what really decides. */
	if (chmod(path, 0660) ||
	    (s->have_group && chown(path, 0, s->group_gid))) {
		ret = -errno;
		pr_err("control: setting the mode of %s: %s", path,
		       strerror(-ret));
		goto out_unlink;
	}
	if (listen(s->listen_fd, 16)) {
		ret = -errno;
		goto out_unlink;
	}
	s->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (s->stop_fd < 0) {
		ret = -errno;
		goto out_unlink;
	}
	ret = -pthread_create(&s->thread, NULL, ctl_thread, s);
	if (ret)
		goto out_stopfd;
	*out = s;
	return 0;

out_stopfd:
	close(s->stop_fd);
out_unlink:
	unlink(path);
out_close:
	close(s->listen_fd);
out_free:
	free(s);
	return ret;
}

void enf_ctl_server_stop(struct enf_ctl_server *s)
{
	uint64_t one = 1;

	if (!s)
		return;
	if (write(s->stop_fd, &one, sizeof(one)) != sizeof(one))
		pr_warn("control: cannot wake the control thread: %s",
			strerror(errno));
	pthread_join(s->thread, NULL);
	close(s->stop_fd);
	close(s->listen_fd);
	unlink(s->path);
	free(s);
}
