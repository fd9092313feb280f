/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * enforcerd's configuration: /etc/enforcer/enforcer.conf, "key = value"
 * lines, '#' comments. Parsing is all or nothing: a bad file is refused with
 * its line and the reason, and the caller's config is left untouched.
 */
#ifndef ENFORCER_CONFIG_H
#define ENFORCER_CONFIG_H

#include <net/if.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "enforcer/common/cidr.h"
#include "enforcer/tls_event.h"
#include "rules/rules.h"

#define ENF_CONF_MAX_IFACES 16
#define ENF_CONF_MAX_TLS_LIBS 8
#define ENF_CONF_PATH_MAX 256
#define ENF_CONF_ERR_LEN 512
#define ENF_CONF_MAX_BYTES (1 << 20) /* a config file larger is refused */

enum enf_xdp_mode_conf {
	ENF_CONF_XDP_DEFAULT = -1, /* an interface's mode: the global one */
	ENF_CONF_XDP_AUTO = 0,
	ENF_CONF_XDP_HW,
	ENF_CONF_XDP_NATIVE,
	ENF_CONF_XDP_GENERIC,
};

/*
 * Capture scope: at most ENF_TLS_FILTER_MAX ports, comms and cgroups each
 * (the size of each kernel filter map); comms of at most ENF_COMM_LEN - 1
 * bytes. The per-call cap and the ring buffer's size take the bounds of
 * enforcer/tls_event.h (ENF_TLS_CALL_CAP_*, ENF_TLS_RINGBUF_*).
 */
#define ENF_CONF_LOSS_INTERVAL_DEFAULT 10 /* seconds */
#define ENF_CONF_LOSS_INTERVAL_MAX 3600
/* capture_poll_ms: default and bounds (milliseconds) */
#define ENF_CONF_POLL_MS_DEFAULT 10
#define ENF_CONF_POLL_MS_MAX 100
/* The audit log (audit_* keys): see enforcerd.8. */
#define ENF_CONF_AUDIT_BATCH_DEFAULT 512
#define ENF_CONF_AUDIT_BATCH_MAX 4096
#define ENF_CONF_AUDIT_FLUSH_MS_DEFAULT 100
#define ENF_CONF_AUDIT_FLUSH_MS_MAX 10000
#define ENF_CONF_AUDIT_RETENTION_DEFAULT (90ULL * 86400) /* seconds */
#define ENF_CONF_AUDIT_MAX_SIZE_DEFAULT (4ULL << 30) /* bytes */
#define ENF_CONF_EXPORT_QUEUE_DEFAULT 8192
#define ENF_CONF_EXPORT_QUEUE_MAX (1U << 20)

/* Host deny map entries: default and the most a config may ask for. */
#define ENF_CONF_DENY_ENTRIES_DEFAULT 65536
#define ENF_CONF_DENY_ENTRIES_MAX (1u << 24)

/* sandbox = ...: what the in-process sandbox does (enforcerd(8), SANDBOX) */
enum enf_sandbox_mode {
	ENF_SANDBOX_EPERM = 0, /* a refused system call fails with EPERM,
				* logged once a call (the default) */
	ENF_SANDBOX_KILL, /* a refused system call kills the process */
	ENF_SANDBOX_OFF, /* no capability drop, no system call filter */
};

/**
 * struct enf_conf_iface - an interface to enforce on
 * @name: its name
 * @mode: how XDP is attached there; ENF_CONF_XDP_DEFAULT for xdp_mode
 */
struct enf_conf_iface {
	char name[IF_NAMESIZE];
	enum enf_xdp_mode_conf mode;
};

/**
 * struct enf_config - everything enforcerd reads from its config file
 * @interfaces: network interfaces XDP is attached to, each with its mode
 * @n_interfaces: entries in @interfaces
 * @xdp_mode: how XDP is attached where an interface does not say (auto:
 *	hardware offload where the NIC offers it, else native, else generic)
 * @deny_entries: entries of each host deny map
 * @rules_dir: directory of *.conf rule files loaded at start
 * @database: SQLite policy database
 * @control_socket: the control socket's path
 * @control_group: group admitted on the control socket besides root
 * @pin_path: bpffs directory maps and programs are pinned under
 * @tls_libs: TLS library files to probe besides those discovery finds
 * @n_tls_libs: entries in @tls_libs
 * @log_level: error, warn, info or debug
 * @capture_call_cap: plaintext bytes carried per TLS call, the rest cut
 *	(ENF_TLS_CALL_CAP_MIN..._MAX)
 * @capture_ringbuf: bytes of the tls_events ring buffer, a power of two
 *	(ENF_TLS_RINGBUF_MIN..._MAX)
 * @capture_ports: capture only flows whose local or peer port is one of
 *	these (host order); none: every port
 * @n_capture_ports: entries in @capture_ports
 * @capture_comms: capture only processes whose comm is one of these
 * @n_capture_comms: entries in @capture_comms
 * @capture_cgroups: capture only processes in one of these cgroup v2
 *	paths (from the hierarchy's root; resolved to ids at start)
 * @n_capture_cgroups: entries in @capture_cgroups
 * @tls_offsets_file: the build-id offset table for TLS code without symbols
 * @capture_loss_interval: seconds between capture-loss audit rows at most
 * @capture_write_entry_only: OpenSSL and wolfSSL writes probed at entry
 *	alone (capture_write_probes = entry, the default), else at entry and
 *	return (entry+return)
 * @capture_poll_ms: under load, the daemon reads the capture ring every
 *	this many ms instead of being woken for records (enf_capture_set_wake)
 * @rules_shadow: rules_mode = shadow: every rule is a shadow rule (what it
 *	would do is audited, nothing is enforced)
 * @deny_action: what SecLang's deny enforces in a rule that names no
 *	enforce: (deny_action = src by default; kinds 0: none, audit only)
 * @drop_action: the same for drop
 * @block_action: the same for block
 * @allow: prefixes whose peers are never denied (allowlist; loopback's
 *	127.0.0.0/8 and ::1/128 by default): a verdict against one is
 *	audited as suppressed
 * @n_allow: entries in @allow
 * @allow_mgmt: the management network is allowlisted too (the word mgmt,
 *	in the default): the networks of @mgmt_interface, resolved at start
 * @mgmt_interface: the management interface; "" for the interface of the
 *	default route, unless enforcer enforces on it
 * @egress_cgroup: the cgroup v2 directory the egress programs
 *	(enforce:egress) attach to; "" for the root of the cgroup2 mount
 * @egress_off: egress_cgroup = none: enforce:egress is not enforced
 * @audit_batch: audit rows a transaction at most
 * @audit_flush_ms: longest an audit row waits for its transaction
 * @audit_retention_s: audit rows older than this go (0: kept)
 * @audit_max_size: the oldest audit rows go while the database's pages in
 *	use exceed this many bytes (0: no bound)
 * @audit_export_file: JSON lines file every audit event is appended to
 *	("" none)
 * @audit_export_syslog: every audit event to syslog too
 * @audit_export_queue: events the exporter holds before it drops
 * @metrics_listen: loopback address of the Prometheus scrape endpoint
 *	("" off, the default)
 * @metrics_port: its port
 * @sandbox: the in-process sandbox after start: eperm, kill or off
 */
struct enf_config {
	struct enf_conf_iface interfaces[ENF_CONF_MAX_IFACES];
	size_t n_interfaces;
	enum enf_xdp_mode_conf xdp_mode;
	unsigned int deny_entries;
	char rules_dir[ENF_CONF_PATH_MAX];
	char database[ENF_CONF_PATH_MAX];
	char control_socket[ENF_CONF_PATH_MAX];
	char control_group[64];
	char pin_path[ENF_CONF_PATH_MAX];
	char tls_libs[ENF_CONF_MAX_TLS_LIBS][ENF_CONF_PATH_MAX];
	size_t n_tls_libs;
	char log_level[16];
	unsigned int capture_call_cap;
	unsigned int capture_ringbuf;
	uint16_t capture_ports[ENF_TLS_FILTER_MAX];
	size_t n_capture_ports;
	char capture_comms[ENF_TLS_FILTER_MAX][ENF_COMM_LEN];
	size_t n_capture_comms;
	char capture_cgroups[ENF_TLS_FILTER_MAX][ENF_CONF_PATH_MAX];
	size_t n_capture_cgroups;
	char tls_offsets_file[ENF_CONF_PATH_MAX];
	unsigned int capture_loss_interval;
	bool capture_write_entry_only;
	unsigned int capture_poll_ms;
	bool rules_shadow;
	struct enf_enforce deny_action;
	struct enf_enforce drop_action;
	struct enf_enforce block_action;
	struct enf_cidr allow[ENF_ALLOW_MAX];
	size_t n_allow;
	bool allow_mgmt;
	char mgmt_interface[IF_NAMESIZE];
	char egress_cgroup[ENF_CONF_PATH_MAX];
	bool egress_off;
	unsigned int audit_batch;
	unsigned int audit_flush_ms;
	uint64_t audit_retention_s;
	uint64_t audit_max_size;
	char audit_export_file[ENF_CONF_PATH_MAX];
	bool audit_export_syslog;
	unsigned int audit_export_queue;
	char metrics_listen[64];
	uint16_t metrics_port;
	enum enf_sandbox_mode sandbox;
};

/* Fills @c with the built-in defaults. */
void enf_config_defaults(struct enf_config *c);

/**
 * enf_config_parse() - parse config text over the defaults
 * @text: the file's contents, NUL-terminated
 * @name: file name used in messages
 * @c: receives the result only on success
 * @err: ENF_CONF_ERR_LEN bytes: "NAME:LINE: reason" on failure
 * Return: 0 or -EINVAL.
 */
int enf_config_parse(const char *text, const char *name, struct enf_config *c,
		     char *err);

/* Reads @path and parses it; -errno with a message when unreadable. */
int enf_config_load(const char *path, struct enf_config *c, char *err);

const char *enf_config_xdp_mode_name(enum enf_xdp_mode_conf m);
const char *enf_config_sandbox_name(enum enf_sandbox_mode m);
/* The mode named @s ("auto", "hw", "native", "generic"); -EINVAL else. */
int enf_config_xdp_mode_parse(const char *s, enum enf_xdp_mode_conf *out);
/* @i's mode in effect: its own, or the global one. */
enum enf_xdp_mode_conf enf_config_if_mode(const struct enf_config *c, size_t i);

#endif /* ENFORCER_CONFIG_H */
