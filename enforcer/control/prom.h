/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Prometheus text format of enforcerd's stats reply: enforcerctl stats
 * --prometheus prints it, the daemon's scrape endpoint serves it.
 */
#ifndef ENFORCER_CONTROL_PROM_H
#define ENFORCER_CONTROL_PROM_H

#include <stddef.h>

#include <jansson.h>

/**
 * enf_prometheus_text() - the stats reply @stats in the text format
 * @stats: {"uptime_s", "counters": {GROUP: {NAME: N}}, "histograms":
 *	{NAME: {"le", "buckets", "sum_s", "count"}}}
 * @len: receives the text's length
 * Counters become enforcer_GROUP_NAME_total, histograms
 * enforcer_NAME_seconds.
 * Return: the text (malloc'd), or NULL when out of memory.
 */
char *enf_prometheus_text(const json_t *stats, size_t *len);

#endif /* ENFORCER_CONTROL_PROM_H */
