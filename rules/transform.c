// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transformations (t:...), with ModSecurity v3's semantics. Each one works in
 * place and never grows its input, so a pipeline runs in one buffer.
 */
#include <string.h>

#include "rules/rules_internal.h"

static const struct {
	const char *name;
	enum enf_tfn t;
} tfn_names[] = {
	{ "none", ENF_T_NONE },
	{ "lowercase", ENF_T_LOWERCASE },
	{ "urlDecode", ENF_T_URLDECODE },
	{ "urlDecodeUni", ENF_T_URLDECODEUNI },
	{ "removeNulls", ENF_T_REMOVENULLS },
	{ "removeWhitespace", ENF_T_REMOVEWHITESPACE },
	{ "compressWhitespace", ENF_T_COMPRESSWHITESPACE },
	{ "trim", ENF_T_TRIM },
};

bool enf_memcaseeq(const char *a, const char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x += 'a' - 'A';
		if (y >= 'A' && y <= 'Z')
			y += 'a' - 'A';
		if (x != y)
			return false;
	}
	return true;
}

int enf_tfn_lookup(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(tfn_names) / sizeof(tfn_names[0]); i++) {
		if (strlen(tfn_names[i].name) == len &&
		    enf_memcaseeq(tfn_names[i].name, name, len))
			return tfn_names[i].t;
	}
	return -1;
}

const char *enf_tfn_name(enum enf_tfn t)
{
	for (size_t i = 0; i < sizeof(tfn_names) / sizeof(tfn_names[0]); i++) {
		if (tfn_names[i].t == t)
			return tfn_names[i].name;
	}
	return "?";
}

/* isspace() in the C locale, without depending on the process locale. */
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
	       c == '\r';
}

/* ModSecurity counts the non-breaking space (0xa0) as white space when it
 * removes or compresses white space, but not when it trims. */
static bool is_space_nbsp(unsigned char c)
{
	return is_space(c) || c == 0xa0;
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_hex2(const char *p)
{
	return hexval(p[0]) >= 0 && hexval(p[1]) >= 0;
}

static unsigned char hex2(const char *p)
{
	return (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
}

static size_t t_lowercase(char *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (b[i] >= 'A' && b[i] <= 'Z')
			b[i] += 'a' - 'A';
	}
	return len;
}

/*
 * %XX with two hex digits decodes; '+' becomes a space; an invalid or cut
 * escape is kept as it is. With @uni, %uHHLL decodes to its low byte, and the
 * full-width forms U+FF01..U+FF5E to their ASCII counterparts, as ModSecurity
 * does without a unicode map.
 */
static size_t t_urldecode(char *b, size_t len, bool uni)
{
	size_t i = 0, o = 0;

	while (i < len) {
		if (b[i] == '%') {
			if (uni && i + 5 < len &&
			    (b[i + 1] == 'u' || b[i + 1] == 'U') &&
			    is_hex2(b + i + 2) && is_hex2(b + i + 4)) {
				unsigned char hi = hex2(b + i + 2);
				unsigned char c = hex2(b + i + 4);

				if (hi == 0xff && c > 0x00 && c < 0x5f)
					c += 0x20;
				b[o++] = (char)c;
				i += 6;
				continue;
			}
			if (i + 2 < len && is_hex2(b + i + 1)) {
				b[o++] = (char)hex2(b + i + 1);
				i += 3;
				continue;
			}
			b[o++] = b[i++];
			continue;
		}
		b[o++] = b[i] == '+' ? ' ' : b[i];
		i++;
	}
	return o;
}

static size_t t_remove_nulls(char *b, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (b[i] != '\0')
			b[o++] = b[i];
	}
	return o;
}

static size_t t_remove_whitespace(char *b, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (!is_space_nbsp(b[i]))
			b[o++] = b[i];
	}
	return o;
}

static size_t t_compress_whitespace(char *b, size_t len)
{
	size_t o = 0;
	bool in_space = false;

	for (size_t i = 0; i < len; i++) {
		if (is_space_nbsp(b[i])) {
			if (!in_space)
				b[o++] = ' ';
			in_space = true;
		} else {
			b[o++] = b[i];
			in_space = false;
		}
	}
	return o;
}

static size_t t_trim(char *b, size_t len)
{
	size_t start = 0;

	while (len > 0 && is_space(b[len - 1]))
		len--;
	while (start < len && is_space(b[start]))
		start++;
	if (start)
		memmove(b, b + start, len - start);
	return len - start;
}

size_t enf_tfn_apply(enum enf_tfn t, char *buf, size_t len)
{
	switch (t) {
	case ENF_T_LOWERCASE:
		return t_lowercase(buf, len);
	case ENF_T_URLDECODE:
		return t_urldecode(buf, len, false);
	case ENF_T_URLDECODEUNI:
		return t_urldecode(buf, len, true);
	case ENF_T_REMOVENULLS:
		return t_remove_nulls(buf, len);
	case ENF_T_REMOVEWHITESPACE:
		return t_remove_whitespace(buf, len);
	case ENF_T_COMPRESSWHITESPACE:
		return t_compress_whitespace(buf, len);
	case ENF_T_TRIM:
		return t_trim(buf, len);
	case ENF_T_NONE:
		break;
	}
	return len;
}

size_t enf_tfn_run(const uint8_t *tfns, size_t n, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++)
		len = enf_tfn_apply(tfns[i], buf, len);
	return len;
}
