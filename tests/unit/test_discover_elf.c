// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ELF reading of TLS libraries (enforcer/capture/elf_tls.c) against the
 * real libraries of this machine, every offset and id checked against what
 * nm and readelf compute; and the build-id offset table parser
 * (enforcer/capture/tls_offsets.c), good and each malformed form.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/capture/elf_tls.h"
#include "enforcer/capture/tls_offsets.h"
#include "test_discover_util.h"

/* Open @path or skip the test: the package that ships it is missing. */
static int open_or_skip(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		print_message("skip: %s: %s\n", path, strerror(errno));
		skip();
	}
	return fd;
}

static const char *lib_or_skip(const char *name, char *buf, size_t len)
{
	const char *p = find_lib(name, buf, len);

	if (!p) {
		print_message("skip: %s not installed\n", name);
		skip();
	}
	return p;
}

/*
 * Every function of @lib the file defines: the offset enforcer computes
 * equals nm's address mapped through readelf's PT_LOAD.
 */
static void check_offsets(const char *path, const struct enf_elf_tls *info,
			  enum enf_tls_lib lib, bool dynamic)
{
	for (int fn = 0; fn < ENF_TLS_FN_MAX; fn++) {
		const char *name = enf_tls_fn_name(lib, fn);
		__u64 want = 0;

		if (!name) {
			if (info->offsets[fn])
				fail_msg(
					"%s: slot %d has an offset but %s has no function there",
					path, fn, enf_tls_lib_name(lib));
			continue;
		}
		if (tool_sym_offset(path, name, dynamic, &want))
			want = 0; /* absent in this build: must be 0 here too */
		if (info->offsets[fn] != want)
			fail_msg(
				"%s: %s at file offset 0x%llx, nm/readelf say 0x%llx",
				path, name,
				(unsigned long long)info->offsets[fn],
				(unsigned long long)want);
	}
	assert_true(info->offsets[ENF_TLS_FN_READ] != 0);
	assert_true(info->offsets[ENF_TLS_FN_WRITE] != 0);
}

static void check_build_id(const char *path, const struct enf_elf_tls *info)
{
	char want[256], got[2 * ENF_ELF_BUILD_ID_MAX + 1];

	if (tool_build_id(path, want, sizeof(want)))
		fail_msg("%s: readelf -n shows no build-id", path);
	enf_build_id_hex(info->build_id, info->build_id_len, got, sizeof(got));
	if (strcmp(got, want))
		fail_msg("%s: build-id %s, readelf -n says %s", path, got,
			 want);
}

static void test_libssl_offsets(void **state)
{
	char buf[PATH_MAX], cr[PATH_MAX], line[256], want[64];
	const char *path = lib_or_skip("libssl.so.3", buf, sizeof(buf));
	struct enf_elf_tls info;
	int fd = open_or_skip(path);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_OPENSSL,
					     ENF_ELF_F_VERSION, &info),
			 0);
	if (info.lib != ENF_TLS_LIB_OPENSSL)
		fail_msg("libssl.so.3 classified %s",
			 enf_tls_lib_name(info.lib));
	assert_string_equal(info.how, "dynsym");
	check_offsets(path, &info, ENF_TLS_LIB_OPENSSL, true);
	/* OpenSSL 3 has the _ex forms (Python calls them) */
	assert_true(info.offsets[ENF_TLS_FN_READ2] != 0);
	assert_true(info.offsets[ENF_TLS_FN_WRITE2] != 0);
	check_build_id(path, &info);
	assert_false(info.is_exec);
	close(fd);

	/* the version text lives in libcrypto: "OpenSSL 3.0.x" as the CLI says */
	path = lib_or_skip("libcrypto.so.3", cr, sizeof(cr));
	fd = open_or_skip(path);
	assert_int_equal(
		enf_elf_find_version(fd, "OpenSSL ", want, sizeof(want)), 0);
	close(fd);
	if (tool_line("openssl version 2>/dev/null", line, sizeof(line)))
		skip();
	/* "OpenSSL 3.0.22 25 Aug 2026 (Library: OpenSSL 3.0.22 ...)" */
	if (!strstr(line, "Library: ") ||
	    strncmp(strstr(line, "Library: ") + 9, want, strlen(want)))
		fail_msg(
			"libcrypto version \"%s\", openssl version says \"%s\"",
			want, line);
}

static void test_gnutls_offsets(void **state)
{
	char buf[PATH_MAX], ver[64], want[80];
	const char *path = lib_or_skip("libgnutls.so.30", buf, sizeof(buf));
	struct enf_elf_tls info;
	int fd = open_or_skip(path);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_GNUTLS,
					     ENF_ELF_F_VERSION, &info),
			 0);
	assert_int_equal(info.lib, ENF_TLS_LIB_GNUTLS);
	assert_string_equal(info.how, "dynsym");
	check_offsets(path, &info, ENF_TLS_LIB_GNUTLS, true);
	check_build_id(path, &info);
	close(fd);
	if (tool_line("pkg-config --modversion gnutls 2>/dev/null", ver,
		      sizeof(ver)))
		skip();
	snprintf(want, sizeof(want), "GnuTLS %s", ver);
	assert_string_equal(info.version, want);
}

static void test_nspr_offsets(void **state)
{
	char buf[PATH_MAX], ssl3[PATH_MAX], ver[64], got[64], want[80];
	const char *path = lib_or_skip("libnspr4.so", buf, sizeof(buf));
	struct enf_elf_tls info;
	int fd = open_or_skip(path);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_NSS, 0, &info), 0);
	assert_int_equal(info.lib, ENF_TLS_LIB_NSS);
	check_offsets(path, &info, ENF_TLS_LIB_NSS, true);
	/* PR_Read, PR_Write, PR_Recv, PR_Send: all four */
	for (int fn = 0; fn < ENF_TLS_FN_MAX; fn++)
		assert_true(info.offsets[fn] != 0);
	check_build_id(path, &info);
	close(fd);

	/* NSS's version, from its libssl3.so ("Version: NSS 3.87.1") */
	path = lib_or_skip("libssl3.so", ssl3, sizeof(ssl3));
	fd = open_or_skip(path);
	assert_int_equal(enf_elf_find_version(fd, "NSS ", got, sizeof(got)), 0);
	close(fd);
	if (tool_line("pkg-config --modversion nss 2>/dev/null", ver,
		      sizeof(ver)))
		skip();
	snprintf(want, sizeof(want), "NSS %s", ver);
	assert_string_equal(got, want);
}

static void test_wolfssl_offsets(void **state)
{
	char buf[PATH_MAX], ver[64], want[80];
	const char *path = lib_or_skip("libwolfssl.so", buf, sizeof(buf));
	struct enf_elf_tls info;
	int fd = open_or_skip(path);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_WOLFSSL,
					     ENF_ELF_F_VERSION, &info),
			 0);
	assert_int_equal(info.lib, ENF_TLS_LIB_WOLFSSL);
	check_offsets(path, &info, ENF_TLS_LIB_WOLFSSL, true);
	check_build_id(path, &info);
	close(fd);
	if (tool_line("pkg-config --modversion wolfssl 2>/dev/null", ver,
		      sizeof(ver)))
		skip();
	snprintf(want, sizeof(want), "wolfSSL %s", ver);
	assert_string_equal(info.version, want);
}

/* A static OpenSSL executable: found by .symtab; stripped: markers only. */
static void test_static_symtab(void **state)
{
	const char *path = DISCOVER_STATIC;
	const char *stripped = DISCOVER_STATIC ".stripped";
	struct enf_elf_tls info, sinfo;
	int fd = open_or_skip(path);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(
				 fd, ENF_TLS_LIB_UNKNOWN,
				 ENF_ELF_F_MARKERS | ENF_ELF_F_VERSION, &info),
			 0);
	close(fd);
	assert_int_equal(info.lib, ENF_TLS_LIB_OPENSSL);
	assert_string_equal(info.how, "symtab");
	assert_true(info.is_exec);
	assert_false(info.needs_tls);
	check_offsets(path, &info, ENF_TLS_LIB_OPENSSL, false);
	check_build_id(path, &info);

	fd = open_or_skip(stripped);
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN,
					     ENF_ELF_F_MARKERS, &sinfo),
			 0);
	close(fd);
	if (sinfo.lib != ENF_TLS_LIB_UNKNOWN)
		fail_msg("stripped static executable still has symbols (%s)",
			 sinfo.how);
	assert_true(sinfo.markers);
	assert_true(sinfo.is_exec);
	/* objcopy --strip-all keeps the build-id: the table's key */
	check_build_id(stripped, &sinfo);
	assert_memory_equal(sinfo.build_id, info.build_id, info.build_id_len);
}

static void test_boringssl_marker(void **state)
{
	struct enf_elf_tls info;
	int fd = open_or_skip(DISCOVER_BORING);

	(void)state;
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN,
					     ENF_ELF_F_VERSION, &info),
			 0);
	close(fd);
	assert_int_equal(info.lib, ENF_TLS_LIB_BORINGSSL);
	assert_string_equal(info.version, "BoringSSL");
	check_offsets(DISCOVER_BORING, &info, ENF_TLS_LIB_BORINGSSL, false);
}

/* Programs that are no TLS code: no symbols found, no markers. */
static void test_not_tls(void **state)
{
	struct enf_elf_tls info;
	int fd;

	(void)state;
	/* this test program itself */
	fd = open_or_skip("/proc/self/exe");
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN,
					     ENF_ELF_F_MARKERS, &info),
			 0);
	close(fd);
	assert_int_equal(info.lib, ENF_TLS_LIB_UNKNOWN);
	assert_false(info.markers);

	/*
	 * the openssl CLI links libssl.so (its TLS code is there) and imports
	 * SSL_read: not static TLS, and its text is no marker
	 */
	fd = open_or_skip("/usr/bin/openssl");
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN,
					     ENF_ELF_F_MARKERS, &info),
			 0);
	close(fd);
	assert_int_equal(info.lib, ENF_TLS_LIB_UNKNOWN);
	assert_true(info.needs_tls);
	assert_false(info.markers);

	/* not ELF at all */
	fd = open_or_skip("/etc/hostname");
	assert_int_equal(enf_elf_tls_inspect(fd, ENF_TLS_LIB_UNKNOWN, 0, &info),
			 -ENOEXEC);
	close(fd);
}

static void test_lib_by_filename(void **state)
{
	static const struct {
		const char *name;
		enum enf_tls_lib lib;
	} t[] = {
		{ "libssl.so.3", ENF_TLS_LIB_OPENSSL },
		{ "libssl.so.1.1", ENF_TLS_LIB_OPENSSL },
		{ "libssl.so", ENF_TLS_LIB_OPENSSL },
		{ "libssl-1a2b3c4d.so.3", ENF_TLS_LIB_OPENSSL },
		{ "libssl3.so", ENF_TLS_LIB_UNKNOWN }, /* NSS's SSL */
		{ "libssl.sox", ENF_TLS_LIB_UNKNOWN },
		{ "libsslx.so.3", ENF_TLS_LIB_UNKNOWN },
		{ "libgnutls.so.30", ENF_TLS_LIB_GNUTLS },
		{ "libgnutls-openssl.so.27", ENF_TLS_LIB_UNKNOWN },
		{ "libgnutls-dane.so.0", ENF_TLS_LIB_UNKNOWN },
		{ "libgnutlsxx.so.30", ENF_TLS_LIB_UNKNOWN },
		{ "libnspr4.so", ENF_TLS_LIB_NSS },
		{ "libnss3.so", ENF_TLS_LIB_UNKNOWN },
		{ "libwolfssl.so.35", ENF_TLS_LIB_WOLFSSL },
		{ "libwolfssl.so", ENF_TLS_LIB_WOLFSSL },
		{ "libcrypto.so.3", ENF_TLS_LIB_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (enf_tls_lib_by_filename(t[i].name) != t[i].lib)
			fail_msg("%s classified %s, want %s", t[i].name,
				 enf_tls_lib_name(
					 enf_tls_lib_by_filename(t[i].name)),
				 enf_tls_lib_name(t[i].lib));
}

static int parse_str(const char *text, struct enf_tls_offsets **t, char *err,
		     size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	*t = NULL;
	ret = enf_tls_offsets_parse(f, "t.conf", t, err, errlen);
	fclose(f);
	return ret;
}

static void test_table_good(void **state)
{
	const char *text =
		"# a comment\n"
		"\n"
		"   \t\n"
		"09f81805b2df7c695c20e4f5f4697370c350d01d openssl SSL_read=0x7b7d0 SSL_write=0x7bd20 SSL_read_ex=0x7b860 SSL_write_ex=0x7bdb0 # trailing\n"
		"AABBCCDD boringssl SSL_write=4096 SSL_read=8192\n"
		"\t0011223344556677 gnutls gnutls_record_recv=0x10 gnutls_record_send=0x20\n"
		"00112233445566778899aabbccddeeff wolfssl wolfSSL_read=0x1 wolfSSL_write=0x2";
	static const __u8 id1[] = { 0x09, 0xf8, 0x18, 0x05, 0xb2, 0xdf, 0x7c,
				    0x69, 0x5c, 0x20, 0xe4, 0xf5, 0xf4, 0x69,
				    0x73, 0x70, 0xc3, 0x50, 0xd0, 0x1d };
	static const __u8 id2[] = { 0xaa, 0xbb, 0xcc, 0xdd };
	static const __u8 id3[] = { 0x00, 0x11, 0x22, 0x33,
				    0x44, 0x55, 0x66, 0x77 };
	const struct enf_tls_offsets_entry *e;
	struct enf_tls_offsets *t;
	char err[256] = "";

	(void)state;
	if (parse_str(text, &t, err, sizeof(err)))
		fail_msg("good table refused: %s", err);
	assert_int_equal(enf_tls_offsets_count(t), 4);

	e = enf_tls_offsets_find(t, id1, sizeof(id1));
	assert_non_null(e);
	assert_int_equal(e->lib, ENF_TLS_LIB_OPENSSL);
	assert_int_equal(e->offsets[ENF_TLS_FN_READ], 0x7b7d0);
	assert_int_equal(e->offsets[ENF_TLS_FN_WRITE], 0x7bd20);
	assert_int_equal(e->offsets[ENF_TLS_FN_READ2], 0x7b860);
	assert_int_equal(e->offsets[ENF_TLS_FN_WRITE2], 0x7bdb0);
	assert_int_equal(e->line, 4);

	e = enf_tls_offsets_find(t, id2,
				 sizeof(id2)); /* uppercase hex, decimal */
	assert_non_null(e);
	assert_int_equal(e->lib, ENF_TLS_LIB_BORINGSSL);
	assert_int_equal(e->offsets[ENF_TLS_FN_READ], 8192);
	assert_int_equal(e->offsets[ENF_TLS_FN_WRITE], 4096);
	assert_int_equal(e->offsets[ENF_TLS_FN_READ2], 0);

	e = enf_tls_offsets_find(t, id3, sizeof(id3));
	assert_non_null(e);
	assert_int_equal(e->lib, ENF_TLS_LIB_GNUTLS);
	assert_int_equal(e->offsets[ENF_TLS_FN_WRITE], 0x20);

	/* a prefix of an id is another id */
	assert_null(enf_tls_offsets_find(t, id1, 8));
	enf_tls_offsets_free(t);
}

static void test_table_malformed(void **state)
{
	static const char good[] =
		"aabbccdd openssl SSL_read=0x10 SSL_write=0x20\n";
	static const struct {
		const char *what;
		const char *line;
		const char *reason;
	} bad[] = {
		{ "odd hex digits", "abc openssl SSL_read=1 SSL_write=2",
		  "build-id" },
		{ "id too short", "ab openssl SSL_read=1 SSL_write=2",
		  "build-id" },
		{ "not hex", "abzz openssl SSL_read=1 SSL_write=2", "not hex" },
		{ "no library", "abcd", "library missing" },
		{ "unknown library", "abcd libressl SSL_read=1 SSL_write=2",
		  "unknown library" },
		{ "nss by offsets", "abcd nss PR_Read=1 PR_Write=2", "nss" },
		{ "missing write", "abcd openssl SSL_read=1", "required" },
		{ "only _ex forms", "abcd openssl SSL_read_ex=1 SSL_write_ex=2",
		  "required" },
		{ "function of another library",
		  "abcd openssl gnutls_record_recv=1 SSL_write=2",
		  "not a function" },
		{ "function twice",
		  "abcd openssl SSL_read=1 SSL_read=2 SSL_write=3", "twice" },
		{ "no =", "abcd openssl SSL_read 1 SSL_write=2",
		  "FUNCTION=OFFSET" },
		{ "offset zero", "abcd openssl SSL_read=0 SSL_write=2",
		  "bad offset" },
		{ "negative offset", "abcd openssl SSL_read=-1 SSL_write=2",
		  "must be a number" },
		{ "bad hex offset", "abcd openssl SSL_read=0xZZ SSL_write=2",
		  "bad offset" },
		{ "trailing junk", "abcd openssl SSL_read=12k SSL_write=2",
		  "bad offset" },
		{ "overflow",
		  "abcd openssl SSL_read=0x1ffffffffffffffff SSL_write=2",
		  "bad offset" },
		{ "same id twice", "AABBCCDD openssl SSL_read=1 SSL_write=2",
		  "given twice (first at line 2)" },
	};
	char text[4096], err[512], want[64];
	struct enf_tls_offsets *t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* line 1 comment, line 2 good, line 3 the bad one, line 4 good */
		snprintf(
			text, sizeof(text), "# table\n%s%s\n%s", good,
			bad[i].line,
			"11223344 gnutls gnutls_record_recv=1 gnutls_record_send=2\n");
		err[0] = '\0';
		if (parse_str(text, &t, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: accepted", bad[i].what);
		if (t)
			fail_msg("%s: a table returned with the error",
				 bad[i].what);
		snprintf(want, sizeof(want), "t.conf:3: ");
		if (strncmp(err, want, strlen(want)) ||
		    !strstr(err, bad[i].reason))
			fail_msg("%s: message \"%s\", want \"%s...%s\"",
				 bad[i].what, err, want, bad[i].reason);
	}
}

static void test_table_line_too_long(void **state)
{
	size_t n = ENF_TLS_OFFSETS_LINE_MAX + 100;
	char *text = malloc(n + 64), err[256];
	struct enf_tls_offsets *t;
	int len;

	(void)state;
	assert_non_null(text);
	len = snprintf(text, 64,
		       "# ok\naabbccdd openssl SSL_read=1 SSL_write=2 ");
	memset(text + len, '#', n - len);
	strcpy(text + n, "\n");
	assert_int_equal(parse_str(text, &t, err, sizeof(err)), -EINVAL);
	assert_null(t);
	assert_non_null(strstr(err, "t.conf:2: line longer than"));
	free(text);
}

static void test_table_files(void **state)
{
	char path[PATH_MAX], err[512];
	struct enf_tls_offsets *t = NULL;

	(void)state;
	/* missing: -ENOENT, the caller decides it is fine */
	assert_int_equal(enf_tls_offsets_load("/nonexistent/tls-offsets.conf",
					      &t, err, sizeof(err)),
			 -ENOENT);
	/* the sample shipped in packaging/ parses */
	snprintf(path, sizeof(path), "%s/packaging/tls-offsets.conf",
		 ENF_TEST_SOURCE_DIR);
	if (enf_tls_offsets_load(path, &t, err, sizeof(err)))
		fail_msg("packaging/tls-offsets.conf refused: %s", err);
	enf_tls_offsets_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_libssl_offsets),
		cmocka_unit_test(test_gnutls_offsets),
		cmocka_unit_test(test_nspr_offsets),
		cmocka_unit_test(test_wolfssl_offsets),
		cmocka_unit_test(test_static_symtab),
		cmocka_unit_test(test_boringssl_marker),
		cmocka_unit_test(test_not_tls),
		cmocka_unit_test(test_lib_by_filename),
		cmocka_unit_test(test_table_good),
		cmocka_unit_test(test_table_malformed),
		cmocka_unit_test(test_table_line_too_long),
		cmocka_unit_test(test_table_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
