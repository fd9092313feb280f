// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log: one row per event, every string bounded so that a peer
 * whose requests end up here cannot make rows grow without limit.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "pdb_internal.h"

#define NS_PER_SEC 1000000000LL

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" from ns since the epoch; @buf of 32 bytes. */
static int format_time(int64_t time_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(time_ns / NS_PER_SEC);
	int ms = (int)((time_ns % NS_PER_SEC) / 1000000);
	struct tm tm;
	char day[24];

	if (!gmtime_r(&sec, &tm))
		return -EOVERFLOW;
	if (!strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm))
		return -EOVERFLOW;
	snprintf(buf, len, "%s.%03dZ", day, ms);
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static void bind_id(sqlite3_stmt *st, int idx, int64_t v, bool present)
{
	if (present)
		sqlite3_bind_int64(st, idx, v);
	else
		sqlite3_bind_null(st, idx);
}

int64_t pdb_audit_insert(struct pdb *db, const struct pdb_audit *a, char *err)
{
	static const char sql[] =
		"INSERT INTO audit (time_ns, time, event, rule_id, msg,"
		" severity, action, pid, tgid, uid, exe, comm, cgroup_id,"
		" proto, saddr, sport, daddr, dport, tls_lib, direction,"
		" method, host, uri, excerpt, cgroup, container, sock_cookie,"
		" logdata, cmdline, latency_ns)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
		" ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24,"
		" ?25, ?26, ?27, ?28, ?29, ?30)";
	char when[32];
	sqlite3_stmt *st;
	int64_t t, ret;
	int rc;

	pdb_clearerr(err);
	if (!db || !a || !a->event || !a->event[0]) {
		pdb_seterr(err, "audit insert: no database, row or event");
		return -EINVAL;
	}
	if (a->time_ns < 0) {
		pdb_seterr(err, "audit insert: negative time");
		return -EINVAL;
	}
	t = a->time_ns ? a->time_ns : now_ns();
	if (format_time(t, when, sizeof(when))) {
		pdb_seterr(err, "audit insert: time %lld out of range",
			   (long long)t);
		return -EOVERFLOW;
	}
	rc = pdb_stmt_cached(db, &db->audit_insert, sql, &st);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "audit insert: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_text(st, 2, when, -1, SQLITE_STATIC);
	pdb_bind_text_max(st, 3, a->event, PDB_AUDIT_SHORT_MAX);
	bind_id(st, 4, a->rule_id, a->rule_id != 0);
	pdb_bind_text_max(st, 5, a->msg, PDB_AUDIT_MSG_MAX);
	bind_id(st, 6, a->severity, a->severity >= 0);
	pdb_bind_text_max(st, 7, a->action, PDB_AUDIT_SHORT_MAX);
	sqlite3_bind_int64(st, 8, a->pid);
	sqlite3_bind_int64(st, 9, a->tgid);
	sqlite3_bind_int64(st, 10, a->uid);
	pdb_bind_text_max(st, 11, a->exe, PDB_AUDIT_EXE_MAX);
	pdb_bind_text_max(st, 12, a->comm, PDB_AUDIT_COMM_MAX);
	/* cgroup ids are inode numbers; one past INT64_MAX would read back
	 * negative, which no kernel hands out. */
	sqlite3_bind_int64(st, 13, (int64_t)a->cgroup_id);
	pdb_bind_text_max(st, 14, a->proto, PDB_AUDIT_SHORT_MAX);
	pdb_bind_text_max(st, 15, a->saddr, PDB_AUDIT_ADDR_MAX);
	sqlite3_bind_int(st, 16, a->sport);
	pdb_bind_text_max(st, 17, a->daddr, PDB_AUDIT_ADDR_MAX);
	sqlite3_bind_int(st, 18, a->dport);
	pdb_bind_text_max(st, 19, a->tls_lib, PDB_AUDIT_SHORT_MAX);
	pdb_bind_text_max(st, 20, a->direction, PDB_AUDIT_SHORT_MAX);
	pdb_bind_text_max(st, 21, a->method, PDB_AUDIT_SHORT_MAX);
	pdb_bind_text_max(st, 22, a->host, PDB_AUDIT_HOST_MAX);
	pdb_bind_text_max(st, 23, a->uri, PDB_AUDIT_URI_MAX);
	pdb_bind_text_max(st, 24, a->excerpt, PDB_AUDIT_EXCERPT_MAX);
	pdb_bind_text_max(st, 25, a->cgroup, PDB_AUDIT_CGROUP_MAX);
	pdb_bind_text_max(st, 26, a->container, PDB_AUDIT_CONTAINER_MAX);
	/* cookies count up from 1 per boot: never near INT64_MAX */
	bind_id(st, 27, (int64_t)a->sock_cookie, a->sock_cookie != 0);
	/* a rule without logdata: NULL, as rows before v3 */
	pdb_bind_text_max(st, 28,
			  a->logdata && a->logdata[0] ? a->logdata : NULL,
			  PDB_AUDIT_LOGDATA_MAX);
	pdb_bind_text_max(st, 29,
			  a->cmdline && a->cmdline[0] ? a->cmdline : NULL,
			  PDB_AUDIT_CMDLINE_MAX);
	/* a latency is never near INT64_MAX ns (292 years) */
	bind_id(st, 30, (int64_t)a->latency_ns, a->latency_ns != 0);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		ret = sqlite3_last_insert_rowid(db->h);
	} else {
		pdb_seterr(err, "audit insert: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
	/* Drop the caller's strings from the cached statement. */
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return ret;
}

int64_t pdb_audit_capture_loss(struct pdb *db, int64_t time_ns,
			       const uint64_t *lost, size_t ncpus,
			       unsigned int interval_s, char *err)
{
	/* room kept at the end for ", ..." and " in N s" */
	static const size_t tail = 32;
	struct pdb_audit a = {
		.time_ns = time_ns,
		.event = "capture-loss",
		.severity = 4,
	};
	char msg[PDB_AUDIT_MSG_MAX + 1];
	uint64_t total = 0;
	size_t i, n, cpus = 0;
	int w;

	pdb_clearerr(err);
	if (!lost && ncpus) {
		pdb_seterr(err, "capture-loss: no counts");
		return -EINVAL;
	}
	for (i = 0; i < ncpus; i++) {
		total += lost[i];
		cpus += lost[i] != 0;
	}
	if (!total)
		return 0;
	n = (size_t)snprintf(msg, sizeof(msg), "lost %llu records on CPU%s",
			     (unsigned long long)total, cpus > 1 ? "s" : "");
	for (i = 0; i < ncpus; i++) {
		if (!lost[i])
			continue;
		w = snprintf(msg + n, sizeof(msg) - n, "%s %zu (%llu)",
			     n && msg[n - 1] == ')' ? "," : "", i,
			     (unsigned long long)lost[i]);
		if (w < 0 || n + (size_t)w + tail >= sizeof(msg)) {
			msg[n] = '\0';
			n += (size_t)snprintf(msg + n, sizeof(msg) - n,
					      ", ...");
			break;
		}
		n += (size_t)w;
	}
	if (interval_s)
		snprintf(msg + n, sizeof(msg) - n, " in %u s", interval_s);
	a.msg = msg;
	return pdb_audit_insert(db, &a, err);
}

int64_t pdb_audit_prune(struct pdb *db, int64_t before_ns, char *err)
{
	sqlite3_stmt *st;
	int64_t ret;
	int rc;

	pdb_clearerr(err);
	if (!db) {
		pdb_seterr(err, "audit prune: no database");
		return -EINVAL;
	}
	rc = sqlite3_prepare_v2(db->h, "DELETE FROM audit WHERE time_ns < ?1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, before_ns);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE) {
		ret = sqlite3_changes64(db->h);
	} else {
		pdb_seterr(err, "audit prune: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
	sqlite3_finalize(st);
	return ret;
}
