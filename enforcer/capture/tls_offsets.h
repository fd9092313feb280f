/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The build-id offset table: where the TLS functions are in executables
 * whose symbols were stripped, keyed by the executable's GNU build-id.
 * Default file: /etc/enforcer/tls-offsets.conf (tls_offsets_file).
 *
 * Format, one build per line:
 *
 *   <build-id> <lib> <function>=<offset> ...
 *
 *   <build-id>  the GNU build-id in hex, as `readelf -n` or `file` print it
 *               (2 to ENF_ELF_BUILD_ID_MAX bytes: an even number of digits)
 *   <lib>       openssl, boringssl, gnutls or wolfssl (nss is not allowed:
 *               its check needs NSS's own libssl3.so)
 *   <function>  one of the library's functions: SSL_read, SSL_write,
 *               SSL_read_ex, SSL_write_ex (openssl, boringssl);
 *               gnutls_record_recv, gnutls_record_send (gnutls);
 *               wolfSSL_read, wolfSSL_write (wolfssl)
 *   <offset>    the function's FILE offset (not its virtual address), in
 *               hex with 0x or in decimal, above 0; the read and write
 *               functions (the first two names) are required, the _ex
 *               forms optional
 *
 * Fields are separated by spaces or tabs; '#' starts a comment that runs
 * to the end of the line; empty lines are ignored. A line is at most
 * ENF_TLS_OFFSETS_LINE_MAX bytes, the table at most ENF_TLS_OFFSETS_MAX
 * lines of entries. Any malformed line (bad id, unknown lib or function,
 * a function given twice, a missing read or write function, a bad
 * offset, a build-id given twice, a line too long) makes the whole table
 * refused, with "FILE:LINE: reason"; it is never used half-loaded.
 *
 * Library code: no logging, no exits.
 */
#ifndef ENFORCER_CAPTURE_TLS_OFFSETS_H
#define ENFORCER_CAPTURE_TLS_OFFSETS_H

#include <stddef.h>
#include <stdio.h>

#include "enforcer/capture/elf_tls.h"
#include "enforcer/tls_event.h"
#include "enforcer/types.h"

#define ENF_TLS_OFFSETS_DEFAULT "/etc/enforcer/tls-offsets.conf"
#define ENF_TLS_OFFSETS_MAX 4096
#define ENF_TLS_OFFSETS_LINE_MAX 1024

/**
 * struct enf_tls_offsets_entry - one line of the table
 * @build_id: the id, @build_id_len bytes
 * @build_id_len: see @build_id
 * @lib: the library
 * @offsets: file offsets by enum enf_tls_fn, 0 when not given
 * @line: the line number it came from
 */
struct enf_tls_offsets_entry {
	__u8 build_id[ENF_ELF_BUILD_ID_MAX];
	size_t build_id_len;
	enum enf_tls_lib lib;
	__u64 offsets[ENF_TLS_FN_MAX];
	unsigned int line;
};

struct enf_tls_offsets;

/**
 * enf_tls_offsets_load() - read a table file
 * @path: the file
 * @out: set to the table (possibly empty) on success
 * @err: receives "PATH:LINE: reason" (or "PATH: reason") on failure
 * @errlen: size of @err
 *
 * Return: 0; -ENOENT when the file does not exist (the caller decides
 * whether that is fine), -EINVAL for a malformed line, -E2BIG for too many
 * entries, -ENOMEM, or another negative errno from reading.
 */
int enf_tls_offsets_load(const char *path, struct enf_tls_offsets **out,
			 char *err, size_t errlen);

/**
 * enf_tls_offsets_parse() - read a table from a stream
 * @f: the stream
 * @name: the name used in messages
 * @out: set to the table on success
 * @err: see enf_tls_offsets_load()
 * @errlen: size of @err
 *
 * Return: as enf_tls_offsets_load(), without -ENOENT.
 */
int enf_tls_offsets_parse(FILE *f, const char *name,
			  struct enf_tls_offsets **out, char *err,
			  size_t errlen);

/**
 * enf_tls_offsets_free() - free a table
 * @t: the table, may be NULL
 */
void enf_tls_offsets_free(struct enf_tls_offsets *t);

/**
 * enf_tls_offsets_count() - entries in a table
 * @t: the table, may be NULL
 *
 * Return: the count.
 */
size_t enf_tls_offsets_count(const struct enf_tls_offsets *t);

/**
 * enf_tls_offsets_find() - the entry of a build-id
 * @t: the table, may be NULL
 * @id: the build-id
 * @len: its length
 *
 * Return: the entry, owned by @t, or NULL.
 */
const struct enf_tls_offsets_entry *
enf_tls_offsets_find(const struct enf_tls_offsets *t, const __u8 *id,
		     size_t len);

#endif /* ENFORCER_CAPTURE_TLS_OFFSETS_H */
