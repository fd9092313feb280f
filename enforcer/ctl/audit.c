// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl audit: read-only SQL over the audit log. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"

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
	if (ctl_opts.json)
		print_json(res);
	else
		print_table(res);
	json_decref(res);
	return EXIT_SUCCESS;
}

const struct cmd ctl_audit_cmds[] = {
	{ "query", do_audit_query,
	  "audit query \"SELECT ...\" read-only SQL over the audit log", NULL },
};

const size_t ctl_audit_ncmds =
	sizeof(ctl_audit_cmds) / sizeof(ctl_audit_cmds[0]);

int do_audit(int argc, char **argv)
{
	return run_verbs(ctl_audit_cmds, ctl_audit_ncmds, "audit", argc, argv);
}
