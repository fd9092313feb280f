// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "enforcer/common/clock.h"
#include "enforcer/audit/auditw.h"
#include "enforcer/audit/export.h"
#include "enforcer/capture/capture.h"
#include "enforcer/capture/proc_cache.h"
#include "enforcer/common/log.h"
#include "enforcer/control/metrics_http.h"
#include "enforcer/control/server.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/flow/flow.h"
#include "enforcer/loader/tls.h"
#include "enforcer/loader/dataplane.h"
#include "enforcer/verdict/verdict.h"
#include "policydb/policydb.h"
#include "rules/rules.h"

struct db_rules_ctx {
	struct enf_rules_builder *b;
	struct enf_rule_error *err;
	int ret;
	uint32_t ov_id; /* this rule as if enabled were ov_enabled */
	bool ov_enabled;
};

static int add_db_rule(const struct pdb_rule *r, void *arg)
{
	struct db_rules_ctx *c = arg;
	char origin[64];
	int n;

	if (!(r->rule_id == c->ov_id ? c->ov_enabled : r->enabled))
		return 0;
	snprintf(origin, sizeof(origin), "database rule %u", r->rule_id);
	/* a shadow rule of the database: audited, not enforced */
	n = enf_rules_builder_add_text_mode(
		c->b, r->text, strlen(r->text), origin,
		r->mode && !strcmp(r->mode, "shadow"), c->err);
	if (n < 0) {
		c->ret = n;
		return 1;
	}
	return 0;
}

static int build_rules(const struct enf_config *cfg, struct pdb *db,
		       const struct enf_rule_text *extra, size_t n_extra,
		       bool extra_shadow, uint32_t ov_id, bool ov_enabled,
		       struct enf_rules_builder **builder_out,
		       struct enf_ruleset **out, size_t *from_files,
		       size_t *from_db, struct enf_rule_error *err)
{
	struct db_rules_ctx c = { .err = err,
				  .ov_id = ov_id,
				  .ov_enabled = ov_enabled };
	char dberr[PDB_ERR_LEN];
	size_t files, total;
	int ret;

	memset(err, 0, sizeof(*err));
	ret = enf_rules_builder_new(&c.b);
	if (ret)
		return ret;
	ret = enf_rules_builder_add_dir(c.b, cfg->rules_dir, err);
	if (ret < 0)
		goto out_free;
	files = enf_rules_builder_count(c.b);
	if (db) {
		/* every row: the override may enable a disabled one */
		ret = pdb_rule_foreach(db, false, add_db_rule, &c, dberr);
		if (c.ret) {
			ret = c.ret;
			goto out_free;
		}
		if (ret < 0) {
			snprintf(err->origin, sizeof(err->origin), "%s",
				 cfg->database);
			snprintf(err->msg, sizeof(err->msg), "%s", dberr);
			goto out_free;
		}
	}
	total = enf_rules_builder_count(c.b);
	for (size_t i = 0; i < n_extra; i++) {
		ret = enf_rules_builder_add_text_mode(c.b, extra[i].text,
						      extra[i].len,
						      extra[i].name,
						      extra_shadow, err);
		if (ret < 0)
			goto out_free;
	}
	ret = enf_rules_build(c.b, out, err);
	if (ret)
		goto out_free;
	if (from_files)
		*from_files = files;
	if (from_db)
		*from_db = total - files;
	if (builder_out) {
		*builder_out = c.b;
		return 0;
	}
	ret = 0;
out_free:
	enf_rules_builder_free(c.b);
	return ret;
}

int enf_daemon_build_rules(const struct enf_config *cfg, struct pdb *db,
			   const char *extra, size_t extra_len,
			   bool extra_shadow,
			   struct enf_rules_builder **builder_out,
			   struct enf_ruleset **out, size_t *from_files,
			   size_t *from_db, struct enf_rule_error *err)
{
	struct enf_rule_text t = { "<rule add>", extra, extra_len };

	return build_rules(cfg, db, &t, extra ? 1 : 0, extra_shadow, 0, false,
			   builder_out, out, from_files, from_db, err);
}

int enf_daemon_build_rules_texts(const struct enf_config *cfg, struct pdb *db,
				 const struct enf_rule_text *texts, size_t n,
				 bool shadow,
				 struct enf_rules_builder **builder_out,
				 struct enf_ruleset **out, size_t *from_files,
				 size_t *from_db, struct enf_rule_error *err)
{
	return build_rules(cfg, db, texts, n, shadow, 0, false, builder_out,
			   out, from_files, from_db, err);
}

int enf_daemon_build_rules_as_if(const struct enf_config *cfg, struct pdb *db,
				 uint32_t id, bool enabled,
				 struct enf_ruleset **out, size_t *from_files,
				 size_t *from_db, struct enf_rule_error *err)
{
	return build_rules(cfg, db, NULL, 0, false, id, enabled, NULL, out,
			   from_files, from_db, err);
}

static void log_rule_error(const char *what, const struct enf_rule_error *e,
			   int ret)
{
	if (e->line)
		pr_err("%s: %s:%u:%u: %s", what, e->origin, e->line, e->column,
		       e->msg);
	else if (e->msg[0])
		pr_err("%s: %s: %s", what, e->origin, e->msg);
	else
		pr_err("%s: %s", what, strerror(-ret));
}

int enf_daemon_check(const struct enf_config *cfg)
{
	struct enf_rule_error err;
	struct enf_ruleset *rs = NULL;
	struct pdb *db = NULL;
	char dberr[PDB_ERR_LEN];
	struct stat st;
	size_t files = 0, fromdb = 0;
	int ret;

	/* Rules stored in an existing database are part of the set too; a
	 * missing database is created by the daemon later, not here. */
	if (stat(cfg->database, &st) == 0 &&
	    pdb_open(cfg->database, &db, dberr))
		pr_warn("check: %s (rules stored there are not checked)",
			dberr);
	ret = enf_daemon_build_rules(cfg, db, NULL, 0, false, NULL, &rs, &files,
				     &fromdb, &err);
	pdb_close(db);
	if (ret) {
		log_rule_error("rules", &err, ret);
		return ret;
	}
	pr_info("configuration ok: %zu interface(s), %zu rules (%zu from %s, "
		"%zu from the database)",
		cfg->n_interfaces, enf_ruleset_count(rs), files, cfg->rules_dir,
		fromdb);
	enf_ruleset_free(rs);
	return 0;
}

/* The maps against the blocklist, repaired: after a crash, or changes
 * made behind enforcerd's back. */
static void reconcile_at_start(struct enf_daemon *d)
{
	char err[256];
	json_t *r = enf_daemon_reconcile(d, d->db, true, err, sizeof(err));

	if (!r) {
		pr_warn("reconcile: %s: the maps are used as they are", err);
		return;
	}
	if (json_integer_value(json_object_get(r, "restored")) ||
	    json_integer_value(json_object_get(r, "removed")))
		pr_warn("reconcile: %lld blocklist entries checked: drift "
			"repaired, %lld restored to the maps, %lld removed "
			"from them",
			(long long)json_integer_value(
				json_object_get(r, "checked")),
			(long long)json_integer_value(
				json_object_get(r, "restored")),
			(long long)json_integer_value(
				json_object_get(r, "removed")));
	else
		pr_info("reconcile: %lld blocklist entries checked: the maps "
			"hold them all and nothing else",
			(long long)json_integer_value(
				json_object_get(r, "checked")));
	json_decref(r);
}

/* Whether enforcer enforces on @ifname (an interface of the config). */
static bool enforced_iface(const struct enf_config *cfg, const char *ifname)
{
	for (size_t i = 0; i < cfg->n_interfaces; i++) {
		if (!strcmp(cfg->interfaces[i].name, ifname))
			return true;
	}
	return false;
}

/*
 * The allowlist in effect: the configured prefixes, and with mgmt the
 * networks of the management interface: mgmt_interface, or else the
 * interface of the default route unless enforcer enforces on it (its
 * networks may be where attacks come from). Logged whole.
 */
static void build_allowlist(struct enf_daemon *d)
{
	const struct enf_config *cfg = &d->cfg;
	char line[1024] = "", text[ENF_CIDR_TEXT_MAX];
	size_t used = 0;
	int n;

	memcpy(d->allow, cfg->allow, cfg->n_allow * sizeof(cfg->allow[0]));
	d->n_allow = cfg->n_allow;
	d->mgmt_iface[0] = '\0';
	if (cfg->allow_mgmt) {
		if (cfg->mgmt_interface[0]) {
			snprintf(d->mgmt_iface, sizeof(d->mgmt_iface), "%s",
				 cfg->mgmt_interface);
		} else if (enf_default_route_iface(d->mgmt_iface)) {
			pr_info("allowlist: no management network: no default "
				"route (set mgmt_interface or list it in "
				"allowlist)");
		} else if (enforced_iface(cfg, d->mgmt_iface)) {
			pr_warn("allowlist: the default route's interface %s "
				"is enforced on: its networks are not "
				"allowlisted as the management network (set "
				"mgmt_interface or list it in allowlist)",
				d->mgmt_iface);
			d->mgmt_iface[0] = '\0';
		}
	}
	if (d->mgmt_iface[0]) {
		n = enf_cidr_of_iface(d->mgmt_iface, d->allow + d->n_allow,
				      ENF_ALLOW_MAX - d->n_allow);
		if (n < 0)
			pr_warn("allowlist: management interface %s: %s",
				d->mgmt_iface, strerror(-n));
		else
			d->n_allow += (size_t)n;
	}
	for (size_t i = 0; i < d->n_allow && used < sizeof(line) - 1; i++) {
		enf_cidr_format(&d->allow[i], text, sizeof(text));
		n = snprintf(line + used, sizeof(line) - used, " %s", text);
		if (n > 0)
			used += (size_t)n;
	}
	pr_info("allowlist (never denied):%s%s%s%s",
		d->n_allow ? line : " none",
		d->mgmt_iface[0] ? " (management network: " : "", d->mgmt_iface,
		d->mgmt_iface[0] ? ")" : "");
}

static int start_dataplane(struct enf_daemon *d)
{
	static const enum enf_xdp_mode modes[] = {
		[ENF_CONF_XDP_AUTO] = ENF_XDP_MODE_AUTO,
		[ENF_CONF_XDP_HW] = ENF_XDP_MODE_HW,
		[ENF_CONF_XDP_NATIVE] = ENF_XDP_MODE_NATIVE,
		[ENF_CONF_XDP_GENERIC] = ENF_XDP_MODE_GENERIC,
	};
	const struct enf_dp_opts opts = {
		.pin_dir = d->cfg.pin_path,
		.host_entries = d->cfg.deny_entries,
	};
	int ret;

	ret = enf_dp_open(&opts, &d->dp);
	if (ret) {
		pr_err("xdp: setting up the data plane under %s failed: %s",
		       d->cfg.pin_path, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < d->cfg.n_interfaces; i++) {
		const char *ifname = d->cfg.interfaces[i].name;
		enum enf_xdp_mode want = modes[enf_config_if_mode(&d->cfg, i)];

		ret = enf_dp_attach(d->dp, ifname, want, &d->if_mode[i]);
		if (ret) {
			pr_err("xdp: cannot attach to %s in %s mode: %s",
			       ifname, enf_xdp_mode_name(want), strerror(-ret));
			return ret;
		}
		pr_info("xdp: %s: %s", ifname,
			d->if_mode[i] == ENF_XDP_MODE_HW ?
				"xdp_offload in the NIC, xdp_host in the driver" :
			d->if_mode[i] == ENF_XDP_MODE_NATIVE ?
				"xdp_host in the driver (native mode)" :
				"xdp_host in the stack (generic mode)");
	}
	return 0;
}

/*
 * enforce:egress: the cgroup connect programs and their map, pinned under
 * pin_path/egress. A failure is not fatal (the XDP side does not need
 * it): egress verdicts are then audited "(not enforced)" and status says
 * why. With egress_cgroup = none, what an earlier run pinned is removed,
 * so no program of ours is left denying connect()s nobody manages.
 */
static void start_egress(struct enf_daemon *d)
{
	struct enf_egress_opts opts = {
		.cgroup_path = d->cfg.egress_cgroup[0] ? d->cfg.egress_cgroup :
							 NULL,
	};
	struct enf_egress_info info;
	char dir[PATH_MAX], map[PATH_MAX + 16];
	int ret;

	if (snprintf(dir, sizeof(dir), "%s/egress", d->cfg.pin_path) >=
	    (int)sizeof(dir)) {
		snprintf(d->egress_error, sizeof(d->egress_error),
			 "pin path too long");
		return;
	}
	opts.pin_dir = dir;
	snprintf(map, sizeof(map), "%s/" ENF_MAP_EGRESS_DENY, dir);
	if (d->cfg.egress_off) {
		snprintf(d->egress_error, sizeof(d->egress_error),
			 "egress_cgroup = none");
		if (access(map, F_OK))
			return;
		/* an earlier run's: open to detach */
		opts.cgroup_path = NULL;
		if (enf_egress_open(&opts, &d->egress) == 0) {
			enf_egress_detach(d->egress);
			enf_egress_close(d->egress);
			pr_info("egress: egress_cgroup = none: the programs an "
				"earlier run left attached are detached");
		}
		d->egress = NULL;
		return;
	}
	ret = enf_egress_open(&opts, &d->egress);
	if (ret) {
		snprintf(d->egress_error, sizeof(d->egress_error), "%s",
			 strerror(-ret));
		pr_warn("egress: cannot attach the connect programs (%s): "
			"enforce:egress is not enforced",
			strerror(-ret));
		d->egress = NULL;
		return;
	}
	enf_egress_info(d->egress, &info);
	pr_info("egress: connect4/connect6 attached to cgroup %s%s",
		info.cgroup_path,
		info.map_reused ? " (an earlier run's entries kept)" : "");
}

static int start_loop_fds(struct enf_daemon *d)
{
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (pthread_sigmask(SIG_BLOCK, &mask, NULL))
		return -EINVAL;
	/* Writes to a closed control connection must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->reload_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->hup_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	d->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (d->signal_fd < 0 || d->reload_fd < 0 || d->hup_fd < 0 ||
	    d->epoll_fd < 0)
		return -errno;
	ev.data.fd = d->signal_fd;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->signal_fd, &ev))
		return -errno;
	ev.data.fd = d->reload_fd;
	if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, d->reload_fd, &ev))
		return -errno;
	return 0;
}

int enf_daemon_audit(struct enf_daemon *d, struct pdb *db,
		     const struct pdb_audit *a)
{
	char dberr[PDB_ERR_LEN];
	int64_t ret;

	if (d->auditw) {
		ret = enf_auditw_submit(d->auditw, a);
		if (ret)
			pr_warn("audit: %s row not queued: %s", a->event,
				strerror((int)-ret));
		return (int)ret;
	}
	ret = pdb_audit_insert(db, a, dberr);
	if (ret < 0) {
		pr_warn("audit: %s", dberr);
		return (int)ret;
	}
	return 0;
}

/* The exporter (when configured) and the audit writer, first of all: every
 * row after them goes through them. */
static int start_audit(struct enf_daemon *d)
{
	const struct enf_config *cfg = &d->cfg;
	struct enf_auditw_opts ao = {
		.db_path = cfg->database,
		.batch_max = cfg->audit_batch,
		.flush_ms = cfg->audit_flush_ms,
		.retain_s = cfg->audit_retention_s,
		.retain_bytes = cfg->audit_max_size,
	};
	char err[256];
	int ret;

	if (cfg->audit_export_file[0] || cfg->audit_export_syslog) {
		struct enf_export_opts eo = {
			.file = cfg->audit_export_file,
			.syslog = cfg->audit_export_syslog,
			.queue_max = cfg->audit_export_queue,
		};

		ret = enf_export_new(&eo, &d->export, err, sizeof(err));
		if (ret) {
			pr_err("audit export: %s", err);
			return ret;
		}
		pr_info("audit export: %s%s%s", cfg->audit_export_file,
			cfg->audit_export_file[0] && cfg->audit_export_syslog ?
				" and " :
				"",
			cfg->audit_export_syslog ? "syslog" : "");
	}
	ao.export = d->export;
	ret = enf_auditw_new(&ao, &d->auditw, err, sizeof(err));
	if (ret)
		pr_err("%s", err);
	return ret;
}

static int metrics_text(void *ctx, char **out, size_t *len)
{
	return enf_daemon_prometheus(ctx, out, len);
}

static int start_metrics(struct enf_daemon *d)
{
	struct enf_metrics_http_opts o = {
		.addr = d->cfg.metrics_listen,
		.port = d->cfg.metrics_port,
	};
	char err[256];
	int ret;

	if (!d->cfg.metrics_listen[0])
		return 0;
	ret = enf_metrics_http_start(&o, metrics_text, d, &d->metrics, err,
				     sizeof(err));
	if (ret) {
		pr_err("%s", err);
		return ret;
	}
	pr_info("metrics: http://%s%s%s:%u/metrics",
		strchr(d->cfg.metrics_listen, ':') ? "[" : "",
		d->cfg.metrics_listen,
		strchr(d->cfg.metrics_listen, ':') ? "]" : "",
		enf_metrics_http_port(d->metrics));
	return 0;
}

int enf_daemon_start(struct enf_daemon *d, const struct enf_config *cfg)
{
	struct enf_rule_error rerr;
	char dberr[PDB_ERR_LEN];
	int ret;

	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	d->started = time(NULL);
	d->epoll_fd = d->signal_fd = d->reload_fd = d->hup_fd = -1;
	pthread_mutex_init(&d->lock, NULL);
	pthread_mutex_init(&d->disc_lock, NULL);
	pthread_cond_init(&d->taken, NULL);

	/* The helper threads started below drop every capability at once:
	 * none of them needs one (enforcer/common/caps.h). */
	enf_caps_helpers_unprivileged(cfg->sandbox != ENF_SANDBOX_OFF);
	ret = start_loop_fds(d);
	if (ret) {
		pr_err("event loop: %s", strerror(-ret));
		return ret;
	}
	ret = pdb_open(cfg->database, &d->db, dberr);
	if (!ret)
		ret = pdb_open(cfg->database, &d->ctl_db, dberr);
	if (ret) {
		pr_err("policy database: %s", dberr);
		return ret;
	}
	ret = start_audit(d);
	if (ret)
		return ret;
	ret = enf_daemon_build_rules(cfg, d->db, NULL, 0, false, NULL,
				     &d->rules, &d->rules_from_files,
				     &d->rules_from_db, &rerr);
	if (ret) {
		log_rule_error("rules", &rerr, ret);
		return ret;
	}
	ret = enf_rules_scratch_new(d->rules, &d->scratch);
	if (ret) {
		pr_err("rules: scratch: %s", strerror(-ret));
		return ret;
	}
	pr_info("rules: %zu loaded (%zu from %s, %zu from the database)",
		enf_ruleset_count(d->rules), d->rules_from_files,
		cfg->rules_dir, d->rules_from_db);

	ret = enf_flow_table_new(ENF_DAEMON_MAX_FLOWS, enf_pipeline_free_flow,
				 &d->flows);
	if (ret)
		return ret;
	ret = enf_proc_cache_new(ENF_PROC_CACHE_DEFAULT_ENTRIES, NULL,
				 &d->procs);
	if (ret)
		return ret;
	ret = start_dataplane(d);
	if (ret)
		return ret;
	start_egress(d);
	ret = enf_writer_new(d->dp, &d->writer);
	if (ret) {
		pr_err("map writer: %s", strerror(-ret));
		return ret;
	}
	enf_writer_set_egress(d->writer, d->egress);
	ret = enf_verdict_new(d->writer, d->db, &d->verdict);
	if (ret)
		return ret;
	enf_verdict_set_egress(d->verdict, d->egress);
	enf_verdict_set_audit(d->verdict, d->auditw);
	/* staged while the ring buffer is read, finished after: verdicts
	 * on one entry in one read make one map write */
	enf_verdict_set_deferred(d->verdict, true);
	reconcile_at_start(d);
	build_allowlist(d);
	enf_verdict_set_allowlist(d->verdict, d->allow, d->n_allow);
	enf_verdict_set_shadow(d->verdict, cfg->rules_shadow);
	enf_verdict_set_enforce(d->verdict, &cfg->deny_action,
				&cfg->drop_action, &cfg->block_action);
	if (cfg->rules_shadow)
		pr_info("rules_mode = shadow: matches are audited, nothing is "
			"enforced");
	ret = enf_daemon_capture_start(d);
	if (ret)
		return ret;
	ret = enf_commands_start(d);
	if (ret) {
		pr_err("control socket %s: %s", cfg->control_socket,
		       strerror(-ret));
		return ret;
	}
	ret = start_metrics(d);
	if (ret)
		return ret;
	ret = enf_sandbox_enter(cfg->sandbox, &d->sandbox);
	if (ret)
		return ret;
	if (d->sandbox.filter)
		pr_info("sandbox = %s: %d capabilities kept, %u system calls "
			"admitted",
			enf_config_sandbox_name(cfg->sandbox),
			__builtin_popcountll(d->sandbox.caps),
			d->sandbox.allowed);
	pr_info("enforcerd ready: control socket %s", cfg->control_socket);
	enf_notify_watchdog_init(d);
	enf_notify_ready(d);
	return 0;
}

/*
 * Makes @next the active rule set: the scratch is grown to serve it first,
 * so matching never sees a set its scratch cannot serve. Frees the old set.
 * Returns 0, or -errno with the old set still active (@next untouched).
 */
static int activate_rules(struct enf_daemon *d, struct enf_ruleset *next,
			  size_t files, size_t fromdb)
{
	struct enf_ruleset *old;
	int ret;

	ret = enf_rules_scratch_update(d->scratch, next);
	if (ret)
		return ret;
	pthread_mutex_lock(&d->lock);
	old = d->rules;
	d->rules = next;
	d->rules_from_files = files;
	d->rules_from_db = fromdb;
	pthread_mutex_unlock(&d->lock);
	enf_ruleset_free(old);
	pr_info("rules: now %zu active (%zu from files, %zu from the "
		"database)",
		enf_ruleset_count(next), files, fromdb);
	return 0;
}

/* Takes the rule set the control thread built, if one is waiting. */
static void take_pending_rules(struct enf_daemon *d)
{
	struct enf_ruleset *next;
	size_t files, fromdb;
	uint64_t n;
	int ret;

	if (read(d->reload_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		pr_warn("reload: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&d->lock);
	next = d->pending;
	files = d->pending_from_files;
	fromdb = d->pending_from_db;
	pthread_mutex_unlock(&d->lock);
	if (!next)
		return;
	ret = activate_rules(d, next, files, fromdb);
	if (ret) {
		pr_err("reload: scratch for the new rule set: %s; keeping the "
		       "old set",
		       strerror(-ret));
		enf_ruleset_free(next);
	}
	pthread_mutex_lock(&d->lock);
	d->pending = NULL;
	d->pending_error = ret;
	pthread_cond_broadcast(&d->taken);
	pthread_mutex_unlock(&d->lock);
}

int enf_daemon_run(struct enf_daemon *d)
{
	struct epoll_event evs[8];
	struct signalfd_siginfo si;
	uint64_t now, swept = 0;
	int n, ret, timeout;

	for (;;) {
		timeout = enf_daemon_capture_timeout(d);
		/* the sweeper's second */
		if (timeout < 0 || timeout > 1000)
			timeout = 1000;
		timeout = enf_notify_watchdog_timeout(d, timeout);
		n = epoll_wait(d->epoll_fd, evs, 8, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			pr_err("epoll_wait: %s", strerror(-ret));
			return ret;
		}
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == d->reload_fd) {
				take_pending_rules(d);
			} else if (fd == d->signal_fd) {
				if (read(d->signal_fd, &si, sizeof(si)) !=
				    sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					/* Compiling takes long: the control
					 * thread does it, capture goes on. */
					uint64_t one = 1;

					enf_notify_reloading();
					pr_info("SIGHUP: reloading the configuration and rules%s",
						d->export ? ", reopening the "
							    "audit export" :
							    "");
					if (d->export)
						enf_export_reopen(d->export);
					if (write(d->hup_fd, &one,
						  sizeof(one)) != sizeof(one))
						pr_warn("SIGHUP: %s",
							strerror(errno));
					continue;
				}
				pr_info("signal %u: shutting down",
					si.ssi_signo);
				enf_notify_stopping();
				return 0;
			} else if (d->capture) {
				ret = enf_capture_consume(d->capture);
				if (ret < 0)
					pr_warn("capture: %s", strerror(-ret));
			}
		}
		now = enf_mono_ns();
		enf_notify_watchdog_tick(d, now);
		enf_daemon_capture_tick(d);
		enf_verdict_flush(d->verdict);
		if (now / 1000000000u != swept) {
			swept = now / 1000000000u;
			enf_daemon_sweep(d);
		}
	}
}

void enf_daemon_stop(struct enf_daemon *d)
{
	enf_ctl_server_stop(d->ctl);
	d->ctl = NULL;
	/* what is staged finished, then no more map writes */
	enf_verdict_free(d->verdict);
	d->verdict = NULL;
	enf_writer_free(d->writer);
	d->writer = NULL;
	enf_metrics_http_stop(d->metrics);
	d->metrics = NULL;
	/* the rows queued written, then the exporter drained */
	enf_auditw_free(d->auditw);
	d->auditw = NULL;
	enf_export_free(d->export);
	d->export = NULL;
	if (d->egress && d->detach_on_exit)
		enf_egress_detach(d->egress);
	enf_egress_close(d->egress);
	d->egress = NULL;
	if (d->dp && d->detach_on_exit) {
		enf_dp_detach_all(d->dp);
		enf_dp_unpin_all(d->dp);
		pr_info("xdp: detached, pins removed: nothing of ours is left");
	} else if (d->dp) {
		pr_info("xdp: programs stay attached and maps pinned under %s: "
			"enforcement goes on; --detach removes them",
			d->cfg.pin_path);
	}
	enf_dp_close(d->dp);
	enf_daemon_capture_stop(d);
	enf_flow_table_free(d->flows);
	enf_proc_cache_free(d->procs);
	enf_verdict_free(d->verdict);
	enf_rules_scratch_free(d->scratch);
	enf_ruleset_free(d->rules);
	enf_ruleset_free(d->pending);
	pdb_close(d->db);
	pdb_close(d->ctl_db);
	if (d->epoll_fd >= 0)
		close(d->epoll_fd);
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->reload_fd >= 0)
		close(d->reload_fd);
	if (d->hup_fd >= 0)
		close(d->hup_fd);
	pthread_cond_destroy(&d->taken);
	pthread_mutex_destroy(&d->lock);
}
