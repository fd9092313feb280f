// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The blocklist: one row per (kind, key), refreshed in place when the same
 * entry is blocked again.
 */
#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "pdb_internal.h"

static bool one_of(const char *s, const char *const *set)
{
	for (; *set; set++) {
		if (!strcmp(s, *set))
			return true;
	}
	return false;
}

static int block_check(const struct pdb_block *b, char *err)
{
	static const char *const kinds[] = { "src", "flow", "cidr", "egress",
					     NULL };
	static const char *const points[] = { "nic", "host", NULL };
	static const char *const states[] = { "active", "expired", "removed",
					      NULL };

	if (!b->kind || !one_of(b->kind, kinds)) {
		pdb_seterr(err,
			   "block: kind '%.32s' is not 'src', 'flow', 'cidr'"
			   " or 'egress'",
			   b->kind ? b->kind : "(none)");
		return -EINVAL;
	}
	if (!b->key || !b->key[0]) {
		pdb_seterr(err, "block %s: no key", b->kind);
		return -EINVAL;
	}
	if (strnlen(b->key, PDB_BLOCK_KEY_MAX + 1) > PDB_BLOCK_KEY_MAX) {
		pdb_seterr(err, "block %s: key longer than %d bytes", b->kind,
			   PDB_BLOCK_KEY_MAX);
		return -E2BIG;
	}
	if (b->point && !one_of(b->point, points)) {
		pdb_seterr(err,
			   "block %s %s: point '%.32s' is not 'nic' or 'host'",
			   b->kind, b->key, b->point);
		return -EINVAL;
	}
	if (b->state && !one_of(b->state, states)) {
		pdb_seterr(
			err,
			"block %s %s: state '%.32s' is not 'active', 'expired' or 'removed'",
			b->kind, b->key, b->state);
		return -EINVAL;
	}
	if (b->expires < 0 || b->created < 0) {
		pdb_seterr(err, "block %s %s: negative time", b->kind, b->key);
		return -EINVAL;
	}
	return 0;
}

int pdb_block_upsert(struct pdb *db, const struct pdb_block *b, char *err)
{
	/* created is deliberately absent from the UPDATE: it records when
	 * the entry was first blocked; an egress key names its cgroup by id,
	 * whose path never changes: kept when not given. */
	static const char sql[] =
		"INSERT INTO blocklist (kind, key, rule_id, reason, created,"
		" expires, point, state, cgroup)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT (kind, key) DO UPDATE SET"
		" rule_id = excluded.rule_id, reason = excluded.reason,"
		" expires = excluded.expires, point = excluded.point,"
		" state = excluded.state,"
		" cgroup = coalesce(excluded.cgroup, cgroup)";
	sqlite3_stmt *st;
	int rc, ret;

	pdb_clearerr(err);
	if (!db || !b) {
		pdb_seterr(err, "block: no database or entry");
		return -EINVAL;
	}
	ret = block_check(b, err);
	if (ret)
		return ret;
	rc = pdb_stmt_cached(db, &db->block_upsert, sql, &st);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "block %s %s: %s", b->kind, b->key,
			   sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	sqlite3_bind_text(st, 1, b->kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->key, -1, SQLITE_STATIC);
	if (b->rule_id)
		sqlite3_bind_int64(st, 3, b->rule_id);
	else
		sqlite3_bind_null(st, 3);
	pdb_bind_text_max(st, 4, b->reason, PDB_BLOCK_REASON_MAX);
	sqlite3_bind_int64(st, 5, b->created ? b->created : pdb_now());
	sqlite3_bind_int64(st, 6, b->expires);
	pdb_bind_text_max(st, 7, b->point, PDB_AUDIT_SHORT_MAX);
	sqlite3_bind_text(st, 8, b->state ? b->state : "active", -1,
			  SQLITE_STATIC);
	pdb_bind_text_max(st, 9, b->cgroup, PDB_AUDIT_CGROUP_MAX);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "block %s %s: %s", b->kind, b->key,
			   sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
	/* Drop the caller's strings from the cached statement. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

/* The columns row_of() reads, in its order; a listing's SQL goes on from
 * here. */
#define BLOCK_SELECT                                                         \
	"SELECT kind, key, rule_id, reason, created, expires, point, state," \
	" cgroup FROM blocklist "

/* An entry from a row of BLOCK_SELECT. */
static void row_of(sqlite3_stmt *st, struct pdb_block *b)
{
	b->kind = (const char *)sqlite3_column_text(st, 0);
	b->key = (const char *)sqlite3_column_text(st, 1);
	b->rule_id = (uint32_t)sqlite3_column_int64(st, 2);
	b->reason = (const char *)sqlite3_column_text(st, 3);
	b->created = sqlite3_column_int64(st, 4);
	b->expires = sqlite3_column_int64(st, 5);
	b->point = (const char *)sqlite3_column_text(st, 6);
	b->state = (const char *)sqlite3_column_text(st, 7);
	b->cgroup = (const char *)sqlite3_column_text(st, 8);
}

/*
 * Passes each row of @st (prepared and bound, the columns of row_of()) to
 * @cb, then finalizes @st; @n (if not NULL) counts the rows passed.
 * Return: 0, a non-zero return of @cb, or -errno.
 */
/*
 * Prepares the listing @sql (BLOCK_SELECT and its tail) into @st; @args_ok
 * says the caller's arguments (database, callback, ...) are all there.
 * Return: 0 or -errno, with @err set.
 */
static int list_prepare(struct pdb *db, const char *sql, bool args_ok,
			sqlite3_stmt **st, char *err)
{
	int rc;

	pdb_clearerr(err);
	if (!db || !args_ok) {
		pdb_seterr(err, "block list: no database, callback or kind");
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, st, NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "block list: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	return 0;
}

static int each_row(struct pdb *db, sqlite3_stmt *st, pdb_block_cb cb,
		    void *ctx, size_t *n, char *err)
{
	struct pdb_block b;
	int rc, ret = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_of(st, &b);
		if (n)
			(*n)++;
		ret = cb(&b, ctx);
		if (ret)
			break;
	}
	if (!ret && rc != SQLITE_DONE) {
		pdb_seterr(err, "block list: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
	sqlite3_finalize(st);
	return ret;
}

int pdb_block_foreach(struct pdb *db, bool all, pdb_block_cb cb, void *ctx,
		      char *err)
{
	sqlite3_stmt *st;
	int ret;

	ret = list_prepare(db,
			   BLOCK_SELECT "WHERE ?1 OR state = 'active'"
					" ORDER BY created DESC, id DESC",
			   cb, &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int(st, 1, all ? 1 : 0);
	return each_row(db, st, cb, ctx, NULL, err);
}

int pdb_block_expired_foreach(struct pdb *db, int64_t now, size_t max,
			      pdb_block_cb cb, void *ctx, char *err)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int ret;

	ret = list_prepare(db,
			   BLOCK_SELECT "WHERE state = 'active' AND expires > 0"
					" AND expires <= ?1"
					" ORDER BY expires, id LIMIT ?2",
			   cb, &st, err);
	if (ret)
		return ret;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	ret = each_row(db, st, cb, ctx, &n, err);
	return ret ? ret : (int)n;
}

int pdb_block_kind_foreach(struct pdb *db, const char *kind, size_t offset,
			   size_t max, pdb_block_cb cb, void *ctx, char *err)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int ret;

	ret = list_prepare(db,
			   BLOCK_SELECT "WHERE kind = ?1 AND state = 'active'"
					" ORDER BY id LIMIT ?2 OFFSET ?3",
			   kind && cb, &st, err);
	if (ret)
		return ret;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)max);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)offset);
	ret = each_row(db, st, cb, ctx, &n, err);
	return ret ? ret : (int)n;
}

int pdb_block_set_state(struct pdb *db, const char *kind, const char *key,
			const char *state, char *err)
{
	static const char sql[] =
		"UPDATE blocklist SET state = ?3 WHERE kind = ?1 AND key = ?2";
	static const char *const states[] = { "active", "expired", "removed",
					      NULL };
	sqlite3_stmt *st;
	int rc;

	pdb_clearerr(err);
	if (!db || !kind || !key || !state || !one_of(state, states)) {
		pdb_seterr(err, "block list: bad state change");
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		goto out_sqlite;
	if (!sqlite3_changes(db->h)) {
		pdb_seterr(err, "block list: no entry %s %s", kind, key);
		return -ENOENT;
	}
	return 0;
out_sqlite:
	pdb_seterr(err, "block list: %s", sqlite3_errmsg(db->h));
	return pdb_errno(db->h, rc);
}
