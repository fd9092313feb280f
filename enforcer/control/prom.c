// SPDX-License-Identifier: GPL-2.0-or-later
/* The Prometheus text format of the stats reply: see prom.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforcer/control/prom.h"

/* A counter or metric name part as Prometheus takes it: [a-zA-Z0-9_],
 * anything else as '_' ("1xx" is kept: it never starts a name here). */
static void prom_name(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++) {
		char c = in[i];

		out[i] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					 (c >= '0' && c <= '9') ?
				 c :
				 '_';
	}
	out[i] = '\0';
}

static void histogram(FILE *f, const char *key, const json_t *h)
{
	const json_t *le = json_object_get(h, "le"),
		     *bk = json_object_get(h, "buckets");
	size_t n = json_array_size(bk);
	long long cum = 0;
	char a[64];

	prom_name(key, a, sizeof(a));
	if (!strcmp(key, "verdict_latency"))
		fprintf(f,
			"# HELP enforcer_%s_seconds Time from the capture of"
			" a request to its verdict enforced.\n",
			a);
	fprintf(f, "# TYPE enforcer_%s_seconds histogram\n", a);
	for (size_t i = 0; i < n; i++) {
		cum += (long long)json_integer_value(json_array_get(bk, i));
		if (i < n - 1)
			fprintf(f,
				"enforcer_%s_seconds_bucket{le=\"%g\"} %lld\n",
				a, json_real_value(json_array_get(le, i)), cum);
		else
			fprintf(f,
				"enforcer_%s_seconds_bucket{le=\"+Inf\"} %lld\n",
				a, cum);
	}
	fprintf(f,
		"enforcer_%s_seconds_sum %.9f\n"
		"enforcer_%s_seconds_count %lld\n",
		a, json_real_value(json_object_get(h, "sum_s")), a,
		(long long)json_integer_value(json_object_get(h, "count")));
}

char *enf_prometheus_text(const json_t *stats, size_t *len)
{
	const json_t *groups = json_object_get(stats, "counters"), *g, *v;
	const char *gname, *key;
	char *text = NULL, a[64], b[64];
	FILE *f;

	f = open_memstream(&text, len);
	if (!f)
		return NULL;
	fprintf(f,
		"# HELP enforcer_uptime_seconds Seconds since enforcerd"
		" started.\n# TYPE enforcer_uptime_seconds gauge\n"
		"enforcer_uptime_seconds %lld\n",
		(long long)json_integer_value(
			json_object_get(stats, "uptime_s")));
	json_object_foreach((json_t *)groups, gname, g) {
		prom_name(gname, a, sizeof(a));
		json_object_foreach((json_t *)g, key, v) {
			prom_name(key, b, sizeof(b));
			fprintf(f,
				"# TYPE enforcer_%s_%s_total counter\n"
				"enforcer_%s_%s_total %lld\n",
				a, b, a, b, (long long)json_integer_value(v));
		}
	}
	json_object_foreach(json_object_get(stats, "histograms"), key, v)
		histogram(f, key, v);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}
