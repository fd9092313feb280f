/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Escalation (a rule's after:N/T): a match denies only when it is the N-th
 * from its source within T seconds. The counts live here, in the daemon:
 * per rule and source, the times of the last matches in a window that
 * slides (exact, not bucketed), in a table of bounded size: a source whose
 * matches all fell out of their window frees its slot, and when a new
 * source finds no free slot near its own the least recently matched one
 * there is dropped (counted as evicted).
 */
#ifndef ENFORCER_VERDICT_ESCALATE_H
#define ENFORCER_VERDICT_ESCALATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sources counted at once, at most (a power of two). */
#define ENF_ESCALATE_SLOTS 4096

/**
 * struct enf_escalate_key - what matches are counted by
 * @rule_id: the rule
 * @family: AF_INET or AF_INET6 for a peer's address; 0 for a request
 *	without a flow, counted by its process (@addr holds the tgid)
 * @addr: the address, network byte order (4 or 16 bytes used, the rest
 *	zero), or the tgid
 */
struct enf_escalate_key {
	uint32_t rule_id;
	uint32_t family;
	uint8_t addr[16];
};

struct enf_escalate;

int enf_escalate_new(struct enf_escalate **out); /* 0 or -ENOMEM */
void enf_escalate_free(struct enf_escalate *e); /* accepts NULL */

/**
 * enf_escalate_hit() - count one match
 * @key: its rule and source
 * @n: the rule's N (2..ENF_RULE_AFTER_N_MAX)
 * @window_ns: the rule's T, in ns
 * @now_ns: the match's time (CLOCK_MONOTONIC)
 * Return: how many matches of @key fell within the last @window_ns,
 * this one included; when that reaches @n the count starts again from 0
 * (the next denial needs N more), and @n is returned. -ENOMEM when a
 * source's slot could not be made (then the match is not counted).
 */
int enf_escalate_hit(struct enf_escalate *e, const struct enf_escalate_key *key,
		     uint32_t n, uint64_t window_ns, uint64_t now_ns);

/* Sources dropped to make room for others since creation. */
uint64_t enf_escalate_evicted(const struct enf_escalate *e);

#endif /* ENFORCER_VERDICT_ESCALATE_H */
