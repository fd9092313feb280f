// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS capture of wolfSSL (wolfSSL_read/wolfSSL_write): a server and a
 * client of this program's own, both on libwolfssl, exchange a request,
 * its reply and 1 MiB each way; the generic exchange of test_tls_common.c
 * checks both ends byte-exact, by seq, and who and which flow; then the
 * same with wolfSSL_write probed at entry alone. This
 * program links no OpenSSL: wolfSSL exports some of OpenSSL's names.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "enforcer/common/log.h"

#include "test_tls_common.h"

#define BIG (1u << 20)

struct wolf_session {
	WOLFSSL_CTX *ctx;
	WOLFSSL *ssl;
};

static void wolf_free(struct wolf_session *w)
{
	if (w->ssl)
		wolfSSL_free(w->ssl);
	if (w->ctx)
		wolfSSL_CTX_free(w->ctx);
	free(w);
}

static void *wolf_start(int fd, bool server, const char *cert, const char *key)
{
	struct wolf_session *w = calloc(1, sizeof(*w));
	int ret;

	if (!w)
		return NULL;
	w->ctx = wolfSSL_CTX_new(server ? wolfTLS_server_method() :
					  wolfTLS_client_method());
	if (!w->ctx)
		goto out_err;
	if (server &&
	    (wolfSSL_CTX_use_certificate_file(
		     w->ctx, cert, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS ||
	     wolfSSL_CTX_use_PrivateKey_file(
		     w->ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS))
		goto out_err;
	if (!server)
		wolfSSL_CTX_set_verify(w->ctx, WOLFSSL_VERIFY_NONE, NULL);
	w->ssl = wolfSSL_new(w->ctx);
	if (!w->ssl || wolfSSL_set_fd(w->ssl, fd) != WOLFSSL_SUCCESS)
		goto out_err;
	ret = server ? wolfSSL_accept(w->ssl) : wolfSSL_connect(w->ssl);
	if (ret != WOLFSSL_SUCCESS)
		goto out_err;
	return w;

out_err:
	wolf_free(w);
	return NULL;
}

static void *wolf_server(int fd, const char *cert, const char *key)
{
	return wolf_start(fd, true, cert, key);
}

static void *wolf_client(int fd)
{
	return wolf_start(fd, false, NULL, NULL);
}

static long wolf_read(void *s, void *buf, size_t len)
{
	struct wolf_session *w = s;

	return wolfSSL_read(w->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
}

static long wolf_write(void *s, const void *buf, size_t len)
{
	struct wolf_session *w = s;

	return wolfSSL_write(w->ssl, buf, len > INT_MAX ? INT_MAX : (int)len);
}

static void wolf_close(void *s)
{
	struct wolf_session *w = s;

	wolfSSL_shutdown(w->ssl);
	wolf_free(w);
}

static const struct tls_peer_ops wolfssl_ops = {
	.name = "wolfssl",
	.lib = ENF_TLS_LIB_WOLFSSL,
	.server = wolf_server,
	.client = wolf_client,
	.read = wolf_read,
	.write = wolf_write,
	.close = wolf_close,
};

int main(void)
{
	char lib[PATH_MAX], dir[] = "/tmp/enf-tls-wolfssl.XXXXXX";
	struct enf_tls_opts entry_only = { .write_entry_only = true };
	static struct tls_store st;
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	int err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_wolfssl attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_wolfssl");
	wolfSSL_Init();
	if (tls_lib_mapped("libwolfssl.so", lib, sizeof(lib))) {
		printf("SKIP: libwolfssl is not mapped\n");
		return TLS_TEST_SKIP;
	}
	if (tls_make_pem_dir(dir)) {
		printf("SKIP: cannot make a certificate with the openssl command\n");
		tls_rm_dir(dir);
		return TLS_TEST_SKIP;
	}
	err = tls_open_lib(NULL, ENF_TLS_LIB_WOLFSSL, lib, NULL, -1, &tls);
	CHECK(err == 0, "open the capture and attach %s by name (%s)", lib,
	      strerror(-err));
	if (err)
		goto out;
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "ring buffer consumer");
	if (!err)
		tls_exchange_check("wolfssl", &wolfssl_ops, cap, &st, BIG, dir);

	/* again with wolfSSL_write probed at entry alone */
	tls_store_clear(&st);
	enf_capture_free(cap);
	cap = NULL;
	enf_tls_close(tls);
	err = tls_open_lib(&entry_only, ENF_TLS_LIB_WOLFSSL, lib, NULL, -1,
			   &tls);
	if (!err)
		err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st,
				      &cap);
	CHECK(err == 0, "open again with write_entry_only (%s)",
	      strerror(-err));
	if (!err)
		tls_exchange_check("wolfssl entry-only writes", &wolfssl_ops,
				   cap, &st, BIG, dir);
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
	tls_rm_dir(dir);
	wolfSSL_Cleanup();
	return tls_check_done();
}
