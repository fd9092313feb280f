// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rules added at run time: the SecLang text as the user gave it, by id.
 */
#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "pdb_internal.h"

static bool mode_valid(const char *mode)
{
	return !strcmp(mode, "enforce") || !strcmp(mode, "shadow");
}

static int rule_check(const struct pdb_rule *r, char *err)
{
	size_t len;

	if (r->rule_id == 0) {
		pdb_seterr(err, "rule insert: rule id 0 is not allowed");
		return -EINVAL;
	}
	if (!r->text || !r->text[0]) {
		pdb_seterr(err, "rule %u: no rule text", r->rule_id);
		return -EINVAL;
	}
	len = strnlen(r->text, PDB_RULE_TEXT_MAX + 1);
	if (len > PDB_RULE_TEXT_MAX) {
		pdb_seterr(err, "rule %u: text longer than %d bytes",
			   r->rule_id, PDB_RULE_TEXT_MAX);
		return -E2BIG;
	}
	if (r->mode && !mode_valid(r->mode)) {
		pdb_seterr(err,
			   "rule %u: mode '%.32s' is not 'enforce' or 'shadow'",
			   r->rule_id, r->mode);
		return -EINVAL;
	}
	if (r->source &&
	    strnlen(r->source, PDB_RULE_SOURCE_MAX + 1) > PDB_RULE_SOURCE_MAX) {
		pdb_seterr(err, "rule %u: source longer than %d bytes",
			   r->rule_id, PDB_RULE_SOURCE_MAX);
		return -E2BIG;
	}
	return 0;
}

/* Inserts one checked rule through @st, prepared from insert_sql. */
static int rule_insert_one(struct pdb *db, sqlite3_stmt *st,
			   const struct pdb_rule *r, char *err)
{
	int64_t created, updated;
	int rc, ret;

	ret = rule_check(r, err);
	if (ret)
		return ret;
	created = r->created ? r->created : pdb_now();
	updated = r->updated ? r->updated : created;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	sqlite3_bind_int64(st, 1, r->rule_id);
	sqlite3_bind_text(st, 2, r->text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->enabled ? 1 : 0);
	sqlite3_bind_text(st, 4, r->mode ? r->mode : "enforce", -1,
			  SQLITE_STATIC);
	pdb_bind_text_max(st, 5, r->source, PDB_RULE_SOURCE_MAX);
	sqlite3_bind_int64(st, 6, created);
	sqlite3_bind_int64(st, 7, updated);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return 0;
	ret = pdb_errno(db->h, rc);
	if (ret == -EEXIST)
		pdb_seterr(err, "rule %u: id already exists", r->rule_id);
	else
		pdb_seterr(err, "rule %u: insert: %s", r->rule_id,
			   sqlite3_errmsg(db->h));
	return ret;
}

static const char insert_sql[] =
	"INSERT INTO rules (rule_id, text, enabled, mode, source,"
	" created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int pdb_rule_insert(struct pdb *db, const struct pdb_rule *r, char *err)
{
	return pdb_rule_insert_many(db, r, r ? 1 : 0, err);
}

int pdb_rule_insert_many(struct pdb *db, const struct pdb_rule *rules, size_t n,
			 char *err)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc, ret;

	pdb_clearerr(err);
	if (!db || !rules || !n) {
		pdb_seterr(err, "rule insert: no database or rules");
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, insert_sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "rule insert: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	rc = sqlite3_exec(db->h, "SAVEPOINT pdb_rule_insert", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "rule insert: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
		goto out_finalize;
	}
	for (i = 0; i < n; i++) {
		ret = rule_insert_one(db, st, &rules[i], err);
		if (ret)
			goto out_rollback;
	}
	sqlite3_reset(st);
	rc = sqlite3_exec(db->h, "RELEASE pdb_rule_insert", NULL, NULL, NULL);
	if (rc == SQLITE_OK) {
		ret = 0;
		goto out_finalize;
	}
	pdb_seterr(err, "rule insert: commit: %s", sqlite3_errmsg(db->h));
	ret = pdb_errno(db->h, rc);
out_rollback:
	sqlite3_reset(st);
	sqlite3_exec(db->h,
		     "ROLLBACK TO pdb_rule_insert; RELEASE pdb_rule_insert",
		     NULL, NULL, NULL);
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

int pdb_rule_foreach(struct pdb *db, bool enabled_only, pdb_rule_cb cb,
		     void *ctx, char *err)
{
	static const char sql[] =
		"SELECT rule_id, text, enabled, mode, source, created, updated"
		" FROM rules WHERE enabled OR NOT ?1 ORDER BY rule_id";
	struct pdb_rule r;
	sqlite3_stmt *st;
	int rc, ret = 0;

	pdb_clearerr(err);
	if (!db || !cb) {
		pdb_seterr(err, "rule list: no database or callback");
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out_sqlite;
	sqlite3_bind_int(st, 1, enabled_only ? 1 : 0);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r.rule_id = (uint32_t)sqlite3_column_int64(st, 0);
		r.text = (const char *)sqlite3_column_text(st, 1);
		r.enabled = sqlite3_column_int(st, 2) != 0;
		r.mode = (const char *)sqlite3_column_text(st, 3);
		r.source = (const char *)sqlite3_column_text(st, 4);
		r.created = sqlite3_column_int64(st, 5);
		r.updated = sqlite3_column_int64(st, 6);
		ret = cb(&r, ctx);
		if (ret)
			goto out_finalize;
	}
	if (rc == SQLITE_DONE)
		goto out_finalize;
out_sqlite:
	pdb_seterr(err, "rule list: %s", sqlite3_errmsg(db->h));
	ret = pdb_errno(db->h, rc);
out_finalize:
	sqlite3_finalize(st);
	return ret;
}

/* Runs @sql (one statement binding ?1 = @id and maybe ?2 = @arg) and says
 * how many rows it changed. */
static int rule_change(struct pdb *db, const char *what, const char *sql,
		       uint32_t id, int arg, char *err)
{
	sqlite3_stmt *st;
	int rc, ret;

	pdb_clearerr(err);
	if (!db || !id) {
		pdb_seterr(err, "rule %s: no database or id", what);
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "rule %s: %s", what, sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_bind_parameter_count(st) > 1)
		sqlite3_bind_int(st, 2, arg);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "rule %s: %s", what, sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	} else if (!sqlite3_changes(db->h)) {
		pdb_seterr(err, "rule %u is not in the database", id);
		ret = -ENOENT;
	} else {
		ret = 0;
	}
	sqlite3_finalize(st);
	return ret;
}

int pdb_rule_set_enabled(struct pdb *db, uint32_t id, bool enabled, char *err)
{
	return rule_change(db, "enable",
			   "UPDATE rules SET enabled = ?2,"
			   " updated = CAST(strftime('%s', 'now') AS INTEGER)"
			   " WHERE rule_id = ?1",
			   id, enabled ? 1 : 0, err);
}

int pdb_rule_delete(struct pdb *db, uint32_t id, char *err)
{
	return rule_change(db, "delete", "DELETE FROM rules WHERE rule_id = ?1",
			   id, 0, err);
}

struct rule_get_ctx {
	uint32_t id;
	pdb_rule_cb cb;
	void *ctx;
	bool found;
};

static int rule_get_one(const struct pdb_rule *r, void *arg)
{
	struct rule_get_ctx *g = arg;

	if (r->rule_id != g->id)
		return 0;
	g->found = true;
	g->cb(r, g->ctx);
	return 1; /* found: stop */
}

int pdb_rule_get(struct pdb *db, uint32_t id, pdb_rule_cb cb, void *ctx,
		 char *err)
{
	struct rule_get_ctx g = { .id = id, .cb = cb, .ctx = ctx };
	int ret;

	ret = pdb_rule_foreach(db, false, rule_get_one, &g, err);
	if (ret < 0)
		return ret;
	if (!g.found) {
		pdb_seterr(err, "rule %u is not in the database", id);
		return -ENOENT;
	}
	return 0;
}
