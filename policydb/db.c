// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Opening the policy database: the connection's settings, the schema and its
 * migrations, transactions, and the helpers the other files share.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "pdb_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The schema, one step per version. Column names are a contract with people
 * who write SQL against the database: never rename one, only add. A step
 * runs inside the transaction that also sets user_version, so a database is
 * either fully at a version or untouched.
 */
static const char schema_v1[] =
	"CREATE TABLE rules (\n"
	"\trule_id INTEGER PRIMARY KEY,\n"
	"\ttext TEXT NOT NULL,\n"
	"\tenabled INTEGER NOT NULL DEFAULT 1,\n"
	"\tmode TEXT NOT NULL DEFAULT 'enforce'\n"
	"\t\tCHECK (mode IN ('enforce', 'shadow')),\n"
	"\tsource TEXT,\n"
	"\tcreated INTEGER NOT NULL,\n"
	"\tupdated INTEGER NOT NULL\n"
	");\n"
	"CREATE TABLE blocklist (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tkind TEXT NOT NULL CHECK (kind IN ('src', 'flow', 'cidr')),\n"
	"\tkey TEXT NOT NULL,\n"
	"\trule_id INTEGER,\n"
	"\treason TEXT,\n"
	"\tcreated INTEGER NOT NULL,\n"
	"\texpires INTEGER NOT NULL DEFAULT 0,\n"
	"\tpoint TEXT CHECK (point IN ('nic', 'host')),\n"
	"\tstate TEXT NOT NULL DEFAULT 'active'\n"
	"\t\tCHECK (state IN ('active', 'expired', 'removed')),\n"
	"\tUNIQUE (kind, key)\n"
	");\n"
	"CREATE TABLE audit (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\ttime_ns INTEGER NOT NULL,\n"
	"\ttime TEXT,\n"
	"\tevent TEXT NOT NULL,\n"
	"\trule_id INTEGER,\n"
	"\tmsg TEXT,\n"
	"\tseverity INTEGER,\n"
	"\taction TEXT,\n"
	"\tpid INTEGER,\n"
	"\ttgid INTEGER,\n"
	"\tuid INTEGER,\n"
	"\texe TEXT,\n"
	"\tcomm TEXT,\n"
	"\tcgroup_id INTEGER,\n"
	"\tproto TEXT,\n"
	"\tsaddr TEXT,\n"
	"\tsport INTEGER,\n"
	"\tdaddr TEXT,\n"
	"\tdport INTEGER,\n"
	"\ttls_lib TEXT,\n"
	"\tdirection TEXT,\n"
	"\tmethod TEXT,\n"
	"\thost TEXT,\n"
	"\turi TEXT,\n"
	"\texcerpt TEXT\n"
	");\n"
	"CREATE INDEX audit_time ON audit (time_ns);\n"
	"CREATE INDEX audit_rule_time ON audit (rule_id, time_ns);\n"
	"CREATE INDEX audit_saddr_time ON audit (saddr, time_ns);\n"
	"CREATE INDEX blocklist_state_expires ON blocklist (state, expires);\n";

/*
 * v2: who and which flow, beyond ids. The cgroup's path and the container
 * it names (the id alone says nothing once the cgroup is gone), and the
 * socket's cookie, which ties rows to one connection where the 5-tuple
 * may be reused. Rows before v2 keep NULL there. Questions per container
 * over time are common ("what did this container send"), and most rows of
 * a host without containers have none: a partial index.
 */
static const char schema_v2[] =
	"ALTER TABLE audit ADD COLUMN cgroup TEXT;\n"
	"ALTER TABLE audit ADD COLUMN container TEXT;\n"
	"ALTER TABLE audit ADD COLUMN sock_cookie INTEGER;\n"
	"CREATE INDEX audit_container_time ON audit (container, time_ns)\n"
	"\tWHERE container IS NOT NULL;\n";

/*
 * v3: a match's logdata (the rule's logdata: with its macros expanded:
 * what matched, in the rule author's words). Rows before v3 keep NULL.
 */
static const char schema_v3[] = "ALTER TABLE audit ADD COLUMN logdata TEXT;\n";

/*
 * v4: the command line of a process that a verdict killed (enforce:kill),
 * read before the signal. Other rows, and rows before v4, keep NULL.
 */
static const char schema_v4[] = "ALTER TABLE audit ADD COLUMN cmdline TEXT;\n";

/*
 * v5: egress entries in the blocklist (enforce:egress: a cgroup's
 * connect()s to a destination, key "ADDR:PORT CGROUP_ID"), with the
 * cgroup's path in a new column cgroup (NULL for the other kinds); and each
 * audit row's latency_ns, from the capture of the request to the verdict
 * done (NULL when not known, and in rows before v5). SQLite cannot change a
 * CHECK constraint in place: the blocklist is copied into a table of the
 * new shape, ids kept, and the old one dropped with its index.
 */
static const char schema_v5[] =
	"CREATE TABLE blocklist_v5 (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\tkind TEXT NOT NULL\n"
	"\t\tCHECK (kind IN ('src', 'flow', 'cidr', 'egress')),\n"
	"\tkey TEXT NOT NULL,\n"
	"\trule_id INTEGER,\n"
	"\treason TEXT,\n"
	"\tcreated INTEGER NOT NULL,\n"
	"\texpires INTEGER NOT NULL DEFAULT 0,\n"
	"\tpoint TEXT CHECK (point IN ('nic', 'host')),\n"
	"\tstate TEXT NOT NULL DEFAULT 'active'\n"
	"\t\tCHECK (state IN ('active', 'expired', 'removed')),\n"
	"\tcgroup TEXT,\n"
	"\tUNIQUE (kind, key)\n"
	");\n"
	"INSERT INTO blocklist_v5 (id, kind, key, rule_id, reason, created,\n"
	"\texpires, point, state)\n"
	"\tSELECT id, kind, key, rule_id, reason, created, expires, point,\n"
	"\tstate FROM blocklist;\n"
	"DROP TABLE blocklist;\n"
	"ALTER TABLE blocklist_v5 RENAME TO blocklist;\n"
	"CREATE INDEX blocklist_state_expires ON blocklist (state, expires);\n"
	"ALTER TABLE audit ADD COLUMN latency_ns INTEGER;\n";

/*
 * v6: tamper evidence, rule history, and two audit columns.
 * - audit.hash chains every row to the one before it (SHA-256, see
 *   policydb.h); audit_chain holds the anchor (the last row retention
 *   deleted) and the head (the last row written). Rows already there are
 *   chained in id order by pdb_audit_chain_migrate(), in this transaction.
 * - audit.point says where a verdict was enforced ('nic' or 'host'), and
 *   audit.shadow whether it was a shadow rule's (older rows: from their
 *   action, "shadow:...").
 * - rule_history keeps every change to a rule (add, update, enable,
 *   disable, delete) with the rule as it was after it, written by
 *   triggers so that no writer can forget it; rules already there get
 *   their 'add' at their created time.
 * - an index for questions by event ("every capture-loss this week").
 */
static const char schema_v6[] =
	"ALTER TABLE audit ADD COLUMN point TEXT;\n"
	"ALTER TABLE audit ADD COLUMN shadow INTEGER;\n"
	"ALTER TABLE audit ADD COLUMN hash BLOB;\n"
	"UPDATE audit SET shadow = (action IS NOT NULL AND\n"
	"\tsubstr(action, 1, 7) = 'shadow:');\n"
	"CREATE TABLE audit_chain (\n"
	"\tid INTEGER PRIMARY KEY CHECK (id = 1),\n"
	"\tanchor_id INTEGER NOT NULL,\n"
	"\tanchor_hash BLOB NOT NULL,\n"
	"\thead_id INTEGER NOT NULL,\n"
	"\thead_hash BLOB NOT NULL\n"
	");\n"
	"INSERT INTO audit_chain VALUES (1, 0, zeroblob(32), 0, zeroblob(32));\n"
	"CREATE INDEX audit_event_time ON audit (event, time_ns);\n"
	"CREATE TABLE rule_history (\n"
	"\tid INTEGER PRIMARY KEY,\n"
	"\trule_id INTEGER NOT NULL,\n"
	"\ttime INTEGER NOT NULL,\n"
	"\tchange TEXT NOT NULL CHECK (change IN\n"
	"\t\t('add', 'update', 'enable', 'disable', 'delete')),\n"
	"\ttext TEXT,\n"
	"\tenabled INTEGER,\n"
	"\tmode TEXT,\n"
	"\tsource TEXT\n"
	");\n"
	"CREATE INDEX rule_history_rule ON rule_history (rule_id, id);\n"
	"INSERT INTO rule_history (rule_id, time, change, text, enabled, mode,\n"
	"\tsource) SELECT rule_id, created, 'add', text, enabled, mode,\n"
	"\tsource FROM rules ORDER BY created, rule_id;\n"
	"CREATE TRIGGER rules_history_insert AFTER INSERT ON rules BEGIN\n"
	"\tINSERT INTO rule_history (rule_id, time, change, text, enabled,\n"
	"\t\tmode, source) VALUES (NEW.rule_id, NEW.created, 'add',\n"
	"\t\tNEW.text, NEW.enabled, NEW.mode, NEW.source);\n"
	"END;\n"
	"CREATE TRIGGER rules_history_update AFTER UPDATE ON rules BEGIN\n"
	"\tINSERT INTO rule_history (rule_id, time, change, text, enabled,\n"
	"\t\tmode, source) VALUES (NEW.rule_id, NEW.updated,\n"
	"\t\tCASE WHEN OLD.enabled = NEW.enabled THEN 'update'\n"
	"\t\t     WHEN NEW.enabled THEN 'enable' ELSE 'disable' END,\n"
	"\t\tNEW.text, NEW.enabled, NEW.mode, NEW.source);\n"
	"END;\n"
	"CREATE TRIGGER rules_history_delete AFTER DELETE ON rules BEGIN\n"
	"\tINSERT INTO rule_history (rule_id, time, change, text, enabled,\n"
	"\t\tmode, source) VALUES (OLD.rule_id,\n"
	"\t\tCAST(strftime('%s', 'now') AS INTEGER), 'delete', OLD.text,\n"
	"\t\tOLD.enabled, OLD.mode, OLD.source);\n"
	"END;\n";

/*
 * v7: the audit table keeps one index, on time. The per-key indexes of v1,
 * v2 and v6 (rule_id, saddr, container, event, each with time_ns) put
 * every row's key into a b-tree of its own; with many sources a batch of
 * 512 rows touched ~360 index pages, each written whole to the WAL and
 * again at the checkpoint, and held audit inserts to ~48k rows/s
 * (bench/audit: 183-189k with the time index alone). The common questions
 * are bounded in time (audit top --since, tail, a time range), which the
 * time index serves, and faster without the others; a question by key
 * over all time scans, about 1 s per million rows.
 */
static const char schema_v7[] = "DROP INDEX audit_rule_time;\n"
				"DROP INDEX audit_saddr_time;\n"
				"DROP INDEX audit_container_time;\n"
				"DROP INDEX audit_event_time;\n";

struct pdb_migration {
	int version;
	const char *sql;
	/* Work SQL alone cannot do, after @sql, in the same transaction. */
	int (*post)(struct pdb *db, char *err);
};

static const struct pdb_migration migrations[] = {
	{ 1, schema_v1, NULL }, { 2, schema_v2, NULL },
	{ 3, schema_v3, NULL }, { 4, schema_v4, NULL },
	{ 5, schema_v5, NULL }, { 6, schema_v6, pdb_audit_chain_migrate },
	{ 7, schema_v7, NULL },
};

_Static_assert(ARRAY_SIZE(migrations) == PDB_SCHEMA_VERSION,
	       "one migration step per schema version");

const char *pdb_schema_step(int version)
{
	for (size_t i = 0; i < ARRAY_SIZE(migrations); i++) {
		if (migrations[i].version == version)
			return migrations[i].sql;
	}
	return NULL;
}

void pdb_seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	va_start(ap, fmt);
	vsnprintf(err, PDB_ERR_LEN, fmt, ap);
	va_end(ap);
}

void pdb_clearerr(char *err)
{
	if (err)
		err[0] = '\0';
}

int pdb_errno(sqlite3 *h, int rc)
{
	int sys = h ? sqlite3_system_errno(h) : 0;

	switch (rc) {
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return -EEXIST;
	}
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EPERM;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_PROTOCOL:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
		return -EROFS;
	case SQLITE_INTERRUPT:
		return -EINTR;
	case SQLITE_IOERR:
		return sys > 0 ? -sys : -EIO;
	case SQLITE_CANTOPEN:
		return sys > 0 ? -sys : -ENOENT;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EBADMSG;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_TOOBIG:
		return -E2BIG;
	case SQLITE_SCHEMA:
		return -EAGAIN;
	case SQLITE_ERROR:
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_MISUSE:
	case SQLITE_RANGE:
		return -EINVAL;
	default:
		return -EIO;
	}
}

char *pdb_path_uri(const char *path, const char *query)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(path), qn = query ? strlen(query) : 0;
	const unsigned char *s;
	char *uri, *p;

	/* "file://" + 3 bytes per path byte + "?" + query + NUL */
	uri = malloc(7 + 3 * n + 1 + qn + 1);
	if (!uri)
		return NULL;
	/* An absolute path gets an empty authority so that "//x" stays a
	 * path; every byte that could end the path or start a parameter is
	 * escaped. */
	p = stpcpy(uri, path[0] == '/' ? "file://" : "file:");
	for (s = (const unsigned char *)path; *s; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-._~", *s)) {
			*p++ = (char)*s;
		} else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 0xf];
		}
	}
	if (query) {
		*p++ = '?';
		p = stpcpy(p, query);
	}
	*p = '\0';
	return uri;
}

size_t pdb_utf8_cut(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1), back;

	if (n <= max)
		return n;
	/* s[max] is the first byte left out. When it continues a sequence,
	 * step back to the sequence's lead byte and leave it out as well.
	 * Text that is not UTF-8 is cut at @max after at most 3 steps. */
	for (back = 0; back < 4 && back <= max; back++) {
		if (((unsigned char)s[max - back] & 0xc0) != 0x80)
			return max - back;
	}
	return max;
}

int pdb_bind_text_max(sqlite3_stmt *st, int idx, const char *s, size_t max)
{
	if (!s)
		return sqlite3_bind_null(st, idx);
	return sqlite3_bind_text(st, idx, s, (int)pdb_utf8_cut(s, max),
				 SQLITE_STATIC);
}

int pdb_stmt_cached(struct pdb *db, sqlite3_stmt **slot, const char *sql,
		    sqlite3_stmt **out)
{
	int rc;

	if (!*slot) {
		rc = sqlite3_prepare_v3(db->h, sql, -1,
					SQLITE_PREPARE_PERSISTENT, slot, NULL);
		if (rc != SQLITE_OK) {
			*slot = NULL;
			return rc;
		}
	} else {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
	}
	*out = *slot;
	return SQLITE_OK;
}

int64_t pdb_now(void)
{
	return (int64_t)time(NULL);
}

static int pragma_int(sqlite3 *h, const char *sql, int64_t *v)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Creates a missing database file with PDB_FILE_MODE rather than SQLite's
 * 0644; an existing file is left as it is. */
static int create_file(const char *path, char *err)
{
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
		  PDB_FILE_MODE);
	if (fd < 0) {
		ret = -errno;
		if (ret == -EEXIST)
			return 0;
		pdb_seterr(err, "open %s: %s", path, strerror(-ret));
		return ret;
	}
	close(fd);
	return 0;
}

/*
 * Reads user_version and application_id and refuses a database this build
 * must not touch: a newer schema, or one that is not an enforcer database.
 * *@version is the schema version found.
 */
static int check_version(struct pdb *db, int64_t *version, char *err)
{
	int64_t app = 0, tables = 0;
	int rc;

	rc = pragma_int(db->h, "PRAGMA user_version", version);
	if (rc == SQLITE_OK)
		rc = pragma_int(db->h, "PRAGMA application_id", &app);
	if (rc == SQLITE_OK)
		rc = pragma_int(db->h, "SELECT count(*) FROM sqlite_schema",
				&tables);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "open %s: %s", db->path, sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	if (app != 0 && app != PDB_APPLICATION_ID) {
		pdb_seterr(
			err,
			"open %s: not an enforcer policy database (application_id 0x%08" PRIx64
			")",
			db->path, (uint64_t)app);
		return -EPROTO;
	}
	if (*version > PDB_SCHEMA_VERSION) {
		pdb_seterr(
			err,
			"open %s: database schema is v%" PRId64
			", newer than v%d that this build knows; use a newer enforcer",
			db->path, *version, PDB_SCHEMA_VERSION);
		return -EPROTO;
	}
	if ((*version > 0 && app != PDB_APPLICATION_ID) ||
	    (*version == 0 && tables > 0)) {
		pdb_seterr(
			err,
			"open %s: not an enforcer policy database (schema v%" PRId64
			", %" PRId64 " objects, no enforcer application_id)",
			db->path, *version, tables);
		return -EPROTO;
	}
	return 0;
}

static int exec(struct pdb *db, const char *sql, const char *what, char *err)
{
	char *msg = NULL;
	int rc;

	rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "%s: %s", what, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return pdb_errno(db->h, rc);
	}
	return 0;
}

static int migrate(struct pdb *db, char *err)
{
	char what[64], sql[96];
	int64_t version;
	size_t i;
	int ret;

	ret = exec(db, "BEGIN IMMEDIATE", "migrate: begin", err);
	if (ret)
		return ret;
	/* Read again under the write lock: another process may have
	 * migrated since the first look. */
	ret = check_version(db, &version, err);
	if (ret)
		goto out_rollback;
	for (i = 0; i < ARRAY_SIZE(migrations); i++) {
		if (migrations[i].version <= version)
			continue;
		snprintf(what, sizeof(what), "migrate to v%d",
			 migrations[i].version);
		ret = exec(db, migrations[i].sql, what, err);
		if (!ret && migrations[i].post)
			ret = migrations[i].post(db, err);
		if (ret)
			goto out_rollback;
		snprintf(sql, sizeof(sql),
			 "PRAGMA user_version = %d; PRAGMA application_id = %d",
			 migrations[i].version, PDB_APPLICATION_ID);
		ret = exec(db, sql, what, err);
		if (ret)
			goto out_rollback;
	}
	return exec(db, "COMMIT", "migrate: commit", err);

out_rollback:
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return ret;
}

static int set_wal(struct pdb *db, char *err)
{
	const unsigned char *mode;
	int rc, ret = 0, waited = 0;
	sqlite3_stmt *st;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA journal_mode = WAL", -1, &st,
				NULL);
	/*
	 * Two connections switching a new database to WAL at once can each
	 * hold the shared lock the other must see go; SQLite then answers
	 * BUSY at once rather than wait in the busy handler, so wait here.
	 */
	while (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if ((rc & 0xff) != SQLITE_BUSY || waited >= PDB_BUSY_TIMEOUT_MS)
			break;
		sqlite3_reset(st);
		waited += sqlite3_sleep(10);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_ROW) {
		pdb_seterr(err, "open %s: journal_mode=WAL: %s", db->path,
			   sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
		goto out_finalize;
	}
	mode = sqlite3_column_text(st, 0);
	if (!mode || strcmp((const char *)mode, "wal") != 0) {
		pdb_seterr(err,
			   "open %s: journal_mode=WAL refused (mode is %s)",
			   db->path, mode ? (const char *)mode : "unknown");
		ret = -ENOTSUP;
	}
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

int pdb_open(const char *path, struct pdb **out, char *err)
{
	return pdb_open_flags(path, 0, out, err);
}

int pdb_open_flags(const char *path, unsigned int flags, struct pdb **out,
		   char *err)
{
	int64_t version;
	struct pdb *db;
	char *uri;
	int rc, ret;

	pdb_clearerr(err);
	if (!out || !path || !*path) {
		pdb_seterr(err, "open: no database path");
		return -EINVAL;
	}
	*out = NULL;
	if (flags & ~PDB_OPEN_ONE_THREAD) {
		pdb_seterr(err, "open %s: unknown flags 0x%x", path, flags);
		return -EINVAL;
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		goto out_nomem;
	db->path = strdup(path);
	if (!db->path)
		goto out_nomem;
	ret = create_file(path, err);
	if (ret)
		goto out_close;
	uri = pdb_path_uri(path, NULL);
	if (!uri)
		goto out_nomem;
	rc = sqlite3_open_v2(
		uri, &db->h,
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI |
			(flags & PDB_OPEN_ONE_THREAD ? SQLITE_OPEN_NOMUTEX :
						       SQLITE_OPEN_FULLMUTEX),
		NULL);
	free(uri);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "open %s: %s", path,
			   db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		ret = pdb_errno(db->h, rc);
		goto out_close;
	}
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_busy_timeout(db->h, PDB_BUSY_TIMEOUT_MS);
	/* The schema is ours: nothing in it may call risky functions, and
	 * SQL through this handle cannot corrupt the file on purpose. */
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(db->h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0,
			  NULL);

	ret = exec(db, "PRAGMA foreign_keys = ON", "open: foreign_keys", err);
	if (ret)
		goto out_close;
	/* Before anything writes: a refused database stays as it was. One
	 * read transaction, so that the values come from one moment. */
	ret = exec(db, "BEGIN", "open: begin", err);
	if (ret)
		goto out_close;
	ret = check_version(db, &version, err);
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	if (ret)
		goto out_close;
	/* A new file: its first page is not written yet. (On a file that has
	 * pages the pragma changes nothing.) */
	if (version == 0) {
		ret = exec(db, "PRAGMA page_size = " PDB_STR(PDB_PAGE_SIZE),
			   "open: page_size", err);
		if (ret)
			goto out_close;
	}
	ret = set_wal(db, err);
	if (ret)
		goto out_close;
	/*
	 * In WAL mode, NORMAL syncs at checkpoints only, not at every commit:
	 * the file is never corrupted, but a power failure may lose the last
	 * transactions. Audit rows come one small transaction after another,
	 * and an fsync each would bound the audit rate by the disk's.
	 */
	ret = exec(db, "PRAGMA synchronous = NORMAL", "open: synchronous", err);
	if (ret)
		goto out_close;
	if (version < PDB_SCHEMA_VERSION) {
		ret = migrate(db, err);
		if (ret)
			goto out_close;
	}
	*out = db;
	return 0;

out_nomem:
	pdb_seterr(err, "open %s: out of memory", path);
	ret = -ENOMEM;
out_close:
	pdb_close(db);
	return ret;
}

void pdb_close(struct pdb *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->audit_insert);
	sqlite3_finalize(db->audit_head);
	sqlite3_finalize(db->chain_head);
	sqlite3_finalize(db->block_upsert);
	pdb_canon_free(db->canon);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

static int tx(struct pdb *db, const char *sql, const char *what, char *err)
{
	pdb_clearerr(err);
	if (!db) {
		pdb_seterr(err, "%s: no database", what);
		return -EINVAL;
	}
	return exec(db, sql, what, err);
}

int pdb_tx_begin(struct pdb *db, char *err)
{
	return tx(db, "BEGIN IMMEDIATE", "begin transaction", err);
}

int pdb_tx_commit(struct pdb *db, char *err)
{
	return tx(db, "COMMIT", "commit", err);
}

int pdb_tx_rollback(struct pdb *db, char *err)
{
	return tx(db, "ROLLBACK", "rollback", err);
}
