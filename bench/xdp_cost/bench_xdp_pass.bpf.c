// SPDX-License-Identifier: GPL-2.0-only
/*
 * The floor of bench/xdp_cost: an XDP program that passes every packet and
 * does nothing else. What BPF_PROG_TEST_RUN costs around any program.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
