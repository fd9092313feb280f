/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Deny entries in text: what enforcerctl takes, the blocklist stores and the
 * audit shows. One canonical form per entry, so that the database key of an
 * entry is the same whoever made it:
 *   src  192.0.2.1 | 2001:db8::1
 *   cidr 192.0.2.0/24 | 2001:db8::/32      (host bits must be zero)
 *   flow tcp 192.0.2.1:1234 192.0.2.2:443  (peer first, as packets arrive)
 *        udp [2001:db8::1]:53 [2001:db8::2]:5353
 *   egress 192.0.2.2:443 4242              (destination, then the cgroup
 *          [2001:db8::2]:443 4242           v2 id whose connect()s to it
 *          192.0.2.2:* 4242                 are denied; "*": every port)
 * An egress entry is not an XDP deny entry: enforcer/loader/egress.h has
 * its map; a v4-mapped IPv6 destination is written as its IPv4 address,
 * as the map keeps it.
 */
#ifndef ENFORCER_DENY_H
#define ENFORCER_DENY_H

#include <stddef.h>

#include "enforcer/loader/dataplane.h"
#include "enforcer/loader/egress.h"

/* Longest canonical key text, NUL included. */
#define ENF_DENY_TEXT_MAX 128

/* "src", "cidr", "flow"; NULL for anything else. */
const char *enf_deny_kind_name(int kind);
/* The kind @name names, or 0. */
int enf_deny_kind_parse(const char *name);

/**
 * enf_deny_parse() - an entry from its kind and key text
 * @kind: ENF_DENY_SRC, ENF_DENY_CIDR or ENF_DENY_FLOW
 * @text: the key as above (surrounding white space allowed)
 * @out: the entry
 * @err: a message of at most @errlen bytes on failure
 * Return: 0 or -EINVAL.
 */
int enf_deny_parse(int kind, const char *text, struct enf_deny *out, char *err,
		   size_t errlen);

/* The canonical key text of @d into @buf (ENF_DENY_TEXT_MAX bytes).
 * Return: 0, or -EINVAL for an entry that cannot be written. */
int enf_deny_format(const struct enf_deny *d, char *buf, size_t len);

/**
 * enf_egress_text_parse() - an egress entry from its key text
 * @text: "DEST CGROUP_ID" as above (surrounding white space allowed)
 * @out: the entry (its rule_id 0)
 * @err: a message of at most @errlen bytes on failure
 * Return: 0 or -EINVAL (a cgroup id of 0, a port of 0: write "*").
 */
int enf_egress_text_parse(const char *text, struct enf_egress_entry *out,
			  char *err, size_t errlen);

/* The canonical key text of @e into @buf (ENF_DENY_TEXT_MAX bytes).
 * Return: 0, or -EINVAL for an entry that cannot be written. */
int enf_egress_text_format(const struct enf_egress_entry *e, char *buf,
			   size_t len);

/* A source entry for the peer of @t (the source of the flow). */
void enf_deny_from_peer(const struct enf_tuple *t, struct enf_deny *out);

#endif /* ENFORCER_DENY_H */
