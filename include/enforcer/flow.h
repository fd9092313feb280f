/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The 5-tuple: one 40-byte layout for IPv4 and IPv6, used as the deny_flow
 * key in XDP and as the flow identity of captured TLS data.
 */
#ifndef ENFORCER_FLOW_H
#define ENFORCER_FLOW_H

#include "enforcer/types.h"

/* Values of enf_tuple.family; equal to AF_INET and AF_INET6. */
#define ENF_FAMILY_V4 2
#define ENF_FAMILY_V6 10

/**
 * struct enf_tuple - a flow as its packets arrive at this host
 * @saddr: source address (the remote peer); IPv4 in the first 4 bytes, the
 *	rest zero
 * @daddr: destination address (this host), same layout
 * @sport: source port, network byte order
 * @dport: destination port, network byte order
 * @proto: IPPROTO_TCP or IPPROTO_UDP
 * @family: ENF_FAMILY_V4 or ENF_FAMILY_V6
 * @pad: zero, so the struct can be hashed as bytes
 *
 * Oriented like ingress packets: a tuple read from a local socket has the
 * peer as source, so it can be used directly as a deny_flow key.
 */
struct enf_tuple {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 family;
	__u8 pad[2];
};

#endif /* ENFORCER_FLOW_H */
