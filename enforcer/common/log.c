// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "enforcer/common/log.h"

static enum enf_log_level log_level = ENF_LOG_INFO;
static const char *log_prog = "enforcer";

static const char *const level_names[] = {
	[ENF_LOG_ERROR] = "error",
	[ENF_LOG_WARN] = "warn",
	[ENF_LOG_INFO] = "info",
	[ENF_LOG_DEBUG] = "debug",
};

static void log_vprint(enum enf_log_level level, const char *fmt, va_list ap)
{
	struct timespec ts;
	char line[2048];
	struct tm tm;
	size_t n;
	int m;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(line, sizeof(line), "%H:%M:%S", &tm);
	m = snprintf(line + n, sizeof(line) - n,
		     ".%03ld %s[%s]: ", ts.tv_nsec / 1000000, log_prog,
		     level_names[level]);
	if (m > 0 && (size_t)m < sizeof(line) - n) {
		n += (size_t)m;
		m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
		n = m < 0 ? n : n + (size_t)m;
	}
	/* One write per line, so the threads' lines never interleave; a line
	 * longer than the buffer is cut. */
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	if (n == 0 || line[n - 1] != '\n')
		line[n++] = '\n';
	fwrite(line, 1, n, stderr);
}

void enf_log(enum enf_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

/* libbpf's warnings are ours; its info and debug chatter only at debug. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum enf_log_level l = level == LIBBPF_WARN ? ENF_LOG_WARN :
						      ENF_LOG_DEBUG;

	if (l > log_level)
		return 0;
	log_vprint(l, fmt, ap);
	return 0;
}

void enf_log_init(enum enf_log_level level, const char *prog)
{
	log_level = level;
	if (prog)
		log_prog = prog;
	libbpf_set_print(libbpf_print);
}

void enf_log_set_level(enum enf_log_level level)
{
	log_level = level;
}

enum enf_log_level enf_log_get_level(void)
{
	return log_level;
}

int enf_log_level_parse(const char *s, enum enf_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum enf_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}
