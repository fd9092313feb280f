/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What an ELF file holds of a TLS library: where its read and write
 * functions are (as the file offsets uprobes take), its GNU build-id, its
 * version text, and, for an executable without symbols, whether it still
 * carries TLS code.
 *
 * Functions are looked up by name in .dynsym, then in .symtab (a static
 * executable keeps them only there, until it is stripped). A symbol's
 * virtual address becomes a file offset through the PT_LOAD header that
 * covers it: offset = vaddr - p_vaddr + p_offset.
 *
 * TLS code markers, for an executable with neither symbols nor an entry in
 * the build-id table (ENF_ELF_F_MARKERS): its read-only data holds
 *   - both "tls13 " (the RFC 8446 HkdfLabel prefix, which every TLS 1.3 key
 *     schedule carries) and "TLSv1.3" (the protocol name SSL_get_version()
 *     returns in OpenSSL, BoringSSL and wolfSSL; GnuTLS writes "TLS1.3",
 *     Go "TLS 1.3"): both survive `strip` in a static OpenSSL 3 build,
 *     whose OPENSSL_VERSION_TEXT is often not linked in; or
 *   - OpenSSL's OPENSSL_VERSION_TEXT ("OpenSSL 1.1.1w  11 Sep 2023",
 *     "OpenSSL 3.0.17 1 Jul 2025": version, spaces, a date), for builds
 *     that link OpenSSL_version() (and 1.1.0 and older, without TLS 1.3);
 * and the file does not load a TLS library (DT_NEEDED): a program linked
 * against libssl.so (nginx prints the OPENSSL_VERSION_TEXT it was built
 * with) has its TLS code in the library, found there. A loose mention such
 * as "requires OpenSSL 1.1" or "BoringSSL" is not a marker (enforcerd
 * itself names BoringSSL; it keeps the two marker texts out of its own
 * read-only data). "BoringSSL" or a BORINGSSL_* symbol only tells
 * BoringSSL from OpenSSL in a file that defines SSL_read and SSL_write.
 *
 * Library code: no logging, no exits; errors are negative errnos.
 */
#ifndef ENFORCER_CAPTURE_ELF_TLS_H
#define ENFORCER_CAPTURE_ELF_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "enforcer/tls_event.h"
#include "enforcer/types.h"

/* Longest GNU build-id kept (SHA-1 ids are 20 bytes, some linkers use 16 or 8). */
#define ENF_ELF_BUILD_ID_MAX 64
/* Bytes of read-only data searched for markers and versions in one file. */
#define ENF_ELF_SCAN_MAX (512ul << 20)
#define ENF_ELF_VERSION_LEN 64

/**
 * struct enf_elf_tls - what enf_elf_tls_inspect() found
 * @lib: the library whose read and write functions the file defines, or
 *	ENF_TLS_LIB_UNKNOWN
 * @offsets: file offsets of @lib's functions by enum enf_tls_fn, 0 when
 *	absent (the read and write slots are always set when @lib is)
 * @how: "dynsym" when every function was found in .dynsym, "symtab" when
 *	one came from .symtab; NULL when @lib is unknown
 * @build_id: the GNU build-id note, @build_id_len bytes (0: none)
 * @build_id_len: see @build_id
 * @is_exec: an executable (ET_EXEC, or ET_DYN with a PT_INTERP: a PIE)
 * @needs_tls: DT_NEEDED names a TLS library (libssl, libgnutls, libnspr4,
 *	libssl3, libnss3, libwolfssl)
 * @boringssl: a BORINGSSL_* symbol or the text "BoringSSL"
 * @markers: TLS code markers (ENF_ELF_F_MARKERS, no functions found; see
 *	the top comment), already false when @needs_tls
 * @version: version text of the file itself ("OpenSSL 3.0.17",
 *	"GnuTLS 3.7.9", "wolfSSL 5.5.4", "NSS 3.87.1", "BoringSSL"), or ""
 */
struct enf_elf_tls {
	enum enf_tls_lib lib;
	__u64 offsets[ENF_TLS_FN_MAX];
	const char *how;
	__u8 build_id[ENF_ELF_BUILD_ID_MAX];
	size_t build_id_len;
	bool is_exec;
	bool needs_tls;
	bool boringssl;
	bool markers;
	char version[ENF_ELF_VERSION_LEN];
};

/* enf_elf_tls_inspect() flags */
#define ENF_ELF_F_MARKERS (1u << 0) /* look for markers when no symbols */
#define ENF_ELF_F_VERSION (1u << 1) /* look for the version text */

/**
 * enf_elf_tls_inspect() - inspect one ELF file
 * @fd: the file, open for reading (not closed; its offset is not used)
 * @want: the library to look for (a file named like one), or
 *	ENF_TLS_LIB_UNKNOWN to try each library's functions (an executable
 *	with TLS code linked in: OpenSSL or BoringSSL, GnuTLS, wolfSSL; NSS is
 *	only found in libnspr4). A file defining SSL_read and SSL_write with
 *	a BoringSSL marker reports ENF_TLS_LIB_BORINGSSL.
 * @flags: ENF_ELF_F_*
 * @out: filled
 *
 * Return: 0 (also when no function was found: @out->lib is then unknown),
 * -ENOEXEC for a file that is not a 64- or 32-bit ELF file, -ENOMEM.
 */
int enf_elf_tls_inspect(int fd, enum enf_tls_lib want, unsigned int flags,
			struct enf_elf_tls *out);

/**
 * enf_elf_build_id() - read the GNU build-id note of a file
 * @fd: the file
 * @id: receives the id
 * @max: room in @id
 * @len: set to the id's length, 0 when the file has none
 *
 * Return: 0, -ENOEXEC (not ELF), -E2BIG (id longer than @max).
 */
int enf_elf_build_id(int fd, __u8 *id, size_t max, size_t *len);

/**
 * enf_elf_find_version() - find "<prefix><version>" in a file's read-only data
 * @fd: the file
 * @prefix: the text before the version, e.g. "OpenSSL "
 * @out: receives "<prefix><version>" with the version as digits and dots
 *	(at least one dot) and an optional trailing letter ("1.1.1w")
 * @len: size of @out
 *
 * Return: 0, -ENOENT when not found, -ENOEXEC when not ELF.
 */
int enf_elf_find_version(int fd, const char *prefix, char *out, size_t len);

/**
 * enf_elf_sym_offset() - file offset of a defined function, by name
 * @fd: the file
 * @name: the symbol
 * @off: set to the offset
 *
 * A small helper over enf_elf_tls_inspect()'s lookup, for tests and tools.
 *
 * Return: 0, -ENOENT when the file does not define @name, -ENOEXEC.
 */
int enf_elf_sym_offset(int fd, const char *name, __u64 *off);

/**
 * enf_elf_offset_in_code() - whether a file offset lies in executable code
 * @fd: the ELF file, open for reading
 * @off: a file offset, as uprobes take them
 *
 * Return: 0 when @off is inside the file bytes of an executable PT_LOAD
 * segment, -ERANGE when not, another negative errno when the file cannot
 * be read as ELF.
 */
int enf_elf_offset_in_code(int fd, __u64 off);

/**
 * enf_tls_lib_by_filename() - the library a file name says it is
 * @base: a file name without directories
 *
 * libssl.so[.N...] and auditwheel's libssl-<hash>.so[.N] are openssl
 * (NSS's libssl3.so is not), libgnutls.so[.N] is gnutls (libgnutls-openssl,
 * -dane and xx are not), libnspr4.so is nss, libwolfssl.so[.N] is wolfssl.
 *
 * Return: the library, or ENF_TLS_LIB_UNKNOWN.
 */
enum enf_tls_lib enf_tls_lib_by_filename(const char *base);

/**
 * enf_tls_lib_name() - "openssl", "gnutls", ...
 * @lib: the library
 *
 * Return: a static string; "unknown" for an unknown value.
 */
const char *enf_tls_lib_name(enum enf_tls_lib lib);

/**
 * enf_tls_lib_parse() - the library of a name from enf_tls_lib_name()
 * @name: the name
 *
 * Return: the library, or ENF_TLS_LIB_UNKNOWN.
 */
enum enf_tls_lib enf_tls_lib_parse(const char *name);

/**
 * enf_tls_fn_name() - the function a library has in a slot
 * @lib: the library
 * @fn: the slot
 *
 * Return: "SSL_read", "gnutls_record_send", ..., or NULL when @lib has no
 * function in @fn.
 */
const char *enf_tls_fn_name(enum enf_tls_lib lib, enum enf_tls_fn fn);

/**
 * enf_build_id_hex() - a build-id as lowercase hex
 * @id: the id
 * @len: its length
 * @out: receives 2 * @len digits and a NUL, cut to fit
 * @outlen: size of @out
 */
void enf_build_id_hex(const __u8 *id, size_t len, char *out, size_t outlen);

#endif /* ENFORCER_CAPTURE_ELF_TLS_H */
