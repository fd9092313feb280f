// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "enforcer/verdict/deny.h"

static const char *const kind_names[] = {
	[ENF_DENY_SRC] = "src",
	[ENF_DENY_CIDR] = "cidr",
	[ENF_DENY_FLOW] = "flow",
};

const char *enf_deny_kind_name(int kind)
{
	if (kind < ENF_DENY_SRC || kind > ENF_DENY_FLOW)
		return NULL;
	return kind_names[kind];
}

int enf_deny_kind_parse(const char *name)
{
	for (int k = ENF_DENY_SRC; k <= ENF_DENY_FLOW; k++) {
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	}
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Parses an address of either family into @addr; returns the family or 0. */
static int parse_addr(const char *s, __u8 addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, s, addr) == 1)
		return AF_INET6;
	return 0;
}

/* "a.b.c.d:port" or "[v6]:port" into @addr and @port (network order). */
static int parse_endpoint(char *s, __u8 addr[16], __u16 *port)
{
	char *colon, *host = s, *end;
	unsigned long p;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return 0;
		*end = '\0';
		host = s + 1;
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return 0;
		*colon = '\0';
	}
	if (!isdigit((unsigned char)colon[1]))
		return 0;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535)
		return 0;
	*port = htons((__u16)p);
	return parse_addr(host, addr);
}

static bool host_bits_zero(const __u8 *a, int bytes, int prefixlen)
{
	for (int bit = prefixlen; bit < bytes * 8; bit++) {
		if (a[bit / 8] & (0x80 >> (bit % 8)))
			return false;
	}
	return true;
}

static int parse_cidr(char *s, struct enf_deny *out, char *err, size_t errlen)
{
	char *slash = strchr(s, '/'), *end;
	unsigned long len;
	int max;

	if (!slash)
		return fail(err, errlen, "'%s' is not a prefix (ADDR/LEN)", s);
	*slash = '\0';
	out->family = parse_addr(s, out->addr);
	if (!out->family)
		return fail(err, errlen, "'%s' is not an IP address", s);
	max = out->family == AF_INET ? 32 : 128;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (!isdigit((unsigned char)slash[1]) || errno || *end ||
	    len > (unsigned long)max)
		return fail(err, errlen, "prefix length must be 0 to %d", max);
	out->prefixlen = (__u8)len;
	if (!host_bits_zero(out->addr, max / 8, (int)len))
		return fail(err, errlen,
			    "%s/%lu has host bits set: did you mean the "
			    "network address?",
			    s, len);
	return 0;
}

static int parse_flow(char *s, struct enf_deny *out, char *err, size_t errlen)
{
	char *save = NULL, *proto, *src, *dst, *extra;
	__u8 daddr[16];
	int fs, fd;

	proto = strtok_r(s, " \t", &save);
	src = strtok_r(NULL, " \t", &save);
	dst = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!proto || !src || !dst || extra)
		return fail(err, errlen,
			    "a flow is 'tcp|udp PEER:PORT LOCAL:PORT'");
	memset(&out->flow, 0, sizeof(out->flow));
	if (strcmp(proto, "tcp") == 0)
		out->flow.proto = IPPROTO_TCP;
	else if (strcmp(proto, "udp") == 0)
		out->flow.proto = IPPROTO_UDP;
	else
		return fail(err, errlen,
			    "protocol must be tcp or udp, not '%s'", proto);
	fs = parse_endpoint(src, out->flow.saddr, &out->flow.sport);
	if (!fs)
		return fail(err, errlen, "'%s' is not ADDR:PORT or [ADDR]:PORT",
			    src);
	fd = parse_endpoint(dst, daddr, &out->flow.dport);
	if (!fd)
		return fail(err, errlen, "'%s' is not ADDR:PORT or [ADDR]:PORT",
			    dst);
	if (fs != fd)
		return fail(err, errlen, "both ends must be IPv4 or both IPv6");
	memcpy(out->flow.daddr, daddr, 16);
	out->flow.family = fs == AF_INET ? ENF_FAMILY_V4 : ENF_FAMILY_V6;
	out->family = fs;
	return 0;
}

int enf_deny_parse(int kind, const char *text, struct enf_deny *out, char *err,
		   size_t errlen)
{
	char buf[ENF_DENY_TEXT_MAX * 2], *s, *end;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	if (strlen(text) >= sizeof(buf))
		return fail(err, errlen, "entry too long");
	strcpy(buf, text);
	for (s = buf; isspace((unsigned char)*s); s++)
		;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	switch (kind) {
	case ENF_DENY_SRC:
		out->family = parse_addr(s, out->addr);
		if (!out->family)
			ret = fail(err, errlen, "'%s' is not an IP address", s);
		break;
	case ENF_DENY_CIDR:
		ret = parse_cidr(s, out, err, errlen);
		break;
	case ENF_DENY_FLOW:
		ret = parse_flow(s, out, err, errlen);
		break;
	default:
		ret = fail(err, errlen, "kind must be src, cidr or flow");
	}
	return ret;
}

static void addr_str(int family, const __u8 *a, char *buf, size_t len,
		     bool bracket)
{
	char tmp[INET6_ADDRSTRLEN];

	inet_ntop(family, a, tmp, sizeof(tmp));
	snprintf(buf, len, bracket && family == AF_INET6 ? "[%s]" : "%s", tmp);
}

int enf_deny_format(const struct enf_deny *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN + 2], b[INET6_ADDRSTRLEN + 2];
	int family;

	switch (d->kind) {
	case ENF_DENY_SRC:
	case ENF_DENY_CIDR:
		if (d->family != AF_INET && d->family != AF_INET6)
			return -EINVAL;
		addr_str(d->family, d->addr, a, sizeof(a), false);
		if (d->kind == ENF_DENY_SRC)
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "%s/%u", a, d->prefixlen);
		return 0;
	case ENF_DENY_FLOW:
		if (d->flow.family != ENF_FAMILY_V4 &&
		    d->flow.family != ENF_FAMILY_V6)
			return -EINVAL;
		family = d->flow.family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
		addr_str(family, d->flow.saddr, a, sizeof(a), true);
		addr_str(family, d->flow.daddr, b, sizeof(b), true);
		snprintf(buf, len, "%s %s:%u %s:%u",
			 d->flow.proto == IPPROTO_TCP ? "tcp" : "udp", a,
			 ntohs(d->flow.sport), b, ntohs(d->flow.dport));
		return 0;
	}
	return -EINVAL;
}

/* An IPv6 address ::ffff:a.b.c.d becomes a.b.c.d, as the egress map keeps
 * it. */
static void unmap_v4(int *family, __u8 addr[16])
{
	static const __u8 prefix[12] = { [10] = 0xff, [11] = 0xff };

	if (*family != AF_INET6 || memcmp(addr, prefix, sizeof(prefix)))
		return;
	memmove(addr, addr + 12, 4);
	memset(addr + 4, 0, 12);
	*family = AF_INET;
}

int enf_egress_text_parse(const char *text, struct enf_egress_entry *out,
			  char *err, size_t errlen)
{
	char buf[ENF_DENY_TEXT_MAX * 2], *save = NULL, *dest, *id, *extra;
	char *colon, *end;
	unsigned long long cg;
	__u16 port = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(text) >= sizeof(buf))
		return fail(err, errlen, "entry too long");
	strcpy(buf, text);
	dest = strtok_r(buf, " \t", &save);
	id = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (!dest || !id || extra)
		return fail(err, errlen,
			    "an egress entry is 'ADDR:PORT CGROUP_ID' "
			    "([ADDR]:PORT for IPv6, PORT * for every port)");
	errno = 0;
	cg = strtoull(id, &end, 10);
	if (!isdigit((unsigned char)*id) || errno || *end || !cg)
		return fail(err, errlen,
			    "'%s' is not a cgroup id (a number above 0)", id);
	colon = strrchr(dest, ':');
	if (colon && !strcmp(colon, ":*")) {
		/* every port: parse the rest as an address with port 1 */
		if (dest[0] == '[') {
			if (colon[-1] != ']')
				return fail(err, errlen,
					    "'%s' is not [ADDR]:PORT", dest);
			colon[-1] = '\0';
			out->family = parse_addr(dest + 1, out->addr);
		} else {
			*colon = '\0';
			out->family = parse_addr(dest, out->addr);
			if (out->family == AF_INET6)
				return fail(err, errlen,
					    "write an IPv6 destination as "
					    "[ADDR]:PORT");
		}
		if (!out->family)
			return fail(err, errlen, "'%s' is not an IP address",
				    dest);
	} else {
		char copy[sizeof(buf)];

		snprintf(copy, sizeof(copy), "%s", dest);
		out->family = parse_endpoint(copy, out->addr, &port);
		if (!out->family)
			return fail(err, errlen,
				    "'%s' is not ADDR:PORT, [ADDR]:PORT or "
				    "ADDR:*",
				    dest);
		if (!port)
			return fail(err, errlen,
				    "port 0 in '%s': write * for every port",
				    dest);
	}
	unmap_v4(&out->family, out->addr);
	out->port = port;
	out->cgroup_id = cg;
	return 0;
}

int enf_egress_text_format(const struct enf_egress_entry *e, char *buf,
			   size_t len)
{
	char a[INET6_ADDRSTRLEN + 2], p[8];
	__u8 addr[16];
	int family = e->family;

	if ((family != AF_INET && family != AF_INET6) || !e->cgroup_id)
		return -EINVAL;
	memcpy(addr, e->addr, sizeof(addr));
	unmap_v4(&family, addr);
	addr_str(family, addr, a, sizeof(a), true);
	if (e->port)
		snprintf(p, sizeof(p), "%u", ntohs(e->port));
	else
		snprintf(p, sizeof(p), "*");
	snprintf(buf, len, "%s:%s %llu", a, p,
		 (unsigned long long)e->cgroup_id);
	return 0;
}

void enf_deny_from_peer(const struct enf_tuple *t, struct enf_deny *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = ENF_DENY_SRC;
	out->family = t->family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
	memcpy(out->addr, t->saddr, t->family == ENF_FAMILY_V4 ? 4 : 16);
}
