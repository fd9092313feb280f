// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transformations, byte for byte, against ModSecurity v3's semantics; the
 * room a pipeline needs (enf_tfn_bound()) against worst-case and random
 * inputs, in buffers of exactly that size so that ASan sees any overrun.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
	{ "urlDecode: '+' after the first '%'", ENF_T_URLDECODE,
	  S("plain text then %41+b"), S("plain text then A b") },
	{ "urlDecode: '+' before the first '%'", ENF_T_URLDECODE,
	  S("plain text+then %41"), S("plain text then A") },
	{ "urlDecode: neither", ENF_T_URLDECODE, S("nothing to decode here"),
	  S("nothing to decode here") },
	{ "urlDecode: an escape last", ENF_T_URLDECODE, S("nothing until %2F"),
	  S("nothing until /") },
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

	/* htmlEntityDecode */
	{ "html named entities", ENF_T_HTMLENTITYDECODE,
	  S("&lt;script&gt;&quot;&amp;&nbsp;"), S("<script>\"&\xa0") },
	{ "html names any case, ';' optional", ENF_T_HTMLENTITYDECODE,
	  S("&LT&Gt;x&QuOt"), S("<>x\"") },
	{ "html decimal and hex", ENF_T_HTMLENTITYDECODE,
	  S("&#60;&#x3c;&#X3C&#62"), S("<<<>") },
	{ "html leading zeros skipped", ENF_T_HTMLENTITYDECODE,
	  S("&#0000000000060;&#x000003c;"), S("<<") },
	{ "html at most 3 decimal digits", ENF_T_HTMLENTITYDECODE, S("&#1234;"),
	  S("{4;") },
	{ "html at most 2 hex digits", ENF_T_HTMLENTITYDECODE, S("&#x414;"),
	  S("A4;") },
	{ "html number's low byte", ENF_T_HTMLENTITYDECODE, S("&#999;&#256;"),
	  S("\xe7\0") },
	{ "html &#0 is NUL", ENF_T_HTMLENTITYDECODE, S("a&#0;b&#x0"),
	  S("a\0b\0") },
	{ "html name that starts with a known one", ENF_T_HTMLENTITYDECODE,
	  S("&ltfoo;&ampx"), S("<&") },
	{ "html unknown and empty entities kept", ENF_T_HTMLENTITYDECODE,
	  S("&foo;&;& &#;&#x;&#xg;&#a"), S("&foo;&;& &#;&#x;&#xg;&#a") },
	{ "html cut entities kept", ENF_T_HTMLENTITYDECODE, S("x&#x"),
	  S("x&#x") },
	{ "html cut '&#' kept", ENF_T_HTMLENTITYDECODE, S("&#"), S("&#") },
	{ "html lone '&' kept", ENF_T_HTMLENTITYDECODE, S("a&"), S("a&") },
	{ "html '&#' then an entity", ENF_T_HTMLENTITYDECODE, S("&#&#65;"),
	  S("&#A") },
	{ "html NUL and high bytes pass", ENF_T_HTMLENTITYDECODE,
	  S("\x80&amp\0\xff"), S("\x80&\0\xff") },
	{ "html empty", ENF_T_HTMLENTITYDECODE, S(""), S("") },

	/* jsDecode */
	{ "js \\x and \\u", ENF_T_JSDECODE, S("\\x3cscript\\u003E"),
	  S("<script>") },
	{ "js \\u full-width", ENF_T_JSDECODE, S("\\uFF1c\\uff5e\\uff5f"),
	  S("<~_") },
	{ "js \\u low byte", ENF_T_JSDECODE, S("\\u4141\\u00e9"), S("A\xe9") },
	{ "js cut \\u and \\x keep the letter", ENF_T_JSDECODE, S("\\u12\\x4"),
	  S("u12x4") },
	{ "js \\U and \\X are not escapes", ENF_T_JSDECODE, S("\\U0041\\X41"),
	  S("U0041X41") },
	{ "js octal", ENF_T_JSDECODE, S("\\101\\7\\400\\0"), S("A\a 0\0") },
	{ "js octal stops at a non-octal", ENF_T_JSDECODE, S("\\18"),
	  S("\x01"
	    "8") },
	{ "js single-letter escapes", ENF_T_JSDECODE,
	  S("\\n\\t\\a\\b\\f\\r\\v"), S("\n\t\a\b\f\r\v") },
	{ "js other escapes drop the backslash", ENF_T_JSDECODE,
	  S("\\'\\\"\\\\\\?\\\xc3\\\0"), S("'\"\\?\xc3\0") },
	{ "js trailing backslash kept", ENF_T_JSDECODE, S("a\\"), S("a\\") },
	{ "js empty", ENF_T_JSDECODE, S(""), S("") },

	/* cssDecode */
	{ "css hex escapes eat one blank", ENF_T_CSSDECODE,
	  S("\\3c script\\3E"), S("<script>") },
	{ "css six digits, last two count", ENF_T_CSSDECODE,
	  S("\\00003c\\1234567"), S("<V7") },
	{ "css one digit", ENF_T_CSSDECODE, S("\\a\\F"), S("\n\x0f") },
	{ "css full-width", ENF_T_CSSDECODE, S("\\ff1c\\0FF1E\\00ff5e"),
	  S("<>~") },
	{ "css five digits without a leading 0: no full-width", ENF_T_CSSDECODE,
	  S("\\1ff1c"), S("\x1c") },
	{ "css tab after escape eaten, NBSP not", ENF_T_CSSDECODE,
	  S("\\3c\t\\3c\xa0"), S("<<\xa0") },
	{ "css backslash newline goes", ENF_T_CSSDECODE, S("a\\\nb"), S("ab") },
	{ "css backslash before other bytes goes", ENF_T_CSSDECODE,
	  S("\\g\\\\\\\0\\\xc3"), S("g\\\0\xc3") },
	{ "css trailing backslash goes", ENF_T_CSSDECODE, S("a\\"), S("a") },
	{ "css empty", ENF_T_CSSDECODE, S(""), S("") },

	/* replaceComments */
	{ "comment becomes a space", ENF_T_REPLACECOMMENTS,
	  S("UNION/**/SELECT/*x*/1"), S("UNION SELECT 1") },
	{ "open comment runs to the end", ENF_T_REPLACECOMMENTS,
	  S("a/*b\0\xff"), S("a ") },
	{ "stray comment end kept", ENF_T_REPLACECOMMENTS, S("a*/b/"),
	  S("a*/b/") },
	{ "'/*/' opens only", ENF_T_REPLACECOMMENTS, S("/*/x"), S(" ") },
	{ "two comments", ENF_T_REPLACECOMMENTS, S("/*a*//*b*/"), S("  ") },
	{ "comments empty", ENF_T_REPLACECOMMENTS, S(""), S("") },

	/* normalizePath, normalisePathWin */
	{ "path .. and .", ENF_T_NORMALIZEPATH, S("/a/./b/../c"), S("/a/c") },
	{ "path slashes collapse", ENF_T_NORMALIZEPATH, S("a//b///c/"),
	  S("a/b/c/") },
	{ "path relative .. kept", ENF_T_NORMALIZEPATH, S("a/../../b"),
	  S("../b") },
	{ "path absolute .. stops at root", ENF_T_NORMALIZEPATH,
	  S("/../../etc/./passwd"), S("/etc/passwd") },
	{ "path leading ./ goes", ENF_T_NORMALIZEPATH, S("./a/"), S("a/") },
	{ "path up to the root is empty (v3)", ENF_T_NORMALIZEPATH, S("/a/.."),
	  S("") },
	{ "path segment ending in .. (v3)", ENF_T_NORMALIZEPATH, S("x/a../b"),
	  S("x/b") },
	{ "path . alone", ENF_T_NORMALIZEPATH, S("."), S("") },
	{ "path backslash is no slash", ENF_T_NORMALIZEPATH, S("a\\..\\b"),
	  S("a\\..\\b") },
	{ "path NUL and high bytes pass", ENF_T_NORMALIZEPATH,
	  S("/a\0/\xc3/../b"), S("/a\0/b") },
	{ "path empty", ENF_T_NORMALIZEPATH, S(""), S("") },
	{ "win backslashes", ENF_T_NORMALIZEPATHWIN,
	  S("c:\\windows\\..\\boot.ini"), S("c:/boot.ini") },
	{ "win mixed slashes", ENF_T_NORMALIZEPATHWIN, S("\\a/b\\\\..//c\\"),
	  S("/a/c/") },
	{ "win three backslashes keep one (v3)", ENF_T_NORMALIZEPATHWIN,
	  S("a\\\\\\b"), S("a\\b") },

	/* cmdLine */
	{ "cmdLine caret, case, space before /", ENF_T_CMDLINE,
	  S("C^OMMAND /C DIR"), S("command/c dir") },
	{ "cmdLine quotes and backslashes go", ENF_T_CMDLINE,
	  S("cat\t'/etc/pa'\"ss\"wd\\"), S("cat/etc/passwd") },
	{ "cmdLine , ; and blanks become one space", ENF_T_CMDLINE,
	  S("a,;\r\n b"), S("a b") },
	{ "cmdLine a dropped byte keeps the run (v3)", ENF_T_CMDLINE,
	  S("a ,'b"), S("a b") },
	{ "cmdLine space before (", ENF_T_CMDLINE, S("x (y)"), S("x(y)") },
	{ "cmdLine high bytes and NUL kept", ENF_T_CMDLINE, S("\xc3\x89Z\0\v"),
	  S("\xc3\x89z\0\v") },
	{ "cmdLine empty", ENF_T_CMDLINE, S(""), S("") },

	/* base64Decode */
	{ "base64 padded", ENF_T_BASE64DECODE, S("VGVzdA=="), S("Test") },
	{ "base64 short last group dropped", ENF_T_BASE64DECODE, S("VGVzdA"),
	  S("Tes") },
	{ "base64 line ends allowed", ENF_T_BASE64DECODE, S("VG\r\nVz\ndA=="),
	  S("Test") },
	{ "base64 spaces before a line end", ENF_T_BASE64DECODE,
	  S("VGVz  \ndA==  "), S("Test") },
	{ "base64 space inside a line: empty", ENF_T_BASE64DECODE,
	  S("VGVz dA=="), S("") },
	{ "base64 stops at NUL", ENF_T_BASE64DECODE, S("VGVzdA==\0!!"),
	  S("Test") },
	{ "base64 invalid byte: empty", ENF_T_BASE64DECODE, S("VG-zdA=="),
	  S("") },
	{ "base64 three '=': empty", ENF_T_BASE64DECODE, S("VGVzdA==="),
	  S("") },
	{ "base64 data after '=': empty", ENF_T_BASE64DECODE, S("VGV=dA=="),
	  S("") },
	{ "base64 to high bytes", ENF_T_BASE64DECODE, S("w6k="),
	  S("\xc3\xa9") },
	{ "base64 empty", ENF_T_BASE64DECODE, S(""), S("") },

	/* hexDecode */
	{ "hex pairs", ENF_T_HEXDECODE, S("3c7363726970743E"), S("<script>") },
	{ "hex odd byte dropped", ENF_T_HEXDECODE, S("41424"), S("AB") },
	{ "hex single byte", ENF_T_HEXDECODE, S("a"), S("") },
	{ "hex not checked (v3)", ENF_T_HEXDECODE, S("0zzz"), S("#S") },
	{ "hex to NUL and high", ENF_T_HEXDECODE, S("00ff"), S("\0\xff") },
	{ "hex empty", ENF_T_HEXDECODE, S(""), S("") },

	/* utf8toUnicode */
	{ "utf8 2, 3 and 4 bytes", ENF_T_UTF8TOUNICODE,
	  S("A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	  S("A%u00e9%u20ac%u1f600") },
	{ "utf8 top of unicode", ENF_T_UTF8TOUNICODE, S("\xf4\x8f\xbf\xbf"),
	  S("%u10ffff") },
	{ "utf8 cut lead byte dropped", ENF_T_UTF8TOUNICODE, S("x\xe2\x82"),
	  S("x\x82") },
	{ "utf8 invalid lead dropped", ENF_T_UTF8TOUNICODE,
	  S("\xc3"
	    "A"),
	  S("A") },
	{ "utf8 stray bytes kept", ENF_T_UTF8TOUNICODE, S("\xa9\xff\xf8"),
	  S("\xa9\xff\xf8") },
	{ "utf8 overlong keeps its lead (v3)", ENF_T_UTF8TOUNICODE,
	  S("\xc0\xbc"), S("%u003c\xc0") },
	{ "utf8 surrogate keeps its lead (v3)", ENF_T_UTF8TOUNICODE,
	  S("\xed\xa0\x80"), S("%ud800\xed") },
	{ "utf8 overlong surrogate, lead twice (v3)", ENF_T_UTF8TOUNICODE,
	  S("\xf0\x8d\xa0\x80"), S("%ud800\xf0\xf0") },
	{ "utf8 past U+10FFFF keeps its lead (v3)", ENF_T_UTF8TOUNICODE,
	  S("\xf5\x80\x80\x80\xf7"
	    "A"),
	  S("\xf5%u140000\xf7"
	    "A") },
	{ "utf8 NUL dropped unless last (v3)", ENF_T_UTF8TOUNICODE, S("a\0b\0"),
	  S("ab\0") },
	{ "utf8 empty", ENF_T_UTF8TOUNICODE, S(""), S("") },

	/* length */
	{ "length of empty", ENF_T_LENGTH, S(""), S("0") },
	{ "length counts bytes", ENF_T_LENGTH, S("a\0\xc3\xa9"), S("4") },
	{ "length two digits", ENF_T_LENGTH, S("0123456789abcdef"), S("16") },
};

/* A buffer of exactly @cap bytes (at least one, for malloc). */
static char *buf_of(size_t cap, const char *in, size_t len)
{
	char *b = malloc(cap ? cap : 1);

	assert_non_null(b);
	memcpy(b, in, len);
	return b;
}

static void test_each_transformation(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tfn_case *c = &cases[i];
		uint8_t t = (uint8_t)c->t;
		size_t cap = enf_tfn_bound(&t, 1, c->in_len);
		char *buf = buf_of(cap, c->in, c->in_len);
		ssize_t n = enf_tfn_apply(c->t, buf, c->in_len, cap);

		if (n != (ssize_t)c->out_len || memcmp(buf, c->out, c->out_len))
			fail_msg(
				"case '%s' (%s): got %zd bytes '%.*s', want %zu bytes '%.*s'",
				c->name, enf_tfn_name(c->t), n,
				n > 0 ? (int)n : 0, buf, c->out_len,
				(int)c->out_len, c->out);
		free(buf);
	}
}

/*
 * lowercase works sixteen bytes at a time (eight without SSE2): every byte
 * value in every lane, against the one-byte rule, over lengths that leave a
 * tail too.
 */
static void test_lowercase_every_byte_every_lane(void **state)
{
	char in[256 + 15], buf[sizeof(in)];

	(void)state;
	for (size_t shift = 0; shift < 16; shift++) {
		size_t len = 256 + shift;

		for (size_t i = 0; i < len; i++)
			in[i] = (char)((i + shift * 37) & 0xff);
		memcpy(buf, in, len);
		assert_int_equal(enf_tfn_apply(ENF_T_LOWERCASE, buf, len, len),
				 (ssize_t)len);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)in[i];
			unsigned char want = c >= 'A' && c <= 'Z' ?
						     (unsigned char)(c + 32) :
						     c;

			if ((unsigned char)buf[i] != want)
				fail_msg("lowercase of byte %#x at %zu (length "
					 "%zu): got %#x, want %#x",
					 c, i, len, (unsigned char)buf[i],
					 want);
		}
	}
}

/*
 * enf_memcaseeq() (selector names, @pm phrases) compares eight bytes at a
 * time: every pair of byte values at every place of strings of 1 to 20
 * bytes, against the one-byte rule (equal, or the same ASCII letter).
 */
static void test_memcaseeq_every_pair(void **state)
{
	char a[20], b[20];

	(void)state;
	for (size_t len = 1; len <= sizeof(a); len++) {
		for (size_t at = 0; at < len; at++) {
			for (unsigned int x = 0; x < 256; x++) {
				for (unsigned int y = 0; y < 256; y++) {
					bool want = x == y ||
						    ((x | 0x20) == (y | 0x20) &&
						     (x | 0x20) >= 'a' &&
						     (x | 0x20) <= 'z');

					memset(a, 'Q', len);
					memset(b, 'q', len);
					a[at] = (char)x;
					b[at] = (char)y;
					if (enf_memcaseeq(a, b, len) != want)
						fail_msg("bytes %#x and %#x at "
							 "%zu of %zu: %s",
							 x, y, at, len,
							 want ? "unequal" :
								"equal");
				}
			}
		}
	}
	assert_true(enf_memcaseeq("", "x", 0));
}

static void test_pipeline_runs_in_order(void **state)
{
	const uint8_t decode_then_lower[] = { ENF_T_URLDECODEUNI,
					      ENF_T_LOWERCASE };
	const uint8_t lower_then_decode[] = { ENF_T_LOWERCASE,
					      ENF_T_URLDECODEUNI };
	const uint8_t html_then_length[] = { ENF_T_HTMLENTITYDECODE,
					     ENF_T_LENGTH };
	char buf[64];
	ssize_t n;

	(void)state;
	strcpy(buf, "%55NION%u0053");
	n = enf_tfn_run(decode_then_lower, 2, buf, strlen(buf), sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "unions", 6);
	strcpy(buf, "%55NION%u0053");
	n = enf_tfn_run(lower_then_decode, 2, buf, strlen(buf), sizeof(buf));
	assert_int_equal(n, 6);
	assert_memory_equal(buf, "UnionS", 6);
	strcpy(buf, "&lt;&gt;");
	n = enf_tfn_run(html_then_length, 2, buf, strlen(buf), sizeof(buf));
	assert_int_equal(n, 1);
	assert_memory_equal(buf, "2", 1);
}

static void test_names_look_up_case_insensitively(void **state)
{
	static const char *const names[] = {
		"lowercase",
		"urlDecode",
		"urlDecodeUni",
		"removeNulls",
		"removeWhitespace",
		"compressWhitespace",
		"trim",
		"htmlEntityDecode",
		"jsDecode",
		"cssDecode",
		"replaceComments",
		"normalizePath",
		"normalisePathWin",
		"cmdLine",
		"base64Decode",
		"hexDecode",
		"utf8toUnicode",
		"length",
	};

	(void)state;
	assert_int_equal(enf_tfn_lookup("none", 4), ENF_T_NONE);
	assert_int_equal(enf_tfn_lookup("URLDECODEUNI", 12),
			 ENF_T_URLDECODEUNI);
	assert_int_equal(enf_tfn_lookup("base64DecodeExt", 15), -1);
	assert_int_equal(enf_tfn_lookup("md5", 3), -1);
	assert_int_equal(enf_tfn_lookup("trimx", 5), -1);
	assert_int_equal(enf_tfn_lookup("tri", 3), -1);
	/* both spellings, as ModSecurity reads them */
	assert_int_equal(enf_tfn_lookup("normalisePath", 13),
			 ENF_T_NORMALIZEPATH);
	assert_int_equal(enf_tfn_lookup("normalizePathWin", 16),
			 ENF_T_NORMALIZEPATHWIN);
	assert_int_equal(enf_tfn_lookup("UTF8TOUNICODE", 13),
			 ENF_T_UTF8TOUNICODE);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int t = enf_tfn_lookup(names[i], strlen(names[i]));

		if (t <= 0 || strcmp(enf_tfn_name(t), names[i]))
			fail_msg("transformation '%s' looks up as %d (%s)",
				 names[i], t, t > 0 ? enf_tfn_name(t) : "-");
	}
}

/* Run @tfns over @in in a buffer of exactly enf_tfn_bound() bytes; the
 * result's length, checked against the bound. */
static ssize_t run_bounded(const char *what, const uint8_t *tfns, size_t n,
			   const char *in, size_t len, char **out)
{
	size_t cap = enf_tfn_bound(tfns, n, len);
	char *buf;
	ssize_t r;

	if (cap == SIZE_MAX)
		fail_msg("%s: no bound for %zu bytes", what, len);
	buf = buf_of(cap, in, len);
	r = enf_tfn_run(tfns, n, buf, len, cap);
	if (r < 0 || (size_t)r > cap)
		fail_msg("%s: %zu bytes gave %zd in a buffer of %zu", what, len,
			 r, cap);
	*out = buf;
	return r;
}

static void test_growth_worst_cases(void **state)
{
	static const uint8_t u1[] = { ENF_T_UTF8TOUNICODE };
	static const uint8_t u2[] = { ENF_T_UTF8TOUNICODE,
				      ENF_T_UTF8TOUNICODE };
	static const uint8_t len1[] = { ENF_T_LENGTH };
	uint8_t u16[ENF_RULE_TFN_MAX], cycle[ENF_RULE_TFN_MAX];
	const size_t reps = 1000;
	char *in = malloc(4 * reps), *out;
	ssize_t n;

	(void)state;
	assert_non_null(in);
	memset(u16, ENF_T_UTF8TOUNICODE, sizeof(u16));
	for (size_t i = 0; i < ENF_RULE_TFN_MAX; i++)
		cycle[i] = i % 2 ? ENF_T_HEXDECODE : ENF_T_UTF8TOUNICODE;

	/* all 2-byte overlong: 7 bytes out of 2, the bound exactly */
	for (size_t i = 0; i < reps; i++)
		memcpy(in + 2 * i, "\xc0\x80", 2);
	assert_int_equal(enf_tfn_bound(u1, 1, 2 * reps), 7 * reps);
	n = run_bounded("overlong x1", u1, 1, in, 2 * reps, &out);
	assert_int_equal(n, 7 * reps);
	assert_memory_equal(out, "%u0000\xc0%u0000\xc0", 14);
	free(out);
	/* one byte less of room: refused, value untouched */
	out = buf_of(7 * reps - 1, in, 2 * reps);
	assert_int_equal(enf_tfn_apply(ENF_T_UTF8TOUNICODE, out, 2 * reps,
				       7 * reps - 1),
			 -ENOSPC);
	assert_memory_equal(out, in, 2 * reps);
	free(out);

	/* all 2-byte UTF-8, through utf8toUnicode twice and 16 times */
	for (size_t i = 0; i < reps; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);
	n = run_bounded("2-byte x2", u2, 2, in, 2 * reps, &out);
	assert_int_equal(n, 6 * reps);
	assert_memory_equal(out, "%u00e9%u00e9", 12);
	free(out);
	n = run_bounded("2-byte x16", u16, ENF_RULE_TFN_MAX, in, 2 * reps,
			&out);
	assert_int_equal(n, 6 * reps);
	free(out);
	assert_true(enf_tfn_bound(u16, ENF_RULE_TFN_MAX, 2 * reps) <=
		    12 * reps);

	/* overlong lead then stray continuations: grows on every pass */
	for (size_t i = 0; i < reps; i++)
		memcpy(in + 4 * i, "\xc0\x80\x80\x80", 4);
	n = run_bounded("overlong+stray x2", u2, 2, in, 4 * reps, &out);
	assert_true((size_t)n > 4 * reps * 3);
	free(out);
	n = run_bounded("overlong+stray x16", u16, ENF_RULE_TFN_MAX, in,
			4 * reps, &out);
	free(out);

	/* decoding between passes makes new high bytes */
	for (size_t i = 0; i < reps; i++)
		memcpy(in + 4 * i, "c3a9", 4);
	n = run_bounded("utf8/hex cycle", cycle, 3, in, 4 * reps, &out);
	assert_int_equal(n, 6 * reps);
	assert_memory_equal(out, "%u00e9", 6);
	free(out);
	n = run_bounded("utf8/hex cycle x8", cycle, ENF_RULE_TFN_MAX, in,
			4 * reps, &out);
	free(out);

	/* length: empty grows to "0", and needs the byte */
	assert_int_equal(enf_tfn_bound(len1, 1, 0), 1);
	n = run_bounded("length of empty", len1, 1, "", 0, &out);
	assert_int_equal(n, 1);
	assert_memory_equal(out, "0", 1);
	free(out);
	out = buf_of(0, "", 0);
	assert_int_equal(enf_tfn_apply(ENF_T_LENGTH, out, 0, 0), -ENOSPC);
	free(out);

	/* a length past what the bound can count */
	assert_int_equal(enf_tfn_bound(u1, 1, SIZE_MAX / 2), SIZE_MAX);
	assert_int_equal(enf_tfn_bound(u1, 0, 10), 10);
	/* which pipelines never need more room than the value has */
	assert_false(enf_tfn_bound_is_len(u1, 1));
	assert_false(enf_tfn_bound_is_len(len1, 1));
	assert_true(enf_tfn_bound_is_len(u1, 0));
	free(in);
}

/*
 * utf8toUnicode written the plain way, into a separate buffer of 4 bytes an
 * input byte, to check the in-place run against.
 */
static size_t ref_utf8_to_unicode(const unsigned char *in, size_t len,
				  char *out)
{
	size_t o = 0, i = 0;

	while (i < len) {
		unsigned char c = in[i];
		size_t need = c >= 0xf0 && c <= 0xf7 ? 4 :
			      c >= 0xe0 && c <= 0xef ? 3 :
			      c >= 0xc0 && c <= 0xdf ? 2 :
						       1;
		uint32_t d = need == 4 ? c & 7u : need == 3 ? c & 15u : c & 31u;
		bool ok = need > 1 && i + need <= len;

		if (need == 1) {
			if (c || i + 1 == len)
				out[o++] = (char)c;
			i++;
			continue;
		}
		if (need == 4 && c >= 0xf5)
			out[o++] = (char)c;
		for (size_t k = 1; ok && k < need; k++) {
			ok = (in[i + k] & 0xc0) == 0x80;
			d = d << 6 | (in[i + k] & 0x3fu);
		}
		if (!ok) {
			i++;
			continue;
		}
		o += (size_t)sprintf(out + o, "%%u%04x", d);
		if (d >= 0xd800 && d <= 0xdfff)
			out[o++] = (char)c;
		if (d < (need == 2 ? 0x80u : need == 3 ? 0x800u : 0x10000u))
			out[o++] = (char)c;
		i += need;
	}
	return o;
}

/* xorshift64*: the same inputs on every run */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Bytes that reach the transformations' cases more often than noise. */
static unsigned char rnd_byte(uint64_t *s)
{
	static const char interesting[] = "%&#;xXuU\\/.*0123456789aAfFlt "
					  "=+\n\r\t\"'^,(";
	static const unsigned char high[] = { 0xc0, 0xc3, 0xe2, 0xed,
					      0xf0, 0xf4, 0xf5, 0x80,
					      0xa0, 0xbf, 0xff, 0x00 };
	uint64_t r = rnd(s);

	switch (r % 4) {
	case 0:
		return (unsigned char)(r >> 8);
	case 1:
		return high[(r >> 8) % sizeof(high)];
	default:
		return (unsigned char)
			interesting[(r >> 8) % (sizeof(interesting) - 1)];
	}
}

static int ref_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* urlDecode(Uni), one byte at a time, as enforcer.rules(5) says it. */
static size_t ref_urldecode(const char *in, size_t len, bool uni, char *out)
{
	size_t i = 0, o = 0;

	while (i < len) {
		const unsigned char *p = (const unsigned char *)in + i;

		if (uni && p[0] == '%' && i + 6 <= len &&
		    (p[1] | 0x20) == 'u' && ref_hex(p[2]) >= 0 &&
		    ref_hex(p[3]) >= 0 && ref_hex(p[4]) >= 0 &&
		    ref_hex(p[5]) >= 0) {
			int hi = ref_hex(p[2]) * 16 + ref_hex(p[3]);
			int c = ref_hex(p[4]) * 16 + ref_hex(p[5]);

			out[o++] = (char)(hi == 0xff && c >= 1 && c <= 0x5e ?
						  c + 0x20 :
						  c);
			i += 6;
		} else if (p[0] == '%' && i + 3 <= len && ref_hex(p[1]) >= 0 &&
			   ref_hex(p[2]) >= 0) {
			out[o++] = (char)(ref_hex(p[1]) * 16 + ref_hex(p[2]));
			i += 3;
		} else {
			out[o++] = p[0] == '+' ? ' ' : (char)p[0];
			i++;
		}
	}
	return o;
}

/*
 * urlDecode and urlDecodeUni move runs between escapes sixteen bytes at a
 * time: random strings, dense and sparse in escapes, cut ones and '+',
 * against the reference, at every length up to 200.
 */
static void test_urldecode_against_reference(void **state)
{
	static const char dense[] = "%%%%uU+0aF9fgz-",
			  sparse[] =
				  "abcdefghijklmnopqrstuvwxyz0123456789/.-_=&%+";
	char in[200], buf[sizeof(in)], want[sizeof(in)];
	uint64_t seed = 0xdec0de5u;

	(void)state;
	for (unsigned int k = 0; k < 4000; k++) {
		size_t len = k % (sizeof(in) + 1), wl;
		const char *abc = k % 3 ? sparse : dense;
		size_t na = strlen(abc);
		bool uni = k & 1;
		ssize_t n;

		for (size_t i = 0; i < len; i++)
			in[i] = abc[rnd(&seed) % na];
		/* now and then a long plain stretch after an escape */
		if (len > 40 && k % 5 == 0)
			memset(in + 3 + rnd(&seed) % 10, 'x', 30);
		memcpy(buf, in, len);
		n = enf_tfn_apply(uni ? ENF_T_URLDECODEUNI : ENF_T_URLDECODE,
				  buf, len, len);
		wl = ref_urldecode(in, len, uni, want);
		if (n != (ssize_t)wl || memcmp(buf, want, wl))
			fail_msg("%s of input %u (length %zu): %zd bytes, "
				 "want %zu (\"%.*s\")",
				 uni ? "urlDecodeUni" : "urlDecode", k, len, n,
				 wl, (int)len, in);
	}
}

static void test_random_inputs_stay_in_bounds(void **state)
{
	const unsigned int per_tfn = 1500, pipelines = 1500;
	unsigned char in[512];
	char ref[4 * sizeof(in)];
	uint64_t seed = 0x5eed2024u;

	(void)state;
	for (uint8_t t = ENF_T_LOWERCASE; t <= ENF_T_LENGTH; t++) {
		for (unsigned int k = 0; k < per_tfn; k++) {
			size_t len = rnd(&seed) % sizeof(in), rl;
			char what[64], *out;
			ssize_t n;

			for (size_t i = 0; i < len; i++)
				in[i] = rnd_byte(&seed);
			snprintf(what, sizeof(what), "%s, input %u",
				 enf_tfn_name(t), k);
			n = run_bounded(what, &t, 1, (char *)in, len, &out);
			if (t == ENF_T_UTF8TOUNICODE) {
				rl = ref_utf8_to_unicode(in, len, ref);
				if ((size_t)n != rl || memcmp(out, ref, rl))
					fail_msg("%s: in-place result differs",
						 what);
			} else if (t != ENF_T_LENGTH && (size_t)n > len) {
				fail_msg("%s grew %zu bytes to %zd", what, len,
					 n);
			}
			free(out);
		}
	}
	for (unsigned int k = 0; k < pipelines; k++) {
		uint8_t tfns[ENF_RULE_TFN_MAX];
		size_t n_tfn = 1 + rnd(&seed) % ENF_RULE_TFN_MAX;
		size_t len = rnd(&seed) % 256;
		char what[64], *out;

		for (size_t i = 0; i < n_tfn; i++) {
			uint64_t r = rnd(&seed);

			/* half of the steps utf8toUnicode, to pile up growth */
			tfns[i] = r % 2 ? ENF_T_UTF8TOUNICODE :
					  (uint8_t)(ENF_T_LOWERCASE +
						    (r >> 8) % ENF_T_LENGTH);
		}
		for (size_t i = 0; i < len; i++)
			in[i] = rnd_byte(&seed);
		snprintf(what, sizeof(what), "pipeline %u (%zu steps)", k,
			 n_tfn);
		run_bounded(what, tfns, n_tfn, (char *)in, len, &out);
		free(out);
		if (enf_tfn_bound_is_len(tfns, n_tfn) &&
		    enf_tfn_bound(tfns, n_tfn, len) != len)
			fail_msg("%s: bound is not the length", what);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_transformation),
		cmocka_unit_test(test_lowercase_every_byte_every_lane),
		cmocka_unit_test(test_memcaseeq_every_pair),
		cmocka_unit_test(test_pipeline_runs_in_order),
		cmocka_unit_test(test_names_look_up_case_insensitively),
		cmocka_unit_test(test_growth_worst_cases),
		cmocka_unit_test(test_random_inputs_stay_in_bounds),
		cmocka_unit_test(test_urldecode_against_reference),
	};

	return cmocka_run_group_tests_name("rules_transform", tests, NULL,
					   NULL);
}
