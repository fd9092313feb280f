// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The control protocol and server: framing, bad messages, dispatch, and the
 * peer check (an unprivileged uid is refused; needs root to switch uid).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "enforcer/control/proto.h"
#include "enforcer/control/server.h"

static char sock_path[108];

static void raw_write(int fd, const void *p, size_t n)
{
	assert_int_equal(write(fd, p, n), (ssize_t)n);
}

static void test_roundtrip(void **state)
{
	char err[256];
	json_t *in, *out;
	int sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	in = json_pack("{s:s,s:i}", "cmd", "x.y", "n", 42);
	assert_int_equal(enf_ctl_write_msg(sv[0], in), 0);
	assert_int_equal(
		enf_ctl_read_msg(sv[1], 1024, 1000, &out, err, sizeof(err)), 0);
	assert_true(json_equal(in, out));
	json_decref(in);
	json_decref(out);
	close(sv[0]);
	assert_int_equal(enf_ctl_read_msg(sv[1], 1024, 1000, &out, err,
					  sizeof(err)),
			 -ENODATA);
	close(sv[1]);
}

static int read_after(const void *bytes, size_t n, size_t max, char *err)
{
	json_t *out = NULL;
	int sv[2], ret;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	raw_write(sv[0], bytes, n);
	close(sv[0]);
	ret = enf_ctl_read_msg(sv[1], max, 1000, &out, err, 256);
	assert_null(out);
	close(sv[1]);
	return ret;
}

static void test_bad_messages(void **state)
{
	struct {
		uint32_t len;
		char body[16];
	} __attribute__((packed)) m;
	char err[256];

	(void)state;
	m.len = htonl(1u << 30);
	assert_int_equal(read_after(&m, 4, 1024, err), -EMSGSIZE);
	assert_non_null(strstr(err, "exceeds"));

	m.len = htonl(5);
	memcpy(m.body, "{nope", 5);
	assert_int_equal(read_after(&m, 9, 1024, err), -EBADMSG);
	assert_non_null(strstr(err, "malformed JSON"));

	m.len = htonl(3);
	memcpy(m.body, "[1]", 3);
	assert_int_equal(read_after(&m, 7, 1024, err), -EBADMSG);
	assert_non_null(strstr(err, "not a JSON object"));

	m.len = htonl(10);
	memcpy(m.body, "{\"a\"", 4);
	assert_int_equal(read_after(&m, 8, 1024, err), -EBADMSG);
	assert_non_null(strstr(err, "inside a message"));

	assert_int_equal(read_after(&m, 2, 1024, err), -EBADMSG);
}

static json_t *h_echo(void *ctx, const json_t *args,
		      const struct enf_ctl_peer *peer)
{
	(*(int *)ctx)++;
	return enf_ctl_ok(
		json_pack("{s:O,s:i}", "args", args, "uid", (int)peer->uid));
}

static const struct enf_ctl_command cmds[] = {
	{ "test.echo", h_echo },
};

/* The group admitted besides root: Debian's "daemon" (gid 1); peers are
 * made members of it, or not, by switching credentials in a child. */
#define TEST_GROUP "daemon"
#define IO_TIMEOUT_MS 300

static int calls;

static struct enf_ctl_server_opts server_opts(void)
{
	return (struct enf_ctl_server_opts){
		.path = sock_path,
		.group = TEST_GROUP,
		.cmds = cmds,
		.n_cmds = 1,
		.ctx = &calls,
		.wake_fd = -1,
		.io_timeout_ms = IO_TIMEOUT_MS,
	};
}

static int setup_server(void **state)
{
	const struct enf_ctl_server_opts opts = server_opts();
	struct enf_ctl_server *s;

	snprintf(sock_path, sizeof(sock_path), "/tmp/enf-ctl-test-%d/ctl.sock",
		 (int)getpid());
	calls = 0;
	if (enf_ctl_server_start(&opts, &s))
		return -1;
	/* Open the file mode wide so that the daemon's own peer check, not
	 * the socket's permissions, decides who is served. */
	if (chmod(sock_path, 0666))
		return -1;
	state[0] = s;
	return 0;
}

static int teardown_server(void **state)
{
	char dir[108];

	enf_ctl_server_stop(state[0]);
	snprintf(dir, sizeof(dir), "/tmp/enf-ctl-test-%d", (int)getpid());
	rmdir(dir);
	return 0;
}

static int connect_raw(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	strcpy(sun.sun_path, sock_path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	return fd;
}

static void test_dispatch(void **state)
{
	char err[256];
	json_t *reply;

	(void)state;
	assert_int_equal(enf_ctl_call(sock_path, "test.echo",
				      json_pack("{s:s}", "k", "v"), &reply, err,
				      sizeof(err)),
			 0);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(reply, "result"),
					"args"),
			"k")),
		"v");
	json_decref(reply);

	assert_int_equal(enf_ctl_call(sock_path, "no.such", NULL, &reply, err,
				      sizeof(err)),
			 0);
	assert_non_null(
		strstr(json_string_value(json_object_get(reply, "error")),
		       "unknown command 'no.such'"));
	json_decref(reply);
}

/* Garbage on one connection gets an error reply; the next one is served. */
static void test_garbage_then_good(void **state)
{
	char err[256];
	json_t *reply;
	int fd;

	(void)state;
	fd = connect_raw();
	raw_write(fd, "\0\0\0\x04null", 8);
	assert_int_equal(
		enf_ctl_read_msg(fd, 4096, 1000, &reply, err, sizeof(err)), 0);
	assert_non_null(
		strstr(json_string_value(json_object_get(reply, "error")),
		       "bad request"));
	json_decref(reply);
	close(fd);

	assert_int_equal(enf_ctl_call(sock_path, "test.echo", NULL, &reply, err,
				      sizeof(err)),
			 0);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
}

/*
 * A peer that trickles its request a byte at a time is cut off when the
 * whole-request deadline passes, however often it sends, and the thread
 * serves the next peer.
 */
static void test_trickle_cut_off(void **state)
{
	char err[256], c;
	json_t *reply;
	int fd, i;

	(void)state;
	fd = connect_raw();
	for (i = 0; i < 40; i++) {
		/* a length prefix of 256 bytes, then the body byte by byte,
		 * 50 ms apart: each byte comes well within the deadline, the
		 * whole never does */
		c = i < 4 ? (char)(i == 2 ? 1 : 0) : 'x';
		if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
			break;
		usleep(50 * 1000);
	}
	assert_int_equal(
		enf_ctl_read_msg(fd, 4096, 1000, &reply, err, sizeof(err)), 0);
	assert_non_null(
		strstr(json_string_value(json_object_get(reply, "error")),
		       "not complete within 300 ms"));
	json_decref(reply);
	close(fd);

	assert_int_equal(enf_ctl_call(sock_path, "test.echo", NULL, &reply, err,
				      sizeof(err)),
			 0);
	assert_true(json_is_true(json_object_get(reply, "ok")));
	json_decref(reply);
}

static void test_second_server_refused(void **state)
{
	const struct enf_ctl_server_opts opts = server_opts();
	struct enf_ctl_server *s2 = NULL;

	(void)state;
	assert_int_equal(enf_ctl_server_start(&opts, &s2), -EADDRINUSE);
	assert_null(s2);
}

/*
 * Calls test.echo in a child running as uid 65534 with @gid and the
 * supplementary groups @groups; returns the reply's error text ("" when
 * served) in @msg.
 */
static void call_as(gid_t gid, const gid_t *groups, size_t ngroups, char *msg,
		    size_t len)
{
	int status, pipefd[2];
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];
		json_t *reply = NULL;
		const char *e;

		close(pipefd[0]);
		if (setgroups(ngroups, groups) || setgid(gid) || setuid(65534))
			_exit(3);
		if (enf_ctl_call(sock_path, "test.echo", NULL, &reply, err,
				 sizeof(err)))
			_exit(4);
		e = json_string_value(json_object_get(reply, "error"));
		if (e && write(pipefd[1], e, strlen(e)) < 0)
			_exit(6);
		_exit(json_is_true(json_object_get(reply, "ok")) ? 0 : 5);
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, len - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (msg[0] == '\0')
		assert_int_equal(WEXITSTATUS(status), 0);
	else
		assert_int_equal(WEXITSTATUS(status), 5);
}

static bool can_switch_users(void)
{
	if (geteuid() != 0) {
		print_message("skip: switching to an unprivileged uid needs "
			      "root\n");
		return false;
	}
	if (!getgrnam(TEST_GROUP)) {
		print_message("skip: group '%s' does not exist here\n",
			      TEST_GROUP);
		return false;
	}
	return true;
}

/* uid 65534, not in the group: refused with a clear message. */
static void test_unprivileged_refused(void **state)
{
	char msg[512];

	(void)state;
	if (!can_switch_users())
		skip();
	call_as(65534, NULL, 0, msg, sizeof(msg));
	assert_non_null(strstr(msg, "permission denied: uid 65534 is neither "
				    "root nor a member of group 'daemon'"));
}

/* A member of the group, by primary or by supplementary gid, is served. */
static void test_group_members_served(void **state)
{
	gid_t gid, supp[1];
	char msg[512];

	(void)state;
	if (!can_switch_users())
		skip();
	gid = getgrnam(TEST_GROUP)->gr_gid;
	call_as(gid, NULL, 0, msg, sizeof(msg));
	assert_string_equal(msg, "");
	supp[0] = gid;
	call_as(65534, supp, 1, msg, sizeof(msg));
	assert_string_equal(msg, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_bad_messages),
		cmocka_unit_test(test_dispatch),
		cmocka_unit_test(test_garbage_then_good),
		cmocka_unit_test(test_trickle_cut_off),
		cmocka_unit_test(test_second_server_refused),
		cmocka_unit_test(test_unprivileged_refused),
		cmocka_unit_test(test_group_members_served),
	};

	return cmocka_run_group_tests(tests, setup_server, teardown_server);
}
