/* SPDX-License-Identifier: GPL-2.0-only */
/* Includes and small helpers every enforcer BPF program uses. */
#ifndef ENFORCER_BPF_COMMON_H
#define ENFORCER_BPF_COMMON_H

#include "vmlinux.h"

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#ifndef ETH_P_IP
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#endif

#ifndef AF_INET
#define AF_INET 2
#define AF_INET6 10
#endif

#endif /* ENFORCER_BPF_COMMON_H */
