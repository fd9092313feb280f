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

#define ENF_CONF_MAX_IFACES 16
#define ENF_CONF_MAX_TLS_LIBS 8
#define ENF_CONF_PATH_MAX 256
#define ENF_CONF_ERR_LEN 512
#define ENF_CONF_MAX_BYTES (1 << 20) /* a config file larger is refused */

enum enf_xdp_mode_conf {
	ENF_CONF_XDP_AUTO = 0,
	ENF_CONF_XDP_NATIVE,
	ENF_CONF_XDP_GENERIC,
};

/**
 * struct enf_config - everything enforcerd reads from its config file
 * @interfaces: network interfaces XDP is attached to
 * @n_interfaces: entries in @interfaces
 * @xdp_mode: how XDP is attached (auto: native, falling back to generic)
 * @rules_dir: directory of *.conf rule files loaded at start
 * @database: SQLite policy database
 * @control_socket: the control socket's path
 * @control_group: group admitted on the control socket besides root
 * @pin_path: bpffs directory maps and programs are pinned under
 * @tls_libs: libssl paths to probe; none means look in the standard places
 * @n_tls_libs: entries in @tls_libs
 * @log_level: error, warn, info or debug
 */
struct enf_config {
	char interfaces[ENF_CONF_MAX_IFACES][IF_NAMESIZE];
	size_t n_interfaces;
	enum enf_xdp_mode_conf xdp_mode;
	char rules_dir[ENF_CONF_PATH_MAX];
	char database[ENF_CONF_PATH_MAX];
	char control_socket[ENF_CONF_PATH_MAX];
	char control_group[64];
	char pin_path[ENF_CONF_PATH_MAX];
	char tls_libs[ENF_CONF_MAX_TLS_LIBS][ENF_CONF_PATH_MAX];
	size_t n_tls_libs;
	char log_level[16];
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

#endif /* ENFORCER_CONFIG_H */
