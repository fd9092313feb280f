/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Address prefixes, IPv4 and IPv6: the allowlist of peers enforcer never
 * denies (allowlist in enforcer.conf), and the networks of an interface
 * (its "mgmt" word).
 */
#ifndef ENFORCER_COMMON_CIDR_H
#define ENFORCER_COMMON_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Prefixes an allowlist holds at most. */
#define ENF_ALLOW_MAX 64
/* Longest text of a prefix, NUL included. */
#define ENF_CIDR_TEXT_MAX 52

/**
 * struct enf_cidr - an address prefix
 * @family: AF_INET or AF_INET6
 * @prefixlen: 0..32 or 0..128
 * @addr: the network, network byte order (4 or 16 bytes used), host bits
 *	zero
 */
struct enf_cidr {
	int family;
	uint8_t prefixlen;
	uint8_t addr[16];
};

/**
 * enf_cidr_parse() - "192.0.2.0/24", "2001:db8::/32", or an address alone
 *	(/32, /128)
 * @err: a message of at most @errlen bytes on failure: not an address, a
 *	length out of range, host bits set (with the prefix meant)
 * Return: 0 or -EINVAL.
 */
int enf_cidr_parse(const char *text, struct enf_cidr *out, char *err,
		   size_t errlen);

/* "192.0.2.0/24" into @buf (ENF_CIDR_TEXT_MAX bytes). */
void enf_cidr_format(const struct enf_cidr *c, char *buf, size_t len);

/* Whether @c holds the address @addr of @family (AF_INET: 4 bytes,
 * AF_INET6: 16). An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is held by
 * the IPv4 prefixes that hold its IPv4 address, as well as by IPv6 ones. */
bool enf_cidr_contains(const struct enf_cidr *c, int family,
		       const uint8_t *addr);

/* Whether two prefixes share an address (one holds the other). */
bool enf_cidr_overlap(const struct enf_cidr *a, const struct enf_cidr *b);

/* The first of @list (@n entries) that holds @addr, or NULL. */
const struct enf_cidr *enf_cidr_find(const struct enf_cidr *list, size_t n,
				     int family, const uint8_t *addr);

/**
 * enf_cidr_of_iface() - the networks of the addresses on an interface
 * @ifname: the interface
 * @out: room for @max prefixes (IPv6 link-local ones are left out)
 * Return: how many, or -ENODEV when there is no such interface, -errno.
 */
int enf_cidr_of_iface(const char *ifname, struct enf_cidr *out, size_t max);

/**
 * enf_default_route_iface() - the interface of the default route
 * @name: room for IF_NAMESIZE bytes
 * IPv4 (/proc/net/route) first, then IPv6 (/proc/net/ipv6_route).
 * Return: 0, or -ENOENT when there is no default route.
 */
int enf_default_route_iface(char *name);

#endif /* ENFORCER_COMMON_CIDR_H */
