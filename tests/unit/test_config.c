// SPDX-License-Identifier: GPL-2.0-or-later
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
			   "log_level = debug\n";
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
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[ENF_CONF_ERR_LEN] = "";
		struct enf_config c, before;

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full_file),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
