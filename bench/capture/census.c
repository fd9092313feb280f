// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>

#include "census.h"

/* Link types and perf_event kinds newer than the build host's linux/bpf.h. */
#define CENSUS_LINK_RAW_TRACEPOINT 1
#define CENSUS_LINK_PERF_EVENT 7
#define CENSUS_LINK_UPROBE_MULTI 12
#define CENSUS_PERF_UPROBE 1
#define CENSUS_PERF_URETPROBE 2
#define CENSUS_PERF_TRACEPOINT 5
#define CENSUS_UPROBE_MULTI_RETURN 1u

#define CENSUS_MAX_IDS 1024

/*
 * The head of struct bpf_link_info as kernels since 6.6 fill it (the UAPI
 * only grows; the members used here keep their offsets): the build host's
 * linux/bpf.h (Debian 12: 6.1) lacks perf_event and uprobe_multi.
 */
struct census_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	__u32 pad;
	union {
		struct {
			__u64 tp_name;
			__u32 tp_name_len;
		} raw_tracepoint;
		struct {
			__u32 type;
			__u32 pad;
			union {
				struct {
					__u64 file_name;
					__u32 name_len;
					__u32 offset;
					__u64 cookie;
					__u64 ref_ctr_offset;
				} uprobe;
				struct {
					__u64 tp_name;
					__u32 name_len;
					__u32 pad;
					__u64 cookie;
				} tracepoint;
			};
		} perf_event;
		struct {
			__u64 path;
			__u64 offsets;
			__u64 ref_ctr_offsets;
			__u64 cookies;
			__u32 path_size;
			__u32 count;
			__u32 flags;
			__u32 pid;
		} uprobe_multi;
	};
} __attribute__((aligned(8)));

static int link_info(int fd, struct census_link_info *info, char *name,
		     size_t name_len)
{
	__u32 len = sizeof(*info);
	int err;

	memset(info, 0, sizeof(*info));
	name[0] = '\0';
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		return -errno;
	/* Second call with room for the name the first one said exists. */
	switch (info->type) {
	case CENSUS_LINK_RAW_TRACEPOINT:
		memset(info, 0, sizeof(*info));
		info->raw_tracepoint.tp_name = (__u64)(unsigned long)name;
		info->raw_tracepoint.tp_name_len = name_len;
		break;
	case CENSUS_LINK_PERF_EVENT:
		if (info->perf_event.type == CENSUS_PERF_UPROBE ||
		    info->perf_event.type == CENSUS_PERF_URETPROBE ||
		    info->perf_event.type == CENSUS_PERF_TRACEPOINT) {
			__u32 kind = info->perf_event.type;

			memset(info, 0, sizeof(*info));
			info->perf_event.type = kind;
			/* file_name and tp_name share their place */
			info->perf_event.uprobe.file_name =
				(__u64)(unsigned long)name;
			info->perf_event.uprobe.name_len = name_len;
		} else {
			return 0;
		}
		break;
	case CENSUS_LINK_UPROBE_MULTI:
		memset(info, 0, sizeof(*info));
		info->uprobe_multi.path = (__u64)(unsigned long)name;
		info->uprobe_multi.path_size = name_len;
		break;
	default:
		return 0;
	}
	len = sizeof(*info);
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		err = -errno;
		name[0] = '\0';
		return err;
	}
	name[name_len - 1] = '\0';
	return 0;
}

static void add_site(struct census *c, __u64 offset, bool ret)
{
	for (size_t i = 0; i < c->n_sites; i++) {
		if (c->sites[i].offset == offset && c->sites[i].ret == ret) {
			c->sites[i].links++;
			return;
		}
	}
	if (c->n_sites == CENSUS_MAX_SITES) {
		c->truncated = true;
		return;
	}
	c->sites[c->n_sites].offset = offset;
	c->sites[c->n_sites].ret = ret;
	c->sites[c->n_sites].links = 1;
	c->n_sites++;
}

static void add_tp(struct census *c, const char *prefix, const char *name)
{
	char full[CENSUS_TP_NAME];

	snprintf(full, sizeof(full), "%s%s", prefix, name);
	for (size_t i = 0; i < c->n_tps; i++) {
		if (!strcmp(c->tps[i], full)) {
			c->tp_links[i]++;
			return;
		}
	}
	if (c->n_tps == CENSUS_MAX_TPS) {
		c->truncated = true;
		return;
	}
	strcpy(c->tps[c->n_tps], full);
	c->tp_links[c->n_tps] = 1;
	c->n_tps++;
}

static void count_link(int fd, __u32 id, const char *file, struct census *c)
{
	struct census_link_info info;
	char name[PATH_MAX];

	if (link_info(fd, &info, name, sizeof(name)))
		return;
	switch (info.type) {
	case CENSUS_LINK_RAW_TRACEPOINT:
		add_tp(c, "raw:", name);
		return;
	case CENSUS_LINK_PERF_EVENT:
		break;
	case CENSUS_LINK_UPROBE_MULTI:
		if (!strcmp(name, file)) {
			c->file_link_id = c->file_link_id ?: id;
			c->multi_links++;
			c->multi_probes += info.uprobe_multi.count;
		} else {
			c->other_uprobe_links++;
		}
		return;
	default:
		c->other_links++;
		if (info.type < CENSUS_LINK_TYPES)
			c->other_types[info.type]++;
		return;
	}
	switch (info.perf_event.type) {
	case CENSUS_PERF_UPROBE:
	case CENSUS_PERF_URETPROBE:
		if (!name[0]) {
			c->no_detail = true;
			c->other_uprobe_links++;
		} else if (!strcmp(name, file)) {
			c->file_link_id = c->file_link_id ?: id;
			c->uprobe_links++;
			add_site(c, info.perf_event.uprobe.offset,
				 info.perf_event.type == CENSUS_PERF_URETPROBE);
		} else {
			c->other_uprobe_links++;
		}
		return;
	case CENSUS_PERF_TRACEPOINT:
		if (!name[0])
			c->no_detail = true;
		add_tp(c, "", name[0] ? name : "?");
		return;
	default:
		c->other_links++;
		c->other_types[CENSUS_LINK_PERF_EVENT]++;
	}
}

/* Link ids from /proc/@pid/fdinfo ("link_id:" lines). */
static int pid_link_ids(pid_t pid, __u32 *ids, size_t max, size_t *n)
{
	char path[64], line[256];
	struct dirent *de;
	DIR *dir;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		char fpath[384];
		unsigned int id;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(fpath, sizeof(fpath), "%s/%s", path, de->d_name);
		f = fopen(fpath, "re");
		if (!f)
			continue; /* closed meanwhile */
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "link_id: %u", &id) == 1) {
				if (*n < max)
					ids[(*n)++] = id;
				break;
			}
		}
		fclose(f);
	}
	closedir(dir);
	return 0;
}

static void read_comm(pid_t pid, char comm[16])
{
	char path[64];
	FILE *f;

	comm[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(comm, 16, f))
		comm[strcspn(comm, "\n")] = '\0';
	fclose(f);
}

int census_owner(__u32 id, pid_t *pid, char comm[16])
{
	__u32 ids[CENSUS_MAX_IDS / 4];
	struct dirent *de;
	int err = -ENOENT;
	size_t n;
	DIR *dir;

	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while (err && (de = readdir(dir))) {
		pid_t p = (pid_t)strtol(de->d_name, NULL, 10);

		if (p <= 0 || pid_link_ids(p, ids, CENSUS_MAX_IDS / 4, &n))
			continue;
		for (size_t i = 0; i < n && err; i++) {
			if (ids[i] != id)
				continue;
			*pid = p;
			read_comm(p, comm);
			err = 0;
		}
	}
	closedir(dir);
	return err;
}

int census_take(pid_t pid, const char *file, struct census *c)
{
	__u32 *ids;
	size_t n = 0;
	__u32 id = 0;
	int err = 0, fd;

	memset(c, 0, sizeof(*c));
	ids = calloc(CENSUS_MAX_IDS, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	if (pid) {
		err = pid_link_ids(pid, ids, CENSUS_MAX_IDS, &n);
		if (err)
			goto out_free;
	} else {
		while (n < CENSUS_MAX_IDS) {
			if (bpf_link_get_next_id(id, &id)) {
				if (errno != ENOENT) {
					err = -errno;
					goto out_free;
				}
				break;
			}
			ids[n++] = id;
		}
	}
	for (size_t i = 0; i < n; i++) {
		fd = bpf_link_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue; /* gone meanwhile */
		count_link(fd, ids[i], file, c);
		close(fd);
	}
out_free:
	free(ids);
	return err;
}

int census_link_offset(int link_fd, __u64 *offset)
{
	struct census_link_info info;
	char name[PATH_MAX];
	int err;

	err = link_info(link_fd, &info, name, sizeof(name));
	if (err)
		return err;
	if (info.type != CENSUS_LINK_PERF_EVENT ||
	    (info.perf_event.type != CENSUS_PERF_UPROBE &&
	     info.perf_event.type != CENSUS_PERF_URETPROBE) ||
	    !name[0])
		return -EOPNOTSUPP;
	*offset = info.perf_event.uprobe.offset;
	return 0;
}

const char *census_link_type_name(unsigned int type)
{
	/* enum bpf_link_type, as of 6.18 */
	static const char *const names[CENSUS_LINK_TYPES] = {
		"unspec",	"raw_tracepoint", "tracing",   "cgroup",
		"iter",		"netns",	  "xdp",       "perf_event",
		"kprobe_multi", "struct_ops",	  "netfilter", "tcx",
		"uprobe_multi", "netkit",	  "sockmap",
	};

	return type < CENSUS_LINK_TYPES && names[type] ? names[type] : "?";
}

bool census_has(const struct census *c, __u64 offset, bool ret)
{
	for (size_t i = 0; i < c->n_sites; i++)
		if (c->sites[i].offset == offset && c->sites[i].ret == ret)
			return true;
	return false;
}
