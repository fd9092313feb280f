// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int bench_stat_of(const double *v, size_t n, struct bench_stat *out)
{
	double s[BENCH_MAX_SAMPLES];

	if (n == 0 || n > BENCH_MAX_SAMPLES)
		return -EINVAL;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	out->med = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	out->min = s[0];
	out->max = s[n - 1];
	out->n = n;
	return 0;
}

void bench_ratios(const double *a, const double *b, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		out[i] = b[i] != 0 ? a[i] / b[i] : 0;
}

double bench_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int bench_parse_ulong(const char *opt, const char *s, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr,
			"Error: %s takes a number in %lu..%lu, not '%s'\n", opt,
			lo, hi, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

void bench_summary(const char *name, const char *metric, double value,
		   const char *baseline, const struct bench_stat *ratio)
{
	/* Whole numbers for rates, two decimals for times. */
	printf("bench %s: %s=%.*f baseline=%s ratio=%.3f (median of %zu, %.3f..%.3f)\n",
	       name, metric, value >= 1000 ? 0 : 2, value, baseline, ratio->med,
	       ratio->n, ratio->min, ratio->max);
	fflush(stdout);
}

uint32_t bench_rand(uint64_t *state)
{
	*state = *state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*state >> 33);
}

void bench_put(struct bench_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->buf + t->len, sizeof(t->buf) - t->len, fmt, ap);
	va_end(ap);
	/* the templates are far below BENCH_TEXT_MAX; clamp all the same */
	if (n > 0)
		t->len += (size_t)n < sizeof(t->buf) - t->len ?
				  (size_t)n :
				  sizeof(t->buf) - t->len - 1;
}
