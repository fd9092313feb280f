/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The primary deny maps, defined once for both XDP programs: in
 * xdp_offload they are the NIC's (the loader creates them bound to the
 * device, sized by what it accepts); in xdp_host they are the host copies
 * the loader shares between interfaces. HASH with map_flags 0 and key +
 * value within 64 bytes, so the NFP takes them.
 */
#ifndef ENFORCER_BPF_XDP_DENY_MAPS_H
#define ENFORCER_BPF_XDP_DENY_MAPS_H

#include "bpf_common.h"

#include "enforcer/xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_SRC4_MAX);
	__type(key, __u32); /* IPv4 source, network byte order */
	__type(value, struct enf_deny_value);
} deny_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_SRC6_MAX);
	__type(key, struct enf_in6_key);
	__type(value, struct enf_deny_value);
} deny_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ENF_DENY_FLOW_MAX);
	__type(key, struct enf_tuple);
	__type(value, struct enf_deny_value);
} deny_flow SEC(".maps");

#endif /* ENFORCER_BPF_XDP_DENY_MAPS_H */
