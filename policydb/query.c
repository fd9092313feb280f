// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Read-only queries: `enforcerctl audit query SQL` runs what a user typed,
 * so the statement gets a connection that cannot write, an authorizer that
 * admits reads only, a time budget, a row cap, a cap on the bytes handed
 * out, and bounded values and columns. Each of these would stop a write
 * alone; together they also keep a mistake in one from mattering.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "pdb_internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
/* Virtual machine steps between two looks at the clock. */
#define PROGRESS_STEPS 1000

struct query {
	const char *sql;
	/* First thing the authorizer refused, for the message. */
	char refused[128];
	struct timespec deadline;
	bool timed_out;
};

/* Functions that reach outside the database or hand out pointers. Core
 * SQLite has none that write; these come from extensions and the shell. */
static const char *const denied_functions[] = {
	"load_extension", "readfile",	    "writefile", "edit",
	"fts3_tokenizer", "sqlar_compress", "zipfile",	 "lsdir",
};

/* Pragmas that only describe the schema, whatever their argument. */
static const char *const schema_pragmas[] = {
	"table_info",	   "table_xinfo", "table_list",	      "index_list",
	"index_info",	   "index_xinfo", "foreign_key_list", "collation_list",
	"function_list",   "module_list", "pragma_list",      "database_list",
	"compile_options",
};

/* Pragmas admitted only to read their value, without an argument. */
static const char *const getter_pragmas[] = {
	"user_version", "application_id", "schema_version", "data_version",
	"page_count",	"page_size",	  "freelist_count", "encoding",
};

static bool in_list(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; name && i < n; i++) {
		if (!strcasecmp(name, list[i]))
			return true;
	}
	return false;
}

static const char *action_name(int action)
{
	switch (action) {
	case SQLITE_CREATE_INDEX:
		return "CREATE INDEX";
	case SQLITE_CREATE_TABLE:
		return "CREATE TABLE";
	case SQLITE_CREATE_TEMP_INDEX:
		return "CREATE TEMP INDEX";
	case SQLITE_CREATE_TEMP_TABLE:
		return "CREATE TEMP TABLE";
	case SQLITE_CREATE_TEMP_TRIGGER:
		return "CREATE TEMP TRIGGER";
	case SQLITE_CREATE_TEMP_VIEW:
		return "CREATE TEMP VIEW";
	case SQLITE_CREATE_TRIGGER:
		return "CREATE TRIGGER";
	case SQLITE_CREATE_VIEW:
		return "CREATE VIEW";
	case SQLITE_DELETE:
		return "DELETE";
	case SQLITE_DROP_INDEX:
		return "DROP INDEX";
	case SQLITE_DROP_TABLE:
		return "DROP TABLE";
	case SQLITE_DROP_TEMP_INDEX:
		return "DROP TEMP INDEX";
	case SQLITE_DROP_TEMP_TABLE:
		return "DROP TEMP TABLE";
	case SQLITE_DROP_TEMP_TRIGGER:
		return "DROP TEMP TRIGGER";
	case SQLITE_DROP_TEMP_VIEW:
		return "DROP TEMP VIEW";
	case SQLITE_DROP_TRIGGER:
		return "DROP TRIGGER";
	case SQLITE_DROP_VIEW:
		return "DROP VIEW";
	case SQLITE_INSERT:
		return "INSERT";
	case SQLITE_TRANSACTION:
		return "a transaction";
	case SQLITE_UPDATE:
		return "UPDATE";
	case SQLITE_ATTACH:
		return "ATTACH";
	case SQLITE_DETACH:
		return "DETACH";
	case SQLITE_ALTER_TABLE:
		return "ALTER TABLE";
	case SQLITE_REINDEX:
		return "REINDEX";
	case SQLITE_ANALYZE:
		return "ANALYZE";
	case SQLITE_CREATE_VTABLE:
		return "CREATE VIRTUAL TABLE";
	case SQLITE_DROP_VTABLE:
		return "DROP VIRTUAL TABLE";
	case SQLITE_SAVEPOINT:
		return "SAVEPOINT";
	default:
		return "this statement";
	}
}

/* Skips whitespace, ';' and comments; SQLite ends an open comment at the
 * end of the text, and so does this. */
static const char *skip_noise(const char *s)
{
	const char *e;

	for (;;) {
		if (isspace((unsigned char)*s) || *s == ';') {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			e = strstr(s + 2, "*/");
			s = e ? e + 2 : s + strlen(s);
		} else {
			return s;
		}
	}
}

/* Appends the next word of *@sql, upper case, to @buf; false when none. */
static bool next_word(const char **sql, char *buf, size_t len)
{
	size_t i = strlen(buf);
	const char *s = skip_noise(*sql);

	if (!isalpha((unsigned char)*s))
		return false;
	if (i && i + 1 < len)
		buf[i++] = ' ';
	for (; isalpha((unsigned char)*s); s++) {
		if (i + 1 < len)
			buf[i++] = (char)toupper((unsigned char)*s);
	}
	buf[i] = '\0';
	*sql = s;
	return true;
}

/* What the statement is, from its leading keywords, for a message:
 * "VACUUM", "DROP TABLE", "CREATE TEMP VIEW". */
static void statement_words(const char *sql, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!next_word(&sql, buf, len)) {
		snprintf(buf, len, "this statement");
		return;
	}
	if (strcmp(buf, "CREATE") && strcmp(buf, "DROP") &&
	    strcmp(buf, "ALTER"))
		return;
	if (next_word(&sql, buf, len) &&
	    (strstr(buf, " TEMP") || strstr(buf, " VIRTUAL") ||
	     strstr(buf, " UNIQUE")))
		next_word(&sql, buf, len);
}

static bool is_schema_table(const char *name)
{
	return name && (!strcmp(name, "sqlite_master") ||
			!strcmp(name, "sqlite_temp_master"));
}

static int refuse(struct query *q, const char *what)
{
	if (!q->refused[0])
		snprintf(q->refused, sizeof(q->refused), "%s", what);
	return SQLITE_DENY;
}

static int query_authorize(void *arg, int action, const char *a3,
			   const char *a4, const char *dbname,
			   const char *trigger)
{
	struct query *q = arg;
	char what[112];

	(void)dbname;
	(void)trigger;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_READ:
	case SQLITE_RECURSIVE:
		return SQLITE_OK;
	case SQLITE_FUNCTION:
		/* a3 is NULL, a4 the function's name */
		if (a4 && !in_list(a4, denied_functions,
				   ARRAY_SIZE(denied_functions)))
			return SQLITE_OK;
		snprintf(what, sizeof(what), "function %.64s()",
			 a4 ? a4 : "(unnamed)");
		return refuse(q, what);
	case SQLITE_INSERT:
	case SQLITE_DELETE:
		/* DDL writes the schema table first: name the statement, not
		 * that write. */
		if (is_schema_table(a3)) {
			statement_words(q->sql, what, sizeof(what));
			return refuse(q, what);
		}
		return refuse(q, action_name(action));
	case SQLITE_UPDATE:
		/*
		 * Connecting a virtual table (json_each, pragma_table_info)
		 * asks about an UPDATE of the schema table that never runs.
		 * IGNORE leaves such columns unchanged should one ever run;
		 * a user's own UPDATE is refused as not read-only.
		 */
		if (is_schema_table(a3))
			return SQLITE_IGNORE;
		return refuse(q, "UPDATE");
	case SQLITE_TRANSACTION:
		/* a3 is BEGIN, COMMIT or ROLLBACK */
		return refuse(q, a3 ? a3 : "a transaction");
	case SQLITE_PRAGMA:
		/* a3 is the pragma's name, a4 its argument or NULL */
		if (in_list(a3, schema_pragmas, ARRAY_SIZE(schema_pragmas)))
			return SQLITE_OK;
		if (!a4 &&
		    in_list(a3, getter_pragmas, ARRAY_SIZE(getter_pragmas)))
			return SQLITE_OK;
		snprintf(what, sizeof(what), "PRAGMA %.48s%s%.48s",
			 a3 ? a3 : "", a4 ? "=" : "", a4 ? a4 : "");
		return refuse(q, what);
	default:
		return refuse(q, action_name(action));
	}
}

/* Whether the time budget is spent; remembers it for the message. */
static bool deadline_passed(struct query *q)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > q->deadline.tv_sec ||
	    (now.tv_sec == q->deadline.tv_sec &&
	     now.tv_nsec >= q->deadline.tv_nsec))
		q->timed_out = true;
	return q->timed_out;
}

static int query_progress(void *arg)
{
	return deadline_passed(arg) ? 1 : 0;
}

static void limit_handle(sqlite3 *h, unsigned int budget_ms)
{
	sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, NULL);
	sqlite3_limit(h, SQLITE_LIMIT_LENGTH, PDB_QUERY_VALUE_MAX);
	/* A result row is held whole in memory: at most this many values of
	 * PDB_QUERY_VALUE_MAX each. */
	sqlite3_limit(h, SQLITE_LIMIT_COLUMN, PDB_QUERY_COLUMNS_MAX);
	sqlite3_limit(h, SQLITE_LIMIT_SQL_LENGTH, PDB_QUERY_SQL_MAX);
	sqlite3_limit(h, SQLITE_LIMIT_EXPR_DEPTH, 200);
	sqlite3_limit(h, SQLITE_LIMIT_COMPOUND_SELECT, 50);
	sqlite3_limit(h, SQLITE_LIMIT_VDBE_OP, 100000);
	sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
	sqlite3_limit(h, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 1000);
	sqlite3_limit(h, SQLITE_LIMIT_WORKER_THREADS, 0);
	sqlite3_busy_timeout(h, (int)budget_ms);
}

/*
 * Bytes the current row's values take as the callback gets them: text as it
 * is, a blob at its printed size x'..'. Asking for the size does not expand
 * a zeroblob(); nothing is converted or copied before the row is admitted.
 */
static size_t row_bytes(sqlite3_stmt *st, int ncols)
{
	size_t n = 0;
	int i;

	for (i = 0; i < ncols; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			break;
		case SQLITE_BLOB:
			n += 2 * (size_t)sqlite3_column_bytes(st, i) + 3;
			break;
		default:
			n += (size_t)sqlite3_column_bytes(st, i);
			break;
		}
	}
	return n;
}

/* Values as text: a blob becomes x'..' hex so that it prints. */
static int row_values(sqlite3_stmt *st, int ncols, const char **values,
		      char **hex)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b;
	int i, j, n;
	char *p;

	for (i = 0; i < ncols; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			values[i] = NULL;
			break;
		case SQLITE_BLOB:
			b = sqlite3_column_blob(st, i);
			n = sqlite3_column_bytes(st, i);
			p = malloc(2 * (size_t)n + 4);
			if (!p)
				return -ENOMEM;
			hex[i] = p;
			*p++ = 'x';
			*p++ = '\'';
			for (j = 0; j < n; j++) {
				*p++ = digits[b[j] >> 4];
				*p++ = digits[b[j] & 0xf];
			}
			*p++ = '\'';
			*p = '\0';
			values[i] = hex[i];
			break;
		default:
			values[i] = (const char *)sqlite3_column_text(st, i);
			if (!values[i])
				return -ENOMEM;
			break;
		}
	}
	return 0;
}

static void free_hex(char **hex, int ncols)
{
	int i;

	for (i = 0; i < ncols; i++) {
		free(hex[i]);
		hex[i] = NULL;
	}
}

/* Steps @st and hands rows to @cb; returns rows delivered or -errno. */
static int run(sqlite3 *h, sqlite3_stmt *st, struct query *q,
	       unsigned int budget_ms, size_t max_rows, pdb_query_cb cb,
	       void *ctx, bool *truncated, char *err)
{
	int ncols = sqlite3_column_count(st), rc, i, ret;
	const char **names, **values;
	size_t rows = 0, bytes = 0, n;
	char **hex;

	names = calloc((size_t)ncols + 1, sizeof(*names));
	values = calloc((size_t)ncols + 1, sizeof(*values));
	hex = calloc((size_t)ncols + 1, sizeof(*hex));
	if (!names || !values || !hex) {
		ret = -ENOMEM;
		goto out_nomem;
	}
	for (i = 0; i < ncols; i++) {
		names[i] = sqlite3_column_name(st, i);
		if (!names[i]) {
			ret = -ENOMEM;
			goto out_nomem;
		}
	}
	if (cb) {
		ret = cb(ctx, ncols, names, NULL);
		if (ret)
			goto out_stopped;
	}

	clock_gettime(CLOCK_MONOTONIC, &q->deadline);
	q->deadline.tv_sec += budget_ms / 1000;
	q->deadline.tv_nsec += (long)(budget_ms % 1000) * 1000000L;
	if (q->deadline.tv_nsec >= 1000000000L) {
		q->deadline.tv_sec++;
		q->deadline.tv_nsec -= 1000000000L;
	}
	sqlite3_progress_handler(h, PROGRESS_STEPS, query_progress, q);

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (rows == max_rows) {
			*truncated = true;
			break;
		}
		/* Rows are cut whole: one that would pass the cap is not
		 * handed out, nor is anything after it. */
		n = row_bytes(st, ncols);
		if (n > PDB_QUERY_MAX_BYTES - bytes) {
			*truncated = true;
			break;
		}
		bytes += n;
		ret = row_values(st, ncols, values, hex);
		if (ret)
			goto out_nomem;
		ret = cb ? cb(ctx, ncols, names, values) : 0;
		free_hex(hex, ncols);
		rows++;
		if (ret)
			goto out_stopped;
		/* The progress handler only runs inside sqlite3_step(), and
		 * a row of a few large values takes few steps there: the
		 * conversion and the callback are timed here. */
		if (deadline_passed(q)) {
			rc = SQLITE_INTERRUPT;
			break;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		if (q->timed_out) {
			pdb_seterr(
				err,
				"query: interrupted after %u ms: audit queries have a time budget",
				budget_ms);
			ret = -ETIMEDOUT;
		} else if (q->refused[0]) {
			pdb_seterr(
				err,
				"%s is not allowed: audit queries are read-only",
				q->refused);
			ret = -EPERM;
		} else {
			pdb_seterr(err, "query: %s", sqlite3_errmsg(h));
			ret = pdb_errno(h, rc);
		}
		goto out_free;
	}
	ret = (int)rows;
	goto out_free;

out_stopped:
	/* A callback's error is returned as it is; a positive value only
	 * stops the query. */
	if (ret > 0)
		ret = (int)rows;
	goto out_free;
out_nomem:
	pdb_seterr(err, "query: out of memory");
out_free:
	sqlite3_progress_handler(h, 0, NULL, NULL);
	if (hex)
		free_hex(hex, ncols);
	free(hex);
	free(values);
	free(names);
	return ret;
}

/* Opens @path read-only with @query URI parameters and reads its schema,
 * which is where a database that cannot be read shows it. */
static int try_open(const char *path, const char *query, unsigned int budget_ms,
		    sqlite3 **out)
{
	char *uri;
	int rc;

	uri = pdb_path_uri(path, query);
	if (!uri)
		return SQLITE_NOMEM;
	rc = sqlite3_open_v2(uri, out,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX |
				     SQLITE_OPEN_URI,
			     NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_extended_result_codes(*out, 1);
	limit_handle(*out, budget_ms);
	return sqlite3_exec(*out,
			    "PRAGMA query_only = ON;"
			    " SELECT count(*) FROM sqlite_schema",
			    NULL, NULL, NULL);
}

int pdb_open_readonly(const char *path, unsigned int budget_ms, sqlite3 **out,
		      char *err)
{
	char wal[PATH_MAX];
	struct stat sb;
	int rc;

	rc = try_open(path, "mode=ro", budget_ms, out);
	/*
	 * A WAL database needs its -shm file. When no writer has it open,
	 * there is none, and a reader without write permission on the
	 * directory cannot create it. With no -wal file either, everything
	 * committed is in the database file itself, so it is read as
	 * immutable. A writer starting meanwhile could make this read see
	 * an error, never harm the file: this handle cannot write.
	 */
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN) {
		if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) <
			    sizeof(wal) &&
		    stat(wal, &sb) < 0 && errno == ENOENT &&
		    stat(path, &sb) == 0) {
			sqlite3_close(*out);
			*out = NULL;
			rc = try_open(path, "mode=ro&immutable=1", budget_ms,
				      out);
		}
	}
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "open %s (read-only): %s", path,
			   *out ? sqlite3_errmsg(*out) : sqlite3_errstr(rc));
		return pdb_errno(*out, rc);
	}
	return 0;
}

int pdb_query_readonly_budget(const char *path, const char *sql,
			      size_t max_rows, unsigned int budget_ms,
			      pdb_query_cb cb, void *ctx, bool *truncated,
			      char *err)
{
	struct query q = { 0 };
	sqlite3_stmt *st = NULL;
	const char *tail;
	char word[40];
	bool cut = false;
	sqlite3 *h = NULL;
	int rc, ret;

	pdb_clearerr(err);
	if (truncated)
		*truncated = false;
	if (!path || !sql) {
		pdb_seterr(err, "query: no database or statement");
		return -EINVAL;
	}
	if (strnlen(sql, PDB_QUERY_SQL_MAX + 1) > PDB_QUERY_SQL_MAX) {
		pdb_seterr(err, "query: statement longer than %d bytes",
			   PDB_QUERY_SQL_MAX);
		return -E2BIG;
	}
	sql = skip_noise(sql);
	if (!*sql) {
		pdb_seterr(err, "query: empty statement");
		return -EINVAL;
	}
	q.sql = sql;
	if (max_rows == 0 || max_rows > PDB_QUERY_MAX_ROWS)
		max_rows = PDB_QUERY_MAX_ROWS;

	ret = pdb_open_readonly(path, budget_ms, &h, err);
	if (ret)
		goto out_close;
	/* Stays set while the statement runs: a table-valued pragma
	 * prepares its own statement then. */
	sqlite3_set_authorizer(h, query_authorize, &q);

	rc = sqlite3_prepare_v3(h, sql, -1, 0, &st, &tail);
	if (q.refused[0]) {
		pdb_seterr(err,
			   "%s is not allowed: audit queries are read-only",
			   q.refused);
		ret = -EPERM;
		goto out_finalize;
	}
	if (rc != SQLITE_OK || !st) {
		pdb_seterr(err, "query: %s",
			   rc != SQLITE_OK ? sqlite3_errmsg(h) :
					     "empty statement");
		ret = rc != SQLITE_OK ? pdb_errno(h, rc) : -EINVAL;
		goto out_finalize;
	}
	if (!sqlite3_stmt_readonly(st)) {
		statement_words(sql, word, sizeof(word));
		pdb_seterr(err,
			   "%s is not allowed: audit queries are read-only",
			   word);
		ret = -EPERM;
		goto out_finalize;
	}
	if (*skip_noise(tail)) {
		pdb_seterr(
			err,
			"more than one statement is not allowed: audit queries run one SELECT");
		ret = -EPERM;
		goto out_finalize;
	}
	ret = run(h, st, &q, budget_ms, max_rows, cb, ctx, &cut, err);
	if (truncated && ret >= 0)
		*truncated = cut;
out_finalize:
	sqlite3_finalize(st);
out_close:
	sqlite3_close(h);
	return ret;
}

int pdb_query_readonly(const char *path, const char *sql, size_t max_rows,
		       pdb_query_cb cb, void *ctx, bool *truncated, char *err)
{
	return pdb_query_readonly_budget(path, sql, max_rows,
					 PDB_QUERY_BUDGET_MS, cb, ctx,
					 truncated, err);
}
