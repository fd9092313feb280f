// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The configuration file read again (SIGHUP, enforcerctl reload), on the
 * control thread. All or nothing: a file that does not parse is refused and
 * the running configuration stays. Of a file that parses, log_level and
 * rules_dir take effect at once (the rule set rebuilt next reads the new
 * directory); every other key that changed is named, logged and waits for a
 * restart, since it shapes something built at start (maps, programs,
 * threads, sockets, the sandbox).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"

struct span {
	size_t off, len;
};

#define F(f)                                                \
	{                                                   \
		offsetof(struct enf_config, f),             \
			sizeof(((struct enf_config *)0)->f) \
	}

/* Each key with the fields it sets (a list's count with it). */
static const struct restart_key {
	const char *key;
	struct span f[3];
} restart_keys[] = {
	{ "interface", { F(interfaces), F(n_interfaces) } },
	{ "xdp_mode", { F(xdp_mode) } },
	{ "deny_map_entries", { F(deny_entries) } },
	{ "database", { F(database) } },
	{ "control_socket", { F(control_socket) } },
	{ "control_group", { F(control_group) } },
	{ "pin_path", { F(pin_path) } },
	{ "tls_library", { F(tls_libs), F(n_tls_libs) } },
	{ "capture_call_cap", { F(capture_call_cap) } },
	{ "capture_ringbuf", { F(capture_ringbuf) } },
	{ "capture_ports", { F(capture_ports), F(n_capture_ports) } },
	{ "capture_comms", { F(capture_comms), F(n_capture_comms) } },
	{ "capture_cgroups", { F(capture_cgroups), F(n_capture_cgroups) } },
	{ "tls_offsets_file", { F(tls_offsets_file) } },
	{ "capture_loss_interval", { F(capture_loss_interval) } },
	{ "capture_write_probes", { F(capture_write_entry_only) } },
	{ "capture_poll_ms", { F(capture_poll_ms) } },
	{ "rules_mode", { F(rules_shadow) } },
	{ "deny_action", { F(deny_action) } },
	{ "drop_action", { F(drop_action) } },
	{ "block_action", { F(block_action) } },
	{ "allowlist", { F(allow), F(n_allow), F(allow_mgmt) } },
	{ "mgmt_interface", { F(mgmt_interface) } },
	{ "egress_cgroup", { F(egress_cgroup), F(egress_off) } },
	{ "audit_batch", { F(audit_batch) } },
	{ "audit_flush_ms", { F(audit_flush_ms) } },
	{ "audit_retention", { F(audit_retention_s) } },
	{ "audit_max_size", { F(audit_max_size) } },
	{ "audit_export_file", { F(audit_export_file) } },
	{ "audit_export_syslog", { F(audit_export_syslog) } },
	{ "audit_export_queue", { F(audit_export_queue) } },
	{ "metrics_listen", { F(metrics_listen), F(metrics_port) } },
	{ "sandbox", { F(sandbox) } },
};

static bool differs(const struct enf_config *a, const struct enf_config *b,
		    const struct restart_key *k)
{
	for (size_t i = 0; i < 3 && k->f[i].len; i++)
		if (memcmp((const char *)a + k->f[i].off,
			   (const char *)b + k->f[i].off, k->f[i].len))
			return true;
	return false;
}

int enf_daemon_reload_config(struct enf_daemon *d, json_t **restart, char *err,
			     size_t errlen)
{
	char perr[ENF_CONF_ERR_LEN];
	struct enf_config next;
	enum enf_log_level level;
	int ret;

	*restart = json_array();
	if (!*restart)
		return -ENOMEM;
	if (!d->config_path[0])
		return 0; /* started without a file (tests) */
	enf_config_defaults(&next);
	ret = enf_config_load(d->config_path, &next, perr);
	if (ret) {
		snprintf(err, errlen, "%s", perr);
		return ret;
	}
	/* what the command line set is not the file's to change */
	if (d->xdp_mode_flag)
		next.xdp_mode = d->cfg.xdp_mode;
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(*restart_keys);
	     i++) {
		if (!differs(&d->cfg, &next, &restart_keys[i]))
			continue;
		json_array_append_new(*restart,
				      json_string(restart_keys[i].key));
		pr_warn("config: %s changed in %s; it takes effect at the "
			"next start",
			restart_keys[i].key, d->config_path);
	}
	/* --debug on the command line wins over log_level */
	if (strcmp(d->cfg.log_level, next.log_level) &&
	    enf_log_level_parse(next.log_level, &level) == 0) {
		if (!d->debug_flag)
			enf_log_set_level(level);
		memcpy(d->cfg.log_level, next.log_level,
		       sizeof(d->cfg.log_level));
		pr_info("config: log_level is now %s%s", next.log_level,
			d->debug_flag ? " (--debug keeps debug)" : "");
	}
	if (strcmp(d->cfg.rules_dir, next.rules_dir)) {
		pr_info("config: rules_dir is now %s", next.rules_dir);
		memcpy(d->cfg.rules_dir, next.rules_dir,
		       sizeof(d->cfg.rules_dir));
	}
	return 0;
}
