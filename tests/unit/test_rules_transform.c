// SPDX-License-Identifier: GPL-2.0-or-later
/* Transformations, byte for byte, against ModSecurity v3's semantics. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "rules/rules_internal.h"

struct tfn_case {
	const char *name;
	enum enf_tfn t;
	const char *in;
	size_t in_len;
	const char *out;
	size_t out_len;
};

#define S(s) s, sizeof(s) - 1

static const struct tfn_case cases[] = {
	{ "lowercase ASCII only", ENF_T_LOWERCASE, S("SeLeCt \xc3\x84Z"),
	  S("select \xc3\x84z") },
	{ "urlDecode %XX and +", ENF_T_URLDECODE, S("a%20b+c%2fd"),
	  S("a b c/d") },
	{ "urlDecode keeps bad escapes", ENF_T_URLDECODE, S("%zz%4%41%"),
	  S("%zz%4A%") },
	{ "urlDecode leaves %u alone", ENF_T_URLDECODE, S("%u0041"),
	  S("%u0041") },
	{ "urlDecode %00 is a byte", ENF_T_URLDECODE, S("a%00b"), S("a\0b") },
	{ "urlDecodeUni %u low byte", ENF_T_URLDECODEUNI, S("%u0041%u00e9"),
	  S("A\xe9") },
	{ "urlDecodeUni full-width ASCII", ENF_T_URLDECODEUNI,
	  S("%uFF1Cscript%uff1e"), S("<script>") },
	{ "urlDecodeUni %XX and +", ENF_T_URLDECODEUNI, S("%2e%2e%2f+x"),
	  S("../ x") },
	{ "urlDecodeUni keeps cut %u", ENF_T_URLDECODEUNI, S("%u004"),
	  S("%u004") },
	{ "urlDecodeUni keeps bad %u", ENF_T_URLDECODEUNI, S("%u00g1"),
	  S("%u00g1") },
	{ "removeNulls", ENF_T_REMOVENULLS, S("\0a\0b\0"), S("ab") },
	{ "removeWhitespace incl. NBSP", ENF_T_REMOVEWHITESPACE,
	  S(" a \t b\r\n\v\f\xa0"
	    "c "),
	  S("abc") },
	{ "compressWhitespace incl. NBSP", ENF_T_COMPRESSWHITESPACE,
	  S("a  \t b\n\n\xa0"
	    "c "),
	  S("a b c ") },
	{ "trim both ends", ENF_T_TRIM, S(" \t a b \r\n"), S("a b") },
	{ "trim keeps NBSP", ENF_T_TRIM, S("\xa0x "), S("\xa0x") },
	{ "trim of blanks only", ENF_T_TRIM, S(" \t "), S("") },
	{ "empty input", ENF_T_URLDECODEUNI, S(""), S("") },
};

static void test_each_transformation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tfn_case *c = &cases[i];
		char buf[128];
		size_t n;

		memcpy(buf, c->in, c->in_len);
		n = enf_tfn_apply(c->t, buf, c->in_len);
		if (n != c->out_len || memcmp(buf, c->out, n))
			fail_msg(
				"case '%s' (%s): got %zu bytes '%.*s', want %zu bytes '%s'",
				c->name, enf_tfn_name(c->t), n, (int)n, buf,
				c->out_len, c->out);
	}
}

static void test_pipeline_runs_in_order(void **state)
{
	const uint8_t decode_then_lower[] = { ENF_T_URLDECODEUNI,
					      ENF_T_LOWERCASE };
	const uint8_t lower_then_decode[] = { ENF_T_LOWERCASE,
					      ENF_T_URLDECODEUNI };
	char buf[64];
	size_t n;

	(void)state;
	strcpy(buf, "%55NION%u0053");
	n = enf_tfn_run(decode_then_lower, 2, buf, strlen(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "unions", 6);
	strcpy(buf, "%55NION%u0053");
	n = enf_tfn_run(lower_then_decode, 2, buf, strlen(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "UnionS", 6);
}

static void test_names_look_up_case_insensitively(void **state)
{
	static const char *const names[] = {
		"lowercase",   "urlDecode",	   "urlDecodeUni",
		"removeNulls", "removeWhitespace", "compressWhitespace",
		"trim",
	};

	(void)state;
	assert_int_equal(enf_tfn_lookup("none", 4), ENF_T_NONE);
	assert_int_equal(enf_tfn_lookup("URLDECODEUNI", 12),
			 ENF_T_URLDECODEUNI);
	assert_int_equal(enf_tfn_lookup("base64Decode", 12), -1);
	assert_int_equal(enf_tfn_lookup("trimx", 5), -1);
	assert_int_equal(enf_tfn_lookup("tri", 3), -1);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int t = enf_tfn_lookup(names[i], strlen(names[i]));

		if (t <= 0 || strcmp(enf_tfn_name(t), names[i]))
			fail_msg("transformation '%s' looks up as %d (%s)",
				 names[i], t, t > 0 ? enf_tfn_name(t) : "-");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_transformation),
		cmocka_unit_test(test_pipeline_runs_in_order),
		cmocka_unit_test(test_names_look_up_case_insensitively),
	};

	return cmocka_run_group_tests_name("rules_transform", tests, NULL,
					   NULL);
}
