// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The map writer thread (writer.h): a bounded queue of operations, taken
 * whole at each wake, coalesced by entry and written in batches.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/clock.h"
#include "enforcer/common/hash.h"
#include "enforcer/common/log.h"
#include "enforcer/verdict/writer.h"

struct enf_writer {
	struct enf_dp *dp;
	struct enf_egress *egress;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* something queued, or stop */
	pthread_cond_t room; /* the queue has room again */
	struct enf_write_op *q[ENF_WRITER_QUEUE];
	size_t head, count;
	bool stop;
	bool held; /* enf_writer_hold() */
	struct enf_writer_stats stats;

	/* the thread's own, one take at a time */
	struct enf_write_op *take[ENF_WRITER_BATCH];
	struct wkey {
		uint8_t egress, kind, family, prefixlen;
		uint16_t port;
		uint64_t cgroup_id;
		uint8_t addr[16];
		struct enf_tuple flow;
	} keys[ENF_WRITER_BATCH];
	size_t leader[ENF_WRITER_BATCH]; /* the op whose write it shares */
	/* a round's leaders by the hash of their key: op index + 1, 0 free */
	uint16_t seen[2 * ENF_WRITER_BATCH];
	struct enf_deny deny[ENF_WRITER_BATCH];
	struct enf_egress_entry eg[ENF_WRITER_BATCH];
	uint32_t rule[ENF_WRITER_BATCH];
	int err[ENF_WRITER_BATCH];
	struct enf_deny_result res[ENF_WRITER_BATCH];
	size_t at[ENF_WRITER_BATCH];
};

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

/* The bytes that tell one entry from another, padding zeroed. */
static void key_of(const struct enf_entry *e, struct wkey *k)
{
	memset(k, 0, sizeof(*k));
	k->egress = e->egress;
	if (e->egress) {
		k->family = (uint8_t)e->eg.family;
		k->port = e->eg.port;
		k->cgroup_id = e->eg.cgroup_id;
		memcpy(k->addr, e->eg.addr,
		       e->eg.family == AF_INET ? 4 : sizeof(k->addr));
		return;
	}
	k->kind = (uint8_t)e->deny.kind;
	k->family = (uint8_t)e->deny.family;
	if (e->deny.kind == ENF_DENY_FLOW) {
		k->flow.family = e->deny.flow.family;
		k->flow.proto = e->deny.flow.proto;
		k->flow.sport = e->deny.flow.sport;
		k->flow.dport = e->deny.flow.dport;
		memcpy(k->flow.saddr, e->deny.flow.saddr,
		       sizeof(k->flow.saddr));
		memcpy(k->flow.daddr, e->deny.flow.daddr,
		       sizeof(k->flow.daddr));
		return;
	}
	if (e->deny.kind == ENF_DENY_CIDR)
		k->prefixlen = e->deny.prefixlen;
	memcpy(k->addr, e->deny.addr,
	       e->deny.family == AF_INET ? 4 : sizeof(k->addr));
}

/* The adds of ops[from..to) that lead: XDP entries in one
 * enf_dp_deny_add_many(), egress entries in one enf_egress_add_many(). */
static void write_adds(struct enf_writer *w, size_t from, size_t to)
{
	size_t n = 0, m = 0;
	uint64_t now;

	for (size_t i = from; i < to; i++) {
		struct enf_write_op *op = w->take[i];

		if (w->leader[i] != i || op->kind != ENF_WRITE_ADD ||
		    op->e.egress)
			continue;
		w->deny[n] = op->e.deny;
		w->rule[n] = op->rule_id;
		w->at[n++] = i;
	}
	if (n) {
		int ret = w->dp ? enf_dp_deny_add_many(w->dp, w->deny, w->rule,
						       n, w->err, w->res) :
				  -ENODEV;

		now = enf_mono_ns();
		stat_add(&w->stats.batches, 1);
		for (size_t j = 0; j < n; j++) {
			struct enf_write_op *op = w->take[w->at[j]];

			op->err = ret ? ret : w->err[j];
			op->res = ret ? (struct enf_deny_result){} : w->res[j];
			op->done_ns = now;
		}
	}
	for (size_t i = from; i < to; i++) {
		struct enf_write_op *op = w->take[i];

		if (w->leader[i] != i || op->kind != ENF_WRITE_ADD ||
		    !op->e.egress)
			continue;
		w->eg[m] = op->e.eg;
		w->eg[m].rule_id = op->rule_id;
		w->at[m++] = i;
	}
	if (m) {
		int ret = w->egress ? enf_egress_add_many(w->egress, w->eg, m,
							  w->err) :
				      -ENODEV;

		now = enf_mono_ns();
		for (size_t j = 0; j < m; j++) {
			struct enf_write_op *op = w->take[w->at[j]];

			op->err = ret ? ret : w->err[j];
			op->done_ns = now;
		}
	}
}

static void write_dels(struct enf_writer *w, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		struct enf_write_op *op = w->take[i];
		const struct enf_egress_entry *g = &op->e.eg;

		if (w->leader[i] != i || op->kind != ENF_WRITE_DEL)
			continue;
		if (!op->e.egress)
			op->err = w->dp ? enf_dp_deny_del(w->dp, &op->e.deny) :
					  -ENODEV;
		else
			op->err = w->egress ? enf_egress_del(w->egress,
							     g->cgroup_id,
							     g->family, g->addr,
							     g->port) :
					      -ENODEV;
		op->done_ns = enf_mono_ns();
	}
}

/* One round, ops[from..to): no entry both added and deleted in it. */
static void round_do(struct enf_writer *w, size_t from, size_t to)
{
	uint64_t shared = 0, failed = 0;

	write_adds(w, from, to);
	write_dels(w, from, to);
	for (size_t i = from; i < to; i++) {
		struct enf_write_op *op = w->take[i];
		const struct enf_write_op *l = w->take[w->leader[i]];

		if (w->leader[i] != i) {
			op->err = l->err;
			op->res = l->res;
			op->done_ns = l->done_ns;
			op->coalesced = true;
			shared++;
		}
		if (op->err &&
		    !(op->kind == ENF_WRITE_DEL && op->err == -ENOENT))
			failed++;
	}
	stat_add(&w->stats.ops, to - from);
	stat_add(&w->stats.writes, to - from - shared);
	stat_add(&w->stats.coalesced, shared);
	stat_add(&w->stats.errors, failed);
}

/*
 * Splits the take into rounds: each op joins the first op of the round
 * on its entry (the leader, whose write it shares), unless that one is
 * of the other kind: then the round ends before it.
 */
static void take_do(struct enf_writer *w, size_t n)
{
	const size_t mask = sizeof(w->seen) / sizeof(w->seen[0]) - 1;
	size_t from = 0;

	for (size_t i = 0; i < n; i++)
		key_of(&w->take[i]->e, &w->keys[i]);
	while (from < n) {
		size_t to;

		memset(w->seen, 0, sizeof(w->seen));
		for (to = from; to < n; to++) {
			uint32_t h =
				enf_fnv1a(0, &w->keys[to], sizeof(w->keys[to]));
			size_t s, j = to;

			for (s = h & mask; w->seen[s]; s = (s + 1) & mask) {
				if (!memcmp(&w->keys[w->seen[s] - 1],
					    &w->keys[to],
					    sizeof(w->keys[to]))) {
					j = w->seen[s] - 1u;
					break;
				}
			}
			w->leader[to] = to;
			if (j == to) {
				w->seen[s] = (uint16_t)(to + 1);
				continue;
			}
			if (w->take[j]->kind != w->take[to]->kind)
				break;
			w->leader[to] = j;
		}
		round_do(w, from, to);
		from = to;
	}
}

static void complete(struct enf_write_op *op)
{
	struct enf_write_ticket *t = op->ticket;

	/* @op may go away once its ticket says so: not touched after */
	pthread_mutex_lock(&t->lock);
	if (!--t->left)
		pthread_cond_broadcast(&t->done);
	pthread_mutex_unlock(&t->lock);
}

static void *writer_main(void *arg)
{
	struct enf_writer *w = arg;

	enf_caps_thread_enter("map writer");
	pthread_mutex_lock(&w->lock);
	for (;;) {
		size_t n;

		while ((!w->count || w->held) && !w->stop)
			pthread_cond_wait(&w->work, &w->lock);
		if (!w->count)
			break;
		n = w->count < ENF_WRITER_BATCH ? w->count : ENF_WRITER_BATCH;
		for (size_t i = 0; i < n; i++)
			w->take[i] = w->q[(w->head + i) % ENF_WRITER_QUEUE];
		w->head = (w->head + n) % ENF_WRITER_QUEUE;
		w->count -= n;
		pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->lock);

		stat_add(&w->stats.wakes, 1);
		if (n > __atomic_load_n(&w->stats.largest, __ATOMIC_RELAXED))
			__atomic_store_n(&w->stats.largest, n,
					 __ATOMIC_RELAXED);
		take_do(w, n);
		for (size_t i = 0; i < n; i++)
			complete(w->take[i]);

		pthread_mutex_lock(&w->lock);
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int enf_writer_new(struct enf_dp *dp, struct enf_writer **out)
{
	struct enf_writer *w = calloc(1, sizeof(*w));
	int err;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->dp = dp;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->room, NULL);
	err = pthread_create(&w->thread, NULL, writer_main, w);
	if (err) {
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return -err;
	}
	pthread_setname_np(w->thread, "enf-mapwriter");
	*out = w;
	return 0;
}

void enf_writer_set_egress(struct enf_writer *w, struct enf_egress *egress)
{
	pthread_mutex_lock(&w->lock);
	w->egress = egress;
	pthread_mutex_unlock(&w->lock);
}

void enf_writer_hold(struct enf_writer *w, bool hold)
{
	pthread_mutex_lock(&w->lock);
	w->held = hold;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void enf_writer_free(struct enf_writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void enf_writer_submit(struct enf_writer *w, struct enf_write_op *ops, size_t n,
		       struct enf_write_ticket *t)
{
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->done, NULL);
	t->left = n;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < n; i++) {
		struct enf_write_op *op = &ops[i];

		op->err = 0;
		op->res = (struct enf_deny_result){};
		op->done_ns = 0;
		op->coalesced = false;
		op->ticket = t;
		if (w->count == ENF_WRITER_QUEUE) {
			stat_add(&w->stats.full_waits, 1);
			w->held =
				false; /* a full queue is taken, held or not */
			pthread_cond_signal(&w->work);
			while (w->count == ENF_WRITER_QUEUE)
				pthread_cond_wait(&w->room, &w->lock);
		}
		w->q[(w->head + w->count) % ENF_WRITER_QUEUE] = op;
		w->count++;
	}
	if (n)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
}

void enf_writer_wait(struct enf_write_ticket *t)
{
	pthread_mutex_lock(&t->lock);
	while (t->left)
		pthread_cond_wait(&t->done, &t->lock);
	pthread_mutex_unlock(&t->lock);
	pthread_cond_destroy(&t->done);
	pthread_mutex_destroy(&t->lock);
}

void enf_writer_run(struct enf_writer *w, struct enf_write_op *ops, size_t n)
{
	struct enf_write_ticket t;

	enf_writer_submit(w, ops, n, &t);
	enf_writer_wait(&t);
}

int enf_writer_add(struct enf_writer *w, const struct enf_entry *e,
		   uint32_t rule_id, struct enf_deny_result *res)
{
	struct enf_write_op op = {
		.kind = ENF_WRITE_ADD,
		.e = *e,
		.rule_id = rule_id,
	};

	enf_writer_run(w, &op, 1);
	if (res)
		*res = op.res;
	return op.err;
}

int enf_writer_del(struct enf_writer *w, const struct enf_entry *e)
{
	struct enf_write_op op = { .kind = ENF_WRITE_DEL, .e = *e };

	enf_writer_run(w, &op, 1);
	return op.err;
}

void enf_writer_get_stats(const struct enf_writer *w,
			  struct enf_writer_stats *out)
{
	const uint64_t *in = (const uint64_t *)&w->stats;
	uint64_t *o = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}
