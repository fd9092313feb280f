// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl: the command line of enforcer. Every command is a request to
 * enforcerd over its control socket; the daemon owns the database and the
 * kernel objects.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "enforcer/build_config.h"
#include "enforcer/control/proto.h"

#define EXIT_USAGE 2

/* Parsed global options: the only mutable state outside main(). */
static struct {
	const char *socket;
	bool json;
} opts = { .socket = ENF_DEFAULT_SOCKET };

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *usage;
};

static void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void p_err(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (opts.json) {
		json_t *o = json_pack("{s:s}", "error", msg);
		char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

		printf("%s\n", s ? s : "{\"error\":\"out of memory\"}");
		free(s);
		json_decref(o);
	} else {
		fprintf(stderr, "Error: %s\n", msg);
	}
}

static bool is_prefix(const char *pfx, const char *str)
{
	return pfx[0] && strncmp(str, pfx, strlen(pfx)) == 0;
}

/*
 * Finds the command @name names, by prefix; an ambiguous prefix is refused.
 * Returns NULL after printing why.
 */
static const struct cmd *cmd_select(const struct cmd *cmds, size_t n,
				    const char *name, const char *what)
{
	const struct cmd *found = NULL;

	for (size_t i = 0; i < n; i++) {
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
		if (is_prefix(name, cmds[i].name)) {
			if (found) {
				p_err("'%s' is ambiguous: %s or %s", name,
				      found->name, cmds[i].name);
				return NULL;
			}
			found = &cmds[i];
		}
	}
	if (!found)
		p_err("unknown %s '%s'; try 'enforcerctl help'", what, name);
	return found;
}

/*
 * Sends @cmd and returns the reply's "result" (a new reference) or NULL
 * after printing the error. Steals @args.
 */
static json_t *call(const char *cmd, json_t *args)
{
	char err[512];
	json_t *reply, *result;
	const char *msg;
	int ret;

	ret = enf_ctl_call(opts.socket, cmd, args, &reply, err, sizeof(err));
	if (ret) {
		p_err("%s", err);
		return NULL;
	}
	msg = json_string_value(json_object_get(reply, "error"));
	if (msg) {
		p_err("%s", msg);
		json_decref(reply);
		return NULL;
	}
	result = json_object_get(reply, "result");
	json_incref(result);
	json_decref(reply);
	if (!result)
		p_err("enforcerd sent a reply without a result");
	return result;
}

static void print_json(const json_t *v)
{
	char *s = json_dumps(v, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	printf("%s\n", s ? s : "null");
	free(s);
}

/*
 * A copy of @s safe to print on a terminal: control bytes (which a peer can
 * put in a URI or a header that lands in the audit log) become \xNN, so
 * they cannot move the cursor, retitle the window or clear the screen.
 * malloc'd; NULL when out of memory.
 */
static char *term_safe(const char *s)
{
	size_t n = 0;
	char *out, *p;

	for (const char *c = s; *c; c++)
		n += ((unsigned char)*c < 0x20 || *c == 0x7f) ? 4 : 1;
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (p = out; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
		else
			*p++ = *s;
	}
	*p = '\0';
	return out;
}

/*
 * @key of @o as a string safe for the terminal; "" when absent. Valid until
 * eight more calls have been made (a ring of buffers: printf arguments).
 */
static const char *jstr(const json_t *o, const char *key)
{
	static char *ring[8];
	static unsigned int next;
	const char *s = json_string_value(json_object_get(o, key));
	char *safe;

	if (!s)
		return "";
	safe = term_safe(s);
	if (!safe)
		return "?";
	free(ring[next % 8]);
	ring[next++ % 8] = safe;
	return safe;
}

static long long jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

/* --- status --- */

static void print_status(const json_t *st)
{
	const json_t *v, *item;
	const char *key;
	size_t i;

	printf("enforcerd %s, up %llds, pid %lld\n", jstr(st, "version"),
	       jint(st, "uptime_s"), jint(st, "pid"));
	printf("interfaces:\n");
	json_array_foreach(json_object_get(st, "interfaces"), i, item) {
		printf("  %-16s xdp %-8s%s%s\n", jstr(item, "name"),
		       jstr(item, "mode"), *jstr(item, "error") ? "  " : "",
		       jstr(item, "error"));
	}
	if (i == 0)
		printf("  (none configured)\n");
	printf("xdp counters:");
	json_object_foreach((json_t *)json_object_get(st, "xdp_counters"), key,
			    v) {
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	}
	printf("\ndeny entries: src4=%lld src6=%lld\n",
	       jint(json_object_get(st, "deny_entries"), "src4"),
	       jint(json_object_get(st, "deny_entries"), "src6"));
	v = json_object_get(st, "rules");
	printf("rules: %lld loaded (%lld from files, %lld from the database)\n",
	       jint(v, "loaded"), jint(v, "from_files"),
	       jint(v, "from_database"));
	v = json_object_get(st, "tls");
	printf("tls capture:");
	json_array_foreach(json_object_get(v, "libraries"), i, item) {
		printf(" %s %s;", jstr(item, "name"), jstr(item, "path"));
	}
	printf(" events=%lld%s%s\n", jint(v, "events"),
	       *jstr(v, "error") ? "; " : "", jstr(v, "error"));
	v = json_object_get(st, "requests");
	printf("requests: parsed=%lld outbound=%lld matched=%lld "
	       "verdicts=%lld denied=%lld audited=%lld\n",
	       jint(v, "parsed"), jint(v, "outbound"), jint(v, "matched"),
	       jint(v, "verdicts"), jint(v, "denied"), jint(v, "audited"));
	printf("not inspected or lost:");
	json_object_foreach((json_t *)json_object_get(st, "loss"), key, v) {
		printf(" %s=%lld", key, (long long)json_integer_value(v));
	}
	printf("\n");
}

static int do_status(int argc, char **argv)
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
	if (opts.json)
		print_json(res);
	else
		print_status(res);
	json_decref(res);
	return EXIT_SUCCESS;
}

/* --- rule --- */

/* Reads all of @f, up to @max bytes; NULL on error or when larger. */
static char *read_stream(FILE *f, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0, got;
	char *buf = malloc(cap + 1), *nbuf;

	while (buf) {
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap) {
			if (ferror(f))
				break;
			buf[n] = '\0';
			*len = n;
			return buf;
		}
		if (cap >= max)
			break;
		cap = cap * 2 > max ? max : cap * 2;
		nbuf = realloc(buf, cap + 1);
		if (!nbuf)
			break;
		buf = nbuf;
	}
	free(buf);
	return NULL;
}

static int do_rule_add(int argc, char **argv)
{
	const char *file = NULL;
	char *text = NULL;
	size_t len = 0;
	json_t *res, *r;
	FILE *f;
	size_t i;
	int c;

	/* argv[0] is the verb; glibc restarts getopt when optind is 0. */
	optind = 0;
	while ((c = getopt(argc, argv, "+f:")) != -1) {
		if (c != 'f')
			return EXIT_USAGE;
		file = optarg;
	}
	argc -= optind;
	argv += optind;
	if ((file && argc > 0) || (!file && argc != 1)) {
		p_err("usage: enforcerctl rule add 'SecRule ...' | -f FILE | -");
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
		   json_pack("{s:s%,s:s}", "text", text, len, "source",
			     file ? file : "enforcerctl"));
	free(text);
	if (!res)
		return EXIT_FAILURE;
	if (opts.json) {
		print_json(res);
	} else {
		json_array_foreach(json_object_get(res, "added"), i, r) {
			printf("added rule %lld: %s\n", jint(r, "id"),
			       jstr(r, "msg"));
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
	if (opts.json) {
		print_json(res);
	} else {
		printf("%-10s %-9s %-10s %-28s %s\n", "ID", "ENGINE", "ACTION",
		       "ORIGIN", "MSG");
		json_array_foreach(json_object_get(res, "rules"), i, r) {
			printf("%-10lld %-9s %-10s %-28.28s %s\n",
			       jint(r, "id"), jstr(r, "engine"),
			       jstr(r, "action"), jstr(r, "origin"),
			       jstr(r, "msg"));
		}
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

static const struct cmd rule_cmds[] = {
	{ "add", do_rule_add,
	  "rule add 'SecRule ...' | -f FILE | -   validate, store and load "
	  "rules" },
	{ "list", do_rule_list,
	  "rule list                 rules loaded in "
	  "the daemon" },
};

/* --- block --- */

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
	if (opts.json) {
		print_json(res);
	} else {
		printf("%-5s %-40s %-8s %-5s %-20s %s\n", "KIND", "KEY", "RULE",
		       "POINT", "CREATED", "REASON");
		json_array_foreach(json_object_get(res, "entries"), i, b) {
			printf("%-5s %-40s %-8lld %-5s %-20s %s\n",
			       jstr(b, "kind"), jstr(b, "key"),
			       jint(b, "rule_id"), jstr(b, "point"),
			       jstr(b, "created"), jstr(b, "reason"));
		}
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

static const struct cmd block_cmds[] = {
	{ "list", do_block_list,
	  "block list                active deny "
	  "entries" },
};

/* --- audit --- */

static void print_table(const json_t *res)
{
	const json_t *cols = json_object_get(res, "columns");
	const json_t *rows = json_object_get(res, "rows");
	size_t ncols = json_array_size(cols), nrows = json_array_size(rows);
	size_t *width, i, j;
	char **cell;

	/* Row -1 is the header; every cell made terminal-safe once. */
	width = calloc(ncols ? ncols : 1, sizeof(*width));
	cell = calloc((nrows + 1) * (ncols ? ncols : 1), sizeof(*cell));
	if (!width || !cell)
		goto out;
	for (i = 0; i <= nrows; i++) {
		for (j = 0; j < ncols; j++) {
			const json_t *v =
				i == 0 ?
					json_array_get(cols, j) :
					json_array_get(
						json_array_get(rows, i - 1), j);
			const char *str = json_string_value(v);

			cell[i * ncols + j] = term_safe(str ? str : "NULL");
			if (!cell[i * ncols + j])
				goto out;
			if (strlen(cell[i * ncols + j]) > width[j])
				width[j] = strlen(cell[i * ncols + j]);
			if (width[j] > 60)
				width[j] = 60;
		}
	}
	for (i = 0; i <= nrows; i++) {
		for (j = 0; j < ncols; j++)
			printf("%-*.*s%s", (int)width[j], (int)width[j],
			       cell[i * ncols + j],
			       j + 1 < ncols ? "  " : "\n");
	}
	printf("(%zu row%s%s)\n", nrows, nrows == 1 ? "" : "s",
	       json_is_true(json_object_get(res, "truncated")) ? ", truncated" :
								 "");
out:
	if (cell) {
		for (i = 0; i < (nrows + 1) * ncols; i++)
			free(cell[i]);
	}
	free(cell);
	free(width);
}

static int do_audit_query(int argc, char **argv)
{
	json_t *res;

	if (argc != 2) {
		p_err("usage: enforcerctl audit query \"SELECT ...\"");
		return EXIT_USAGE;
	}
	res = call("audit.query", json_pack("{s:s}", "sql", argv[1]));
	if (!res)
		return EXIT_FAILURE;
	if (opts.json)
		print_json(res);
	else
		print_table(res);
	json_decref(res);
	return EXIT_SUCCESS;
}

static const struct cmd audit_cmds[] = {
	{ "query", do_audit_query,
	  "audit query \"SELECT ...\" read-only SQL over the audit log" },
};

/* --- objects --- */

static int run_verbs(const struct cmd *cmds, size_t n, const char *obj,
		     int argc, char **argv)
{
	const struct cmd *c;

	if (argc < 2) {
		p_err("'%s' needs a verb: %s%s%s", obj, cmds[0].name,
		      n > 1 ? ", " : "", n > 1 ? cmds[1].name : "");
		return EXIT_USAGE;
	}
	c = cmd_select(cmds, n, argv[1], "verb");
	if (!c)
		return EXIT_USAGE;
	argc--;
	argv++;
	return c->fn(argc, argv);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int do_rule(int argc, char **argv)
{
	return run_verbs(rule_cmds, N(rule_cmds), "rule", argc, argv);
}

static int do_block(int argc, char **argv)
{
	return run_verbs(block_cmds, N(block_cmds), "block", argc, argv);
}

static int do_audit(int argc, char **argv)
{
	return run_verbs(audit_cmds, N(audit_cmds), "audit", argc, argv);
}

static int do_reload(int argc, char **argv)
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
	if (opts.json)
		print_json(res);
	else
		printf("rules reloaded: %lld active\n", jint(res, "loaded"));
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (opts.json)
		printf("{\"version\":\"%s\"}\n", ENF_VERSION);
	else
		printf("enforcerctl %s\n", ENF_VERSION);
	return EXIT_SUCCESS;
}

static int do_help(int argc, char **argv);

static const struct cmd objects[] = {
	{ "status", do_status, NULL }, { "rule", do_rule, NULL },
	{ "block", do_block, NULL },   { "audit", do_audit, NULL },
	{ "reload", do_reload, NULL }, { "version", do_version, NULL },
	{ "help", do_help, NULL },
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: enforcerctl [OPTIONS] OBJECT VERB [ARGS]\n"
		"\n"
		"Commands (objects and verbs may be abbreviated):\n"
		"  status                    daemon, interfaces, XDP counters, "
		"rules, capture\n");
	for (size_t i = 0; i < N(rule_cmds); i++)
		fprintf(out, "  %s\n", rule_cmds[i].usage);
	for (size_t i = 0; i < N(block_cmds); i++)
		fprintf(out, "  %s\n", block_cmds[i].usage);
	for (size_t i = 0; i < N(audit_cmds); i++)
		fprintf(out, "  %s\n", audit_cmds[i].usage);
	fprintf(out,
		"  reload                    rebuild the rule set from the "
		"rules directory\n"
		"                            and the database (as SIGHUP)\n"
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
			opts.socket = optarg;
			break;
		case 'j':
			opts.json = true;
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
	c = cmd_select(objects, N(objects), argv[optind], "object");
	if (!c)
		return EXIT_USAGE;
	return c->fn(argc - optind, argv + optind);
}
