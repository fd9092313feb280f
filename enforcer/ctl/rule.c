// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl rule: add and list (test and lint: rule_offline.c). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"
#include "enforcer/control/proto.h"

/* --- rule --- */

static int do_rule_add(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "shadow", no_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *file = NULL;
	char *text = NULL;
	size_t len = 0;
	json_t *res, *r;
	bool shadow = false;
	FILE *f;
	size_t i;
	int c;

	/* argv[0] is the verb; glibc restarts getopt when optind is 0. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "+f:", lo, NULL)) != -1) {
		if (c == 'S')
			shadow = true;
		else if (c == 'f')
			file = optarg;
		else
			return EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if ((file && argc > 0) || (!file && argc != 1)) {
		p_err("usage: enforcerctl rule add [--shadow] 'SecRule ...' | "
		      "-f FILE | -");
		return EXIT_USAGE;
	}
	if (!file && strcmp(argv[0], "-") == 0)
		file = "-";
	if (file) {
		f = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (!f) {
			p_err("%s: %s", file, strerror(errno));
			return EXIT_FAILURE;
		}
		text = read_stream(f, ENF_CTL_MAX_REQUEST / 2, &len);
		if (f != stdin)
			fclose(f);
		if (!text) {
			p_err("%s: unreadable or larger than %u bytes", file,
			      ENF_CTL_MAX_REQUEST / 2);
			return EXIT_FAILURE;
		}
	} else {
		text = strdup(argv[0]);
		if (!text)
			return EXIT_FAILURE;
		len = strlen(text);
	}
	res = call("rule.add",
		   json_pack("{s:s%,s:s,s:s}", "text", text, len, "source",
			     file ? file : "enforcerctl", "mode",
			     shadow ? "shadow" : "enforce"));
	free(text);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json) {
		print_json(res);
	} else {
		json_array_foreach(json_object_get(res, "added"), i, r) {
			printf("added rule %lld (%s): %s\n", jint(r, "id"),
			       jstr(r, "mode"), jstr(r, "msg"));
		}
		printf("rule set now has %lld rules, active in enforcerd\n",
		       jint(res, "loaded"));
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_rule_list(int argc, char **argv)
{
	json_t *res, *r;
	size_t i;

	(void)argv;
	if (argc > 1) {
		p_err("'rule list' takes no arguments");
		return EXIT_USAGE;
	}
	res = call("rule.list", NULL);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json) {
		print_json(res);
	} else {
		printf("%-10s %-9s %-10s %-8s %-28s %s\n", "ID", "ENGINE",
		       "ACTION", "MODE", "ORIGIN", "MSG");
		json_array_foreach(json_object_get(res, "rules"), i, r) {
			printf("%-10lld %-9s %-10s %-8s %-28.28s %s\n",
			       jint(r, "id"), jstr(r, "engine"),
			       jstr(r, "action"), jstr(r, "mode"),
			       jstr(r, "origin"), jstr(r, "msg"));
		}
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

/* The one ID argument of show, enable, disable and delete; 0 if invalid. */
static long long rule_id_arg(int argc, char **argv, const char *verb)
{
	char *end;
	long long id;

	if (argc != 2) {
		p_err("usage: enforcerctl rule %s ID", verb);
		return 0;
	}
	errno = 0;
	id = strtoll(argv[1], &end, 10);
	if (errno || *end || id < 1 || id > 4294967295LL) {
		p_err("rule %s: '%s' is not a rule id (1 to 4294967295)", verb,
		      argv[1]);
		return 0;
	}
	return id;
}

static int do_rule_show(int argc, char **argv)
{
	long long id = rule_id_arg(argc, argv, "show");
	json_t *res, *a, *db, *l;
	size_t i;

	if (!id)
		return EXIT_USAGE;
	res = call("rule.show", json_pack("{s:I}", "id", (json_int_t)id));
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json) {
		print_json(res);
		json_decref(res);
		return EXIT_SUCCESS;
	}
	a = json_object_get(res, "active");
	db = json_object_get(res, "database");
	if (json_is_null(a))
		a = NULL;
	if (json_is_null(db))
		db = NULL;
	printf("rule %lld: %s\n", id,
	       a ? "active" : "not active (disabled in the database)");
	if (a) {
		printf("  msg:      %s\n", jstr(a, "msg"));
		printf("  action:   %s, mode %s\n", jstr(a, "action"),
		       jstr(a, "mode"));
		printf("  engine:   %s: %s\n", jstr(a, "engine"),
		       jstr(a, "why"));
		json_array_foreach(json_object_get(a, "links"), i, l)
			printf("  link %zu:   %s: %s\n", i + 1,
			       jstr(l, "engine"), jstr(l, "why"));
		printf("  origin:   %s:%lld\n", jstr(a, "origin"),
		       jint(a, "line"));
	}
	if (db)
		printf("  database: %s, mode %s, source %s, created %lld, "
		       "updated %lld\n",
		       json_is_true(json_object_get(db, "enabled")) ?
			       "enabled" :
			       "disabled",
		       jstr(db, "mode"), jstr(db, "source"),
		       jint(db, "created"), jint(db, "updated"));
	printf("%s\n", jstr(a ? a : db, "text"));
	json_decref(res);
	return EXIT_SUCCESS;
}

/* enable, disable, delete: a rule of the database, and the set reloaded. */
static int rule_change(int argc, char **argv, const char *verb)
{
	long long id = rule_id_arg(argc, argv, verb);
	char cmd[32];
	json_t *res;

	if (!id)
		return EXIT_USAGE;
	snprintf(cmd, sizeof(cmd), "rule.%s", verb);
	res = call(cmd, json_pack("{s:I}", "id", (json_int_t)id));
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json)
		print_json(res);
	else
		printf("rule %lld %sd; rule set now has %lld rules, active in "
		       "enforcerd\n",
		       id, verb, jint(res, "loaded"));
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_rule_enable(int argc, char **argv)
{
	return rule_change(argc, argv, "enable");
}

static int do_rule_disable(int argc, char **argv)
{
	return rule_change(argc, argv, "disable");
}

static int do_rule_delete(int argc, char **argv)
{
	return rule_change(argc, argv, "delete");
}

const struct cmd ctl_rule_cmds[] = {
	{ "add", do_rule_add,
	  "rule add [--shadow] 'SecRule ...' | -f FILE | -   validate, store "
	  "and load rules (--shadow: audited, not enforced)" },
	{ "list", do_rule_list,
	  "rule list                 rules loaded in "
	  "the daemon" },
	{ "show", do_rule_show,
	  "rule show ID              a rule: text, engine and why, mode, "
	  "origin, database row" },
	{ "enable", do_rule_enable,
	  "rule enable ID            enable a rule of the database, reload" },
	{ "disable", do_rule_disable,
	  "rule disable ID           disable a rule of the database, reload" },
	{ "delete", do_rule_delete,
	  "rule delete ID            delete a rule of the database, reload" },
	{ "test", do_rule_test,
	  "rule test [-c CONF | -r RULES...] [FILE | -]   match the HTTP/1.1 "
	  "requests in FILE offline: rules, variables, values" },
	{ "lint", do_rule_lint,
	  "rule lint [-c CONF | -r RULES...]   each rule's engine, and why" },
};

const size_t ctl_rule_ncmds = sizeof(ctl_rule_cmds) / sizeof(ctl_rule_cmds[0]);

int do_rule(int argc, char **argv)
{
	return run_verbs(ctl_rule_cmds, ctl_rule_ncmds, "rule", argc, argv);
}
