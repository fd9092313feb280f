// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drift between the kernel's deny maps (the host's XDP maps, the NIC maps
 * of offloaded interfaces, deny_spill and the egress map) and the
 * blocklist, the source of truth: at start enforcerd repairs it (adds what
 * the blocklist holds and the maps lost, the host's or a NIC's; removes
 * what the maps hold and the blocklist does not),
 * logging and auditing each entry; enforcerctl block verify shows it
 * without repairing. Entries whose ttl is up are the sweeper's.
 */
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/verdict/deny.h"
#include "policydb/policydb.h"

/* "kind key" of an entry, as the blocklist writes it. */
#define ENTRY_TEXT_MAX (8 + ENF_DENY_TEXT_MAX)

struct row {
	char text[ENTRY_TEXT_MAX];
	uint32_t rule_id;
	int64_t expires;
};

struct rows {
	struct row *r;
	size_t n, cap;
	int err;
};

static int add_row(const struct pdb_block *b, void *ctx)
{
	struct rows *rs = ctx;
	struct row *grown;

	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 256;

		grown = realloc(rs->r, cap * sizeof(*grown));
		if (!grown) {
			rs->err = -ENOMEM;
			return 1;
		}
		rs->r = grown;
		rs->cap = cap;
	}
	snprintf(rs->r[rs->n].text, ENTRY_TEXT_MAX, "%s %s", b->kind, b->key);
	rs->r[rs->n].rule_id = b->rule_id;
	rs->r[rs->n].expires = b->expires;
	rs->n++;
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->text,
		      ((const struct row *)b)->text);
}

struct walk {
	struct enf_daemon *d;
	const struct rows *db;
	json_t *unknown;
	struct enf_entry *gone; /* kernel entries to remove */
	size_t n_gone, cap_gone;
	void *offloaded; /* tsearch() tree of the texts noted from NIC maps
			  * and deny_spill, which may hold one entry twice */
	int err;
};

static int cmp_text(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* A kernel entry: unknown to the blocklist, it is noted to be removed
 * (once: a NIC map and deny_spill may both hold it). @where: NULL for the
 * host's maps, else the NIC's interface or "deny_spill", said after it. */
static int kernel_entry(struct walk *w, const struct enf_entry *e,
			const char *where)
{
	struct row key;
	char text[ENF_DENY_TEXT_MAX], shown[ENTRY_TEXT_MAX + 40];

	if (enf_entry_format(e, text, sizeof(text)))
		return 0;
	snprintf(key.text, sizeof(key.text), "%s %s", enf_entry_kind(e), text);
	if (bsearch(&key, w->db->r, w->db->n, sizeof(key), cmp_row))
		return 0;
	if (where) {
		char *c = strdup(key.text), **in;

		in = c ? tsearch(c, &w->offloaded, cmp_text) : NULL;
		if (!in) {
			free(c);
			w->err = -ENOMEM;
			return 1;
		}
		if (*in != c) { /* noted already */
			free(c);
			return 0;
		}
	}
	snprintf(shown, sizeof(shown), "%s%s%s%s", key.text, where ? " (" : "",
		 where ? where : "", where ? ")" : "");
	json_array_append_new(w->unknown, json_string(shown));
	if (w->n_gone == w->cap_gone) {
		size_t cap = w->cap_gone ? w->cap_gone * 2 : 64;
		struct enf_entry *g = realloc(w->gone, cap * sizeof(*g));

		if (!g) {
			w->err = -ENOMEM;
			return 1;
		}
		w->gone = g;
		w->cap_gone = cap;
	}
	w->gone[w->n_gone++] = *e;
	return 0;
}

static int deny_entry(const struct enf_deny *d, const struct enf_deny_value *v,
		      void *ctx)
{
	struct enf_entry e = { .egress = false, .deny = *d };

	(void)v;
	return kernel_entry(ctx, &e, NULL);
}

/* An entry of a NIC map or of deny_spill that the host maps do not hold
 * (those the host holds were judged there). */
static int offload_entry(const struct enf_deny *d,
			 const struct enf_deny_value *v, const char *where,
			 void *ctx)
{
	struct walk *w = ctx;
	struct enf_entry e = { .egress = false, .deny = *d };

	(void)v;
	if (!enf_dp_deny_lookup(w->d->dp, d, NULL))
		return 0;
	return kernel_entry(w, &e, where);
}

static int egress_entry(const struct enf_egress_entry *eg, void *ctx)
{
	struct enf_entry e = { .egress = true, .eg = *eg };

	e.eg.rule_id = 0;
	return kernel_entry(ctx, &e, NULL);
}

static void audit_drift(struct enf_daemon *d, struct pdb *db,
			const char *action, uint32_t rule_id, const char *entry)
{
	char msg[192];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	snprintf(msg, sizeof(msg), "%s: %s", action, entry);
	struct pdb_audit a = {
		.time_ns = (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec,
		.event = "drift",
		.rule_id = rule_id,
		.msg = msg,
		.severity = -1,
		.action = action,
		.excerpt = entry,
	};
	enf_daemon_audit(d, db, &a);
}

/* The entry of "kind key" @text into @e. */
static int parse_entry(const char *text, struct enf_entry *e)
{
	char kind[8], err[128];
	const char *sp = strchr(text, ' ');

	if (!sp || (size_t)(sp - text) >= sizeof(kind))
		return -EINVAL;
	memcpy(kind, text, (size_t)(sp - text));
	kind[sp - text] = '\0';
	return enf_entry_parse(kind, sp + 1, e, err, sizeof(err));
}

json_t *enf_daemon_reconcile(struct enf_daemon *d, struct pdb *db, bool repair,
			     char *err, size_t errlen)
{
	struct rows rs = { 0 };
	struct walk w = { .d = d, .db = &rs };
	json_t *missing = json_array(), *expired = json_array(), *out = NULL;
	char dberr[PDB_ERR_LEN];
	time_t now = time(NULL);
	size_t restored = 0, removed = 0;
	char nics[128], shown[ENTRY_TEXT_MAX + 140];
	int ret;

	w.unknown = json_array();
	if (!missing || !expired || !w.unknown) {
		snprintf(err, errlen, "out of memory");
		goto out_free;
	}
	ret = pdb_block_foreach(db, false, add_row, &rs, dberr);
	if (ret < 0 || rs.err) {
		snprintf(err, errlen, "blocklist: %s",
			 rs.err ? strerror(-rs.err) : dberr);
		goto out_free;
	}
	qsort(rs.r, rs.n, sizeof(*rs.r), cmp_row);

	/* the blocklist's entries the maps lost */
	for (size_t i = 0; i < rs.n; i++) {
		struct enf_entry e;

		if (parse_entry(rs.r[i].text, &e)) {
			pr_warn("reconcile: blocklist row '%s' is not an entry",
				rs.r[i].text);
			continue;
		}
		if (rs.r[i].expires && rs.r[i].expires <= now) {
			json_array_append_new(expired,
					      json_string(rs.r[i].text));
			continue; /* the sweeper's */
		}
		/* -ENODEV: egress is not enforced in this run: not drift */
		ret = enf_entry_lookup(d, &e);
		nics[0] = '\0';
		/* on the host: an offloading NIC lost it? */
		if (!ret && !e.egress &&
		    enf_dp_deny_nic_missing(d->dp, &e.deny, nics,
					    sizeof(nics)) <= 0)
			continue;
		if (ret && ret != -ENOENT)
			continue;
		snprintf(shown, sizeof(shown), "%s%s%s%s", rs.r[i].text,
			 nics[0] ? " (" : "", nics, nics[0] ? ")" : "");
		json_array_append_new(missing, json_string(shown));
		if (!repair)
			continue;
		ret = enf_entry_add(d, &e, rs.r[i].rule_id);
		if (ret) {
			pr_warn("reconcile: %s: not restored: %s", rs.r[i].text,
				strerror(-ret));
			continue;
		}
		restored++;
		pr_warn("reconcile: %s was in the blocklist, not in the maps%s%s: "
			"restored",
			rs.r[i].text, nics[0] ? " of " : "", nics);
		audit_drift(d, db, "drift:restored", rs.r[i].rule_id, shown);
	}

	/* the maps' entries the blocklist does not know */
	ret = enf_dp_deny_foreach(d->dp, deny_entry, &w);
	if (ret >= 0 && !w.err)
		ret = enf_dp_deny_offload_foreach(d->dp, offload_entry, &w);
	if (ret >= 0 && !w.err && d->egress)
		ret = enf_egress_foreach(d->egress, egress_entry, &w);
	if (ret < 0 || w.err) {
		snprintf(err, errlen, "deny maps: %s",
			 strerror(-(w.err ? w.err : ret)));
		goto out_free;
	}
	for (size_t i = 0; repair && i < w.n_gone; i++) {
		const char *text =
			json_string_value(json_array_get(w.unknown, i));

		ret = enf_entry_del(d, &w.gone[i]);
		if (ret && ret != -ENOENT) {
			pr_warn("reconcile: %s: not removed: %s", text,
				strerror(-ret));
			continue;
		}
		removed++;
		pr_warn("reconcile: %s was in the maps, not in the blocklist: "
			"removed",
			text);
		audit_drift(d, db, "drift:removed", 0, text);
	}
	out = json_pack("{s:o,s:o,s:o,s:b,s:I,s:I,s:I}", "missing", missing,
			"unknown", w.unknown, "expired", expired, "repaired",
			repair, "restored", (json_int_t)restored, "removed",
			(json_int_t)removed, "checked", (json_int_t)rs.n);
	missing = expired = w.unknown = NULL;
	if (!out)
		snprintf(err, errlen, "out of memory");
out_free:
	json_decref(missing);
	json_decref(expired);
	json_decref(w.unknown);
	tdestroy(w.offloaded, free);
	free(w.gone);
	free(rs.r);
	return out;
}
