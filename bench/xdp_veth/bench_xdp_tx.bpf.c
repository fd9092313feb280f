// SPDX-License-Identifier: GPL-2.0-only
/*
 * The traffic source of bench/xdp_veth: run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES in the sending namespace, it redirects every
 * frame it is given out of tx_ifindex (the sending end of the veth pair),
 * so the frame arrives at the peer's XDP program as a received packet.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

/* Set through rodata before load. */
const volatile __u32 tx_ifindex = 0;

SEC("xdp")
int bench_xdp_tx(struct xdp_md *ctx)
{
	return bpf_redirect(tx_ifindex, 0);
}

char LICENSE[] SEC("license") = "GPL";
