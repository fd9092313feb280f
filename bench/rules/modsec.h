/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The libmodsecurity3 contender of bench/rules: the same rules loaded with
 * msc_rules_add() after a short preamble (engine on, request bodies read,
 * JSON bodies parsed as CRS's setup rule has them parsed, audit log off),
 * and one transaction per request, fed what a connector feeds it: the
 * connection, the URI, each header, the body. Built only when
 * libmodsecurity3 is found (pkg-config modsecurity); without it
 * msc_bench_available() is false and msc_bench_new() fails with
 * -EOPNOTSUPP.
 */
#ifndef ENFORCER_BENCH_RULES_MODSEC_H
#define ENFORCER_BENCH_RULES_MODSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enforcer/request.h"

struct msc_bench;

bool msc_bench_available(void);

/* "ModSecurity v3.0.9 (Linux)", or why it is absent. */
const char *msc_bench_version(void);

/* Called for each rule ModSecurity refuses: its index and why. */
typedef void (*msc_bench_refused_cb)(size_t i, const char *why, void *ctx);

/**
 * msc_bench_new() - an engine with the rules of @rules loaded
 * @rules: one SecLang text a rule (a chain's links included)
 * @n: entries in @rules
 * @out: the contender
 * @n_loaded: the rules loaded
 * @refused: called for each rule ModSecurity would not load (the set is
 *	then loaded without them; enforcer's own variables and actions are
 *	not ModSecurity's); may be NULL
 * @ctx: passed to @refused
 * @err: on failure, ModSecurity's message
 * @err_len: bytes of @err
 * Return: 0, -EOPNOTSUPP (not built in), -EINVAL (the preamble was
 * refused), or -ENOMEM.
 */
int msc_bench_new(const char *const *rules, size_t n, struct msc_bench **out,
		  size_t *n_loaded, msc_bench_refused_cb refused, void *ctx,
		  char *err, size_t err_len);

/**
 * msc_bench_run() - one transaction for @req
 * Return: 1 when ModSecurity intervened (a deny), 0 when not, or a
 * negative errno.
 */
int msc_bench_run(struct msc_bench *m, const struct enf_request *req);

void msc_bench_free(struct msc_bench *m);

#endif /* ENFORCER_BENCH_RULES_MODSEC_H */
