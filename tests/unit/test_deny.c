// SPDX-License-Identifier: GPL-2.0-or-later
/* Deny entries in text: parsing, the canonical form, and every refusal. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "enforcer/verdict/deny.h"

/* Parses @in as @kind and checks that it formats as @want. */
static void round_trip(int kind, const char *in, const char *want)
{
	char err[256] = "", out[ENF_DENY_TEXT_MAX];
	struct enf_deny d, again;

	if (enf_deny_parse(kind, in, &d, err, sizeof(err)))
		fail_msg("'%s' refused: %s", in, err);
	assert_int_equal(enf_deny_format(&d, out, sizeof(out)), 0);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' formats as '%s', want '%s'", in, out, want);
	/* the canonical form parses to the same entry */
	assert_int_equal(enf_deny_parse(kind, out, &again, err, sizeof(err)),
			 0);
	assert_memory_equal(&d, &again, sizeof(d));
}

static void test_kinds(void **state)
{
	(void)state;
	assert_string_equal(enf_deny_kind_name(ENF_DENY_SRC), "src");
	assert_string_equal(enf_deny_kind_name(ENF_DENY_CIDR), "cidr");
	assert_string_equal(enf_deny_kind_name(ENF_DENY_FLOW), "flow");
	assert_null(enf_deny_kind_name(0));
	assert_int_equal(enf_deny_kind_parse("flow"), ENF_DENY_FLOW);
	assert_int_equal(enf_deny_kind_parse("host"), 0);
}

static void test_canonical_forms(void **state)
{
	(void)state;
	round_trip(ENF_DENY_SRC, "192.0.2.1", "192.0.2.1");
	round_trip(ENF_DENY_SRC, "  2001:DB8:0:0::1 ", "2001:db8::1");
	round_trip(ENF_DENY_CIDR, "192.0.2.0/24", "192.0.2.0/24");
	round_trip(ENF_DENY_CIDR, "0.0.0.0/0", "0.0.0.0/0");
	round_trip(ENF_DENY_CIDR, "2001:db8::/32", "2001:db8::/32");
	round_trip(ENF_DENY_CIDR, "2001:db8::1/128", "2001:db8::1/128");
	round_trip(ENF_DENY_FLOW, "tcp 192.0.2.1:1234 192.0.2.2:443",
		   "tcp 192.0.2.1:1234 192.0.2.2:443");
	round_trip(ENF_DENY_FLOW, "udp\t[2001:DB8::1]:53   [2001:db8::2]:5353",
		   "udp [2001:db8::1]:53 [2001:db8::2]:5353");
}

static void test_fields(void **state)
{
	char err[256];
	struct enf_deny d;

	(void)state;
	assert_int_equal(enf_deny_parse(ENF_DENY_FLOW,
					"tcp 192.0.2.1:1234 192.0.2.2:443", &d,
					err, sizeof(err)),
			 0);
	assert_int_equal(d.kind, ENF_DENY_FLOW);
	assert_int_equal(d.flow.family, ENF_FAMILY_V4);
	assert_int_equal(d.flow.proto, IPPROTO_TCP);
	assert_int_equal(d.flow.sport, htons(1234));
	assert_int_equal(d.flow.dport, htons(443));
	assert_int_equal(d.flow.saddr[3], 1);
	assert_int_equal(d.flow.daddr[3], 2);
	/* IPv4 keys are zero past the fourth byte: they are map keys */
	for (int i = 4; i < 16; i++) {
		assert_int_equal(d.flow.saddr[i], 0);
		assert_int_equal(d.flow.daddr[i], 0);
	}
	assert_int_equal(enf_deny_parse(ENF_DENY_CIDR, "10.1.0.0/16", &d, err,
					sizeof(err)),
			 0);
	assert_int_equal(d.family, AF_INET);
	assert_int_equal(d.prefixlen, 16);
}

static void test_refusals(void **state)
{
	static const struct {
		int kind;
		const char *in;
		const char *why;
	} cases[] = {
		{ ENF_DENY_SRC, "192.0.2.256", "not an IP address" },
		{ ENF_DENY_SRC, "", "not an IP address" },
		{ ENF_DENY_SRC, "192.0.2.1/32", "not an IP address" },
		{ ENF_DENY_CIDR, "192.0.2.1", "not a prefix" },
		{ ENF_DENY_CIDR, "192.0.2.0/33",
		  "prefix length must be 0 to 32" },
		{ ENF_DENY_CIDR, "192.0.2.0/-1", "prefix length" },
		{ ENF_DENY_CIDR, "192.0.2.1/24", "host bits set" },
		{ ENF_DENY_CIDR, "2001:db8::1/32", "host bits set" },
		{ ENF_DENY_CIDR, "2001:db8::/129", "0 to 128" },
		{ ENF_DENY_FLOW, "tcp 192.0.2.1:1 192.0.2.2", "not ADDR:PORT" },
		{ ENF_DENY_FLOW, "sctp 192.0.2.1:1 192.0.2.2:2", "tcp or udp" },
		{ ENF_DENY_FLOW, "tcp 192.0.2.1:70000 192.0.2.2:2",
		  "not ADDR:PORT" },
		{ ENF_DENY_FLOW, "tcp 192.0.2.1:1 [2001:db8::1]:2",
		  "both ends" },
		{ ENF_DENY_FLOW, "tcp 192.0.2.1:1 192.0.2.2:2 x", "a flow is" },
		{ ENF_DENY_FLOW, "tcp", "a flow is" },
		{ 0, "192.0.2.1", "kind must be" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		struct enf_deny d;

		if (enf_deny_parse(cases[i].kind, cases[i].in, &d, err,
				   sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", cases[i].in);
		if (!strstr(err, cases[i].why))
			fail_msg("'%s': got '%s', want '%s'", cases[i].in, err,
				 cases[i].why);
	}
}

static void test_from_peer(void **state)
{
	struct enf_tuple t = { .family = ENF_FAMILY_V6 };
	char out[ENF_DENY_TEXT_MAX];
	struct enf_deny d;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::7", t.saddr);
	inet_pton(AF_INET6, "2001:db8::1", t.daddr);
	enf_deny_from_peer(&t, &d);
	assert_int_equal(d.kind, ENF_DENY_SRC);
	assert_int_equal(enf_deny_format(&d, out, sizeof(out)), 0);
	assert_string_equal(out, "2001:db8::7");
}

/* Egress entries: canonical text, fields, v4-mapped destinations kept as
 * IPv4, and the refusals. */
static void egress_trip(const char *in, const char *want)
{
	char err[256] = "", out[ENF_DENY_TEXT_MAX];
	struct enf_egress_entry e, again;

	if (enf_egress_text_parse(in, &e, err, sizeof(err)))
		fail_msg("'%s' refused: %s", in, err);
	assert_int_equal(enf_egress_text_format(&e, out, sizeof(out)), 0);
	if (strcmp(out, want) != 0)
		fail_msg("'%s' formats as '%s', want '%s'", in, out, want);
	assert_int_equal(enf_egress_text_parse(out, &again, err, sizeof(err)),
			 0);
	assert_memory_equal(&e, &again, sizeof(e));
}

static void test_egress_text(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "192.0.2.2:443", "an egress entry is" },
		{ "192.0.2.2:443 42 x", "an egress entry is" },
		{ "192.0.2.2:443 0", "not a cgroup id" },
		{ "192.0.2.2:443 -1", "not a cgroup id" },
		{ "192.0.2.2:443 4x", "not a cgroup id" },
		{ "192.0.2.2:0 42", "write * for every port" },
		{ "192.0.2.2 42", "is not ADDR:PORT" },
		{ "192.0.2.2:65536 42", "is not ADDR:PORT" },
		{ "host:443 42", "is not ADDR:PORT" },
		{ "2001:db8::2:* 42", "write an IPv6 destination as" },
		{ "[2001:db8::2:* 42", "is not [ADDR]:PORT" },
		{ "[nope]:* 42", "is not an IP address" },
	};
	struct enf_egress_entry e;
	char err[256], out[ENF_DENY_TEXT_MAX];
	__u8 want[16] = { 0 };

	(void)state;
	egress_trip("192.0.2.2:443 4242", "192.0.2.2:443 4242");
	egress_trip(" 192.0.2.2:*\t 4242 ", "192.0.2.2:* 4242");
	egress_trip("[2001:DB8::2]:443 18446744073709551615",
		    "[2001:db8::2]:443 18446744073709551615");
	egress_trip("[2001:db8::2]:* 7", "[2001:db8::2]:* 7");
	egress_trip("[::ffff:192.0.2.9]:53 7", "192.0.2.9:53 7");
	egress_trip("[::ffff:192.0.2.9]:* 7", "192.0.2.9:* 7");

	assert_int_equal(enf_egress_text_parse("[::ffff:192.0.2.9]:8443 99", &e,
					       err, sizeof(err)),
			 0);
	inet_pton(AF_INET, "192.0.2.9", want);
	assert_int_equal(e.family, AF_INET);
	assert_memory_equal(e.addr, want, 16);
	assert_int_equal(e.port, htons(8443));
	assert_int_equal(e.cgroup_id, 99);
	assert_int_equal(e.rule_id, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (enf_egress_text_parse(bad[i].in, &e, err, sizeof(err)) !=
		    -EINVAL)
			fail_msg("'%s' accepted", bad[i].in);
		if (!strstr(err, bad[i].why))
			fail_msg("'%s': got '%s', want '%s'", bad[i].in, err,
				 bad[i].why);
	}
	e.family = AF_INET;
	e.cgroup_id = 0;
	assert_int_equal(enf_egress_text_format(&e, out, sizeof(out)), -EINVAL);
	e.cgroup_id = 1;
	e.family = AF_UNIX;
	assert_int_equal(enf_egress_text_format(&e, out, sizeof(out)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_canonical_forms),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_from_peer),
		cmocka_unit_test(test_egress_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
