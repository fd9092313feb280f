/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The BPF filesystem: where maps and programs are pinned so that enforcement
 * outlives the daemon and enforcerctl can read the maps.
 */
#ifndef ENFORCER_LOADER_BPFFS_H
#define ENFORCER_LOADER_BPFFS_H

#include <stdbool.h>

#include <linux/types.h>

/* The conventional bpffs mount point; mounted by enf_bpffs_ensure() if bare. */
#define ENF_BPFFS_ROOT "/sys/fs/bpf"

/**
 * enf_bpffs_is_bpffs() - tell whether a path lies on a bpf filesystem
 * @path: an existing file or directory
 *
 * Return: true if statfs() says BPF_FS_MAGIC; false otherwise, also when
 * @path does not exist.
 */
bool enf_bpffs_is_bpffs(const char *path);

/**
 * enf_bpffs_ensure() - make @pin_dir a usable pin directory
 * @pin_dir: absolute path of the directory to pin under
 *
 * If @pin_dir lies under ENF_BPFFS_ROOT and no bpffs is mounted there, mounts
 * one (mode 0700). Then creates @pin_dir and any missing parents (mode 0700:
 * pinned maps are as good as the daemon's own memory) and checks that it is
 * on a bpf filesystem.
 *
 * Return: 0; -EINVAL if @pin_dir is not absolute, -ENAMETOOLONG if it is too
 * long, -ENOTDIR if a component is not a directory, -EMEDIUMTYPE if the
 * directory is not on a bpf filesystem, or -errno from mount() or mkdir().
 */
int enf_bpffs_ensure(const char *pin_dir);

/**
 * enf_bpffs_remove_dir() - unpin everything in a pin directory and remove it
 * @pin_dir: a directory on a bpf filesystem
 *
 * Unlinks the pinned objects directly in @pin_dir (not recursively: a
 * subdirectory makes the final rmdir fail) and then the directory. Objects
 * still referenced elsewhere (an attached program, an open fd) live on.
 * Refuses a directory that is not on a bpf filesystem, so a wrong path can
 * never delete ordinary files.
 *
 * Return: 0, or 0 if @pin_dir does not exist; -EMEDIUMTYPE if it is not on a
 * bpf filesystem; -errno from unlink() or rmdir() (the first one met).
 */
int enf_bpffs_remove_dir(const char *pin_dir);

/* What a pinned map must be to be used again. */
struct enf_map_layout {
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 flags;
	__u32 max_entries;
};

/**
 * enf_bpffs_map_get() - the map pinned at @path, if it is laid out as @want
 * A map of another layout (an upgrade, another size configured) is
 * unpinned with a warning.
 * Return: an fd, -ENOENT when there is no usable pin, -errno.
 */
int enf_bpffs_map_get(const char *path, const struct enf_map_layout *want);

#endif /* ENFORCER_LOADER_BPFFS_H */
