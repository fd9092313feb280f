// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policydb: read-only queries. Every refused statement must leave the
 * database as it was; reads work even without write permission.
 */
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "policydb/pdb_internal.h"
#include "policydb/policydb.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define AUDIT_ROWS 5
#define STR_(x) #x
#define STR(x) STR_(x)

/* A check that says what broke when it fails. */
#define check(cond, ...)                                     \
	do {                                                 \
		if (!(cond)) {                               \
			print_error("check failed: " #cond); \
			print_error("\n");                   \
			fail_msg(__VA_ARGS__);               \
		}                                            \
	} while (0)

struct fx {
	bool made;
	char dir[64];
	char path[128];
	char err[PDB_ERR_LEN];
};

static int rm_entry(const char *p, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/* A database with AUDIT_ROWS audit rows, a rule and a block; closed. */
static int setup(void **state)
{
	struct pdb_audit a = { .event = "match",
			       .severity = 3,
			       .saddr = "192.0.2.1",
			       .uri = "/" };
	struct pdb_block b = { .kind = "src", .key = "192.0.2.1" };
	struct pdb_rule r = { .rule_id = 1, .text = "SecRule x" };
	struct fx *fx = calloc(1, sizeof(*fx));
	struct pdb *db;
	int i;

	if (!fx)
		return -1;
	*state = fx;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test_policydb_query.XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->made = true;
	snprintf(fx->path, sizeof(fx->path), "%s/policy.db", fx->dir);
	if (pdb_open(fx->path, &db, fx->err))
		return -1;
	/* 5 rows, rule_id 1001..1005, one second apart */
	for (i = 1; i <= AUDIT_ROWS; i++) {
		a.time_ns = i * 1000000000LL;
		a.rule_id = 1000 + i;
		if (pdb_audit_insert(db, &a, fx->err) <= 0)
			return -1;
	}
	if (pdb_rule_insert(db, &r, fx->err) ||
	    pdb_block_upsert(db, &b, fx->err))
		return -1;
	pdb_close(db);
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	if (fx->made) {
		chmod(fx->dir, 0700);
		nftw(fx->dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	}
	free(fx);
	return 0;
}

static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -12345;
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_text(const char *path, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;

	snprintf(buf, len, "(none)");
	if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* What a refused statement must not have changed. */
struct snapshot {
	int64_t audit, rules, blocklist, objects, user_version, schema_version;
	char journal[16], blocked[32];
};

static void snap(const char *path, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	s->audit = raw_int(path, "SELECT count(*) FROM audit");
	s->rules = raw_int(path, "SELECT count(*) FROM rules");
	s->blocklist = raw_int(path, "SELECT count(*) FROM blocklist");
	s->objects = raw_int(path, "SELECT count(*) FROM sqlite_schema");
	s->user_version = raw_int(path, "PRAGMA user_version");
	s->schema_version = raw_int(path, "PRAGMA schema_version");
	raw_text(path, "PRAGMA journal_mode", s->journal, sizeof(s->journal));
	raw_text(path, "SELECT key || state FROM blocklist", s->blocked,
		 sizeof(s->blocked));
}

struct rows {
	int name_calls, ncols, nrows, stop_at, stop_with;
	char names[8][32];
	char first[8][64];
	bool first_null[8];
};

static int rows_cb(void *ctx, int ncols, const char *const *names,
		   const char *const *values)
{
	struct rows *r = ctx;
	int i;

	r->ncols = ncols;
	if (!values) {
		r->name_calls++;
		for (i = 0; i < ncols && i < 8; i++)
			snprintf(r->names[i], sizeof(r->names[0]), "%s",
				 names[i]);
		return 0;
	}
	if (r->nrows == 0) {
		for (i = 0; i < ncols && i < 8; i++) {
			r->first_null[i] = !values[i];
			snprintf(r->first[i], sizeof(r->first[0]), "%s",
				 values[i] ? values[i] : "");
		}
	}
	r->nrows++;
	if (r->stop_at && r->nrows == r->stop_at)
		return r->stop_with;
	return 0;
}

static void test_select_rows_and_names(void **state)
{
	struct fx *fx = *state;
	struct rows r = { 0 };
	bool cut = true;
	int ret;

	ret = pdb_query_readonly(fx->path,
				 "SELECT rule_id, saddr AS peer, msg FROM audit"
				 " ORDER BY time_ns DESC",
				 0, rows_cb, &r, &cut, fx->err);
	check(ret == AUDIT_ROWS, "returned %d (%s)", ret, fx->err);
	check(fx->err[0] == '\0', "success left a message: %s", fx->err);
	check(!cut, "truncated set without a cut");
	check(r.name_calls == 1 && r.nrows == AUDIT_ROWS,
	      "%d name calls, %d rows", r.name_calls, r.nrows);
	check(r.ncols == 3 && !strcmp(r.names[0], "rule_id") &&
		      !strcmp(r.names[1], "peer") && !strcmp(r.names[2], "msg"),
	      "column names %s, %s, %s", r.names[0], r.names[1], r.names[2]);
	check(!strcmp(r.first[0], "1005") && !strcmp(r.first[1], "192.0.2.1"),
	      "first row %s, %s", r.first[0], r.first[1]);
	check(r.first_null[2], "NULL msg came back as '%s'", r.first[2]);
}

static void test_refused_statements(void **state)
{
	struct fx *fx = *state;
	char attached[192], vacuumed[192], sql[512];
	struct snapshot before, after;
	const struct {
		const char *what, *sql;
		int err;
		const char *says;
	} cases[] = {
		{ "INSERT",
		  "INSERT INTO audit (time_ns, event) VALUES (1, 'x')", -EPERM,
		  "INSERT is not allowed" },
		{ "REPLACE",
		  "REPLACE INTO rules (rule_id, text, created, updated)"
		  " VALUES (1, 'y', 0, 0)",
		  -EPERM, "INSERT is not allowed" },
		{ "UPDATE", "UPDATE blocklist SET state = 'removed'", -EPERM,
		  "UPDATE is not allowed" },
		{ "DELETE", "DELETE FROM audit", -EPERM,
		  "DELETE is not allowed" },
		{ "CTE DELETE",
		  "WITH x AS (SELECT 1) DELETE FROM audit WHERE id IN x",
		  -EPERM, "DELETE is not allowed" },
		{ "DROP TABLE", "DROP TABLE audit", -EPERM,
		  "DROP TABLE is not allowed" },
		{ "CREATE TABLE", "CREATE TABLE t (x)", -EPERM,
		  "CREATE TABLE is not allowed" },
		{ "CREATE TEMP TABLE", "CREATE TEMP TABLE t (x)", -EPERM,
		  "CREATE TEMP TABLE is not allowed" },
		{ "CREATE VIEW", "CREATE VIEW v AS SELECT 1", -EPERM,
		  "CREATE VIEW is not allowed" },
		{ "CREATE INDEX", "CREATE INDEX i ON audit (msg)", -EPERM,
		  "CREATE INDEX is not allowed" },
		{ "ALTER TABLE", "ALTER TABLE audit ADD COLUMN z", -EPERM,
		  "ALTER TABLE is not allowed" },
		{ "ATTACH", sql, -EPERM, "ATTACH is not allowed" },
		{ "PRAGMA journal_mode=DELETE", "PRAGMA journal_mode=DELETE",
		  -EPERM, "PRAGMA journal_mode=DELETE is not allowed" },
		{ "PRAGMA user_version=5", "PRAGMA user_version=5", -EPERM,
		  "PRAGMA user_version=5 is not allowed" },
		{ "PRAGMA query_only=OFF", "PRAGMA query_only=OFF", -EPERM,
		  "PRAGMA query_only=OFF is not allowed" },
		{ "PRAGMA writable_schema", "PRAGMA writable_schema=1", -EPERM,
		  "is not allowed" },
		/* A table-valued pragma prepares its PRAGMA while the
		 * statement runs: the authorizer must still see it. */
		{ "table-valued journal_mode",
		  "SELECT * FROM pragma_journal_mode", -EPERM,
		  "PRAGMA journal_mode is not allowed" },
		{ "table-valued journal_mode of main",
		  "SELECT journal_mode FROM pragma_journal_mode"
		  " WHERE schema = 'main'",
		  -EPERM, "PRAGMA journal_mode is not allowed" },
		{ "table-valued writable_schema",
		  "SELECT * FROM pragma_writable_schema", -EPERM,
		  "PRAGMA writable_schema is not allowed" },
		{ "table-valued writable_schema in a subquery",
		  "SELECT (SELECT count(*) FROM pragma_writable_schema)",
		  -EPERM, "PRAGMA writable_schema is not allowed" },
		{ "read journal_mode (not read-only to SQLite)",
		  "PRAGMA journal_mode", -EPERM,
		  "PRAGMA journal_mode is not allowed" },
		/* These two never reach the authorizer: SQLite refuses an
		 * UPDATE of the schema table while parsing it, and this build
		 * has no writefile() (only the sqlite3 shell has it; it is
		 * refused by name should a build ever have it). */
		{ "UPDATE of the schema table (SQLite refuses it)",
		  "UPDATE sqlite_master SET sql = 'x'", -EINVAL,
		  "may not be modified" },
		{ "writefile (SQLite has none)",
		  "SELECT writefile('/tmp/x', 'y')", -EINVAL,
		  "no such function" },
		{ "load_extension", "SELECT load_extension('x')", -EPERM,
		  "function load_extension() is not allowed" },
		{ "fts3_tokenizer", "SELECT fts3_tokenizer('simple')", -EPERM,
		  "function fts3_tokenizer() is not allowed" },
		{ "two statements", "SELECT 1; DELETE FROM audit", -EPERM,
		  "more than one statement" },
		{ "two SELECTs", "SELECT 1; SELECT 2", -EPERM,
		  "more than one statement" },
		{ "syntax error", "SELEC * FROM audit", -EINVAL,
		  "syntax error" },
		{ "no such table", "SELECT * FROM nope", -EINVAL,
		  "no such table" },
		{ "BEGIN", "BEGIN IMMEDIATE", -EPERM, "BEGIN is not allowed" },
		{ "COMMIT", "COMMIT", -EPERM, "COMMIT is not allowed" },
		{ "SAVEPOINT", "SAVEPOINT s", -EPERM, "not allowed" },
		{ "VACUUM", "VACUUM", -EPERM, "VACUUM is not allowed" },
		{ "VACUUM INTO", vacuumed, -EPERM, "VACUUM is not allowed" },
		{ "REINDEX", "REINDEX", -EPERM, "REINDEX is not allowed" },
		{ "ANALYZE", "ANALYZE", -EPERM, "ANALYZE is not allowed" },
		{ "empty", " ; -- nothing\n /* at all */", -EINVAL, "empty" },
	};
	struct rows r;
	size_t i;
	int ret;

	snprintf(attached, sizeof(attached), "%s/attached.db", fx->dir);
	snprintf(sql, sizeof(sql), "ATTACH '%s' AS a", attached);
	snprintf(vacuumed, sizeof(vacuumed), "VACUUM INTO '%s/copy.db'",
		 fx->dir);
	snap(fx->path, &before);
	check(before.audit == AUDIT_ROWS && !strcmp(before.journal, "wal"),
	      "fixture database not as expected");

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0, sizeof(r));
		ret = pdb_query_readonly(fx->path, cases[i].sql, 0, rows_cb, &r,
					 NULL, fx->err);
		check(ret == cases[i].err, "%s: returned %d, want %d (%s)",
		      cases[i].what, ret, cases[i].err, fx->err);
		check(strstr(fx->err, cases[i].says) != NULL,
		      "%s: message '%s' does not say '%s'", cases[i].what,
		      fx->err, cases[i].says);
		/* Column names may come before a failure while running. */
		check(r.nrows == 0, "%s: rows delivered although refused",
		      cases[i].what);
		snap(fx->path, &after);
		check(!memcmp(&before, &after, sizeof(before)),
		      "%s: database changed (audit %lld->%lld, objects "
		      "%lld->%lld, user_version %lld, journal %s)",
		      cases[i].what, (long long)before.audit,
		      (long long)after.audit, (long long)before.objects,
		      (long long)after.objects, (long long)after.user_version,
		      after.journal);
	}
	check(access(attached, F_OK) != 0, "ATTACH created %s", attached);
	snprintf(sql, sizeof(sql), "%s/copy.db", fx->dir);
	check(access(sql, F_OK) != 0, "VACUUM INTO created %s", sql);
	check(!strcmp(before.blocked, "192.0.2.1active"),
	      "blocklist fixture is '%s'", before.blocked);
}

static void test_reads_that_are_allowed(void **state)
{
	struct fx *fx = *state;
	const struct {
		const char *what, *sql;
		int rows;
		const char *first;
	} cases[] = {
		{ "table_info pragma", "PRAGMA table_info(audit)", 34, "0" },
		{ "table-valued table_info",
		  "SELECT count(*) FROM pragma_table_info('audit')", 1, "34" },
		{ "read user_version", "PRAGMA user_version", 1,
		  STR(PDB_SCHEMA_VERSION) },
		{ "json_each", "SELECT count(*) FROM json_each('[1,2,3]')", 1,
		  "3" },
		{ "dbstat", "SELECT count(*) > 0 FROM dbstat", 1, "1" },
		{ "view of the schema",
		  "SELECT count(*) FROM sqlite_schema WHERE type = 'table'", 1,
		  "5" },
		{ "recursive CTE with a limit",
		  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		  " FROM c LIMIT 10) SELECT sum(x) FROM c",
		  1, "55" },
		{ "functions", "SELECT upper('a') || printf('%d', 7)", 1,
		  "A7" },
		{ "json", "SELECT json_extract('{\"a\":3}', '$.a')", 1, "3" },
		{ "date", "SELECT date(0, 'unixepoch')", 1, "1970-01-01" },
		{ "join",
		  "SELECT count(*) FROM audit JOIN blocklist USING"
		  " (rule_id)",
		  1, "0" },
		{ "trailing noise",
		  "  -- lead\nSELECT count(*) FROM rules; -- tail\n/* c */ ;",
		  1, "1" },
		{ "blob as hex", "SELECT x'00ff10'", 1, "x'00ff10'" },
		{ "WITH clause", "WITH a AS (SELECT 2 AS v) SELECT v FROM a", 1,
		  "2" },
	};
	struct rows r;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&r, 0, sizeof(r));
		ret = pdb_query_readonly(fx->path, cases[i].sql, 0, rows_cb, &r,
					 NULL, fx->err);
		check(ret == cases[i].rows, "%s: returned %d, want %d (%s)",
		      cases[i].what, ret, cases[i].rows, fx->err);
		check(!strcmp(r.first[0], cases[i].first),
		      "%s: first value '%s', want '%s'", cases[i].what,
		      r.first[0], cases[i].first);
	}
}

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static void test_endless_query_times_out(void **state)
{
	static const char *const endless[] = {
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		" FROM c) SELECT count(*) FROM c",
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		" FROM c) SELECT x FROM c WHERE x < 0",
	};
	struct fx *fx = *state;
	struct timespec t0;
	struct rows r;
	double took;
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(endless); i++) {
		memset(&r, 0, sizeof(r));
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ret = pdb_query_readonly_budget(fx->path, endless[i], 0, 200,
						rows_cb, &r, NULL, fx->err);
		took = since(&t0);
		check(ret == -ETIMEDOUT, "query %zu: returned %d (%s)", i, ret,
		      fx->err);
		check(strstr(fx->err, "interrupted") != NULL,
		      "timeout message: '%s'", fx->err);
		check(took >= 0.19 && took < 3.0,
		      "query %zu stopped after %.3f s, budget 0.2 s", i, took);
		check(r.nrows == 0, "rows from an interrupted query");
	}
}

static void test_max_rows_truncates(void **state)
{
	static const char gen[] =
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		" FROM c LIMIT 20000) SELECT x FROM c";
	struct fx *fx = *state;
	struct rows r = { 0 };
	bool cut = false;
	int ret;

	ret = pdb_query_readonly(fx->path, "SELECT id FROM audit", 3, rows_cb,
				 &r, &cut, fx->err);
	check(ret == 3 && r.nrows == 3, "max_rows 3: returned %d", ret);
	check(cut, "max_rows 3 of %d: truncated not set", AUDIT_ROWS);

	memset(&r, 0, sizeof(r));
	ret = pdb_query_readonly(fx->path, "SELECT id FROM audit", AUDIT_ROWS,
				 rows_cb, &r, &cut, fx->err);
	check(ret == AUDIT_ROWS && !cut,
	      "exactly max_rows rows: returned %d, truncated %d", ret, cut);

	ret = pdb_query_readonly(fx->path, gen, 50000, NULL, NULL, &cut,
				 fx->err);
	check(ret == PDB_QUERY_MAX_ROWS && cut,
	      "max_rows above the cap: returned %d, truncated %d", ret, cut);
	ret = pdb_query_readonly(fx->path, gen, 0, NULL, NULL, &cut, fx->err);
	check(ret == PDB_QUERY_MAX_ROWS && cut,
	      "max_rows 0: returned %d, truncated %d", ret, cut);
}

static void test_callback_stops_or_fails(void **state)
{
	struct fx *fx = *state;
	struct rows r = { .stop_at = 2, .stop_with = 1 };
	bool cut = true;
	int ret;

	ret = pdb_query_readonly(fx->path, "SELECT id FROM audit", 0, rows_cb,
				 &r, &cut, fx->err);
	check(ret == 2 && r.nrows == 2 && !cut,
	      "positive stop: returned %d after %d rows", ret, r.nrows);

	memset(&r, 0, sizeof(r));
	r.stop_at = 3;
	r.stop_with = -EPIPE;
	ret = pdb_query_readonly(fx->path, "SELECT id FROM audit", 0, rows_cb,
				 &r, &cut, fx->err);
	check(ret == -EPIPE && r.nrows == 3,
	      "negative stop: returned %d after %d rows", ret, r.nrows);
}

static void test_value_and_text_limits(void **state)
{
	struct fx *fx = *state;
	char *sql;
	int ret;

	ret = pdb_query_readonly(fx->path, "SELECT zeroblob(100000000)", 0,
				 NULL, NULL, NULL, fx->err);
	check(ret == -E2BIG && fx->err[0], "100 MB blob: returned %d (%s)", ret,
	      fx->err);
	ret = pdb_query_readonly(fx->path, "SELECT hex(zeroblob(600000))", 0,
				 NULL, NULL, NULL, fx->err);
	check(ret == -E2BIG, "1.2 MB string: returned %d (%s)", ret, fx->err);

	sql = malloc(PDB_QUERY_SQL_MAX + 16);
	assert_non_null(sql);
	memset(sql, ' ', PDB_QUERY_SQL_MAX + 8);
	memcpy(sql, "SELECT 1", 8);
	sql[PDB_QUERY_SQL_MAX + 8] = '\0';
	ret = pdb_query_readonly(fx->path, sql, 0, NULL, NULL, NULL, fx->err);
	free(sql);
	check(ret == -E2BIG, "SQL over 64 KiB: returned %d", ret);
}

/* Adds up what the callback was handed, as pdb_query_readonly() counts it. */
struct bytes_seen {
	int rows;
	size_t bytes, largest_row;
	unsigned int sleep_ms;
};

static int bytes_cb(void *ctx, int ncols, const char *const *names,
		    const char *const *values)
{
	struct bytes_seen *b = ctx;
	size_t row = 0;
	int i;

	(void)names;
	if (!values)
		return 0;
	for (i = 0; i < ncols; i++)
		row += values[i] ? strlen(values[i]) : 0;
	b->bytes += row;
	if (row > b->largest_row)
		b->largest_row = row;
	b->rows++;
	if (b->sleep_ms)
		usleep(b->sleep_ms * 1000);
	return 0;
}

/* "SELECT zeroblob(@size), ... " with @n columns; malloc'd. */
static char *wide_select(int n, const char *value)
{
	size_t len = 16 + (size_t)n * (strlen(value) + 2);
	char *sql = malloc(len);
	size_t o;
	int i;

	if (!sql)
		return NULL;
	o = (size_t)snprintf(sql, len, "SELECT ");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(sql + o, len - o, "%s%s", i ? ", " : "",
				      value);
	return sql;
}

static void test_bytes_handed_out_are_capped(void **state)
{
	static const char blobs[] =
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		" FROM c LIMIT 3000) SELECT randomblob(1000000) FROM c";
	static const char texts[] =
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1"
		" FROM c LIMIT 3000) SELECT printf('%.*c', 700000, 'a'),"
		" 7 FROM c";
	struct fx *fx = *state;
	struct bytes_seen b = { 0 };
	struct timespec t0;
	sqlite3_int64 high;
	bool cut = false;
	double took;
	char *sql;
	int ret;

	/* 3000 rows of a 1 MB blob, 2 MB each as hex: cut at 16 MiB */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = pdb_query_readonly(fx->path, blobs, 0, bytes_cb, &b, &cut,
				 fx->err);
	took = since(&t0);
	check(ret == b.rows && ret > 0, "randomblob rows: returned %d (%s)",
	      ret, fx->err);
	check(cut, "randomblob rows: %d rows, truncated not set", ret);
	check(b.bytes <= PDB_QUERY_MAX_BYTES &&
		      b.bytes + b.largest_row > PDB_QUERY_MAX_BYTES,
	      "randomblob rows: %zu bytes handed out, cap %d, row %zu", b.bytes,
	      PDB_QUERY_MAX_BYTES, b.largest_row);
	check(b.largest_row == 2000003, "a 1 MB blob counted as %zu bytes",
	      b.largest_row);
	check(took < 3.0, "randomblob rows took %.2f s", took);

	/* text counts as it is, and the byte cap holds for max_rows 0 */
	memset(&b, 0, sizeof(b));
	ret = pdb_query_readonly(fx->path, texts, 0, bytes_cb, &b, &cut,
				 fx->err);
	check(ret == PDB_QUERY_MAX_BYTES / 700001 && cut,
	      "700 kB text rows: returned %d, truncated %d (%s)", ret, cut,
	      fx->err);
	check(b.largest_row == 700001, "row of text counted as %zu bytes",
	      b.largest_row);

	/*
	 * A row wider than the cap: nothing handed out. SQLite expands the
	 * zeroblobs of the row it holds, so its memory is bounded by the
	 * widest row, PDB_QUERY_COLUMNS_MAX values of PDB_QUERY_VALUE_MAX,
	 * not by what the statement asks for.
	 */
	sql = wide_select(PDB_QUERY_COLUMNS_MAX, "zeroblob(1000000)");
	assert_non_null(sql);
	memset(&b, 0, sizeof(b));
	sqlite3_memory_highwater(1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = pdb_query_readonly(fx->path, sql, 0, bytes_cb, &b, &cut, fx->err);
	took = since(&t0);
	high = sqlite3_memory_highwater(0);
	free(sql);
	check(ret == 0 && cut && b.rows == 0,
	      "100 columns of 1 MB: returned %d, truncated %d, %d rows (%s)",
	      ret, cut, b.rows, fx->err);
	check(took < 2.0, "100 columns of 1 MB took %.2f s", took);
	/* zero when SQLite was built without memory statistics */
	check(high < (sqlite3_int64)PDB_QUERY_COLUMNS_MAX *
				      PDB_QUERY_VALUE_MAX +
			      16 * 1024 * 1024,
	      "100 columns of 1 MB: SQLite held %lld bytes", (long long)high);

	/* and a row may not be wider than PDB_QUERY_COLUMNS_MAX */
	sql = wide_select(2 * PDB_QUERY_COLUMNS_MAX, "zeroblob(1000000)");
	assert_non_null(sql);
	memset(&b, 0, sizeof(b));
	ret = pdb_query_readonly(fx->path, sql, 0, bytes_cb, &b, &cut, fx->err);
	free(sql);
	check(ret == -EINVAL && strstr(fx->err, "too many columns"),
	      "200 columns: returned %d (%s)", ret, fx->err);
	check(b.rows == 0, "200 columns: %d rows handed out", b.rows);
}

static void test_slow_callback_counts_against_the_budget(void **state)
{
	struct fx *fx = *state;
	struct bytes_seen b = { .sleep_ms = 40 };
	struct timespec t0;
	double took;
	int ret;

	/* Few virtual machine steps: SQLite's progress handler alone
	 * would not look at the clock before the 50 rows were out. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = pdb_query_readonly_budget(fx->path,
					"WITH RECURSIVE c(x) AS (SELECT 1"
					" UNION ALL SELECT x + 1 FROM c"
					" LIMIT 50) SELECT x FROM c",
					0, 200, bytes_cb, &b, NULL, fx->err);
	took = since(&t0);
	check(ret == -ETIMEDOUT && strstr(fx->err, "interrupted"),
	      "slow callback: returned %d after %d rows (%s)", ret, b.rows,
	      fx->err);
	check(b.rows >= 4 && b.rows <= 8,
	      "slow callback: %d rows of 40 ms in a 200 ms budget", b.rows);
	check(took < 1.0, "slow callback: stopped after %.2f s", took);
}

static void test_missing_database(void **state)
{
	struct fx *fx = *state;
	char path[192];
	int ret;

	snprintf(path, sizeof(path), "%s/absent.db", fx->dir);
	ret = pdb_query_readonly(path, "SELECT 1", 0, NULL, NULL, NULL,
				 fx->err);
	check(ret == -ENOENT, "missing database: returned %d (%s)", ret,
	      fx->err);
	check(strstr(fx->err, path) && strstr(fx->err, "read-only"),
	      "message '%s' does not name the file", fx->err);
	check(access(path, F_OK) != 0, "a read-only query created %s", path);
	ret = pdb_query_readonly(NULL, "SELECT 1", 0, NULL, NULL, NULL,
				 fx->err);
	check(ret == -EINVAL, "NULL path: returned %d", ret);
}

/* Runs a count(*) query in a child that, when the test runs as root,
 * becomes nobody; the directory and file are made read-only first. */
static int query_without_write_permission(struct fx *fx)
{
	struct passwd *pw = getpwnam("nobody");
	uid_t uid = pw ? pw->pw_uid : 65534;
	gid_t gid = pw ? pw->pw_gid : 65534;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char err[PDB_ERR_LEN];
		int ret;

		if (geteuid() == 0 &&
		    (setgroups(0, NULL) || setgid(gid) || setuid(uid)))
			_exit(100);
		if (access(fx->path, W_OK) == 0)
			_exit(101); /* the test would prove nothing */
		ret = pdb_query_readonly(fx->path, "SELECT count(*) FROM audit",
					 0, NULL, NULL, NULL, err);
		if (ret != 1)
			fprintf(stderr, "child: %d %s\n", ret, err);
		_exit(ret == 1 ? 0 : 102);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

static void test_query_read_only_file(void **state)
{
	struct pdb_audit a = { .event = "late", .severity = -1 };
	struct fx *fx = *state;
	struct pdb *db;
	char wal[160];
	int ret;

	/* The writer is gone: no -wal or -shm next to the file. */
	check(chmod(fx->path, 0444) == 0 && chmod(fx->dir, 0555) == 0, "chmod");
	ret = query_without_write_permission(fx);
	check(ret == 0, "query of a closed read-only database: child %d", ret);

	/* The daemon holds the database open: -wal and -shm exist and belong
	 * to it, and a committed row not yet checkpointed is seen. */
	check(chmod(fx->dir, 0755) == 0 && chmod(fx->path, 0644) == 0,
	      "chmod back");
	check(pdb_open(fx->path, &db, fx->err) == 0, "open: %s", fx->err);
	check(pdb_audit_insert(db, &a, fx->err) > 0, "insert: %s", fx->err);
	snprintf(wal, sizeof(wal), "%s-wal", fx->path);
	check(access(wal, F_OK) == 0, "no -wal file while the writer is open");
	check(chmod(fx->dir, 0555) == 0 && chmod(fx->path, 0444) == 0, "chmod");
	ret = query_without_write_permission(fx);
	pdb_close(db);
	check(ret == 0, "query beside an open writer: child %d", ret);
}

static void test_query_beside_open_transaction(void **state)
{
	struct pdb_audit a = { .event = "pending", .severity = -1 };
	struct fx *fx = *state;
	struct rows r = { 0 };
	struct pdb *db;
	int ret;

	check(pdb_open(fx->path, &db, fx->err) == 0, "open: %s", fx->err);
	check(pdb_tx_begin(db, fx->err) == 0, "begin: %s", fx->err);
	check(pdb_audit_insert(db, &a, fx->err) > 0, "insert: %s", fx->err);
	/* A write lock is held; WAL readers neither wait nor see the row. */
	ret = pdb_query_readonly_budget(fx->path, "SELECT count(*) FROM audit",
					0, 1000, rows_cb, &r, NULL, fx->err);
	check(ret == 1 && !strcmp(r.first[0], "5"),
	      "query during a write: returned %d, count %s (%s)", ret,
	      r.first[0], fx->err);
	check(pdb_tx_commit(db, fx->err) == 0, "commit: %s", fx->err);
	pdb_close(db);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_select_rows_and_names),
		T(test_refused_statements),
		T(test_reads_that_are_allowed),
		T(test_endless_query_times_out),
		T(test_max_rows_truncates),
		T(test_callback_stops_or_fails),
		T(test_value_and_text_limits),
		T(test_bytes_handed_out_are_capped),
		T(test_slow_callback_counts_against_the_budget),
		T(test_missing_database),
		T(test_query_read_only_file),
		T(test_query_beside_open_transaction),
	};

	return cmocka_run_group_tests_name("policydb_query", tests, NULL, NULL);
}
