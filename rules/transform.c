// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Transformations (t:...), with ModSecurity v3's semantics: libmodsecurity
 * 3.0.13's src/actions/transformations/, with the fixes of later releases
 * where noted. v3's quirks are kept on purpose (rules are written against
 * them) and marked "v3:". Each transformation runs in place in one buffer;
 * all but utf8toUnicode and length keep or shrink their value, and
 * enf_tfn_bound() says how much room those two need.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "rules/rules_internal.h"

/* The first spelling of each transformation is the one enf_tfn_name() gives. */
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
	{ "htmlEntityDecode", ENF_T_HTMLENTITYDECODE },
	{ "jsDecode", ENF_T_JSDECODE },
	{ "cssDecode", ENF_T_CSSDECODE },
	{ "replaceComments", ENF_T_REPLACECOMMENTS },
	{ "normalizePath", ENF_T_NORMALIZEPATH },
	{ "normalisePath", ENF_T_NORMALIZEPATH },
	{ "normalisePathWin", ENF_T_NORMALIZEPATHWIN },
	{ "normalizePathWin", ENF_T_NORMALIZEPATHWIN },
	{ "cmdLine", ENF_T_CMDLINE },
	{ "base64Decode", ENF_T_BASE64DECODE },
	{ "hexDecode", ENF_T_HEXDECODE },
	{ "utf8toUnicode", ENF_T_UTF8TOUNICODE },
	{ "length", ENF_T_LENGTH },
};

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

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_odigit(unsigned char c)
{
	return c >= '0' && c <= '7';
}

static bool is_alnum(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static unsigned char to_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * The eight bytes of @w, ASCII capitals lowered: a byte is a capital when
 * its low seven bits plus (0x80 - 'A') carry into bit 7 while plus
 * (0x80 - 'Z' - 1) do not, and its own bit 7 is clear. Sums of seven-bit
 * values and a byte below 0x80 never carry into the next byte, so each
 * lane stands alone; the capital's mask bit 7 shifted to bit 5 is the 0x20
 * that lowers it.
 */
static inline uint64_t lower8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull, high = ones * 0x80;
	uint64_t low7 = w & ~high;
	uint64_t ge_a = low7 + ones * (0x80 - 'A');
	uint64_t gt_z = low7 + ones * (0x80 - 'Z' - 1);

	return w | ((ge_a & ~gt_z & ~w & high) >> 2);
}

/* Eight bytes at a time, the last eight overlapping the word before. */
bool enf_memcaseeq(const char *a, const char *b, size_t len)
{
	uint64_t x, y;

	if (len < 8) {
		for (size_t i = 0; i < len; i++)
			if (to_lower(a[i]) != to_lower(b[i]))
				return false;
		return true;
	}
	for (size_t i = 0;; i += 8) {
		if (i + 8 > len)
			i = len - 8;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y && lower8(x) != lower8(y))
			return false;
		if (i + 8 == len)
			return true;
	}
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

static bool is_hex(unsigned char c)
{
	return hexval(c) >= 0;
}

static bool is_hex2(const char *p)
{
	return is_hex(p[0]) && is_hex(p[1]);
}

static unsigned char hex2(const char *p)
{
	return (unsigned char)(hexval(p[0]) << 4 | hexval(p[1]));
}

#ifdef __SSE2__
/*
 * Sixteen bytes at a time: a byte plus (0x80 - 'A'), wrapping, is below
 * -128 + 26 as a signed byte exactly when the byte is an ASCII capital;
 * the compare's mask, anded with 0x20, lowers it.
 */
static size_t t_lowercase(char *b, size_t len)
{
	const __m128i shift = _mm_set1_epi8((char)(0x80 - 'A'));
	const __m128i limit = _mm_set1_epi8((char)(-128 + 26));
	const __m128i bit = _mm_set1_epi8(0x20);
	size_t i = 0;

	for (; i + 16 <= len; i += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(b + i));
		__m128i cap = _mm_cmplt_epi8(_mm_add_epi8(w, shift), limit);

		_mm_storeu_si128((__m128i *)(b + i),
				 _mm_or_si128(w, _mm_and_si128(cap, bit)));
	}
	for (; i < len; i++)
		b[i] = (char)to_lower(b[i]);
	return len;
}
#else
/* Eight bytes at a time (lower8()). */
static size_t t_lowercase(char *b, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t w;

		memcpy(&w, b + i, 8);
		w = lower8(w);
		memcpy(b + i, &w, 8);
	}
	for (; i < len; i++)
		b[i] = (char)to_lower(b[i]);
	return len;
}
#endif

/*
 * '+' to a space all over @b: no escape reads a '+' (%XX wants two hex
 * digits, %uHHLL four), so it is a space wherever it stands.
 */
static void url_plus_to_space(char *b, size_t len)
{
	size_t i = 0;
#ifdef __SSE2__
	const __m128i plus = _mm_set1_epi8('+');
	const __m128i flip = _mm_set1_epi8('+' ^ ' ');

	for (; i + 16 <= len; i += 16) {
		__m128i w = _mm_loadu_si128((const __m128i *)(b + i));
		__m128i is = _mm_cmpeq_epi8(w, plus);

		if (_mm_movemask_epi8(is))
			_mm_storeu_si128(
				(__m128i *)(b + i),
				_mm_xor_si128(w, _mm_and_si128(is, flip)));
	}
#endif
	for (; i < len; i++)
		if (b[i] == '+')
			b[i] = ' ';
}

/*
 * The bytes from @i up to the next '%' (at least one: b[i] is not one)
 * moved down to @o, @o <= @i; how many. Sixteen at a time: the run is
 * stored whole when the store cannot reach a byte not yet read.
 */
static size_t url_copy_run(char *b, size_t len, size_t i, size_t o)
{
	const char *pct;
	size_t n;
#ifdef __SSE2__
	if (i + 16 <= len) {
		__m128i w = _mm_loadu_si128((const __m128i *)(b + i));
		unsigned int m = (unsigned int)_mm_movemask_epi8(
			_mm_cmpeq_epi8(w, _mm_set1_epi8('%')));

		n = m ? (size_t)__builtin_ctz(m) : 16;
		if (o + 16 <= i + n)
			_mm_storeu_si128((__m128i *)(b + o), w);
		else if (o < i)
			memmove(b + o, b + i, n);
		return n;
	}
#endif
	pct = memchr(b + i, '%', len - i);
	n = pct ? (size_t)(pct - (b + i)) : len - i;
	if (o < i)
		memmove(b + o, b + i, n);
	return n;
}

/*
 * %XX with two hex digits decodes; '+' becomes a space; an invalid or cut
 * escape is kept as it is. With @uni, %uHHLL decodes to its low byte, and the
 * full-width forms U+FF01..U+FF5E to their ASCII counterparts, as ModSecurity
 * does without a unicode map.
 */
static size_t t_urldecode(char *b, size_t len, bool uni)
{
	const char *pct;
	size_t i, o;

	url_plus_to_space(b, len);
	pct = memchr(b, '%', len);
	if (!pct)
		return len;
	i = o = (size_t)(pct - b);
	while (i < len) {
		size_t n;

		if (b[i] != '%') {
			n = url_copy_run(b, len, i, o);
			i += n;
			o += n;
			continue;
		}
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

/*
 * The digits of a numeric character reference at @p (@n bytes): leading
 * zeros, then at most @max digits of @base; the value's low byte goes to
 * @out. v3 (3.0.13) reads at most 2 hex or 3 decimal digits and leaves the
 * rest as text; 3.0.14 skips leading zeros first (&#00000060; is '<').
 * Return: bytes read, 0 when there is no digit.
 */
static size_t entity_number(const char *p, size_t n, bool hex, size_t max,
			    unsigned char *out)
{
	unsigned int v = 0;
	size_t i = 0, sig = 0;

	while (i < n && p[i] == '0')
		i++;
	while (i < n && sig < max) {
		int d = hex ? hexval(p[i]) : is_digit(p[i]) ? p[i] - '0' : -1;

		if (d < 0)
			break;
		v = v * (hex ? 16 : 10) + (unsigned int)d;
		i++;
		sig++;
	}
	*out = (unsigned char)v;
	return i;
}

/*
 * &#DDD; and &#xHH; decode to a byte; &quot; &amp; &lt; &gt; &nbsp; (any
 * case) to '"', '&', '<', '>' and 0xa0; the ';' is optional. Anything else
 * after '&' is kept: "&#", "&#x" without digits, an unknown name with '&'.
 */
static size_t t_html_entity_decode(char *b, size_t len)
{
	static const struct {
		const char *name;
		size_t len;
		unsigned char c;
	} names[] = {
		{ "quot", 4, '"' }, { "amp", 3, '&' },	 { "lt", 2, '<' },
		{ "gt", 2, '>' },   { "nbsp", 4, 0xa0 },
	};
	size_t i = 0, o = 0;

	while (i < len) {
		size_t j = i + 1, keep = 1, k;
		unsigned char c = 0;

		if (b[i] != '&' || j >= len) {
			b[o++] = b[i++];
			continue;
		}
		if (b[j] == '#') {
			bool hex = false;

			keep = 2;
			if (++j >= len)
				goto keep;
			if (b[j] == 'x' || b[j] == 'X') {
				keep = 3;
				hex = true;
				if (++j >= len)
					goto keep;
			}
			k = entity_number(b + j, len - j, hex, hex ? 2 : 3, &c);
			if (!k)
				goto keep;
			j += k;
		} else {
			size_t n = 0;

			for (k = j; k < len && is_alnum(b[k]); k++)
				;
			if (k == j)
				goto keep;
			/* v3: a name that only starts with a known one counts
			 * as it (&ltfoo; is '<') */
			while (n < sizeof(names) / sizeof(names[0]) &&
			       (k - j < names[n].len ||
				!enf_memcaseeq(b + j, names[n].name,
					       names[n].len)))
				n++;
			if (n == sizeof(names) / sizeof(names[0])) {
				keep = k - i;
				goto keep;
			}
			c = names[n].c;
			j = k;
		}
		b[o++] = (char)c;
		i = j < len && b[j] == ';' ? j + 1 : j;
		continue;
keep:
		memmove(b + o, b + i, keep);
		o += keep;
		i += keep;
	}
	return o;
}

/*
 * JavaScript escapes: \uHHHH (its low byte; U+FF01..U+FF5E to ASCII), \xHH,
 * \OOO (one to three octal digits, at most \377), \a \b \f \n \r \t \v, and
 * '\' before any other byte is dropped. A '\' at the end is kept.
 */
static size_t t_js_decode(char *b, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		unsigned char c = b[i], e;

		if (c != '\\' || i + 1 >= len) {
			b[o++] = (char)c;
			i++;
			continue;
		}
		e = b[i + 1];
		if (e == 'u' && i + 5 < len && is_hex2(b + i + 2) &&
		    is_hex2(b + i + 4)) {
			c = hex2(b + i + 4);
			if ((b[i + 2] | 0x20) == 'f' &&
			    (b[i + 3] | 0x20) == 'f' && c > 0x00 && c < 0x5f)
				c += 0x20;
			i += 6;
		} else if (e == 'x' && i + 3 < len && is_hex2(b + i + 2)) {
			c = hex2(b + i + 2);
			i += 4;
		} else if (is_odigit(e)) {
			size_t n = 1;
			unsigned int v = 0;

			while (n < 3 && i + 1 + n < len &&
			       is_odigit(b[i + 1 + n]))
				n++;
			if (n == 3 && e > '3')
				n = 2;
			for (size_t k = 0; k < n; k++)
				v = v * 8 + (unsigned int)(b[i + 1 + k] - '0');
			c = (unsigned char)v;
			i += 1 + n;
		} else {
			static const char from[] = "abfnrtv",
					  to[] = "\a\b\f\n\r\t\v";
			const char *m = e ? memchr(from, e, sizeof(from) - 1) :
					    NULL;

			c = m ? (unsigned char)to[m - from] : e;
			i += 2;
		}
		b[o++] = (char)c;
	}
	return o;
}

/*
 * CSS escapes: '\' and one to six hex digits become the byte of the last two
 * (of the one), U+FF01..U+FF5E their ASCII counterparts, and one white-space
 * byte after the digits goes too; '\' and a newline go; '\' before any other
 * byte is dropped; a '\' at the end goes.
 */
static size_t t_css_decode(char *b, size_t len)
{
	size_t i = 0, o = 0;

	while (i < len) {
		size_t n = 0;

		if (b[i] != '\\') {
			b[o++] = b[i++];
			continue;
		}
		if (++i >= len)
			break;
		while (n < 6 && i + n < len && is_hex(b[i + n]))
			n++;
		if (n) {
			unsigned char c = n == 1 ? (unsigned char)hexval(b[i]) :
						   hex2(b + i + n - 2);
			/* the full-width check needs a value below 0x10000 */
			bool wide = n == 4 || (n == 5 && b[i] == '0') ||
				    (n == 6 && b[i] == '0' && b[i + 1] == '0');

			if (wide && c > 0x00 && c < 0x5f &&
			    (b[i + n - 4] | 0x20) == 'f' &&
			    (b[i + n - 3] | 0x20) == 'f')
				c += 0x20;
			b[o++] = (char)c;
			i += n;
			if (i < len && is_space(b[i]))
				i++;
		} else if (b[i] == '\n') {
			i++;
		} else {
			b[o++] = b[i++];
		}
	}
	return o;
}

/* Each C comment becomes one space; one left open runs to the end. */
static size_t t_replace_comments(char *b, size_t len)
{
	size_t i = 0, o = 0;
	bool in = false;

	while (i < len) {
		if (!in && b[i] == '/' && i + 1 < len && b[i + 1] == '*') {
			in = true;
			i += 2;
		} else if (!in) {
			b[o++] = b[i++];
		} else if (b[i] == '*' && i + 1 < len && b[i + 1] == '/') {
			in = false;
			i += 2;
			b[o++] = ' ';
		} else {
			i++;
		}
	}
	if (in)
		b[o++] = ' ';
	return o;
}

static bool is_slash(unsigned char c, bool win)
{
	return c == '/' || (win && c == '\\');
}

/*
 * normalizePath (and, with @win, normalisePathWin): ModSecurity's one pass
 * over the path, in place. It acts at the last byte of each segment (the next
 * byte is a slash, or there is none): "." goes, ".." takes the segment before
 * it (a relative path keeps a ".." it cannot resolve, an absolute one drops
 * it at the root), a run of slashes becomes one, a relative path loses a
 * leading slash, and a trailing slash stays only if the input had one. With
 * @win, backslashes are slashes.
 * v3: a segment counts as ".." when it merely ends in "..", and a '\' is
 * turned into '/' only at or just after the byte being read, so in a run of
 * three or more its last '\' stays.
 */
static size_t t_normalize_path(char *b, size_t len, bool win)
{
	size_t s = 0, d = 0, end;
	bool relative, trailing, hitroot = false, last = false;

	if (!len)
		return 0;
	end = len - 1;
	relative = !is_slash(b[0], win);
	trailing = is_slash(b[end], win);

	while (!last && s <= end) {
		if (win) {
			if (b[s] == '\\')
				b[s] = '/';
			if (s < end && b[s + 1] == '\\')
				b[s + 1] = '/';
		}
		last = s == end;
		if (!last && (b[s + 1] != '/' || b[s] == '/'))
			goto copy; /* inside a segment, or an empty one */
		if (b[s] == '.' && d > 0 && b[d - 1] == '.') {
			/* "..": back to the slash before the previous segment */
			if (relative && (hitroot || d <= 2)) {
				hitroot = true;
				goto copy;
			}
			d = d >= 3 ? d - 3 : 0;
			while (d > 0 && b[d] != '/')
				d--;
			if (d == 0) {
				hitroot = true;
				if (!relative && last)
					d = 1; /* keep the root */
			}
			if (last)
				break;
			s++;
		} else if (b[s] == '.' && d == 0) {
			if (last)
				break;
			s++; /* "." at the start */
		} else if (b[s] == '.' && b[d - 1] == '/') {
			if (last)
				break;
			d--; /* "/.": the slash that follows stands for both */
			s++;
		} else if (b[s] != '.' && d > 0) {
			hitroot = false;
		}
copy:
		if (b[s] == '/') {
			while (s < end && is_slash(b[s + 1], win))
				s++;
			if (relative && d == 0) {
				s++;
				continue;
			}
		}
		b[d++] = b[s++];
	}
	if (!trailing && d > 0 && b[d - 1] == '/')
		d--;
	return d;
}

/*
 * cmdLine: drops " ' \ ^, turns each run of space , ; TAB CR LF into one
 * space, drops a space before '/' and '(', and lowers ASCII letters.
 * v3: a dropped byte does not end a run of spaces ("a ,'b" is "a b").
 */
static size_t t_cmdline(char *b, size_t len)
{
	size_t o = 0;
	bool space = false;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = b[i];

		switch (c) {
		case '"':
		case '\'':
		case '\\':
		case '^':
			break;
		case ' ':
		case ',':
		case ';':
		case '\t':
		case '\r':
		case '\n':
			if (!space)
				b[o++] = ' ';
			space = true;
			break;
		case '/':
		case '(':
			if (space)
				o--;
			space = false;
			b[o++] = (char)c;
			break;
		default:
			b[o++] = (char)to_lower(c);
			space = false;
			break;
		}
	}
	return o;
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * base64Decode, as v3 has mbedTLS decode it: the value up to its first NUL
 * must be base64 throughout (the standard alphabet, at most two '=' with
 * nothing but '=' after them; LF or CRLF anywhere; spaces only before a line
 * end or the end), else the result is empty. Each group of four decodes; a
 * shorter group at the end is dropped.
 */
static size_t t_base64_decode(char *b, size_t len)
{
	const char *nul = memchr(b, '\0', len);
	size_t n = nul ? (size_t)(nul - b) : len, equals = 0, groups = 0, o = 0;
	uint32_t x = 0;

	for (size_t i = 0; i < n; i++) {
		bool spaces = false;

		for (; i < n && b[i] == ' '; i++)
			spaces = true;
		if (i == n)
			break;
		if (b[i] == '\n' ||
		    (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n'))
			continue;
		if (spaces)
			return 0;
		if (b[i] == '=') {
			if (++equals > 2)
				return 0;
		} else if (equals || b64val(b[i]) < 0) {
			return 0;
		}
	}
	equals = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = b[i];

		if (c == '\r' || c == '\n' || c == ' ')
			continue;
		x <<= 6;
		if (c == '=')
			equals++;
		else
			x |= (uint32_t)b64val(c);
		if (++groups < 4)
			continue;
		groups = 0;
		b[o++] = (char)(x >> 16);
		if (equals <= 1)
			b[o++] = (char)(x >> 8);
		if (equals == 0)
			b[o++] = (char)x;
	}
	return o;
}

/* v3's hex digit: arithmetic that does not check it is one ('z' is 35). */
static unsigned char hexval_unchecked(unsigned char c)
{
	return c >= 'A' ? (unsigned char)((c & 0xdf) - 'A' + 10) :
			  (unsigned char)(c - '0');
}

/*
 * hexDecode: each pair of bytes becomes one; an odd last byte goes.
 * v3: a pair is not checked to be hex ("0z" is '#'); a single byte, where
 * v3 before 3.0.15 read past the end, gives the empty value.
 */
static size_t t_hex_decode(char *b, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		b[o++] = (char)(hexval_unchecked(b[i]) * 16 +
				hexval_unchecked(b[i + 1]));
	return o;
}

/* The most bytes one step of utf8toUnicode writes: a lead byte past
 * U+10FFFF, "%u" and six hex digits. */
#define U8_STEP_MAX 9

/*
 * One step of utf8toUnicode over @p, which has @left bytes (at least one).
 * A valid 2, 3 or 4-byte UTF-8 sequence becomes %u and its code point in
 * lower-case hex, at least four digits; other bytes stay, except as noted.
 * v3: a lead byte whose sequence is cut or invalid is dropped (F5-F7 kept);
 * an F5-F7 lead is also kept before a valid sequence; an overlong or
 * surrogate sequence is followed by its lead byte (twice if both); a NUL
 * that is not the last byte is dropped.
 * Return: bytes written to @out; @used: bytes of @p taken.
 */
static size_t u8_step(const unsigned char *p, size_t left, char *out,
		      size_t *used)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned char c = p[0];
	size_t o = 0, need, digits = 4;
	uint32_t d, shortest;

	*used = 1;
	if (c < 0x80) {
		if (c || left == 1)
			out[o++] = (char)c;
		return o;
	}
	if ((c & 0xe0) == 0xc0) {
		need = 2;
		d = c & 0x1f;
		shortest = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		need = 3;
		d = c & 0x0f;
		shortest = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		need = 4;
		d = c & 0x07;
		shortest = 0x10000;
		if (c >= 0xf5)
			out[o++] = (char)c;
	} else {
		out[o++] = (char)c;
		return o;
	}
	if (left < need)
		return o;
	for (size_t k = 1; k < need; k++) {
		if ((p[k] & 0xc0) != 0x80)
			return o;
		d = d << 6 | (p[k] & 0x3f);
	}
	*used = need;
	out[o++] = '%';
	out[o++] = 'u';
	while (digits < 8 && d >> (4 * digits))
		digits++;
	while (digits--)
		out[o++] = hexd[(d >> (4 * digits)) & 0xf];
	if (d >= 0xd800 && d <= 0xdfff)
		out[o++] = (char)c;
	if (d < shortest)
		out[o++] = (char)c;
	return o;
}

/*
 * utf8toUnicode, in place: a first pass measures the result and the most
 * any prefix of it runs ahead of the input it came from; the input then
 * moves up by that much, so the output never overtakes unread input.
 */
static ssize_t t_utf8_to_unicode(char *b, size_t len, size_t cap)
{
	unsigned char *in = (unsigned char *)b;
	size_t i = 0, out = 0, ahead = 0, used;
	char tmp[U8_STEP_MAX];

	while (i < len) {
		out += u8_step(in + i, len - i, tmp, &used);
		i += used;
		if (out > i && out - i > ahead)
			ahead = out - i;
	}
	if (len + ahead > cap)
		return -ENOSPC;
	if (ahead) {
		memmove(b + ahead, b, len);
		in += ahead;
	}
	for (i = 0, out = 0; i < len; i += used) {
		unsigned char seq[4];
		size_t n = len - i < sizeof(seq) ? len - i : sizeof(seq);

		/* the step may write over its own input: read it first */
		memcpy(seq, in + i, n);
		out += u8_step(seq, len - i, b + out, &used);
	}
	return (ssize_t)out;
}

/* length: the value becomes its length in decimal. */
static ssize_t t_length(char *b, size_t len, size_t cap)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%zu", len);

	if (n < 0 || (size_t)n > cap)
		return -ENOSPC;
	memcpy(b, num, (size_t)n);
	return n;
}

ssize_t enf_tfn_apply(enum enf_tfn t, char *buf, size_t len, size_t cap)
{
	if (len > cap || len > SSIZE_MAX)
		return -EINVAL;
	if (cap > SSIZE_MAX)
		cap = SSIZE_MAX;
	switch (t) {
	case ENF_T_LOWERCASE:
		return (ssize_t)t_lowercase(buf, len);
	case ENF_T_URLDECODE:
		return (ssize_t)t_urldecode(buf, len, false);
	case ENF_T_URLDECODEUNI:
		return (ssize_t)t_urldecode(buf, len, true);
	case ENF_T_REMOVENULLS:
		return (ssize_t)t_remove_nulls(buf, len);
	case ENF_T_REMOVEWHITESPACE:
		return (ssize_t)t_remove_whitespace(buf, len);
	case ENF_T_COMPRESSWHITESPACE:
		return (ssize_t)t_compress_whitespace(buf, len);
	case ENF_T_TRIM:
		return (ssize_t)t_trim(buf, len);
	case ENF_T_HTMLENTITYDECODE:
		return (ssize_t)t_html_entity_decode(buf, len);
	case ENF_T_JSDECODE:
		return (ssize_t)t_js_decode(buf, len);
	case ENF_T_CSSDECODE:
		return (ssize_t)t_css_decode(buf, len);
	case ENF_T_REPLACECOMMENTS:
		return (ssize_t)t_replace_comments(buf, len);
	case ENF_T_NORMALIZEPATH:
		return (ssize_t)t_normalize_path(buf, len, false);
	case ENF_T_NORMALIZEPATHWIN:
		return (ssize_t)t_normalize_path(buf, len, true);
	case ENF_T_CMDLINE:
		return (ssize_t)t_cmdline(buf, len);
	case ENF_T_BASE64DECODE:
		return (ssize_t)t_base64_decode(buf, len);
	case ENF_T_HEXDECODE:
		return (ssize_t)t_hex_decode(buf, len);
	case ENF_T_UTF8TOUNICODE:
		return t_utf8_to_unicode(buf, len, cap);
	case ENF_T_LENGTH:
		return t_length(buf, len, cap);
	case ENF_T_NONE:
		break;
	}
	return (ssize_t)len;
}

ssize_t enf_tfn_run(const uint8_t *tfns, size_t n, char *buf, size_t len,
		    size_t cap)
{
	for (size_t i = 0; i < n; i++) {
		ssize_t r = enf_tfn_apply(tfns[i], buf, len, cap);

		if (r < 0)
			return r;
		len = (size_t)r;
	}
	return (ssize_t)len;
}

static size_t sat_mul(size_t a, size_t k)
{
	return a > SIZE_MAX / k ? SIZE_MAX : a * k;
}

static size_t sat_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Two numbers bound each stage: @cur its length, and @phi its length plus
 * five times its bytes >= 0x80 ("high" bytes; at first every byte may be).
 * - utf8toUnicode writes at most 3.5 bytes per byte it takes (a 2-byte
 *   overlong sequence becomes %uHHHH and its lead byte), and no step of it
 *   raises length + 5 x high bytes (that sequence: 5 bytes more, one high
 *   byte fewer; every other step less). Both hold for every prefix too, so
 *   min(3.5 x cur, phi) also bounds the room its in-place run needs, and
 *   any number of utf8toUnicode in a row stays within phi (6 x the length).
 * - The decoders never lengthen a value (hexDecode halves it, base64Decode
 *   takes 3/4) but may make any byte high.
 * - length writes the digits of at most @cur, all ASCII.
 * - The others keep or shrink a value and make no byte high.
 */
bool enf_tfn_bound_is_len(const uint8_t *tfns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (tfns[i] == ENF_T_UTF8TOUNICODE || tfns[i] == ENF_T_LENGTH)
			return false;
	return true;
}

size_t enf_tfn_bound(const uint8_t *tfns, size_t n, size_t len)
{
	size_t cur = len, phi = sat_mul(len, 6), max = len;

	for (size_t i = 0; i < n; i++) {
		switch (tfns[i]) {
		case ENF_T_UTF8TOUNICODE:
			cur = min_size(sat_add(sat_mul(cur, 3), cur / 2), phi);
			break;
		case ENF_T_LENGTH: {
			size_t digits = 1;

			for (size_t v = cur; v >= 10; v /= 10)
				digits++;
			cur = phi = digits;
			break;
		}
		case ENF_T_HEXDECODE:
			cur /= 2;
			phi = sat_mul(cur, 6);
			break;
		case ENF_T_BASE64DECODE:
			cur = cur / 4 * 3;
			phi = sat_mul(cur, 6);
			break;
		case ENF_T_URLDECODE:
		case ENF_T_URLDECODEUNI:
		case ENF_T_HTMLENTITYDECODE:
		case ENF_T_JSDECODE:
		case ENF_T_CSSDECODE:
			phi = sat_mul(cur, 6);
			break;
		default:
			break;
		}
		if (cur > max)
			max = cur;
	}
	return max;
}
