// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl block: add, remove and list deny entries. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"

#define BLOCK_USAGE                                                      \
	"usage: enforcerctl block add [--reason TEXT] [--ttl SECONDS] "  \
	"KIND KEY\n"                                                     \
	"       enforcerctl block del KIND KEY\n"                        \
	"  KIND KEY: src ADDR | cidr ADDR/LEN | flow tcp|udp PEER:PORT " \
	"LOCAL:PORT\n"                                                   \
	"  (IPv6 endpoints as [ADDR]:PORT; the peer is the flow's source)"

/*
 * Sends @cmd ("block.add" or "block.del") for "KIND KEY..." in argv; the
 * key's words are joined by single spaces (a flow has three).
 */
static int block_change(const char *cmd, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ "ttl", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *reason = NULL;
	long long ttl = -1;
	char *end;
	char key[256] = "";
	json_t *args, *res;
	size_t len = 0;
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+r:t:", longopts, NULL)) != -1) {
		if (c == 'r') {
			reason = optarg;
		} else if (c == 't' && !strcmp(cmd, "block.add")) {
			errno = 0;
			ttl = strtoll(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno ||
			    ttl > 31536000) {
				p_err("--ttl: seconds from 0 to 31536000 (a "
				      "year; 0: no expiry), not '%s'",
				      optarg);
				return EXIT_USAGE;
			}
		} else {
			p_err(BLOCK_USAGE);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		p_err(BLOCK_USAGE);
		return EXIT_USAGE;
	}
	for (int i = optind + 1; i < argc; i++) {
		int n = snprintf(key + len, sizeof(key) - len, "%s%s",
				 len ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(key) - len) {
			p_err("the key is too long");
			return EXIT_USAGE;
		}
		len += (size_t)n;
	}
	args = json_pack("{s:s,s:s}", "kind", argv[optind], "key", key);
	if (args && reason)
		json_object_set_new(args, "reason", json_string(reason));
	if (args && ttl >= 0)
		json_object_set_new(args, "ttl", json_integer(ttl));
	res = call(cmd, args);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json)
		print_json(res);
	else if (strcmp(cmd, "block.add") == 0)
		printf("denied %s %s: host maps%s; NIC maps of %lld "
		       "interface(s); spilled to the host for %lld; %s\n",
		       jstr(res, "kind"), jstr(res, "key"),
		       json_is_true(json_object_get(res, "host")) ? "" :
								    " (no)",
		       jint(res, "nic"), jint(res, "spilled"),
		       jint(res, "ttl") ? "expires in the ttl given" :
					  "no expiry");
	else
		printf("removed %s %s\n", jstr(res, "kind"), jstr(res, "key"));
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_block_add(int argc, char **argv)
{
	return block_change("block.add", argc, argv);
}

static int do_block_del(int argc, char **argv)
{
	return block_change("block.del", argc, argv);
}

static int do_block_list(int argc, char **argv)
{
	json_t *res, *b;
	size_t i;

	(void)argv;
	if (argc > 1) {
		p_err("'block list' takes no arguments");
		return EXIT_USAGE;
	}
	res = call("block.list", NULL);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json) {
		print_json(res);
	} else {
		printf("%-6s %-40s %-8s %-5s %-8s %-20s %-10s %s\n", "KIND",
		       "KEY", "RULE", "POINT", "ENFORCED", "CREATED", "EXPIRES",
		       "REASON");
		json_array_foreach(json_object_get(res, "entries"), i, b) {
			long long exp = jint(b, "expires"),
				  left = exp - (long long)time(NULL);
			char in[24];

			if (!exp)
				snprintf(in, sizeof(in), "never");
			else
				snprintf(in, sizeof(in), "in %llds",
					 left > 0 ? left : 0);
			printf("%-6s %-40s %-8lld %-5s %-8s %-20s %-10s %s",
			       jstr(b, "kind"), jstr(b, "key"),
			       jint(b, "rule_id"), jstr(b, "point"),
			       json_is_true(json_object_get(b, "enforced")) ?
				       "yes" :
				       "NO",
			       jstr(b, "created"), in, jstr(b, "reason"));
			/* an egress entry's cgroup, by its path */
			if (*jstr(b, "cgroup"))
				printf(" (cgroup %s)", jstr(b, "cgroup"));
			printf("\n");
		}
		if (json_is_true(json_object_get(res, "truncated")))
			printf("(list cut; enforcerctl audit query over the "
			       "blocklist table shows all)\n");
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_block_verify(int argc, char **argv)
{
	static const char *const kinds[] = { "missing", "unknown", "expired" };
	json_t *res, *e;
	size_t i, drift;

	(void)argv;
	if (argc > 1) {
		p_err("'block verify' takes no arguments");
		return EXIT_USAGE;
	}
	res = call("block.verify", NULL);
	if (!res)
		return EXIT_FAILURE;
	drift = json_array_size(json_object_get(res, "missing")) +
		json_array_size(json_object_get(res, "unknown"));
	if (ctl_opts.json) {
		print_json(res);
	} else {
		if (drift)
			printf("drift: %zu blocklist entries missing from the "
			       "maps, %zu entries in the maps the blocklist "
			       "does not hold (not repaired: enforcerd repairs "
			       "at start)\n",
			       json_array_size(json_object_get(res, "missing")),
			       json_array_size(
				       json_object_get(res, "unknown")));
		else
			printf("in sync: the maps hold the %lld active "
			       "blocklist entries and nothing else\n",
			       jint(res, "checked"));
		for (size_t k = 0; k < 3; k++)
			json_array_foreach(json_object_get(res, kinds[k]), i, e)
				printf("%-8s %s\n", kinds[k],
				       json_string_value(e));
		if (json_array_size(json_object_get(res, "expired")))
			printf("(expired: ttl up, lifted by the sweeper within "
			       "a second)\n");
	}
	json_decref(res);
	return drift ? EXIT_FAILURE : EXIT_SUCCESS;
}

const struct cmd ctl_block_cmds[] = {
	{ "add", do_block_add,
	  "block add [--ttl S] KIND KEY  deny: src ADDR | cidr ADDR/LEN |\n"
	  "                            flow tcp|udp PEER:PORT LOCAL:PORT;\n"
	  "                            --ttl: lifted after S seconds",
	  NULL },
	{ "del", do_block_del,
	  "block del KIND KEY        remove a deny entry (egress too:\n"
	  "                            egress DEST:PORT|DEST:* CGROUP_ID)",
	  NULL },
	{ "verify", do_block_verify,
	  "block verify              drift between the kernel's maps and the\n"
	  "                            blocklist, not repaired (exit 1 on drift)",
	  NULL },
	{ "list", do_block_list,
	  "block list                active deny entries, and whether the "
	  "kernel holds them",
	  NULL },
};

const size_t ctl_block_ncmds =
	sizeof(ctl_block_cmds) / sizeof(ctl_block_cmds[0]);

int do_block(int argc, char **argv)
{
	return run_verbs(ctl_block_cmds, ctl_block_ncmds, "block", argc, argv);
}
