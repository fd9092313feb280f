/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * CLOCK_MONOTONIC in nanoseconds: the deadlines, periods and latencies of
 * the daemon's threads (never wall time).
 */
#ifndef ENFORCER_COMMON_CLOCK_H
#define ENFORCER_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t enf_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
