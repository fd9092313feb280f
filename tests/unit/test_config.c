// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/build_config.h"
#include "enforcer/common/config.h"

static void test_defaults(void **state)
{
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	assert_int_equal(c.n_interfaces, 0);
	assert_int_equal(c.xdp_mode, ENF_CONF_XDP_AUTO);
	assert_string_equal(c.database, ENF_DEFAULT_DATABASE);
	assert_string_equal(c.control_socket, ENF_DEFAULT_SOCKET);
	assert_string_equal(c.pin_path, ENF_DEFAULT_PIN_PATH);
	assert_string_equal(c.control_group, "enforcer");
	/* capture: the values enforcerd.8 documents */
	assert_int_equal(c.capture_call_cap, 1048576);
	assert_int_equal(c.capture_call_cap, ENF_TLS_CALL_CAP_DEFAULT);
	assert_int_equal(c.capture_ringbuf, 4u << 20);
	assert_int_equal(c.capture_ringbuf, ENF_TLS_RINGBUF_DEFAULT);
	assert_int_equal(c.n_capture_ports, 0);
	assert_int_equal(c.n_capture_comms, 0);
	assert_int_equal(c.n_capture_cgroups, 0);
	assert_string_equal(c.tls_offsets_file,
			    ENF_SYSCONFDIR "/tls-offsets.conf");
	assert_int_equal(c.capture_loss_interval, 10);
	assert_int_equal(c.capture_poll_ms, 10);
	assert_true(c.capture_write_entry_only);
	/* the sandbox is on unless the file says otherwise */
	assert_int_equal(c.sandbox, ENF_SANDBOX_EPERM);
	assert_string_equal(enf_config_sandbox_name(c.sandbox), "eperm");
}

static void test_full_file(void **state)
{
	const char *text = "# enforcer.conf\n"
			   "\n"
			   "interface = eth0, eth1:hw\n"
			   "interface = veth9:native   # trailing comment\n"
			   "xdp_mode = generic\n"
			   "deny_map_entries = 1048576\n"
			   "rules_dir = /etc/enforcer/rules.d\n"
			   "database = /tmp/x/policy.db\n"
			   "control_socket = /tmp/x/s.sock\n"
			   "control_group = wheel\n"
			   "pin_path = /sys/fs/bpf/enf2\n"
			   "tls_library = /lib/libssl.so.3\n"
			   "log_level = debug\n"
			   "sandbox = kill\n";
	char err[ENF_CONF_ERR_LEN] = "";
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	assert_int_equal(enf_config_parse(text, "t.conf", &c, err), 0);
	assert_int_equal(c.n_interfaces, 3);
	assert_string_equal(c.interfaces[0].name, "eth0");
	assert_string_equal(c.interfaces[1].name, "eth1");
	assert_string_equal(c.interfaces[2].name, "veth9");
	assert_int_equal(c.interfaces[0].mode, ENF_CONF_XDP_DEFAULT);
	assert_int_equal(c.interfaces[1].mode, ENF_CONF_XDP_HW);
	assert_int_equal(c.interfaces[2].mode, ENF_CONF_XDP_NATIVE);
	assert_int_equal(c.xdp_mode, ENF_CONF_XDP_GENERIC);
	/* an interface without a mode of its own takes the global one */
	assert_int_equal(enf_config_if_mode(&c, 0), ENF_CONF_XDP_GENERIC);
	assert_int_equal(enf_config_if_mode(&c, 1), ENF_CONF_XDP_HW);
	assert_int_equal(c.deny_entries, 1048576);
	assert_string_equal(c.rules_dir, "/etc/enforcer/rules.d");
	assert_string_equal(c.database, "/tmp/x/policy.db");
	assert_string_equal(c.control_socket, "/tmp/x/s.sock");
	assert_string_equal(c.control_group, "wheel");
	assert_string_equal(c.pin_path, "/sys/fs/bpf/enf2");
	assert_int_equal(c.n_tls_libs, 1);
	assert_string_equal(c.tls_libs[0], "/lib/libssl.so.3");
	assert_string_equal(c.log_level, "debug");
	assert_int_equal(c.sandbox, ENF_SANDBOX_KILL);
	/* off is a mode too; the last line wins */
	assert_int_equal(enf_config_parse("sandbox = off\n", "t.conf", &c, err),
			 0);
	assert_int_equal(c.sandbox, ENF_SANDBOX_OFF);
	assert_string_equal(enf_config_sandbox_name(c.sandbox), "off");
}

static void test_capture_keys(void **state)
{
	const char *text =
		"capture_call_cap = 65536\n"
		"capture_ringbuf = 67108864\n"
		"capture_ports = 443, 8443\n"
		"capture_ports = 9443\t65535 1\n"
		"capture_comms = nginx, curl\n"
		"capture_comms = kworker/0:1 fifteen_chars_x\n"
		"capture_cgroups = /system.slice/nginx.service/\n"
		"capture_cgroups = /, /machine.slice/libpod-x.scope\n"
		"tls_offsets_file = /etc/enforcer/offsets-local.conf\n"
		"capture_loss_interval = 60\n"
		"capture_write_probes = entry+return\n"
		"capture_poll_ms = 3\n"
		"rules_mode = shadow\n";
	char err[ENF_CONF_ERR_LEN] = "";
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	assert_int_equal(enf_config_parse(text, "t.conf", &c, err), 0);
	assert_int_equal(c.capture_call_cap, 65536);
	assert_int_equal(c.capture_ringbuf, 67108864);
	/* repeated lines add to the list */
	assert_int_equal(c.n_capture_ports, 5);
	assert_int_equal(c.capture_ports[0], 443);
	assert_int_equal(c.capture_ports[1], 8443);
	assert_int_equal(c.capture_ports[2], 9443);
	assert_int_equal(c.capture_ports[3], 65535);
	assert_int_equal(c.capture_ports[4], 1);
	assert_int_equal(c.n_capture_comms, 4);
	assert_string_equal(c.capture_comms[0], "nginx");
	assert_string_equal(c.capture_comms[1], "curl");
	assert_string_equal(c.capture_comms[2], "kworker/0:1");
	assert_string_equal(c.capture_comms[3], "fifteen_chars_x");
	/* a trailing slash is dropped; the root is a cgroup too */
	assert_int_equal(c.n_capture_cgroups, 3);
	assert_string_equal(c.capture_cgroups[0],
			    "/system.slice/nginx.service");
	assert_string_equal(c.capture_cgroups[1], "/");
	assert_string_equal(c.capture_cgroups[2],
			    "/machine.slice/libpod-x.scope");
	assert_string_equal(c.tls_offsets_file,
			    "/etc/enforcer/offsets-local.conf");
	assert_int_equal(c.capture_loss_interval, 60);
	assert_true(c.rules_shadow);
	assert_false(c.capture_write_entry_only);
	assert_int_equal(c.capture_poll_ms, 3);

	/* a file parsed over a config replaces its lists, it does not add */
	assert_int_equal(
		enf_config_parse("capture_ports = 8080\n"
				 "capture_comms = curl\n"
				 "capture_cgroups = /a\n"
				 "interface = lo\n"
				 "tls_library = /lib/libgnutls.so.30\n",
				 "u.conf", &c, err),
		0);
	assert_int_equal(c.n_capture_ports, 1);
	assert_int_equal(c.capture_ports[0], 8080);
	assert_int_equal(c.n_capture_comms, 1);
	assert_string_equal(c.capture_comms[0], "curl");
	assert_int_equal(c.n_capture_cgroups, 1);
	assert_string_equal(c.capture_cgroups[0], "/a");
	assert_int_equal(c.n_interfaces, 1);
	assert_int_equal(c.n_tls_libs, 1);
	/* keys the file does not give keep their values */
	assert_int_equal(c.capture_call_cap, 65536);
}

/* The bounds themselves are accepted, and as many list entries as a
 * kernel filter map holds. */
static void test_capture_bounds_accepted(void **state)
{
	static const struct {
		const char *text;
		unsigned int call_cap, ringbuf, interval;
	} cases[] = {
		{ "capture_call_cap = 16384\ncapture_ringbuf = 1048576\n"
		  "capture_loss_interval = 1\n",
		  16384, 1048576, 1 },
		{ "capture_call_cap = 16777216\n"
		  "capture_ringbuf = 268435456\n"
		  "capture_loss_interval = 3600\n",
		  16777216, 268435456, 3600 },
	};
	char err[ENF_CONF_ERR_LEN] = "";
	struct enf_config *c;
	size_t n, cap = 64 * 1024;
	char *text;
	int i;

	(void)state;
	c = malloc(sizeof(*c));
	assert_non_null(c);
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		enf_config_defaults(c);
		if (enf_config_parse(cases[k].text, "t.conf", c, err))
			fail_msg("bounds case %zu refused: %s", k, err);
		assert_int_equal(c->capture_call_cap, cases[k].call_cap);
		assert_int_equal(c->capture_ringbuf, cases[k].ringbuf);
		assert_int_equal(c->capture_loss_interval, cases[k].interval);
	}

	text = malloc(cap);
	assert_non_null(text);
	n = 0;
	for (i = 0; i < ENF_TLS_FILTER_MAX; i++)
		n += (size_t)snprintf(text + n, cap - n,
				      "capture_ports = %d\n"
				      "capture_comms = p%d\n"
				      "capture_cgroups = /s/%d.service\n",
				      1000 + i, i, i);
	enf_config_defaults(c);
	if (enf_config_parse(text, "t.conf", c, err))
		fail_msg("%d of each list refused: %s", ENF_TLS_FILTER_MAX,
			 err);
	assert_int_equal(c->n_capture_ports, ENF_TLS_FILTER_MAX);
	assert_int_equal(c->n_capture_comms, ENF_TLS_FILTER_MAX);
	assert_int_equal(c->n_capture_cgroups, ENF_TLS_FILTER_MAX);
	assert_string_equal(c->capture_cgroups[ENF_TLS_FILTER_MAX - 1],
			    "/s/255.service");

	/* one more of each is refused, on its own line */
	for (i = 0; i < 3; i++) {
		static const char *const more[] = {
			"capture_ports = 9\n", "capture_comms = one_more\n",
			"capture_cgroups = /one/more\n"
		};
		static const char *const why[] = {
			"capture_ports: too many ports (at most 256)",
			"capture_comms: too many process names (at most 256)",
			"capture_cgroups: too many cgroups (at most 256)",
		};
		char want[128];

		snprintf(text + n, cap - n, "%s", more[i]);
		enf_config_defaults(c);
		assert_int_equal(enf_config_parse(text, "t.conf", c, err),
				 -EINVAL);
		snprintf(want, sizeof(want), "t.conf:%d: %s",
			 3 * ENF_TLS_FILTER_MAX + 1, why[i]);
		if (strcmp(err, want))
			fail_msg("list %d past its bound: got '%s', want '%s'",
				 i, err, want);
	}
	free(text);
	free(c);
}

/* Each bad line: the error names the file, the line and the reason, and the
 * config passed in is left exactly as it was. */
static void test_errors(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "interface = eth0\nbogus = 1\n",
		  "t.conf:2: unknown key 'bogus'" },
		{ "\n\nxdp_mode = turbo\n",
		  "t.conf:3: xdp_mode: must be auto, hw, native or generic" },
		{ "interface = eth0:turbo\n",
		  "t.conf:1: interface: the mode after ':' must be" },
		{ "interface = :hw\n",
		  "t.conf:1: interface: interface name must be 1 to 15" },
		{ "deny_map_entries = 5\n",
		  "t.conf:1: deny_map_entries: must be a number from 1024" },
		{ "deny_map_entries = 99999999999\n",
		  "t.conf:1: deny_map_entries: must be" },
		{ "interface eth0\n", "t.conf:1: expected 'key = value'" },
		{ "database = relative.db\n",
		  "t.conf:1: database: must be an absolute path" },
		{ "log_level = loud\n", "t.conf:1: log_level: must be" },
		{ "sandbox = on\n",
		  "t.conf:1: sandbox: must be eperm, kill or off" },
		{ "sandbox = EPERM\n",
		  "t.conf:1: sandbox: must be eperm, kill or off" },
		{ "pin_path = /tmp/x\n",
		  "t.conf:1: pin_path: must be a directory under /sys/fs/bpf/" },
		{ "interface = averyveryverylongname0\n",
		  "t.conf:1: interface: interface name must be 1 to 15" },
		{ "interface = a a\n",
		  "t.conf:1: interface: interface listed twice" },
		{ "xdp_mode = auto\nxdp_mode = native\n",
		  "t.conf:2: 'xdp_mode' given twice" },
		{ "database =\n", "t.conf:1: 'database' needs a value" },
		{ "control_group = bad group!\n",
		  "t.conf:1: control_group: group name has" },
		{ "capture_call_cap = 16383\n",
		  "t.conf:1: capture_call_cap: must be a number of bytes from "
		  "16384 to 16777216" },
		{ "\ncapture_call_cap = 16777217\n",
		  "t.conf:2: capture_call_cap: must be" },
		{ "capture_call_cap = 1M\n",
		  "t.conf:1: capture_call_cap: must be" },
		{ "capture_call_cap = -16384\n",
		  "t.conf:1: capture_call_cap: must be" },
		{ "capture_call_cap = 65536\ncapture_call_cap = 65536\n",
		  "t.conf:2: 'capture_call_cap' given twice" },
		{ "capture_ringbuf = 3145728\n",
		  "t.conf:1: capture_ringbuf: must be a power of two from "
		  "1048576 to 268435456 bytes" },
		{ "capture_ringbuf = 524288\n",
		  "t.conf:1: capture_ringbuf: must be a power of two" },
		{ "capture_ringbuf = 536870912\n",
		  "t.conf:1: capture_ringbuf: must be a power of two" },
		{ "capture_ringbuf =\n",
		  "t.conf:1: 'capture_ringbuf' needs a" },
		{ "capture_ports = 443 0\n",
		  "t.conf:1: capture_ports: a port must be a number from 1 to "
		  "65535" },
		{ "capture_ports = 65536\n",
		  "t.conf:1: capture_ports: a port must be" },
		{ "capture_ports = https\n",
		  "t.conf:1: capture_ports: a port must be" },
		{ "capture_ports = 443\ncapture_ports = 443\n",
		  "t.conf:2: capture_ports: port listed twice" },
		{ "capture_comms = sixteen_chars_xy\n",
		  "t.conf:1: capture_comms: a process name (comm) is 1 to 15" },
		{ "capture_comms = nginx nginx\n",
		  "t.conf:1: capture_comms: process name listed twice" },
		{ "capture_comms = bad\x01name\n",
		  "t.conf:1: capture_comms: a process name has a character" },
		{ "capture_cgroups = system.slice\n",
		  "t.conf:1: capture_cgroups: a cgroup path must start with '/'" },
		{ "capture_cgroups = /a/../etc\n",
		  "t.conf:1: capture_cgroups: a cgroup path cannot have an" },
		{ "capture_cgroups = /a//b\n",
		  "t.conf:1: capture_cgroups: a cgroup path cannot have an" },
		{ "capture_cgroups = /a/./b\n",
		  "t.conf:1: capture_cgroups: a cgroup path cannot have an" },
		{ "capture_cgroups = /a\ncapture_cgroups = /a/\n",
		  "t.conf:2: capture_cgroups: cgroup listed twice" },
		{ "tls_offsets_file = offsets.conf\n",
		  "t.conf:1: tls_offsets_file: must be an absolute path" },
		{ "capture_loss_interval = 0\n",
		  "t.conf:1: capture_loss_interval: must be a number of seconds "
		  "from 1 to 3600" },
		{ "capture_loss_interval = 3601\n",
		  "t.conf:1: capture_loss_interval: must be" },
		{ "capture_poll_ms = 0\n",
		  "t.conf:1: capture_poll_ms: must be a number of milliseconds "
		  "from 1 to 100" },
		{ "capture_poll_ms = 101\n",
		  "t.conf:1: capture_poll_ms: must be" },
		{ "capture_write_probes = return\n",
		  "t.conf:1: capture_write_probes: must be entry or "
		  "entry+return" },
		{ "rules_mode = detect\n",
		  "t.conf:1: rules_mode: must be enforce or shadow" },
		{ "deny_action = src\ndrop_action = flow\n\n"
		  "block_action = src, cidr/33\n",
		  "t.conf:4: block_action: bad prefix length in 'cidr/33': the "
		  "IPv4 prefix is cidr/N with N from 1 to 32" },
		{ "deny_action = cidr/abc\n",
		  "t.conf:1: deny_action: bad prefix length in 'cidr/abc'" },
		{ "deny_action = cidr/24/64\n",
		  "t.conf:1: deny_action: 'cidr/24/64' is not an enforcement" },
		{ "drop_action = cidr6/48\n",
		  "t.conf:1: drop_action: cidr6/48 without cidr/N" },
		{ "drop_action = src, foo\n",
		  "t.conf:1: drop_action: unknown enforcement 'foo' (src, flow, "
		  "cidr/N, cidr6/M, reset, kill or egress)" },
		{ "block_action = none, src\n",
		  "t.conf:1: block_action: none (audit only) cannot be listed "
		  "with an enforcement" },
		{ "block_action = ,\n",
		  "t.conf:1: block_action: needs a value" },
		{ "deny_action = src\ndeny_action = flow\n",
		  "t.conf:2: 'deny_action' given twice" },
		{ "allowlist = loopback\nallowlist = 10.1.2.3/8\n",
		  "t.conf:2: allowlist: '10.1.2.3/8' has host bits set "
		  "(10.0.0.0/8?)" },
		{ "allowlist = 10.0.0.0/33\n",
		  "t.conf:1: allowlist: '10.0.0.0/33': the prefix length must "
		  "be 0 to 32" },
		{ "allowlist = 2001:db8::/129\n",
		  "t.conf:1: allowlist: '2001:db8::/129': the prefix length "
		  "must be 0 to 128" },
		{ "allowlist = lan\n",
		  "t.conf:1: allowlist: 'lan' is not an IPv4 or IPv6 address" },
		{ "allowlist = 10.0.0.0/\n",
		  "t.conf:1: allowlist: '10.0.0.0/': the prefix length must" },
		{ "allowlist = none, 10.0.0.0/8\n",
		  "t.conf:1: allowlist: none (nothing allowlisted) cannot be "
		  "listed with a prefix" },
		{ "mgmt_interface = eth0\nmgmt_interface = eth1\n",
		  "t.conf:2: 'mgmt_interface' given twice" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[ENF_CONF_ERR_LEN] = "";
		static struct enf_config c, before;

		enf_config_defaults(&c);
		before = c;
		assert_int_equal(enf_config_parse(cases[i].text, "t.conf", &c,
						  err),
				 -EINVAL);
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got '%s', want prefix '%s'", i, err,
				 cases[i].want);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

/* deny_action, drop_action, block_action: src by default (today's
 * behaviour), the rule grammar's words, none. */
static void test_enforce_actions(void **state)
{
	char err[ENF_CONF_ERR_LEN] = "", buf[ENF_ENFORCE_TEXT_MAX];
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	assert_int_equal(c.deny_action.kinds, ENF_ENF_SRC);
	assert_int_equal(c.drop_action.kinds, ENF_ENF_SRC);
	assert_int_equal(c.block_action.kinds, ENF_ENF_SRC);
	assert_int_equal(enf_config_parse("deny_action = src,flow\n"
					  "drop_action = cidr/24 cidr6/56, "
					  "reset\n"
					  "block_action = NONE\n",
					  "t.conf", &c, err),
			 0);
	assert_int_equal(c.deny_action.kinds, ENF_ENF_SRC | ENF_ENF_FLOW);
	assert_int_equal(c.drop_action.kinds, ENF_ENF_CIDR | ENF_ENF_RESET);
	assert_int_equal(c.drop_action.cidr4, 24);
	assert_int_equal(c.drop_action.cidr6, 56);
	assert_int_equal(c.block_action.kinds, 0);
	assert_true(enf_enforce_format(&c.drop_action, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "cidr/24,cidr6/56,reset");
	/* IPv6 peers get /64 when only the IPv4 prefix is given */
	enf_config_defaults(&c);
	assert_int_equal(enf_config_parse("block_action = cidr/16, kill, "
					  "egress\n",
					  "t.conf", &c, err),
			 0);
	assert_int_equal(c.block_action.kinds,
			 ENF_ENF_CIDR | ENF_ENF_KILL | ENF_ENF_EGRESS);
	assert_int_equal(c.block_action.cidr4, 16);
	assert_int_equal(c.block_action.cidr6, ENF_ENFORCE_CIDR6_DEFAULT);
	/* the keys not given keep their default */
	assert_int_equal(c.deny_action.kinds, ENF_ENF_SRC);
	assert_int_equal(c.drop_action.kinds, ENF_ENF_SRC);
}

/* The texts of @c's allowlist, joined by spaces. */
static void allow_text(const struct enf_config *c, char *buf, size_t len)
{
	char one[ENF_CIDR_TEXT_MAX];

	buf[0] = '\0';
	for (size_t i = 0; i < c->n_allow; i++) {
		enf_cidr_format(&c->allow[i], one, sizeof(one));
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			 i ? " " : "", one);
	}
}

/* allowlist: loopback and mgmt by default; a file's lines replace the
 * default and add up; none empties it. */
static void test_allowlist(void **state)
{
	char err[ENF_CONF_ERR_LEN] = "", got[512];
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	allow_text(&c, got, sizeof(got));
	assert_string_equal(got, "127.0.0.0/8 ::1/128");
	assert_true(c.allow_mgmt);
	assert_string_equal(c.mgmt_interface, "");

	assert_int_equal(enf_config_parse("allowlist = 198.51.100.0/24, "
					  "2001:DB8::/32 203.0.113.7\n"
					  "allowlist = loopback\n"
					  "mgmt_interface = eth1\n",
					  "t.conf", &c, err),
			 0);
	allow_text(&c, got, sizeof(got));
	assert_string_equal(got, "198.51.100.0/24 2001:db8::/32 "
				 "203.0.113.7/32 127.0.0.0/8 ::1/128");
	assert_false(c.allow_mgmt); /* not listed: the default is replaced */
	assert_string_equal(c.mgmt_interface, "eth1");

	enf_config_defaults(&c);
	assert_int_equal(
		enf_config_parse("allowlist = mgmt\n", "t.conf", &c, err), 0);
	assert_int_equal(c.n_allow, 0);
	assert_true(c.allow_mgmt);
	assert_int_equal(
		enf_config_parse("allowlist = none\n", "t.conf", &c, err), 0);
	assert_int_equal(c.n_allow, 0);
	assert_false(c.allow_mgmt);
}

/* Prefixes: what holds what, v4-mapped addresses, overlap. */
static void test_cidr(void **state)
{
	struct enf_cidr a, b;
	uint8_t addr[16] = { 0 };
	char err[128], text[ENF_CIDR_TEXT_MAX];

	(void)state;
	assert_int_equal(enf_cidr_parse("192.0.2.0/25", &a, err, sizeof(err)),
			 0);
	assert_int_equal(inet_pton(AF_INET, "192.0.2.127", addr), 1);
	assert_true(enf_cidr_contains(&a, AF_INET, addr));
	assert_int_equal(inet_pton(AF_INET, "192.0.2.128", addr), 1);
	assert_false(enf_cidr_contains(&a, AF_INET, addr));
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.9", addr), 1);
	assert_true(enf_cidr_contains(&a, AF_INET6, addr));
	assert_int_equal(inet_pton(AF_INET6, "::ffff:192.0.2.200", addr), 1);
	assert_false(enf_cidr_contains(&a, AF_INET6, addr));
	assert_int_equal(
		enf_cidr_parse("2001:db8:8000::/33", &b, err, sizeof(err)), 0);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:ffff::1", addr), 1);
	assert_true(enf_cidr_contains(&b, AF_INET6, addr));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:7fff::1", addr), 1);
	assert_false(enf_cidr_contains(&b, AF_INET6, addr));
	assert_false(enf_cidr_contains(&a, AF_INET6, addr));
	assert_false(enf_cidr_overlap(&a, &b));
	assert_int_equal(enf_cidr_parse("192.0.0.0/16", &b, err, sizeof(err)),
			 0);
	assert_true(enf_cidr_overlap(&a, &b));
	assert_true(enf_cidr_overlap(&b, &a));
	assert_int_equal(enf_cidr_parse("192.0.2.128/25", &b, err, sizeof(err)),
			 0);
	assert_false(enf_cidr_overlap(&a, &b));
	assert_int_equal(enf_cidr_parse("0.0.0.0/0", &b, err, sizeof(err)), 0);
	assert_true(enf_cidr_overlap(&a, &b));
	enf_cidr_format(&b, text, sizeof(text));
	assert_string_equal(text, "0.0.0.0/0");
	assert_int_equal(enf_cidr_parse("192.0.2.1/-1", &b, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(enf_cidr_parse("10.0.0.0/ 8", &b, err, sizeof(err)),
			 -EINVAL);
	/* loopback's networks: lo is in every network namespace */
	{
		struct enf_cidr lo[8];
		int n = enf_cidr_of_iface("lo", lo, 8);

		assert_true(n >= 1);
		enf_cidr_format(&lo[0], text, sizeof(text));
		if (strcmp(text, "127.0.0.0/8") && strcmp(text, "::1/128"))
			fail_msg("lo's first network is %s", text);
		assert_int_equal(enf_cidr_of_iface("enf-no-such0", lo, 8),
				 -ENODEV);
	}
}

static void test_load_file(void **state)
{
	char path[] = "/tmp/enf-config-XXXXXX";
	char err[ENF_CONF_ERR_LEN] = "";
	struct enf_config c;
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("interface = lo\n", f);
	fclose(f);
	enf_config_defaults(&c);
	assert_int_equal(enf_config_load(path, &c, err), 0);
	assert_string_equal(c.interfaces[0].name, "lo");
	unlink(path);
	assert_int_equal(enf_config_load(path, &c, err), -ENOENT);
	assert_non_null(strstr(err, path));
}

/* egress_cgroup: the cgroup2 root by default, a directory, or none. */
static void test_egress_cgroup(void **state)
{
	char err[ENF_CONF_ERR_LEN] = "";
	struct enf_config c;

	(void)state;
	enf_config_defaults(&c);
	assert_string_equal(c.egress_cgroup, "");
	assert_false(c.egress_off);
	assert_int_equal(
		enf_config_parse("egress_cgroup = /sys/fs/cgroup/app\n",
				 "t.conf", &c, err),
		0);
	assert_string_equal(c.egress_cgroup, "/sys/fs/cgroup/app");
	assert_false(c.egress_off);
	enf_config_defaults(&c);
	assert_int_equal(enf_config_parse("egress_cgroup = none\n", "t.conf",
					  &c, err),
			 0);
	assert_true(c.egress_off);
	assert_string_equal(c.egress_cgroup, "");
	enf_config_defaults(&c);
	assert_int_equal(enf_config_parse("egress_cgroup = app\n", "t.conf", &c,
					  err),
			 -EINVAL);
	assert_non_null(strstr(err, "t.conf:1"));
	assert_non_null(strstr(err, "must be an absolute path"));
	assert_string_equal(c.egress_cgroup, "");
}

/* The audit log's keys: defaults, values with units, the words, errors. */
static void test_audit_keys(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
		{ "audit_batch = 0\n",
		  "t.conf:1: audit_batch: must be a number" },
		{ "audit_batch = 5000\n", "t.conf:1: audit_batch: must be" },
		{ "audit_flush_ms = 10001\n",
		  "t.conf:1: audit_flush_ms: must" },
		{ "audit_retention = 5y\n", "t.conf:1: audit_retention: must" },
		{ "audit_retention = d\n", "t.conf:1: audit_retention: must" },
		{ "audit_max_size = 10\n", "t.conf:1: audit_max_size: must" },
		{ "audit_max_size = 512K\n",
		  "t.conf:1: audit_max_size: must be at least 1M" },
		{ "audit_max_size = 99999999999T\n",
		  "t.conf:1: audit_max_size: must" },
		{ "audit_export_file = events.json\n",
		  "t.conf:1: audit_export_file: must be an absolute path" },
		{ "audit_export_syslog = true\n",
		  "t.conf:1: audit_export_syslog: must be yes or no" },
		{ "audit_export_queue = 8\n", "t.conf:1: audit_export_queue:" },
		{ "metrics_listen = 0.0.0.0:9464\n",
		  "t.conf:1: metrics_listen: address must be on loopback" },
		{ "metrics_listen = 192.0.2.1:9464\n",
		  "t.conf:1: metrics_listen: address must be on loopback" },
		{ "metrics_listen = 127.0.0.1\n",
		  "t.conf:1: metrics_listen: " },
		{ "metrics_listen = 127.0.0.1:0\n",
		  "t.conf:1: metrics_listen: port must be" },
		{ "metrics_listen = [::1]9464\n",
		  "t.conf:1: metrics_listen: " },
	};
	char err[ENF_CONF_ERR_LEN] = "";
	static struct enf_config c, before;

	(void)state;
	enf_config_defaults(&c);
	assert_int_equal(c.audit_batch, 512);
	assert_int_equal(c.audit_flush_ms, 100);
	assert_true(c.audit_retention_s == 90ULL * 86400);
	assert_true(c.audit_max_size == 4ULL << 30);
	assert_string_equal(c.audit_export_file, "");
	assert_false(c.audit_export_syslog);
	assert_string_equal(c.metrics_listen, "");
	assert_int_equal(
		enf_config_parse(
			"audit_batch = 64\naudit_flush_ms = 250\n"
			"audit_retention = 12h\naudit_max_size = 512M\n"
			"audit_export_file = /var/log/enforcer/eve.json\n"
			"audit_export_syslog = yes\n"
			"audit_export_queue = 100000\n"
			"metrics_listen = 127.0.0.1:9464\n",
			"t.conf", &c, err),
		0);
	assert_int_equal(c.audit_batch, 64);
	assert_int_equal(c.audit_flush_ms, 250);
	assert_true(c.audit_retention_s == 12 * 3600);
	assert_true(c.audit_max_size == 512ULL << 20);
	assert_string_equal(c.audit_export_file, "/var/log/enforcer/eve.json");
	assert_true(c.audit_export_syslog);
	assert_int_equal(c.audit_export_queue, 100000);
	assert_string_equal(c.metrics_listen, "127.0.0.1");
	assert_int_equal(c.metrics_port, 9464);
	assert_int_equal(enf_config_parse("audit_retention = forever\n"
					  "audit_max_size = unlimited\n"
					  "audit_export_file = none\n"
					  "metrics_listen = [::1]:9100\n",
					  "t.conf", &c, err),
			 0);
	assert_true(c.audit_retention_s == 0 && c.audit_max_size == 0);
	assert_string_equal(c.audit_export_file, "");
	assert_string_equal(c.metrics_listen, "::1");
	assert_int_equal(c.metrics_port, 9100);
	assert_int_equal(enf_config_parse("metrics_listen = off\n"
					  "audit_retention = 0\n",
					  "t.conf", &c, err),
			 0);
	assert_string_equal(c.metrics_listen, "");
	assert_true(c.audit_retention_s == 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enf_config_defaults(&c);
		before = c;
		assert_int_equal(enf_config_parse(bad[i].text, "t.conf", &c,
						  err),
				 -EINVAL);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
			fail_msg("case %zu: got '%s', want prefix '%s'", i, err,
				 bad[i].want);
		assert_memory_equal(&c, &before, sizeof(c));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_audit_keys),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_capture_keys),
		cmocka_unit_test(test_capture_bounds_accepted),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_enforce_actions),
		cmocka_unit_test(test_allowlist),
		cmocka_unit_test(test_egress_cgroup),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
