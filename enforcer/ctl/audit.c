// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl audit: read-only SQL over the database, canned reports
 * (top, tail, show) and the check of the audit chain (verify). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"
#include "policydb/policydb.h"

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

/* A CSV field (RFC 4180): quoted when it holds a comma, a quote or a line
 * break; NULL is an empty field. */
static void csv_field(const char *v)
{
	if (!v)
		return;
	if (!strpbrk(v, ",\"\r\n")) {
		fputs(v, stdout);
		return;
	}
	putchar('"');
	for (; *v; v++) {
		if (*v == '"')
			putchar('"');
		putchar(*v);
	}
	putchar('"');
}

static void print_csv(const json_t *res)
{
	const json_t *cols = json_object_get(res, "columns");
	const json_t *rows = json_object_get(res, "rows");
	size_t i, j;

	for (j = 0; j < json_array_size(cols); j++) {
		if (j)
			putchar(',');
		csv_field(json_string_value(json_array_get(cols, j)));
	}
	putchar('\n');
	for (i = 0; i < json_array_size(rows); i++) {
		const json_t *row = json_array_get(rows, i);

		for (j = 0; j < json_array_size(row); j++) {
			if (j)
				putchar(',');
			csv_field(json_string_value(json_array_get(row, j)));
		}
		putchar('\n');
	}
}

enum out_fmt { OUT_TABLE, OUT_CSV };

static json_t *run_query(const char *sql)
{
	return call("audit.query", json_pack("{s:s}", "sql", sql));
}

static int show_result(json_t *res, enum out_fmt fmt)
{
	if (!res)
		return EXIT_FAILURE;
	if (ctl_opts.json)
		print_json(res);
	else if (fmt == OUT_CSV)
		print_csv(res);
	else
		print_table(res);
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_audit_query(int argc, char **argv)
{
	enum out_fmt fmt = OUT_TABLE;
	const char *sql = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--csv"))
			fmt = OUT_CSV;
		else if (!sql && (argv[i][0] != '-' || !argv[i][1]))
			sql = argv[i];
		else {
			p_err("usage: enforcerctl audit query [--csv] "
			      "\"SELECT ...\"");
			return EXIT_USAGE;
		}
	}
	if (!sql) {
		p_err("usage: enforcerctl audit query [--csv] \"SELECT ...\"");
		return EXIT_USAGE;
	}
	return show_result(run_query(sql), fmt);
}

/* "90s", "15m", "1h", "7d", "2w" in seconds; false for anything else. */
static bool parse_duration(const char *s, uint64_t *out)
{
	static const struct {
		char unit;
		uint64_t secs;
	} units[] = { { 's', 1 },
		      { 'm', 60 },
		      { 'h', 3600 },
		      { 'd', 86400 },
		      { 'w', 604800 } };
	unsigned long long n;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || n == 0 || n > 100ULL * 365 * 86400 || !end[0] || end[1])
		return false;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (end[0] == units[i].unit) {
			*out = n * units[i].secs;
			return true;
		}
	}
	return false;
}

static int64_t since_ns(uint64_t secs)
{
	struct timespec now;
	int64_t t;

	clock_gettime(CLOCK_REALTIME, &now);
	t = (int64_t)now.tv_sec - (int64_t)secs;
	return t > 0 ? t * 1000000000LL : 0;
}

#define TOP_USAGE                                                           \
	"usage: enforcerctl audit top [--by rule|src|exe|cgroup|container|" \
	"event] [--since DURATION|all] [--limit N] [--csv]"

static int do_audit_top(int argc, char **argv)
{
	enum out_fmt fmt = OUT_TABLE;
	const char *by = "rule";
	uint64_t since = 86400;
	unsigned int limit = 20;
	char sql[1024];

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--csv")) {
			fmt = OUT_CSV;
			continue;
		}
		if (!v) {
			p_err(TOP_USAGE);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[i], "--by")) {
			by = v;
		} else if (!strcmp(argv[i], "--since")) {
			if (!strcmp(v, "all")) {
				since = 0;
			} else if (!parse_duration(v, &since)) {
				p_err("audit top: --since '%s': a duration "
				      "such as 30m, 1h, 7d, 2w, or all",
				      v);
				return EXIT_USAGE;
			}
		} else if (!strcmp(argv[i], "--limit")) {
			if (!parse_uint(v, 1, 10000, &limit)) {
				p_err("audit top: --limit '%s': from 1 to "
				      "10000",
				      v);
				return EXIT_USAGE;
			}
		} else {
			p_err(TOP_USAGE);
			return EXIT_USAGE;
		}
		i++;
	}
	if (pdb_audit_top_sql(by, since ? since_ns(since) : 0, limit, sql,
			      sizeof(sql))) {
		p_err("audit top: --by '%s': rule, src, exe, cgroup, "
		      "container or event",
		      by);
		return EXIT_USAGE;
	}
	return show_result(run_query(sql), fmt);
}

/* The columns audit tail shows, in the order shown. */
#define TAIL_COLS                                                           \
	"id, time, event, rule_id, action, saddr, comm, method, host, uri," \
	" msg"

/* One row of tail -f: "ID TIME EVENT key=value..." on one line. */
static void tail_line(const json_t *cols, const json_t *row)
{
	for (size_t j = 0; j < json_array_size(row); j++) {
		const char *v = json_string_value(json_array_get(row, j));
		const char *name = json_string_value(json_array_get(cols, j));
		char *safe;

		if (!v)
			continue;
		safe = term_safe(v);
		if (j < 3)
			printf("%s%s", j ? " " : "", safe ? safe : "?");
		else
			printf(" %s=%s", name, safe ? safe : "?");
		free(safe);
	}
	putchar('\n');
}

static volatile sig_atomic_t tail_stop;

static void on_tail_signal(int sig)
{
	(void)sig;
	tail_stop = 1;
}

static int do_audit_tail(int argc, char **argv)
{
	unsigned int n = 20;
	bool follow = false;
	long long last = 0;
	char sql[512];
	json_t *res;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow")) {
			follow = true;
		} else if ((!strcmp(argv[i], "-n") ||
			    !strcmp(argv[i], "--lines")) &&
			   i + 1 < argc) {
			if (!parse_uint(argv[++i], 1, 10000, &n)) {
				p_err("audit tail: -n '%s': from 1 to 10000",
				      argv[i]);
				return EXIT_USAGE;
			}
		} else {
			p_err("usage: enforcerctl audit tail [-n N] [-f]");
			return EXIT_USAGE;
		}
	}
	snprintf(sql, sizeof(sql),
		 "SELECT " TAIL_COLS " FROM (SELECT * FROM audit ORDER BY id"
		 " DESC LIMIT %u) ORDER BY id",
		 n);
	res = run_query(sql);
	if (!res)
		return EXIT_FAILURE;
	if (!follow)
		return show_result(res, OUT_TABLE);
	signal(SIGINT, on_tail_signal);
	signal(SIGTERM, on_tail_signal);
	signal(SIGPIPE, on_tail_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		const json_t *cols = json_object_get(res, "columns");
		const json_t *rows = json_object_get(res, "rows"), *row;
		size_t i;

		json_array_foreach(rows, i, row) {
			const char *id =
				json_string_value(json_array_get(row, 0));

			if (ctl_opts.json) {
				json_t *o = json_object();

				for (size_t j = 0;
				     o && j < json_array_size(row); j++)
					json_object_set(
						o,
						json_string_value(
							json_array_get(cols,
								       j)),
						json_array_get(row, j));
				if (o) {
					char *t = json_dumps(o, JSON_COMPACT);

					if (t)
						puts(t);
					free(t);
					json_decref(o);
				}
			} else {
				tail_line(cols, row);
			}
			if (id)
				last = atoll(id);
		}
		json_decref(res);
		if (fflush(stdout) == EOF)
			return EXIT_FAILURE;
		for (int w = 0; w < 5 && !tail_stop; w++)
			usleep(100000);
		if (tail_stop)
			return EXIT_SUCCESS;
		snprintf(sql, sizeof(sql),
			 "SELECT " TAIL_COLS " FROM audit WHERE id > %lld"
			 " ORDER BY id LIMIT 1000",
			 last);
		res = run_query(sql);
		if (!res)
			return EXIT_FAILURE;
	}
}

static int do_audit_show(int argc, char **argv)
{
	const json_t *cols, *row;
	unsigned int id;
	char sql[256];
	json_t *res;
	size_t w = 0;

	if (argc != 2 || !parse_uint(argv[1], 1, UINT_MAX, &id)) {
		p_err("usage: enforcerctl audit show ID");
		return EXIT_USAGE;
	}
	/* every column, the hash as hex */
	snprintf(sql, sizeof(sql),
		 "SELECT *, hex(hash) AS hash FROM audit WHERE id = %u", id);
	res = run_query(sql);
	if (!res)
		return EXIT_FAILURE;
	cols = json_object_get(res, "columns");
	row = json_array_get(json_object_get(res, "rows"), 0);
	if (!row) {
		json_decref(res);
		p_err("audit show: no audit row %u", id);
		return EXIT_FAILURE;
	}
	if (ctl_opts.json) {
		json_t *o = json_object();

		/* the later "hash" (hex) replaces the blob's x'..' */
		for (size_t j = 0; o && j < json_array_size(row); j++)
			json_object_set(
				o, json_string_value(json_array_get(cols, j)),
				json_array_get(row, j));
		print_json(o);
		json_decref(o);
		json_decref(res);
		return EXIT_SUCCESS;
	}
	for (size_t j = 0; j < json_array_size(cols); j++) {
		size_t l = strlen(json_string_value(json_array_get(cols, j)));

		w = l > w ? l : w;
	}
	for (size_t j = 0; j < json_array_size(row); j++) {
		const char *name = json_string_value(json_array_get(cols, j));
		const char *v = json_string_value(json_array_get(row, j));
		char *safe;

		/* the blob column first, shown again as hex below it */
		if (!strcmp(name, "hash") && v && v[0] == 'x')
			continue;
		safe = term_safe(v ? v : "NULL");
		printf("%-*s  %s\n", (int)w, name, safe ? safe : "?");
		free(safe);
	}
	json_decref(res);
	return EXIT_SUCCESS;
}

static int do_audit_verify(int argc, char **argv)
{
	const json_t *b;
	json_t *res;
	size_t i;
	int ret;

	(void)argv;
	if (argc != 1) {
		p_err("usage: enforcerctl audit verify");
		return EXIT_USAGE;
	}
	res = call("audit.verify", NULL);
	if (!res)
		return EXIT_FAILURE;
	ret = jint(res, "problems") ? EXIT_FAILURE : EXIT_SUCCESS;
	if (ctl_opts.json) {
		print_json(res);
		json_decref(res);
		return ret;
	}
	printf("audit chain: %lld rows", jint(res, "rows"));
	if (jint(res, "rows"))
		printf(" (ids %lld..%lld)", jint(res, "first_id"),
		       jint(res, "last_id"));
	printf(", anchor %lld, head %lld: ", jint(res, "anchor_id"),
	       jint(res, "head_id"));
	if (ret == EXIT_SUCCESS) {
		printf("intact\n");
		json_decref(res);
		return ret;
	}
	printf("BROKEN: %lld problem%s; the chain holds up to row %lld\n",
	       jint(res, "problems"), jint(res, "problems") == 1 ? "" : "s",
	       jint(res, "last_good_id"));
	json_array_foreach(json_object_get(res, "breaks"), i, b)
		printf("  at row %lld: %s\n", jint(b, "id"), jstr(b, "what"));
	if ((long long)json_array_size(json_object_get(res, "breaks")) <
	    jint(res, "problems"))
		printf("  ... (%lld more)\n",
		       jint(res, "problems") -
			       (long long)json_array_size(
				       json_object_get(res, "breaks")));
	json_decref(res);
	return ret;
}

const struct cmd ctl_audit_cmds[] = {
	{ "query", do_audit_query,
	  "audit query [--csv] \"SELECT ...\"  read-only SQL over the database",
	  "Runs one SELECT (or a read-only PRAGMA) through enforcerd, against\n"
	  "a read-only handle whose authorizer refuses anything that writes,\n"
	  "ATTACH, writable PRAGMAs and extension loading. Tables: audit,\n"
	  "rules, rule_history, blocklist, audit_chain. At most 10000 rows\n"
	  "and 5 s. Output: an aligned table, --csv (RFC 4180), or --json." },
	{ "top", do_audit_top,
	  "audit top [--by rule|src|exe|cgroup|container|event] [--since 1h] "
	  "[--limit N]",
	  "The busiest rules (or sources, executables, cgroups, containers,\n"
	  "event kinds) in the audit log: events, enforced (deny:...), shadow,\n"
	  "first and last time. --since takes 30m, 1h, 7d, 2w or all\n"
	  "(default 24h); --limit the most groups shown (default 20); --csv." },
	{ "tail", do_audit_tail, "audit tail [-n N] [-f]  the last audit rows",
	  "The last N rows (default 20) of the audit log, oldest first; -f\n"
	  "follows the log, a row per line, until interrupted (--json: a JSON\n"
	  "object per line)." },
	{ "show", do_audit_show,
	  "audit show ID            one audit row, every column", NULL },
	{ "verify", do_audit_verify,
	  "audit verify             check the audit log's hash chain",
	  "Each audit row carries a SHA-256 over the previous row's hash and its\n"
	  "own columns. verify walks the chain and names each row edited,\n"
	  "inserted or deleted behind enforcerd's back, and the last row up to\n"
	  "which the chain holds. Exit status 1 when it is broken." },
};
const size_t ctl_audit_ncmds =
	sizeof(ctl_audit_cmds) / sizeof(ctl_audit_cmds[0]);

int do_audit(int argc, char **argv)
{
	return run_verbs(ctl_audit_cmds, ctl_audit_ncmds, "audit", argc, argv);
}
