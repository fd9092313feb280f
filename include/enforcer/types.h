/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Fixed-width types for headers shared by BPF programs and userspace. BPF
 * objects get them from the generated vmlinux.h, userspace from the UAPI.
 */
#ifndef ENFORCER_TYPES_H
#define ENFORCER_TYPES_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#endif /* ENFORCER_TYPES_H */
