/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforcerd's wiring: the context every stage hangs off, the start-up and
 * shut-down sequence, the event loop and the control commands. Each stage
 * lives in its own module; this is where they meet.
 */
#ifndef ENFORCER_DAEMON_H
#define ENFORCER_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "enforcer/common/config.h"
#include "enforcer/daemon/sandbox.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"
#include "enforcer/verdict/deny.h"
#include "enforcer/verdict/writer.h"
#include "enforcer/tls_event.h"

struct enf_capture;
struct enf_cgroup_cache;
struct enf_discover;
struct enf_ctl_server;
struct enf_flow_table;
struct enf_proc_cache;
struct enf_rules_scratch;
struct enf_ruleset;
struct enf_tls;
struct enf_verdict;
struct pdb;

/* Flows (per direction) whose HTTP state is kept at once. */
#define ENF_DAEMON_MAX_FLOWS 4096

/* Response classes in enf_pipeline_stats.resp_class: status / 100 for 1xx
 * to 5xx, ENF_RESP_BAD for status 0 (a status line that did not parse),
 * ENF_RESP_OTHER for 600-999. */
#define ENF_RESP_BAD 0
#define ENF_RESP_OTHER 6
#define ENF_RESP_CLASSES 7

/**
 * struct enf_pipeline_stats - counters of the event path; written by the
 * event thread, read by the control thread (relaxed atomics)
 * @events: TLS events handled
 * @bytes: plaintext bytes the calls moved
 * @truncated: events cut at ENF_TLS_MAX_DATA
 * @no_socket: events whose socket was not found
 * @requests: inbound requests parsed and matched (HTTP/1 and HTTP/2)
 * @outbound_requests: requests processes sent (parsed, not matched yet)
 * @anomalous: requests (either direction) with any ENF_ANOM_* bit
 * @response_streams: streams carrying HTTP/1 responses
 * @responses: responses parsed (HTTP/1 and HTTP/2, 1xx included)
 * @resp_class: @responses by status class (ENF_RESP_*)
 * @resp_anomalous: responses with any ENF_ANOM_* bit
 * @matches: rules that matched
 * @match_errors: requests the engine failed on
 * @h2_connections: HTTP/2 client sides (requests) parsed, one per
 *	connection, from the preface or from the middle
 * @h2_server_sides: HTTP/2 server sides (responses) parsed
 * @h2_midstream: HTTP/2 parsers started from the middle (a connection seen
 *	late, or a gap): not trusted until the peer flushes its HPACK table
 * @h2_requests: requests HTTP/2 parsers handed out (both directions)
 * @h2_responses: responses HTTP/2 parsers handed out
 * @h2_streams: HTTP/2 streams assembled
 * @h2_refused: HTTP/2 streams over the open-stream cap, not assembled
 * @h2_errors: HTTP/2 protocol errors
 * @h2_hpack_errors: header blocks that did not decode or were abandoned
 * @h2_skipped: bytes skipped looking for a frame (seen from the middle)
 * @h2_state_lost: HTTP/2 messages handed out while the connection's header
 *	state was not trusted (ENF_ANOM_H2_STATE_LOST)
 * @h2_unmatched: HTTP/2 requests still open when their flow left the flow
 *	table (evicted, or the daemon stopping): handed out and counted, not
 *	matched (the table's free callback does not enter the rule engine)
 * @gaps: events with missing bytes, after which a stream's parser restarts
 * @overlaps: records repeating bytes already fed, cut
 * @session_reuse: a session object seen on a new connection: its streams
 *	start over
 * @flow_evictions: flows pushed out of the full flow table
 * @pcre2_limit_hits: PCRE2 matches stopped by a limit (no match assumed)
 * @memo_hits: values the rule engine took from its clean-value memo
 * @loss_rows: capture-loss audit rows written
 */
struct enf_pipeline_stats {
	uint64_t events;
	uint64_t bytes;
	uint64_t truncated;
	uint64_t no_socket;
	uint64_t requests;
	uint64_t outbound_requests;
	uint64_t anomalous;
	uint64_t response_streams;
	uint64_t responses;
	uint64_t resp_class[ENF_RESP_CLASSES];
	uint64_t resp_anomalous;
	uint64_t matches;
	uint64_t match_errors;
	uint64_t h2_connections;
	uint64_t h2_server_sides;
	uint64_t h2_midstream;
	uint64_t h2_requests;
	uint64_t h2_responses;
	uint64_t h2_streams;
	uint64_t h2_refused;
	uint64_t h2_errors;
	uint64_t h2_hpack_errors;
	uint64_t h2_skipped;
	uint64_t h2_state_lost;
	uint64_t h2_unmatched;
	uint64_t gaps;
	uint64_t overlaps;
	uint64_t session_reuse;
	uint64_t flow_evictions;
	uint64_t pcre2_limit_hits;
	uint64_t memo_hits;
	uint64_t loss_rows;
	uint64_t expired; /* deny entries the sweeper lifted (ttl) */
	uint64_t cgroup_gone; /* egress entries lifted: their cgroup gone */
};

struct enf_daemon {
	struct enf_config cfg;
	time_t started;
	/* Peers never denied: the configured allowlist with the management
	 * network's prefixes added (build_allowlist()); set at start, read
	 * by every thread. */
	struct enf_cidr allow[ENF_ALLOW_MAX];
	size_t n_allow;
	char mgmt_iface[IF_NAMESIZE]; /* "" when none */

	/* Event thread only. */
	struct pdb *db;
	struct enf_dp *dp;
	struct enf_tls *tls;
	struct enf_capture *capture;
	struct enf_cgroup_cache *cgroups;
	size_t ncpus;
	__u64 *loss_prev, *loss_now; /* ENF_TLS_STAT_LOST per CPU */
	__u64 loss_due_ms; /* next capture-loss check, CLOCK_MONOTONIC */
	__u64 disc_due_ms; /* next discovery rescan due, 0: ask discovery */
	__u64 proc_lost_seen;
	struct enf_flow_table *flows;
	struct enf_proc_cache *procs;
	struct enf_verdict *verdict;
	struct enf_ruleset *rules;
	struct enf_rules_scratch *scratch;
	time_t cgroups_due; /* the sweeper's next look at egress cgroups */
	size_t cgroups_offset; /* the page of egress entries it looks at */
	int epoll_fd;
	int signal_fd;
	int reload_fd; /* eventfd: a new rule set is waiting in @pending */
	int hup_fd; /* eventfd: SIGHUP came, the control thread rebuilds */
	/* The systemd watchdog (notify.c): ping every @wd_every_ns (0: off),
	 * last at @wd_last_ns (enf_mono_ns()). */
	uint64_t wd_every_ns;
	uint64_t wd_last_ns;

	/* Discovery: the event thread drives it, status reads it. */
	pthread_mutex_t disc_lock;
	struct enf_discover *disc;

	/* Control thread only. */
	struct pdb *ctl_db;
	struct enf_ctl_server *ctl;

	/* Shared, under @lock: the set the control thread built, waiting for
	 * the event thread to take it (only the event thread clears it, only
	 * the control thread sets it, and only when it is NULL); the active
	 * set (@rules: the event thread swaps it, and frees the old one after
	 * dropping the lock); facts about the active set. */
	pthread_mutex_t lock;
	pthread_cond_t taken; /* @pending went back to NULL */
	struct enf_ruleset *pending;
	size_t pending_from_files;
	size_t pending_from_db;
	int pending_error; /* outcome of the last take: 0 or -errno */
	size_t rules_from_files;
	size_t rules_from_db;

	/* Written once at start, read anywhere. */
	enum enf_xdp_mode if_mode[ENF_CONF_MAX_IFACES];
	/* The map writer: every blocklist entry into or out of the kernel
	 * maps goes through it, from any thread (enforcer/verdict/writer.h) */
	struct enf_writer *writer;
	/* The audit writer: every audit row, from any thread, in batches
	 * (enforcer/audit/auditw.h); the exporter it hands committed rows
	 * to (NULL: none configured) */
	struct enf_auditw *auditw;
	struct enf_export *export;
	/* The Prometheus scrape endpoint (NULL: off, the default) */
	struct enf_metrics_http *metrics;
	/* enforce:egress's programs and map; NULL when not enforced here
	 * (egress_cgroup = none, or it could not be set up: @egress_error) */
	struct enf_egress *egress;
	char egress_error[128];
	bool detach_on_exit; /* --detach: remove programs and pins at stop */
	/* The configuration file read at start, read again by SIGHUP and
	 * reload ("": none); --debug given (it outranks log_level) */
	char config_path[ENF_CONF_PATH_MAX];
	bool debug_flag;
	bool xdp_mode_flag; /* --xdp-mode given: it outranks xdp_mode */
	/* What the sandbox did at the end of the start (sandbox.h) */
	struct enf_sandbox_state sandbox;
	char tls_error[256];

	struct enf_pipeline_stats stats;
};

/**
 * enf_daemon_audit() - write an audit row
 * @d: the daemon
 * @db: the calling thread's database handle, used when there is no audit
 *	writer (yet)
 * @a: the row (copied)
 * Hands @a to the audit writer; logs a failure. Return: 0 or -errno.
 */
struct pdb_audit;
int enf_daemon_audit(struct enf_daemon *d, struct pdb *db,
		     const struct pdb_audit *a);

/**
 * enf_daemon_reload_config() - read the configuration file again
 * On the control thread. log_level and rules_dir take effect; every other
 * key that changed is logged and named in @restart (a new JSON array) and
 * waits for a restart. Return: 0, or -errno with @err saying why the file
 * was refused (the running configuration unchanged).
 */
int enf_daemon_reload_config(struct enf_daemon *d, json_t **restart, char *err,
			     size_t errlen);

/* The stats reply (enforcerctl stats): counters by group, histograms. */
json_t *enf_daemon_stats_json(struct enf_daemon *d);
/* The same in the Prometheus text format, malloc'd into *@out. Return: 0
 * or -ENOMEM. */
int enf_daemon_prometheus(struct enf_daemon *d, char **out, size_t *len);

/**
 * enf_daemon_start() - bring every stage up, in order
 * Loads the policy database and the rule set (a bad rule is fatal), the XDP
 * program (attached to every configured interface), the TLS capture (its
 * absence is reported, not fatal) and the control socket.
 * Return: 0, or a negative errno after logging why.
 */
int enf_daemon_start(struct enf_daemon *d, const struct enf_config *cfg);

/* Runs the event loop until SIGTERM or SIGINT. Return: 0 or -errno. */
int enf_daemon_run(struct enf_daemon *d);

/* Stops and frees every stage; XDP is detached, pinned maps stay. */
void enf_daemon_stop(struct enf_daemon *d);

/**
 * enf_daemon_check() - what --check-config does: build the rule set from
 * the configured directory and report the outcome
 * Return: 0 or a negative errno after logging why.
 */
int enf_daemon_check(const struct enf_config *cfg);

/* --- between the daemon's own files --- */

/* Builds the rule set from the rules directory and the database's enabled
 * rules (its shadow rules as shadow rules), plus @extra (SecLang text, may
 * be NULL; shadow rules with @extra_shadow). Logs nothing; fills @err. */
struct enf_rule_error;
struct enf_rules_builder;
int enf_daemon_build_rules(const struct enf_config *cfg, struct pdb *db,
			   const char *extra, size_t extra_len,
			   bool extra_shadow,
			   struct enf_rules_builder **builder_out,
			   struct enf_ruleset **out, size_t *from_files,
			   size_t *from_db, struct enf_rule_error *err);

/**
 * struct enf_rule_text - one named SecLang text of a rule.add request (a
 * file of `enforcerctl rule import`)
 * @name: its name: the origin of its rules and of its errors
 * @text: the text, @len bytes
 * @len: bytes of @text
 */
struct enf_rule_text {
	const char *name;
	const char *text;
	size_t len;
};

/* enf_daemon_build_rules() with @n named texts as the extra rules, in
 * order, each parsed as a source of its own (a chain does not run from one
 * into the next); all or nothing: one refused text refuses the set. */
int enf_daemon_build_rules_texts(const struct enf_config *cfg, struct pdb *db,
				 const struct enf_rule_text *texts, size_t n,
				 bool shadow,
				 struct enf_rules_builder **builder_out,
				 struct enf_ruleset **out, size_t *from_files,
				 size_t *from_db, struct enf_rule_error *err);

/* The texts of rule.add's @args: "texts" ([{"name", "text"}, ...], at most
 * ENF_CTL_RULE_TEXTS_MAX, names of at most ENF_CTL_RULE_NAME_MAX bytes
 * without '/' or control bytes, each name once, no NUL in a text) or the
 * older "text" (one text named "<rule add>"). *@out (malloc'd) points into
 * @args. Return: 0, or -EINVAL / -E2BIG / -ENOMEM with @err saying why. */
struct json_t;
int enf_rule_texts_parse(const struct json_t *args, struct enf_rule_text **out,
			 size_t *n, char *err, size_t errlen);

/* The same set (no @extra) as if the database's rule @id were enabled or
 * not (not: also for a rule about to be deleted), the database unchanged:
 * a change is tried before it is made, holding no write lock meanwhile. */
int enf_daemon_build_rules_as_if(const struct enf_config *cfg, struct pdb *db,
				 uint32_t id, bool enabled,
				 struct enf_ruleset **out, size_t *from_files,
				 size_t *from_db, struct enf_rule_error *err);

/* The TLS event handler (an enf_capture_fn): event -> flow -> HTTP ->
 * rules -> verdict. */
int enf_pipeline_on_event(void *ctx, const struct enf_tls_event *ev);
/* Frees per-flow state (enf_flow_free_fn). */
void enf_pipeline_free_flow(void *state);

/*
 * The service manager (notify.c, sd_notify(); nothing without
 * NOTIFY_SOCKET): ready once started, reloading at SIGHUP and ready again
 * when the reload is done, stopping at shutdown. The watchdog pings from
 * the event loop: _init reads WATCHDOG_USEC, _timeout caps the loop's wait
 * to the ping period, _tick pings when one is due at @now_ns (the loop's
 * enf_mono_ns()).
 */
void enf_notify_ready(struct enf_daemon *d);
void enf_notify_reloading(void);
void enf_notify_stopping(void);
void enf_notify_watchdog_init(struct enf_daemon *d);
int enf_notify_watchdog_timeout(const struct enf_daemon *d, int timeout_ms);
void enf_notify_watchdog_tick(struct enf_daemon *d, uint64_t now_ns);

/* The TTL sweeper (sweep.c), on the event thread: entries whose expires
 * passed leave the maps and are marked expired, with an audit row. */
void enf_daemon_sweep(struct enf_daemon *d);

/*
 * Blocklist entries of any kind (struct enf_entry, enforcer/verdict/
 * writer.h): enforcer/daemon/entries.c, the same operations on either.
 */
/* The entry @kind @key names. Return: 0, or -EINVAL with @err set. */
int enf_entry_parse(const char *kind, const char *key, struct enf_entry *e,
		    char *err, size_t errlen);
/* "src", "flow", "cidr" or "egress". */
const char *enf_entry_kind(const struct enf_entry *e);
/* The canonical key into @buf (ENF_DENY_TEXT_MAX). Return: 0, -EINVAL. */
int enf_entry_format(const struct enf_entry *e, char *buf, size_t len);
/* Into the kernel maps (XDP: NIC first where one enforces), through the
 * map writer. Return: 0; -ENODEV for an egress entry when egress is not
 * enforced here; -errno. */
int enf_entry_add(struct enf_daemon *d, const struct enf_entry *e,
		  uint32_t rule_id);
/* Out of them, through the map writer. Return: 0; -ENOENT when no map
 * held it; -ENODEV; -errno. */
int enf_entry_del(struct enf_daemon *d, const struct enf_entry *e);
/* Whether the host maps hold it. Return: 0; -ENOENT; -ENODEV; -errno. */
int enf_entry_lookup(struct enf_daemon *d, const struct enf_entry *e);

/* TLS capture (capture.c): loader, discovery, process events, loss. A
 * configuration error fails the start; capture itself is best effort
 * (d->tls stays NULL and d->tls_error says why). */
int enf_daemon_capture_start(struct enf_daemon *d);
/* ms until enf_daemon_capture_tick() is due, -1 never */
int enf_daemon_capture_timeout(struct enf_daemon *d);
void enf_daemon_capture_tick(struct enf_daemon *d);
void enf_daemon_capture_stop(struct enf_daemon *d);
/* reload (control thread): the build-id offset table read again under
 * disc_lock (enf_discover_reload_offsets()); 0 when capture is off, else
 * 0 or -errno with @err ("FILE:LINE: reason"), the running table kept */
int enf_daemon_capture_reload(struct enf_daemon *d, char *err, size_t errlen);
/* status: the files probed (control thread) */
typedef struct json_t json_t;
json_t *enf_daemon_capture_files_json(struct enf_daemon *d);

struct pdb;
/**
 * enf_daemon_reconcile() - the kernel's host deny maps against the
 *	blocklist's active entries (reconcile.c)
 * @db: the database to read (and audit to): d->db on the event thread,
 *	d->ctl_db on the control thread
 * @repair: add to the maps what they lost, remove what the blocklist does
 *	not hold, each logged and audited (event drift, action
 *	drift:restored or drift:removed); false: only report
 * Return: {"missing": [...], "unknown": [...], "expired": [...],
 * "repaired", "restored", "removed", "checked"}, entries as "kind key";
 * expired: active rows whose ttl is up (the sweeper's); NULL on failure,
 * with @err.
 */
json_t *enf_daemon_reconcile(struct enf_daemon *d, struct pdb *db, bool repair,
			     char *err, size_t errlen);

/* Registers the control commands and starts the control thread. */
int enf_commands_start(struct enf_daemon *d);

#endif /* ENFORCER_DAEMON_H */
