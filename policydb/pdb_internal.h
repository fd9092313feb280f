/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of the policy database library, shared by its files and its
 * unit tests. Nothing here is part of the public interface.
 */
#ifndef ENFORCER_PDB_INTERNAL_H
#define ENFORCER_PDB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "policydb/policydb.h"

/* PRAGMA application_id of an enforcer database: "EnFd". */
#define PDB_APPLICATION_ID 0x456e4664
#define PDB_BUSY_TIMEOUT_MS 5000
/* Mode of a database file pdb_open() creates: audit rows carry request
 * data, so not world-readable; SQLite gives -wal and -shm the same mode. */
#define PDB_FILE_MODE 0640
/* Page size of a database file pdb_open() creates (see pdb_open()). */
#define PDB_PAGE_SIZE 16384
#define PDB_STR_(x) #x
#define PDB_STR(x) PDB_STR_(x)

/* Time a read-only query may run, callbacks included. */
#define PDB_QUERY_BUDGET_MS 5000
/* Longest SQL text a read-only query may have. */
#define PDB_QUERY_SQL_MAX (64 * 1024)
/* Longest string or blob a read-only query may produce. */
#define PDB_QUERY_VALUE_MAX (1024 * 1024)
/* Most columns in a read-only query's result (SQLITE_LIMIT_COLUMN). */
#define PDB_QUERY_COLUMNS_MAX 100

/* Bounds of stored strings not given in policydb.h. */
#define PDB_RULE_SOURCE_MAX 256
#define PDB_BLOCK_KEY_MAX 128
#define PDB_BLOCK_REASON_MAX 512
#define PDB_AUDIT_SHORT_MAX 64 /* event, action, proto, tls_lib, ... */
#define PDB_AUDIT_ADDR_MAX 64
#define PDB_AUDIT_EXE_MAX 4096
#define PDB_AUDIT_COMM_MAX 16
#define PDB_AUDIT_HOST_MAX 256
#define PDB_AUDIT_CGROUP_MAX 4096
#define PDB_AUDIT_CONTAINER_MAX 128

struct pdb_canon;

struct pdb {
	sqlite3 *h;
	char *path;
	/* Prepared once, reused: the hot paths of the daemon. */
	sqlite3_stmt *audit_insert;
	sqlite3_stmt *audit_head;
	sqlite3_stmt *chain_head;
	sqlite3_stmt *block_upsert;
	/* The audit chain's hashing state and encoding buffer. */
	struct pdb_canon *canon;
};

void pdb_seterr(char *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pdb_clearerr(char *err);

/* Maps a SQLite result code (extended or primary) to a negative errno. */
int pdb_errno(sqlite3 *h, int rc);

/* "file:" URI naming @path exactly, with @query ("mode=ro") when not NULL;
 * malloc'd, NULL when out of memory. */
char *pdb_path_uri(const char *path, const char *query);

/* How many bytes of @s to keep so that at most @max remain, cut before a
 * UTF-8 sequence rather than inside one. */
size_t pdb_utf8_cut(const char *s, size_t max);

/* Binds @s (NULL binds NULL) cut to @max bytes; @s must outlive the step. */
int pdb_bind_text_max(sqlite3_stmt *st, int idx, const char *s, size_t max);

/* Prepares @sql once into *@slot (kept until pdb_close) and resets it. */
int pdb_stmt_cached(struct pdb *db, sqlite3_stmt **slot, const char *sql,
		    sqlite3_stmt **out);

int64_t pdb_now(void);

/* The SQL of the migration step to schema @version, NULL when there is no
 * such step: tests build databases of earlier versions with it. */
const char *pdb_schema_step(int version);

/* Opens @path read-only (query_only, defensive, no triggers, no
 * extensions), waiting up to @budget_ms for locks. */
int pdb_open_readonly(const char *path, unsigned int budget_ms, sqlite3 **out,
		      char *err);

/* Hashes every audit row of a database migrating to v6, in id order, and
 * sets audit_chain; runs inside the migration's transaction. */
int pdb_audit_chain_migrate(struct pdb *db, char *err);

/* Frees the chain's hashing state (pdb_close). */
void pdb_canon_free(struct pdb_canon *c);

/* pdb_query_readonly() with its time budget as a parameter. */
int pdb_query_readonly_budget(const char *path, const char *sql,
			      size_t max_rows, unsigned int budget_ms,
			      pdb_query_cb cb, void *ctx, bool *truncated,
			      char *err);

#endif /* ENFORCER_PDB_INTERNAL_H */
