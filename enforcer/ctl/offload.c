// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl offload: `offload check` runs the offload-fit checker
 * (enforcer/loader/offload_check.h) locally, without the daemon: it reads
 * the object and prints the report. Exit 0 fits, 1 does not fit, 2 usage
 * error or an object that cannot be read.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"
#include "enforcer/loader/offload_check.h"

#define OFFCHECK_USAGE                                                        \
	"usage: enforcerctl offload check [--object FILE] [--element-size N]" \
	" [--stack-limit N] [--max-insns N]"

/*
 * @s with control bytes, backslashes and non-ASCII bytes as \xNN, in @buf:
 * names come from a file anyone may have written, and JSON strings must be
 * valid UTF-8.
 */
static const char *ascii_safe(const char *s, char *buf, size_t size)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch >= 0x7f || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	return buf;
}

/* Buffer for ascii_safe(): every byte may take four. */
#define SAFE_MAX (4 * ENF_OFFLOAD_MSG_MAX + 8)

/* The value of option @name at argv[*i], as "--name V" or "--name=V";
 * NULL when argv[*i] is not that option. Sets *missing when V is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
			     bool *missing)
{
	size_t len = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, len))
		return NULL;
	if (a[len] == '=')
		return a + len + 1;
	if (a[len])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static json_t *str_or_null(const char *s)
{
	char buf[SAFE_MAX];

	return s && *s ? json_string(ascii_safe(s, buf, sizeof(buf))) :
			 json_null();
}

static int print_json_report(const struct enf_offload_report *rep)
{
	json_t *root, *arr;
	char *out;

	arr = json_array();
	for (size_t i = 0; arr && i < rep->n; i++) {
		const struct enf_offload_violation *v = &rep->v[i];
		json_t *o = json_pack("{s:s,s:o,s:o,s:o,s:o,s:o}", "kind",
				      enf_offload_kind_name(v->kind), "program",
				      str_or_null(v->program), "insn",
				      v->insn < 0 ? json_null() :
						    json_integer(v->insn),
				      "map", str_or_null(v->map), "helper",
				      str_or_null(v->helper), "message",
				      str_or_null(v->message));

		if (!o || json_array_append_new(arr, o)) {
			json_decref(arr);
			arr = NULL;
		}
	}
	if (!arr)
		return -ENOMEM;
	root = json_pack("{s:o,s:b,s:o,s:I,s:{s:I,s:I,s:I,s:I,s:I},"
			 "s:{s:I,s:I,s:I}}",
			 "object", str_or_null(rep->object), "fits", rep->fits,
			 "violations", arr, "dropped", (json_int_t)rep->dropped,
			 "stats", "insns", (json_int_t)rep->stats.insns,
			 "stack", (json_int_t)rep->stats.stack, "stack_used",
			 (json_int_t)rep->stats.stack_used, "maps",
			 (json_int_t)rep->stats.maps, "programs",
			 (json_int_t)rep->stats.programs, "limits",
			 "element_size", (json_int_t)rep->limits.element_size,
			 "stack_limit", (json_int_t)rep->limits.stack_limit,
			 "max_insns", (json_int_t)rep->limits.max_insns);
	if (!root)
		return -ENOMEM;
	out = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!out)
		return -ENOMEM;
	printf("%s\n", out);
	free(out);
	return 0;
}

static void print_human_report(const struct enf_offload_report *rep)
{
	char buf[SAFE_MAX];

	fputs(ascii_safe(rep->object, buf, sizeof(buf)), stdout);
	if (rep->fits)
		printf(": fits the NFP offload subset\n");
	else
		printf(": does not fit the NFP offload subset (%zu "
		       "violation%s)\n",
		       rep->n + rep->dropped,
		       rep->n + rep->dropped == 1 ? "" : "s");
	for (size_t i = 0; i < rep->n; i++) {
		const struct enf_offload_violation *v = &rep->v[i];

		printf("  %-12s ", enf_offload_kind_name(v->kind));
		if (v->program[0]) {
			fputs(ascii_safe(v->program, buf, sizeof(buf)), stdout);
			if (v->insn >= 0)
				printf(" insn %ld", v->insn);
		} else if (v->map[0]) {
			printf("map %s", ascii_safe(v->map, buf, sizeof(buf)));
		}
		printf(": %s\n", ascii_safe(v->message, buf, sizeof(buf)));
	}
	if (rep->dropped)
		printf("  ... and %zu more\n", rep->dropped);
	printf("programs %u, maps %u, instructions %u (limit %u), stack %u "
	       "bytes as the NFP lays it out (limit %u; the program's own "
	       "frame touches %u), element size %u\n",
	       rep->stats.programs, rep->stats.maps, rep->stats.insns,
	       rep->limits.max_insns, rep->stats.stack, rep->limits.stack_limit,
	       rep->stats.stack_used, rep->limits.element_size);
}

/**
 * ctl_offload_check() - enforcerctl offload check
 * @argc: number of arguments in @argv
 * @argv: "check" (or however the verb was abbreviated), then the options
 * Prints JSON under --json (ctl_opts.json).
 *
 * Checks --object FILE, or the xdp_offload object built into this binary,
 * against the NFP offload subset and prints the report on standard output.
 *
 * Return: the exit status: 0 fits, 1 does not fit, 2 usage error or an
 * object that cannot be read.
 */
int ctl_offload_check(int argc, char **argv)
{
	bool json = ctl_opts.json;

	struct enf_offload_limits lim;
	struct enf_offload_report rep;
	const char *object = NULL;
	char err[512];
	int ret;

	enf_offload_limits_default(&lim);
	for (int i = 1; i < argc; i++) {
		bool missing = false;
		const char *v;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("%s\n", OFFCHECK_USAGE);
			return 0;
		}
		if ((v = opt_value(argc, argv, &i, "--object", &missing))) {
			object = v;
			continue;
		}
		if (!missing && (v = opt_value(argc, argv, &i, "--element-size",
					       &missing))) {
			if (!parse_uint(v, 1, 1u << 20, &lim.element_size)) {
				p_err("--element-size wants bytes, 1 to "
				      "1048576");
				return 2;
			}
			continue;
		}
		if (!missing && (v = opt_value(argc, argv, &i, "--stack-limit",
					       &missing))) {
			if (!parse_uint(v, 0, ENF_OFFLOAD_STACK_MAX,
					&lim.stack_limit)) {
				p_err("--stack-limit wants bytes, 0 to %u (the "
				      "most a firmware can announce)",
				      ENF_OFFLOAD_STACK_MAX);
				return 2;
			}
			continue;
		}
		if (!missing &&
		    (v = opt_value(argc, argv, &i, "--max-insns", &missing))) {
			if (!parse_uint(v, 1, 1000000, &lim.max_insns)) {
				p_err("--max-insns wants a count, 1 to 1000000");
				return 2;
			}
			continue;
		}
		if (missing)
			p_err("%s needs a value; %s", argv[i], OFFCHECK_USAGE);
		else
			p_err("unknown argument '%s'; %s", argv[i],
			      OFFCHECK_USAGE);
		return 2;
	}

	if (object)
		ret = enf_offload_check_file(object, &lim, &rep, err,
					     sizeof(err));
	else
		ret = enf_offload_check_builtin(&lim, &rep, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		enf_offload_report_free(&rep);
		return 2;
	}
	if (json) {
		if (print_json_report(&rep)) {
			p_err("out of memory");
			enf_offload_report_free(&rep);
			return 2;
		}
	} else {
		print_human_report(&rep);
	}
	ret = rep.fits ? 0 : 1;
	enf_offload_report_free(&rep);
	fflush(stdout);
	return ret;
}

static const struct cmd offload_cmds[] = {
	{ "check", ctl_offload_check,
	  "offload check [--object FILE] [--element-size N] [--stack-limit N]"
	  " [--max-insns N]\n"
	  "                          does the XDP object fit the NFP offload "
	  "subset?",
	  NULL },
};

int do_offload(int argc, char **argv)
{
	return run_verbs(offload_cmds,
			 sizeof(offload_cmds) / sizeof(offload_cmds[0]),
			 "offload", argc, argv);
}
