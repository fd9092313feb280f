// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "enforcer/control/proto.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sends all of @buf before @deadline (CLOCK_MONOTONIC ms) or fails. */
static int write_all(int fd, const void *buf, size_t len, int64_t deadline)
{
	const char *p = buf;
	int64_t left;
	ssize_t n;
	int ret;

	while (len) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = enf_ctl_set_timeouts(
			fd, (int)(left < INT32_MAX ? left : INT32_MAX));
		if (ret)
			return ret;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Returns bytes read (short only at EOF) or a negative errno; -ETIMEDOUT
 * when @deadline (CLOCK_MONOTONIC ms) passes first, however the peer
 * trickles its bytes.
 */
static ssize_t read_full(int fd, void *buf, size_t len, int64_t deadline)
{
	char *p = buf;
	size_t got = 0;
	int64_t left;
	ssize_t n;
	int ret;

	while (got < len) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		ret = enf_ctl_set_timeouts(
			fd, (int)(left < INT32_MAX ? left : INT32_MAX));
		if (ret)
			return ret;
		n = recv(fd, p + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int enf_ctl_write_msg(int fd, const json_t *msg)
{
	return enf_ctl_write_msg_timeout(fd, msg, ENF_CTL_IO_TIMEOUT_MS);
}

int enf_ctl_write_msg_timeout(int fd, const json_t *msg, int timeout_ms)
{
	int64_t deadline;
	uint32_t be;
	size_t len;
	char *text;
	int ret;

	text = json_dumps(msg, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (len > ENF_CTL_MAX_REPLY) {
		ret = -EMSGSIZE;
		goto out;
	}
	be = htonl((uint32_t)len);
	deadline = now_ms() + timeout_ms;
	ret = write_all(fd, &be, sizeof(be), deadline);
	if (!ret)
		ret = write_all(fd, text, len, deadline);
out:
	free(text);
	return ret;
}

int enf_ctl_read_msg(int fd, size_t max, int timeout_ms, json_t **out,
		     char *err, size_t errlen)
{
	int64_t deadline = now_ms() + timeout_ms;
	json_error_t jerr;
	uint32_t be;
	ssize_t n;
	size_t len;
	char *buf;
	json_t *msg;

	*out = NULL;
	n = read_full(fd, &be, sizeof(be), deadline);
	if (n < 0) {
		snprintf(err, errlen, "read: %s", strerror((int)-n));
		return (int)n;
	}
	if (n == 0) {
		snprintf(err, errlen, "connection closed");
		return -ENODATA;
	}
	if (n != sizeof(be)) {
		snprintf(err, errlen, "connection closed inside a message");
		return -EBADMSG;
	}
	len = ntohl(be);
	if (len > max) {
		snprintf(err, errlen, "message of %zu bytes exceeds %zu", len,
			 max);
		return -EMSGSIZE;
	}
	buf = malloc(len + 1);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	n = read_full(fd, buf, len, deadline);
	if (n < 0 || (size_t)n != len) {
		free(buf);
		if (n == -ETIMEDOUT)
			snprintf(err, errlen,
				 "message not complete within %d ms",
				 timeout_ms);
		else
			snprintf(err, errlen,
				 "connection closed inside a message");
		return n < 0 ? (int)n : -EBADMSG;
	}
	buf[len] = '\0';
	msg = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	free(buf);
	if (!msg) {
		snprintf(err, errlen, "malformed JSON at byte %d: %s",
			 jerr.position, jerr.text);
		return -EBADMSG;
	}
	if (!json_is_object(msg)) {
		json_decref(msg);
		snprintf(err, errlen, "message is not a JSON object");
		return -EBADMSG;
	}
	*out = msg;
	return 0;
}

int enf_ctl_set_timeouts(int fd, int ms)
{
	struct timeval tv = { .tv_sec = ms / 1000,
			      .tv_usec = (ms % 1000) * 1000 };

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)))
		return -errno;
	return 0;
}

int enf_ctl_call(const char *path, const char *cmd, json_t *args,
		 json_t **reply, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	json_t *req;
	int fd, ret;

	*reply = NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		json_decref(args);
		return -ENAMETOOLONG;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "socket: %s", strerror(-ret));
		json_decref(args);
		return ret;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		ret = -errno;
		snprintf(err, errlen, "cannot reach enforcerd at %s: %s%s",
			 path, strerror(-ret),
			 ret == -ENOENT || ret == -ECONNREFUSED ?
				 " (is enforcerd running?)" :
				 "");
		goto out_close;
	}
	req = json_pack("{s:s}", "cmd", cmd);
	if (req && args && json_object_set_new(req, "args", args)) {
		json_decref(req);
		req = NULL;
	}
	args = NULL;
	if (!req) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out_close;
	}
	ret = enf_ctl_write_msg(fd, req);
	json_decref(req);
	/* A daemon that refuses the caller answers and closes before reading
	 * the request: the send then fails, but the answer is waiting. */
	if (ret && ret != -EPIPE && ret != -ECONNRESET) {
		snprintf(err, errlen, "sending to enforcerd: %s",
			 strerror(-ret));
		goto out_close;
	}
	ret = enf_ctl_read_msg(fd, ENF_CTL_MAX_REPLY, ENF_CTL_REPLY_TIMEOUT_MS,
			       reply, err, errlen);
out_close:
	json_decref(args);
	close(fd);
	return ret;
}
