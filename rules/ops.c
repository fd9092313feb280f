// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the operators that are neither patterns nor literals read from a
 * value: an IP address (@ipMatch) and an integer (@eq, @gt, @lt, @ge, @le).
 * Shared by the parser (the operator's argument) and the matcher (values).
 */
#include <arpa/inet.h>
#include <limits.h>
#include <string.h>

#include "rules/rules_internal.h"

bool enf_ip_parse(const char *s, size_t n, uint8_t out[16])
{
	char buf[INET6_ADDRSTRLEN];
	struct in_addr v4;

	if (!n || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, &v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &v4, 4);
		return true;
	}
	return inet_pton(AF_INET6, buf, out) == 1;
}

bool enf_ipnet_has(const struct enf_ipnet *net, const uint8_t addr[16])
{
	unsigned int whole = net->bits / 8, rest = net->bits % 8;

	if (memcmp(net->addr, addr, whole))
		return false;
	if (!rest)
		return true;
	return ((net->addr[whole] ^ addr[whole]) & (0xff00 >> rest) & 0xff) ==
	       0;
}

/* The byte is a blank std::stoi() skips (isspace() in the C locale). */
static bool int_blank(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

int32_t enf_value_int(const char *s, size_t n)
{
	size_t i = 0;
	int64_t v = 0;
	bool neg = false, digits = false;

	while (i < n && int_blank(s[i]))
		i++;
	if (i < n && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		digits = true;
		v = v * 10 + (s[i] - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return 0;
	}
	if (!digits)
		return 0;
	v = neg ? -v : v;
	if (v > INT32_MAX || v < INT32_MIN)
		return 0;
	return (int32_t)v;
}
