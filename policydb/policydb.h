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
#define PDB_SCHEMA_VERSION 7

/* Bounds of stored text. Rule text past its bound is refused (-E2BIG);
 * audit strings past theirs are cut, before a UTF-8 sequence, never in one. */
#define PDB_RULE_TEXT_MAX (64 * 1024)
#define PDB_AUDIT_MSG_MAX 512
#define PDB_AUDIT_URI_MAX 4096
#define PDB_AUDIT_EXCERPT_MAX 1024
#define PDB_AUDIT_LOGDATA_MAX 512 /* as the rule engine cuts it */
#define PDB_AUDIT_CMDLINE_MAX 1024

struct pdb;

/**
 * pdb_open() - open (creating if missing) and migrate the database
 * @path: database file; its directory must exist
 * @out: the handle
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * Turns on WAL and a busy timeout, applies pending migrations in one
 * transaction, refuses a database newer than this build. A missing file is
 * created with mode 0640 (audit rows carry request data).
 * The handle runs with synchronous=NORMAL: in WAL mode a commit is not
 * synced to disk, a checkpoint is. A crash of the process loses nothing
 * committed and nothing can corrupt the file, but a power failure or an OS
 * crash may lose the last committed transactions (audit rows, a rule or
 * block added just before). In exchange each audit insert is not an fsync.
 * A new file gets pages of 16 KiB: audit rows (about 700 bytes) come in
 * batches, and fewer, larger pages cost the batch less b-tree and WAL work
 * (bench/audit: +8% rows/s over 4 KiB). A transaction of one small row
 * writes whole pages too, so it costs more (a block upsert alone 57 us
 * against 24). A file made before keeps its page size.
 * A handle is for one thread at a time.
 * Return: 0; -EPROTO for a database with a newer schema (user_version above
 * PDB_SCHEMA_VERSION) or one that is not an enforcer database, left
 * untouched either way; -EBADMSG for a file that is not SQLite; or another
 * negative errno.
 */
int pdb_open(const char *path, struct pdb **out, char *err);

/*
 * The caller promises to use the handle from one thread at a time, as a
 * thread that owns it does (the audit writer): SQLite then takes no lock
 * of its own on each call (SQLITE_OPEN_NOMUTEX). Without the flag a
 * handle used from two threads at once is still safe, only serialised.
 */
#define PDB_OPEN_ONE_THREAD 0x1u

/**
 * pdb_open_flags() - pdb_open() with PDB_OPEN_* @flags
 * Return: as pdb_open(); -EINVAL for an unknown flag.
 */
int pdb_open_flags(const char *path, unsigned int flags, struct pdb **out,
		   char *err);
void pdb_close(struct pdb *db); /* accepts NULL */

/**
 * pdb_tx_begin() - start a write transaction (BEGIN IMMEDIATE)
 * @db: the handle
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * Writes up to pdb_tx_commit() land in one transaction: the audit writer's
 * batches. Waits up to the busy timeout for another writer.
 * Return: 0 or a negative errno (-EBUSY when the wait ran out).
 */
int pdb_tx_begin(struct pdb *db, char *err);
/* Return: 0 or a negative errno (-EINVAL without a transaction). */
int pdb_tx_commit(struct pdb *db, char *err);
int pdb_tx_rollback(struct pdb *db, char *err);

/* --- rules added at run time (enforcerctl rule add) --- */

/**
 * struct pdb_rule - a stored rule
 * @rule_id: the SecLang id: action (not 0)
 * @text: the SecLang text, at most PDB_RULE_TEXT_MAX bytes
 * @enabled: loaded by the daemon when true
 * @mode: "enforce" or "shadow" (NULL: "enforce")
 * @source: who added it ("enforcerctl", "import:FILE"), at most 256 bytes
 * @created: unix time, seconds (0 on insert: now)
 * @updated: unix time, seconds (0 on insert: @created)
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

/* Return: 0, -EEXIST when @r->rule_id is taken, -EINVAL or -E2BIG for a
 * rule that breaks the rules above, or a negative errno. */
int pdb_rule_insert(struct pdb *db, const struct pdb_rule *r, char *err);

/**
 * pdb_rule_insert_many() - insert @n rules, all or none
 * @db: the handle
 * @rules: the rules, checked as pdb_rule_insert() checks one
 * @n: how many
 * @err: message buffer of PDB_ERR_LEN bytes; names the rule that failed
 *
 * Runs in a savepoint, so it may be called inside pdb_tx_begin() too.
 * Return: 0, or the first failure's negative errno (-EEXIST for a taken
 * id) with nothing stored.
 */
int pdb_rule_insert_many(struct pdb *db, const struct pdb_rule *rules, size_t n,
			 char *err);

/* Calls @cb for every rule (only enabled ones when @enabled_only), by
 * rule_id; a non-zero return from @cb stops and is returned. Strings are
 * valid during the call only. */
typedef int (*pdb_rule_cb)(const struct pdb_rule *r, void *ctx);
int pdb_rule_foreach(struct pdb *db, bool enabled_only, pdb_rule_cb cb,
		     void *ctx, char *err);

/* Rule @id to @cb (strings valid during the call). Return: 0, -ENOENT when
 * the database has no rule @id, or a negative errno. */
int pdb_rule_get(struct pdb *db, uint32_t id, pdb_rule_cb cb, void *ctx,
		 char *err);

/* Enable or disable rule @id (its updated time is now), or delete it.
 * Return: 0, -ENOENT when the database has no rule @id, or a negative
 * errno. Inside pdb_tx_begin() they are undone by pdb_tx_rollback(). */
int pdb_rule_set_enabled(struct pdb *db, uint32_t id, bool enabled, char *err);
int pdb_rule_delete(struct pdb *db, uint32_t id, char *err);

/* --- blocklist --- */

/**
 * struct pdb_block - a deny entry
 * @kind: "src", "flow", "cidr" or "egress" (schema v5)
 * @key: the entry in text: "192.0.2.1", "2001:db8::1",
 *	"tcp 192.0.2.1:1234 192.0.2.2:443", "192.0.2.0/24"; egress:
 *	"DEST CGROUP_ID", DEST "192.0.2.2:443", "[2001:db8::2]:443", or with
 *	"*" for every port
 * @rule_id: rule that caused it, 0 for a manual block (stored as NULL)
 * @reason: free text (the rule's msg, or the operator's), cut at 512 bytes
 * @created: unix time, seconds (0 on upsert: now)
 * @expires: unix time, seconds; 0 never
 * @point: where it is enforced: "nic" or "host" (or NULL)
 * @state: "active", "expired" or "removed" (NULL on upsert: "active")
 * @cgroup: an egress entry's cgroup v2 path, cut at 4096 bytes; NULL
 *	otherwise or unknown (schema v5)
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
	const char *cgroup;
};

/* Inserts, or refreshes an entry with the same kind and key (rule, reason,
 * expires, point, state updated; created kept, and cgroup when NULL). The key is at most 128
 * bytes (-E2BIG). */
int pdb_block_upsert(struct pdb *db, const struct pdb_block *b, char *err);

typedef int (*pdb_block_cb)(const struct pdb_block *b, void *ctx);
/* Every entry in state "active" (all states when @all), newest first (by
 * created); a non-zero return from @cb stops and is returned. Strings are
 * valid during the call only. */
int pdb_block_foreach(struct pdb *db, bool all, pdb_block_cb cb, void *ctx,
		      char *err);

/**
 * pdb_block_expired_foreach() - active entries whose time is up
 * @now: entries with 0 < expires <= @now
 * @max: at most this many, the earliest expiry first (call again for
 *	more)
 * Return: how many were passed to @cb, a non-zero return of @cb, or
 * -errno. Do not change the blocklist from @cb.
 */
int pdb_block_expired_foreach(struct pdb *db, int64_t now, size_t max,
			      pdb_block_cb cb, void *ctx, char *err);

/**
 * pdb_block_kind_foreach() - active entries of one kind, a page at a time
 * @kind: "src", "flow", "cidr" or "egress"
 * @offset: rows to skip (of the active entries of @kind, by id)
 * @max: at most this many
 * Return: how many were passed to @cb (fewer than @max: the last page), a
 * non-zero return of @cb, or -errno. Do not change the blocklist from @cb.
 */
int pdb_block_kind_foreach(struct pdb *db, const char *kind, size_t offset,
			   size_t max, pdb_block_cb cb, void *ctx, char *err);

/* Sets the state (active, expired, removed) of the entry @kind @key.
 * Return: 0, -ENOENT when there is none, -EINVAL, -errno. */
int pdb_block_set_state(struct pdb *db, const char *kind, const char *key,
			const char *state, char *err);

/* --- audit --- */

/**
 * struct pdb_audit - one audit row; NULL strings are stored as NULL, and
 *	strings are cut to bounds (PDB_AUDIT_*_MAX, 64 bytes for the short
 *	ones, 4096 for @exe, 256 for @host)
 * @time_ns: wall-clock time of the event, ns since the epoch (0: now); the
 *	column "time" gets it as ISO-8601 UTC with milliseconds
 * @event: "match", "block", ... (required)
 * @rule_id: matching rule, 0 none (stored as NULL)
 * @msg: rule msg
 * @severity: 0..7, -1 none (stored as NULL)
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
 * @cgroup: the process's cgroup v2 path ("/system.slice/nginx.service"),
 *	cut at 4096 bytes (schema v2)
 * @container: the container id that path names (64 hex digits, or a
 *	machine's name), cut at 128 bytes (schema v2)
 * @sock_cookie: the socket's cookie, 0 unknown (stored as NULL; schema v2)
 * @logdata: the matching rule's logdata, expanded; NULL or "" when it has
 *	none (stored as NULL), cut at PDB_AUDIT_LOGDATA_MAX bytes (schema v3)
 * @cmdline: the command line (arguments joined by spaces) of a process the
 *	verdict killed; NULL or "" otherwise (stored as NULL), cut at
 *	PDB_AUDIT_CMDLINE_MAX bytes (schema v4)
 * @latency_ns: nanoseconds from the capture of the request (the uprobe's
 *	time) to the verdict done (its deny entries written, its reset or
 *	kill made); 0 unknown (stored as NULL; schema v5)
 * @point: where the verdict was enforced: "nic" (a deny entry in an
 *	offloading NIC's map) or "host" (host maps, a reset, a kill); NULL
 *	when nothing was enforced (schema v6)
 * @shadow: the rule is a shadow rule: what it would have done is in
 *	@action ("shadow:..."), nothing was done (schema v6; rows before v6
 *	get it from their action)
 *
 * Rows with event "capture-loss" (pdb_audit_capture_loss()) say that the
 * capture lost records: msg "lost N records on CPUs C (n), ... in S s",
 * severity 4, time_ns the end of the interval; the process, flow and
 * request columns are NULL (pid, tgid and uid 0), and so is excerpt.
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
	const char *cgroup;
	const char *container;
	uint64_t sock_cookie;
	const char *logdata;
	const char *cmdline;
	uint64_t latency_ns;
	const char *point;
	bool shadow;
};

/* Length of the audit chain's hashes (SHA-256). */
#define PDB_AUDIT_HASH_LEN 32

/*
 * Tamper evidence (schema v6). Every audit row carries in its column hash
 * the SHA-256 of the previous row's hash followed by a canonical encoding
 * of all its other columns, id included. The table audit_chain keeps the
 * anchor (the id and hash of the last row retention deleted, 0 and zeros
 * before any) and the head (the last row written). Editing, inserting or
 * deleting rows with SQL breaks the chain where it was done, and
 * pdb_audit_verify() says where. Someone who can write the file and
 * recomputes every hash after their change is not caught by the file
 * alone: the hashes exported with each event (JSON lines, syslog) are
 * the copy to compare with.
 */

/* Return: the new row's id (> 0), or a negative errno. */
int64_t pdb_audit_insert(struct pdb *db, const struct pdb_audit *a, char *err);

/**
 * pdb_audit_insert_many() - insert @n rows in one transaction, chained
 * @db: the handle
 * @rows: the rows, checked as pdb_audit_insert() checks one
 * @n: how many
 * @ids: receives each row's id (may be NULL)
 * @hashes: receives each row's hash (may be NULL)
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * All or none: a row that fails leaves nothing of the call stored. In a
 * transaction of the caller's (pdb_tx_begin()) it runs in a savepoint.
 * Return: 0 or a negative errno.
 */
int pdb_audit_insert_many(struct pdb *db, const struct pdb_audit *rows,
			  size_t n, int64_t *ids,
			  uint8_t (*hashes)[PDB_AUDIT_HASH_LEN], char *err);

/**
 * pdb_audit_dup() - a copy of @a that owns its strings, in one allocation
 * Strings are cut to the bounds the database keeps. Return: the copy, to
 * be freed with free(), or NULL when out of memory.
 */
struct pdb_audit *pdb_audit_dup(const struct pdb_audit *a);

/**
 * struct pdb_audit_verify - what pdb_audit_verify() found
 * @rows: rows checked
 * @first_id: first row's id (0: none)
 * @last_id: last row's id
 * @anchor_id: rows up to this id were deleted by retention
 * @head_id: the last row written, as audit_chain says
 * @problems: breaks of the chain found (0: intact)
 * @first_bad_id: id of the row at the first break (0: none)
 * @last_good_id: id of the last row before the first break whose chain
 *	holds from the anchor (0: none)
 * @first_problem: the first break in words
 */
struct pdb_audit_verify {
	int64_t rows;
	int64_t first_id;
	int64_t last_id;
	int64_t anchor_id;
	int64_t head_id;
	int64_t problems;
	int64_t first_bad_id;
	int64_t last_good_id;
	char first_problem[256];
};

/* Called for each break found: the row id where the chain breaks and what
 * was found there ("row 17 was edited: ..."). Non-zero stops. */
typedef int (*pdb_verify_cb)(void *ctx, int64_t id, const char *what);

/**
 * pdb_audit_verify() - check the audit chain of the database at @path
 * @path: database file, opened read-only; a daemon may go on writing
 * @cb: each break (may be NULL)
 * @ctx: passed to @cb
 * @out: the summary
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * Reads every row in id order in one read transaction. Finds rows edited
 * (hash does not match the content), rows without a hash (inserted by
 * SQL), rows deleted (a gap in ids, the first row not after the anchor,
 * the last row not the head) and rows inserted (ids past the head).
 * Return: 0 (see @out->problems), or a negative errno when the check
 * could not run (-EPROTO for a database before schema v6).
 */
int pdb_audit_verify(const char *path, pdb_verify_cb cb, void *ctx,
		     struct pdb_audit_verify *out, char *err);

/**
 * pdb_audit_capture_loss() - write a "capture-loss" row
 * @db: the handle
 * @time_ns: end of the interval, ns since the epoch (0: now)
 * @lost: records lost in the interval, per CPU (@lost[i] on CPU i)
 * @ncpus: entries in @lost
 * @interval_s: length of the interval in seconds, 0 to leave it out
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * The msg names the total and each CPU that lost records, "lost 17
 * records on CPUs 0 (12), 3 (5) in 10 s"; past PDB_AUDIT_MSG_MAX bytes the
 * list of CPUs ends with "...". Nothing is written when nothing was lost.
 * Return: the new row's id (> 0), 0 when nothing was lost, or a negative
 * errno.
 */
int64_t pdb_audit_capture_loss(struct pdb *db, int64_t time_ns,
			       const uint64_t *lost, size_t ncpus,
			       unsigned int interval_s, char *err);

/* The row pdb_audit_capture_loss() writes, into @a, its msg into @msg
 * (PDB_AUDIT_MSG_MAX + 1 bytes), for a writer of one's own.
 * Return: 1, 0 when nothing was lost (@a untouched), or -EINVAL. */
int pdb_audit_capture_loss_row(struct pdb_audit *a, char *msg, int64_t time_ns,
			       const uint64_t *lost, size_t ncpus,
			       unsigned int interval_s);

/**
 * pdb_audit_prune() - retention: delete the oldest audit rows
 * @db: the handle
 * @before_ns: rows with time_ns below it go (0: none by age)
 * @max_bytes: while the database's pages in use take more than this, the
 *	oldest rows go too (0: no bound by size)
 * @max_rows: at most this many rows in this call (0: 10000), so that one
 *	step holds the write lock briefly; call again while it returns
 *	@max_rows
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * Deletes a prefix of the chain (in id order, stopping at the first row
 * young enough when only age applies) and moves the chain's anchor to the
 * last row deleted, in one transaction (a savepoint inside the caller's).
 * Space freed is reused by SQLite, so the file stops growing at about
 * @max_bytes; it does not shrink.
 * Return: rows deleted (>= 0), or a negative errno.
 */
int64_t pdb_audit_prune(struct pdb *db, int64_t before_ns, uint64_t max_bytes,
			size_t max_rows, char *err);

/* --- read-only queries --- */

/* Most rows a query returns; past it the result says it was cut. */
#define PDB_QUERY_MAX_ROWS 10000
/* Most bytes of values a query hands to its callback, summed over every
 * value of every row (a blob counted as its x'..' text); past it the result
 * says it was cut. */
#define PDB_QUERY_MAX_BYTES (16 * 1024 * 1024)

/**
 * pdb_query_cb - receives a query's result
 * @ncols: columns
 * @names: column names (row == NULL: called once first with names only)
 * @values: a row's values as text, NULL for SQL NULL, a blob as x'hex'
 * Return non-zero to stop: a negative value is returned by
 * pdb_query_readonly() as it is, a positive one only stops.
 */
typedef int (*pdb_query_cb)(void *ctx, int ncols, const char *const *names,
			    const char *const *values);

/**
 * pdb_query_readonly() - run one SQL statement that may only read
 * @path: database file, opened read-only for this query
 * @sql: a single statement; trailing text other than whitespace, ';' and
 *	comments is refused
 * @max_rows: stop after this many rows (capped at PDB_QUERY_MAX_ROWS; 0
 *	means the cap)
 * @cb: receives the result (may be NULL to count rows)
 * @ctx: passed to @cb
 * @truncated: set true when rows were left out (may be NULL): past
 *	@max_rows, or at the row whose values would take the bytes handed to
 *	@cb past PDB_QUERY_MAX_BYTES (that row and all after it are left out;
 *	the rows before it are returned as a success)
 * @err: message buffer of PDB_ERR_LEN bytes
 *
 * An authorizer admits reads only: anything that writes, ATTACH, PRAGMAs
 * other than a read-only few (schema introspection such as table_info, and
 * reading values such as user_version), more than one statement, and
 * extension loading are refused with -EPERM and a message naming what was
 * refused ("INSERT is not allowed: ..."). A syntax error is -EINVAL. A
 * statement running longer than 5 s, callbacks included, is interrupted
 * (-ETIMEDOUT; the clock is read in SQLite's progress handler and after
 * each row's callback). Values are at most 1 MiB (-E2BIG), results at most
 * 100 columns (-EINVAL), the SQL 64 KiB.
 * Return: rows delivered (>= 0) or a negative errno.
 */
int pdb_query_readonly(const char *path, const char *sql, size_t max_rows,
		       pdb_query_cb cb, void *ctx, bool *truncated, char *err);

/**
 * pdb_audit_top_sql() - the SQL of `enforcerctl audit top`
 * @by: "rule", "src", "exe", "cgroup", "container" or "event"
 * @since_ns: rows at or after this time (ns since the epoch; 0: all)
 * @limit: most groups
 * @buf: receives the statement, for pdb_query_readonly()
 * @len: its size (512 is enough)
 *
 * Columns: the key (named @by), events, enforced (rows whose action
 * begins "deny:", what verdicts did), shadow (shadow rows), msg (the rule's, for "rule"),
 * first and last (times), the most events first.
 * Return: 0, -EINVAL for an unknown @by, a negative time or no @limit,
 * -ENOSPC when @buf is too small.
 */
int pdb_audit_top_sql(const char *by, int64_t since_ns, unsigned int limit,
		      char *buf, size_t len);

#endif /* ENFORCER_POLICYDB_H */
