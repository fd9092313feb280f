// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policydb: opening and migrating, rules, blocklist, audit rows, against
 * real SQLite files in a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
#include "tmpdir_fixture.h"

static int setup(void **state)
{
	return fx_setup(state, "/tmp/test_policydb.XXXXXX", "policy.db");
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static struct pdb *open_ok(struct fx *fx)
{
	struct pdb *db = NULL;
	int ret;

	ret = pdb_open(fx->path, &db, fx->err);
	check(ret == 0 && db, "pdb_open %s: %d %s", fx->path, ret, fx->err);
	check(fx->err[0] == '\0', "pdb_open left a message: %s", fx->err);
	return db;
}

/* Column names of @table, comma-separated, through a raw connection. */
static void columns_of(const char *path, const char *table, char *buf,
		       size_t len)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "SELECT group_concat(name, ',') FROM"
		 " (SELECT name FROM pragma_table_info('%s') ORDER BY cid)",
		 table);
	raw_text(path, sql, buf, len);
}

static void test_open_creates_and_migrates(void **state)
{
	static const struct {
		const char *table, *columns;
	} contract[] = {
		{ "rules", "rule_id,text,enabled,mode,source,created,updated" },
		{ "blocklist",
		  "id,kind,key,rule_id,reason,created,expires,point,state,"
		  "cgroup" },
		{ "audit",
		  "id,time_ns,time,event,rule_id,msg,severity,action,pid,tgid,"
		  "uid,exe,comm,cgroup_id,proto,saddr,sport,daddr,dport,"
		  "tls_lib,direction,method,host,uri,excerpt,cgroup,container,"
		  "sock_cookie,logdata,cmdline,latency_ns,point,shadow,hash" },
		{ "audit_chain", "id,anchor_id,anchor_hash,head_id,head_hash" },
		{ "rule_history",
		  "id,rule_id,time,change,text,enabled,mode,source" },
	};
	static const struct {
		const char *table, *columns;
	} indexes[] = {
		{ "audit", "time_ns" },
		{ "blocklist", "state,expires" },
		{ "rule_history", "rule_id,id" },
	};
	struct fx *fx = *state;
	char buf[512], sql[512];
	struct stat sb;
	struct pdb *db;
	size_t i;

	check(access(fx->path, F_OK) != 0, "database exists before open");
	db = open_ok(fx);
	pdb_close(db);

	check(stat(fx->path, &sb) == 0, "database file not created");
	check((sb.st_mode & 0777) == PDB_FILE_MODE,
	      "created database has mode %o, not %o", sb.st_mode & 0777,
	      PDB_FILE_MODE);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after migration is %lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	check(raw_int(fx->path, "PRAGMA application_id") == PDB_APPLICATION_ID,
	      "application_id not set");
	for (i = 0; i < ARRAY_SIZE(contract); i++) {
		columns_of(fx->path, contract[i].table, buf, sizeof(buf));
		check(!strcmp(buf, contract[i].columns),
		      "table %s has columns '%s', contract says '%s'",
		      contract[i].table, buf, contract[i].columns);
	}
	for (i = 0; i < ARRAY_SIZE(indexes); i++) {
		/* Some index on the table has exactly these columns. */
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM pragma_index_list('%s') AS l"
			 " WHERE (SELECT group_concat(name, ',') FROM"
			 " (SELECT name FROM pragma_index_info(l.name)"
			 " ORDER BY seqno)) = '%s'",
			 indexes[i].table, indexes[i].columns);
		check(raw_int(fx->path, sql) == 1, "no index on %s(%s)",
		      indexes[i].table, indexes[i].columns);
	}
	/* v7: the audit table has the time index only (see db.c) */
	check(raw_int(fx->path, "SELECT count(*) FROM pragma_index_list("
				"'audit') WHERE origin = 'c'") == 1,
	      "the audit table has %lld indexes, not 1",
	      (long long)raw_int(fx->path,
				 "SELECT count(*) FROM pragma_index_list("
				 "'audit') WHERE origin = 'c'"));
}

static void test_reopen_is_idempotent(void **state)
{
	struct pdb_rule r = { .rule_id = 7, .text = "SecRule ARGS \"@rx x\"" };
	struct fx *fx = *state;
	int64_t objects;
	struct pdb *db;
	int ret;

	db = open_ok(fx);
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == 0, "rule insert: %d %s", ret, fx->err);
	pdb_close(db);
	objects = raw_int(fx->path, "SELECT count(*) FROM sqlite_schema");

	db = open_ok(fx);
	pdb_close(db);
	db = open_ok(fx);
	pdb_close(db);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version changed on reopen");
	check(raw_int(fx->path, "SELECT count(*) FROM sqlite_schema") ==
		      objects,
	      "schema objects changed on reopen");
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 1,
	      "rule lost or doubled on reopen");
}

static void test_newer_schema_refused(void **state)
{
	struct fx *fx = *state;
	struct pdb *db = (struct pdb *)0x1;
	char mode[32];
	int ret;

	pdb_close(open_ok(fx));
	check(raw_exec(fx->path, "PRAGMA journal_mode = DELETE;"
				 " PRAGMA user_version = 99") == SQLITE_OK,
	      "could not set up a newer database");

	ret = pdb_open(fx->path, &db, fx->err);
	check(ret == -EPROTO, "newer database: pdb_open returned %d (%s)", ret,
	      fx->err);
	check(db == NULL, "refused open still returned a handle");
	check(strstr(fx->err, "v99") && strstr(fx->err, "newer") &&
		      strstr(fx->err, fx->path),
	      "message does not name the versions and file: '%s'", fx->err);
	check(raw_int(fx->path, "PRAGMA user_version") == 99,
	      "refused database's user_version changed");
	raw_text(fx->path, "PRAGMA journal_mode", mode, sizeof(mode));
	check(!strcmp(mode, "delete"),
	      "refused database's journal mode changed to %s", mode);
}

static void test_foreign_database_refused(void **state)
{
	struct fx *fx = *state;
	struct pdb *db = NULL;
	int ret;

	check(raw_exec(fx->path, "CREATE TABLE notes (x TEXT)") == SQLITE_OK,
	      "could not create a foreign database");
	ret = pdb_open(fx->path, &db, fx->err);
	check(ret == -EPROTO && !db, "foreign database: pdb_open returned %d",
	      ret);
	check(strstr(fx->err, "not an enforcer policy database") != NULL,
	      "message does not say why: '%s'", fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM sqlite_schema") == 1,
	      "tables were added to a foreign database");

	check(raw_exec(fx->path, "PRAGMA application_id = 42") == SQLITE_OK,
	      "could not set application_id");
	ret = pdb_open(fx->path, &db, fx->err);
	check(ret == -EPROTO && !db,
	      "foreign application_id: pdb_open returned %d", ret);
}

static void test_not_a_database(void **state)
{
	struct fx *fx = *state;
	char junk[8192];
	struct pdb *db = NULL;
	int fd, ret;

	memset(junk, 'J', sizeof(junk));
	fd = open(fx->path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0 && write(fd, junk, sizeof(junk)) == sizeof(junk),
	      "could not write a junk file");
	close(fd);
	ret = pdb_open(fx->path, &db, fx->err);
	check(ret == -EBADMSG && !db, "junk file: pdb_open returned %d (%s)",
	      ret, fx->err);
	check(!strncmp(fx->err, "open ", 5) && strstr(fx->err, fx->path),
	      "message does not start with 'open PATH': '%s'", fx->err);
}

static void test_open_missing_directory(void **state)
{
	struct fx *fx = *state;
	struct pdb *db = NULL;
	char path[192];
	int ret;

	snprintf(path, sizeof(path), "%s/no/such/dir.db", fx->dir);
	ret = pdb_open(path, &db, fx->err);
	check(ret == -ENOENT && !db, "missing directory: pdb_open returned %d",
	      ret);
	check(!strncmp(fx->err, "open ", 5) && strstr(fx->err, path),
	      "message does not name the file: '%s'", fx->err);
	ret = pdb_open(NULL, &db, fx->err);
	check(ret == -EINVAL && fx->err[0], "NULL path: %d", ret);
}

static void test_wal_and_connection_settings(void **state)
{
	struct fx *fx = *state;
	sqlite3_stmt *st;
	struct pdb *db;
	char mode[32];

	db = open_ok(fx);
	raw_text(fx->path, "PRAGMA journal_mode", mode, sizeof(mode));
	check(!strcmp(mode, "wal"), "journal mode is %s, not wal", mode);
	check(sqlite3_prepare_v2(db->h, "PRAGMA busy_timeout", -1, &st, NULL) ==
			      SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW,
	      "cannot read busy_timeout");
	check(sqlite3_column_int(st, 0) == PDB_BUSY_TIMEOUT_MS,
	      "busy_timeout is %d", sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	check(sqlite3_prepare_v2(db->h, "PRAGMA foreign_keys", -1, &st, NULL) ==
			      SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW,
	      "cannot read foreign_keys");
	check(sqlite3_column_int(st, 0) == 1, "foreign_keys is off");
	sqlite3_finalize(st);
	/* WAL with synchronous=NORMAL: no fsync per commit */
	check(sqlite3_prepare_v2(db->h, "PRAGMA synchronous", -1, &st, NULL) ==
			      SQLITE_OK &&
		      sqlite3_step(st) == SQLITE_ROW,
	      "cannot read synchronous");
	check(sqlite3_column_int(st, 0) == 1, "synchronous is %d, not NORMAL",
	      sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	/* a new file gets the larger pages; pdb_open() keeps SQLite's lock
	 * on each call (a handle shared by mistake stays safe) */
	check(raw_int(fx->path, "PRAGMA page_size") == PDB_PAGE_SIZE,
	      "page_size of a new file: %lld",
	      (long long)raw_int(fx->path, "PRAGMA page_size"));
	check(sqlite3_db_mutex(db->h) != NULL,
	      "pdb_open() handle has no mutex");
	pdb_close(db);
}

/* PDB_OPEN_ONE_THREAD: no per-call lock, the handle works the same; an
 * unknown flag is refused before anything is created. */
static void test_open_flags(void **state)
{
	struct pdb_audit a = { .event = "match", .time_ns = 1000 };
	struct fx *fx = *state;
	struct pdb *db = NULL;
	struct stat sb;
	int ret;

	ret = pdb_open_flags(fx->path, 0x80, &db, fx->err);
	check(ret == -EINVAL && !db, "unknown flag: %d", ret);
	check(strstr(fx->err, "unknown flags 0x80"), "message: %s", fx->err);
	check(stat(fx->path, &sb) == -1 && errno == ENOENT,
	      "an unknown flag created the file");

	ret = pdb_open_flags(fx->path, PDB_OPEN_ONE_THREAD, &db, fx->err);
	check(ret == 0 && db, "PDB_OPEN_ONE_THREAD: %d %s", ret, fx->err);
	check(sqlite3_db_mutex(db->h) == NULL,
	      "PDB_OPEN_ONE_THREAD handle still takes a mutex");
	check(pdb_audit_insert(db, &a, fx->err) == 1, "insert: %s", fx->err);
	check(raw_int(fx->path, "PRAGMA page_size") == PDB_PAGE_SIZE,
	      "page_size: %lld",
	      (long long)raw_int(fx->path, "PRAGMA page_size"));
	pdb_close(db);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 1,
	      "the row is not in the file");
}

/* --- rules --- */

struct rule_seen {
	int n;
	uint32_t ids[8];
	char text[8][64];
	char mode[8][16];
	bool enabled[8];
	int64_t created[8];
	int stop_after;
};

static int rule_cb(const struct pdb_rule *r, void *ctx)
{
	struct rule_seen *s = ctx;

	if (s->n < 8) {
		s->ids[s->n] = r->rule_id;
		snprintf(s->text[s->n], sizeof(s->text[0]), "%s", r->text);
		snprintf(s->mode[s->n], sizeof(s->mode[0]), "%s", r->mode);
		s->enabled[s->n] = r->enabled;
		s->created[s->n] = r->created;
	}
	s->n++;
	return s->stop_after && s->n == s->stop_after ? 42 : 0;
}

static void test_rules_insert_duplicate_foreach(void **state)
{
	struct pdb_rule rules[] = {
		{ .rule_id = 30,
		  .text = "rule thirty",
		  .enabled = true,
		  .mode = "shadow",
		  .source = "enforcerctl",
		  .created = 300 },
		{ .rule_id = 10, .text = "rule ten", .enabled = true },
		{ .rule_id = 20, .text = "rule twenty", .enabled = false },
	};
	struct pdb_rule dup = { .rule_id = 10, .text = "other", .enabled = 1 };
	struct rule_seen seen = { 0 };
	struct fx *fx = *state;
	struct pdb *db;
	size_t i;
	int ret;

	db = open_ok(fx);
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		ret = pdb_rule_insert(db, &rules[i], fx->err);
		check(ret == 0, "insert rule %u: %d %s", rules[i].rule_id, ret,
		      fx->err);
	}
	ret = pdb_rule_insert(db, &dup, fx->err);
	check(ret == -EEXIST, "duplicate rule id: returned %d", ret);
	check(strstr(fx->err, "10") && strstr(fx->err, "exists"),
	      "duplicate message: '%s'", fx->err);

	ret = pdb_rule_foreach(db, false, rule_cb, &seen, fx->err);
	check(ret == 0 && seen.n == 3, "foreach all: ret %d, %d rules", ret,
	      seen.n);
	check(seen.ids[0] == 10 && seen.ids[1] == 20 && seen.ids[2] == 30,
	      "rules not by id: %u %u %u", seen.ids[0], seen.ids[1],
	      seen.ids[2]);
	check(!strcmp(seen.text[0], "rule ten"),
	      "duplicate insert changed rule 10's text to '%s'", seen.text[0]);
	check(!strcmp(seen.mode[0], "enforce") &&
		      !strcmp(seen.mode[2], "shadow"),
	      "modes read back as %s / %s", seen.mode[0], seen.mode[2]);
	check(seen.created[2] == 300, "created read back as %lld",
	      (long long)seen.created[2]);
	check(seen.created[0] > 1600000000, "created 0 was not set to now");
	check(!seen.enabled[1] && seen.enabled[0], "enabled flags wrong");

	memset(&seen, 0, sizeof(seen));
	ret = pdb_rule_foreach(db, true, rule_cb, &seen, fx->err);
	check(ret == 0 && seen.n == 2 && seen.ids[0] == 10 && seen.ids[1] == 30,
	      "foreach enabled only: %d rules", seen.n);

	memset(&seen, 0, sizeof(seen));
	seen.stop_after = 1;
	ret = pdb_rule_foreach(db, false, rule_cb, &seen, fx->err);
	check(ret == 42 && seen.n == 1,
	      "callback stop: returned %d after %d rules", ret, seen.n);
	pdb_close(db);
}

static int rule_get_cb(const struct pdb_rule *r, void *ctx)
{
	struct pdb_rule *out = ctx;

	out->rule_id = r->rule_id;
	out->enabled = r->enabled;
	return 0;
}

/* get, enable, disable, delete by id; an unknown id is -ENOENT and
 * changes nothing; a change inside a rolled-back transaction is undone. */
static void test_rules_get_enable_delete(void **state)
{
	struct pdb_rule rules[] = {
		{ .rule_id = 10, .text = "ten", .enabled = true },
		{ .rule_id = 20, .text = "twenty", .enabled = true },
	};
	struct pdb_rule got = { 0 };
	struct rule_seen seen = { 0 };
	struct fx *fx = *state;
	struct pdb *db;

	db = open_ok(fx);
	check(pdb_rule_insert_many(db, rules, 2, fx->err) == 0, "insert: %s",
	      fx->err);
	check(pdb_rule_get(db, 20, rule_get_cb, &got, fx->err) == 0 &&
		      got.rule_id == 20 && got.enabled,
	      "get 20: id %u", got.rule_id);
	check(pdb_rule_get(db, 30, rule_get_cb, &got, fx->err) == -ENOENT &&
		      strstr(fx->err, "30"),
	      "get 30: '%s'", fx->err);
	check(pdb_rule_set_enabled(db, 20, false, fx->err) == 0, "disable: %s",
	      fx->err);
	check(pdb_rule_get(db, 20, rule_get_cb, &got, fx->err) == 0 &&
		      !got.enabled,
	      "20 still enabled");
	check(pdb_rule_set_enabled(db, 30, true, fx->err) == -ENOENT,
	      "enable an unknown rule");
	/* undone with its transaction */
	check(pdb_tx_begin(db, fx->err) == 0, "begin: %s", fx->err);
	check(pdb_rule_delete(db, 10, fx->err) == 0, "delete: %s", fx->err);
	check(pdb_tx_rollback(db, fx->err) == 0, "rollback: %s", fx->err);
	check(pdb_rule_get(db, 10, rule_get_cb, &got, fx->err) == 0,
	      "10 gone after a rollback");
	check(pdb_rule_delete(db, 10, fx->err) == 0, "delete: %s", fx->err);
	check(pdb_rule_delete(db, 10, fx->err) == -ENOENT, "delete twice");
	check(pdb_rule_foreach(db, false, rule_cb, &seen, fx->err) == 0 &&
		      seen.n == 1 && seen.ids[0] == 20,
	      "left: %d rules", seen.n);
	pdb_close(db);
}

static void test_rules_insert_many_all_or_none(void **state)
{
	struct pdb_rule one = { .rule_id = 10, .text = "ten", .enabled = 1 };
	struct pdb_rule batch[] = {
		{ .rule_id = 100, .text = "a", .enabled = true },
		{ .rule_id = 101, .text = "b", .enabled = true },
		{ .rule_id = 10, .text = "taken", .enabled = true },
	};
	struct fx *fx = *state;
	struct pdb *db;
	int ret;

	db = open_ok(fx);
	check(pdb_rule_insert(db, &one, fx->err) == 0, "insert: %s", fx->err);
	ret = pdb_rule_insert_many(db, batch, 3, fx->err);
	check(ret == -EEXIST && strstr(fx->err, "rule 10:"),
	      "batch with a taken id: %d '%s'", ret, fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 1,
	      "failed batch left rules behind");

	batch[2].rule_id = 102;
	batch[2].mode = "bogus";
	ret = pdb_rule_insert_many(db, batch, 3, fx->err);
	check(ret == -EINVAL && strstr(fx->err, "rule 102:"),
	      "batch with a bad mode: %d '%s'", ret, fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 1,
	      "refused batch left rules behind");

	/* Inside a caller's transaction, undone with it. */
	batch[2].mode = "shadow";
	check(pdb_tx_begin(db, fx->err) == 0, "begin: %s", fx->err);
	ret = pdb_rule_insert_many(db, batch, 3, fx->err);
	check(ret == 0, "batch in a transaction: %d %s", ret, fx->err);
	check(pdb_tx_rollback(db, fx->err) == 0, "rollback: %s", fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 1,
	      "batch survived the caller's rollback");

	ret = pdb_rule_insert_many(db, batch, 3, fx->err);
	check(ret == 0, "batch: %d %s", ret, fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 4,
	      "batch stored %lld rules",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM rules") - 1);
	check(pdb_rule_insert_many(db, batch, 0, fx->err) == -EINVAL,
	      "empty batch accepted");
	pdb_close(db);
}

static void test_rules_invalid(void **state)
{
	struct fx *fx = *state;
	struct pdb_rule r;
	struct pdb *db;
	char *big;
	int ret;

	db = open_ok(fx);
	r = (struct pdb_rule){ .rule_id = 0, .text = "x" };
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == -EINVAL && fx->err[0], "rule id 0: %d", ret);
	r = (struct pdb_rule){ .rule_id = 1, .text = "" };
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == -EINVAL && fx->err[0], "empty text: %d", ret);
	r = (struct pdb_rule){ .rule_id = 1, .text = "x", .mode = "block" };
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == -EINVAL && strstr(fx->err, "block"), "bad mode: %d %s",
	      ret, fx->err);

	big = malloc(PDB_RULE_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', PDB_RULE_TEXT_MAX + 1);
	big[PDB_RULE_TEXT_MAX + 1] = '\0';
	r = (struct pdb_rule){ .rule_id = 1, .text = big };
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == -E2BIG, "rule text over the bound: %d", ret);
	big[PDB_RULE_TEXT_MAX] = '\0';
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == 0, "rule text at the bound: %d %s", ret, fx->err);
	r = (struct pdb_rule){ .rule_id = 2, .text = "x", .source = big };
	ret = pdb_rule_insert(db, &r, fx->err);
	check(ret == -E2BIG, "long source: %d", ret);
	free(big);
	check(raw_int(fx->path, "SELECT count(*) FROM rules") == 1,
	      "refused rules were stored");
	pdb_close(db);
}

/* --- blocklist --- */

struct block_seen {
	int n;
	char key[8][64];
	char state[8][16];
	int64_t created[8];
	int64_t expires[8];
	uint32_t rule_id[8];
};

static int block_cb(const struct pdb_block *b, void *ctx)
{
	struct block_seen *s = ctx;

	if (s->n < 8) {
		snprintf(s->key[s->n], sizeof(s->key[0]), "%s", b->key);
		snprintf(s->state[s->n], sizeof(s->state[0]), "%s", b->state);
		s->created[s->n] = b->created;
		s->expires[s->n] = b->expires;
		s->rule_id[s->n] = b->rule_id;
	}
	s->n++;
	return 0;
}

static void test_block_upsert_refreshes(void **state)
{
	struct pdb_block b = { .kind = "src",
			       .key = "192.0.2.1",
			       .rule_id = 1001,
			       .reason = "SQL injection",
			       .created = 1000,
			       .expires = 2000,
			       .point = "nic" };
	struct block_seen seen = { 0 };
	struct fx *fx = *state;
	char reason[64];
	struct pdb *db;
	int ret;

	db = open_ok(fx);
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == 0, "first upsert: %d %s", ret, fx->err);
	b.created = 5000;
	b.expires = 9000;
	b.rule_id = 1002;
	b.reason = "again";
	b.point = "host";
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == 0, "second upsert: %d %s", ret, fx->err);

	check(raw_int(fx->path, "SELECT count(*) FROM blocklist") == 1,
	      "upsert of the same kind and key made %lld rows",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM blocklist"));
	ret = pdb_block_foreach(db, true, block_cb, &seen, fx->err);
	check(ret == 0 && seen.n == 1, "foreach: %d, %d rows", ret, seen.n);
	check(seen.created[0] == 1000, "created not kept: %lld",
	      (long long)seen.created[0]);
	check(seen.expires[0] == 9000, "expires not refreshed: %lld",
	      (long long)seen.expires[0]);
	check(seen.rule_id[0] == 1002, "rule_id not refreshed: %u",
	      seen.rule_id[0]);
	raw_text(fx->path, "SELECT reason || '/' || point FROM blocklist",
		 reason, sizeof(reason));
	check(!strcmp(reason, "again/host"), "reason/point read back as %s",
	      reason);

	/* Same key, other kind: another entry. */
	b.kind = "flow";
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == 0 &&
		      raw_int(fx->path, "SELECT count(*) FROM blocklist") == 2,
	      "same key with another kind did not add a row");
	pdb_close(db);
}

static void test_block_foreach_order_and_state(void **state)
{
	struct pdb_block b[] = {
		{ .kind = "src", .key = "192.0.2.1", .created = 100 },
		{ .kind = "cidr", .key = "198.51.100.0/24", .created = 300 },
		{ .kind = "src", .key = "2001:db8::1", .created = 200 },
		{ .kind = "flow",
		  .key = "tcp 192.0.2.9:1234 192.0.2.2:443",
		  .created = 400,
		  .state = "removed" },
	};
	struct block_seen seen = { 0 };
	struct fx *fx = *state;
	struct pdb *db;
	size_t i;
	int ret;

	db = open_ok(fx);
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		ret = pdb_block_upsert(db, &b[i], fx->err);
		check(ret == 0, "upsert %s: %d %s", b[i].key, ret, fx->err);
	}
	ret = pdb_block_foreach(db, false, block_cb, &seen, fx->err);
	check(ret == 0 && seen.n == 3, "active only: %d rows", seen.n);
	check(!strcmp(seen.key[0], "198.51.100.0/24") &&
		      !strcmp(seen.key[1], "2001:db8::1") &&
		      !strcmp(seen.key[2], "192.0.2.1"),
	      "not newest first: %s, %s, %s", seen.key[0], seen.key[1],
	      seen.key[2]);
	check(!strcmp(seen.state[0], "active"), "default state is %s",
	      seen.state[0]);
	check(seen.rule_id[0] == 0 &&
		      raw_int(fx->path, "SELECT count(*) FROM blocklist"
					" WHERE rule_id IS NULL") == 4,
	      "manual block's rule_id not stored as NULL");

	memset(&seen, 0, sizeof(seen));
	ret = pdb_block_foreach(db, true, block_cb, &seen, fx->err);
	check(ret == 0 && seen.n == 4 && !strcmp(seen.state[0], "removed"),
	      "all states: %d rows, first %s", seen.n, seen.state[0]);
	pdb_close(db);
}

/* The sweeper's view: active entries whose expires passed, earliest
 * first, at most @max; then marked expired, they are not listed again. */
static void test_block_expired(void **state)
{
	struct pdb_block b[] = {
		{ .kind = "src", .key = "192.0.2.1", .expires = 150 },
		{ .kind = "src", .key = "192.0.2.2", .expires = 0 },
		{ .kind = "cidr", .key = "198.51.100.0/24", .expires = 120 },
		{ .kind = "src", .key = "192.0.2.3", .expires = 200 },
		{ .kind = "src",
		  .key = "192.0.2.4",
		  .expires = 110,
		  .state = "removed" },
	};
	struct block_seen seen = { 0 };
	struct fx *fx = *state;
	struct pdb *db;
	int ret;

	db = open_ok(fx);
	for (size_t i = 0; i < ARRAY_SIZE(b); i++) {
		b[i].created = 100;
		ret = pdb_block_upsert(db, &b[i], fx->err);
		check(ret == 0, "upsert %s: %d %s", b[i].key, ret, fx->err);
	}
	ret = pdb_block_expired_foreach(db, 150, 10, block_cb, &seen, fx->err);
	check(ret == 2 && seen.n == 2, "due at 150: %d (%d rows)", ret, seen.n);
	check(!strcmp(seen.key[0], "198.51.100.0/24") &&
		      !strcmp(seen.key[1], "192.0.2.1"),
	      "not earliest first: %s, %s", seen.key[0], seen.key[1]);
	memset(&seen, 0, sizeof(seen));
	ret = pdb_block_expired_foreach(db, 1000, 1, block_cb, &seen, fx->err);
	check(ret == 1 && !strcmp(seen.key[0], "198.51.100.0/24"),
	      "max 1: %d, %s", ret, seen.key[0]);
	ret = pdb_block_set_state(db, "cidr", "198.51.100.0/24", "expired",
				  fx->err);
	check(ret == 0, "set state: %d %s", ret, fx->err);
	memset(&seen, 0, sizeof(seen));
	ret = pdb_block_expired_foreach(db, 1000, 10, block_cb, &seen, fx->err);
	check(ret == 2 && !strcmp(seen.key[0], "192.0.2.1") &&
		      !strcmp(seen.key[1], "192.0.2.3"),
	      "after expiring one: %d, %s, %s", ret, seen.key[0], seen.key[1]);
	check(raw_int(fx->path, "SELECT count(*) FROM blocklist WHERE state ="
				" 'expired'") == 1,
	      "the row is not marked expired");
	check(pdb_block_set_state(db, "src", "192.0.2.99", "expired",
				  fx->err) == -ENOENT,
	      "no such entry: not ENOENT");
	check(pdb_block_set_state(db, "src", "192.0.2.1", "gone", fx->err) ==
		      -EINVAL,
	      "a bad state: not EINVAL");
	pdb_close(db);
}

static void test_block_invalid(void **state)
{
	struct fx *fx = *state;
	struct pdb_block b;
	char key[PDB_BLOCK_KEY_MAX + 2];
	struct pdb *db;
	int ret;

	db = open_ok(fx);
	b = (struct pdb_block){ .kind = "host", .key = "192.0.2.1" };
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == -EINVAL && strstr(fx->err, "host"), "bad kind: %d %s", ret,
	      fx->err);
	b = (struct pdb_block){ .kind = "src", .key = "" };
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == -EINVAL, "empty key: %d", ret);
	b = (struct pdb_block){ .kind = "src", .key = "x", .point = "cpu" };
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == -EINVAL, "bad point: %d", ret);
	b = (struct pdb_block){ .kind = "src", .key = "x", .state = "gone" };
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == -EINVAL, "bad state: %d", ret);
	memset(key, '1', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	b = (struct pdb_block){ .kind = "src", .key = key };
	ret = pdb_block_upsert(db, &b, fx->err);
	check(ret == -E2BIG, "long key: %d", ret);
	check(raw_int(fx->path, "SELECT count(*) FROM blocklist") == 0,
	      "refused entries were stored");
	pdb_close(db);
}

/* --- audit --- */

struct rows {
	int calls, ncols, nrows;
	char names[40][16];
	char *values[4][40]; /* strdup'd, NULL for SQL NULL */
};

static int rows_cb(void *ctx, int ncols, const char *const *names,
		   const char *const *values)
{
	struct rows *r = ctx;
	int i;

	r->calls++;
	r->ncols = ncols;
	if (!values) {
		for (i = 0; i < ncols && i < 40; i++)
			snprintf(r->names[i], sizeof(r->names[0]), "%s",
				 names[i]);
		return 0;
	}
	if (r->nrows < 4) {
		for (i = 0; i < ncols && i < 40; i++)
			r->values[r->nrows][i] = values[i] ? strdup(values[i]) :
							     NULL;
	}
	r->nrows++;
	return 0;
}

static void rows_free(struct rows *r)
{
	int i, j;

	for (i = 0; i < 4; i++) {
		for (j = 0; j < 40; j++)
			free(r->values[i][j]);
	}
	memset(r, 0, sizeof(*r));
}

static const char *value_of(struct rows *r, int row, const char *name)
{
	int i;

	for (i = 0; i < r->ncols && i < 40; i++) {
		if (!strcmp(r->names[i], name))
			return r->values[row][i];
	}
	fail_msg("no column %s in the result", name);
	return NULL;
}

static void test_audit_insert_read_back(void **state)
{
	/* 2023-11-14T22:13:20 UTC is 1700000000 s since the epoch. */
	struct pdb_audit a = {
		.time_ns = 1700000000123456789LL,
		.event = "block",
		.rule_id = 1001,
		.msg = "SQL injection",
		.severity = 2,
		.action = "deny:src",
		.pid = 4242,
		.tgid = 4240,
		.uid = 33,
		.exe = "/usr/sbin/nginx",
		.comm = "nginx",
		.cgroup_id = 12345678901ULL,
		.proto = "tcp",
		.saddr = "192.0.2.1",
		.sport = 54321,
		.daddr = "192.0.2.2",
		.dport = 443,
		.tls_lib = "openssl",
		.direction = "inbound",
		.method = "GET",
		.host = "example.test",
		.uri = "/q?id=1 union select",
		.excerpt = "union select",
		.cgroup =
			"/system.slice/docker-0123456789abcdef0123456789abcdef"
			"0123456789abcdef0123456789abcdef.scope",
		.container = "0123456789abcdef0123456789abcdef0123456789abcdef"
			     "0123456789abcdef",
		.sock_cookie = 8589934597ULL,
		.logdata = "union select in ARGS:id",
		.latency_ns = 41234,
		.point = "nic",
		.shadow = true,
	};
	static const struct {
		const char *col, *want;
	} want[] = {
		{ "time_ns", "1700000000123456789" },
		{ "time", "2023-11-14T22:13:20.123Z" },
		{ "event", "block" },
		{ "rule_id", "1001" },
		{ "msg", "SQL injection" },
		{ "severity", "2" },
		{ "action", "deny:src" },
		{ "pid", "4242" },
		{ "tgid", "4240" },
		{ "uid", "33" },
		{ "exe", "/usr/sbin/nginx" },
		{ "comm", "nginx" },
		{ "cgroup_id", "12345678901" },
		{ "proto", "tcp" },
		{ "saddr", "192.0.2.1" },
		{ "sport", "54321" },
		{ "daddr", "192.0.2.2" },
		{ "dport", "443" },
		{ "tls_lib", "openssl" },
		{ "direction", "inbound" },
		{ "method", "GET" },
		{ "host", "example.test" },
		{ "uri", "/q?id=1 union select" },
		{ "excerpt", "union select" },
		{ "cgroup",
		  "/system.slice/docker-0123456789abcdef0123456789abcdef"
		  "0123456789abcdef0123456789abcdef.scope" },
		{ "container",
		  "0123456789abcdef0123456789abcdef0123456789abcdef"
		  "0123456789abcdef" },
		{ "sock_cookie", "8589934597" },
		{ "logdata", "union select in ARGS:id" },
		{ "latency_ns", "41234" },
		{ "point", "nic" },
		{ "shadow", "1" },
	};
	struct pdb_audit sparse = { .time_ns = 1000,
				    .event = "match",
				    .severity = -1 };
	struct fx *fx = *state;
	struct rows r = { 0 };
	int64_t id, id2;
	struct pdb *db;
	char sql[128];
	const char *v;
	bool cut;
	size_t i;
	int ret;

	db = open_ok(fx);
	id = pdb_audit_insert(db, &a, fx->err);
	check(id > 0, "audit insert: %lld %s", (long long)id, fx->err);
	id2 = pdb_audit_insert(db, &sparse, fx->err);
	check(id2 > id, "second audit insert: %lld after %lld", (long long)id2,
	      (long long)id);
	pdb_close(db);

	snprintf(sql, sizeof(sql), "SELECT * FROM audit WHERE id = %lld",
		 (long long)id);
	ret = pdb_query_readonly(fx->path, sql, 10, rows_cb, &r, &cut, fx->err);
	check(ret == 1 && r.nrows == 1 && !cut, "query: %d rows (%s)", ret,
	      fx->err);
	check(r.ncols == 34, "audit has %d columns", r.ncols);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		v = value_of(&r, 0, want[i].col);
		check(v && !strcmp(v, want[i].want),
		      "column %s is '%s', not '%s'", want[i].col,
		      v ? v : "NULL", want[i].want);
	}
	rows_free(&r);

	snprintf(sql, sizeof(sql), "SELECT * FROM audit WHERE id = %lld",
		 (long long)id2);
	ret = pdb_query_readonly(fx->path, sql, 10, rows_cb, &r, &cut, fx->err);
	check(ret == 1, "sparse row query: %d %s", ret, fx->err);
	check(!value_of(&r, 0, "rule_id") && !value_of(&r, 0, "severity") &&
		      !value_of(&r, 0, "msg") && !value_of(&r, 0, "uri") &&
		      !value_of(&r, 0, "cgroup") &&
		      !value_of(&r, 0, "container") &&
		      !value_of(&r, 0, "logdata") &&
		      !value_of(&r, 0, "latency_ns") &&
		      !value_of(&r, 0, "point"),
	      "rule 0, severity -1, latency 0 and NULL strings not stored as "
	      "NULL");
	v = value_of(&r, 0, "shadow");
	check(v && !strcmp(v, "0"), "shadow of a plain row: %s",
	      v ? v : "NULL");
	check(!value_of(&r, 0, "sock_cookie"),
	      "socket cookie 0 not stored as NULL");
	v = value_of(&r, 0, "time");
	check(v && !strcmp(v, "1970-01-01T00:00:00.000Z"),
	      "time of 1000 ns: %s", v ? v : "NULL");
	rows_free(&r);

	db = open_ok(fx);
	sparse.event = NULL;
	check(pdb_audit_insert(db, &sparse, fx->err) == -EINVAL,
	      "audit row without event accepted");
	sparse.event = "match";
	sparse.time_ns = 0;
	id = pdb_audit_insert(db, &sparse, fx->err);
	check(id > 0 && raw_int(fx->path, "SELECT time_ns FROM audit"
					  " ORDER BY id DESC LIMIT 1") >
				1600000000LL * 1000000000LL,
	      "time_ns 0 was not set to now");
	pdb_close(db);
}

static int64_t stored_bytes(struct fx *fx, const char *col, int64_t id)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "SELECT length(CAST(%s AS BLOB)) FROM audit WHERE id = %lld",
		 col, (long long)id);
	return raw_int(fx->path, sql);
}

/* The time column, written from time_ns, as gmtime_r() and strftime()
 * spell it: rows in order within a day, across midnight, month ends, leap
 * days, the epoch and the last time an int64 of ns can hold. */
static void test_audit_time_text(void **state)
{
	static const int64_t secs[] = {
		0,	    59,		3599,	    86399,	86400,
		951782399,  951782400,	951868800,  978307199,	1700000000,
		1709164800, 1709251199, 1709251200, 4107542399, 4107542400,
		4107628800, 9223372036,
	};
	enum { N = ARRAY_SIZE(secs) * 3 };
	struct pdb_audit rows[N];
	struct fx *fx = *state;
	sqlite3_stmt *st;
	struct pdb *db;
	sqlite3 *h;
	size_t i = 0;

	for (size_t k = 0; k < ARRAY_SIZE(secs); k++) {
		/* .000, .999 and .5xx of the second, and again after a
		 * different day, so that nothing is remembered by mistake */
		static const int64_t ns[] = { 0, 999999999, 500123456 };

		for (size_t j = 0; j < 3; j++) {
			int64_t t = secs[k] * 1000000000LL + ns[j];

			if (secs[k] == 9223372036)
				t = INT64_MAX - (int64_t)j;
			if (t == 0) /* 0 stands for now */
				t = 1;
			rows[i++] = (struct pdb_audit){ .event = "match",
							.severity = -1,
							.time_ns = t };
		}
	}
	db = open_ok(fx);
	check(pdb_audit_insert_many(db, rows, N, NULL, NULL, fx->err) == 0,
	      "insert: %s", fx->err);
	/* the same times again, one a transaction, in reverse order */
	for (i = N; i-- > 0;)
		check(pdb_audit_insert(db, &rows[i], fx->err) > 0, "insert: %s",
		      fx->err);
	pdb_close(db);

	check(sqlite3_open_v2(fx->path, &h, SQLITE_OPEN_READONLY, NULL) ==
			      SQLITE_OK &&
		      sqlite3_prepare_v2(h,
					 "SELECT time_ns, time FROM audit"
					 " ORDER BY id",
					 -1, &st, NULL) == SQLITE_OK,
	      "select: %s", sqlite3_errmsg(h));
	for (i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
		int64_t t = sqlite3_column_int64(st, 0);
		const char *got = (const char *)sqlite3_column_text(st, 1);
		time_t sec = (time_t)(t / 1000000000LL);
		char day[32], want[48];
		struct tm tm;

		check(t == rows[i < N ? i : 2 * N - 1 - i].time_ns,
		      "row %zu: time_ns %lld", i, (long long)t);
		check(gmtime_r(&sec, &tm) && strftime(day, sizeof(day),
						      "%Y-%m-%dT%H:%M:%S", &tm),
		      "gmtime %lld", (long long)t);
		snprintf(want, sizeof(want), "%s.%03dZ", day,
			 (int)(t % 1000000000LL / 1000000));
		check(got && !strcmp(got, want), "row %zu: time %s, want %s", i,
		      got ? got : "NULL", want);
	}
	check(i == 2 * N, "%zu rows read", i);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void test_audit_string_bounds(void **state)
{
	struct fx *fx = *state;
	struct pdb_audit a = { .event = "match", .severity = -1 };
	char *big, euro[3 * 300 + 2];
	struct pdb *db;
	char sql[160];
	int64_t id;
	int i;

	big = malloc(20000);
	assert_non_null(big);
	memset(big, 'x', 19999);
	big[19999] = '\0';
	/* "a" then 300 three-byte "€": no cut at 512 lands on a boundary
	 * by chance (1 + 3k = 512 has no solution). */
	euro[0] = 'a';
	for (i = 0; i < 300; i++)
		memcpy(euro + 1 + 3 * i, "\xe2\x82\xac", 3);
	euro[1 + 3 * 300] = '\0';

	db = open_ok(fx);
	a.excerpt = big;
	a.uri = big;
	a.exe = big;
	a.comm = big;
	a.host = big;
	a.saddr = big;
	a.cgroup = big;
	a.container = big;
	a.event =
		"match-with-a-very-long-event-name-that-goes-past-sixty-four-bytes";
	a.msg = euro;
	id = pdb_audit_insert(db, &a, fx->err);
	check(id > 0, "insert: %s", fx->err);
	pdb_close(db);

	check(stored_bytes(fx, "excerpt", id) == PDB_AUDIT_EXCERPT_MAX,
	      "excerpt stored %lld bytes",
	      (long long)stored_bytes(fx, "excerpt", id));
	check(stored_bytes(fx, "uri", id) == PDB_AUDIT_URI_MAX,
	      "uri stored %lld bytes", (long long)stored_bytes(fx, "uri", id));
	check(stored_bytes(fx, "exe", id) == PDB_AUDIT_EXE_MAX,
	      "exe stored %lld bytes", (long long)stored_bytes(fx, "exe", id));
	check(stored_bytes(fx, "comm", id) == PDB_AUDIT_COMM_MAX,
	      "comm stored %lld bytes",
	      (long long)stored_bytes(fx, "comm", id));
	check(stored_bytes(fx, "host", id) == PDB_AUDIT_HOST_MAX,
	      "host stored %lld bytes",
	      (long long)stored_bytes(fx, "host", id));
	check(stored_bytes(fx, "saddr", id) == PDB_AUDIT_ADDR_MAX,
	      "saddr stored %lld bytes",
	      (long long)stored_bytes(fx, "saddr", id));
	check(stored_bytes(fx, "cgroup", id) == PDB_AUDIT_CGROUP_MAX,
	      "cgroup stored %lld bytes",
	      (long long)stored_bytes(fx, "cgroup", id));
	check(stored_bytes(fx, "container", id) == PDB_AUDIT_CONTAINER_MAX,
	      "container stored %lld bytes",
	      (long long)stored_bytes(fx, "container", id));
	check(stored_bytes(fx, "event", id) == PDB_AUDIT_SHORT_MAX,
	      "event stored %lld bytes",
	      (long long)stored_bytes(fx, "event", id));
	/* 512 cuts the 171st euro sign: keep "a" and 170 whole ones. */
	check(stored_bytes(fx, "msg", id) == 1 + 3 * 170,
	      "msg stored %lld bytes, not cut before the split character",
	      (long long)stored_bytes(fx, "msg", id));
	snprintf(sql, sizeof(sql),
		 "SELECT length(msg) FROM audit WHERE id = %lld",
		 (long long)id);
	check(raw_int(fx->path, sql) == 171, "msg holds %lld characters",
	      (long long)raw_int(fx->path, sql));
	free(big);
}

static void test_utf8_cut(void **state)
{
	static const struct {
		const char *what, *s;
		size_t max, keep;
	} cases[] = {
		{ "short ASCII kept", "abc", 5, 3 },
		{ "exact fit kept", "abc", 3, 3 },
		{ "ASCII cut", "abcdef", 3, 3 },
		{ "2 of 3 bytes of a euro sign", "a\xe2\x82\xac", 3, 1 },
		{ "1 of 3 bytes of a euro sign", "a\xe2\x82\xac", 2, 1 },
		{ "whole euro sign", "a\xe2\x82\xac", 4, 4 },
		{ "boundary between two", "\xe2\x82\xac\xe2\x82\xac", 3, 3 },
		{ "inside a 4-byte emoji", "\xf0\x9f\x98\x80x", 3, 0 },
		{ "after a 4-byte emoji", "\xf0\x9f\x98\x80x", 4, 4 },
		{ "not UTF-8: lead bytes only", "\xff\xff\xff\xff", 2, 2 },
		{ "not UTF-8: continuation run", "\x80\x80\x80\x80\x80\x80\x80",
		  5, 5 },
		{ "zero bound", "abc", 0, 0 },
	};
	size_t i, keep;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		keep = pdb_utf8_cut(cases[i].s, cases[i].max);
		check(keep == cases[i].keep, "%s: kept %zu, want %zu",
		      cases[i].what, keep, cases[i].keep);
	}
}

static void test_transactions_batch(void **state)
{
	struct pdb_audit a = { .event = "match", .severity = -1 };
	struct fx *fx = *state;
	struct pdb *db;
	int i, ret;

	db = open_ok(fx);
	ret = pdb_tx_begin(db, fx->err);
	check(ret == 0, "begin: %d %s", ret, fx->err);
	for (i = 0; i < 50; i++)
		check(pdb_audit_insert(db, &a, fx->err) > 0, "insert %d", i);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 0,
	      "uncommitted rows visible to another connection");
	ret = pdb_tx_rollback(db, fx->err);
	check(ret == 0, "rollback: %d %s", ret, fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 0,
	      "rolled back rows stored");

	ret = pdb_tx_begin(db, fx->err);
	for (i = 0; i < 50; i++)
		check(pdb_audit_insert(db, &a, fx->err) > 0, "insert %d", i);
	ret |= pdb_tx_commit(db, fx->err);
	check(ret == 0, "begin/commit: %s", fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 50,
	      "committed batch has %lld rows",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM audit"));
	ret = pdb_tx_commit(db, fx->err);
	check(ret < 0 && !strncmp(fx->err, "commit", 6),
	      "commit without a transaction: %d '%s'", ret, fx->err);
	pdb_close(db);
}

static void test_audit_prune(void **state)
{
	struct pdb_audit a = { .event = "match", .severity = -1 };
	struct fx *fx = *state;
	struct pdb *db;
	int64_t n;
	int i;

	db = open_ok(fx);
	for (i = 1; i <= 3; i++) {
		a.time_ns = i * 1000000000000000000LL;
		check(pdb_audit_insert(db, &a, fx->err) > 0, "insert %d", i);
	}
	n = pdb_audit_prune(db, 2500000000000000000LL, 0, 0, fx->err);
	check(n == 2, "prune deleted %lld rows (%s)", (long long)n, fx->err);
	check(raw_int(fx->path, "SELECT min(time_ns) FROM audit") ==
		      3000000000000000000LL,
	      "prune kept the wrong rows");
	pdb_close(db);
}

static void test_odd_path(void **state)
{
	struct fx *fx = *state;
	struct pdb *db = NULL;
	char path[192];
	int ret;

	/* Bytes that would end a URI path or start its parameters. */
	snprintf(path, sizeof(path), "%s/we?ird #name%%20&mode=ro.db", fx->dir);
	ret = pdb_open(path, &db, fx->err);
	check(ret == 0, "open odd path: %d %s", ret, fx->err);
	pdb_close(db);
	check(access(path, F_OK) == 0, "database not created at the odd path");
	check(raw_int(path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "odd path database not migrated");
	ret = pdb_query_readonly(path, "SELECT count(*) FROM audit", 1, NULL,
				 NULL, NULL, fx->err);
	check(ret == 1, "query odd path: %d %s", ret, fx->err);
}

static void test_concurrent_first_open(void **state)
{
	enum { OPENERS = 4 };
	struct fx *fx = *state;
	pid_t pids[OPENERS];
	int i, status, failed = 0;

	/* Processes that find the same new database at once: one migrates,
	 * the others wait for its lock and find v1. */
	for (i = 0; i < OPENERS; i++) {
		pids[i] = fork();
		check(pids[i] >= 0, "fork");
		if (pids[i] == 0) {
			char err[PDB_ERR_LEN];
			struct pdb *db;
			int ret;

			ret = pdb_open(fx->path, &db, err);
			if (ret)
				fprintf(stderr, "opener %d: %s\n", i, err);
			pdb_close(db);
			_exit(ret ? 1 : 0);
		}
	}
	for (i = 0; i < OPENERS; i++) {
		if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			failed++;
	}
	check(failed == 0, "%d of %d concurrent openers failed", failed,
	      OPENERS);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after concurrent opens");
	check(raw_int(fx->path, "SELECT count(*) FROM sqlite_schema"
				" WHERE name = 'audit'") == 1,
	      "audit table not there exactly once");
}

/* --- migrations --- */

/*
 * A database as a v1 build left it: the v1 step, its version and id, WAL,
 * and rows in every table.
 */
static void make_v1(struct fx *fx)
{
	const char *v1 = pdb_schema_step(1);
	char *sql;
	int rc;

	check(v1, "no migration step to v1");
	check(pdb_schema_step(PDB_SCHEMA_VERSION + 1) == NULL,
	      "a step past PDB_SCHEMA_VERSION");
	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s"
			      " PRAGMA user_version = 1;"
			      " PRAGMA application_id = %d; COMMIT;",
			      v1, PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v1 database: %d", rc);
	rc = raw_exec(
		fx->path,
		"INSERT INTO rules (rule_id, text, created, updated)"
		" VALUES (1001, 'SecRule ARGS \"@rx x\" \"id:1001\"', 1, 2);"
		"INSERT INTO blocklist (kind, key, created, expires)"
		" VALUES ('src', '192.0.2.9', 10, 20);"
		"INSERT INTO audit (time_ns, event, rule_id, pid, exe, cgroup_id,"
		" saddr) VALUES (1000, 'match', 1001, 42, '/usr/sbin/nginx',"
		" 4242, '192.0.2.9'), (2000, 'block', NULL, 43, NULL, 1, NULL),"
		" (3000, 'match', 1001, 44, '/usr/bin/curl', 77, '192.0.2.10');");
	check(rc == SQLITE_OK, "rows into the v1 database: %d", rc);
	check(raw_int(fx->path, "PRAGMA user_version") == 1, "not at v1");
}

/* Whether the plan of @sql names @index, through a raw connection. */
static bool plan_uses(const char *path, const char *sql, const char *index)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;
	bool uses = false;
	char *q;

	q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
	if (q &&
	    sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h, q, -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			const unsigned char *d = sqlite3_column_text(st, 3);

			if (d && strstr((const char *)d, index))
				uses = true;
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	sqlite3_free(q);
	return uses;
}

static void test_migrate_from_v1(void **state)
{
	struct pdb_audit a = { .event = "match",
			       .severity = -1,
			       .cgroup = "/machine.slice/libpod-x.scope",
			       .container = "c0ffee",
			       .sock_cookie = 99 };
	struct fx *fx = *state;
	char buf[512];
	struct pdb *db;
	int64_t id;

	make_v1(fx);
	db = open_ok(fx);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after migrating v1: %lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	/* a file made before keeps its pages (SQLite's default) */
	check(raw_int(fx->path, "PRAGMA page_size") == 4096,
	      "page_size of a migrated file: %lld",
	      (long long)raw_int(fx->path, "PRAGMA page_size"));
	columns_of(fx->path, "audit", buf, sizeof(buf));
	check(strstr(buf, ",excerpt,cgroup,container,sock_cookie,logdata,"
			  "cmdline,latency_ns,point,shadow,hash") &&
		      !strcmp(buf + strlen(buf) - 4, "hash"),
	      "migrated audit columns: %s", buf);
	/* the rows of v1, untouched, with NULL in the new columns */
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 3,
	      "audit rows after migration: %lld",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM audit"));
	raw_text(fx->path,
		 "SELECT group_concat(time_ns || ':' || event || ':' ||"
		 " pid || ':' || coalesce(exe, '-') || ':' || cgroup_id, ' ')"
		 " FROM (SELECT * FROM audit ORDER BY id)",
		 buf, sizeof(buf));
	check(!strcmp(buf, "1000:match:42:/usr/sbin/nginx:4242 "
			   "2000:block:43:-:1 3000:match:44:/usr/bin/curl:77"),
	      "v1 audit rows changed: %s", buf);
	check(raw_int(fx->path,
		      "SELECT count(*) FROM audit WHERE cgroup IS NULL AND"
		      " container IS NULL AND sock_cookie IS NULL") == 3,
	      "v1 rows got values in the new columns");
	check(raw_int(fx->path, "SELECT count(*) FROM rules WHERE"
				" rule_id = 1001 AND updated = 2") == 1,
	      "v1 rule lost");
	check(raw_int(fx->path, "SELECT count(*) FROM blocklist WHERE"
				" key = '192.0.2.9' AND expires = 20") == 1,
	      "v1 block lost");

	id = pdb_audit_insert(db, &a, fx->err);
	check(id == 4, "v2 row after v1 rows: id %lld %s", (long long)id,
	      fx->err);
	pdb_close(db);
	raw_text(fx->path,
		 "SELECT cgroup || '|' || container || '|' || sock_cookie"
		 " FROM audit WHERE id = 4",
		 buf, sizeof(buf));
	check(!strcmp(buf, "/machine.slice/libpod-x.scope|c0ffee|99"),
	      "v2 row in a migrated database: %s", buf);
	check(plan_uses(fx->path,
			"SELECT * FROM audit WHERE container = 'c0ffee'"
			" AND time_ns >= 1000 ORDER BY time_ns",
			"audit_time"),
	      "a question by container over a time range does not use"
	      " audit_time");
	raw_text(fx->path, "PRAGMA integrity_check", buf, sizeof(buf));
	check(!strcmp(buf, "ok"), "integrity check: %s", buf);
}

/*
 * A database as a v2 build left it: the v1 and v2 steps, its version, and
 * rows that use v2's columns.
 */
static void make_v2(struct fx *fx)
{
	char *sql;
	int rc;

	check(pdb_schema_step(2) && pdb_schema_step(3),
	      "no migration step to v2 or v3");
	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s %s"
			      " PRAGMA user_version = 2;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), pdb_schema_step(2),
			      PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v2 database: %d", rc);
	rc = raw_exec(fx->path,
		      "INSERT INTO audit (time_ns, event, rule_id, msg,"
		      " excerpt, container, sock_cookie) VALUES"
		      " (1000, 'match', 7, 'm1', 'ARGS:a=1', 'c1', 5),"
		      " (2000, 'match', 8, 'm2', 'ARGS:b=2', NULL, 6);");
	check(rc == SQLITE_OK, "rows into the v2 database: %d", rc);
	check(raw_int(fx->path, "PRAGMA user_version") == 2, "not at v2");
}

static void test_migrate_from_v2(void **state)
{
	struct pdb_audit a = { .event = "match",
			       .rule_id = 9,
			       .severity = -1,
			       .logdata = "n=150 in ARGS:n" },
			 none = { .event = "match",
				  .rule_id = 10,
				  .severity = -1,
				  .logdata = "" };
	struct fx *fx = *state;
	char buf[512], big[PDB_AUDIT_LOGDATA_MAX + 100];
	struct pdb *db;
	int64_t id;

	make_v2(fx);
	db = open_ok(fx);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after migrating v2: %lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	columns_of(fx->path, "audit", buf, sizeof(buf));
	check(strstr(buf, ",container,sock_cookie,logdata,cmdline,"
			  "latency_ns,point,shadow,hash") &&
		      !strcmp(buf + strlen(buf) - 4, "hash"),
	      "migrated audit columns: %s", buf);
	raw_text(
		fx->path,
		"SELECT group_concat(time_ns || ':' || rule_id || ':' || msg ||"
		" ':' || excerpt || ':' || coalesce(container, '-') || ':' ||"
		" sock_cookie || ':' || coalesce(logdata, 'NULL'), ' ')"
		" FROM (SELECT * FROM audit ORDER BY id)",
		buf, sizeof(buf));
	check(!strcmp(buf, "1000:7:m1:ARGS:a=1:c1:5:NULL "
			   "2000:8:m2:ARGS:b=2:-:6:NULL"),
	      "v2 audit rows changed: %s", buf);

	id = pdb_audit_insert(db, &a, fx->err);
	check(id == 3, "v3 row after v2 rows: id %lld %s", (long long)id,
	      fx->err);
	id = pdb_audit_insert(db, &none, fx->err);
	check(id == 4, "row without logdata: id %lld %s", (long long)id,
	      fx->err);
	/* cut at its bound, as every audit string */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a.logdata = big;
	id = pdb_audit_insert(db, &a, fx->err);
	check(id == 5, "row with a long logdata: id %lld %s", (long long)id,
	      fx->err);
	pdb_close(db);
	raw_text(fx->path, "SELECT logdata FROM audit WHERE id = 3", buf,
		 sizeof(buf));
	check(!strcmp(buf, "n=150 in ARGS:n"), "v3 row's logdata: %s", buf);
	check(raw_int(fx->path, "SELECT count(*) FROM audit WHERE id = 4 AND"
				" logdata IS NULL") == 1,
	      "an empty logdata is not stored as NULL");
	check(raw_int(fx->path, "SELECT length(logdata) FROM audit WHERE"
				" id = 5") == PDB_AUDIT_LOGDATA_MAX,
	      "long logdata stored with %lld bytes",
	      (long long)raw_int(fx->path, "SELECT length(logdata) FROM audit"
					   " WHERE id = 5"));
	raw_text(fx->path, "PRAGMA integrity_check", buf, sizeof(buf));
	check(!strcmp(buf, "ok"), "integrity check: %s", buf);
}

/*
 * A v3 database (as a v3 build left it, with a row that uses logdata) gains
 * cmdline: its rows keep NULL there, a kill's row stores its command line,
 * cut at its bound, and a row without one stores NULL.
 */
static void test_migrate_from_v3(void **state)
{
	struct pdb_audit a = { .event = "match",
			       .rule_id = 9,
			       .severity = -1,
			       .action = "deny:kill",
			       .cmdline =
				       "/usr/bin/curl -s https://x.example" },
			 none = { .event = "match",
				  .rule_id = 10,
				  .severity = -1 };
	struct fx *fx = *state;
	char buf[512], big[PDB_AUDIT_CMDLINE_MAX + 100];
	struct pdb *db;
	char *sql;
	int64_t id;
	int rc;

	check(pdb_schema_step(4) != NULL, "no migration step to v4");
	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s %s %s"
			      " PRAGMA user_version = 3;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), pdb_schema_step(2),
			      pdb_schema_step(3), PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v3 database: %d", rc);
	rc = raw_exec(fx->path, "INSERT INTO audit (time_ns, event, rule_id,"
				" msg, logdata) VALUES"
				" (1000, 'match', 7, 'm1', 'ld1');");
	check(rc == SQLITE_OK, "a row into the v3 database: %d", rc);

	db = open_ok(fx);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after migrating v3: %lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	raw_text(fx->path,
		 "SELECT rule_id || ':' || logdata || ':' ||"
		 " coalesce(cmdline, 'NULL') FROM audit WHERE id = 1",
		 buf, sizeof(buf));
	check(!strcmp(buf, "7:ld1:NULL"), "v3 row after migration: %s", buf);
	id = pdb_audit_insert(db, &a, fx->err);
	check(id == 2, "v4 row: id %lld %s", (long long)id, fx->err);
	id = pdb_audit_insert(db, &none, fx->err);
	check(id == 3, "row without cmdline: id %lld %s", (long long)id,
	      fx->err);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	a.cmdline = big;
	id = pdb_audit_insert(db, &a, fx->err);
	check(id == 4, "row with a long cmdline: id %lld %s", (long long)id,
	      fx->err);
	pdb_close(db);
	raw_text(fx->path, "SELECT cmdline FROM audit WHERE id = 2", buf,
		 sizeof(buf));
	check(!strcmp(buf, "/usr/bin/curl -s https://x.example"),
	      "v4 row's cmdline: %s", buf);
	check(raw_int(fx->path, "SELECT count(*) FROM audit WHERE id = 3 AND"
				" cmdline IS NULL") == 1,
	      "a row without cmdline stores no NULL");
	check(raw_int(fx->path, "SELECT length(cmdline) FROM audit WHERE"
				" id = 4") == PDB_AUDIT_CMDLINE_MAX,
	      "long cmdline stored with %lld bytes",
	      (long long)raw_int(fx->path, "SELECT length(cmdline) FROM audit"
					   " WHERE id = 4"));
	raw_text(fx->path, "PRAGMA integrity_check", buf, sizeof(buf));
	check(!strcmp(buf, "ok"), "integrity check: %s", buf);
}

/* Counts the rows of pdb_block_foreach() and keeps the last one's key and
 * cgroup. */
struct seen_last {
	int n;
	char key[160];
	char cgroup[160];
};

static int seen_last_cb(const struct pdb_block *b, void *ctx)
{
	struct seen_last *s = ctx;

	s->n++;
	snprintf(s->key, sizeof(s->key), "%s %s", b->kind, b->key);
	snprintf(s->cgroup, sizeof(s->cgroup), "%s",
		 b->cgroup ? b->cgroup : "NULL");
	return 0;
}

/*
 * A v4 database (blocklist rows of each kind and state, an audit row) is
 * rebuilt into v5: the blocklist keeps its rows and ids and its index,
 * refuses what it refused, and takes egress entries with their cgroup;
 * audit rows gain latency_ns, NULL in the old ones.
 */
static void test_migrate_from_v4(void **state)
{
	struct pdb_block eg = {
		.kind = "egress",
		.key = "192.0.2.2:443 4242",
		.rule_id = 7,
		.reason = "no callbacks",
		.point = "host",
		.cgroup = "/enforcer-test/app",
	},
			 bad = { .kind = "proc", .key = "1" };
	struct pdb_audit a = { .event = "match",
			       .rule_id = 7,
			       .severity = -1,
			       .latency_ns = 123456 };
	struct seen_last seen = { 0 };
	struct fx *fx = *state;
	char buf[512];
	struct pdb *db;
	char *sql;
	int rc;

	check(pdb_schema_step(5) != NULL, "no migration step to v5");
	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s %s %s %s"
			      " PRAGMA user_version = 4;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), pdb_schema_step(2),
			      pdb_schema_step(3), pdb_schema_step(4),
			      PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v4 database: %d", rc);
	rc = raw_exec(
		fx->path,
		"INSERT INTO blocklist (id, kind, key, rule_id, reason,"
		" created, expires, point, state) VALUES"
		" (3, 'src', '192.0.2.9', 1, 'r1', 10, 20, 'host', 'active'),"
		" (5, 'cidr', '198.51.100.0/24', NULL, 'op', 11, 0, 'nic',"
		" 'expired'),"
		" (9, 'flow', 'tcp 192.0.2.1:1 192.0.2.2:443', 2, NULL, 12, 0,"
		" NULL, 'removed');"
		"INSERT INTO audit (time_ns, event, rule_id, cmdline) VALUES"
		" (1000, 'match', 7, 'c');");
	check(rc == SQLITE_OK, "rows into the v4 database: %d", rc);
	check(raw_exec(fx->path, "INSERT INTO blocklist (kind, key, created)"
				 " VALUES ('egress', 'x', 1)") != SQLITE_OK,
	      "a v4 blocklist took an egress row");

	db = open_ok(fx);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "user_version after migrating v4: %lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	raw_text(fx->path,
		 "SELECT group_concat(id || ':' || kind || ':' || key || ':' ||"
		 " coalesce(rule_id, '-') || ':' || coalesce(reason, '-') ||"
		 " ':' || created || ':' || expires || ':' ||"
		 " coalesce(point, '-') || ':' || state || ':' ||"
		 " coalesce(cgroup, 'NULL'), ' ') FROM"
		 " (SELECT * FROM blocklist ORDER BY id)",
		 buf, sizeof(buf));
	check(!strcmp(buf, "3:src:192.0.2.9:1:r1:10:20:host:active:NULL "
			   "5:cidr:198.51.100.0/24:-:op:11:0:nic:expired:NULL "
			   "9:flow:tcp 192.0.2.1:1 192.0.2.2:443:2:-:12:0:-:"
			   "removed:NULL"),
	      "v4 blocklist rows after migration: %s", buf);
	check(plan_uses(fx->path,
			"SELECT * FROM blocklist WHERE state = 'active'"
			" AND expires > 0 AND expires <= 100",
			"blocklist_state_expires"),
	      "the blocklist's index was not made again");
	check(pdb_block_upsert(db, &bad, fx->err) == -EINVAL,
	      "kind proc taken");
	check(pdb_block_upsert(db, &eg, fx->err) == 0, "egress row: %s",
	      fx->err);
	/* a row of the old kinds next to it: the key may be the same text */
	check(pdb_block_foreach(db, false, seen_last_cb, &seen, fx->err) == 0,
	      "block list: %s", fx->err);
	check(seen.n == 2 && !strcmp(seen.key, "src 192.0.2.9"),
	      "active rows: %d, last %s", seen.n, seen.key);
	seen.n = 0;
	check(pdb_block_expired_foreach(db, 30, 10, seen_last_cb, &seen,
					fx->err) == 1 &&
		      !strcmp(seen.cgroup, "NULL"),
	      "expired src row: %d %s", seen.n, fx->err);
	check(pdb_audit_insert(db, &a, fx->err) == 2, "v5 audit row: %s",
	      fx->err);
	a.latency_ns = 0;
	check(pdb_audit_insert(db, &a, fx->err) == 3, "audit row: %s", fx->err);
	pdb_close(db);
	raw_text(fx->path,
		 "SELECT kind || ' ' || key || ' ' || cgroup || ' ' || rule_id"
		 " FROM blocklist WHERE kind = 'egress'",
		 buf, sizeof(buf));
	check(!strcmp(buf, "egress 192.0.2.2:443 4242 /enforcer-test/app 7"),
	      "egress row: %s", buf);
	raw_text(
		fx->path,
		"SELECT group_concat(id || ':' || coalesce(latency_ns, 'NULL'),"
		" ' ') FROM (SELECT * FROM audit ORDER BY id)",
		buf, sizeof(buf));
	check(!strcmp(buf, "1:NULL 2:123456 3:NULL"), "latency_ns: %s", buf);
	raw_text(fx->path, "PRAGMA integrity_check", buf, sizeof(buf));
	check(!strcmp(buf, "ok"), "integrity check: %s", buf);
}

static void test_migrate_from_empty_file(void **state)
{
	struct fx *fx = *state;
	char buf[512];
	int fd;

	/* An empty file is a database with nothing in it: migrated. */
	fd = open(fx->path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	check(fd >= 0, "create %s", fx->path);
	close(fd);
	pdb_close(open_ok(fx));
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "empty file at v%lld",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	columns_of(fx->path, "audit", buf, sizeof(buf));
	check(strstr(buf, ",cgroup,container,sock_cookie"),
	      "empty file's audit columns: %s", buf);
}

static void test_migrate_failure_rolls_back(void **state)
{
	struct fx *fx = *state;
	struct pdb *db = (struct pdb *)0x1;
	int ret;

	/* A v1 database someone gave a "container" column: the v2 step
	 * fails on it, after its first ALTER succeeded. */
	make_v1(fx);
	check(raw_exec(fx->path, "ALTER TABLE audit ADD COLUMN container"
				 " TEXT") == SQLITE_OK,
	      "could not add a column by hand");
	ret = pdb_open(fx->path, &db, fx->err);
	check(ret < 0 && db == NULL, "open of a database whose step fails: %d",
	      ret);
	check(strstr(fx->err, "migrate to v2") && strstr(fx->err, "container"),
	      "message does not name the step and the column: %s", fx->err);
	check(raw_int(fx->path, "PRAGMA user_version") == 1,
	      "user_version moved to %lld after a failed step",
	      (long long)raw_int(fx->path, "PRAGMA user_version"));
	check(raw_int(fx->path, "SELECT count(*) FROM pragma_table_info"
				"('audit') WHERE name = 'cgroup'") == 0,
	      "the step's first ALTER was kept");
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 3,
	      "rows lost in a failed migration");
}

/* --- capture-loss rows --- */

static void test_audit_capture_loss(void **state)
{
	static const uint64_t lost[] = { 12, 0, 0, 5 };
	static const uint64_t one[] = { 0, 3 };
	static const uint64_t none[] = { 0, 0, 0 };
	uint64_t many[1024];
	struct fx *fx = *state;
	char sql[256], buf[1024];
	struct pdb *db;
	int64_t id, before;
	size_t i;

	db = open_ok(fx);
	id = pdb_audit_capture_loss(db, 5000000000LL, lost, ARRAY_SIZE(lost),
				    10, fx->err);
	check(id > 0, "capture-loss row: %lld %s", (long long)id, fx->err);
	snprintf(
		sql, sizeof(sql),
		"SELECT event || '|' || msg || '|' || severity || '|' ||"
		" time_ns || '|' || pid || '|' || coalesce(excerpt, 'NULL')"
		" || '|' || coalesce(saddr, 'NULL') FROM audit WHERE id = %lld",
		(long long)id);
	raw_text(fx->path, sql, buf, sizeof(buf));
	check(!strcmp(buf, "capture-loss|lost 17 records on CPUs 0 (12), 3 (5)"
			   " in 10 s|4|5000000000|0|NULL|NULL"),
	      "capture-loss row: %s", buf);

	id = pdb_audit_capture_loss(db, 0, one, ARRAY_SIZE(one), 0, fx->err);
	snprintf(sql, sizeof(sql), "SELECT msg FROM audit WHERE id = %lld",
		 (long long)id);
	raw_text(fx->path, sql, buf, sizeof(buf));
	check(id > 0 && !strcmp(buf, "lost 3 records on CPU 1 (3)"),
	      "one CPU, no interval: %lld '%s'", (long long)id, buf);

	before = raw_int(fx->path, "SELECT count(*) FROM audit");
	check(pdb_audit_capture_loss(db, 0, none, ARRAY_SIZE(none), 10,
				     fx->err) == 0,
	      "nothing lost, yet a row");
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == before,
	      "a row written for no loss");
	check(pdb_audit_capture_loss(db, 0, NULL, 4, 10, fx->err) == -EINVAL,
	      "NULL counts accepted");

	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = 1000000000000ULL;
	id = pdb_audit_capture_loss(db, 0, many, ARRAY_SIZE(many), 5, fx->err);
	snprintf(sql, sizeof(sql), "SELECT msg FROM audit WHERE id = %lld",
		 (long long)id);
	raw_text(fx->path, sql, buf, sizeof(buf));
	check(id > 0 && strlen(buf) <= PDB_AUDIT_MSG_MAX,
	      "1024 CPUs: %lld, %zu bytes", (long long)id, strlen(buf));
	check(!strncmp(buf, "lost 1024000000000000 records on CPUs 0 (", 41) &&
		      strstr(buf, ", ... in 5 s") &&
		      !strcmp(buf + strlen(buf) - 12, ", ... in 5 s"),
	      "1024 CPUs: the total, the start and the cut: '%s'", buf);
	pdb_close(db);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_creates_and_migrates),
		T(test_reopen_is_idempotent),
		T(test_newer_schema_refused),
		T(test_foreign_database_refused),
		T(test_not_a_database),
		T(test_open_missing_directory),
		T(test_wal_and_connection_settings),
		T(test_open_flags),
		T(test_concurrent_first_open),
		T(test_rules_insert_duplicate_foreach),
		T(test_rules_insert_many_all_or_none),
		T(test_rules_get_enable_delete),
		T(test_rules_invalid),
		T(test_block_upsert_refreshes),
		T(test_block_foreach_order_and_state),
		T(test_block_expired),
		T(test_block_invalid),
		T(test_audit_insert_read_back),
		T(test_audit_time_text),
		T(test_audit_string_bounds),
		T(test_utf8_cut),
		T(test_transactions_batch),
		T(test_audit_prune),
		T(test_odd_path),
		T(test_migrate_from_v1),
		T(test_migrate_from_v2),
		T(test_migrate_from_v3),
		T(test_migrate_from_v4),
		T(test_migrate_from_empty_file),
		T(test_migrate_failure_rolls_back),
		T(test_audit_capture_loss),
	};

	return cmocka_run_group_tests_name("policydb", tests, NULL, NULL);
}
