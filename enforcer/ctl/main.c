// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl: the command line of enforcer. Every command but `offload
 * check` is a request to enforcerd over its control socket; the daemon owns
 * the database and the kernel objects. One file per object.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/build_config.h"
#include "enforcer/ctl/ctl.h"

struct ctl_opts ctl_opts = { .socket = ENF_DEFAULT_SOCKET };

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (ctl_opts.json)
		printf("{\"version\":\"%s\"}\n", ENF_VERSION);
	else
		printf("enforcerctl %s\n", ENF_VERSION);
	return EXIT_SUCCESS;
}

static int do_help(int argc, char **argv);

/* Objects with verbs answer OBJECT --help themselves (run_verbs), and so
 * does stats; the others' help is here. */
static const struct cmd objects[] = {
	{ "status", do_status, "status",
	  "The daemon: version, pid and uptime; each interface with its XDP\n"
	  "mode and offload state and its counters; deny entries per map;\n"
	  "egress; rules loaded and their engines; the TLS libraries attached\n"
	  "and the capture's counters; requests, responses, HTTP/2; loss\n"
	  "counters; the allowlist." },
	{ "stats", do_stats, NULL, NULL },
	{ "rule", do_rule, NULL, NULL },
	{ "block", do_block, NULL, NULL },
	{ "audit", do_audit, NULL, NULL },
	{ "reload", do_reload, "reload",
	  "Reads enforcerd's configuration file again, then rebuilds the rule\n"
	  "set from the rules directory and the database and reads the TLS\n"
	  "offset table again, each all or nothing: a configuration that does\n"
	  "not parse refuses the reload, a rule that does not compile leaves\n"
	  "the running set in place. log_level and rules_dir take effect at\n"
	  "once; any other key that changed is named and waits for a restart.\n"
	  "SIGHUP to enforcerd does the same (and reopens the audit export\n"
	  "file)." },
	{ "offload", do_offload, NULL, NULL },
	{ "version", do_version, "version",
	  "enforcerctl's version (with --json, as {\"version\": ...})." },
	{ "help", do_help, "help", "This list of commands." },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: enforcerctl [OPTIONS] OBJECT VERB [ARGS]\n"
		"\n"
		"Commands (objects and verbs may be abbreviated):\n"
		"  status                    daemon, interfaces, XDP counters, "
		"rules, capture\n"
		"  stats [--prometheus]      counters and the verdict latency "
		"histogram\n");
	for (size_t i = 0; i < ctl_rule_ncmds; i++)
		fprintf(out, "  %s\n", ctl_rule_cmds[i].usage);
	for (size_t i = 0; i < ctl_block_ncmds; i++)
		fprintf(out, "  %s\n", ctl_block_cmds[i].usage);
	for (size_t i = 0; i < ctl_audit_ncmds; i++)
		fprintf(out, "  %s\n", ctl_audit_cmds[i].usage);
	fprintf(out,
		"  offload check [--object FILE]  does the XDP object fit the NFP "
		"offload\n"
		"                            subset? (local: needs no daemon)\n"
		"  reload                    read the configuration again, "
		"rebuild the rule\n"
		"                            set (as SIGHUP)\n"
		"  version                   print the version\n"
		"\n"
		"Options:\n"
		"  -s, --socket PATH  enforcerd's control socket (default "
		"%s)\n"
		"  -j, --json         machine-readable output\n"
		"  -h, --help         this help\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n",
		ENF_DEFAULT_SOCKET);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct cmd *c;
	int opt;

	while ((opt = getopt_long(argc, argv, "+s:jh", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			ctl_opts.socket = optarg;
			break;
		case 'j':
			ctl_opts.json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c = cmd_select(objects, sizeof(objects) / sizeof(objects[0]),
		       argv[optind], "object");
	if (!c)
		return EXIT_USAGE;
	if (c->help && argc - optind >= 2 &&
	    (!strcmp(argv[optind + 1], "--help") ||
	     !strcmp(argv[optind + 1], "-h"))) {
		printf("Usage: enforcerctl [OPTIONS] %s\n\n%s\n", c->usage,
		       c->help);
		return EXIT_SUCCESS;
	}
	return c->fn(argc - optind, argv + optind);
}
