// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * policydb schema v6: the audit chain (rows edited, inserted and deleted
 * with SQL are found, retention keeps the chain whole), batches all or
 * none, a writer killed with SIGKILL in the middle of a batch, readers
 * beside a writer, rule history, the migration from v5, and
 * pdb_audit_dup(); against real SQLite files.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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
	return fx_setup(state, "/tmp/test_pdb_chain.XXXXXX", "policy.db");
}

static struct pdb *open_ok(struct fx *fx)
{
	struct pdb *db = NULL;
	int ret = pdb_open(fx->path, &db, fx->err);

	check(ret == 0 && db, "pdb_open: %d %s", ret, fx->err);
	return db;
}

/* A full row, its strings varied by @i. */
static void row_of(struct pdb_audit *a, int i, char *uri, size_t len)
{
	snprintf(uri, len, "/item/%d?q=%d' or 1=1", i, i * 7);
	*a = (struct pdb_audit){
		.time_ns = 1700000000000000000LL + (int64_t)i * 1000000000LL,
		.event = i % 5 ? "match" : "capture-loss",
		.rule_id = 1000 + (uint32_t)(i % 3),
		.msg = "SQL injection",
		.severity = i % 8,
		.action = i % 4 ? "deny:src" : "shadow:deny:src",
		.pid = 100 + (uint32_t)i,
		.tgid = 100,
		.uid = 33,
		.exe = "/usr/sbin/nginx",
		.comm = "nginx",
		.cgroup_id = 4242,
		.proto = "tcp",
		.saddr = "192.0.2.1",
		.sport = (uint16_t)(40000 + i),
		.daddr = "192.0.2.2",
		.dport = 443,
		.tls_lib = "openssl",
		.direction = "inbound",
		.method = "GET",
		.host = "example.test",
		.uri = uri,
		.excerpt = "ARGS:q=' or 1=1",
		.sock_cookie = (uint64_t)i + 1,
		.latency_ns = (uint64_t)i * 1000,
		.point = i % 2 ? "host" : "nic",
		.shadow = i % 4 == 0,
	};
}

static void insert_rows(struct fx *fx, struct pdb *db, int from, int n)
{
	struct pdb_audit rows[64];
	char uris[64][64];
	int i = 0;

	while (i < n) {
		int k = n - i < 64 ? n - i : 64;

		for (int j = 0; j < k; j++)
			row_of(&rows[j], from + i + j, uris[j],
			       sizeof(uris[j]));
		check(pdb_audit_insert_many(db, rows, (size_t)k, NULL, NULL,
					    fx->err) == 0,
		      "insert_many: %s", fx->err);
		i += k;
	}
}

struct found {
	int n;
	int64_t ids[16];
	char what[16][256];
};

static int found_cb(void *ctx, int64_t id, const char *what)
{
	struct found *f = ctx;

	if (f->n < 16) {
		f->ids[f->n] = id;
		snprintf(f->what[f->n], sizeof(f->what[f->n]), "%s", what);
	}
	f->n++;
	return 0;
}

static void verify(struct fx *fx, struct pdb_audit_verify *v, struct found *f)
{
	int ret;

	memset(f, 0, sizeof(*f));
	ret = pdb_audit_verify(fx->path, found_cb, f, v, fx->err);
	check(ret == 0, "verify: %d %s", ret, fx->err);
	check(v->problems == f->n, "problems %lld, callbacks %d",
	      (long long)v->problems, f->n);
}

static void test_chain_intact(void **state)
{
	struct pdb_audit one = { .event = "reload", .severity = -1 };
	uint8_t hashes[3][PDB_AUDIT_HASH_LEN];
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct pdb_audit rows[3];
	char uris[3][64], buf[128];
	struct found f;
	int64_t ids[3];
	struct pdb *db;

	db = open_ok(fx);
	verify(fx, &v, &f);
	check(v.problems == 0 && v.rows == 0 && v.head_id == 0,
	      "empty log: %lld problems, %lld rows, head %lld",
	      (long long)v.problems, (long long)v.rows, (long long)v.head_id);
	insert_rows(fx, db, 1, 100);
	check(pdb_audit_insert(db, &one, fx->err) == 101, "single row: %s",
	      fx->err);
	for (int i = 0; i < 3; i++)
		row_of(&rows[i], 200 + i, uris[i], sizeof(uris[i]));
	check(pdb_audit_insert_many(db, rows, 3, ids, hashes, fx->err) == 0,
	      "insert_many: %s", fx->err);
	check(ids[0] == 102 && ids[2] == 104, "ids %lld..%lld",
	      (long long)ids[0], (long long)ids[2]);
	pdb_close(db);

	/* the hashes handed back are the stored ones */
	check(raw_int(fx->path, "SELECT count(*) FROM audit WHERE"
				" length(hash) = 32") == 104,
	      "rows without a 32-byte hash");
	raw_text(fx->path, "SELECT hex(hash) FROM audit WHERE id = 104", buf,
		 sizeof(buf));
	{
		char hex[2 * PDB_AUDIT_HASH_LEN + 1];

		for (int i = 0; i < PDB_AUDIT_HASH_LEN; i++)
			snprintf(hex + 2 * i, 3, "%02X", hashes[2][i]);
		check(!strcmp(hex, buf), "hash handed back %s, stored %s", hex,
		      buf);
	}
	check(raw_int(fx->path, "SELECT head_id FROM audit_chain") == 104,
	      "head not at the last row");
	check(raw_int(fx->path, "SELECT count(*) FROM audit a JOIN audit b ON"
				" a.id + 1 = b.id WHERE a.hash = b.hash") == 0,
	      "two rows with one hash");
	verify(fx, &v, &f);
	check(v.problems == 0 && v.rows == 104 && v.first_id == 1 &&
		      v.last_id == 104 && v.head_id == 104 &&
		      v.last_good_id == 104 && v.first_bad_id == 0,
	      "intact chain: %lld problems (%s), %lld rows, good to %lld",
	      (long long)v.problems, v.first_problem, (long long)v.rows,
	      (long long)v.last_good_id);
}

static void test_edit_detected(void **state)
{
	static const char *const edits[] = {
		"UPDATE audit SET msg = 'nothing to see' WHERE id = 40",
		"UPDATE audit SET uid = 0 WHERE id = 40",
		"UPDATE audit SET rule_id = NULL WHERE id = 40",
		"UPDATE audit SET shadow = 1 - shadow WHERE id = 40",
		"UPDATE audit SET severity = 2.5 WHERE id = 40",
		"UPDATE audit SET hash = zeroblob(32) WHERE id = 40",
		"UPDATE audit SET id = 1000 WHERE id = 60",
	};
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct found f;
	struct pdb *db;

	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		unlink(fx->path);
		db = open_ok(fx);
		insert_rows(fx, db, 1, 80);
		pdb_close(db);
		check(raw_exec(fx->path, edits[i]) == SQLITE_OK, "edit %s",
		      edits[i]);
		verify(fx, &v, &f);
		if (i + 1 < sizeof(edits) / sizeof(edits[0])) {
			/* one edited row is one break, at that row */
			check(v.problems == 1 && v.first_bad_id == 40 &&
				      v.last_good_id == 39 &&
				      strstr(v.first_problem,
					     "row 40 does not match its hash"),
			      "%s: %lld problems, first at %lld: %s", edits[i],
			      (long long)v.problems, (long long)v.first_bad_id,
			      v.first_problem);
		} else {
			/* a row moved: a gap where it was, and a row past
			 * the head where it went */
			check(v.problems == 2 && f.ids[0] == 61 &&
				      strstr(f.what[0],
					     "rows 60..60 are missing") &&
				      f.ids[1] == 1000 &&
				      strstr(f.what[1],
					     "past the chain's head"),
			      "%s: %lld problems: %s | %s", edits[i],
			      (long long)v.problems, f.what[0], f.what[1]);
		}
	}
}

static void test_insert_and_delete_detected(void **state)
{
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct found f;
	struct pdb *db;

	db = open_ok(fx);
	insert_rows(fx, db, 1, 80);
	pdb_close(db);

	/* deleted in the middle */
	check(raw_exec(fx->path,
		       "DELETE FROM audit WHERE id BETWEEN 50 AND 52") ==
		      SQLITE_OK,
	      "delete");
	verify(fx, &v, &f);
	check(v.problems == 1 && v.first_bad_id == 53 && v.last_good_id == 49 &&
		      strstr(v.first_problem, "rows 50..52 are missing"),
	      "deleted 50..52: %lld problems: %s", (long long)v.problems,
	      v.first_problem);

	/* deleted at the start (not by retention) and at the end */
	check(raw_exec(fx->path,
		       "DELETE FROM audit WHERE id <= 2 OR id >= 79") ==
		      SQLITE_OK,
	      "delete ends");
	verify(fx, &v, &f);
	check(v.problems == 3 && f.ids[0] == 3 &&
		      strstr(f.what[0], "rows 1..2 are missing") &&
		      strstr(f.what[2], "rows 79..80 are missing at the end"),
	      "deleted ends: %lld: %s | %s | %s", (long long)v.problems,
	      f.what[0], f.what[1], f.what[2]);

	/* a row inserted by hand: no hash, and past the head */
	unlink(fx->path);
	db = open_ok(fx);
	insert_rows(fx, db, 1, 10);
	pdb_close(db);
	check(raw_exec(fx->path,
		       "INSERT INTO audit (time_ns, event, msg) VALUES"
		       " (1, 'match', 'forged')") == SQLITE_OK,
	      "insert");
	verify(fx, &v, &f);
	check(v.problems == 1 && v.first_bad_id == 11 && v.last_good_id == 10 &&
		      strstr(f.what[0], "no hash"),
	      "inserted row: %lld: %s", (long long)v.problems, f.what[0]);
	/* the daemon chains on after it; the forged row stays the only
	 * break */
	db = open_ok(fx);
	insert_rows(fx, db, 11, 5);
	pdb_close(db);
	verify(fx, &v, &f);
	check(v.problems == 1 && v.first_bad_id == 11 && v.head_id == 16,
	      "after the forged row: %lld problems, head %lld: %s",
	      (long long)v.problems, (long long)v.head_id, f.what[1]);

	/* a whole chain recomputed except the head: the head tells */
	check(raw_exec(fx->path, "UPDATE audit_chain SET head_hash ="
				 " zeroblob(32)") == SQLITE_OK,
	      "head");
	verify(fx, &v, &f);
	check(v.problems == 2 &&
		      strstr(f.what[1], "row 16 is not the chain's head"),
	      "head hash changed: %lld: %s", (long long)v.problems, f.what[1]);
}

static void test_batch_all_or_none(void **state)
{
	struct pdb_audit rows[4];
	struct fx *fx = *state;
	char uris[4][64];
	struct pdb *db;

	db = open_ok(fx);
	for (int i = 0; i < 4; i++)
		row_of(&rows[i], i, uris[i], sizeof(uris[i]));
	rows[2].event = NULL;
	check(pdb_audit_insert_many(db, rows, 4, NULL, NULL, fx->err) ==
			      -EINVAL &&
		      strstr(fx->err, "row 2 has no event"),
	      "a batch with a row without event: %s", fx->err);
	rows[2].event = "match";
	rows[3].time_ns = -1;
	check(pdb_audit_insert_many(db, rows, 4, NULL, NULL, fx->err) ==
		      -EINVAL,
	      "a batch with a negative time");
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 0,
	      "rows of a refused batch stored");
	rows[3].time_ns = 0;
	/* in the caller's transaction, undone with it */
	check(pdb_tx_begin(db, fx->err) == 0, "begin: %s", fx->err);
	check(pdb_audit_insert_many(db, rows, 4, NULL, NULL, fx->err) == 0,
	      "batch in a transaction: %s", fx->err);
	check(pdb_tx_rollback(db, fx->err) == 0, "rollback: %s", fx->err);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 0 &&
		      raw_int(fx->path, "SELECT head_id FROM audit_chain") == 0,
	      "a rolled back batch left rows or moved the head");
	check(pdb_audit_insert_many(db, rows, 0, NULL, NULL, fx->err) == 0,
	      "an empty batch");
	check(pdb_audit_insert_many(db, NULL, 2, NULL, NULL, fx->err) ==
		      -EINVAL,
	      "NULL rows");
	pdb_close(db);
}

static void test_prune_keeps_chain(void **state)
{
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct found f;
	struct pdb *db;
	int64_t n, cutoff;

	db = open_ok(fx);
	insert_rows(fx, db, 1, 1000);
	/* rows 1..499 are older than row 500's time */
	cutoff = 1700000000000000000LL + 500 * 1000000000LL;
	n = pdb_audit_prune(db, cutoff, 0, 100, fx->err);
	check(n == 100, "a step of 100: %lld %s", (long long)n, fx->err);
	do {
		n = pdb_audit_prune(db, cutoff, 0, 100, fx->err);
		check(n >= 0, "prune: %s", fx->err);
	} while (n == 100);
	check(raw_int(fx->path, "SELECT min(id) FROM audit") == 500 &&
		      raw_int(fx->path, "SELECT anchor_id FROM audit_chain") ==
			      499,
	      "pruned to %lld, anchor %lld",
	      (long long)raw_int(fx->path, "SELECT min(id) FROM audit"),
	      (long long)raw_int(fx->path,
				 "SELECT anchor_id FROM audit_chain"));
	verify(fx, &v, &f);
	check(v.problems == 0 && v.rows == 501 && v.anchor_id == 499,
	      "after prune by age: %lld problems (%s), %lld rows",
	      (long long)v.problems, v.first_problem, (long long)v.rows);
	/* the next rows chain on */
	insert_rows(fx, db, 1001, 10);
	verify(fx, &v, &f);
	check(v.problems == 0 && v.last_id == 1010, "chain on: %s",
	      v.first_problem);
	/* a row older than the cutoff behind a younger one stays: the
	 * prefix stops at the first young row */
	check(pdb_audit_prune(db, cutoff, 0, 0, fx->err) == 0,
	      "nothing more to prune");

	/* by size: well under what the rows take now */
	{
		int64_t pages, free_pages, size, before;

		insert_rows(fx, db, 2000, 3000);
		before = raw_int(fx->path, "SELECT count(*) FROM audit");
		do {
			n = pdb_audit_prune(db, 0, 256 * 1024, 500, fx->err);
			check(n >= 0, "prune by size: %s", fx->err);
		} while (n > 0);
		pages = raw_int(fx->path, "PRAGMA page_count");
		free_pages = raw_int(fx->path, "PRAGMA freelist_count");
		size = raw_int(fx->path, "PRAGMA page_size");
		check((pages - free_pages) * size <= 256 * 1024,
		      "in use after prune by size: %lld bytes",
		      (long long)((pages - free_pages) * size));
		check(raw_int(fx->path, "SELECT count(*) FROM audit") <
				      before &&
			      raw_int(fx->path, "SELECT count(*) FROM audit") >
				      0,
		      "prune by size kept %lld of %lld rows",
		      (long long)raw_int(fx->path,
					 "SELECT count(*) FROM audit"),
		      (long long)before);
		verify(fx, &v, &f);
		check(v.problems == 0 && v.anchor_id + 1 == v.first_id,
		      "after prune by size: %s", v.first_problem);
	}
	check(pdb_audit_prune(db, -1, 0, 0, fx->err) == -EINVAL,
	      "a negative time");
	pdb_close(db);
}

/* --- a writer killed in the middle of a batch --- */

#define KILL_BATCH 2000

struct progress {
	volatile int64_t begun;
	volatile int64_t committed;
};

static void writer_child(const char *path, struct progress *p)
{
	static struct pdb_audit rows[KILL_BATCH];
	static char uris[KILL_BATCH][64];
	char err[PDB_ERR_LEN];
	struct pdb *db;

	if (pdb_open(path, &db, err))
		_exit(2);
	for (int b = 0;; b++) {
		for (int i = 0; i < KILL_BATCH; i++)
			row_of(&rows[i], b * KILL_BATCH + i, uris[i],
			       sizeof(uris[i]));
		__atomic_store_n(&p->begun, b + 1, __ATOMIC_SEQ_CST);
		if (pdb_audit_insert_many(db, rows, KILL_BATCH, NULL, NULL,
					  err))
			_exit(3);
		__atomic_store_n(&p->committed, b + 1, __ATOMIC_SEQ_CST);
	}
}

static void test_kill9_mid_batch(void **state)
{
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct progress *p;
	int64_t committed, begun, rows;
	struct found f;
	char buf[64];
	int status, tries = 0;
	pid_t pid;

	p = mmap(NULL, sizeof(*p), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap");
	memset(p, 0, sizeof(*p));
	pid = fork();
	check(pid >= 0, "fork");
	if (pid == 0)
		writer_child(fx->path, p);
	/* Some batches committed, then kill while one is under way: begun
	 * ahead of committed, read just before the signal. */
	for (;;) {
		struct timespec ts = { 0, 200000 };

		committed = __atomic_load_n(&p->committed, __ATOMIC_SEQ_CST);
		begun = __atomic_load_n(&p->begun, __ATOMIC_SEQ_CST);
		if (committed >= 3 && begun == committed + 1)
			break;
		check(++tries < 200000, "the writer made no progress");
		check(waitpid(pid, &status, WNOHANG) == 0,
		      "the writer exited: %d", status);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	check(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) &&
		      WTERMSIG(status) == SIGKILL,
	      "the writer was not killed by SIGKILL");
	committed = __atomic_load_n(&p->committed, __ATOMIC_SEQ_CST);
	munmap(p, sizeof(*p));

	raw_text(fx->path, "PRAGMA integrity_check", buf, sizeof(buf));
	check(!strcmp(buf, "ok"), "integrity_check after SIGKILL: %s", buf);
	rows = raw_int(fx->path, "SELECT count(*) FROM audit");
	/* what committed is there; the batch under way is not, in part or
	 * whole (the kill may have come after its COMMIT but before the
	 * counter: then it is there whole) */
	check(rows % KILL_BATCH == 0 && (rows / KILL_BATCH == committed ||
					 rows / KILL_BATCH == committed + 1),
	      "%lld rows after SIGKILL, %lld batches committed",
	      (long long)rows, (long long)committed);
	verify(fx, &v, &f);
	check(v.problems == 0 && v.last_id == rows && v.head_id == rows &&
		      v.last_good_id == rows,
	      "chain after SIGKILL: %lld problems (%s), last %lld head %lld",
	      (long long)v.problems, v.first_problem, (long long)v.last_id,
	      (long long)v.head_id);
	/* and the next open writes on */
	{
		struct pdb *db = open_ok(fx);

		insert_rows(fx, db, 0, 3);
		pdb_close(db);
		verify(fx, &v, &f);
		check(v.problems == 0 && v.last_id == rows + 3,
		      "writing on after SIGKILL: %s", v.first_problem);
	}
	printf("killed mid-batch after %lld batches of %d: %lld rows kept,"
	       " chain intact\n",
	       (long long)committed, KILL_BATCH, (long long)rows);
}

/* --- readers beside a writer --- */

struct concurrent {
	const char *path;
	volatile int done;
	int64_t queries;
	int64_t verifies;
	int failures;
	char failure[PDB_ERR_LEN + 64];
};

static int count_cb(void *ctx, int ncols, const char *const *names,
		    const char *const *values)
{
	int64_t *n = ctx;

	(void)ncols;
	(void)names;
	if (values && values[0])
		*n = strtoll(values[0], NULL, 10);
	return 0;
}

static void *reader(void *arg)
{
	struct concurrent *c = arg;
	char err[PDB_ERR_LEN];
	int64_t last = 0;

	while (!__atomic_load_n(&c->done, __ATOMIC_SEQ_CST)) {
		struct pdb_audit_verify v;
		int64_t n = -1;
		int ret;

		ret = pdb_query_readonly(c->path,
					 "SELECT count(*) FROM audit WHERE"
					 " event = 'match'",
					 1, count_cb, &n, NULL, err);
		if (ret != 1 || n < last) {
			snprintf(c->failure, sizeof(c->failure),
				 "query: %d, %lld after %lld: %.400s", ret,
				 (long long)n, (long long)last, err);
			c->failures++;
			break;
		}
		last = n;
		c->queries++;
		ret = pdb_audit_verify(c->path, NULL, NULL, &v, err);
		if (ret || v.problems) {
			snprintf(c->failure, sizeof(c->failure),
				 "verify: %d, %lld problems: %.200s %.200s",
				 ret, (long long)v.problems, v.first_problem,
				 err);
			c->failures++;
			break;
		}
		c->verifies++;
	}
	return NULL;
}

static void test_readers_beside_writer(void **state)
{
	struct fx *fx = *state;
	struct concurrent c[2] = { { .path = fx->path }, { .path = fx->path } };
	pthread_t t[2];
	struct pdb *db;

	db = open_ok(fx);
	insert_rows(fx, db, 0, 10);
	for (int i = 0; i < 2; i++)
		check(pthread_create(&t[i], NULL, reader, &c[i]) == 0,
		      "thread");
	for (int b = 0; b < 200; b++)
		insert_rows(fx, db, 10 + b * 100, 100);
	for (int i = 0; i < 2; i++) {
		__atomic_store_n(&c[i].done, 1, __ATOMIC_SEQ_CST);
		pthread_join(t[i], NULL);
	}
	pdb_close(db);
	for (int i = 0; i < 2; i++)
		check(c[i].failures == 0 && c[i].queries > 0 &&
			      c[i].verifies > 0,
		      "reader %d: %d failures (%s), %lld queries", i,
		      c[i].failures, c[i].failure, (long long)c[i].queries);
	printf("2 readers beside 20010 rows written: %lld+%lld queries,"
	       " %lld+%lld verifies, none failed\n",
	       (long long)c[0].queries, (long long)c[1].queries,
	       (long long)c[0].verifies, (long long)c[1].verifies);
}

/* --- rule history --- */

static void test_rule_history(void **state)
{
	struct pdb_rule r = { .rule_id = 1001,
			      .text = "SecRule ARGS \"@rx x\" \"id:1001\"",
			      .enabled = true,
			      .source = "enforcerctl",
			      .created = 100 };
	struct fx *fx = *state;
	char buf[512];
	struct pdb *db;

	db = open_ok(fx);
	check(pdb_rule_insert(db, &r, fx->err) == 0, "insert: %s", fx->err);
	check(pdb_rule_set_enabled(db, 1001, false, fx->err) == 0, "disable");
	check(pdb_rule_set_enabled(db, 1001, true, fx->err) == 0, "enable");
	check(pdb_rule_delete(db, 1001, fx->err) == 0, "delete: %s", fx->err);
	pdb_close(db);
	raw_text(fx->path,
		 "SELECT group_concat(rule_id || ':' || change || ':' ||"
		 " enabled || ':' || source, ' ') FROM"
		 " (SELECT * FROM rule_history ORDER BY id)",
		 buf, sizeof(buf));
	check(!strcmp(buf, "1001:add:1:enforcerctl 1001:disable:0:enforcerctl "
			   "1001:enable:1:enforcerctl "
			   "1001:delete:1:enforcerctl"),
	      "history: %s", buf);
	check(raw_int(fx->path, "SELECT time FROM rule_history WHERE"
				" change = 'add'") == 100,
	      "add at the rule's created time");
	check(raw_int(fx->path, "SELECT time FROM rule_history WHERE"
				" change = 'delete'") > 1600000000,
	      "delete at the time it happened");
	check(raw_int(fx->path, "SELECT count(*) FROM rule_history WHERE"
				" text LIKE 'SecRule%'") == 4,
	      "history keeps the text");
}

/* --- migration from v5 (through v6 and v7) --- */

static void test_migrate_from_v5(void **state)
{
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	char *sql, buf[256];
	struct found f;
	struct pdb *db;
	int rc;

	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s %s %s %s"
			      " %s PRAGMA user_version = 5;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), pdb_schema_step(2),
			      pdb_schema_step(3), pdb_schema_step(4),
			      pdb_schema_step(5), PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v5 database: %d", rc);
	/* ids with a gap (v5's retention deleted by time), a shadow row */
	rc = raw_exec(
		fx->path,
		"INSERT INTO rules (rule_id, text, enabled, created, updated)"
		" VALUES (7, 'SecRule ARGS \"@rx y\" \"id:7\"', 0, 5, 6);"
		"INSERT INTO audit (id, time_ns, event, rule_id, action) VALUES"
		" (4, 1000, 'match', 7, 'deny:src'),"
		" (5, 2000, 'match', 7, 'shadow:deny:src'),"
		" (9, 3000, 'capture-loss', NULL, NULL);");
	check(rc == SQLITE_OK, "rows into the v5 database: %d", rc);

	db = open_ok(fx);
	check(raw_int(fx->path, "PRAGMA user_version") == PDB_SCHEMA_VERSION,
	      "not at v%d", PDB_SCHEMA_VERSION);
	raw_text(fx->path,
		 "SELECT group_concat(id || ':' || shadow || ':' ||"
		 " length(hash), ' ') FROM (SELECT * FROM audit ORDER BY id)",
		 buf, sizeof(buf));
	check(!strcmp(buf, "4:0:32 5:1:32 9:0:32"), "migrated rows: %s", buf);
	raw_text(fx->path,
		 "SELECT rule_id || ':' || change || ':' || time || ':' ||"
		 " enabled FROM rule_history",
		 buf, sizeof(buf));
	check(!strcmp(buf, "7:add:5:0"), "history of an existing rule: %s",
	      buf);
	/* the gap was there before the chain: not a break */
	verify(fx, &v, &f);
	check(v.problems == 0 && v.rows == 3 && v.head_id == 9,
	      "migrated chain: %lld problems (%s), head %lld",
	      (long long)v.problems, v.first_problem, (long long)v.head_id);
	insert_rows(fx, db, 1, 2);
	pdb_close(db);
	verify(fx, &v, &f);
	check(v.problems == 0 && v.last_id == 11, "chain on from v5: %s",
	      v.first_problem);
	check(raw_exec(fx->path, "UPDATE audit SET action = 'deny:src'"
				 " WHERE id = 5") == SQLITE_OK,
	      "edit");
	verify(fx, &v, &f);
	check(v.problems == 1 && v.first_bad_id == 5,
	      "edit of a migrated row: %lld at %lld", (long long)v.problems,
	      (long long)v.first_bad_id);

	/* a database before v6 is refused by verify, untouched */
	unlink(fx->path);
	sql = sqlite3_mprintf("BEGIN; %s PRAGMA user_version = 1;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), PDB_APPLICATION_ID);
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "v1 database");
	check(pdb_audit_verify(fx->path, NULL, NULL, &v, fx->err) == -EPROTO &&
		      strstr(fx->err, "schema v1"),
	      "verify of v1: %s", fx->err);
	check(raw_int(fx->path, "PRAGMA user_version") == 1,
	      "verify migrated the file");
}

/* v6 to v7: the per-key audit indexes go, rows and chain stay. */
static void test_migrate_from_v6(void **state)
{
	struct pdb_audit_verify v;
	struct fx *fx = *state;
	struct found f;
	struct pdb *db;
	char *sql;
	int rc;

	sql = sqlite3_mprintf("PRAGMA journal_mode = WAL; BEGIN; %s %s %s %s"
			      " %s %s PRAGMA user_version = 6;"
			      " PRAGMA application_id = %d; COMMIT;",
			      pdb_schema_step(1), pdb_schema_step(2),
			      pdb_schema_step(3), pdb_schema_step(4),
			      pdb_schema_step(5), pdb_schema_step(6),
			      PDB_APPLICATION_ID);
	check(sql, "out of memory");
	rc = raw_exec(fx->path, sql);
	sqlite3_free(sql);
	check(rc == SQLITE_OK, "create a v6 database: %d", rc);
	check(raw_int(fx->path, "SELECT count(*) FROM pragma_index_list("
				"'audit') WHERE origin = 'c'") == 5,
	      "a v6 database without its 5 audit indexes");
	db = open_ok(fx);
	insert_rows(fx, db, 1, 50);
	pdb_close(db);
	check(raw_int(fx->path, "PRAGMA user_version") == 7, "not at v7");
	check(raw_int(fx->path, "SELECT count(*) FROM pragma_index_list("
				"'audit') WHERE origin = 'c'") == 1 &&
		      raw_int(fx->path,
			      "SELECT count(*) FROM pragma_index_list("
			      "'audit') WHERE name = 'audit_time'") == 1,
	      "v7 keeps the time index alone");
	verify(fx, &v, &f);
	check(v.problems == 0 && v.rows == 50, "chain at v7: %s",
	      v.first_problem);
}

static void test_dup(void **state)
{
	struct pdb_audit a, *d;
	struct fx *fx = *state;
	char uri[64], *exe;
	struct pdb *db;

	(void)fx;
	exe = malloc(PDB_AUDIT_EXE_MAX + 100);
	check(exe, "malloc");
	memset(exe, 'x', PDB_AUDIT_EXE_MAX + 99);
	exe[PDB_AUDIT_EXE_MAX + 99] = '\0';
	row_of(&a, 3, uri, sizeof(uri));
	a.exe = exe;
	a.cgroup = NULL;
	d = pdb_audit_dup(&a);
	check(d, "dup");
	free(exe);
	uri[0] = '!';
	check(strlen(d->exe) == PDB_AUDIT_EXE_MAX && d->uri[0] == '/' &&
		      !strcmp(d->event, "match") && !d->cgroup &&
		      !strcmp(d->point, "host") && d->pid == 103 &&
		      d->latency_ns == 3000 && d->shadow == false,
	      "dup: exe %zu, uri %s", strlen(d->exe), d->uri);
	db = open_ok(fx);
	check(pdb_audit_insert(db, d, fx->err) == 1, "insert the dup: %s",
	      fx->err);
	pdb_close(db);
	free(d);
	check(pdb_audit_dup(NULL) == NULL, "dup of NULL");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chain_intact),
		T(test_edit_detected),
		T(test_insert_and_delete_detected),
		T(test_batch_all_or_none),
		T(test_prune_keeps_chain),
		T(test_kill9_mid_batch),
		T(test_readers_beside_writer),
		T(test_rule_history),
		T(test_migrate_from_v5),
		T(test_migrate_from_v6),
		T(test_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
