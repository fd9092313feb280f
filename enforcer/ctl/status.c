// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl status and reload. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"

/* " name=value" for every counter of @o that is not zero; "(none)" else. */
static void print_counters(const json_t *o)
{
	const char *key;
	json_t *v;
	bool any = false;

	json_object_foreach((json_t *)o, key, v) {
		if (json_integer_value(v) == 0)
			continue;
		printf(" %s=%lld", key, (long long)json_integer_value(v));
		any = true;
	}
	if (!any)
		printf(" (none yet)");
	printf("\n");
}

/* @title, then " name=value" for every counter of @o, zero or not; nothing
 * when the daemon did not send @o (an older one). */
static void print_all(const char *title, const json_t *o)
{
	const char *key;
	json_t *v;

	if (!o)
		return;
	printf("%s", title);
	json_object_foreach((json_t *)o, key, v) {
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	}
	printf("\n");
}

static void print_interface(const json_t *it)
{
	const json_t *nic = json_object_get(it, "nic");
	const json_t *cap = json_object_get(nic, "capacity");
	const json_t *ent = json_object_get(nic, "entries");

	printf("  %s (ifindex %lld, driver %s): %s\n", jstr(it, "name"),
	       jint(it, "ifindex"),
	       *jstr(it, "driver") ? jstr(it, "driver") : "?",
	       json_is_true(json_object_get(it, "offloaded")) ?
		       "hw: xdp_offload in the NIC, xdp_host in the driver" :
	       strcmp(jstr(it, "mode"), "native") == 0 ?
		       "native: xdp_host in the driver" :
		       "generic: xdp_host in the stack");
	if (nic) {
		printf("    NIC maps (entries/capacity): src4 %lld/%lld, "
		       "src6 %lld/%lld, flow %lld/%lld; spilled to the host: "
		       "%lld\n",
		       jint(ent, "src4"), jint(cap, "src4"), jint(ent, "src6"),
		       jint(cap, "src6"), jint(ent, "flow"), jint(cap, "flow"),
		       jint(it, "spilled"));
		printf("    NIC counters:");
		print_counters(json_object_get(nic, "counters"));
	}
	printf("    host counters:");
	print_counters(json_object_get(it, "counters"));
}

static void print_status(const json_t *st)
{
	const json_t *v, *item;
	const char *key;
	size_t i;

	printf("enforcerd %s, up %llds, pid %lld\n", jstr(st, "version"),
	       jint(st, "uptime_s"), jint(st, "pid"));
	printf("interfaces:\n");
	json_array_foreach(json_object_get(st, "interfaces"), i, item)
		print_interface(item);
	if (i == 0)
		printf("  (none configured)\n");
	printf("xdp counters, all interfaces:");
	json_object_foreach((json_t *)json_object_get(st, "xdp_counters"), key,
			    v) {
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	}
	v = json_object_get(st, "deny_entries");
	printf("\nhost deny entries: src4=%lld src6=%lld flow=%lld cidr4=%lld "
	       "cidr6=%lld spill=%lld; expired (ttl) since start: %lld\n",
	       jint(v, "src4"), jint(v, "src6"), jint(v, "flow"),
	       jint(v, "cidr4"), jint(v, "cidr6"), jint(v, "spill"),
	       jint(v, "expired"));
	{
		json_t *al = json_object_get(st, "allowlist"), *item;
		const char *mgmt = json_string_value(
			json_object_get(al, "mgmt_interface"));
		size_t i;

		printf("allowlist (never denied):");
		json_array_foreach(json_object_get(al, "prefixes"), i, item)
			printf(" %s", json_string_value(item));
		if (!json_array_size(json_object_get(al, "prefixes")))
			printf(" none");
		if (mgmt)
			printf(" (management network: %s)", mgmt);
		printf("\n");
	}
	{
		json_t *sb = json_object_get(st, "sandbox"), *item;
		size_t i;

		if (sb) {
			printf("sandbox: %s, ", jstr(sb, "mode"));
			if (json_is_true(json_object_get(sb, "filter")))
				printf("%lld system calls admitted, %lld "
				       "refused since start; ",
				       jint(sb, "syscalls_allowed"),
				       jint(sb, "refused"));
			else
				printf("no system call filter; ");
			printf("capabilities of the event thread:");
			json_array_foreach(json_object_get(sb, "capabilities"),
					   i, item)
				printf(" %s", json_string_value(item) ?
						      json_string_value(item) :
						      "?");
			printf("\n");
		}
	}
	{
		const json_t *eg = json_object_get(st, "egress");

		if (json_is_true(json_object_get(eg, "enforced")))
			printf("egress (enforce:egress): connect programs on "
			       "cgroup %s; %lld/%lld entries; denied "
			       "connect()s %lld (deny4=%lld deny6=%lld "
			       "deny_mapped=%lld); lifted, cgroup gone: "
			       "%lld\n",
			       jstr(eg, "cgroup"), jint(eg, "entries"),
			       jint(eg, "capacity"), jint(eg, "denied_total"),
			       jint(json_object_get(eg, "denied"), "deny4"),
			       jint(json_object_get(eg, "denied"), "deny6"),
			       jint(json_object_get(eg, "denied"),
				    "deny_mapped"),
			       jint(eg, "cgroup_gone"));
		else if (eg)
			printf("egress (enforce:egress): not enforced (%s)\n",
			       jstr(eg, "error"));
	}
	v = json_object_get(v, "fast4");
	printf("host src4 fast table: %lld/%lld slots used, %lld deleted, "
	       "%lld overflowed to deny_src4, %lld moved\n",
	       jint(v, "used"), jint(v, "slots"), jint(v, "tombs"),
	       jint(v, "overflow"), jint(v, "moves"));
	v = json_object_get(st, "rules");
	printf("rules: %lld loaded (%lld from files, %lld from the database), "
	       "%lld values from the memo\n",
	       jint(v, "loaded"), jint(v, "from_files"),
	       jint(v, "from_database"), jint(v, "memo_hits"));
	v = json_object_get(st, "tls");
	printf("tls capture: events=%lld%s%s\n", jint(v, "events"),
	       *jstr(v, "error") ? "; " : "", jstr(v, "error"));
	json_array_foreach(json_object_get(v, "libraries"), i, item) {
		long long pid = jint(item, "pid");

		printf("  %-9s %-16s %s (%s%s, %s, users %lld",
		       jstr(item, "lib"),
		       *jstr(item, "version") ? jstr(item, "version") : "-",
		       jstr(item, "path"),
		       json_is_true(json_object_get(item, "static")) ?
			       "static, " :
			       "",
		       json_is_true(json_object_get(item, "system")) ?
			       "system" :
			       "found in a process",
		       jstr(item, "how"), jint(item, "users"));
		if (pid > 0)
			printf(", pid %lld only", pid);
		printf(")\n");
	}
	if (i == 0)
		printf("  (nothing attached)\n");
	printf("  counters:");
	json_object_foreach((json_t *)json_object_get(v, "counters"), key,
			    item) {
		printf(" %s=%lld", key, (long long)json_integer_value(item));
	}
	printf("\n  lost per CPU:");
	json_array_foreach(json_object_get(v, "lost_per_cpu"), i, item) {
		printf(" %lld", (long long)json_integer_value(item));
	}
	printf("; capture-loss audit rows: %lld\n", jint(v, "loss_rows"));
	v = json_object_get(st, "requests");
	printf("requests: parsed=%lld outbound=%lld anomalous=%lld "
	       "matched=%lld verdicts=%lld denied=%lld killed=%lld "
	       "kill_errors=%lld resets=%lld reset_errors=%lld "
	       "suppressed=%lld pending=%lld escalated=%lld "
	       "not_enforced=%lld shadowed=%lld audited=%lld\n",
	       jint(v, "parsed"), jint(v, "outbound"), jint(v, "anomalous"),
	       jint(v, "matched"), jint(v, "verdicts"), jint(v, "denied"),
	       jint(v, "killed"), jint(v, "kill_errors"), jint(v, "resets"),
	       jint(v, "reset_errors"), jint(v, "suppressed"),
	       jint(v, "pending"), jint(v, "escalated"),
	       jint(v, "not_enforced"), jint(v, "shadowed"),
	       jint(v, "audited"));
	print_all("responses:", json_object_get(st, "responses"));
	print_all("http2:", json_object_get(st, "http2"));
	print_all("not inspected or lost:", json_object_get(st, "loss"));
}

int do_status(int argc, char **argv)
{
	json_t *res;

	(void)argv;
	if (argc > 1) {
		p_err("'status' takes no arguments");
		return EXIT_USAGE;
	}
	res = call("status", NULL);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json)
		print_json(res);
	else
		print_status(res);
	json_decref(res);
	return EXIT_SUCCESS;
}

int do_reload(int argc, char **argv)
{
	json_t *res;

	(void)argv;
	if (argc > 1) {
		p_err("'reload' takes no arguments");
		return EXIT_USAGE;
	}
	res = call("reload", NULL);
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json)
		print_json(res);
	else {
		json_t *keys = json_object_get(res, "restart_needed"), *k;
		size_t i;

		printf("rules reloaded: %lld active\n", jint(res, "loaded"));
		if (json_array_size(keys)) {
			printf("configuration: changed, taking effect at the "
			       "next start:");
			json_array_foreach(keys, i, k)
				printf(" %s", json_string_value(k));
			printf("\n");
		}
	}
	json_decref(res);
	return EXIT_SUCCESS;
}
