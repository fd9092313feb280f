/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The map writer: one thread owns every write of a blocklist entry into
 * the kernel maps (the XDP deny maps, NIC first where one enforces, and
 * the egress map). Verdicts, the TTL sweeper, reconciliation and the
 * block commands hand it operations and wait for them, at once or later.
 *
 * Each time it wakes, the writer takes every operation queued (up to
 * ENF_WRITER_BATCH) and:
 * - coalesces: operations of one kind (add, or delete) on one entry make
 *   one write, whose outcome each of them gets (an add keeps the rule id
 *   of the first);
 * - batches: the adds of a round go to each host map in one
 *   BPF_MAP_UPDATE_BATCH (enf_dp_deny_add_many(), enf_egress_add_many());
 *   deletes, which need a lookup each to keep flow marks and deny_fast4
 *   right, one by one;
 * - keeps order: an add and a delete of the same entry in one take are
 *   done in the order they were queued (a round ends where an entry
 *   changes kind of operation).
 * The queue is bounded (ENF_WRITER_QUEUE): a submitter finds it full
 * only when the kernel cannot keep up, and waits for room (counted)
 * rather than lose a write.
 */
#ifndef ENFORCER_VERDICT_WRITER_H
#define ENFORCER_VERDICT_WRITER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"

#define ENF_WRITER_QUEUE 4096 /* operations waiting, at most */
#define ENF_WRITER_BATCH 256 /* operations taken at each wake */

/*
 * A blocklist entry of any kind, as the blocklist's kind and key name it:
 * an XDP deny entry (src, flow, cidr) or an egress entry.
 */
struct enf_entry {
	bool egress;
	struct enf_deny deny; /* !egress */
	struct enf_egress_entry eg; /* egress */
};

enum enf_write_kind {
	ENF_WRITE_ADD = 1, /* add, or refresh with @rule_id */
	ENF_WRITE_DEL, /* lift */
};

struct enf_write_ticket;

/**
 * struct enf_write_op - one operation
 * @kind: ENF_WRITE_ADD or ENF_WRITE_DEL
 * @e: the entry
 * @rule_id: the rule an add is for (0: a manual entry)
 * @err: filled: 0; -ENODEV when nothing enforces the entry's kind (no
 *	XDP data plane, egress not enforced); for a delete -ENOENT when no
 *	map held it; else as enf_dp_deny_add()/_del(), enf_egress_add()/_del()
 * @res: filled for an XDP add: where it went
 * @done_ns: filled: CLOCK_MONOTONIC time its write was done
 * @coalesced: filled: it shared an earlier operation's write
 * @ticket: private
 */
struct enf_write_op {
	enum enf_write_kind kind;
	struct enf_entry e;
	uint32_t rule_id;
	int err;
	struct enf_deny_result res;
	uint64_t done_ns;
	bool coalesced;
	struct enf_write_ticket *ticket;
};

/* What a submitter waits on: its operations left. On its own storage,
 * valid until enf_writer_wait() returned. */
struct enf_write_ticket {
	pthread_mutex_t lock;
	pthread_cond_t done;
	size_t left;
};

/**
 * struct enf_writer_stats - counters, read from any thread
 * @ops: operations done
 * @writes: entries written or deleted (@ops less @coalesced)
 * @coalesced: operations that shared another's write
 * @wakes: times the thread took work
 * @batches: BPF_MAP_UPDATE_BATCH rounds of adds (one per wake with adds)
 * @largest: most operations taken in one wake
 * @full_waits: submitters that found the queue full and waited
 * @errors: operations that failed (but deletes of entries not there)
 */
struct enf_writer_stats {
	uint64_t ops;
	uint64_t writes;
	uint64_t coalesced;
	uint64_t wakes;
	uint64_t batches;
	uint64_t largest;
	uint64_t full_waits;
	uint64_t errors;
};

struct enf_writer;

/**
 * enf_writer_new() - start the writer thread
 * @dp: the XDP data plane (not owned); NULL: XDP entries answer -ENODEV
 * Return: 0, -ENOMEM, or -errno from pthread_create().
 */
int enf_writer_new(struct enf_dp *dp, struct enf_writer **out);

/* Where egress entries go (not owned; NULL: -ENODEV). Call before any
 * operation is submitted, or with the queue idle. */
void enf_writer_set_egress(struct enf_writer *w, struct enf_egress *egress);

/*
 * enf_writer_hold() - while @hold, the thread takes nothing: what is
 * submitted waits, to be taken together once released (tests use it to
 * see coalescing happen for sure). A full queue releases it.
 */
void enf_writer_hold(struct enf_writer *w, bool hold);

/* Finishes what is queued, stops the thread and frees @w (NULL is ok). */
void enf_writer_free(struct enf_writer *w);

/**
 * enf_writer_submit() - queue @n operations, without waiting for them
 * @t: initialised here; wait on it with enf_writer_wait() before the
 *	operations or @t are used again or go away
 * Waits only while the queue is full.
 */
void enf_writer_submit(struct enf_writer *w, struct enf_write_op *ops, size_t n,
		       struct enf_write_ticket *t);

/* Waits until every operation of @t is done (their fields filled). */
void enf_writer_wait(struct enf_write_ticket *t);

/* enf_writer_submit() and enf_writer_wait(). */
void enf_writer_run(struct enf_writer *w, struct enf_write_op *ops, size_t n);

/* One add (or refresh) of @e, waited for. Return: the op's @err. */
int enf_writer_add(struct enf_writer *w, const struct enf_entry *e,
		   uint32_t rule_id, struct enf_deny_result *res);

/* One delete of @e, waited for. Return: the op's @err. */
int enf_writer_del(struct enf_writer *w, const struct enf_entry *e);

void enf_writer_get_stats(const struct enf_writer *w,
			  struct enf_writer_stats *out);

#endif /* ENFORCER_VERDICT_WRITER_H */
