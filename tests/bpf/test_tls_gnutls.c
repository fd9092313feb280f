// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS capture of GnuTLS (gnutls_record_recv/gnutls_record_send): a server
 * and a client of this program's own, both on libgnutls, exchange a
 * request, its reply and 1 MiB each way (the generic exchange of
 * test_tls_common.c checks both ends byte-exact, by seq, and who and which
 * flow); then the stock tools, gnutls-serv --http and gnutls-cli, exchange
 * an HTTP request and response, checked on both ends.
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

#include <gnutls/gnutls.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

#define BIG (1u << 20)

struct gt_session {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
};

static void gt_free(struct gt_session *g)
{
	if (g->s)
		gnutls_deinit(g->s);
	if (g->cred)
		gnutls_certificate_free_credentials(g->cred);
	free(g);
}

static void *gt_start(int fd, unsigned int flags, const char *cert,
		      const char *key)
{
	struct gt_session *g = calloc(1, sizeof(*g));
	int ret;

	if (!g || gnutls_certificate_allocate_credentials(&g->cred) < 0)
		goto out_err;
	if (cert && gnutls_certificate_set_x509_key_file(
			    g->cred, cert, key, GNUTLS_X509_FMT_PEM) < 0)
		goto out_err;
	if (gnutls_init(&g->s, flags) < 0 ||
	    gnutls_set_default_priority(g->s) < 0 ||
	    gnutls_credentials_set(g->s, GNUTLS_CRD_CERTIFICATE, g->cred) < 0)
		goto out_err;
	gnutls_transport_set_int(g->s, fd);
	do {
		ret = gnutls_handshake(g->s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0)
		goto out_err;
	return g;

out_err:
	if (g)
		gt_free(g);
	return NULL;
}

static void *gt_server(int fd, const char *cert, const char *key)
{
	return gt_start(fd, GNUTLS_SERVER, cert, key);
}

static void *gt_client(int fd)
{
	/* no certificate check: the test's certificate is self-signed */
	return gt_start(fd, GNUTLS_CLIENT, NULL, NULL);
}

static long gt_read(void *s, void *buf, size_t len)
{
	struct gt_session *g = s;
	ssize_t n;

	do {
		n = gnutls_record_recv(g->s, buf, len);
	} while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	return n;
}

static long gt_write(void *s, const void *buf, size_t len)
{
	struct gt_session *g = s;
	ssize_t n;

	do {
		n = gnutls_record_send(g->s, buf, len);
	} while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
	return n;
}

static void gt_close(void *s)
{
	struct gt_session *g = s;

	gnutls_bye(g->s, GNUTLS_SHUT_WR);
	gt_free(g);
}

static const struct tls_peer_ops gnutls_ops = {
	.name = "gnutls",
	.lib = ENF_TLS_LIB_GNUTLS,
	.server = gt_server,
	.client = gt_client,
	.read = gt_read,
	.write = gt_write,
	.close = gt_close,
};

/* gnutls-serv --http answers what gnutls-cli sends from its stdin. */
static void test_tools(struct enf_capture *cap, struct tls_store *st,
		       const char *dir)
{
	static const char request[] = "GET /gnutls-tools HTTP/1.0\r\n"
				      "Host: localhost\r\n\r\n";
	char cert[PATH_MAX], key[PATH_MAX], portstr[16];
	char *serv_argv[] = {
		"gnutls-serv", "--http",	"-p", portstr, "--x509certfile",
		cert,	       "--x509keyfile", key,  NULL
	};
	char *cli_argv[] = { "gnutls-cli", "--insecure", "-p",
			     portstr,	   "127.0.0.1",	 NULL };
	struct tls_stream cw = { 0 }, sr = { 0 }, sw = { 0 }, cr = { 0 };
	const struct enf_tls_event *resp;
	int port = tls_free_port(), in[2] = { -1, -1 }, status;
	pid_t serv = -1, cli = -1;
	bool ok;

	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(portstr, sizeof(portstr), "%d", port);
	if (port < 0 || pipe2(in, O_CLOEXEC)) {
		CHECK(false, "[tools] setup");
		return;
	}
	tls_store_clear(st);
	serv = tls_spawn(serv_argv, -1, NULL);
	if (serv < 0 || tls_wait_listen(port, 10000)) {
		CHECK(false, "[tools] gnutls-serv listens on %d", port);
		goto out;
	}
	cli = tls_spawn(cli_argv, in[0], NULL);
	close(in[0]);
	in[0] = -1;
	tls_store_watch(st, serv);
	tls_store_watch(st, cli);
	/* the request on stdin; stdin stays open until the answer is in */
	ok = write(in[1], request, strlen(request)) == (ssize_t)strlen(request);
	resp = tls_wait_event(cap, st, cli, ENF_TLS_READ, "HTTP/1.0 200",
			      10000);
	tls_drain(cap, 300);
	close(in[1]);
	in[1] = -1;
	status = tls_wait_consuming(cli, cap, 10000);
	cli = -1;
	tls_drain(cap, 100);
	CHECK(ok && resp != NULL,
	      "[tools] gnutls-cli read the HTTP response of gnutls-serv");
	CHECK(status >= 0, "[tools] gnutls-cli ended when its stdin closed");

	tls_stream_get(st, resp ? resp->tgid : 0, ENF_TLS_WRITE, 0, 65536, &cw);
	CHECK(cw.len == strlen(request) && !memcmp(cw.data, request, cw.len) &&
		      cw.gaps == 0,
	      "[tools] gnutls-cli WRITE stream is the request (%zu bytes)",
	      cw.len);
	tls_stream_get(st, serv, ENF_TLS_READ, 0, 65536, &sr);
	CHECK(sr.len == strlen(request) && !memcmp(sr.data, request, sr.len),
	      "[tools] gnutls-serv READ stream is the same request (%zu bytes)",
	      sr.len);
	tls_stream_get(st, serv, ENF_TLS_WRITE, 0, 1 << 20, &sw);
	tls_stream_get(st, resp ? resp->tgid : 0, ENF_TLS_READ, 0, 1 << 20,
		       &cr);
	CHECK(sw.len > 0 && sw.len == cr.len &&
		      !memcmp(sw.data, cr.data, sw.len) && sw.gaps == 0 &&
		      cr.gaps == 0,
	      "[tools] gnutls-serv WRITE and gnutls-cli READ streams are the same response (%zu, %zu bytes)",
	      sw.len, cr.len);
	if (resp) {
		const struct enf_tls_event *q =
			tls_store_find(st, serv, ENF_TLS_READ, "GET ");

		CHECK(resp->lib == ENF_TLS_LIB_GNUTLS && q &&
			      q->lib == ENF_TLS_LIB_GNUTLS,
		      "[tools] both ends' records say gnutls");
		CHECK(q && ntohs(q->tuple.dport) == port &&
			      q->tuple.sport == resp->tuple.dport &&
			      ntohs(resp->tuple.sport) == port &&
			      q->sock_cookie && resp->sock_cookie,
		      "[tools] the flows mirror each other on port %d, with cookies",
		      port);
		CHECK(!strcmp(resp->comm, "gnutls-cli") && q &&
			      !strcmp(q->comm, "gnutls-serv"),
		      "[tools] comms '%.16s' and '%.16s'", resp->comm,
		      q ? q->comm : "");
	}
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
		tls_wait_consuming(serv, cap, 5000);
	}
}

int main(void)
{
	char lib[PATH_MAX], dir[] = "/tmp/enf-tls-gnutls.XXXXXX";
	static struct tls_store st;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	int err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_gnutls attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_gnutls");
	/* this program's own libgnutls: the one its peers call */
	gnutls_global_init();
	if (tls_lib_mapped("libgnutls.so", lib, sizeof(lib))) {
		printf("SKIP: libgnutls is not mapped\n");
		return TLS_TEST_SKIP;
	}
	if (tls_make_pem_dir(dir)) {
		printf("SKIP: cannot make a certificate with the openssl command\n");
		tls_rm_dir(dir);
		return TLS_TEST_SKIP;
	}
	err = tls_open_lib(NULL, ENF_TLS_LIB_GNUTLS, lib, NULL, -1, &tls);
	CHECK(err == 0, "open the capture and attach %s by name (%s)", lib,
	      strerror(-err));
	if (err)
		goto out;
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "ring buffer consumer");
	if (err)
		goto out;

	tls_exchange_check("gnutls", &gnutls_ops, cap, &st, BIG, dir);
	if (access("/usr/bin/gnutls-serv", X_OK) == 0 &&
	    access("/usr/bin/gnutls-cli", X_OK) == 0)
		test_tools(cap, &st, dir);
	else
		printf("# gnutls-bin not installed: tools case skipped\n");
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
	tls_rm_dir(dir);
	gnutls_global_deinit();
	return tls_check_done();
}
