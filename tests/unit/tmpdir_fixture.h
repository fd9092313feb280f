/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the tests of files on disk share: a check that says what broke, a
 * temporary directory per test with a file path in it (struct fx), and SQL
 * through a connection of the test's own, as someone with the sqlite3
 * shell and write access to the database would run it. Include it once,
 * after <cmocka.h>; each test file names its directory and file:
 *
 *	static int setup(void **state)
 *	{
 *		return fx_setup(state, "/tmp/test_x.XXXXXX", "policy.db");
 *	}
 */
#ifndef ENFORCER_TESTS_TMPDIR_FIXTURE_H
#define ENFORCER_TESTS_TMPDIR_FIXTURE_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "policydb/policydb.h"

/* A check that says what broke when it fails. */
#define check(cond, ...)                                          \
	do {                                                      \
		if (!(cond)) {                                    \
			print_error("check failed: %s\n", #cond); \
			fail_msg(__VA_ARGS__);                    \
		}                                                 \
	} while (0)

struct fx {
	char dir[64];
	char path[128];
	char err[PDB_ERR_LEN];
};

static inline int fx_rm_entry(const char *p, const struct stat *sb, int flag,
			      struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A struct fx with a fresh directory from @tmpl (ending in XXXXXX) and
 * path @file in it, into *@state. */
static inline int fx_setup(void **state, const char *tmpl, const char *file)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s", tmpl);
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	snprintf(fx->path, sizeof(fx->path), "%s/%s", fx->dir, file);
	*state = fx;
	return 0;
}

/* Removes the directory and everything in it. */
static inline int teardown(void **state)
{
	struct fx *fx = *state;

	nftw(fx->dir, fx_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(fx);
	return 0;
}

/* Runs @sql (creating the file when missing), waiting up to 5 s for
 * locks. Return: the SQLite result code. */
static inline int raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	int rc;

	rc = sqlite3_open_v2(path, &h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(h, 5000);
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
	}
	sqlite3_close(h);
	return rc;
}

/* The first column of the first row of @sql; -12345 when there is none. */
static inline int64_t raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -12345;
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

/* The same as text into @buf; "(none)" when there is no row or it is
 * NULL. */
static inline void raw_text(const char *path, const char *sql, char *buf,
			    size_t len)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;

	snprintf(buf, len, "(none)");
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

#endif /* ENFORCER_TESTS_TMPDIR_FIXTURE_H */
