// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <linux/capability.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "enforcer/common/caps.h"
#include "enforcer/common/log.h"

static atomic_bool helpers_unprivileged;

static const char *const cap_names[] = {
	[CAP_CHOWN] = "chown",
	[CAP_DAC_OVERRIDE] = "dac_override",
	[CAP_DAC_READ_SEARCH] = "dac_read_search",
	[CAP_FOWNER] = "fowner",
	[CAP_FSETID] = "fsetid",
	[CAP_KILL] = "kill",
	[CAP_SETGID] = "setgid",
	[CAP_SETUID] = "setuid",
	[CAP_SETPCAP] = "setpcap",
	[CAP_LINUX_IMMUTABLE] = "linux_immutable",
	[CAP_NET_BIND_SERVICE] = "net_bind_service",
	[CAP_NET_BROADCAST] = "net_broadcast",
	[CAP_NET_ADMIN] = "net_admin",
	[CAP_NET_RAW] = "net_raw",
	[CAP_IPC_LOCK] = "ipc_lock",
	[CAP_IPC_OWNER] = "ipc_owner",
	[CAP_SYS_MODULE] = "sys_module",
	[CAP_SYS_RAWIO] = "sys_rawio",
	[CAP_SYS_CHROOT] = "sys_chroot",
	[CAP_SYS_PTRACE] = "sys_ptrace",
	[CAP_SYS_PACCT] = "sys_pacct",
	[CAP_SYS_ADMIN] = "sys_admin",
	[CAP_SYS_BOOT] = "sys_boot",
	[CAP_SYS_NICE] = "sys_nice",
	[CAP_SYS_RESOURCE] = "sys_resource",
	[CAP_SYS_TIME] = "sys_time",
	[CAP_SYS_TTY_CONFIG] = "sys_tty_config",
	[CAP_MKNOD] = "mknod",
	[CAP_LEASE] = "lease",
	[CAP_AUDIT_WRITE] = "audit_write",
	[CAP_AUDIT_CONTROL] = "audit_control",
	[CAP_SETFCAP] = "setfcap",
	[CAP_MAC_OVERRIDE] = "mac_override",
	[CAP_MAC_ADMIN] = "mac_admin",
	[CAP_SYSLOG] = "syslog",
	[CAP_WAKE_ALARM] = "wake_alarm",
	[CAP_BLOCK_SUSPEND] = "block_suspend",
	[CAP_AUDIT_READ] = "audit_read",
	[CAP_PERFMON] = "perfmon",
	[CAP_BPF] = "bpf",
	[CAP_CHECKPOINT_RESTORE] = "checkpoint_restore",
};

const char *enf_caps_name(unsigned int n)
{
	return n < sizeof(cap_names) / sizeof(cap_names[0]) ? cap_names[n] :
							      NULL;
}

static int caps_read(struct __user_cap_data_struct data[2])
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};

	memset(data, 0, 2 * sizeof(*data));
	return syscall(SYS_capget, &h, data) ? -errno : 0;
}

static int caps_write(enf_caps_t set)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	for (int i = 0; i < 2; i++) {
		data[i].effective = (uint32_t)(set >> (32 * i));
		data[i].permitted = data[i].effective;
	}
	return syscall(SYS_capset, &h, data) ? -errno : 0;
}

int enf_caps_get(enf_caps_t *effective, enf_caps_t *permitted)
{
	struct __user_cap_data_struct data[2];
	int ret = caps_read(data);

	if (ret)
		return ret;
	*effective = (enf_caps_t)data[1].effective << 32 | data[0].effective;
	*permitted = (enf_caps_t)data[1].permitted << 32 | data[0].permitted;
	return 0;
}

int enf_caps_limit(enf_caps_t keep, enf_caps_t *kept)
{
	enf_caps_t eff, prm;
	int ret;

	ret = enf_caps_get(&eff, &prm);
	if (ret)
		return ret;
	/* The bounding set, while CAP_SETPCAP allows it: a capability the
	 * kernel does not know ends the walk (EINVAL). */
	for (unsigned int n = 0; n < 64; n++) {
		int in = prctl(PR_CAPBSET_READ, n, 0, 0, 0);

		if (in < 0)
			break;
		if (in == 1 && !(keep & ENF_CAP(n)) &&
		    prctl(PR_CAPBSET_DROP, n, 0, 0, 0) && errno != EPERM)
			return -errno;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -errno;
	ret = caps_write(keep & prm);
	if (ret)
		return ret;
	ret = enf_caps_get(&eff, &prm);
	if (ret)
		return ret;
	if (kept)
		*kept = prm;
	return 0;
}

void enf_caps_helpers_unprivileged(bool on)
{
	atomic_store(&helpers_unprivileged, on);
}

void enf_caps_thread_enter(const char *thread)
{
	int ret;

	if (!atomic_load(&helpers_unprivileged))
		return;
	ret = enf_caps_limit(0, NULL);
	if (ret)
		pr_warn("%s thread: dropping its capabilities: %s", thread,
			strerror(-ret));
}
