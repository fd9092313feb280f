// SPDX-License-Identifier: GPL-2.0-or-later
/* The audit writer: see auditw.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/clock.h"
#include "enforcer/audit/auditw.h"
#include "enforcer/audit/export.h"
#include "enforcer/common/log.h"

#define NS_PER_MS 1000000ULL
#define NS_PER_SEC 1000000000ULL
/* Retention looks again this often when nothing else wakes the writer. */
#define PRUNE_EVERY_NS NS_PER_SEC

struct queued {
	struct pdb_audit *row; /* pdb_audit_dup()'s */
	uint64_t t; /* CLOCK_MONOTONIC when queued */
};

struct enf_auditw {
	struct enf_auditw_opts o;
	struct pdb *db;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* rows queued, a flush asked for, or stop */
	pthread_cond_t room; /* the queue has room again */
	pthread_cond_t done; /* rows written (or lost) */
	struct queued *ring;
	size_t head, n;
	uint64_t seq_in; /* rows queued, ever */
	uint64_t seq_done; /* rows written or lost, ever */
	uint64_t flush_to; /* write at once up to this seq_in */
	bool stop;
	uint64_t last_prune;
	bool prune_backlog; /* the last step deleted a full step */
	struct enf_auditw_stats st; /* under lock */
	/* the writer thread's own */
	struct pdb_audit *rows;
	int64_t *ids;
	uint8_t (*hashes)[PDB_AUDIT_HASH_LEN];
};

static struct timespec ts_of(uint64_t ns)
{
	return (struct timespec){ .tv_sec = (time_t)(ns / NS_PER_SEC),
				  .tv_nsec = (long)(ns % NS_PER_SEC) };
}

static bool retention_on(const struct enf_auditw *w)
{
	return w->o.retain_s || w->o.retain_bytes;
}

/* Writes @k rows; retries a failed batch (a lock held past the busy
 * timeout, a full disk that frees up) before giving it up. */
static int write_batch(struct enf_auditw *w, size_t k)
{
	char err[PDB_ERR_LEN];
	int ret = 0;

	for (int attempt = 0; attempt < ENF_AUDITW_RETRIES; attempt++) {
		if (attempt) {
			struct timespec pause =
				ts_of(50 * NS_PER_MS * (uint64_t)attempt);

			nanosleep(&pause, NULL);
			pthread_mutex_lock(&w->lock);
			w->st.retries++;
			pthread_mutex_unlock(&w->lock);
		}
		ret = pdb_audit_insert_many(w->db, w->rows, k, w->ids,
					    w->hashes, err);
		if (!ret)
			return 0;
		pr_warn("audit: writing %zu rows: %s%s", k, err,
			attempt + 1 < ENF_AUDITW_RETRIES ? "; trying again" :
							   "; rows lost");
	}
	return ret;
}

/* One retention step, when due. */
static void prune_step(struct enf_auditw *w, uint64_t now)
{
	char err[PDB_ERR_LEN];
	int64_t before = 0, n;

	if (!retention_on(w) ||
	    (!w->prune_backlog && now - w->last_prune < PRUNE_EVERY_NS))
		return;
	w->last_prune = now;
	if (w->o.retain_s) {
		struct timespec rt;

		clock_gettime(CLOCK_REALTIME, &rt);
		before = ((int64_t)rt.tv_sec - (int64_t)w->o.retain_s) *
			 (int64_t)NS_PER_SEC;
		if (before < 0)
			before = 0;
	}
	n = pdb_audit_prune(w->db, before, w->o.retain_bytes,
			    ENF_AUDITW_PRUNE_STEP, err);
	if (n < 0) {
		pr_warn("audit: retention: %s", err);
		w->prune_backlog = false;
		return;
	}
	w->prune_backlog = n == ENF_AUDITW_PRUNE_STEP;
	pthread_mutex_lock(&w->lock);
	w->st.pruned += (uint64_t)n;
	pthread_mutex_unlock(&w->lock);
}

/* Under lock: waits until a batch is due; false when stopping with
 * nothing left. */
static bool wait_batch(struct enf_auditw *w)
{
	for (;;) {
		uint64_t now = enf_mono_ns(), due;
		struct timespec ts;

		if (!w->n) {
			if (w->stop)
				return false;
			if (retention_on(w)) {
				if (w->prune_backlog ||
				    now - w->last_prune >= PRUNE_EVERY_NS)
					return true; /* a prune step */
				ts = ts_of(w->last_prune + PRUNE_EVERY_NS);
				pthread_cond_timedwait(&w->work, &w->lock, &ts);
			} else {
				pthread_cond_wait(&w->work, &w->lock);
			}
			continue;
		}
		if (w->stop || w->n >= w->o.batch_max ||
		    w->flush_to > w->seq_in - w->n)
			return true;
		due = w->ring[w->head].t + w->o.flush_ms * NS_PER_MS;
		if (now >= due)
			return true;
		ts = ts_of(due);
		pthread_cond_timedwait(&w->work, &w->lock, &ts);
	}
}

static void *run(void *arg)
{
	struct enf_auditw *w = arg;
	struct pdb_audit *taken[ENF_AUDITW_BATCH * 8];

	enf_caps_thread_enter("audit writer");
	pthread_mutex_lock(&w->lock);
	while (wait_batch(w)) {
		size_t k = w->n < w->o.batch_max ? w->n : w->o.batch_max;
		bool idle;
		int ret = 0;

		for (size_t i = 0; i < k; i++) {
			taken[i] = w->ring[w->head].row;
			w->rows[i] = *taken[i];
			w->head = (w->head + 1) % w->o.queue_max;
		}
		w->n -= k;
		idle = w->n == 0;
		if (k)
			pthread_cond_broadcast(&w->room);
		pthread_mutex_unlock(&w->lock);

		if (k)
			ret = write_batch(w, k);
		if (k && !ret && w->o.export) {
			for (size_t i = 0; i < k; i++)
				enf_export_event(w->o.export, &w->rows[i],
						 w->ids[i], w->hashes[i]);
		}
		for (size_t i = 0; i < k; i++)
			free(taken[i]);
		/* retention between batches, never ahead of a backlog of
		 * rows */
		if (idle || w->prune_backlog)
			prune_step(w, enf_mono_ns());

		pthread_mutex_lock(&w->lock);
		if (k) {
			w->seq_done += k;
			if (ret) {
				w->st.errors += k;
			} else {
				w->st.written += k;
				w->st.batches++;
				if (k > w->st.largest)
					w->st.largest = k;
			}
			pthread_cond_broadcast(&w->done);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int enf_auditw_new(const struct enf_auditw_opts *o, struct enf_auditw **out,
		   char *err, size_t errlen)
{
	char dberr[PDB_ERR_LEN];
	pthread_condattr_t ca;
	struct enf_auditw *w;
	int ret;

	*out = NULL;
	if (!o || !o->db_path) {
		snprintf(err, errlen, "audit writer: no database");
		return -EINVAL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		goto out_nomem;
	w->o = *o;
	if (!w->o.batch_max)
		w->o.batch_max = ENF_AUDITW_BATCH;
	if (w->o.batch_max > ENF_AUDITW_BATCH * 8)
		w->o.batch_max = ENF_AUDITW_BATCH * 8;
	if (!w->o.flush_ms)
		w->o.flush_ms = ENF_AUDITW_FLUSH_MS;
	if (!w->o.queue_max)
		w->o.queue_max = ENF_AUDITW_QUEUE;
	if (w->o.queue_max < w->o.batch_max)
		w->o.queue_max = w->o.batch_max;
	w->ring = calloc(w->o.queue_max, sizeof(*w->ring));
	w->rows = calloc(w->o.batch_max, sizeof(*w->rows));
	w->ids = calloc(w->o.batch_max, sizeof(*w->ids));
	w->hashes = calloc(w->o.batch_max, sizeof(*w->hashes));
	if (!w->ring || !w->rows || !w->ids || !w->hashes)
		goto out_nomem;
	/* the writer thread alone uses it */
	ret = pdb_open_flags(o->db_path, PDB_OPEN_ONE_THREAD, &w->db, dberr);
	if (ret) {
		snprintf(err, errlen, "audit writer: %s", dberr);
		goto out_free;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &ca);
	pthread_condattr_destroy(&ca);
	pthread_cond_init(&w->room, NULL);
	pthread_cond_init(&w->done, NULL);
	/* the first retention step at once: a backlog from a long stop */
	w->last_prune = enf_mono_ns() - PRUNE_EVERY_NS;
	ret = -pthread_create(&w->thread, NULL, run, w);
	if (ret) {
		snprintf(err, errlen, "audit writer: thread: %s",
			 strerror(-ret));
		pthread_cond_destroy(&w->done);
		pthread_cond_destroy(&w->room);
		pthread_cond_destroy(&w->work);
		pthread_mutex_destroy(&w->lock);
		goto out_free;
	}
	*out = w;
	return 0;

out_nomem:
	snprintf(err, errlen, "audit writer: out of memory");
	ret = -ENOMEM;
out_free:
	if (w) {
		pdb_close(w->db);
		free(w->ring);
		free(w->rows);
		free(w->ids);
		free(w->hashes);
		free(w);
	}
	return ret;
}

int enf_auditw_submit(struct enf_auditw *w, const struct pdb_audit *a)
{
	struct pdb_audit *copy;
	bool waited = false;

	if (!w || !a || !a->event || !a->event[0])
		return -EINVAL;
	copy = pdb_audit_dup(a);
	if (!copy)
		return -ENOMEM;
	if (!copy->time_ns) {
		struct timespec rt;

		/* the time of the event, not of the batch */
		clock_gettime(CLOCK_REALTIME, &rt);
		copy->time_ns =
			(int64_t)rt.tv_sec * (int64_t)NS_PER_SEC + rt.tv_nsec;
	}
	pthread_mutex_lock(&w->lock);
	while (w->n == w->o.queue_max && !w->stop) {
		if (!waited) {
			w->st.full_waits++;
			waited = true;
		}
		pthread_cond_signal(&w->work);
		pthread_cond_wait(&w->room, &w->lock);
	}
	if (w->stop) {
		pthread_mutex_unlock(&w->lock);
		free(copy);
		return -ESHUTDOWN;
	}
	w->ring[(w->head + w->n) % w->o.queue_max] =
		(struct queued){ .row = copy, .t = enf_mono_ns() };
	w->n++;
	w->seq_in++;
	w->st.submitted++;
	if (w->n == 1 || w->n >= w->o.batch_max)
		pthread_cond_signal(&w->work);
	pthread_mutex_unlock(&w->lock);
	return 0;
}

void enf_auditw_sync(struct enf_auditw *w)
{
	uint64_t target;

	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	target = w->seq_in;
	if (target > w->flush_to)
		w->flush_to = target;
	pthread_cond_signal(&w->work);
	while (w->seq_done < target)
		pthread_cond_wait(&w->done, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

void enf_auditw_get_stats(struct enf_auditw *w, struct enf_auditw_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	*s = w->st;
	s->queued = w->n;
	pthread_mutex_unlock(&w->lock);
}

void enf_auditw_free(struct enf_auditw *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->room);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	/* the thread wrote everything queued before it stopped */
	pdb_close(w->db);
	pthread_cond_destroy(&w->done);
	pthread_cond_destroy(&w->room);
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w->ring);
	free(w->rows);
	free(w->ids);
	free(w->hashes);
	free(w);
}
