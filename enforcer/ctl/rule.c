// SPDX-License-Identifier: GPL-2.0-or-later
/* enforcerctl rule: add, import, list, show, enable, disable, delete (test
 * and lint: rule_offline.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "enforcer/ctl/ctl.h"
#include "enforcer/control/proto.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* --- rule --- */

static unsigned int bad_text_line(const char *s, size_t len, bool *nul);

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
	bool shadow = false, nul;
	unsigned int line;
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
	line = bad_text_line(text, len, &nul);
	if (line) {
		p_err("%s:%u: %s: nothing added", file ? file : "argument",
		      line,
		      nul ? "a NUL byte" :
			    "not UTF-8 text, which a rule is sent as");
		free(text);
		return EXIT_FAILURE;
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

/* The files rule import reads: as enf_rules_builder_add_dir() picks them. */
static bool is_conf_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && !strcmp(name + n - 5, ".conf");
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The 1-based line of the first byte of @s that JSON cannot carry as text
 * (not UTF-8, or a NUL), 0 when there is none; *@nul tells which.
 */
static unsigned int bad_text_line(const char *s, size_t len, bool *nul)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int line = 1;
	size_t i = 0, k, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			if (!p[i]) {
				*nul = true;
				return line;
			}
			line += p[i++] == '\n';
			continue;
		}
		*nul = false;
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return line;
		}
		if (len - i <= n)
			return line;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return line;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return line;
		i += n + 1;
	}
	return 0;
}

struct import_files {
	char **names;
	size_t n;
	json_t *texts; /* [{"name", "text"}] in name order */
	size_t bytes;
};

static void import_files_free(struct import_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	json_decref(f->texts);
}

/* The *.conf names of @dir, sorted; prints the error and returns -errno. */
static int import_list(const char *dir, DIR *d, struct import_files *f)
{
	size_t cap = 0;
	struct dirent *de;
	char **nn;

	while ((errno = 0, de = readdir(d))) {
		if (!is_conf_name(de->d_name))
			continue;
		if (f->n == ENF_CTL_RULE_TEXTS_MAX) {
			p_err("%s: more than %d .conf files, the most one "
			      "import takes: nothing imported",
			      dir, ENF_CTL_RULE_TEXTS_MAX);
			return -E2BIG;
		}
		if (f->n == cap) {
			cap = cap ? cap * 2 : 16;
			nn = realloc(f->names, cap * sizeof(*nn));
			if (!nn)
				goto out_nomem;
			f->names = nn;
		}
		f->names[f->n] = strdup(de->d_name);
		if (!f->names[f->n])
			goto out_nomem;
		f->n++;
	}
	if (errno) {
		p_err("%s: %s", dir, strerror(errno));
		return -errno;
	}
	if (!f->n) {
		p_err("%s: no .conf file to import", dir);
		return -ENOENT;
	}
	qsort(f->names, f->n, sizeof(*f->names), cmp_names);
	return 0;
out_nomem:
	p_err("out of memory");
	return -ENOMEM;
}

/* Reads file @name of @dir (@dfd) into f->texts; prints the error. */
static int import_read(const char *dir, int dfd, const char *name,
		       struct import_files *f)
{
	size_t left, len = 0;
	unsigned int line;
	struct stat st;
	char *text = NULL;
	bool nul = false;
	FILE *fp = NULL;
	json_t *t;
	int fd, ret;

	/* (a file may grow between its fstat() and its read) */
	left = f->bytes < ENF_CTL_MAX_REQUEST ? ENF_CTL_MAX_REQUEST - f->bytes :
						0;
	if (strlen(name) > ENF_CTL_RULE_NAME_MAX) {
		p_err("%s/%s: a name longer than %d bytes: nothing imported",
		      dir, name, ENF_CTL_RULE_NAME_MAX);
		return -ENAMETOOLONG;
	}
	/* O_NONBLOCK: a FIFO named x.conf must not hang the import */
	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		p_err("%s/%s: %s", dir, name, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		p_err("%s/%s: not a regular file: nothing imported", dir, name);
		goto out;
	}
	if ((unsigned long long)st.st_size > left) {
		ret = -EFBIG;
		goto too_big;
	}
	fp = fdopen(fd, "r");
	if (!fp) {
		ret = -errno;
		p_err("%s/%s: %s", dir, name, strerror(errno));
		goto out;
	}
	fd = -1;
	text = read_stream(fp, left, &len);
	if (!text) {
		ret = ferror(fp) ? -EIO : -EFBIG;
		if (ret == -EFBIG)
			goto too_big;
		p_err("%s/%s: read error", dir, name);
		goto out;
	}
	line = bad_text_line(text, len, &nul);
	if (line) {
		ret = -EINVAL;
		p_err("%s/%s:%u: %s: nothing imported", dir, name, line,
		      nul ? "a NUL byte" :
			    "not UTF-8 text, which a rule is sent as");
		goto out;
	}
	t = json_pack("{s:s,s:s%}", "name", name, "text", text, len);
	if (!t || json_array_append_new(f->texts, t)) {
		ret = -ENOMEM;
		p_err("out of memory");
		goto out;
	}
	f->bytes += len;
	ret = 0;
	goto out;
too_big:
	p_err("%s: the .conf files hold more than %u bytes, the most one "
	      "control request carries: nothing imported (import the files "
	      "in smaller directories)",
	      dir, ENF_CTL_MAX_REQUEST);
out:
	free(text);
	if (fp)
		fclose(fp);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Bytes of the request enf_ctl_call() would send for rule.add @args. */
static size_t request_bytes(json_t *args)
{
	json_t *req = json_pack("{s:s,s:O}", "cmd", "rule.add", "args", args);
	char *s = req ? json_dumps(req, JSON_COMPACT) : NULL;
	size_t n = s ? strlen(s) : (size_t)-1;

	free(s);
	json_decref(req);
	return n;
}

/*
 * rule import [--shadow] [--dry-run] DIR: every *.conf file of DIR (name
 * order, no recursion), sent in one rule.add request as named texts, so
 * the daemon validates them together and stores and loads all their rules
 * in one transaction and one reload, or none.
 */
static int do_rule_import(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "shadow", no_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_files f = { 0 };
	bool shadow = false, dry_run = false;
	json_t *args = NULL, *res = NULL, *r;
	const char *dir;
	size_t i, bytes;
	DIR *d = NULL;
	int c, ret = EXIT_FAILURE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "+n", lo, NULL)) != -1) {
		if (c == 'S')
			shadow = true;
		else if (c == 'n')
			dry_run = true;
		else
			return EXIT_USAGE;
	}
	if (argc - optind != 1) {
		p_err("usage: enforcerctl rule import [--shadow] [--dry-run] "
		      "DIR");
		return EXIT_USAGE;
	}
	dir = argv[optind];
	d = opendir(dir);
	if (!d) {
		p_err("%s: %s", dir, strerror(errno));
		return EXIT_FAILURE;
	}
	f.texts = json_array();
	if (!f.texts) {
		p_err("out of memory");
		goto out;
	}
	if (import_list(dir, d, &f))
		goto out;
	for (i = 0; i < f.n; i++) {
		if (import_read(dir, dirfd(d), f.names[i], &f))
			goto out;
	}
	args = json_pack("{s:O,s:s,s:s,s:b}", "texts", f.texts, "source",
			 "import", "mode", shadow ? "shadow" : "enforce",
			 "dry_run", dry_run);
	if (!args) {
		p_err("out of memory");
		goto out;
	}
	/* JSON escapes make the request larger than the files: refused here,
	 * whole, rather than by the daemon */
	bytes = request_bytes(args);
	if (bytes > ENF_CTL_MAX_REQUEST) {
		p_err("%s: the %zu files make a request of %zu bytes, over the "
		      "control socket's limit of %u: nothing imported (import "
		      "the files in smaller directories)",
		      dir, f.n, bytes, ENF_CTL_MAX_REQUEST);
		goto out;
	}
	res = call("rule.add", args);
	args = NULL;
	if (!res)
		goto out;
	if (ctl_opts.json) {
		json_object_set_new(res, "files",
				    json_integer((json_int_t)f.n));
		print_json(res);
		ret = EXIT_SUCCESS;
		goto out;
	}
	json_array_foreach(json_object_get(res, "added"), i, r) {
		printf("%s rule %lld (%s) from %s:%lld: %s\n",
		       dry_run ? "would add" : "added", jint(r, "id"),
		       jstr(r, "mode"), jstr(r, "origin"), jint(r, "line"),
		       jstr(r, "msg"));
	}
	if (dry_run)
		printf("dry run: %zu rules from %zu files would be added, and "
		       "the rule set would have %lld rules; nothing stored\n",
		       json_array_size(json_object_get(res, "added")), f.n,
		       jint(res, "loaded"));
	else
		printf("imported %zu rules from %zu files; rule set now has "
		       "%lld rules, active in enforcerd\n",
		       json_array_size(json_object_get(res, "added")), f.n,
		       jint(res, "loaded"));
	ret = EXIT_SUCCESS;
out:
	json_decref(res);
	json_decref(args);
	import_files_free(&f);
	closedir(d);
	return ret;
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
		printf("%-10s %-15s %-10s %-8s %-28s %s\n", "ID", "ENGINE",
		       "ACTION", "MODE", "ORIGIN", "MSG");
		json_array_foreach(json_object_get(res, "rules"), i, r) {
			printf("%-10lld %-15s %-10s %-8s %-28.28s %s\n",
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
		if (json_is_string(json_object_get(a, "enforce"))) {
			long long ttl = jint(a, "ttl");

			printf("  enforce:  %s (%s%s), ", jstr(a, "enforce"),
			       strcmp(jstr(a, "enforce_from"), "rule") ?
				       "the configuration's " :
				       "the rule's enforce:",
			       strcmp(jstr(a, "enforce_from"), "rule") ?
				       jstr(a, "enforce_from") :
				       "");
			if (ttl)
				printf("ttl %lld s", ttl);
			else
				printf("no expiry");
			if (jint(a, "after_n"))
				printf(", at the %lld-th match from one "
				       "source in %lld s",
				       jint(a, "after_n"), jint(a, "after_s"));
			printf("\n");
		}
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

/* clang-format off */
static const char import_help[] =
	"Loads every *.conf file of DIR (in name order; no subdirectories,\n"
	"hidden files skipped) into the policy database as rules, all or\n"
	"nothing: the files go to enforcerd in one request, which validates\n"
	"them together with the active rule set (an id taken twice, by two\n"
	"files or by a rule already loaded, is refused) and either stores\n"
	"every rule in one transaction and loads them in one reload, or\n"
	"stores nothing and names the file, line and column it refused.\n"
	"Each rule's source is import:FILE.\n"
	"\n"
	"  --shadow       store and load the rules as shadow rules: their\n"
	"                 matches are audited, not enforced\n"
	"  -n, --dry-run  validate against the running daemon and list the\n"
	"                 rules that would be added; store nothing\n"
	"\n"
	"At most " STR(ENF_CTL_RULE_TEXTS_MAX) " files, all in one control request (at most\n"
	"1 MiB of JSON). Include is refused; @pmFromFile takes absolute\n"
	"paths that enforcerd can read (the database keeps the text, not\n"
	"DIR).";
/* clang-format on */

const struct cmd ctl_rule_cmds[] = {
	{ "add", do_rule_add,
	  "rule add [--shadow] 'SecRule ...' | -f FILE | -   validate, store "
	  "and load rules (--shadow: audited, not enforced)",
	  NULL },
	{ "import", do_rule_import,
	  "rule import [--shadow] [--dry-run] DIR   validate, store and load "
	  "the rules of DIR/*.conf, all or nothing",
	  import_help },
	{ "list", do_rule_list,
	  "rule list                 rules loaded in "
	  "the daemon",
	  NULL },
	{ "show", do_rule_show,
	  "rule show ID              a rule: text, engine and why, mode, "
	  "origin, database row",
	  NULL },
	{ "enable", do_rule_enable,
	  "rule enable ID            enable a rule of the database, reload",
	  NULL },
	{ "disable", do_rule_disable,
	  "rule disable ID           disable a rule of the database, reload",
	  NULL },
	{ "delete", do_rule_delete,
	  "rule delete ID            delete a rule of the database, reload",
	  NULL },
	{ "test", do_rule_test,
	  "rule test [-c CONF | -r RULES...] [ORIGIN...] [FILE | -]   match "
	  "the HTTP/1.1 requests in FILE offline: rules, variables, values; "
	  "ORIGIN: --exe PATH --comm NAME --uid N --cgroup PATH "
	  "--tls-library NAME --direction inbound|outbound "
	  "--peer ADDR[:PORT] --local-port N",
	  NULL },
	{ "lint", do_rule_lint,
	  "rule lint [-c CONF | -r RULES...]   each rule's engine, and why",
	  NULL },
};

const size_t ctl_rule_ncmds = sizeof(ctl_rule_cmds) / sizeof(ctl_rule_cmds[0]);

int do_rule(int argc, char **argv)
{
	return run_verbs(ctl_rule_cmds, ctl_rule_ncmds, "rule", argc, argv);
}
