/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the XDP packet tests share: a frame builder, and a harness that
 * loads the three program variants (xdp_host checking the primary maps,
 * xdp_host beside a NIC, xdp_offload) with one set of deny entries, runs a
 * frame through one of them with BPF_PROG_TEST_RUN and says which counter
 * moved.
 */
#ifndef ENFORCER_TEST_XDP_COMMON_H
#define ENFORCER_TEST_XDP_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/types.h>

#include "enforcer/loader/fast4.h"
#include "enforcer/xdp.h"

#define SKIP_CODE 77
#define PKT_MAX 1024

/* IPv6 next-header values of the extension headers the programs walk. */
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60
#define NH_NONE 59

#define ETYPE_IP 0x0800
#define ETYPE_IPV6 0x86dd
#define ETYPE_ARP 0x0806
#define TPID_8021Q 0x8100
#define TPID_8021AD 0x88a8

/* A frame being built, with the offsets expectations are made from. */
struct pkt {
	__u8 b[PKT_MAX];
	size_t len;
	size_t l3; /* IP header */
	size_t l4; /* after the IP header and its extension headers */
	size_t nh_off; /* where the last next-header byte sits (IPv6) */
	int family; /* AF_INET, AF_INET6, 0 */
	__u8 proto;
};

void pkt_put(struct pkt *p, const void *d, size_t n);
void pkt_set16(struct pkt *p, size_t off, __u16 v);
/* Ethernet with @n_tags tags (TPIDs outer first), then ethertype @type. */
void pkt_eth(struct pkt *p, int n_tags, const __u16 *tpids, __u16 type);
/* IPv4 header of @ihl words, options NOP; lengths set by pkt_finish(). */
void pkt_ipv4(struct pkt *p, const __u8 src[4], const __u8 dst[4], __u8 proto,
	      int ihl);
void pkt_ipv6(struct pkt *p, const __u8 src[16], const __u8 dst[16],
	      __u8 nexthdr);
/*
 * Appends an IPv6 extension header of type @type (as announced by the
 * previous next-header byte) with next header @next, @len bytes (a multiple
 * of 8, or of 4 for AH); for a fragment header, @frag_off is the offset in
 * 8-byte units and @more the M flag.
 */
void pkt_ext(struct pkt *p, __u8 type, __u8 next, size_t len, __u16 frag_off,
	     bool more);
void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport);
void pkt_udp(struct pkt *p, __u16 sport, __u16 dport);
void pkt_payload(struct pkt *p, size_t n);
/* Fills in the IP (and UDP) length fields from what was built. */
void pkt_finish(struct pkt *p);

enum xdp_variant {
	XV_HOST = 0, /* xdp_host, check_primary: the host does it all */
	XV_HOST_NIC, /* xdp_host beside a NIC: CIDR tries and deny_spill */
	XV_OFFLOAD, /* xdp_offload, run on the host */
	XV_COUNT,
};

extern const char *const xv_name[XV_COUNT];
extern const char *const xdp_stat_names[ENF_XDP_STAT_MAX];

/**
 * struct xdp_harness - the three variants, loaded
 * @host: XV_HOST, XV_HOST_NIC: one set of host maps, shared
 * @off: xdp_offload, with its own deny maps
 * @fast4: deny_fast4 (mapped) as the loader keeps it: the harness fills it
 *	with enforcer/loader/fast4.h, the loader's placement
 */
struct xdp_harness {
	struct xdp_host *host[2];
	struct xdp_offload *off;
	struct enf_fast4 fast4;
};

/* Loads the three variants, deny_fast4 sized for the default deny_src4
 * and live (dp_config). Return: 0 or -errno. */
int xh_open(struct xdp_harness *h);
/* The same with a deny_fast4 of 2^@bits slots (a small one overflows). */
int xh_open_bits(struct xdp_harness *h, __u32 bits);
void xh_close(struct xdp_harness *h);

/*
 * Deny entries, written where and as the real loader writes them: sources
 * and flows in both programs' primary maps, prefixes in the tries, spill
 * keys in deny_spill. Like the loader, a flow first marks its source in
 * the host source map (xh_mark_src()), and a source denied there keeps the
 * mark; xdp_offload's maps carry no flags.
 */
int xh_deny_src(struct xdp_harness *h, int family, const __u8 *addr);
int xh_deny_cidr(struct xdp_harness *h, int family, const __u8 *addr,
		 __u32 prefixlen);
int xh_deny_flow(struct xdp_harness *h, const struct enf_tuple *t);
int xh_deny_spill(struct xdp_harness *h, const struct enf_spill_key *k);

/* ENF_DENY_F_FLOWS on the host entry of source @addr: OR-ed into a deny
 * entry, or a marker (ENF_DENY_F_MARK too) when there is none. */
int xh_mark_src(struct xdp_harness *h, int family, const __u8 *addr);
/*
 * The host entry of source @addr, written or deleted as the loader does
 * it: in deny_src4 (or deny_src6), and for IPv4 in deny_fast4, written
 * after the deny_src4 entry, deleted before it, with dp_config's overflow
 * count kept. Delete: -ENOENT when there was none.
 */
int xh_src_put(struct xdp_harness *h, int family, const __u8 *addr,
	       const struct enf_deny_value *v);
int xh_src_del(struct xdp_harness *h, int family, const __u8 *addr);
/* Take out what xh_deny_src() and xh_deny_flow() wrote, from both
 * programs' maps (a flow's mark stays: xh_src_del() removes it). */
int xh_undeny_src(struct xdp_harness *h, int family, const __u8 *addr);
int xh_undeny_flow(struct xdp_harness *h, const struct enf_tuple *t);
/* dp_config as written, raw (tests of what the program does with it). */
int xh_config(struct xdp_harness *h, __u32 fast4_live, __u32 src4_overflow);
int xh_config_read(struct xdp_harness *h, struct enf_dp_config *c);
/* The flow in both deny_flow maps, its source NOT marked: what the loader
 * never writes, for a test that xdp_host only looks marked sources up. */
int xh_deny_flow_unmarked(struct xdp_harness *h, const struct enf_tuple *t);
/* The host source map of @family (the fd), for tests that read marks. */
int xh_host_src_fd(struct xdp_harness *h, int family);

/* Which counters moved in one run. */
#define XH_MOVED_NONE (-1)
#define XH_MOVED_OTHER (-2) /* more than one, or one by more than one */

/*
 * Runs @len bytes through @v once. *@retval gets the verdict, *@moved the
 * one counter that moved by exactly one (or XH_MOVED_*).
 * Return: 0, or -errno from BPF_PROG_TEST_RUN (no counter may move then).
 */
int xh_run(struct xdp_harness *h, enum xdp_variant v, const void *data,
	   size_t len, __u32 *retval, int *moved);

const char *xdp_action_name(__u32 a);

#endif /* ENFORCER_TEST_XDP_COMMON_H */
