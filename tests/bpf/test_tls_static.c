// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * TLS capture of OpenSSL linked statically into an executable: this
 * program, built with libssl.a and libcrypto.a, is its own target. Its
 * children (forks, so the same file's code) exchange through the generic
 * exchange; the executable is attached
 *   - by the file offsets enf_elf_tls_inspect() finds in it (the path
 *     library discovery takes for a static build), and
 *   - by name, labelled boringssl (the cookie carries the library the
 *     target says it is, over the same programs).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "enforcer/capture/elf_tls.h"
#include "enforcer/common/log.h"

#include "test_tls_common.h"

#define BIG (256u << 10)

static struct tls_store st;

static void run(const char *m, const struct enf_tls_target *t,
		enum enf_tls_lib lib, const char *dir)
{
	struct tls_peer_ops ops = *tls_ossl_ops(false);
	struct enf_capture *cap = NULL;
	struct enf_tls *tls = NULL;
	__u32 id;
	int err;

	ops.lib = lib;
	ops.name = m;
	err = enf_tls_open(NULL, &tls);
	if (!err)
		err = enf_tls_attach(tls, t, &id);
	CHECK(err == 0, "[%s] attach %s (%s)", m, t->path, strerror(-err));
	if (err)
		goto out;
	err = enf_capture_new(enf_tls_events_fd(tls), tls_store_cb, &st, &cap);
	CHECK(err == 0, "[%s] ring buffer consumer", m);
	if (!err)
		tls_exchange_check(m, &ops, cap, &st, BIG, dir);
out:
	tls_store_clear(&st);
	enf_capture_free(cap);
	enf_tls_close(tls);
}

int main(void)
{
	char exe[PATH_MAX], lib[PATH_MAX], dir[] = "/tmp/enf-tls-static.XXXXXX";
	struct enf_tls_target t = { .pid = -1 };
	struct enf_elf_tls info = { 0 };
	ssize_t n;
	int fd, err;

	if (geteuid() != 0) {
		printf("SKIP: test_tls_static attaches uprobes, which needs root\n");
		return TLS_TEST_SKIP;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	enf_log_init(ENF_LOG_WARN, "test_tls_static");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		printf("Bail out! readlink /proc/self/exe\n");
		return 1;
	}
	exe[n] = '\0';
	if (tls_make_pem_dir(dir)) {
		printf("SKIP: cannot make a certificate with the openssl command\n");
		tls_rm_dir(dir);
		return TLS_TEST_SKIP;
	}
	CHECK(tls_lib_mapped("libssl.so", lib, sizeof(lib)) == -ENOENT,
	      "this program maps no libssl.so: OpenSSL is linked in");

	fd = open(exe, O_RDONLY | O_CLOEXEC);
	err = fd < 0 ? -errno :
		       enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN, 0, &info);
	if (fd >= 0)
		close(fd);
	/* openssl, or boringssl: this program links discover's code, which
	 * holds the text "BoringSSL" that marks a BoringSSL build */
	CHECK(!err &&
		      (info.lib == ENF_TLS_LIB_OPENSSL ||
		       info.lib == ENF_TLS_LIB_BORINGSSL) &&
		      info.offsets[ENF_TLS_FN_READ] &&
		      info.offsets[ENF_TLS_FN_WRITE],
	      "enf_elf_tls_inspect finds OpenSSL's functions in %s (%d, lib %u, %s)",
	      exe, err, info.lib, info.how ? info.how : "-");
	if (err)
		goto out;

	t.path = exe;
	t.lib = ENF_TLS_LIB_OPENSSL;
	memcpy(t.offsets, info.offsets, sizeof(t.offsets));
	run("static by offsets", &t, ENF_TLS_LIB_OPENSSL, dir);

	memset(t.offsets, 0, sizeof(t.offsets));
	t.by_name = true;
	t.lib = ENF_TLS_LIB_BORINGSSL;
	run("static by name as boringssl", &t, ENF_TLS_LIB_BORINGSSL, dir);
out:
	tls_rm_dir(dir);
	return tls_check_done();
}
