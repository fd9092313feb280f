// SPDX-License-Identifier: GPL-2.0-or-later
/* What every enforcerctl command shares: errors, dispatch, the call to the
 * daemon, and printing. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "enforcer/control/proto.h"
#include "enforcer/ctl/ctl.h"

void p_err(const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ctl_opts.json) {
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
const struct cmd *cmd_select(const struct cmd *cmds, size_t n, const char *name,
			     const char *what)
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
json_t *call(const char *cmd, json_t *args)
{
	char err[512];
	json_t *reply, *result;
	const char *msg;
	int ret;

	ret = enf_ctl_call(ctl_opts.socket, cmd, args, &reply, err,
			   sizeof(err));
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

void print_json(const json_t *v)
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
bool parse_uint(const char *s, unsigned long min, unsigned long max,
		unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned int)v;
	return true;
}

char *term_safe(const char *s)
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
const char *jstr(const json_t *o, const char *key)
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

long long jint(const json_t *o, const char *key)
{
	return json_integer_value(json_object_get(o, key));
}

static bool is_help(const char *arg)
{
	return !strcmp(arg, "--help") || !strcmp(arg, "-h");
}

int run_verbs(const struct cmd *cmds, size_t n, const char *obj, int argc,
	      char **argv)
{
	const struct cmd *c;

	if (argc >= 2 && is_help(argv[1])) {
		printf("Usage: enforcerctl [OPTIONS] %s VERB [ARGS]\n\n", obj);
		for (size_t i = 0; i < n; i++)
			printf("  %s\n", cmds[i].usage);
		printf("\n'enforcerctl %s VERB --help' for a verb's own.\n",
		       obj);
		return EXIT_SUCCESS;
	}
	if (argc < 2) {
		p_err("'%s' needs a verb: %s%s%s", obj, cmds[0].name,
		      n > 1 ? ", " : "", n > 1 ? cmds[1].name : "");
		return EXIT_USAGE;
	}
	c = cmd_select(cmds, n, argv[1], "verb");
	if (!c)
		return EXIT_USAGE;
	if (argc == 3 && is_help(argv[2])) {
		printf("Usage: enforcerctl [OPTIONS] %s\n", c->usage);
		if (c->help)
			printf("\n%s\n", c->help);
		return EXIT_SUCCESS;
	}
	argc--;
	argv++;
	return c->fn(argc, argv);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Reads all of @f, up to @max bytes; NULL on error or when larger. */
char *read_stream(FILE *f, size_t max, size_t *len)
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
