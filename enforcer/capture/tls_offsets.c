// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/capture/tls_offsets.h"

struct enf_tls_offsets {
	struct enf_tls_offsets_entry *e; /* sorted by build-id */
	size_t n, cap;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse one line into @e; on error return a static reason. */
static const char *parse_line(char *line, struct enf_tls_offsets_entry *e)
{
	char *save = NULL, *tok;
	size_t n;

	tok = strtok_r(line, " \t\r\n", &save);
	n = strlen(tok);
	if (n % 2 || n < 4 || n > 2 * ENF_ELF_BUILD_ID_MAX)
		return "build-id must be 4 to 128 hex digits, an even number";
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval((unsigned char)tok[i]);
		int lo = hexval((unsigned char)tok[i + 1]);

		if (hi < 0 || lo < 0)
			return "build-id is not hex";
		e->build_id[i / 2] = (__u8)(hi << 4 | lo);
	}
	e->build_id_len = n / 2;

	tok = strtok_r(NULL, " \t\r\n", &save);
	if (!tok)
		return "library missing after the build-id";
	e->lib = enf_tls_lib_parse(tok);
	if (e->lib == ENF_TLS_LIB_UNKNOWN)
		return "unknown library (openssl, boringssl, gnutls, wolfssl)";
	if (e->lib == ENF_TLS_LIB_NSS)
		return "nss cannot be given by offsets (its SSL check needs libssl3.so)";

	while ((tok = strtok_r(NULL, " \t\r\n", &save))) {
		char *eq = strchr(tok, '='), *end;
		unsigned long long v;
		int fn;

		if (!eq)
			return "expected FUNCTION=OFFSET";
		*eq = '\0';
		for (fn = 0; fn < ENF_TLS_FN_MAX; fn++) {
			const char *name = enf_tls_fn_name(e->lib, fn);

			if (name && !strcmp(name, tok))
				break;
		}
		if (fn == ENF_TLS_FN_MAX)
			return "not a function of this library";
		if (e->offsets[fn])
			return "function given twice";
		if (!isdigit((unsigned char)eq[1]))
			return "offset must be a number (0x... or decimal)";
		errno = 0;
		v = strtoull(eq + 1, &end, 0);
		if (errno || *end || !v)
			return "bad offset (0x... or decimal, above 0)";
		e->offsets[fn] = v;
	}
	if (!e->offsets[ENF_TLS_FN_READ] || !e->offsets[ENF_TLS_FN_WRITE])
		return "the read and write functions are required";
	return NULL;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct enf_tls_offsets_entry *x = a, *y = b;

	if (x->build_id_len != y->build_id_len)
		return x->build_id_len < y->build_id_len ? -1 : 1;
	return memcmp(x->build_id, y->build_id, x->build_id_len);
}

static int table_add(struct enf_tls_offsets *t,
		     const struct enf_tls_offsets_entry *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		void *p;

		if (cap > ENF_TLS_OFFSETS_MAX)
			cap = ENF_TLS_OFFSETS_MAX;
		p = realloc(t->e, cap * sizeof(*t->e));
		if (!p)
			return -ENOMEM;
		t->e = p;
		t->cap = cap;
	}
	t->e[t->n++] = *e;
	return 0;
}

int enf_tls_offsets_parse(FILE *f, const char *name,
			  struct enf_tls_offsets **out, char *err,
			  size_t errlen)
{
	char line[ENF_TLS_OFFSETS_LINE_MAX + 2];
	struct enf_tls_offsets *t;
	unsigned int lineno = 0;
	int ret = 0;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	while (fgets(line, sizeof(line), f)) {
		struct enf_tls_offsets_entry e = { 0 };
		size_t len = strlen(line);
		const char *why;
		char *hash, *p;

		bool nl = len && line[len - 1] == '\n';

		lineno++;
		if ((!nl && !feof(f)) ||
		    len > (size_t)ENF_TLS_OFFSETS_LINE_MAX + nl) {
			set_err(err, errlen, "%s:%u: line longer than %d bytes",
				name, lineno, ENF_TLS_OFFSETS_LINE_MAX);
			ret = -EINVAL;
			goto out_free_table;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (p = line;
		     *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'; p++)
			;
		if (!*p)
			continue;
		why = parse_line(p, &e);
		if (why) {
			set_err(err, errlen, "%s:%u: %s", name, lineno, why);
			ret = -EINVAL;
			goto out_free_table;
		}
		if (t->n >= ENF_TLS_OFFSETS_MAX) {
			set_err(err, errlen, "%s:%u: more than %d entries",
				name, lineno, ENF_TLS_OFFSETS_MAX);
			ret = -E2BIG;
			goto out_free_table;
		}
		e.line = lineno;
		ret = table_add(t, &e);
		if (ret) {
			set_err(err, errlen, "%s: out of memory", name);
			goto out_free_table;
		}
	}
	if (ferror(f)) {
		ret = -EIO;
		set_err(err, errlen, "%s: read error", name);
		goto out_free_table;
	}
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	for (size_t i = 1; i < t->n; i++) {
		const struct enf_tls_offsets_entry *a = &t->e[i - 1];
		const struct enf_tls_offsets_entry *b = &t->e[i];

		if (cmp_entry(a, b))
			continue;
		set_err(err, errlen,
			"%s:%u: build-id given twice (first at line %u)", name,
			a->line > b->line ? a->line : b->line,
			a->line < b->line ? a->line : b->line);
		ret = -EINVAL;
		goto out_free_table;
	}
	*out = t;
	return 0;

out_free_table:
	enf_tls_offsets_free(t);
	return ret;
}

int enf_tls_offsets_load(const char *path, struct enf_tls_offsets **out,
			 char *err, size_t errlen)
{
	FILE *f;
	int ret;

	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = enf_tls_offsets_parse(f, path, out, err, errlen);
	fclose(f);
	return ret;
}

void enf_tls_offsets_free(struct enf_tls_offsets *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

size_t enf_tls_offsets_count(const struct enf_tls_offsets *t)
{
	return t ? t->n : 0;
}

const struct enf_tls_offsets_entry *
enf_tls_offsets_find(const struct enf_tls_offsets *t, const __u8 *id,
		     size_t len)
{
	struct enf_tls_offsets_entry key;

	if (!t || !t->n || !len || len > sizeof(key.build_id))
		return NULL;
	key.build_id_len = len;
	memcpy(key.build_id, id, len);
	return bsearch(&key, t->e, t->n, sizeof(*t->e), cmp_entry);
}
