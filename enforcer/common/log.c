// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Longest message kept whole (libbpf's verifier logs run long); past it the
 * message is cut. */
#define LOG_MSG_MAX (1u << 20)

static void log_vprint(enum enf_log_level level, const char *fmt, va_list ap)
{
	char line[2048], *buf = line;
	size_t size = sizeof(line), n, head;
	struct timespec ts;
	struct tm tm;
	va_list again;
	int m;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	head = strftime(line, sizeof(line), "%H:%M:%S", &tm);
	m = snprintf(line + head, sizeof(line) - head,
		     ".%03ld %s[%s]: ", ts.tv_nsec / 1000000, log_prog,
		     level_names[level]);
	head += m > 0 ? (size_t)m : 0;
	va_copy(again, ap);
	m = vsnprintf(line + head, sizeof(line) - head, fmt, ap);
	/* Too long for the stack: format once more on the heap, up to a cap,
	 * so that a verifier log keeps its last line, the reason. */
	if (m >= 0 && (size_t)m + 2 > sizeof(line) - head) {
		size = head + (m < (int)LOG_MSG_MAX ? (size_t)m : LOG_MSG_MAX) +
		       2;
		buf = malloc(size);
		if (buf) {
			memcpy(buf, line, head);
			vsnprintf(buf + head, size - head - 1, fmt, again);
		} else {
			buf = line;
			size = sizeof(line);
		}
	}
	va_end(again);
	n = m < 0 ? head : head + (size_t)m;
	if (n > size - 2)
		n = size - 2;
	if (n == 0 || buf[n - 1] != '\n')
		buf[n++] = '\n';
	/* One write per message, so the threads' lines never interleave. */
	fwrite(buf, 1, n, stderr);
	if (buf != line)
		free(buf);
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
