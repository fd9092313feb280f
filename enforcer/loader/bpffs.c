// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/magic.h>

#include "enforcer/common/log.h"
#include "enforcer/loader/bpffs.h"

bool enf_bpffs_is_bpffs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st))
		return false;
	return st.f_type == BPF_FS_MAGIC;
}

static bool under_bpffs_root(const char *path)
{
	size_t n = strlen(ENF_BPFFS_ROOT);

	return strncmp(path, ENF_BPFFS_ROOT, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static int mount_bpffs_root(void)
{
	int err;

	if (enf_bpffs_is_bpffs(ENF_BPFFS_ROOT))
		return 0;
	if (mount("bpf", ENF_BPFFS_ROOT, "bpf",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700")) {
		err = -errno;
		pr_warn("mounting bpffs on %s: %s", ENF_BPFFS_ROOT,
			strerror(-err));
		return err;
	}
	pr_info("mounted bpffs on %s", ENF_BPFFS_ROOT);
	return 0;
}

/* mkdir -p, each missing component with mode 0700. */
static int mkdir_parents(const char *dir)
{
	char buf[PATH_MAX];
	size_t len = strlen(dir);
	struct stat st;
	int err;

	if (len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	/* Drop trailing slashes so the last component is made too. */
	while (len > 1 && buf[len - 1] == '/')
		buf[--len] = '\0';

	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST) {
			err = -errno;
			return err;
		}
		if (stat(buf, &st)) {
			err = -errno;
			return err;
		}
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		if (last)
			return 0;
		*p = '/';
	}
}

int enf_bpffs_ensure(const char *pin_dir)
{
	int err;

	if (!pin_dir || pin_dir[0] != '/')
		return -EINVAL;
	if (strlen(pin_dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (under_bpffs_root(pin_dir)) {
		err = mount_bpffs_root();
		if (err)
			return err;
	}
	err = mkdir_parents(pin_dir);
	if (err) {
		pr_warn("creating pin directory %s: %s", pin_dir,
			strerror(-err));
		return err;
	}
	if (!enf_bpffs_is_bpffs(pin_dir)) {
		pr_warn("%s is not on a bpf filesystem", pin_dir);
		return -EMEDIUMTYPE;
	}
	return 0;
}

int enf_bpffs_remove_dir(const char *pin_dir)
{
	struct dirent *de;
	int err = 0;
	DIR *d;

	d = opendir(pin_dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	if (!enf_bpffs_is_bpffs(pin_dir)) {
		err = -EMEDIUMTYPE;
		goto out_close;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) && !err)
			err = -errno;
	}
	if (rmdir(pin_dir) && !err)
		err = -errno;
out_close:
	closedir(d);
	return err;
}

int enf_bpffs_map_get(const char *path, const struct enf_map_layout *want)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err;

	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			pr_warn("opening pinned map %s: %s", path,
				strerror(-err));
		return err;
	}
	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err) {
		pr_warn("reading pinned map %s: %s", path, strerror(-err));
		close(fd);
		return err;
	}
	if (info.type == want->type && info.key_size == want->key_size &&
	    info.value_size == want->value_size &&
	    info.max_entries == want->max_entries &&
	    info.map_flags == want->flags)
		return fd;
	close(fd);
	pr_warn("pinned map %s has another layout (type %u key %u value %u entries %u flags %#x, want %u %u %u %u %#x); replacing it",
		path, info.type, info.key_size, info.value_size,
		info.max_entries, info.map_flags, want->type, want->key_size,
		want->value_size, want->max_entries, want->flags);
	if (unlink(path)) {
		err = -errno;
		pr_warn("unpinning %s: %s", path, strerror(-err));
		return err;
	}
	return -ENOENT;
}
