/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging for the daemon and the CLI: one process-wide level, printf-checked
 * macros, libbpf's messages routed through the same place. Library code
 * (rules/, policydb/, enforcer/http/) does not log.
 */
#ifndef ENFORCER_LOG_H
#define ENFORCER_LOG_H

#include <stdarg.h>

enum enf_log_level {
	ENF_LOG_ERROR = 0,
	ENF_LOG_WARN,
	ENF_LOG_INFO,
	ENF_LOG_DEBUG,
};

/**
 * enf_log_init() - set the level and the line prefix, route libbpf's output
 * @level: messages above it are dropped
 * @prog: prefix of every line ("enforcerd")
 */
void enf_log_init(enum enf_log_level level, const char *prog);
void enf_log_set_level(enum enf_log_level level);
enum enf_log_level enf_log_get_level(void);

/* Parses "error", "warn", "info", "debug"; returns -EINVAL otherwise. */
int enf_log_level_parse(const char *s, enum enf_log_level *out);

void enf_log(enum enf_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_err(fmt, ...) enf_log(ENF_LOG_ERROR, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) enf_log(ENF_LOG_WARN, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) enf_log(ENF_LOG_INFO, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) enf_log(ENF_LOG_DEBUG, fmt, ##__VA_ARGS__)

#endif /* ENFORCER_LOG_H */
