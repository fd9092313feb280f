// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Canned reports over the audit log: SQL that enforcerctl's `audit top`
 * sends, built here so that the benchmark measures the same statement.
 * They run like any user query, through pdb_query_readonly().
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pdb_internal.h"

/* What `audit top --by` groups by: the name the user types, the column. */
static const struct {
	const char *by;
	const char *col;
} top_keys[] = {
	{ "rule", "rule_id" },
	{ "src", "saddr" },
	{ "exe", "exe" },
	{ "cgroup", "cgroup" },
	{ "container", "container" },
	{ "event", "event" },
};

int pdb_audit_top_sql(const char *by, int64_t since_ns, unsigned int limit,
		      char *buf, size_t len)
{
	const char *col = NULL;
	int n;

	for (size_t i = 0; by && i < sizeof(top_keys) / sizeof(top_keys[0]);
	     i++) {
		if (!strcmp(by, top_keys[i].by))
			col = top_keys[i].col;
	}
	if (!col || since_ns < 0 || !limit)
		return -EINVAL;
	/* The rule's msg and the rows' span beside the count; the index on
	 * (col, time_ns) or on time_ns serves the filter. */
	n = snprintf(buf, len,
		     "SELECT %s AS %s, count(*) AS events,"
		     " sum(action LIKE 'deny:%%') AS enforced,"
		     " sum(shadow) AS shadow,"
		     " %s AS msg, min(time) AS first, max(time) AS last"
		     " FROM audit WHERE time_ns >= %" PRId64
		     " GROUP BY %s ORDER BY events DESC, %s LIMIT %u",
		     col, by, strcmp(col, "rule_id") ? "NULL" : "max(msg)",
		     since_ns, col, col, limit);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}
