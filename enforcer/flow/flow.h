/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The flow table: per-flow, per-direction state of captured TLS streams
 * (today the HTTP parser of each stream), bounded in size, least recently
 * used first out.
 */
#ifndef ENFORCER_FLOW_TABLE_H
#define ENFORCER_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "enforcer/flow.h"

/**
 * struct enf_flow_key - one direction of one TLS stream in one process
 * @tuple: the flow, peer as source (zero when the socket is unknown)
 * @session: the TLS library's session object in the process (the
 *	daemon keys streams by @tgid, @session and @direction alone, leaving
 *	@tuple and @fd zero: a session's socket may be learnt after its
 *	first bytes)
 * @tgid: the process
 * @fd: its file descriptor for the socket, -1 when unknown
 * @direction: enum enf_tls_dir
 * @pad: zero
 */
struct enf_flow_key {
	struct enf_tuple tuple;
	uint64_t session;
	uint32_t tgid;
	int32_t fd;
	uint8_t direction;
	uint8_t pad[7];
};

struct enf_flow_table;

/* Frees the state stored with a flow when the flow leaves the table. */
typedef void (*enf_flow_free_fn)(void *state);

/**
 * enf_flow_table_new() - a table of at most @max flows
 * @free_state: called for each state evicted, deleted or left at free
 * Return: 0 or -ENOMEM / -EINVAL.
 */
int enf_flow_table_new(size_t max, enf_flow_free_fn free_state,
		       struct enf_flow_table **out);
void enf_flow_table_free(struct enf_flow_table *t); /* accepts NULL */

/**
 * enf_flow_get() - the state of @key, marking it most recently used
 * Return: the state, or NULL when @key is not in the table.
 */
void *enf_flow_get(struct enf_flow_table *t, const struct enf_flow_key *key);

/**
 * enf_flow_put() - store @state for @key (which must not be present)
 * Evicts the least recently used flow when the table is full.
 * Return: 0 or -ENOMEM (the caller keeps @state then).
 */
int enf_flow_put(struct enf_flow_table *t, const struct enf_flow_key *key,
		 void *state);

/* Removes @key (freeing its state); -ENOENT when absent. */
int enf_flow_del(struct enf_flow_table *t, const struct enf_flow_key *key);

size_t enf_flow_count(const struct enf_flow_table *t);
/* Flows pushed out because the table was full, since it was made. */
uint64_t enf_flow_evictions(const struct enf_flow_table *t);

#endif /* ENFORCER_FLOW_TABLE_H */
