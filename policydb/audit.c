// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The audit log: one row per event, every string bounded so that a peer
 * whose requests end up here cannot make rows grow without limit.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "pdb_internal.h"

#define NS_PER_SEC 1000000000LL

#define SECS_PER_DAY 86400

/* The date part "YYYY-MM-DD" of the last day formatted: rows come in time
 * order, and gmtime_r() and strftime() cost more than the rest of a row's
 * encoding. */
struct day_cache {
	int64_t day; /* days since the epoch; -1: none yet */
	char date[16];
};

static void put2(char *p, unsigned int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" from ns since the epoch (not negative: the
 * rows are checked); @buf of 32 bytes. */
static int format_time(struct day_cache *dc, int64_t time_ns, char *buf,
		       size_t len)
{
	int64_t sec = time_ns / NS_PER_SEC, day = sec / SECS_PER_DAY;
	unsigned int ms = (unsigned int)((time_ns % NS_PER_SEC) / 1000000);
	unsigned int tod = (unsigned int)(sec % SECS_PER_DAY);

	if (time_ns < 0 || len < 25)
		return -EOVERFLOW;
	if (day != dc->day) {
		time_t t = (time_t)sec;
		struct tm tm;

		if (!gmtime_r(&t, &tm) ||
		    strftime(dc->date, sizeof(dc->date), "%Y-%m-%d", &tm) != 10)
			return -EOVERFLOW;
		dc->day = day;
	}
	memcpy(buf, dc->date, 10);
	buf[10] = 'T';
	put2(buf + 11, tod / 3600);
	buf[13] = ':';
	put2(buf + 14, tod / 60 % 60);
	buf[16] = ':';
	put2(buf + 17, tod % 60);
	buf[19] = '.';
	buf[20] = (char)('0' + ms / 100);
	put2(buf + 21, ms % 100);
	buf[23] = 'Z';
	buf[24] = '\0';
	return 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

/*
 * The columns of an audit row in the order the chain encodes them: the
 * INSERT binds them as ?1..?33 (and the hash as ?34); verification and the
 * migration select them in this order.
 */
#define AUDIT_COLS                                                        \
	"id, time_ns, time, event, rule_id, msg, severity, action, pid,"  \
	" tgid, uid, exe, comm, cgroup_id, proto, saddr, sport, daddr,"   \
	" dport, tls_lib, direction, method, host, uri, excerpt, cgroup," \
	" container, sock_cookie, logdata, cmdline, latency_ns, point,"   \
	" shadow"
#define AUDIT_NCOLS 33

/*
 * The canonical encoding of a row, which the hash covers: per column a tag
 * and the value, 'N' for NULL, 'I' and 8 bytes big-endian for an integer,
 * 'T', a 4-byte big-endian length and the bytes for text ('R' and 'B' for
 * a real or a blob, which enforcer never writes: a row holding one was
 * changed by hand, and its hash cannot match).
 */
struct pdb_canon {
	EVP_MD *sha256; /* fetched once: not looked up again each row */
	EVP_MD_CTX *md;
	struct day_cache days;
	unsigned char *buf;
	size_t len;
	size_t cap;
	bool oom;
};

void pdb_canon_free(struct pdb_canon *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	EVP_MD_free(c->sha256);
	free(c->buf);
	free(c);
}

static struct pdb_canon *canon_new(void)
{
	struct pdb_canon *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->md = EVP_MD_CTX_new();
	c->days.day = -1;
	c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	c->cap = 1024;
	c->buf = malloc(c->cap);
	if (!c->md || !c->sha256 || !c->buf) {
		pdb_canon_free(c);
		return NULL;
	}
	return c;
}

static void canon_put(struct pdb_canon *c, const void *p, size_t n)
{
	if (c->len + n > c->cap) {
		size_t cap = c->cap;
		unsigned char *buf;

		while (cap < c->len + n)
			cap *= 2;
		buf = realloc(c->buf, cap);
		if (!buf) {
			c->oom = true;
			return;
		}
		c->buf = buf;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
}

static void canon_be(struct pdb_canon *c, char tag, uint64_t v, int bytes)
{
	unsigned char b[9];

	b[0] = (unsigned char)tag;
	for (int i = 0; i < bytes; i++)
		b[1 + i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
	canon_put(c, b, 1 + (size_t)bytes);
}

static void canon_null(struct pdb_canon *c)
{
	canon_put(c, "N", 1);
}

static void canon_int(struct pdb_canon *c, int64_t v)
{
	canon_be(c, 'I', (uint64_t)v, 8);
}

static void canon_bytes(struct pdb_canon *c, char tag, const void *p, size_t n)
{
	canon_be(c, tag, n, 4);
	canon_put(c, p, n);
}

/* The hash of a row: SHA-256 of the previous row's hash and the encoding.
 * Return: 0, or -ENOMEM. */
static int canon_hash(struct pdb_canon *c, const uint8_t *prev, uint8_t *out)
{
	unsigned int n = 0;

	if (c->oom || !EVP_DigestInit_ex(c->md, c->sha256, NULL) ||
	    !EVP_DigestUpdate(c->md, prev, PDB_AUDIT_HASH_LEN) ||
	    !EVP_DigestUpdate(c->md, c->buf, c->len) ||
	    !EVP_DigestFinal_ex(c->md, out, &n) || n != PDB_AUDIT_HASH_LEN)
		return -ENOMEM;
	return 0;
}

/* Encodes columns 0..AUDIT_NCOLS-1 of @st's row as they are stored. */
static void canon_row(struct pdb_canon *c, sqlite3_stmt *st)
{
	c->len = 0;
	c->oom = false;
	for (int i = 0; i < AUDIT_NCOLS; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			canon_int(c, sqlite3_column_int64(st, i));
			break;
		case SQLITE_TEXT:
			canon_bytes(c, 'T', sqlite3_column_text(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
			break;
		case SQLITE_FLOAT: {
			double d = sqlite3_column_double(st, i);
			uint64_t u;

			memcpy(&u, &d, sizeof(u));
			canon_be(c, 'R', u, 8);
			break;
		}
		case SQLITE_BLOB:
			canon_bytes(c, 'B', sqlite3_column_blob(st, i),
				    (size_t)sqlite3_column_bytes(st, i));
			break;
		default:
			canon_null(c);
		}
	}
}

/* Binds the row's values one after the other and encodes each as bound. */
struct row_bind {
	sqlite3_stmt *st;
	struct pdb_canon *c;
	int idx;
};

static void bind_text(struct row_bind *b, const char *s, size_t max)
{
	size_t n;

	b->idx++;
	if (!s) {
		sqlite3_bind_null(b->st, b->idx);
		canon_null(b->c);
		return;
	}
	n = pdb_utf8_cut(s, max);
	sqlite3_bind_text(b->st, b->idx, s, (int)n, SQLITE_STATIC);
	canon_bytes(b->c, 'T', s, n);
}

static void bind_int(struct row_bind *b, int64_t v)
{
	sqlite3_bind_int64(b->st, ++b->idx, v);
	canon_int(b->c, v);
}

/* An integer stored as NULL when not @present. */
static void bind_opt(struct row_bind *b, int64_t v, bool present)
{
	if (present) {
		bind_int(b, v);
	} else {
		sqlite3_bind_null(b->st, ++b->idx);
		canon_null(b->c);
	}
}

static int check_row(const struct pdb_audit *a, size_t i, char *err)
{
	if (!a->event || !a->event[0]) {
		pdb_seterr(err, "audit insert: row %zu has no event", i);
		return -EINVAL;
	}
	if (a->time_ns < 0) {
		pdb_seterr(err, "audit insert: row %zu: negative time", i);
		return -EINVAL;
	}
	return 0;
}

/* Inserts @a as row @id chained to @prev; its hash into @out. */
static int insert_row(struct pdb *db, sqlite3_stmt *st,
		      const struct pdb_audit *a, int64_t id,
		      const uint8_t *prev, uint8_t *out, char *err)
{
	struct row_bind b = { .st = st, .c = db->canon };
	char when[32];
	int64_t t;
	int rc, ret;

	t = a->time_ns ? a->time_ns : now_ns();
	if (format_time(&db->canon->days, t, when, sizeof(when))) {
		pdb_seterr(err, "audit insert: time %lld out of range",
			   (long long)t);
		return -EOVERFLOW;
	}
	db->canon->len = 0;
	db->canon->oom = false;
	bind_int(&b, id);
	bind_int(&b, t);
	bind_text(&b, when, sizeof(when));
	bind_text(&b, a->event, PDB_AUDIT_SHORT_MAX);
	bind_opt(&b, a->rule_id, a->rule_id != 0);
	bind_text(&b, a->msg, PDB_AUDIT_MSG_MAX);
	bind_opt(&b, a->severity, a->severity >= 0);
	bind_text(&b, a->action, PDB_AUDIT_SHORT_MAX);
	bind_int(&b, a->pid);
	bind_int(&b, a->tgid);
	bind_int(&b, a->uid);
	bind_text(&b, a->exe, PDB_AUDIT_EXE_MAX);
	bind_text(&b, a->comm, PDB_AUDIT_COMM_MAX);
	/* cgroup ids are inode numbers; one past INT64_MAX would read back
	 * negative, which no kernel hands out. */
	bind_int(&b, (int64_t)a->cgroup_id);
	bind_text(&b, a->proto, PDB_AUDIT_SHORT_MAX);
	bind_text(&b, a->saddr, PDB_AUDIT_ADDR_MAX);
	bind_int(&b, a->sport);
	bind_text(&b, a->daddr, PDB_AUDIT_ADDR_MAX);
	bind_int(&b, a->dport);
	bind_text(&b, a->tls_lib, PDB_AUDIT_SHORT_MAX);
	bind_text(&b, a->direction, PDB_AUDIT_SHORT_MAX);
	bind_text(&b, a->method, PDB_AUDIT_SHORT_MAX);
	bind_text(&b, a->host, PDB_AUDIT_HOST_MAX);
	bind_text(&b, a->uri, PDB_AUDIT_URI_MAX);
	bind_text(&b, a->excerpt, PDB_AUDIT_EXCERPT_MAX);
	bind_text(&b, a->cgroup, PDB_AUDIT_CGROUP_MAX);
	bind_text(&b, a->container, PDB_AUDIT_CONTAINER_MAX);
	/* cookies count up from 1 per boot: never near INT64_MAX */
	bind_opt(&b, (int64_t)a->sock_cookie, a->sock_cookie != 0);
	/* a rule without logdata: NULL, as rows before v3 */
	bind_text(&b, a->logdata && a->logdata[0] ? a->logdata : NULL,
		  PDB_AUDIT_LOGDATA_MAX);
	bind_text(&b, a->cmdline && a->cmdline[0] ? a->cmdline : NULL,
		  PDB_AUDIT_CMDLINE_MAX);
	/* a latency is never near INT64_MAX ns (292 years) */
	bind_opt(&b, (int64_t)a->latency_ns, a->latency_ns != 0);
	bind_text(&b, a->point, PDB_AUDIT_SHORT_MAX);
	bind_int(&b, a->shadow ? 1 : 0);
	ret = canon_hash(db->canon, prev, out);
	if (ret) {
		pdb_seterr(err, "audit insert: hashing: out of memory");
		goto out_reset;
	}
	sqlite3_bind_blob(st, ++b.idx, out, PDB_AUDIT_HASH_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "audit insert: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
out_reset:
	/* every parameter is bound again for the next row; the caller's
	 * strings are dropped once the batch is done */
	sqlite3_reset(st);
	return ret;
}

/* A hash column's value, or zeros when it holds no hash. */
static void column_hash(sqlite3_stmt *st, int i, uint8_t *out)
{
	if (sqlite3_column_type(st, i) == SQLITE_BLOB &&
	    sqlite3_column_bytes(st, i) == PDB_AUDIT_HASH_LEN)
		memcpy(out, sqlite3_column_blob(st, i), PDB_AUDIT_HASH_LEN);
	else
		memset(out, 0, PDB_AUDIT_HASH_LEN);
}

/* The row the next one chains to: the last row, or the anchor. */
static int chain_last(struct pdb *db, int64_t *id, uint8_t *hash, char *err)
{
	static const char last_sql[] =
		"SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
	static const char anchor_sql[] =
		"SELECT anchor_id, anchor_hash FROM audit_chain WHERE id = 1";
	sqlite3_stmt *st;
	int rc;

	rc = pdb_stmt_cached(db, &db->audit_head, last_sql, &st);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		rc = pdb_stmt_cached(db, &db->chain_head, anchor_sql, &st);
		if (rc == SQLITE_OK)
			rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		pdb_seterr(err, "audit chain: %s",
			   rc == SQLITE_DONE ? "no audit_chain row" :
					       sqlite3_errmsg(db->h));
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -EBADMSG : pdb_errno(db->h, rc);
	}
	*id = sqlite3_column_int64(st, 0);
	column_hash(st, 1, hash);
	sqlite3_reset(st);
	return 0;
}

static int set_head(struct pdb *db, int64_t id, const uint8_t *hash, char *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db->h,
				"UPDATE audit_chain SET head_id = ?1,"
				" head_hash = ?2 WHERE id = 1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_blob(st, 2, hash, PDB_AUDIT_HASH_LEN,
				  SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "audit chain head: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	return 0;
}

/* A transaction of its own, or a savepoint in the caller's. */
static int write_begin(struct pdb *db, bool *own, char *err)
{
	int rc;

	*own = sqlite3_get_autocommit(db->h) != 0;
	rc = sqlite3_exec(db->h, *own ? "BEGIN IMMEDIATE" : "SAVEPOINT pdb_w",
			  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "begin: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	return 0;
}

static int write_end(struct pdb *db, bool own, int ret, char *err)
{
	int rc;

	if (ret) {
		sqlite3_exec(db->h,
			     own ? "ROLLBACK" :
				   "ROLLBACK TO pdb_w; RELEASE pdb_w",
			     NULL, NULL, NULL);
		return ret;
	}
	rc = sqlite3_exec(db->h, own ? "COMMIT" : "RELEASE pdb_w", NULL, NULL,
			  NULL);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "commit: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
		if (own)
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	}
	return ret;
}

static int canon_ready(struct pdb *db, char *err)
{
	if (!db->canon)
		db->canon = canon_new();
	if (!db->canon) {
		pdb_seterr(err, "audit: out of memory");
		return -ENOMEM;
	}
	return 0;
}

int pdb_audit_insert_many(struct pdb *db, const struct pdb_audit *rows,
			  size_t n, int64_t *ids,
			  uint8_t (*hashes)[PDB_AUDIT_HASH_LEN], char *err)
{
	static const char sql[] =
		"INSERT INTO audit (" AUDIT_COLS ", hash) VALUES (?1, ?2, ?3,"
		" ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28,"
		" ?29, ?30, ?31, ?32, ?33, ?34)";
	uint8_t prev[PDB_AUDIT_HASH_LEN], h[PDB_AUDIT_HASH_LEN];
	sqlite3_stmt *st;
	int64_t id = 0;
	bool own;
	int rc, ret;

	pdb_clearerr(err);
	if (!db || (!rows && n)) {
		pdb_seterr(err, "audit insert: no database or rows");
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		ret = check_row(&rows[i], i, err);
		if (ret)
			return ret;
	}
	if (!n)
		return 0;
	ret = canon_ready(db, err);
	if (ret)
		return ret;
	rc = pdb_stmt_cached(db, &db->audit_insert, sql, &st);
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "audit insert: %s", sqlite3_errmsg(db->h));
		return pdb_errno(db->h, rc);
	}
	ret = write_begin(db, &own, err);
	if (ret)
		return ret;
	/* Read under the write lock: no other writer can chain meanwhile. */
	ret = chain_last(db, &id, prev, err);
	for (size_t i = 0; !ret && i < n; i++) {
		ret = insert_row(db, st, &rows[i], ++id, prev, h, err);
		if (ret)
			break;
		if (ids)
			ids[i] = id;
		if (hashes)
			memcpy(hashes[i], h, PDB_AUDIT_HASH_LEN);
		memcpy(prev, h, PDB_AUDIT_HASH_LEN);
	}
	/* Drop the caller's strings from the cached statement. */
	sqlite3_clear_bindings(st);
	if (!ret)
		ret = set_head(db, id, prev, err);
	return write_end(db, own, ret, err);
}

int64_t pdb_audit_insert(struct pdb *db, const struct pdb_audit *a, char *err)
{
	int64_t id = 0;
	int ret;

	if (!a) {
		pdb_clearerr(err);
		pdb_seterr(err, "audit insert: no row");
		return -EINVAL;
	}
	ret = pdb_audit_insert_many(db, a, 1, &id, NULL, err);
	return ret ? ret : id;
}

/* The strings of a row, with the bounds the database keeps them to. */
static const struct {
	size_t off;
	size_t max;
} audit_strings[] = {
	{ offsetof(struct pdb_audit, event), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, msg), PDB_AUDIT_MSG_MAX },
	{ offsetof(struct pdb_audit, action), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, exe), PDB_AUDIT_EXE_MAX },
	{ offsetof(struct pdb_audit, comm), PDB_AUDIT_COMM_MAX },
	{ offsetof(struct pdb_audit, proto), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, saddr), PDB_AUDIT_ADDR_MAX },
	{ offsetof(struct pdb_audit, daddr), PDB_AUDIT_ADDR_MAX },
	{ offsetof(struct pdb_audit, tls_lib), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, direction), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, method), PDB_AUDIT_SHORT_MAX },
	{ offsetof(struct pdb_audit, host), PDB_AUDIT_HOST_MAX },
	{ offsetof(struct pdb_audit, uri), PDB_AUDIT_URI_MAX },
	{ offsetof(struct pdb_audit, excerpt), PDB_AUDIT_EXCERPT_MAX },
	{ offsetof(struct pdb_audit, cgroup), PDB_AUDIT_CGROUP_MAX },
	{ offsetof(struct pdb_audit, container), PDB_AUDIT_CONTAINER_MAX },
	{ offsetof(struct pdb_audit, logdata), PDB_AUDIT_LOGDATA_MAX },
	{ offsetof(struct pdb_audit, cmdline), PDB_AUDIT_CMDLINE_MAX },
	{ offsetof(struct pdb_audit, point), PDB_AUDIT_SHORT_MAX },
};

#define N_AUDIT_STRINGS (sizeof(audit_strings) / sizeof(audit_strings[0]))

static const char **audit_str(const struct pdb_audit *a, size_t i)
{
	return (const char **)((const char *)a + audit_strings[i].off);
}

struct pdb_audit *pdb_audit_dup(const struct pdb_audit *a)
{
	size_t len[N_AUDIT_STRINGS], total = sizeof(*a);
	struct pdb_audit *out;
	char *p;

	if (!a)
		return NULL;
	for (size_t i = 0; i < N_AUDIT_STRINGS; i++) {
		const char *s = *audit_str(a, i);

		len[i] = s ? pdb_utf8_cut(s, audit_strings[i].max) : 0;
		total += s ? len[i] + 1 : 0;
	}
	out = malloc(total);
	if (!out)
		return NULL;
	*out = *a;
	p = (char *)(out + 1);
	for (size_t i = 0; i < N_AUDIT_STRINGS; i++) {
		const char *s = *audit_str(a, i);

		if (!s)
			continue;
		memcpy(p, s, len[i]);
		p[len[i]] = '\0';
		*audit_str(out, i) = p;
		p += len[i] + 1;
	}
	return out;
}

int pdb_audit_chain_migrate(struct pdb *db, char *err)
{
	uint8_t prev[PDB_AUDIT_HASH_LEN] = { 0 }, h[PDB_AUDIT_HASH_LEN];
	sqlite3_stmt *sel = NULL, *upd = NULL;
	int64_t id = 0;
	int rc, ret;

	ret = canon_ready(db, err);
	if (ret)
		return ret;
	rc = sqlite3_prepare_v2(db->h,
				"SELECT " AUDIT_COLS " FROM audit ORDER BY id",
				-1, &sel, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db->h,
					"UPDATE audit SET hash = ?2"
					" WHERE id = ?1",
					-1, &upd, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
		id = sqlite3_column_int64(sel, 0);
		canon_row(db->canon, sel);
		if (canon_hash(db->canon, prev, h)) {
			pdb_seterr(err, "migrate to v6: out of memory");
			ret = -ENOMEM;
			goto out;
		}
		sqlite3_bind_int64(upd, 1, id);
		sqlite3_bind_blob(upd, 2, h, PDB_AUDIT_HASH_LEN, SQLITE_STATIC);
		rc = sqlite3_step(upd);
		sqlite3_reset(upd);
		if (rc != SQLITE_DONE)
			break;
		memcpy(prev, h, PDB_AUDIT_HASH_LEN);
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "migrate to v6: chaining the audit rows: %s",
			   sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
		goto out;
	}
	ret = set_head(db, id, prev, err);
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(upd);
	return ret;
}

struct verify {
	struct pdb_audit_verify *out;
	pdb_verify_cb cb;
	void *ctx;
	bool stopped;
};

static void __attribute__((format(printf, 3, 4)))
problem(struct verify *v, int64_t id, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (!v->out->problems++) {
		v->out->first_bad_id = id;
		snprintf(v->out->first_problem, sizeof(v->out->first_problem),
			 "%s", what);
	}
	if (v->cb && !v->stopped && v->cb(v->ctx, id, what))
		v->stopped = true;
}

static int verify_rows(sqlite3 *h, struct pdb_canon *c, struct verify *v,
		       const uint8_t *anchor_hash, const uint8_t *head_hash,
		       char *err)
{
	struct pdb_audit_verify *out = v->out;
	uint8_t prev[PDB_AUDIT_HASH_LEN], calc_prev[PDB_AUDIT_HASH_LEN];
	uint8_t stored[PDB_AUDIT_HASH_LEN], h1[PDB_AUDIT_HASH_LEN];
	uint8_t h2[PDB_AUDIT_HASH_LEN] = { 0 };
	int64_t prev_id = out->anchor_id;
	bool has_hash = false;
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(h,
				"SELECT " AUDIT_COLS
				", hash FROM audit ORDER BY id",
				-1, &st, NULL);
	memcpy(prev, anchor_hash, PDB_AUDIT_HASH_LEN);
	memcpy(calc_prev, anchor_hash, PDB_AUDIT_HASH_LEN);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		int64_t id;
		bool ok;

		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		id = sqlite3_column_int64(st, 0);

		out->rows++;
		if (!out->first_id)
			out->first_id = id;
		out->last_id = id;
		has_hash = sqlite3_column_type(st, AUDIT_NCOLS) ==
				   SQLITE_BLOB &&
			   sqlite3_column_bytes(st, AUDIT_NCOLS) ==
				   PDB_AUDIT_HASH_LEN;
		column_hash(st, AUDIT_NCOLS, stored);
		canon_row(c, st);
		/* A row chains to the hash stored in the row before it; when
		 * that hash itself was overwritten, to the one its content
		 * gives, so that one changed hash is one break, not two (the
		 * second hash only when the first does not match). */
		if (canon_hash(c, prev, h1) ||
		    (memcmp(h1, stored, PDB_AUDIT_HASH_LEN) &&
		     canon_hash(c, calc_prev, h2))) {
			pdb_seterr(err, "audit verify: out of memory");
			sqlite3_finalize(st);
			return -ENOMEM;
		}
		ok = has_hash && (!memcmp(h1, stored, PDB_AUDIT_HASH_LEN) ||
				  !memcmp(h2, stored, PDB_AUDIT_HASH_LEN));
		if (!has_hash)
			problem(v, id,
				"row %lld has no hash: inserted or changed"
				" outside enforcer",
				(long long)id);
		else if (id > out->head_id)
			problem(v, id,
				"row %lld is past the chain's head (row"
				" %lld): added outside enforcer",
				(long long)id, (long long)out->head_id);
		else if (!ok && id > prev_id + 1)
			problem(v, id,
				"rows %lld..%lld are missing: deleted (the"
				" chain breaks at row %lld)",
				(long long)prev_id + 1, (long long)id - 1,
				(long long)id);
		else if (!ok)
			problem(v, id,
				"row %lld does not match its hash: edited"
				" (or the row before it was rewritten)",
				(long long)id);
		if (ok && id <= out->head_id && !out->problems)
			out->last_good_id = id;
		memcpy(prev, stored, PDB_AUDIT_HASH_LEN);
		memcpy(calc_prev, h1, PDB_AUDIT_HASH_LEN);
		prev_id = id;
	}
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "audit verify: %s", sqlite3_errmsg(h));
		rc = pdb_errno(h, rc);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	if (prev_id < out->head_id)
		problem(v, prev_id + 1,
			"rows %lld..%lld are missing at the end: deleted (the"
			" chain's head is row %lld)",
			(long long)prev_id + 1, (long long)out->head_id,
			(long long)out->head_id);
	else if (prev_id == out->head_id && out->rows &&
		 memcmp(prev, head_hash, PDB_AUDIT_HASH_LEN))
		problem(v, prev_id,
			"row %lld is not the chain's head it was written"
			" as: its hash was changed",
			(long long)prev_id);
	return 0;
}

int pdb_audit_verify(const char *path, pdb_verify_cb cb, void *ctx,
		     struct pdb_audit_verify *out, char *err)
{
	uint8_t anchor[PDB_AUDIT_HASH_LEN], head[PDB_AUDIT_HASH_LEN];
	struct verify v = { .out = out, .cb = cb, .ctx = ctx };
	struct pdb_canon *c = NULL;
	sqlite3_stmt *st = NULL;
	int64_t version = 0;
	sqlite3 *h = NULL;
	int rc, ret;

	pdb_clearerr(err);
	if (!path || !out) {
		pdb_seterr(err, "audit verify: no database or result");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	ret = pdb_open_readonly(path, PDB_BUSY_TIMEOUT_MS, &h, err);
	if (ret)
		goto out;
	c = canon_new();
	if (!c) {
		pdb_seterr(err, "audit verify: out of memory");
		ret = -ENOMEM;
		goto out;
	}
	/* One read transaction: rows written meanwhile are not seen. */
	rc = sqlite3_exec(h, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st,
					NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_OK) {
		pdb_seterr(err, "audit verify: %s", sqlite3_errmsg(h));
		ret = pdb_errno(h, rc);
		goto out;
	}
	if (version < 6) {
		pdb_seterr(err,
			   "audit verify: %s is schema v%lld, which has no"
			   " audit chain (v6); enforcerd migrates it at start",
			   path, (long long)version);
		ret = -EPROTO;
		goto out;
	}
	rc = sqlite3_prepare_v2(h,
				"SELECT anchor_id, anchor_hash, head_id,"
				" head_hash FROM audit_chain WHERE id = 1",
				-1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		pdb_seterr(err, "audit verify: the audit_chain row: %s",
			   rc == SQLITE_DONE ? "missing" : sqlite3_errmsg(h));
		ret = rc == SQLITE_DONE ? -EBADMSG : pdb_errno(h, rc);
		goto out;
	}
	out->anchor_id = sqlite3_column_int64(st, 0);
	column_hash(st, 1, anchor);
	out->head_id = sqlite3_column_int64(st, 2);
	column_hash(st, 3, head);
	sqlite3_finalize(st);
	st = NULL;
	ret = verify_rows(h, c, &v, anchor, head, err);
out:
	sqlite3_finalize(st);
	if (h)
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(h);
	pdb_canon_free(c);
	return ret;
}

int pdb_audit_capture_loss_row(struct pdb_audit *a, char *msg, int64_t time_ns,
			       const uint64_t *lost, size_t ncpus,
			       unsigned int interval_s)
{
	/* room kept at the end for ", ..." and " in N s" */
	static const size_t tail = 32, len = PDB_AUDIT_MSG_MAX + 1;
	uint64_t total = 0;
	size_t i, n, cpus = 0;
	int w;

	if (!a || !msg || (!lost && ncpus))
		return -EINVAL;
	for (i = 0; i < ncpus; i++) {
		total += lost[i];
		cpus += lost[i] != 0;
	}
	if (!total)
		return 0;
	n = (size_t)snprintf(msg, len, "lost %llu records on CPU%s",
			     (unsigned long long)total, cpus > 1 ? "s" : "");
	for (i = 0; i < ncpus; i++) {
		if (!lost[i])
			continue;
		w = snprintf(msg + n, len - n, "%s %zu (%llu)",
			     n && msg[n - 1] == ')' ? "," : "", i,
			     (unsigned long long)lost[i]);
		if (w < 0 || n + (size_t)w + tail >= len) {
			msg[n] = '\0';
			n += (size_t)snprintf(msg + n, len - n, ", ...");
			break;
		}
		n += (size_t)w;
	}
	if (interval_s)
		snprintf(msg + n, len - n, " in %u s", interval_s);
	*a = (struct pdb_audit){
		.time_ns = time_ns,
		.event = "capture-loss",
		.msg = msg,
		.severity = 4,
	};
	return 1;
}

int64_t pdb_audit_capture_loss(struct pdb *db, int64_t time_ns,
			       const uint64_t *lost, size_t ncpus,
			       unsigned int interval_s, char *err)
{
	char msg[PDB_AUDIT_MSG_MAX + 1];
	struct pdb_audit a;
	int ret;

	pdb_clearerr(err);
	ret = pdb_audit_capture_loss_row(&a, msg, time_ns, lost, ncpus,
					 interval_s);
	if (ret < 0) {
		pdb_seterr(err, "capture-loss: no counts");
		return ret;
	}
	if (!ret)
		return 0;
	return pdb_audit_insert(db, &a, err);
}

/* A PRAGMA's integer value; -1 when it cannot be read. */
static int64_t pragma_value(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/*
 * The last row of the prefix to delete: of the first @max rows by id, up to
 * the first one not older than @before_ns (when only age applies), or up
 * to @by_size of them (when the database is over its size). *@last 0:
 * nothing to delete.
 */
static int prune_prefix(struct pdb *db, int64_t before_ns, size_t by_size,
			size_t max, int64_t *last, uint8_t *hash, char *err)
{
	sqlite3_stmt *st;
	size_t n = 0;
	int rc;

	*last = 0;
	rc = sqlite3_prepare_v2(db->h,
				"SELECT id, time_ns, hash FROM audit"
				" ORDER BY id LIMIT ?1",
				-1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, (int64_t)max);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (n >= by_size &&
			    sqlite3_column_int64(st, 1) >= before_ns)
				break;
			*last = sqlite3_column_int64(st, 0);
			column_hash(st, 2, hash);
			n++;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		pdb_seterr(err, "audit prune: %s", sqlite3_errmsg(db->h));
		rc = pdb_errno(db->h, rc);
		sqlite3_finalize(st);
		return rc;
	}
	sqlite3_finalize(st);
	return 0;
}

int64_t pdb_audit_prune(struct pdb *db, int64_t before_ns, uint64_t max_bytes,
			size_t max_rows, char *err)
{
	uint8_t hash[PDB_AUDIT_HASH_LEN];
	size_t by_size = 0;
	sqlite3_stmt *st = NULL;
	int64_t last, ret;
	bool own;
	int rc;

	pdb_clearerr(err);
	if (!db || before_ns < 0) {
		pdb_seterr(err, "audit prune: no database, or a negative time");
		return -EINVAL;
	}
	if (!max_rows)
		max_rows = 10000;
	ret = write_begin(db, &own, err);
	if (ret)
		return ret;
	if (max_bytes) {
		int64_t pages = pragma_value(db->h, "PRAGMA page_count");
		int64_t free_pages =
			pragma_value(db->h, "PRAGMA freelist_count");
		int64_t size = pragma_value(db->h, "PRAGMA page_size");
		int64_t used = (pages - free_pages) * size;

		/* Over the bound: the share of the rows it is over by, at
		 * least 1% of the step, to make progress against indexes
		 * that free pages slowly. */
		if (pages > 0 && free_pages >= 0 && size > 0 &&
		    (uint64_t)used > max_bytes) {
			double over = (double)((uint64_t)used - max_bytes) /
				      (double)used;

			by_size = (size_t)(over * (double)max_rows) + 1;
			if (by_size < max_rows / 100)
				by_size = max_rows / 100 ? max_rows / 100 : 1;
		}
	}
	ret = prune_prefix(db, before_ns, by_size, max_rows, &last, hash, err);
	if (ret || !last)
		return write_end(db, own, ret, err);
	rc = sqlite3_prepare_v2(db->h, "DELETE FROM audit WHERE id <= ?1", -1,
				&st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, last);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_DONE) {
		ret = sqlite3_changes64(db->h);
		sqlite3_finalize(st);
		rc = sqlite3_prepare_v2(db->h,
					"UPDATE audit_chain SET anchor_id = ?1,"
					" anchor_hash = ?2 WHERE id = 1",
					-1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, last);
			sqlite3_bind_blob(st, 2, hash, PDB_AUDIT_HASH_LEN,
					  SQLITE_STATIC);
			rc = sqlite3_step(st);
		}
	}
	if (rc != SQLITE_DONE) {
		pdb_seterr(err, "audit prune: %s", sqlite3_errmsg(db->h));
		ret = pdb_errno(db->h, rc);
	}
	sqlite3_finalize(st);
	rc = write_end(db, own, ret < 0 ? (int)ret : 0, err);
	return rc ? rc : ret;
}
