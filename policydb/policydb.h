/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The policy database: SQLite, the single source of truth for rules added at
 * run time, the blocklist and the audit log. A library: it never logs and
 * never exits; failures return a negative errno and a message in @err.
 */
#ifndef ENFORCER_POLICYDB_H
#define ENFORCER_POLICYDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Size callers give for error messages. */
#define PDB_ERR_LEN 512
/* Schema version this build writes (PRAGMA user_version). */
#define PDB_SCHEMA_VERSION 1

struct pdb;

/**
 * pdb_open() - open (creating if missing) and migrate the database
 * @path: database file; its directory must exist
 * @out: the handle
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * Turns on WAL and a busy timeout, applies pending migrations in one
 * transaction, refuses a database newer than this build.
 * Return: 0 or a negative errno.
 */
int pdb_open(const char *path, struct pdb **out, char *err);
void pdb_close(struct pdb *db); /* accepts NULL */

/* --- rules added at run time (enforcerctl rule add) --- */

/**
 * struct pdb_rule - a stored rule
 * @rule_id: the SecLang id: action
 * @text: the SecLang text
 * @enabled: loaded by the daemon when true
 * @mode: "enforce" or "shadow"
 * @source: who added it ("enforcerctl", "import:FILE")
 * @created: unix time, seconds
 * @updated: unix time, seconds
 */
struct pdb_rule {
	uint32_t rule_id;
	const char *text;
	bool enabled;
	const char *mode;
	const char *source;
	int64_t created;
	int64_t updated;
};

/* Return: 0, -EEXIST when @r->rule_id is taken, or a negative errno. */
int pdb_rule_insert(struct pdb *db, const struct pdb_rule *r, char *err);

/* Calls @cb for every rule (only enabled ones when @enabled_only), by
 * rule_id; a non-zero return from @cb stops and is returned. Strings are
 * valid during the call only. */
typedef int (*pdb_rule_cb)(const struct pdb_rule *r, void *ctx);
int pdb_rule_foreach(struct pdb *db, bool enabled_only, pdb_rule_cb cb,
		     void *ctx, char *err);

/* --- blocklist --- */

/**
 * struct pdb_block - a deny entry
 * @kind: "src", "flow" or "cidr"
 * @key: the entry in text: "192.0.2.1", "2001:db8::1",
 *	"tcp 192.0.2.1:1234 192.0.2.2:443", "192.0.2.0/24"
 * @rule_id: rule that caused it, 0 for a manual block
 * @reason: free text (the rule's msg, or the operator's)
 * @created: unix time, seconds
 * @expires: unix time, seconds; 0 never
 * @point: where it is enforced: "nic" or "host"
 * @state: "active", "expired" or "removed"
 */
struct pdb_block {
	const char *kind;
	const char *key;
	uint32_t rule_id;
	const char *reason;
	int64_t created;
	int64_t expires;
	const char *point;
	const char *state;
};

/* Inserts, or refreshes an entry with the same kind and key (rule, reason,
 * expires, point, state updated; created kept). */
int pdb_block_upsert(struct pdb *db, const struct pdb_block *b, char *err);

typedef int (*pdb_block_cb)(const struct pdb_block *b, void *ctx);
/* Every entry in state "active" (all states when @all), newest first. */
int pdb_block_foreach(struct pdb *db, bool all, pdb_block_cb cb, void *ctx,
		      char *err);

/* --- audit --- */

/**
 * struct pdb_audit - one audit row; NULL strings are stored as NULL
 * @time_ns: wall-clock time of the event, ns since the epoch
 * @event: "match", "block", ...
 * @rule_id: matching rule, 0 none
 * @msg: rule msg
 * @severity: 0..7, -1 none
 * @action: what was done: "deny:src" ...
 * @pid, @tgid, @uid: the process
 * @exe, @comm: its executable path and comm
 * @cgroup_id: its cgroup v2 id
 * @proto: "tcp" / "udp"
 * @saddr, @sport, @daddr, @dport: the flow, peer as source
 * @tls_lib: "openssl" ...
 * @direction: "inbound" or "outbound"
 * @method, @host, @uri: the request
 * @excerpt: what matched, bounded by the caller
 */
struct pdb_audit {
	int64_t time_ns;
	const char *event;
	uint32_t rule_id;
	const char *msg;
	int severity;
	const char *action;
	uint32_t pid;
	uint32_t tgid;
	uint32_t uid;
	const char *exe;
	const char *comm;
	uint64_t cgroup_id;
	const char *proto;
	const char *saddr;
	uint16_t sport;
	const char *daddr;
	uint16_t dport;
	const char *tls_lib;
	const char *direction;
	const char *method;
	const char *host;
	const char *uri;
	const char *excerpt;
};

/* Return: the new row's id (> 0), or a negative errno. */
int64_t pdb_audit_insert(struct pdb *db, const struct pdb_audit *a, char *err);

/* --- read-only queries --- */

/* Most rows a query returns; past it the result says it was cut. */
#define PDB_QUERY_MAX_ROWS 10000

/**
 * pdb_query_cb - receives a query's result
 * @ncols: columns
 * @names: column names (row == NULL: called once first with names only)
 * @values: a row's values as text, NULL for SQL NULL
 * Return non-zero to stop.
 */
typedef int (*pdb_query_cb)(void *ctx, int ncols, const char *const *names,
			    const char *const *values);

/**
 * pdb_query_readonly() - run one SQL statement that may only read
 * @path: database file, opened read-only for this query
 * @sql: a single statement; trailing text other than whitespace, ';' and
 *	comments is refused
 * @max_rows: stop after this many rows (capped at PDB_QUERY_MAX_ROWS)
 * @truncated: set true when rows were left out
 *
 * An authorizer admits reads only: anything that writes, ATTACH, PRAGMAs
 * other than a read-only few, and extension loading are refused with -EPERM
 * and a message naming what was refused. A statement running too long is
 * interrupted (-ETIMEDOUT).
 * Return: rows delivered (>= 0) or a negative errno.
 */
int pdb_query_readonly(const char *path, const char *sql, size_t max_rows,
		       pdb_query_cb cb, void *ctx, bool *truncated, char *err);

#endif /* ENFORCER_POLICYDB_H */
