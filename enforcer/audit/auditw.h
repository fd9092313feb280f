/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit writer: one thread owns every audit row enforcerd writes.
 * Verdicts, the sweeper, reconciliation, the capture's loss reports and
 * the control commands hand it rows (copied: the caller's strings may go
 * at once) and go on; it writes them in transactions of up to @batch_max
 * rows, or of what is there once the oldest has waited @flush_ms, so that
 * a burst costs one commit per batch instead of one per row. Rows keep
 * the order they were submitted in, and the audit chain (policydb.h) is
 * extended in that order.
 *
 * Between batches it enforces retention a small step at a time (at most
 * ENF_AUDITW_PRUNE_STEP rows a transaction), so a long backlog of old rows
 * never holds the write lock for long; readers in WAL mode are never
 * blocked either way.
 *
 * Each committed row goes on to the exporter, when there is one, with its
 * id and hash; the exporter never blocks the writer.
 *
 * The queue is bounded: a submitter that finds it full waits for room
 * (counted as full_waits) rather than lose a row.
 */
#ifndef ENFORCER_AUDIT_AUDITW_H
#define ENFORCER_AUDIT_AUDITW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policydb/policydb.h"

#define ENF_AUDITW_BATCH 512 /* rows a transaction, by default */
#define ENF_AUDITW_FLUSH_MS 100 /* longest a row waits, by default */
#define ENF_AUDITW_QUEUE 65536 /* rows waiting, at most, by default */
#define ENF_AUDITW_PRUNE_STEP 2000 /* rows retention deletes a step */
#define ENF_AUDITW_RETRIES 3 /* attempts at a batch before it is lost */

struct enf_export;
struct enf_auditw;

/**
 * struct enf_auditw_opts - how the writer works
 * @db_path: the policy database (the writer opens its own handle)
 * @batch_max: rows a transaction at most (0: ENF_AUDITW_BATCH)
 * @flush_ms: longest a row waits before its batch is written
 *	(0: ENF_AUDITW_FLUSH_MS)
 * @queue_max: rows queued at most (0: ENF_AUDITW_QUEUE)
 * @retain_s: rows older than this many seconds are deleted (0: kept)
 * @retain_bytes: the oldest rows are deleted while the database's pages
 *	in use exceed this (0: no bound)
 * @export: committed rows go on to it (NULL: none); not owned
 */
struct enf_auditw_opts {
	const char *db_path;
	unsigned int batch_max;
	unsigned int flush_ms;
	size_t queue_max;
	uint64_t retain_s;
	uint64_t retain_bytes;
	struct enf_export *export;
};

/**
 * struct enf_auditw_stats - counters since the start
 * @submitted: rows handed in
 * @written: rows committed
 * @batches: transactions committed
 * @largest: most rows in one transaction
 * @full_waits: submissions that waited for room
 * @errors: rows lost because their batch failed ENF_AUDITW_RETRIES times
 * @retries: batches written again after a failure
 * @pruned: rows retention deleted
 * @queued: rows waiting now
 */
struct enf_auditw_stats {
	uint64_t submitted;
	uint64_t written;
	uint64_t batches;
	uint64_t largest;
	uint64_t full_waits;
	uint64_t errors;
	uint64_t retries;
	uint64_t pruned;
	uint64_t queued;
};

/* Opens the database and starts the thread. Return: 0 or -errno, with a
 * message in @err. */
int enf_auditw_new(const struct enf_auditw_opts *o, struct enf_auditw **out,
		   char *err, size_t errlen);

/* Queues a copy of @a. Return: 0, -ENOMEM, -EINVAL (no event), or -ESHUTDOWN
 * once the writer is stopping. */
int enf_auditw_submit(struct enf_auditw *w, const struct pdb_audit *a);

/* Writes everything submitted before the call at once and returns when it
 * is committed (or lost: see errors). */
void enf_auditw_sync(struct enf_auditw *w);

void enf_auditw_get_stats(struct enf_auditw *w, struct enf_auditw_stats *s);

/* Writes what is queued, stops the thread, closes (NULL accepted). */
void enf_auditw_free(struct enf_auditw *w);

#endif /* ENFORCER_AUDIT_AUDITW_H */
