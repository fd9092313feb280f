// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/common/hash.h"
#include "enforcer/verdict/escalate.h"
#include "rules/rules.h"

/* Slots a key looks at (double hashing from its hash): where it may live. */
#define PROBES 16

/*
 * One source: the times of its matches in the window, oldest first, as a
 * ring of @cap (the rule's N) times from @head.
 */
struct slot {
	struct enf_escalate_key key;
	uint64_t *times; /* NULL: the slot is free */
	uint64_t last_ns; /* the newest of @times */
	uint64_t window_ns;
	uint32_t cap, head, count;
};

struct enf_escalate {
	struct slot slots[ENF_ESCALATE_SLOTS];
	uint64_t evicted;
};

int enf_escalate_new(struct enf_escalate **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

static void slot_clear(struct slot *s)
{
	free(s->times);
	memset(s, 0, sizeof(*s));
}

void enf_escalate_free(struct enf_escalate *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < ENF_ESCALATE_SLOTS; i++)
		free(e->slots[i].times);
	free(e);
}

uint64_t enf_escalate_evicted(const struct enf_escalate *e)
{
	return e->evicted;
}

static uint32_t key_hash(const struct enf_escalate_key *k)
{
	return enf_fnv1a(0, k, sizeof(*k));
}

/* Whether a match at @t is out of a window of @w ns by @now (a time
 * before @t, from a caller's clock read earlier, counts as in). */
static bool out_of(uint64_t now, uint64_t t, uint64_t w)
{
	return now > t && now - t >= w;
}

/* Whether every match @s holds fell out of its window by @now_ns. */
static bool stale(const struct slot *s, uint64_t now_ns)
{
	return !s->count || out_of(now_ns, s->last_ns, s->window_ns);
}

/* The slot of @k, or a free, stale or least recently matched one of its
 * probes made its (NULL only when out of memory). */
static struct slot *slot_of(struct enf_escalate *e,
			    const struct enf_escalate_key *k, uint32_t n,
			    uint64_t window_ns, uint64_t now_ns)
{
	uint32_t h = key_hash(k), step = (h >> 16) | 1; /* odd: all slots */
	struct slot *s, *spare = NULL;

	/* double hashing: keys of one slot part at once, no clusters */
	for (uint32_t i = 0; i < PROBES; i++) {
		s = &e->slots[(h + i * step) & (ENF_ESCALATE_SLOTS - 1)];
		if (s->times && !memcmp(&s->key, k, sizeof(*k))) {
			if (s->cap == n && s->window_ns == window_ns)
				return s;
			/* the rule changed its after:N/T: start again */
			spare = s;
			break;
		}
		if (!s->times || stale(s, now_ns)) {
			if (!spare || spare->times)
				spare = s;
		} else if (!spare || (spare->times && !stale(spare, now_ns) &&
				      s->last_ns < spare->last_ns)) {
			spare = s;
		}
	}
	if (spare->times && !stale(spare, now_ns) &&
	    memcmp(&spare->key, k, sizeof(*k)))
		e->evicted++;
	slot_clear(spare);
	spare->times = calloc(n, sizeof(*spare->times));
	if (!spare->times)
		return NULL;
	spare->key = *k;
	spare->cap = n;
	spare->window_ns = window_ns;
	return spare;
}

int enf_escalate_hit(struct enf_escalate *e, const struct enf_escalate_key *key,
		     uint32_t n, uint64_t window_ns, uint64_t now_ns)
{
	struct slot *s;

	if (n < 2 || n > ENF_RULE_AFTER_N_MAX || !window_ns)
		return -EINVAL;
	s = slot_of(e, key, n, window_ns, now_ns);
	if (!s)
		return -ENOMEM;
	/* the oldest times that left the window go */
	while (s->count && out_of(now_ns, s->times[s->head], window_ns)) {
		s->head = (s->head + 1) % s->cap;
		s->count--;
	}
	s->times[(s->head + s->count) % s->cap] = now_ns;
	s->count++;
	if (now_ns > s->last_ns)
		s->last_ns = now_ns;
	if (s->count < n)
		return (int)s->count;
	s->count = 0;
	s->head = 0;
	return (int)n;
}
