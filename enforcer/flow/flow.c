// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/flow/flow.h"

struct flow_node {
	struct enf_flow_key key;
	void *state;
	struct flow_node *hnext; /* hash chain */
	struct flow_node *lru_prev, *lru_next; /* most recent at head */
};

struct enf_flow_table {
	struct flow_node **buckets;
	size_t n_buckets; /* a power of two */
	size_t count;
	size_t max;
	uint64_t evictions;
	struct flow_node *lru_head, *lru_tail;
	enf_flow_free_fn free_state;
};

/*
 * A word at a time (the key is a whole number of words), each mixed in by a
 * multiply and a shift: every event of the daemon looks its stream up, and
 * a byte-at-a-time hash was a tenth of the daemon's time.
 */
static uint64_t key_hash(const struct enf_flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0x243f6a8885a308d3ULL, w;

	_Static_assert(sizeof(*k) % sizeof(w) == 0, "whole words");
	for (size_t i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return h;
}

int enf_flow_table_new(size_t max, enf_flow_free_fn free_state,
		       struct enf_flow_table **out)
{
	struct enf_flow_table *t;
	size_t n = 16;

	if (max == 0 || max > (1u << 24))
		return -EINVAL;
	while (n < max)
		n <<= 1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return -ENOMEM;
	}
	t->n_buckets = n;
	t->max = max;
	t->free_state = free_state;
	*out = t;
	return 0;
}

static struct flow_node **find_slot(struct enf_flow_table *t,
				    const struct enf_flow_key *key)
{
	struct flow_node **pp = &t->buckets[key_hash(key) & (t->n_buckets - 1)];

	while (*pp && memcmp(&(*pp)->key, key, sizeof(*key)) != 0)
		pp = &(*pp)->hnext;
	return pp;
}

static void lru_unlink(struct enf_flow_table *t, struct flow_node *n)
{
	if (n->lru_prev)
		n->lru_prev->lru_next = n->lru_next;
	else
		t->lru_head = n->lru_next;
	if (n->lru_next)
		n->lru_next->lru_prev = n->lru_prev;
	else
		t->lru_tail = n->lru_prev;
	n->lru_prev = n->lru_next = NULL;
}

static void lru_push_head(struct enf_flow_table *t, struct flow_node *n)
{
	n->lru_next = t->lru_head;
	n->lru_prev = NULL;
	if (t->lru_head)
		t->lru_head->lru_prev = n;
	t->lru_head = n;
	if (!t->lru_tail)
		t->lru_tail = n;
}

/* Unlinks the node at *pp from both lists and frees it with its state. */
static void remove_node(struct enf_flow_table *t, struct flow_node **pp)
{
	struct flow_node *n = *pp;

	*pp = n->hnext;
	lru_unlink(t, n);
	if (t->free_state)
		t->free_state(n->state);
	free(n);
	t->count--;
}

void *enf_flow_get(struct enf_flow_table *t, const struct enf_flow_key *key)
{
	struct flow_node *n = *find_slot(t, key);

	if (!n)
		return NULL;
	lru_unlink(t, n);
	lru_push_head(t, n);
	return n->state;
}

int enf_flow_put(struct enf_flow_table *t, const struct enf_flow_key *key,
		 void *state)
{
	struct flow_node *n, **pp;

	if (*find_slot(t, key))
		return -EEXIST;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	if (t->count >= t->max) {
		remove_node(t, find_slot(t, &t->lru_tail->key));
		t->evictions++;
	}
	n->key = *key;
	n->state = state;
	pp = &t->buckets[key_hash(key) & (t->n_buckets - 1)];
	n->hnext = *pp;
	*pp = n;
	lru_push_head(t, n);
	t->count++;
	return 0;
}

int enf_flow_del(struct enf_flow_table *t, const struct enf_flow_key *key)
{
	struct flow_node **pp = find_slot(t, key);

	if (!*pp)
		return -ENOENT;
	remove_node(t, pp);
	return 0;
}

size_t enf_flow_count(const struct enf_flow_table *t)
{
	return t->count;
}

uint64_t enf_flow_evictions(const struct enf_flow_table *t)
{
	return t->evictions;
}

void enf_flow_table_free(struct enf_flow_table *t)
{
	if (!t)
		return;
	while (t->lru_head)
		remove_node(t, find_slot(t, &t->lru_head->key));
	free(t->buckets);
	free(t);
}
