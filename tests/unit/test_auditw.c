// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit writer against a real SQLite file: batches by size and by
 * time, sync, order, a full queue, retention of old rows, the rows handed
 * on to the exporter with their ids and hashes, and draining at stop.
 */
#include <errno.h>
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "enforcer/audit/auditw.h"
#include "enforcer/audit/export.h"
#include "policydb/policydb.h"
#include "tmpdir_fixture.h"

static int setup(void **state)
{
	return fx_setup(state, "/tmp/test_auditw.XXXXXX", "policy.db");
}

static struct enf_auditw *start(struct fx *fx, struct enf_auditw_opts *o)
{
	struct enf_auditw *w = NULL;
	char err[256];
	int ret;

	o->db_path = fx->path;
	ret = enf_auditw_new(o, &w, err, sizeof(err));
	check(ret == 0 && w, "enf_auditw_new: %d %s", ret, err);
	return w;
}

/* Row @i: its msg says its number, so order can be checked. */
static void submit(struct enf_auditw *w, int i)
{
	char msg[32], uri[64];
	struct pdb_audit a = {
		.event = "match",
		.rule_id = 1000 + (uint32_t)(i % 7),
		.msg = msg,
		.severity = 2,
		.action = "deny:src",
		.saddr = "192.0.2.1",
		.uri = uri,
		.point = "host",
	};

	snprintf(msg, sizeof(msg), "row %d", i);
	snprintf(uri, sizeof(uri), "/x?%d", i);
	/* the strings are the caller's: gone when submit returns */
	check(enf_auditw_submit(w, &a) == 0, "submit %d", i);
	memset(msg, 0, sizeof(msg));
	memset(uri, 0, sizeof(uri));
}

static void verify_ok(struct fx *fx, int64_t rows)
{
	struct pdb_audit_verify v;

	check(pdb_audit_verify(fx->path, NULL, NULL, &v, fx->err) == 0,
	      "verify: %s", fx->err);
	check(v.problems == 0 && v.rows == rows,
	      "chain: %lld problems (%s), %lld rows, want %lld",
	      (long long)v.problems, v.first_problem, (long long)v.rows,
	      (long long)rows);
}

static void test_batches_by_size(void **state)
{
	struct enf_auditw_opts o = { .batch_max = 100, .flush_ms = 10000 };
	struct enf_auditw_stats st;
	struct fx *fx = *state;
	struct enf_auditw *w;

	w = start(fx, &o);
	for (int i = 0; i < 1000; i++)
		submit(w, i);
	enf_auditw_sync(w);
	enf_auditw_get_stats(w, &st);
	check(st.submitted == 1000 && st.written == 1000 && st.errors == 0 &&
		      st.queued == 0,
	      "submitted %llu written %llu errors %llu",
	      (unsigned long long)st.submitted, (unsigned long long)st.written,
	      (unsigned long long)st.errors);
	/* at most 100 a transaction, and far fewer transactions than rows */
	check(st.largest <= 100 && st.batches >= 10 && st.batches < 1000,
	      "largest %llu, batches %llu", (unsigned long long)st.largest,
	      (unsigned long long)st.batches);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 1000,
	      "rows in the database");
	/* in submission order: row i has id i + 1 */
	check(raw_int(fx->path,
		      "SELECT count(*) FROM audit WHERE msg !="
		      " 'row ' || (id - 1) OR uri != '/x?' || (id - 1)") == 0,
	      "rows out of order or their strings lost");
	check(raw_int(fx->path, "SELECT count(*) FROM audit WHERE time_ns <"
				" 1600000000000000000") == 0,
	      "time 0 not set at submission");
	enf_auditw_free(w);
	verify_ok(fx, 1000);
}

static void test_batch_by_time(void **state)
{
	struct enf_auditw_opts o = { .batch_max = 512, .flush_ms = 20 };
	struct enf_auditw_stats st;
	struct fx *fx = *state;
	struct enf_auditw *w;
	int tries = 0;

	w = start(fx, &o);
	submit(w, 0);
	submit(w, 1);
	/* no sync: the rows go once the first has waited 20 ms */
	while (raw_int(fx->path, "SELECT count(*) FROM audit") != 2) {
		check(++tries < 500, "rows not written by the time bound");
		usleep(10000);
	}
	enf_auditw_get_stats(w, &st);
	check(st.written == 2 && st.batches == 1,
	      "written %llu in %llu batches", (unsigned long long)st.written,
	      (unsigned long long)st.batches);
	enf_auditw_free(w);
}

static void test_sync_and_drain(void **state)
{
	struct enf_auditw_opts o = { .batch_max = 4096, .flush_ms = 10000 };
	struct fx *fx = *state;
	struct enf_auditw *w;
	struct pdb_audit bad = { .event = "" };

	w = start(fx, &o);
	for (int i = 0; i < 3; i++)
		submit(w, i);
	/* 10 s to the time bound: only sync writes them now */
	enf_auditw_sync(w);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 3,
	      "sync did not write");
	check(enf_auditw_submit(w, &bad) == -EINVAL, "a row without event");
	check(enf_auditw_submit(NULL, &bad) == -EINVAL, "no writer");
	for (int i = 3; i < 503; i++)
		submit(w, i);
	/* stop writes what is queued */
	enf_auditw_free(w);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 503,
	      "rows queued at stop lost: %lld",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM audit"));
	verify_ok(fx, 503);
	enf_auditw_free(NULL);
	enf_auditw_sync(NULL);
}

struct submitter {
	struct enf_auditw *w;
	int from;
};

static void *submit_many(void *arg)
{
	struct submitter *s = arg;

	for (int i = 0; i < 3000; i++)
		submit(s->w, s->from + i);
	return NULL;
}

static void test_full_queue_waits(void **state)
{
	struct enf_auditw_opts o = { .batch_max = 16,
				     .flush_ms = 1,
				     .queue_max = 16 };
	struct submitter s[2];
	struct enf_auditw_stats st;
	struct fx *fx = *state;
	struct enf_auditw *w;
	pthread_t t[2];

	w = start(fx, &o);
	for (int i = 0; i < 2; i++) {
		s[i] = (struct submitter){ w, i * 100000 };
		check(pthread_create(&t[i], NULL, submit_many, &s[i]) == 0,
		      "thread");
	}
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	enf_auditw_sync(w);
	enf_auditw_get_stats(w, &st);
	/* 6000 rows through a queue of 16: submitters waited, none lost */
	check(st.full_waits > 0 && st.written == 6000 && st.largest <= 16,
	      "full_waits %llu written %llu largest %llu",
	      (unsigned long long)st.full_waits, (unsigned long long)st.written,
	      (unsigned long long)st.largest);
	enf_auditw_free(w);
	/* each submitter's rows in its own order */
	check(raw_int(fx->path,
		      "SELECT count(*) FROM audit a JOIN audit b ON"
		      " b.id > a.id AND CAST(substr(b.msg, 5) AS INTEGER) <"
		      " CAST(substr(a.msg, 5) AS INTEGER) AND"
		      " (CAST(substr(a.msg, 5) AS INTEGER) >= 100000) ="
		      " (CAST(substr(b.msg, 5) AS INTEGER) >= 100000)") == 0,
	      "a submitter's rows out of order");
	verify_ok(fx, 6000);
}

static void test_retention(void **state)
{
	struct enf_auditw_opts o = { .flush_ms = 5, .retain_s = 86400 };
	struct pdb_audit old = { .event = "match",
				 .severity = -1,
				 .time_ns = 1500000000000000000LL };
	struct enf_auditw_stats st;
	struct fx *fx = *state;
	struct enf_auditw *w;
	struct pdb *db;
	int tries = 0;

	/* 5000 rows from 2017, then the writer with 1 day's retention */
	check(pdb_open(fx->path, &db, fx->err) == 0, "open: %s", fx->err);
	check(pdb_tx_begin(db, fx->err) == 0, "begin");
	for (int i = 0; i < 5000; i++)
		check(pdb_audit_insert(db, &old, fx->err) > 0, "insert");
	check(pdb_tx_commit(db, fx->err) == 0, "commit");
	pdb_close(db);
	w = start(fx, &o);
	for (int i = 0; i < 10; i++)
		submit(w, i);
	do {
		check(++tries < 1000, "old rows not pruned");
		usleep(10000);
		enf_auditw_get_stats(w, &st);
	} while (st.pruned < 5000);
	enf_auditw_sync(w);
	check(st.pruned == 5000, "pruned %llu", (unsigned long long)st.pruned);
	check(raw_int(fx->path, "SELECT count(*) FROM audit") == 10 &&
		      raw_int(fx->path, "SELECT min(time_ns) FROM audit") >
			      1600000000000000000LL,
	      "rows left: %lld",
	      (long long)raw_int(fx->path, "SELECT count(*) FROM audit"));
	check(raw_int(fx->path, "SELECT anchor_id FROM audit_chain") == 5000,
	      "anchor");
	enf_auditw_free(w);
	verify_ok(fx, 10);
}

static void test_export_gets_committed_rows(void **state)
{
	struct enf_export_opts xo = { 0 };
	struct enf_auditw_opts o = { .batch_max = 64, .flush_ms = 10000 };
	struct fx *fx = *state;
	struct enf_export *x = NULL;
	struct enf_auditw *w;
	char file[160], line[8192], err[256];
	int n = 0;
	FILE *f;

	snprintf(file, sizeof(file), "%s/events.json", fx->dir);
	xo.file = file;
	check(enf_export_new(&xo, &x, err, sizeof(err)) == 0, "export: %s",
	      err);
	o.export = x;
	w = start(fx, &o);
	for (int i = 0; i < 200; i++)
		submit(w, i);
	enf_auditw_free(w);
	enf_export_free(x);
	f = fopen(file, "r");
	check(f, "no export file");
	while (fgets(line, sizeof(line), f)) {
		json_t *o2 = json_loads(line, 0, NULL);
		char sql[256], want[16];
		int64_t id;

		check(o2, "line %d is not JSON: %s", n, line);
		id = json_integer_value(json_object_get(o2, "id"));
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM audit WHERE id = %lld AND"
			 " lower(hex(hash)) = '%s' AND msg = '%s'",
			 (long long)id,
			 json_string_value(json_object_get(o2, "hash")),
			 json_string_value(json_object_get(o2, "msg")));
		/* the exported id and hash are the row's in the database */
		check(raw_int(fx->path, sql) == 1,
		      "exported event %lld does not match its row",
		      (long long)id);
		snprintf(want, sizeof(want), "row %d", n);
		check(id == n + 1 && !strcmp(json_string_value(json_object_get(
						     o2, "msg")),
					     want),
		      "event %d: id %lld", n, (long long)id);
		json_decref(o2);
		n++;
	}
	fclose(f);
	check(n == 200, "%d events exported", n);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_batches_by_size), T(test_batch_by_time),
		T(test_sync_and_drain),	 T(test_full_queue_waits),
		T(test_retention),	 T(test_export_gets_committed_rows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
