// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS capture of NSS, through NSPR's PR_Read/PR_Write/PR_Recv/PR_Send:
 * the stock tools of libnss3-tools, selfserv and tstclnt, with a throwaway
 * certificate database made by certutil, exchange an HTTP request (which
 * tstclnt reads from its stdin) and selfserv's answer (which tstclnt
 * prints on its stdout). Checked: both ends byte-exact, the flows, the
 * library; and that tstclnt's PR_Read of stdin and PR_Write to stdout,
 * calls on descriptors that are no SSL sockets, are not captured but
 * counted as nss_not_ssl.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

static const char request[] = "GET /nss-tools HTTP/1.0\r\n"
			      "Host: localhost\r\n\r\n";

/* Run a setup command to its end; 0 when it exits 0. */
static int run(char *const argv[])
{
	int status = tls_wait_consuming(tls_spawn(argv, -1, NULL), NULL, 60000);

	return status >= 0 && WIFEXITED(status) && !WEXITSTATUS(status) ? 0 :
									  -1;
}

/* An NSS database in @dir with a self-signed server certificate. */
static int make_db(const char *dir)
{
	char db[PATH_MAX], noise[PATH_MAX];
	char *init[] = { "certutil", "-N", "-d", db, "--empty-password", NULL };
	char *cert[] = { "certutil", "-S",	 "-s",	"CN=localhost", "-n",
			 "server",   "-x",	 "-t",	"CT,,",		"-d",
			 db,	     "-z",	 noise, "-k",		"ec",
			 "-q",	     "nistp256", "-8",	"localhost",	NULL };
	unsigned char buf[64];
	FILE *f;

	snprintf(db, sizeof(db), "sql:%s", dir);
	snprintf(noise, sizeof(noise), "%s/noise", dir);
	f = fopen(noise, "we");
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(rand() ^ (i * 131));
	if (!f || fwrite(buf, 1, sizeof(buf), f) != sizeof(buf)) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	return run(init) || run(cert) ? -1 : 0;
}

static void test_tools(struct enf_tls *tls, struct enf_capture *cap,
		       struct tls_store *st, const char *dir)
{
	char db[PATH_MAX], portstr[16];
	char *serv_argv[] = { "selfserv", "-d", db,	 "-n",
			      "server",	  "-p", portstr, NULL };
	char *cli_argv[] = { "tstclnt", "-h", "127.0.0.1", "-p", portstr,
			     "-d",	db,   "-o",	   NULL };
	__u64 before[ENF_TLS_STAT_MAX], after[ENF_TLS_STAT_MAX];
	struct tls_stream cw = { 0 }, sr = { 0 }, sw = { 0 }, cr = { 0 };
	const struct enf_tls_event *resp, *q;
	int port = tls_free_port(), in[2] = { -1, -1 };
	pid_t serv = -1, cli = -1;
	bool ok, stdin_seen = false, stdout_seen = false;

	snprintf(db, sizeof(db), "sql:%s", dir);
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (port < 0 || pipe2(in, O_CLOEXEC) ||
	    enf_tls_stats_read(tls, before)) {
		CHECK(false, "[nss] setup");
		return;
	}
	serv = tls_spawn(serv_argv, -1, NULL);
	if (serv < 0 || tls_wait_listen(port, 10000)) {
		CHECK(false, "[nss] selfserv listens on %d", port);
		goto out;
	}
	cli = tls_spawn(cli_argv, in[0], NULL);
	close(in[0]);
	in[0] = -1;
	tls_store_watch(st, serv);
	tls_store_watch(st, cli);
	/* the request on stdin, which stays open until the answer is in */
	ok = write(in[1], request, strlen(request)) == (ssize_t)strlen(request);
	resp = tls_wait_event(cap, st, cli, ENF_TLS_READ, "HTTP/1.0 200",
			      10000);
	tls_drain(cap, 300);
	close(in[1]);
	in[1] = -1;
	/* tstclnt spins at the end of its stdin rather than exit: stop it */
	kill(cli, SIGTERM);
	tls_wait_consuming(cli, cap, 3000);
	cli = -1;
	tls_drain(cap, 100);
	CHECK(ok && resp != NULL,
	      "[nss] tstclnt read selfserv's HTTP response");
	if (!resp) {
		tls_store_dump(st);
		goto out;
	}

	tls_stream_get(st, resp->tgid, ENF_TLS_WRITE, 0, 65536, &cw);
	CHECK(cw.len == strlen(request) && !memcmp(cw.data, request, cw.len) &&
		      cw.gaps == 0,
	      "[nss] tstclnt WRITE stream is the request (%zu bytes)", cw.len);
	tls_stream_get(st, serv, ENF_TLS_READ, 0, 65536, &sr);
	CHECK(sr.len == strlen(request) && !memcmp(sr.data, request, sr.len),
	      "[nss] selfserv READ stream is the same request (%zu bytes)",
	      sr.len);
	tls_stream_get(st, serv, ENF_TLS_WRITE, 0, 1 << 20, &sw);
	tls_stream_get(st, resp->tgid, ENF_TLS_READ, 0, 1 << 20, &cr);
	CHECK(sw.len > 0 && sw.len == cr.len &&
		      !memcmp(sw.data, cr.data, sw.len) && sw.gaps == 0 &&
		      cr.gaps == 0,
	      "[nss] selfserv WRITE and tstclnt READ streams are the same response (%zu, %zu bytes)",
	      sw.len, cr.len);

	{
		size_t later = 0;

		for (size_t i = 0; i < st->n; i++)
			later += st->ev[i]->tgid == (__u32)serv &&
				 st->ev[i]->direction == ENF_TLS_WRITE &&
				 st->ev[i]->offset > 0;
		CHECK(later > 0,
		      "[nss] selfserv's PR_Writev: records of its buffers at offsets past 0 (%zu)",
		      later);
	}

	/* stdin and stdout are NSPR descriptors too, but no SSL sockets */
	for (size_t i = 0; i < st->n; i++) {
		const struct enf_tls_event *e = st->ev[i];

		if (e->tgid != resp->tgid)
			continue;
		if (e->direction == ENF_TLS_READ && e->data_len >= 8 &&
		    !memcmp(e->data, request, 8))
			stdin_seen = true;
		if (e->direction == ENF_TLS_WRITE && e->data_len >= 12 &&
		    !memcmp(e->data, "HTTP/1.0 200", 12))
			stdout_seen = true;
	}
	CHECK(!stdin_seen,
	      "[nss] tstclnt's PR_Read of the request from stdin is not captured");
	CHECK(!stdout_seen,
	      "[nss] tstclnt's PR_Write of the response to stdout is not captured");
	if (enf_tls_stats_read(tls, after))
		memset(after, 0, sizeof(after));
	CHECK(after[ENF_TLS_STAT_NSS_NOT_SSL] >
		      before[ENF_TLS_STAT_NSS_NOT_SSL],
	      "[nss] the calls on non-SSL descriptors are counted (nss_not_ssl +%llu)",
	      (unsigned long long)(after[ENF_TLS_STAT_NSS_NOT_SSL] -
				   before[ENF_TLS_STAT_NSS_NOT_SSL]));

	q = tls_store_find(st, serv, ENF_TLS_READ, "GET ");
	CHECK(resp->lib == ENF_TLS_LIB_NSS && q && q->lib == ENF_TLS_LIB_NSS,
	      "[nss] both ends' records say nss");
	CHECK(q && ntohs(q->tuple.dport) == port &&
		      q->tuple.sport == resp->tuple.dport &&
		      ntohs(resp->tuple.sport) == port && q->sock_cookie &&
		      resp->sock_cookie && resp->fd >= 0 && q->fd >= 0 &&
		      !(resp->flags & ENF_TLS_F_NO_SOCKET),
	      "[nss] the flows mirror each other on port %d, with fds and cookies",
	      port);
	CHECK(!strcmp(resp->comm, "tstclnt") && q &&
		      !strcmp(q->comm, "selfserv") && resp->pid == resp->tgid &&
		      q->tgid == (__u32)serv,
	      "[nss] comms '%.16s' and '%.16s', pids", resp->comm,
	      q ? q->comm : "");
	CHECK(resp->session != 0 && q && q->session != 0,
	      "[nss] the session is the PRFileDesc");
out:
	tls_stream_free(&cw);
	tls_stream_free(&sr);
	tls_stream_free(&sw);
	tls_stream_free(&cr);
	if (in[0] >= 0)
		close(in[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (cli > 0)
		tls_wait_consuming(cli, cap, 1000);
	if (serv > 0) {
		kill(serv, SIGTERM);
		if (tls_wait_consuming(serv, cap, 3000) < 0)
			printf("# selfserv had to be killed\n");
	}
}

int main(void)
{
	char nspr[PATH_MAX], ssl3[PATH_MAX], dir[] = "/tmp/enf-tls-nss.XXXXXX";
	static struct tls_store st;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	int err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_nss attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_nss");
	if (tls_lib_find("libnspr4.so", nspr, sizeof(nspr)) ||
	    tls_lib_find("libssl3.so", ssl3, sizeof(ssl3))) {
		printf("SKIP: no libnspr4.so and libssl3.so (libnss3)\n");
		return TLS_TEST_SKIP;
	}
	if (access("/usr/bin/selfserv", X_OK) ||
	    access("/usr/bin/tstclnt", X_OK) ||
	    access("/usr/bin/certutil", X_OK)) {
		printf("SKIP: selfserv, tstclnt, certutil not installed (libnss3-tools)\n");
		return TLS_TEST_SKIP;
	}
	if (!mkdtemp(dir) || make_db(dir)) {
		printf("Bail out! cannot make the NSS database in %s\n", dir);
		tls_rm_dir(dir);
		return 1;
	}
	err = tls_open_lib(NULL, ENF_TLS_LIB_NSS, nspr, ssl3, -1, &tls);
	CHECK(err == 0, "open the capture and attach %s (SSL layer: %s) (%s)",
	      nspr, ssl3, strerror(-err));
	if (err)
		goto out;
	{
		struct enf_tls_attach_info info = { 0 };
		int ierr = enf_tls_attach_info(tls, 0, &info);

		CHECK(!ierr && info.lib == ENF_TLS_LIB_NSS &&
			      info.funcs == (0xfu | ENF_TLS_FUNC_EXTRA),
		      "PR_Read, PR_Write, PR_Recv, PR_Send and PR_Writev probed (%#x)",
		      info.funcs);
	}
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "ring buffer consumer");
	if (!err)
		test_tools(tls, cap, &st, dir);
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
	tls_rm_dir(dir);
	return tls_check_done();
}
