/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the benchmarks in bench/ share: the statistics of a series of
 * samples, a clock, option parsing, and the summary line every benchmark
 * prints once (bench/README.md):
 *
 *   bench <name>: <metric>=<value> baseline=<name> ratio=<x> (median of N, min..max)
 *
 * where <value> is the median of the project's samples, <x> the median of
 * the per-sample ratios (project / baseline, each pair measured back to
 * back), and min..max the spread of those ratios.
 */
#ifndef ENFORCER_BENCH_H
#define ENFORCER_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Exit code of a benchmark that cannot run here (not root, no tool). */
#define BENCH_SKIP 77

/* Samples one series holds at most. */
#define BENCH_MAX_SAMPLES 101

/**
 * struct bench_stat - what a series of samples comes to
 * @med: median (mean of the middle two for an even count)
 * @min: smallest sample
 * @max: largest sample
 * @n: samples
 */
struct bench_stat {
	double med;
	double min;
	double max;
	size_t n;
};

/**
 * bench_stat_of() - median, minimum and maximum of @n samples
 * @v: the samples (not reordered)
 * @n: 1..BENCH_MAX_SAMPLES
 * @out: filled in
 *
 * Return: 0, or -EINVAL for a count out of range.
 */
int bench_stat_of(const double *v, size_t n, struct bench_stat *out);

/**
 * bench_ratios() - per-sample ratios @a[i] / @b[i] of two interleaved series
 * @a: the project's samples
 * @b: the baseline's, taken next to them
 * @n: samples in each
 * @out: @n ratios (0 where @b[i] is 0)
 */
void bench_ratios(const double *a, const double *b, size_t n, double *out);

/* Nanoseconds on @clk (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, ...). */
double bench_now_ns(clockid_t clk);

/**
 * bench_parse_ulong() - a decimal option value within [@lo, @hi]
 * @opt: the option's name, for the message
 * @s: its text
 * @out: the value
 *
 * Return: 0, or -EINVAL (and a message on stderr).
 */
int bench_parse_ulong(const char *opt, const char *s, unsigned long lo,
		      unsigned long hi, unsigned long *out);

/**
 * bench_summary() - print the one line a script reads
 * @name: benchmark ("xdp_cost")
 * @metric: what @value measures ("ns_per_pkt")
 * @value: the project's median
 * @baseline: the baseline's name
 * @ratio: statistics of the per-sample ratios project / baseline
 */
void bench_summary(const char *name, const char *metric, double value,
		   const char *baseline, const struct bench_stat *ratio);

/*
 * Corpus building (bench/http, bench/rules): a fixed pseudo-random sequence
 * (an LCG, the same in every run; quality is no issue), and a request text
 * appended to with printf formats, clamped to its buffer.
 */
uint32_t bench_rand(uint64_t *state);

#define BENCH_TEXT_MAX 16384

struct bench_text {
	char buf[BENCH_TEXT_MAX];
	size_t len;
};

void bench_put(struct bench_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* ENFORCER_BENCH_H */
