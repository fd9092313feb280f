// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enforcerctl rule test and rule lint: the rule engine run here, without the
 * daemon, on the active rule set (the configuration's rules directory and
 * the enabled rules of its database, read-only) or on rule files given with
 * -r.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "enforcer/build_config.h"
#include "enforcer/common/config.h"
#include "enforcer/ctl/ctl.h"
#include "enforcer/http/http1.h"
#include "policydb/policydb.h"
#include "rules/rules.h"

/* The most request bytes rule test reads. */
#define TEST_INPUT_MAX (16u << 20)
#define MAX_PATHS 32

struct set_opts {
	const char *config;
	const char *paths[MAX_PATHS];
	size_t n_paths;
};

struct db_ctx {
	struct enf_rules_builder *b;
	struct enf_rule_error *err;
	int ret;
};

static int add_db_row(void *arg, int ncols, const char *const *names,
		      const char *const *values)
{
	struct db_ctx *c = arg;
	char origin[64];
	int n;

	(void)names;
	if (!values || ncols != 2 || !values[0] || !values[1])
		return 0;
	snprintf(origin, sizeof(origin), "database rule %s", values[0]);
	n = enf_rules_builder_add_text(c->b, values[1], strlen(values[1]),
				       origin, c->err);
	if (n < 0) {
		c->ret = n;
		return 1;
	}
	return 0;
}

static void rule_err(const struct enf_rule_error *err, int ret)
{
	if (err->line)
		p_err("%s:%u:%u: %s", err->origin, err->line, err->column,
		      err->msg);
	else if (err->origin[0])
		p_err("%s: %s", err->origin,
		      err->msg[0] ? err->msg : strerror(-ret));
	else
		p_err("%s", err->msg[0] ? err->msg : strerror(-ret));
}

/*
 * The rule set @o names: its -r files and directories, or else the
 * configuration's rules directory and its database's enabled rules (the set
 * enforcerd loads). Prints the error and returns non-zero on failure.
 */
static int load_set(const struct set_opts *o, struct enf_ruleset **out)
{
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err;
	struct enf_config cfg;
	char cerr[256], dberr[PDB_ERR_LEN];
	struct db_ctx c;
	struct stat st;
	int ret;

	memset(&err, 0, sizeof(err));
	ret = enf_rules_builder_new(&b);
	if (ret) {
		p_err("out of memory");
		return ret;
	}
	for (size_t i = 0; i < o->n_paths; i++) {
		if (stat(o->paths[i], &st)) {
			ret = -errno;
			p_err("%s: %s", o->paths[i], strerror(errno));
			goto out;
		}
		ret = S_ISDIR(st.st_mode) ?
			      enf_rules_builder_add_dir(b, o->paths[i], &err) :
			      enf_rules_builder_add_file(b, o->paths[i], &err);
		if (ret < 0) {
			rule_err(&err, ret);
			goto out;
		}
	}
	if (!o->n_paths) {
		ret = enf_config_load(o->config, &cfg, cerr);
		if (ret) {
			p_err("%s", cerr);
			goto out;
		}
		ret = enf_rules_builder_add_dir(b, cfg.rules_dir, &err);
		if (ret < 0) {
			rule_err(&err, ret);
			goto out;
		}
		if (access(cfg.database, R_OK) == 0) {
			c = (struct db_ctx){ .b = b, .err = &err };
			ret = pdb_query_readonly(
				cfg.database,
				"SELECT rule_id, text FROM rules WHERE enabled ORDER BY rule_id",
				0, add_db_row, &c, NULL, dberr);
			if (c.ret) {
				ret = c.ret;
				rule_err(&err, ret);
				goto out;
			}
			if (ret < 0) {
				p_err("%s: %s", cfg.database, dberr);
				goto out;
			}
		} else if (errno != ENOENT) {
			ret = -errno;
			p_err("%s: %s", cfg.database, strerror(errno));
			goto out;
		}
	}
	ret = enf_rules_build(b, out, &err);
	if (ret)
		rule_err(&err, ret);
out:
	enf_rules_builder_free(b);
	return ret ? ret : 0;
}

static void set_opts_init(struct set_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->config = ENF_DEFAULT_CONFIG;
}

/* Option @c of getopt (with @arg) when it is -c CONFIG or -r PATH: 0 when
 * taken, EXIT_USAGE when not (or over the -r limit). */
static int set_opt(struct set_opts *o, int c, const char *arg)
{
	if (c == 'c') {
		o->config = arg;
	} else if (c == 'r') {
		if (o->n_paths == MAX_PATHS) {
			p_err("at most %d -r paths", MAX_PATHS);
			return EXIT_USAGE;
		}
		o->paths[o->n_paths++] = arg;
	} else {
		return EXIT_USAGE;
	}
	return 0;
}

/* -c CONFIG and -r PATH (repeatable), then what is left in @argv. */
static int set_opts_parse(struct set_opts *o, int *argc, char ***argv)
{
	int c;

	set_opts_init(o);
	/* argv[0] is the verb; glibc restarts getopt when optind is 0. */
	optind = 0;
	while ((c = getopt(*argc, *argv, "+c:r:")) != -1) {
		if (set_opt(o, c, optarg))
			return EXIT_USAGE;
	}
	*argc -= optind;
	*argv += optind;
	return 0;
}

struct test_ctx {
	const struct enf_ruleset *rs;
	struct enf_rules_scratch *s;
	const struct enf_req_origin *origin; /* --exe and the like, or NULL */
	json_t *requests; /* --json */
	size_t n_req;
	size_t n_matched;
	int err;
};

/* The request's anomalies by name, comma-separated, "none" without. */
static void anomaly_names(uint64_t anom, char *buf, size_t len)
{
	static const char *const names[ENF_ANOM_BITS] = ENF_ANOM_NAMES;
	size_t o = 0;

	buf[0] = '\0';
	for (unsigned int b = 0; b < ENF_ANOM_BITS && o < len; b++) {
		if (!(anom & (1ull << b)))
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "",
				      names[b] ? names[b] : "?");
	}
	if (!o)
		snprintf(buf, len, "none");
}

static int print_match(const struct enf_rule_match *m, void *arg)
{
	struct test_ctx *c = arg;
	/* a variable and a value hold what a peer sent, any byte: escaped
	 * (\xHH, \\), so that a terminal and JSON get text, nothing cut */
	char var[sizeof(m->var) * 4], val[sizeof(m->value) * 4 + 1];
	json_t *jm, *req, *jmsg;

	c->n_matched++;
	enf_rules_escape(var, sizeof(var), m->var, strlen(m->var), NULL);
	enf_rules_escape(val, sizeof(val), m->value, m->value_len, NULL);
	if (ctl_opts.json) {
		req = json_array_get(c->requests,
				     json_array_size(c->requests) - 1);
		/* msg and logdata with their macros expanded; a msg written
		 * in a rule file that is not UTF-8 is escaped too */
		jmsg = json_string(m->msg);
		if (!jmsg) {
			char esc[sizeof(m->msg) * 4];

			enf_rules_escape(esc, sizeof(esc), m->msg,
					 strlen(m->msg), NULL);
			jmsg = json_string(esc);
		}
		jm = json_pack("{s:I,s:s,s:s,s:o,s:s,s:s?}", "id",
			       (json_int_t)m->rule->id, "var", var, "value",
			       val, "msg", jmsg, "engine", m->rule->engine,
			       "why", m->rule->why);
		if (jm && m->logdata[0] &&
		    json_object_set_new(jm, "logdata",
					json_string(m->logdata))) {
			json_decref(jm);
			jm = NULL;
		}
		if (!jm || json_array_append_new(
				   json_object_get(req, "matches"), jm)) {
			c->err = -ENOMEM;
			return 1;
		}
		return 0;
	}
	{
		char *msg = term_safe(m->msg), *ld = NULL;

		/* a SecAction matches no variable: nothing to show */
		printf("  rule %u [%s]", m->rule->id, m->rule->engine);
		if (var[0])
			printf(" %s = '%s'", var, val);
		printf("%s%s\n", m->msg[0] ? "  " : "", msg ? msg : "?");
		/* escaped by the engine already; term_safe() is a guard */
		if (m->logdata[0]) {
			ld = term_safe(m->logdata);
			printf("    logdata: %s\n", ld ? ld : "?");
		}
		free(msg);
		free(ld);
	}
	return 0;
}

static int on_test_request(const struct enf_request *req, void *arg)
{
	struct test_ctx *c = arg;
	char anom[512], *line;
	size_t before = c->n_matched;
	int n;

	c->n_req++;
	anomaly_names(req->anomalies, anom, sizeof(anom));
	line = strndup(req->line.ptr, req->line.len);
	if (!line) {
		c->err = -ENOMEM;
		return 1;
	}
	if (ctl_opts.json) {
		json_array_append_new(c->requests,
				      json_pack("{s:I,s:s,s:s,s:[]}", "request",
						(json_int_t)c->n_req, "line",
						line, "anomalies", anom,
						"matches"));
	} else {
		char *safe = term_safe(line);

		printf("request %zu: %s (anomalies: %s)\n", c->n_req,
		       safe ? safe : "?", anom);
		free(safe);
	}
	free(line);
	{
		struct enf_request r = *req;

		if (c->origin)
			r.origin = c->origin;
		n = enf_rules_match(c->rs, c->s, &r, print_match, c);
	}
	if (n < 0) {
		c->err = n;
		return 1;
	}
	if (!ctl_opts.json && c->n_matched == before)
		printf("  no rule matched\n");
	return 0;
}

/* What rule test's requests come with: the options that make an origin. */
struct test_origin {
	struct enf_req_origin o;
	bool set; /* one of them was given */
	bool have_local_port;
	unsigned int local_port;
	char comm[16];
};

/* --peer ADDR[:PORT], [V6ADDR]:PORT or V6ADDR: the peer as source. */
static int parse_peer(const char *s, struct enf_tuple *t)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *colon = strchr(s, ':');
	size_t hl;
	unsigned int p;

	memset(t, 0, sizeof(*t));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || (rb[1] && rb[1] != ':'))
			return -EINVAL;
		hl = (size_t)(rb - s - 1);
		s++;
		port = rb[1] ? rb + 2 : NULL;
	} else if (colon && !strchr(colon + 1, ':')) {
		hl = (size_t)(colon - s); /* IPv4:PORT */
		port = colon + 1;
	} else {
		hl = strlen(s); /* IPv4 or IPv6 alone */
	}
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, t->saddr) == 1)
		t->family = ENF_FAMILY_V4;
	else if (inet_pton(AF_INET6, host, t->saddr) == 1)
		t->family = ENF_FAMILY_V6;
	else
		return -EINVAL;
	if (port) {
		if (!parse_uint(port, 1, 65535, &p))
			return -EINVAL;
		t->sport = htons((uint16_t)p);
	}
	t->proto = IPPROTO_TCP;
	return 0;
}

/* One origin option @opt (its long name) with @val; a message on error. */
static int origin_opt(struct test_origin *to, const char *opt, const char *val)
{
	struct enf_req_origin *o = &to->o;

	to->set = true;
	if (!strcmp(opt, "exe")) {
		const char *base = strrchr(val, '/');

		o->exe = val;
		if (!o->comm) {
			/* a process's comm: its executable's name, cut */
			snprintf(to->comm, sizeof(to->comm), "%s",
				 base ? base + 1 : val);
			o->comm = to->comm;
		}
	} else if (!strcmp(opt, "comm")) {
		snprintf(to->comm, sizeof(to->comm), "%s", val);
		o->comm = to->comm;
	} else if (!strcmp(opt, "uid")) {
		/* (uid_t)-1 is no user */
		if (!parse_uint(val, 0, 4294967294UL, &o->uid))
			goto bad;
	} else if (!strcmp(opt, "cgroup")) {
		o->cgroup = val;
	} else if (!strcmp(opt, "tls-library")) {
		o->tls_lib = val;
	} else if (!strcmp(opt, "direction")) {
		if (!strcmp(val, "inbound"))
			o->direction = ENF_REQ_INBOUND;
		else if (!strcmp(val, "outbound"))
			o->direction = ENF_REQ_OUTBOUND;
		else
			goto bad;
	} else if (!strcmp(opt, "peer")) {
		if (parse_peer(val, &o->tuple))
			goto bad;
	} else if (!strcmp(opt, "local-port")) {
		if (!parse_uint(val, 1, 65535, &to->local_port))
			goto bad;
		to->have_local_port = true;
	}
	return 0;
bad:
	p_err("--%s: invalid value '%s'", opt, val);
	return -EINVAL;
}

/* The origin the options made, or an error when they do not fit. This
 * host's end of the flow has the unspecified address of the peer's family
 * (no rule reads it). */
static int origin_finish(struct test_origin *to)
{
	if (to->have_local_port) {
		if (!to->o.tuple.family) { /* parse_peer() sets it */
			p_err("--local-port needs --peer (a flow has both ends)");
			return -EINVAL;
		}
		to->o.tuple.dport = htons((uint16_t)to->local_port);
	}
	return 0;
}

#define RULE_TEST_USAGE                                            \
	"usage: enforcerctl rule test [-c CONFIG | -r RULES ...] " \
	"[--exe PATH] [--comm NAME] [--uid N] [--cgroup PATH] "    \
	"[--tls-library NAME] [--direction inbound|outbound] "     \
	"[--peer ADDR[:PORT]] [--local-port N] [-f REQUEST | REQUEST | -]"

/*
 * rule test [-c CONFIG | -r RULES...] [ORIGIN OPTIONS] [-f REQUEST | -]:
 * the HTTP/1.1 requests in the file (several, pipelined, are each tested)
 * against the set, as the daemon would match them; with any of --exe,
 * --comm, --uid, --cgroup, --tls-library, --direction, --peer and
 * --local-port, as if that process had received (or sent) them on that
 * flow; without, with no process or flow.
 */
int do_rule_test(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "exe", required_argument, NULL, 0 },
		{ "comm", required_argument, NULL, 0 },
		{ "uid", required_argument, NULL, 0 },
		{ "cgroup", required_argument, NULL, 0 },
		{ "tls-library", required_argument, NULL, 0 },
		{ "direction", required_argument, NULL, 0 },
		{ "peer", required_argument, NULL, 0 },
		{ "local-port", required_argument, NULL, 0 },
		{ NULL, 0, NULL, 0 },
	};
	struct test_origin to = { 0 };
	struct test_ctx c = { 0 };
	struct enf_ruleset *rs = NULL;
	struct enf_http1 *h = NULL;
	const char *file = NULL;
	struct set_opts o;
	char *in = NULL;
	size_t len = 0;
	FILE *f;
	int ret = EXIT_FAILURE, opt, li;

	set_opts_init(&o);
	/* argv[0] is the verb; glibc restarts getopt when optind is 0. */
	optind = 0;
	while ((opt = getopt_long(argc, argv, "+c:r:f:", longopts, &li)) !=
	       -1) {
		if (opt == 0) {
			if (origin_opt(&to, longopts[li].name, optarg))
				return EXIT_USAGE;
		} else if (opt == 'f') {
			file = optarg;
		} else if (set_opt(&o, opt, optarg)) {
			p_err(RULE_TEST_USAGE);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 || (argc == 1 && file)) {
		p_err(RULE_TEST_USAGE);
		return EXIT_USAGE;
	}
	if (to.set) {
		if (origin_finish(&to))
			return EXIT_USAGE;
		c.origin = &to.o;
	}
	if (argc == 1)
		file = argv[0];
	if (!file)
		file = "-";
	f = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
	if (!f) {
		p_err("%s: %s", file, strerror(errno));
		return EXIT_FAILURE;
	}
	in = read_stream(f, TEST_INPUT_MAX, &len);
	if (f != stdin)
		fclose(f);
	if (!in) {
		p_err("%s: unreadable or larger than %u bytes", file,
		      TEST_INPUT_MAX);
		return EXIT_FAILURE;
	}
	if (load_set(&o, &rs))
		goto out;
	if (enf_rules_scratch_new(rs, &c.s) || enf_http1_new(NULL, &h)) {
		p_err("out of memory");
		goto out;
	}
	c.rs = rs;
	c.requests = json_array();
	if (!c.requests)
		goto out;
	if (enf_http1_feed(h, in, len, on_test_request, &c) < 0 || c.err) {
		p_err("matching failed: %s", strerror(c.err ? -c.err : ENOMEM));
		goto out;
	}
	if (!c.n_req) {
		p_err("%s: no complete HTTP/1.1 request (a request's head ends "
		      "with an empty line)",
		      file);
		goto out;
	}
	if (ctl_opts.json) {
		json_t *res = json_pack("{s:I,s:I,s:O}", "rules",
					(json_int_t)enf_ruleset_count(rs),
					"matched", (json_int_t)c.n_matched,
					"requests", c.requests);

		print_json(res);
		json_decref(res);
	}
	ret = EXIT_SUCCESS;
out:
	json_decref(c.requests);
	enf_http1_free(h);
	enf_rules_scratch_free(c.s);
	enf_ruleset_free(rs);
	free(in);
	return ret;
}

static json_t *lint_json(const struct enf_rule_info *r)
{
	return json_pack("{s:I,s:s,s:s,s:s,s:I}", "id", (json_int_t)r->id,
			 "engine", r->engine, "why", r->why ? r->why : "",
			 "origin", r->origin, "line", (json_int_t)r->line);
}

/* rule lint [-c CONFIG | -r RULES...]: each rule, where it runs and why. */
int do_rule_lint(int argc, char **argv)
{
	struct enf_ruleset *rs = NULL;
	struct set_opts o;
	json_t *all = NULL;

	if (set_opts_parse(&o, &argc, &argv) || argc > 0) {
		p_err("usage: enforcerctl rule lint [-c CONFIG | -r RULES ...]");
		return EXIT_USAGE;
	}
	if (load_set(&o, &rs))
		return EXIT_FAILURE;
	if (ctl_opts.json)
		all = json_array();
	for (size_t i = 0; i < enf_ruleset_count(rs); i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(rs, i);
		size_t nl = enf_ruleset_links(rs, i);
		json_t *j = NULL, *links = NULL;

		if (all) {
			j = lint_json(r);
			links = json_array();
			json_object_set_new(j, "links", links);
			json_array_append_new(all, j);
		} else {
			printf("%-10u %-15s %s:%u: %s\n", r->id, r->engine,
			       r->origin, r->line, r->why ? r->why : "");
		}
		for (size_t k = 0; k < nl; k++) {
			const struct enf_rule_info *l =
				enf_ruleset_link(rs, i, k);

			if (links)
				json_array_append_new(links, lint_json(l));
			else
				printf("%-10s %-15s %s:%u: chained: %s\n", "",
				       l->engine, l->origin, l->line,
				       l->why ? l->why : "");
		}
	}
	if (all) {
		json_t *res = json_pack("{s:o}", "rules", all);

		print_json(res);
		json_decref(res);
	}
	enf_ruleset_free(rs);
	return EXIT_SUCCESS;
}
