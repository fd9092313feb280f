// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl stats: the daemon's counters by group and its histograms, as
 * text, as JSON (--json) or in the Prometheus text format (--prometheus).
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/control/prom.h"
#include "enforcer/ctl/ctl.h"

/* Upper bound of bucket @i in microseconds, from its "le" in seconds. */
static double bound_us(const json_t *le, size_t i)
{
	return json_real_value(json_array_get(le, i)) * 1e6;
}

/*
 * The q-quantile (0 < q < 1) of the histogram @h, as the upper bound of
 * the bucket it falls in, in microseconds; -1 when empty, INFINITY when
 * in the last (+Inf) bucket.
 */
static double quantile_us(const json_t *h, double q)
{
	const json_t *b = json_object_get(h, "buckets");
	long long count = jint(h, "count"), seen = 0;
	size_t i, n = json_array_size(b);

	if (count <= 0)
		return -1;
	for (i = 0; i < n; i++) {
		seen += (long long)json_integer_value(json_array_get(b, i));
		if ((double)seen >= q * (double)count)
			break;
	}
	if (i >= n - 1)
		return INFINITY;
	return bound_us(json_object_get(h, "le"), i);
}

static void print_latency(const char *name, const json_t *h)
{
	const json_t *le = json_object_get(h, "le"),
		     *b = json_object_get(h, "buckets");
	long long count = jint(h, "count");
	double p50 = quantile_us(h, 0.5), p99 = quantile_us(h, 0.99);
	size_t n = json_array_size(b);

	printf("%s: %lld verdicts", name, count);
	if (count > 0)
		printf(", mean %.0f us, max %.0f us, p50 <= %.0f us, "
		       "p99 <= %.0f us",
		       json_real_value(json_object_get(h, "sum_s")) * 1e6 /
			       (double)count,
		       json_real_value(json_object_get(h, "max_s")) * 1e6, p50,
		       p99);
	printf("\n");
	for (size_t i = 0; i < n; i++) {
		long long c =
			(long long)json_integer_value(json_array_get(b, i));
		char bound[32];

		if (i < n - 1)
			snprintf(bound, sizeof(bound), "<= %.0f us",
				 bound_us(le, i));
		else
			snprintf(bound, sizeof(bound), "> %.0f us",
				 bound_us(le, i - 1));
		printf("  %-14s %10lld\n", bound, c);
	}
}

static void print_text(const json_t *st)
{
	const json_t *groups = json_object_get(st, "counters"), *g, *v;
	const char *gname, *key;

	printf("uptime: %lld s\n", jint(st, "uptime_s"));
	json_object_foreach((json_t *)groups, gname, g) {
		printf("%s:", gname);
		json_object_foreach((json_t *)g, key, v) {
			printf(" %s=%lld", key,
			       (long long)json_integer_value(v));
		}
		printf("\n");
	}
	json_object_foreach(json_object_get(st, "histograms"), key, v) {
		print_latency(strcmp(key, "verdict_latency") ?
				      key :
				      "verdict latency (capture to enforced)",
			      v);
	}
}

static int print_prometheus(const json_t *st)
{
	size_t len = 0;
	char *text = enf_prometheus_text(st, &len);

	if (!text) {
		p_err("stats: out of memory");
		return 1;
	}
	fwrite(text, 1, len, stdout);
	free(text);
	return 0;
}

int do_stats(int argc, char **argv)
{
	bool prometheus = false;
	json_t *res;
	int ret = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--prometheus")) {
			prometheus = true;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			printf("Usage: enforcerctl stats [--prometheus]\n"
			       "\n"
			       "The daemon's counters, by group, and its "
			       "histograms: the verdict latency,\n"
			       "from the capture of a request to its verdict "
			       "enforced (deny entries\n"
			       "written, socket reset, process killed), with "
			       "p50 and p99 bounds.\n"
			       "  --prometheus  the Prometheus text format "
			       "(counters end in _total)\n"
			       "  --json        (global) the daemon's reply "
			       "as it is\n");
			return 0;
		} else {
			p_err("stats: unknown argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	res = call("stats", NULL);
	if (!res)
		return 1;
	if (ctl_opts.json)
		print_json(res);
	else if (prometheus)
		ret = print_prometheus(res);
	else
		print_text(res);
	json_decref(res);
	return ret;
}
