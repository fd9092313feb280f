// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "enforcer/build_config.h"
#include "enforcer/common/config.h"
#include "enforcer/common/log.h"

/* 127.0.0.0/8 and ::1/128 into the allowlist. Return: NULL, or why not. */
static const char *add_loopback(struct enf_config *c)
{
	static const struct enf_cidr lo[] = {
		{ .family = AF_INET, .prefixlen = 8, .addr = { 127 } },
		{ .family = AF_INET6, .prefixlen = 128, .addr = { [15] = 1 } },
	};

	if (c->n_allow + 2 > ENF_ALLOW_MAX)
		return "too many prefixes (at most 64)";
	c->allow[c->n_allow++] = lo[0];
	c->allow[c->n_allow++] = lo[1];
	return NULL;
}

void enf_config_defaults(struct enf_config *c)
{
	memset(c, 0, sizeof(*c));
	c->xdp_mode = ENF_CONF_XDP_AUTO;
	c->deny_entries = ENF_CONF_DENY_ENTRIES_DEFAULT;
	snprintf(c->rules_dir, sizeof(c->rules_dir), "%s", ENF_RULESDIR);
	snprintf(c->database, sizeof(c->database), "%s", ENF_DEFAULT_DATABASE);
	snprintf(c->control_socket, sizeof(c->control_socket), "%s",
		 ENF_DEFAULT_SOCKET);
	snprintf(c->control_group, sizeof(c->control_group), "enforcer");
	snprintf(c->pin_path, sizeof(c->pin_path), "%s", ENF_DEFAULT_PIN_PATH);
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->capture_call_cap = ENF_TLS_CALL_CAP_DEFAULT;
	c->capture_ringbuf = ENF_TLS_RINGBUF_DEFAULT;
	snprintf(c->tls_offsets_file, sizeof(c->tls_offsets_file), "%s",
		 ENF_SYSCONFDIR "/tls-offsets.conf");
	c->capture_loss_interval = ENF_CONF_LOSS_INTERVAL_DEFAULT;
	c->capture_write_entry_only = true;
	c->capture_poll_ms = ENF_CONF_POLL_MS_DEFAULT;
	c->deny_action.kinds = ENF_ENF_SRC;
	c->drop_action.kinds = ENF_ENF_SRC;
	c->block_action.kinds = ENF_ENF_SRC;
	add_loopback(c);
	c->allow_mgmt = true;
	c->audit_batch = ENF_CONF_AUDIT_BATCH_DEFAULT;
	c->audit_flush_ms = ENF_CONF_AUDIT_FLUSH_MS_DEFAULT;
	c->audit_retention_s = ENF_CONF_AUDIT_RETENTION_DEFAULT;
	c->audit_max_size = ENF_CONF_AUDIT_MAX_SIZE_DEFAULT;
	c->audit_export_queue = ENF_CONF_EXPORT_QUEUE_DEFAULT;
}

const char *enf_config_xdp_mode_name(enum enf_xdp_mode_conf m)
{
	switch (m) {
	case ENF_CONF_XDP_DEFAULT:
		return "default";
	case ENF_CONF_XDP_AUTO:
		return "auto";
	case ENF_CONF_XDP_HW:
		return "hw";
	case ENF_CONF_XDP_NATIVE:
		return "native";
	case ENF_CONF_XDP_GENERIC:
		return "generic";
	}
	return "?";
}

/* One key's parser: returns NULL on success or a static reason. */
typedef const char *(*conf_setter)(struct enf_config *c, char *value);
/* One whose reason names the value: written into @msg, and returned. */
typedef const char *(*conf_setter_msg)(struct enf_config *c, char *value,
				       char *msg, size_t msg_len);

static const char *set_path(char *dst, size_t size, const char *value)
{
	if (value[0] != '/')
		return "must be an absolute path";
	if (strlen(value) >= size)
		return "path too long";
	strcpy(dst, value);
	return NULL;
}

/* Splits @value on spaces and commas, calling @add for each word. */
static const char *for_each_word(struct enf_config *c, char *value,
				 const char *(*add)(struct enf_config *,
						    const char *))
{
	char *save = NULL;
	const char *why;
	bool any = false;

	for (char *w = strtok_r(value, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		why = add(c, w);
		if (why)
			return why;
		any = true;
	}
	return any ? NULL : "needs a value";
}

int enf_config_xdp_mode_parse(const char *s, enum enf_xdp_mode_conf *out)
{
	static const enum enf_xdp_mode_conf modes[] = { ENF_CONF_XDP_AUTO,
							ENF_CONF_XDP_HW,
							ENF_CONF_XDP_NATIVE,
							ENF_CONF_XDP_GENERIC };

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(s, enf_config_xdp_mode_name(modes[i])) == 0) {
			*out = modes[i];
			return 0;
		}
	}
	return -EINVAL;
}

enum enf_xdp_mode_conf enf_config_if_mode(const struct enf_config *c, size_t i)
{
	return c->interfaces[i].mode == ENF_CONF_XDP_DEFAULT ?
		       c->xdp_mode :
		       c->interfaces[i].mode;
}

/* "NAME" or "NAME:MODE". */
static const char *add_interface(struct enf_config *c, const char *word)
{
	enum enf_xdp_mode_conf mode = ENF_CONF_XDP_DEFAULT;
	const char *colon = strchr(word, ':');
	size_t len = colon ? (size_t)(colon - word) : strlen(word);
	char name[64];

	if (colon && enf_config_xdp_mode_parse(colon + 1, &mode))
		return "the mode after ':' must be auto, hw, native or generic";
	if (len >= sizeof(name))
		return "interface name must be 1 to 15 characters";
	memcpy(name, word, len);
	name[len] = '\0';

	if (len == 0 || len >= IF_NAMESIZE)
		return "interface name must be 1 to 15 characters";
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/' || isspace((unsigned char)name[i]) ||
		    !isprint((unsigned char)name[i]))
			return "interface name has a character an interface "
			       "name cannot have";
	}
	for (size_t i = 0; i < c->n_interfaces; i++) {
		if (strcmp(c->interfaces[i].name, name) == 0)
			return "interface listed twice";
	}
	if (c->n_interfaces >= ENF_CONF_MAX_IFACES)
		return "too many interfaces (at most 16)";
	strcpy(c->interfaces[c->n_interfaces].name, name);
	c->interfaces[c->n_interfaces++].mode = mode;
	return NULL;
}

static const char *set_interface(struct enf_config *c, char *value)
{
	return for_each_word(c, value, add_interface);
}

static const char *add_tls_lib(struct enf_config *c, const char *path)
{
	if (c->n_tls_libs >= ENF_CONF_MAX_TLS_LIBS)
		return "too many TLS libraries (at most 8)";
	return set_path(c->tls_libs[c->n_tls_libs++], ENF_CONF_PATH_MAX, path);
}

static const char *set_tls_library(struct enf_config *c, char *value)
{
	return for_each_word(c, value, add_tls_lib);
}

static const char *set_xdp_mode(struct enf_config *c, char *value)
{
	if (enf_config_xdp_mode_parse(value, &c->xdp_mode))
		return "must be auto, hw, native or generic";
	return NULL;
}

static const char *set_deny_entries(struct enf_config *c, char *value)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(value, &end, 10);
	if (!isdigit((unsigned char)value[0]) || errno || *end || n < 1024 ||
	    n > ENF_CONF_DENY_ENTRIES_MAX)
		return "must be a number from 1024 to 16777216";
	c->deny_entries = (unsigned int)n;
	return NULL;
}

static const char *set_rules_dir(struct enf_config *c, char *value)
{
	return set_path(c->rules_dir, sizeof(c->rules_dir), value);
}

static const char *set_database(struct enf_config *c, char *value)
{
	return set_path(c->database, sizeof(c->database), value);
}

static const char *set_control_socket(struct enf_config *c, char *value)
{
	if (strlen(value) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return "socket path too long (at most 107 bytes)";
	return set_path(c->control_socket, sizeof(c->control_socket), value);
}

static const char *set_control_group(struct enf_config *c, char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len >= sizeof(c->control_group))
		return "group name must be 1 to 63 characters";
	for (size_t i = 0; i < len; i++) {
		if (!isalnum((unsigned char)value[i]) && value[i] != '_' &&
		    value[i] != '-' && value[i] != '.')
			return "group name has a character a group name "
			       "cannot have";
	}
	strcpy(c->control_group, value);
	return NULL;
}

static const char *set_pin_path(struct enf_config *c, char *value)
{
	if (strncmp(value, "/sys/fs/bpf/", 12) != 0 || value[12] == '\0')
		return "must be a directory under /sys/fs/bpf/";
	return set_path(c->pin_path, sizeof(c->pin_path), value);
}

static const char *set_log_level(struct enf_config *c, char *value)
{
	enum enf_log_level l;

	if (enf_log_level_parse(value, &l))
		return "must be error, warn, info or debug";
	snprintf(c->log_level, sizeof(c->log_level), "%s", value);
	return NULL;
}

/* A decimal number from @min to @max, nothing else. */
static bool parse_uint(const char *value, unsigned long min, unsigned long max,
		       unsigned long *out)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)value[0]))
		return false;
	errno = 0;
	n = strtoul(value, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*out = n;
	return true;
}

static const char *set_capture_call_cap(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, ENF_TLS_CALL_CAP_MIN, ENF_TLS_CALL_CAP_MAX, &n))
		return "must be a number of bytes from 16384 to 16777216";
	c->capture_call_cap = (unsigned int)n;
	return NULL;
}

static const char *set_capture_ringbuf(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, ENF_TLS_RINGBUF_MIN, ENF_TLS_RINGBUF_MAX, &n) ||
	    (n & (n - 1)))
		return "must be a power of two from 1048576 to 268435456 "
		       "bytes";
	c->capture_ringbuf = (unsigned int)n;
	return NULL;
}

static const char *add_capture_port(struct enf_config *c, const char *word)
{
	unsigned long n;

	if (!parse_uint(word, 1, 65535, &n))
		return "a port must be a number from 1 to 65535";
	for (size_t i = 0; i < c->n_capture_ports; i++) {
		if (c->capture_ports[i] == n)
			return "port listed twice";
	}
	if (c->n_capture_ports >= ENF_TLS_FILTER_MAX)
		return "too many ports (at most 256)";
	c->capture_ports[c->n_capture_ports++] = (uint16_t)n;
	return NULL;
}

static const char *set_capture_ports(struct enf_config *c, char *value)
{
	return for_each_word(c, value, add_capture_port);
}

static const char *add_capture_comm(struct enf_config *c, const char *word)
{
	size_t len = strlen(word);

	if (len >= ENF_COMM_LEN)
		return "a process name (comm) is 1 to 15 bytes";
	for (size_t i = 0; i < len; i++) {
		if (!isprint((unsigned char)word[i]))
			return "a process name has a character that is not "
			       "printable";
	}
	for (size_t i = 0; i < c->n_capture_comms; i++) {
		if (strcmp(c->capture_comms[i], word) == 0)
			return "process name listed twice";
	}
	if (c->n_capture_comms >= ENF_TLS_FILTER_MAX)
		return "too many process names (at most 256)";
	strcpy(c->capture_comms[c->n_capture_comms++], word);
	return NULL;
}

static const char *set_capture_comms(struct enf_config *c, char *value)
{
	return for_each_word(c, value, add_capture_comm);
}

/* "/a/b" with no empty, "." or ".." component; a trailing '/' dropped. */
static const char *add_capture_cgroup(struct enf_config *c, const char *word)
{
	char path[ENF_CONF_PATH_MAX];
	size_t len = strlen(word);
	const char *s, *end;

	if (word[0] != '/')
		return "a cgroup path must start with '/' (the hierarchy's "
		       "root, as /proc/PID/cgroup shows it)";
	while (len > 1 && word[len - 1] == '/')
		len--;
	if (len >= sizeof(path))
		return "cgroup path too long";
	memcpy(path, word, len);
	path[len] = '\0';
	for (s = path; len > 1 && *s; s = end) {
		size_t n;

		s++;
		end = strchrnul(s, '/');
		n = (size_t)(end - s);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return "a cgroup path cannot have an empty, '.' or "
			       "'..' component";
	}
	for (size_t i = 0; i < c->n_capture_cgroups; i++) {
		if (strcmp(c->capture_cgroups[i], path) == 0)
			return "cgroup listed twice";
	}
	if (c->n_capture_cgroups >= ENF_TLS_FILTER_MAX)
		return "too many cgroups (at most 256)";
	strcpy(c->capture_cgroups[c->n_capture_cgroups++], path);
	return NULL;
}

static const char *set_capture_cgroups(struct enf_config *c, char *value)
{
	return for_each_word(c, value, add_capture_cgroup);
}

static const char *set_tls_offsets_file(struct enf_config *c, char *value)
{
	return set_path(c->tls_offsets_file, sizeof(c->tls_offsets_file),
			value);
}

static const char *set_capture_loss_interval(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, 1, ENF_CONF_LOSS_INTERVAL_MAX, &n))
		return "must be a number of seconds from 1 to 3600";
	c->capture_loss_interval = (unsigned int)n;
	return NULL;
}

static const char *set_capture_poll_ms(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, 1, ENF_CONF_POLL_MS_MAX, &n))
		return "must be a number of milliseconds from 1 to 100";
	c->capture_poll_ms = (unsigned int)n;
	return NULL;
}

static const char *set_capture_write_probes(struct enf_config *c, char *value)
{
	if (!strcmp(value, "entry"))
		c->capture_write_entry_only = true;
	else if (!strcmp(value, "entry+return"))
		c->capture_write_entry_only = false;
	else
		return "must be entry or entry+return";
	return NULL;
}

static const char *set_rules_mode(struct enf_config *c, char *value)
{
	if (!strcmp(value, "enforce"))
		c->rules_shadow = false;
	else if (!strcmp(value, "shadow"))
		c->rules_shadow = true;
	else
		return "must be enforce or shadow";
	return NULL;
}

/*
 * deny_action, drop_action, block_action: a comma (or blank) list of the
 * words a rule's enforce: takes (enf_enforce_add(): src, flow, cidr/N,
 * cidr6/M, reset, kill, egress), or none alone: audit only.
 */
static const char *set_enforce(struct enf_enforce *out, char *value, char *msg,
			       size_t msg_len)
{
	struct enf_enforce e = { 0 };
	char *save = NULL;
	bool none = false, any = false;

	for (char *w = strtok_r(value, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		if (!strcasecmp(w, "none")) {
			none = true;
		} else if (enf_enforce_add(&e, w, strlen(w), msg, msg_len)) {
			return msg;
		} else {
			any = true;
		}
	}
	if (none && any)
		return "none (audit only) cannot be listed with an "
		       "enforcement";
	if (!none && !any)
		return "needs a value";
	if (enf_enforce_finish(&e, msg, msg_len))
		return msg;
	*out = e;
	return NULL;
}

static const char *set_deny_action(struct enf_config *c, char *value, char *msg,
				   size_t msg_len)
{
	return set_enforce(&c->deny_action, value, msg, msg_len);
}

static const char *set_drop_action(struct enf_config *c, char *value, char *msg,
				   size_t msg_len)
{
	return set_enforce(&c->drop_action, value, msg, msg_len);
}

static const char *set_block_action(struct enf_config *c, char *value,
				    char *msg, size_t msg_len)
{
	return set_enforce(&c->block_action, value, msg, msg_len);
}

/*
 * allowlist: a comma (or blank) list of prefixes ("192.0.2.0/24",
 * "2001:db8::/32", an address alone), loopback (127.0.0.0/8, ::1/128) and
 * mgmt (the management interface's networks); none alone: nothing.
 * Repeatable: the lines add up, the first replaces the default.
 */
static const char *set_allowlist(struct enf_config *c, char *value, char *msg,
				 size_t msg_len)
{
	char *save = NULL;
	bool none = false, any = false;
	const char *why;

	for (char *w = strtok_r(value, " \t,", &save); w;
	     w = strtok_r(NULL, " \t,", &save)) {
		if (!strcasecmp(w, "none")) {
			none = true;
			continue;
		}
		any = true;
		if (!strcasecmp(w, "loopback")) {
			why = add_loopback(c);
			if (why)
				return why;
		} else if (!strcasecmp(w, "mgmt")) {
			c->allow_mgmt = true;
		} else if (c->n_allow == ENF_ALLOW_MAX) {
			return "too many prefixes (at most 64)";
		} else if (enf_cidr_parse(w, &c->allow[c->n_allow], msg,
					  msg_len)) {
			return msg;
		} else {
			c->n_allow++;
		}
	}
	if (none && any)
		return "none (nothing allowlisted) cannot be listed with a "
		       "prefix";
	return NULL;
}

static const char *set_mgmt_interface(struct enf_config *c, char *value)
{
	if (strlen(value) >= sizeof(c->mgmt_interface))
		return "interface name too long";
	snprintf(c->mgmt_interface, sizeof(c->mgmt_interface), "%s", value);
	return NULL;
}

static const char *set_egress_cgroup(struct enf_config *c, char *value)
{
	c->egress_off = !strcmp(value, "none");
	if (c->egress_off) {
		c->egress_cgroup[0] = '\0';
		return NULL;
	}
	return set_path(c->egress_cgroup, sizeof(c->egress_cgroup), value);
}

static const char *const sandbox_names[] = {
	[ENF_SANDBOX_EPERM] = "eperm",
	[ENF_SANDBOX_KILL] = "kill",
	[ENF_SANDBOX_OFF] = "off",
};

const char *enf_config_sandbox_name(enum enf_sandbox_mode m)
{
	return (unsigned int)m <
			       sizeof(sandbox_names) / sizeof(*sandbox_names) ?
		       sandbox_names[m] :
		       "?";
}

static const char *set_sandbox(struct enf_config *c, char *value)
{
	for (unsigned int i = 0;
	     i < sizeof(sandbox_names) / sizeof(*sandbox_names); i++) {
		if (strcmp(value, sandbox_names[i]) == 0) {
			c->sandbox = (enum enf_sandbox_mode)i;
			return NULL;
		}
	}
	return "must be eperm, kill or off";
}

static void reset_allowlist(struct enf_config *c)
{
	c->n_allow = 0;
	c->allow_mgmt = false;
}

/* Repeatable keys given in a file replace the defaults: their lists
 * start empty at the key's first line. */
static void reset_interfaces(struct enf_config *c)
{
	c->n_interfaces = 0;
}

static void reset_tls_libs(struct enf_config *c)
{
	c->n_tls_libs = 0;
}

static void reset_capture_ports(struct enf_config *c)
{
	c->n_capture_ports = 0;
}

static void reset_capture_comms(struct enf_config *c)
{
	c->n_capture_comms = 0;
}

static void reset_capture_cgroups(struct enf_config *c)
{
	c->n_capture_cgroups = 0;
}

/* Whether @addr is an IPv4 address in 127.0.0.0/8 or ::1. */
static bool loopback_text(const char *addr)
{
	struct in6_addr a6;
	struct in_addr a4;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

static const char *set_audit_batch(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, 1, ENF_CONF_AUDIT_BATCH_MAX, &n))
		return "must be a number of rows from 1 to 4096";
	c->audit_batch = (unsigned int)n;
	return NULL;
}

static const char *set_audit_flush_ms(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, 1, ENF_CONF_AUDIT_FLUSH_MS_MAX, &n))
		return "must be a number of milliseconds from 1 to 10000";
	c->audit_flush_ms = (unsigned int)n;
	return NULL;
}

/* "N" with a unit among @units (suffix, multiplier), or "0": *@out. */
static bool parse_scaled(const char *value, const char *const *sfx,
			 const uint64_t *mul, size_t n_units, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)value[0]))
		return false;
	errno = 0;
	v = strtoull(value, &end, 10);
	if (errno)
		return false;
	if (!*end && v == 0) {
		*out = 0;
		return true;
	}
	for (size_t i = 0; i < n_units; i++) {
		if (strcmp(end, sfx[i]) == 0) {
			if (v > UINT64_MAX / mul[i])
				return false;
			*out = v * mul[i];
			return true;
		}
	}
	return false;
}

static const char *set_audit_retention(struct enf_config *c, char *value)
{
	static const char *const sfx[] = { "s", "m", "h", "d" };
	static const uint64_t mul[] = { 1, 60, 3600, 86400 };

	if (!strcmp(value, "forever")) {
		c->audit_retention_s = 0;
		return NULL;
	}
	if (!parse_scaled(value, sfx, mul, 4, &c->audit_retention_s))
		return "must be a time such as 90d, 12h, 30m or 3600s, or"
		       " forever";
	return NULL;
}

static const char *set_audit_max_size(struct enf_config *c, char *value)
{
	static const char *const sfx[] = { "K", "M", "G", "T" };
	static const uint64_t mul[] = { 1ULL << 10, 1ULL << 20, 1ULL << 30,
					1ULL << 40 };

	if (!strcmp(value, "unlimited")) {
		c->audit_max_size = 0;
		return NULL;
	}
	if (!parse_scaled(value, sfx, mul, 4, &c->audit_max_size))
		return "must be a size such as 512M or 4G, or unlimited";
	if (c->audit_max_size && c->audit_max_size < (1ULL << 20))
		return "must be at least 1M";
	return NULL;
}

static const char *set_audit_export_file(struct enf_config *c, char *value)
{
	if (!strcmp(value, "none")) {
		c->audit_export_file[0] = '\0';
		return NULL;
	}
	return set_path(c->audit_export_file, sizeof(c->audit_export_file),
			value);
}

static const char *set_audit_export_syslog(struct enf_config *c, char *value)
{
	if (!strcmp(value, "yes"))
		c->audit_export_syslog = true;
	else if (!strcmp(value, "no"))
		c->audit_export_syslog = false;
	else
		return "must be yes or no";
	return NULL;
}

static const char *set_audit_export_queue(struct enf_config *c, char *value)
{
	unsigned long n;

	if (!parse_uint(value, 16, ENF_CONF_EXPORT_QUEUE_MAX, &n))
		return "must be a number of events from 16 to 1048576";
	c->audit_export_queue = (unsigned int)n;
	return NULL;
}

/* "off", or ADDR:PORT with ADDR on loopback ("127.0.0.1:9464",
 * "[::1]:9464"); the endpoint checks ADDR again when it starts. */
static const char *set_metrics_listen(struct enf_config *c, char *value)
{
	unsigned long port;
	char addr[64];
	const char *p;
	size_t n;

	if (!strcmp(value, "off")) {
		c->metrics_listen[0] = '\0';
		c->metrics_port = 0;
		return NULL;
	}
	if (value[0] == '[') {
		p = strchr(value, ']');
		if (!p || p[1] != ':')
			return "must be off, or ADDRESS:PORT on loopback";
		n = (size_t)(p - value - 1);
		value++;
		p++;
	} else {
		p = strrchr(value, ':');
		if (!p)
			return "must be off, or ADDRESS:PORT on loopback";
		n = (size_t)(p - value);
	}
	if (n == 0 || n >= sizeof(addr))
		return "must be off, or ADDRESS:PORT on loopback";
	memcpy(addr, value, n);
	addr[n] = '\0';
	if (!parse_uint(p + 1, 1, 65535, &port))
		return "port must be from 1 to 65535";
	if (!loopback_text(addr))
		return "address must be on loopback (127.0.0.0/8 or ::1):"
		       " the endpoint has no authentication";
	snprintf(c->metrics_listen, sizeof(c->metrics_listen), "%s", addr);
	c->metrics_port = (uint16_t)port;
	return NULL;
}

static const struct {
	const char *key;
	conf_setter set;
	bool repeatable;
	void (*reset)(struct enf_config *c);
	conf_setter_msg set_msg; /* instead of @set */
} conf_keys[] = {
	{ "interface", set_interface, true, reset_interfaces, NULL },
	{ "xdp_mode", set_xdp_mode, false, NULL, NULL },
	{ "deny_map_entries", set_deny_entries, false, NULL, NULL },
	{ "rules_dir", set_rules_dir, false, NULL, NULL },
	{ "database", set_database, false, NULL, NULL },
	{ "control_socket", set_control_socket, false, NULL, NULL },
	{ "control_group", set_control_group, false, NULL, NULL },
	{ "pin_path", set_pin_path, false, NULL, NULL },
	{ "tls_library", set_tls_library, true, reset_tls_libs, NULL },
	{ "log_level", set_log_level, false, NULL, NULL },
	{ "capture_call_cap", set_capture_call_cap, false, NULL, NULL },
	{ "capture_ringbuf", set_capture_ringbuf, false, NULL, NULL },
	{ "capture_ports", set_capture_ports, true, reset_capture_ports, NULL },
	{ "capture_comms", set_capture_comms, true, reset_capture_comms, NULL },
	{ "capture_cgroups", set_capture_cgroups, true, reset_capture_cgroups,
	  NULL },
	{ "tls_offsets_file", set_tls_offsets_file, false, NULL, NULL },
	{ "capture_loss_interval", set_capture_loss_interval, false, NULL,
	  NULL },
	{ "capture_write_probes", set_capture_write_probes, false, NULL, NULL },
	{ "capture_poll_ms", set_capture_poll_ms, false, NULL, NULL },
	{ "rules_mode", set_rules_mode, false, NULL, NULL },
	{ "deny_action", NULL, false, NULL, set_deny_action },
	{ "drop_action", NULL, false, NULL, set_drop_action },
	{ "block_action", NULL, false, NULL, set_block_action },
	{ "allowlist", NULL, true, reset_allowlist, set_allowlist },
	{ "mgmt_interface", set_mgmt_interface, false, NULL, NULL },
	{ "egress_cgroup", set_egress_cgroup, false, NULL, NULL },
	{ "audit_batch", set_audit_batch, false, NULL, NULL },
	{ "audit_flush_ms", set_audit_flush_ms, false, NULL, NULL },
	{ "audit_retention", set_audit_retention, false, NULL, NULL },
	{ "audit_max_size", set_audit_max_size, false, NULL, NULL },
	{ "audit_export_file", set_audit_export_file, false, NULL, NULL },
	{ "audit_export_syslog", set_audit_export_syslog, false, NULL, NULL },
	{ "audit_export_queue", set_audit_export_queue, false, NULL, NULL },
	{ "metrics_listen", set_metrics_listen, false, NULL, NULL },
	{ "sandbox", set_sandbox, false, NULL, NULL },
};

#define N_CONF_KEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static int conf_error(char *err, const char *name, unsigned int line,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int conf_error(char *err, const char *name, unsigned int line,
		      const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(err, ENF_CONF_ERR_LEN, "%s:%u: ", name, line);
	if (n < 0 || n >= ENF_CONF_ERR_LEN)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err + n, ENF_CONF_ERR_LEN - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int enf_config_parse(const char *text, const char *name, struct enf_config *c,
		     char *err)
{
	bool seen[N_CONF_KEYS] = { false };
	char msg[ENF_CONF_ERR_LEN / 2];
	struct enf_config tmp = *c;
	unsigned int lineno = 0;
	char *copy, *line, *next;
	int ret = 0;

	copy = strdup(text);
	if (!copy) {
		snprintf(err, ENF_CONF_ERR_LEN, "%s: out of memory", name);
		return -ENOMEM;
	}
	/* Repeatable keys given in the file replace the defaults wholesale. */
	for (line = copy; line; line = next) {
		char *eq, *key, *value, *hash;
		const char *why;
		size_t k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		lineno++;
		/* A comment starts a line or follows whitespace. */
		for (hash = line; (hash = strchr(hash, '#')); hash++) {
			if (hash == line || isspace((unsigned char)hash[-1])) {
				*hash = '\0';
				break;
			}
		}
		line = trim(line);
		if (*line == '\0')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			ret = conf_error(err, name, lineno,
					 "expected 'key = value', got '%.64s'",
					 line);
			goto out;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		for (k = 0; k < N_CONF_KEYS; k++) {
			if (strcmp(key, conf_keys[k].key) == 0)
				break;
		}
		if (k == N_CONF_KEYS) {
			ret = conf_error(err, name, lineno,
					 "unknown key '%.64s'", key);
			goto out;
		}
		if (seen[k] && !conf_keys[k].repeatable) {
			ret = conf_error(err, name, lineno, "'%s' given twice",
					 key);
			goto out;
		}
		if (!seen[k] && conf_keys[k].reset)
			conf_keys[k].reset(&tmp);
		seen[k] = true;
		if (*value == '\0') {
			ret = conf_error(err, name, lineno,
					 "'%s' needs a value", key);
			goto out;
		}
		why = conf_keys[k].set_msg ?
			      conf_keys[k].set_msg(&tmp, value, msg,
						   sizeof(msg)) :
			      conf_keys[k].set(&tmp, value);
		if (why) {
			ret = conf_error(err, name, lineno, "%s: %s", key, why);
			goto out;
		}
	}
	*c = tmp;
out:
	free(copy);
	return ret;
}

int enf_config_load(const char *path, struct enf_config *c, char *err)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	size_t got = 0;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, ENF_CONF_ERR_LEN, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, ENF_CONF_ERR_LEN, "%s: %s", path, strerror(-ret));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > ENF_CONF_MAX_BYTES) {
		ret = -EINVAL;
		snprintf(err, ENF_CONF_ERR_LEN,
			 "%s: not a regular file of at most 1 MiB", path);
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		snprintf(err, ENF_CONF_ERR_LEN, "%s: out of memory", path);
		goto out_close;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, ENF_CONF_ERR_LEN, "%s: %s", path,
				 strerror(-ret));
			goto out_free;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (memchr(buf, '\0', got)) {
		ret = -EINVAL;
		snprintf(err, ENF_CONF_ERR_LEN, "%s: contains a NUL byte",
			 path);
		goto out_free;
	}
	ret = enf_config_parse(buf, path, c, err);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}
