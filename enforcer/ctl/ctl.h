/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What enforcerctl's per-object files share. */
#ifndef ENFORCER_CTL_H
#define ENFORCER_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Exit codes: 0 success, 1 failure (EXIT_FAILURE), 2 usage. */
#define EXIT_USAGE 2

/* Parsed global options: the only mutable state shared between files. */
struct ctl_opts {
	const char *socket;
	bool json;
};
extern struct ctl_opts ctl_opts;

/* A command: its name, its handler (argv[0] is the command's own name), a
 * line of help, and optionally more (printed by OBJECT VERB --help). */
struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
	const char *help;
};

/* Prints "Error: ..." on stderr, or {"error": ...} on stdout under --json. */
void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The command @name names, by unambiguous prefix; NULL after p_err(). */
const struct cmd *cmd_select(const struct cmd *cmds, size_t n, const char *name,
			     const char *what);

/* Dispatches argv[1] among @cmds (argv[0] is the object). OBJECT --help
 * lists the verbs; OBJECT VERB --help prints the verb's help. */
int run_verbs(const struct cmd *cmds, size_t n, const char *obj, int argc,
	      char **argv);

/* Sends @cmd to the daemon (steals @args) and returns the reply's result,
 * or NULL after p_err(). */
json_t *call(const char *cmd, json_t *args);

void print_json(const json_t *v);

/* All of @f, at most @max bytes, NUL-terminated (*@len bytes before the
 * NUL); NULL on a read error or when larger. */
char *read_stream(FILE *f, size_t max, size_t *len);

/* A whole decimal number in [@min, @max] (@max <= UINT_MAX) in *@out: digits
 * only, no blank or sign; false for anything else, NULL included. */
bool parse_uint(const char *s, unsigned long min, unsigned long max,
		unsigned int *out);

/* @s with control bytes as \xNN, malloc'd; NULL when out of memory. */
char *term_safe(const char *s);
/* @key of @o, terminal-safe, "" when absent; valid for eight more calls. */
const char *jstr(const json_t *o, const char *key);
long long jint(const json_t *o, const char *key);

/* The objects. */
int do_status(int argc, char **argv);
int do_stats(int argc, char **argv);
int do_reload(int argc, char **argv);
int do_rule(int argc, char **argv);
/* rule test and rule lint, offline (rule_offline.c): argv[0] is the verb */
int do_rule_test(int argc, char **argv);
int do_rule_lint(int argc, char **argv);
int do_block(int argc, char **argv);
int do_audit(int argc, char **argv);
int do_offload(int argc, char **argv);
/* offload check, also called by its test: argv[0] is the verb. */
int ctl_offload_check(int argc, char **argv);

extern const struct cmd ctl_rule_cmds[];
extern const size_t ctl_rule_ncmds;
extern const struct cmd ctl_block_cmds[];
extern const size_t ctl_block_ncmds;
extern const struct cmd ctl_audit_cmds[];
extern const size_t ctl_audit_ncmds;

#endif /* ENFORCER_CTL_H */
