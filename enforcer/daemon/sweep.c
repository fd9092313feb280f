// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The TTL sweeper: deny entries whose ttl is up leave the kernel maps and
 * are marked expired in the blocklist, each with an audit row. Egress
 * entries of a cgroup that is gone (its processes can connect no more,
 * and its id is never given again) leave the egress map the same way,
 * marked removed. Runs on the event thread (it owns d->db), about once a
 * second; the cgroups are looked at every SWEEP_CGROUP_S seconds, a page
 * of SWEEP_BATCH entries at a time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/verdict/deny.h"
#include "policydb/policydb.h"

/* Entries lifted per pass at most; the rest wait for the next. */
#define SWEEP_BATCH 64
#define SWEEP_CGROUP_S 10

struct due {
	char kind[8];
	char key[ENF_DENY_TEXT_MAX];
	uint32_t rule_id;
	char *cgroup; /* egress: its cgroup's path (malloc'd), or NULL */
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
	/* out of memory: treated as a row without a path */
	e->cgroup = b->cgroup ? strdup(b->cgroup) : NULL;
	return 0;
}

static void due_list_free(struct due_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->e[i].cgroup);
	l->n = 0;
}

/* @why: "ttl", or "cgroup gone" */
static void audit_lifted(struct enf_daemon *d, const struct due *e,
			 const char *action, const char *why)
{
	char msg[192];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(msg, sizeof(msg), "%s %s %s (%s)", e->kind, e->key,
		 !strcmp(action, "block:expired") ? "expired" : "removed", why);
	struct pdb_audit a = {
		.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
		.event = "block",
		.rule_id = e->rule_id,
		.msg = msg,
		.severity = -1,
		.action = action,
		.excerpt = e->key,
		.cgroup = e->cgroup,
	};
	enf_daemon_audit(d, d->db, &a);
}

/*
 * Lifts one entry: maps first (gone already is fine, and so is an egress
 * entry where egress is not enforced), then its row, set to @state
 * ("expired" or "removed"), audited "block:" @state with @why.
 */
static void lift(struct enf_daemon *d, const struct due *e, const char *state,
		 const char *why)
{
	char err[256], dberr[PDB_ERR_LEN], action[32];
	struct enf_entry ent;
	int ret;

	if (enf_entry_parse(e->kind, e->key, &ent, err, sizeof(err))) {
		/* a row enforcer cannot read: never in the maps */
		pr_warn("sweep: blocklist row %s %s: not an entry", e->kind,
			e->key);
	} else {
		ret = enf_entry_del(d, &ent);
		if (ret && ret != -ENOENT && ret != -ENODEV) {
			pr_warn("sweep: %s %s: %s (tried again next pass)",
				e->kind, e->key, strerror(-ret));
			return;
		}
	}
	if (pdb_block_set_state(d->db, e->kind, e->key, state, dberr)) {
		pr_warn("sweep: %s", dberr);
		return;
	}
	if (!strcmp(state, "expired"))
		__atomic_add_fetch(&d->stats.expired, 1, __ATOMIC_RELAXED);
	else
		__atomic_add_fetch(&d->stats.cgroup_gone, 1, __ATOMIC_RELAXED);
	snprintf(action, sizeof(action), "block:%s", state);
	audit_lifted(d, e, action, why);
	pr_info("sweep: %s %s %s (rule %u, %s)", e->kind, e->key, state,
		e->rule_id, why);
}

/*
 * One page of the active egress entries: those whose cgroup is gone are
 * lifted. The next call takes the next page, and after the last page the
 * first again.
 */
static void sweep_cgroups(struct enf_daemon *d)
{
	char dberr[PDB_ERR_LEN], err[256];
	struct due_list l = { .n = 0 };
	size_t gone = 0;
	int ret;

	ret = pdb_block_kind_foreach(d->db, "egress", d->cgroups_offset,
				     SWEEP_BATCH, collect, &l, dberr);
	if (ret < 0) {
		pr_warn("sweep: %s", dberr);
		due_list_free(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct enf_entry ent;

		if (!l.e[i].cgroup || enf_entry_parse(l.e[i].kind, l.e[i].key,
						      &ent, err, sizeof(err)))
			continue; /* no path kept: its ttl lifts it */
		ret = enf_egress_cgroup_gone(d->egress, ent.eg.cgroup_id,
					     l.e[i].cgroup);
		if (ret == 1) {
			lift(d, &l.e[i], "removed", "cgroup gone");
			gone++;
		}
	}
	/* rows lifted leave the active set: the page after starts that many
	 * earlier */
	d->cgroups_offset = l.n < SWEEP_BATCH ? 0 :
						d->cgroups_offset + l.n - gone;
	due_list_free(&l);
}

void enf_daemon_sweep(struct enf_daemon *d)
{
	char dberr[PDB_ERR_LEN];
	struct due_list l;
	time_t now = time(NULL);
	int ret;

	if (!d->db || !d->dp)
		return;
	if (d->egress && now >= d->cgroups_due) {
		d->cgroups_due = now + SWEEP_CGROUP_S;
		sweep_cgroups(d);
	}
	l.n = 0;
	ret = pdb_block_expired_foreach(d->db, (int64_t)now, SWEEP_BATCH,
					collect, &l, dberr);
	if (ret < 0) {
		pr_warn("sweep: %s", dberr);
		due_list_free(&l);
		return;
	}
	for (size_t i = 0; i < l.n; i++)
		lift(d, &l.e[i], "expired", "ttl");
	due_list_free(&l);
}
