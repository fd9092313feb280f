// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "enforcer/common/cidr.h"

static unsigned int addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Zeroes the bits of @addr after the first @bits. */
static void mask(uint8_t *addr, unsigned int len, unsigned int bits)
{
	for (unsigned int i = 0; i < len; i++) {
		if (i * 8 >= bits)
			addr[i] = 0;
		else if (i * 8 + 8 > bits)
			addr[i] &= (uint8_t)(0xff << (8 - (bits - i * 8)));
	}
}

int enf_cidr_parse(const char *text, struct enf_cidr *out, char *err,
		   size_t errlen)
{
	char buf[ENF_CIDR_TEXT_MAX], *slash, *end, net[ENF_CIDR_TEXT_MAX];
	struct enf_cidr c = { 0 };
	unsigned long bits;
	uint8_t want[16];

	if (strlen(text) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.40s...' is too long for a prefix",
			 text);
		return -EINVAL;
	}
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, c.addr) == 1) {
		c.family = AF_INET;
	} else if (inet_pton(AF_INET6, buf, c.addr) == 1) {
		c.family = AF_INET6;
	} else {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address",
			 buf);
		return -EINVAL;
	}
	bits = addr_len(c.family) * 8;
	if (slash) {
		errno = 0;
		bits = strtoul(slash, &end, 10);
		if (!isdigit((unsigned char)slash[0]) || *end || errno ||
		    bits > addr_len(c.family) * 8) {
			snprintf(err, errlen,
				 "'%s': the prefix length must be 0 to %u",
				 text, addr_len(c.family) * 8);
			return -EINVAL;
		}
	}
	c.prefixlen = (uint8_t)bits;
	memcpy(want, c.addr, sizeof(want));
	mask(want, addr_len(c.family), c.prefixlen);
	if (memcmp(want, c.addr, addr_len(c.family))) {
		inet_ntop(c.family, want, net, sizeof(net));
		snprintf(err, errlen, "'%s' has host bits set (%s/%u?)", text,
			 net, c.prefixlen);
		return -EINVAL;
	}
	*out = c;
	return 0;
}

void enf_cidr_format(const struct enf_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(c->family, c->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, c->prefixlen);
}

/* Whether the first @bits of @a and @b are the same. */
static bool same_prefix(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full))
		return false;
	if (!rest)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool enf_cidr_contains(const struct enf_cidr *c, int family,
		       const uint8_t *addr)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET6 && c->family == AF_INET &&
	    !memcmp(addr, mapped, sizeof(mapped)))
		return same_prefix(c->addr, addr + 12, c->prefixlen);
	if (family != c->family)
		return false;
	return same_prefix(c->addr, addr, c->prefixlen);
}

bool enf_cidr_overlap(const struct enf_cidr *a, const struct enf_cidr *b)
{
	unsigned int bits = a->prefixlen < b->prefixlen ? a->prefixlen :
							  b->prefixlen;

	return a->family == b->family && same_prefix(a->addr, b->addr, bits);
}

const struct enf_cidr *enf_cidr_find(const struct enf_cidr *list, size_t n,
				     int family, const uint8_t *addr)
{
	for (size_t i = 0; i < n; i++) {
		if (enf_cidr_contains(&list[i], family, addr))
			return &list[i];
	}
	return NULL;
}

/* The number of bits set in @m, a netmask of @len bytes. */
static unsigned int mask_bits(const uint8_t *m, unsigned int len)
{
	unsigned int bits = 0;

	for (unsigned int i = 0; i < len; i++)
		bits += (unsigned int)__builtin_popcount(m[i]);
	return bits;
}

int enf_cidr_of_iface(const char *ifname, struct enf_cidr *out, size_t max)
{
	struct ifaddrs *all, *ifa;
	bool seen = false;
	size_t n = 0;

	if (getifaddrs(&all))
		return -errno;
	for (ifa = all; ifa; ifa = ifa->ifa_next) {
		struct enf_cidr c = { 0 };
		const uint8_t *a, *m;
		bool dup = false;

		if (strcmp(ifa->ifa_name, ifname))
			continue;
		seen = true;
		if (!ifa->ifa_addr || !ifa->ifa_netmask)
			continue;
		c.family = ifa->ifa_addr->sa_family;
		if (c.family == AF_INET) {
			a = (const uint8_t *)&(
				    (struct sockaddr_in *)ifa->ifa_addr)
				    ->sin_addr;
			m = (const uint8_t *)&(
				    (struct sockaddr_in *)ifa->ifa_netmask)
				    ->sin_addr;
		} else if (c.family == AF_INET6) {
			a = (const uint8_t *)&(
				    (struct sockaddr_in6 *)ifa->ifa_addr)
				    ->sin6_addr;
			m = (const uint8_t *)&(
				    (struct sockaddr_in6 *)ifa->ifa_netmask)
				    ->sin6_addr;
			if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
				continue; /* link-local */
		} else {
			continue;
		}
		memcpy(c.addr, a, addr_len(c.family));
		c.prefixlen = (uint8_t)mask_bits(m, addr_len(c.family));
		mask(c.addr, addr_len(c.family), c.prefixlen);
		for (size_t i = 0; i < n; i++)
			dup = dup || (out[i].family == c.family &&
				      out[i].prefixlen == c.prefixlen &&
				      !memcmp(out[i].addr, c.addr, 16));
		if (!dup && n < max)
			out[n++] = c;
	}
	freeifaddrs(all);
	if (!seen && !if_nametoindex(ifname))
		return -ENODEV;
	return (int)n;
}

int enf_default_route_iface(char *name)
{
	char line[512], ifn[IF_NAMESIZE], dst[40];
	unsigned int plen, flags;
	unsigned long d, m;
	FILE *f;

	f = fopen("/proc/net/route", "re");
	if (f) {
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask ... */
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%15s %lx %*x %x %*d %*d %*d %lx", ifn,
				   &d, &flags, &m) == 4 &&
			    d == 0 && m == 0 && (flags & 1)) {
				fclose(f);
				strcpy(name, ifn);
				return 0;
			}
		}
		fclose(f);
	}
	f = fopen("/proc/net/ipv6_route", "re");
	if (f) {
		/* dest plen src plen nexthop metric refcnt use flags iface */
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line,
				   "%32s %x %*s %*x %*s %*x %*x %*x %x %15s",
				   dst, &plen, &flags, ifn) == 4 &&
			    plen == 0 && (flags & 1) && strcmp(ifn, "lo") &&
			    strspn(dst, "0") == 32) {
				fclose(f);
				strcpy(name, ifn);
				return 0;
			}
		}
		fclose(f);
	}
	return -ENOENT;
}
