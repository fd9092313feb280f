// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TTL sweeper: deny entries whose ttl is up leave the kernel maps and
 * are marked expired in the blocklist, each with an audit row. Runs on the
 * event thread (it owns d->db), about once a second.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/verdict/deny.h"
#include "policydb/policydb.h"

/* Entries lifted per pass at most; the rest wait for the next. */
#define SWEEP_BATCH 64

struct due {
	char kind[8];
	char key[ENF_DENY_TEXT_MAX];
	uint32_t rule_id;
};

struct due_list {
	struct due e[SWEEP_BATCH];
	size_t n;
};

static int collect(const struct pdb_block *b, void *ctx)
{
	struct due_list *l = ctx;
	struct due *e;

	if (l->n == SWEEP_BATCH)
		return 1;
	e = &l->e[l->n++];
	snprintf(e->kind, sizeof(e->kind), "%s", b->kind);
	snprintf(e->key, sizeof(e->key), "%s", b->key);
	e->rule_id = b->rule_id;
	return 0;
}

static void audit_expired(struct enf_daemon *d, const struct due *e)
{
	char dberr[PDB_ERR_LEN], msg[192];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(msg, sizeof(msg), "%s %s expired (ttl)", e->kind, e->key);
	struct pdb_audit a = {
		.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
		.event = "block",
		.rule_id = e->rule_id,
		.msg = msg,
		.severity = -1,
		.action = "block:expired",
		.excerpt = e->key,
	};
	if (pdb_audit_insert(d->db, &a, dberr) < 0)
		pr_warn("sweep: audit: %s", dberr);
}

/* Lifts one entry: maps first (gone already is fine), then its row. */
static void lift(struct enf_daemon *d, const struct due *e)
{
	char err[256], dberr[PDB_ERR_LEN];
	struct enf_deny deny;
	int kind = enf_deny_kind_parse(e->kind), ret;

	if (!kind || enf_deny_parse(kind, e->key, &deny, err, sizeof(err))) {
		/* a row enforcer cannot read: never in the maps */
		pr_warn("sweep: blocklist row %s %s: not an entry", e->kind,
			e->key);
	} else {
		ret = enf_dp_deny_del(d->dp, &deny);
		if (ret && ret != -ENOENT) {
			pr_warn("sweep: %s %s: %s (tried again next pass)",
				e->kind, e->key, strerror(-ret));
			return;
		}
	}
	if (pdb_block_set_state(d->db, e->kind, e->key, "expired", dberr)) {
		pr_warn("sweep: %s", dberr);
		return;
	}
	__atomic_add_fetch(&d->stats.expired, 1, __ATOMIC_RELAXED);
	audit_expired(d, e);
	pr_info("sweep: %s %s expired (rule %u)", e->kind, e->key, e->rule_id);
}

void enf_daemon_sweep(struct enf_daemon *d)
{
	char dberr[PDB_ERR_LEN];
	struct due_list l;
	int ret;

	if (!d->db || !d->dp)
		return;
	l.n = 0;
	ret = pdb_block_expired_foreach(d->db, (int64_t)time(NULL), SWEEP_BATCH,
					collect, &l, dberr);
	if (ret < 0) {
		pr_warn("sweep: %s", dberr);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		lift(d, &l.e[i]);
}
