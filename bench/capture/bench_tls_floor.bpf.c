// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trap floor of bench/capture: programs that do nothing, attached where
 * enforcer's TLS capture attaches its own (libssl's SSL_* functions at entry
 * and return, the syscall tracepoints). What a run costs with these attached
 * is the price of the traps alone, the least any capture there can cost.
 * bench/capture/capture.c attaches them by file offset, every process (pid
 * -1), as many times as each variant needs.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

SEC("uprobe")
int floor_enter(void *ctx)
{
	return 0;
}

SEC("uretprobe")
int floor_ret(void *ctx)
{
	return 0;
}

SEC("tracepoint")
int floor_tp(void *ctx)
{
	return 0;
}

SEC("raw_tracepoint")
int floor_raw_tp(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
