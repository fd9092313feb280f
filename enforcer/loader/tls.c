// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "tls_capture.skel.h"

#include "enforcer/common/log.h"
#include "enforcer/loader/tls.h"

#if defined(__x86_64__)
#define TLS_MULTIARCH "x86_64-linux-gnu"
#elif defined(__aarch64__)
#define TLS_MULTIARCH "aarch64-linux-gnu"
#else
#define TLS_MULTIARCH "unknown-linux-gnu"
#endif

#define TLS_LIBSSL "libssl.so.3"

/* Where libbpf looks for tracepoint ids: debugfs first if present. */
#define TLS_DEBUGFS_TRACING "/sys/kernel/debug/tracing"
#define TLS_TRACEFS "/sys/kernel/tracing"

static const char *const tls_default_libs[] = {
	"/usr/lib/" TLS_MULTIARCH "/" TLS_LIBSSL,
	"/lib/" TLS_MULTIARCH "/" TLS_LIBSSL,
	"/usr/lib64/" TLS_LIBSSL,
	"/lib64/" TLS_LIBSSL,
	"/usr/lib/" TLS_LIBSSL,
	"/lib/" TLS_LIBSSL,
	"/usr/local/lib/" TLS_MULTIARCH "/" TLS_LIBSSL,
	"/usr/local/lib64/" TLS_LIBSSL,
	"/usr/local/lib/" TLS_LIBSSL,
	NULL,
};

/* The four functions probed in every library, each at entry and return. */
enum tls_func { TLS_READ, TLS_WRITE, TLS_READ_EX, TLS_WRITE_EX, TLS_NFUNCS };

static const char *const tls_func_names[TLS_NFUNCS] = {
	[TLS_READ] = "SSL_read",
	[TLS_WRITE] = "SSL_write",
	[TLS_READ_EX] = "SSL_read_ex",
	[TLS_WRITE_EX] = "SSL_write_ex",
};

#define TLS_NTP 8
#define TLS_MAX_LINKS (ENF_TLS_MAX_LIBS * TLS_NFUNCS * 2 + TLS_NTP)

struct enf_tls {
	struct tls_capture *skel;
	struct bpf_link *links[TLS_MAX_LINKS];
	size_t n_links;
	char libs[ENF_TLS_MAX_LIBS][PATH_MAX];
	size_t n_libs;
	bool raw_tp;
};

int enf_tls_find_libs(const char *const *candidates, char (*out)[PATH_MAX],
		      size_t max, size_t *n)
{
	struct {
		dev_t dev;
		ino_t ino;
	} seen[ENF_TLS_MAX_LIBS];
	size_t found = 0;
	bool more = false;
	struct stat st;
	char *real;

	if (!candidates)
		candidates = tls_default_libs;
	*n = 0;
	for (; *candidates; candidates++) {
		size_t i;

		if (stat(*candidates, &st) || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < found; i++)
			if (seen[i].dev == st.st_dev &&
			    seen[i].ino == st.st_ino)
				break;
		if (i < found)
			continue;
		if (found == max || found == ENF_TLS_MAX_LIBS) {
			more = true;
			continue;
		}
		real = realpath(*candidates, NULL);
		if (!real)
			continue;
		if (strlen(real) >= PATH_MAX) {
			free(real);
			continue;
		}
		strcpy(out[found], real);
		free(real);
		seen[found].dev = st.st_dev;
		seen[found].ino = st.st_ino;
		found++;
	}
	*n = found;
	if (!found)
		return -ENOENT;
	return more ? -E2BIG : 0;
}

/*
 * Make the syscalls:sys_enter_* tracepoints usable: libbpf reads their ids
 * from tracefs, which is not mounted on every system. Returns false when
 * they cannot be had, and the raw tracepoint is used instead.
 */
static bool tls_tracefs_ready(void)
{
	const char *base = access(TLS_DEBUGFS_TRACING, F_OK) == 0 ?
				   TLS_DEBUGFS_TRACING :
				   TLS_TRACEFS;
	char path[128];

	snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_read/id",
		 base);
	if (access(path, R_OK) == 0)
		return true;
	if (strcmp(base, TLS_TRACEFS) != 0 ||
	    access(TLS_TRACEFS "/events", F_OK) == 0) {
		pr_warn("tls: %s has no syscall tracepoints", base);
		return false;
	}
	if (mount("tracefs", TLS_TRACEFS, "tracefs", 0, NULL)) {
		pr_warn("tls: cannot mount tracefs on %s: %s", TLS_TRACEFS,
			strerror(errno));
		return false;
	}
	pr_info("tls: mounted tracefs on %s", TLS_TRACEFS);
	if (access(path, R_OK)) {
		pr_warn("tls: tracefs has no syscall tracepoints");
		return false;
	}
	return true;
}

static struct bpf_program *tls_tracepoints(struct tls_capture *skel, int i)
{
	struct bpf_program *tps[TLS_NTP] = {
		skel->progs.tls_sys_read,     skel->progs.tls_sys_write,
		skel->progs.tls_sys_readv,    skel->progs.tls_sys_writev,
		skel->progs.tls_sys_recvfrom, skel->progs.tls_sys_sendto,
		skel->progs.tls_sys_recvmsg,  skel->progs.tls_sys_sendmsg,
	};

	return tps[i];
}

static int tls_add_link(struct enf_tls *tls, struct bpf_link *link)
{
	if (!link)
		return -errno;
	if (tls->n_links == TLS_MAX_LINKS) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	tls->links[tls->n_links++] = link;
	return 0;
}

static int tls_attach_lib(struct enf_tls *tls, const char *path)
{
	struct bpf_program *enter[TLS_NFUNCS] = {
		[TLS_READ] = tls->skel->progs.tls_read_enter,
		[TLS_WRITE] = tls->skel->progs.tls_write_enter,
		[TLS_READ_EX] = tls->skel->progs.tls_read_ex_enter,
		[TLS_WRITE_EX] = tls->skel->progs.tls_write_ex_enter,
	};
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	int err;

	for (int f = 0; f < TLS_NFUNCS; f++) {
		uo.func_name = tls_func_names[f];
		uo.retprobe = false;
		err = tls_add_link(tls, bpf_program__attach_uprobe_opts(
						enter[f], -1, path, 0, &uo));
		if (!err) {
			uo.retprobe = true;
			err = tls_add_link(tls,
					   bpf_program__attach_uprobe_opts(
						   tls->skel->progs.tls_ret, -1,
						   path, 0, &uo));
		}
		if (err == -ENOENT) {
			pr_err("tls: %s: symbol %s not found", path,
			       tls_func_names[f]);
			return err;
		}
		if (err) {
			pr_err("tls: %s: cannot attach uprobe on %s: %s", path,
			       tls_func_names[f], strerror(-err));
			return err;
		}
	}
	return 0;
}

static int tls_attach_fd_tracking(struct enf_tls *tls)
{
	int err;

	if (tls->raw_tp) {
		err = tls_add_link(
			tls,
			bpf_program__attach(tls->skel->progs.tls_sys_enter));
		if (err)
			pr_err("tls: cannot attach raw tracepoint sys_enter: %s",
			       strerror(-err));
		return err;
	}
	for (int i = 0; i < TLS_NTP; i++) {
		struct bpf_program *prog = tls_tracepoints(tls->skel, i);

		err = tls_add_link(tls, bpf_program__attach(prog));
		if (err) {
			pr_err("tls: cannot attach tracepoint %s: %s",
			       bpf_program__section_name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Copy the configured paths, each of which must exist. */
static int tls_config_libs(struct enf_tls *tls, const char *const *paths)
{
	const char *one[2] = { NULL, NULL };
	int err;

	for (; *paths; paths++) {
		size_t n;

		if (tls->n_libs == ENF_TLS_MAX_LIBS) {
			pr_err("tls: more than %d libssl paths configured",
			       ENF_TLS_MAX_LIBS);
			return -E2BIG;
		}
		one[0] = *paths;
		err = enf_tls_find_libs(one, &tls->libs[tls->n_libs], 1, &n);
		if (err) {
			pr_err("tls: TLS library %s not found", *paths);
			return err;
		}
		/* the same file named twice is attached once */
		for (size_t i = 0; i < tls->n_libs; i++) {
			if (!strcmp(tls->libs[i], tls->libs[tls->n_libs])) {
				n = 0;
				break;
			}
		}
		tls->n_libs += n;
	}
	return 0;
}

int enf_tls_open(const struct enf_tls_opts *opts, struct enf_tls **out)
{
	static const struct enf_tls_opts no_opts;
	struct enf_tls *tls;
	int err;

	if (!opts)
		opts = &no_opts;
	tls = calloc(1, sizeof(*tls));
	if (!tls)
		return -ENOMEM;

	if (opts->lib_paths && opts->lib_paths[0]) {
		err = tls_config_libs(tls, opts->lib_paths);
		if (err)
			goto out_free;
	} else {
		err = enf_tls_find_libs(NULL, tls->libs, ENF_TLS_MAX_LIBS,
					&tls->n_libs);
		if (err == -ENOENT) {
			pr_err("tls: %s not found in the standard library directories",
			       TLS_LIBSSL);
			goto out_free;
		}
		if (err == -E2BIG)
			pr_warn("tls: more than %d copies of %s, probing the first ones",
				ENF_TLS_MAX_LIBS, TLS_LIBSSL);
	}

	tls->skel = tls_capture__open();
	if (!tls->skel) {
		err = -errno;
		pr_err("tls: cannot open the BPF object: %s", strerror(-err));
		goto out_free;
	}
	tls->raw_tp = opts->force_raw_tp || !tls_tracefs_ready();
	bpf_program__set_autoload(tls->skel->progs.tls_sys_enter, tls->raw_tp);
	for (int i = 0; i < TLS_NTP; i++)
		bpf_program__set_autoload(tls_tracepoints(tls->skel, i),
					  !tls->raw_tp);

	err = tls_capture__load(tls->skel);
	if (err) {
		pr_err("tls: cannot load the BPF programs: %s", strerror(-err));
		goto out_destroy;
	}

	err = tls_attach_fd_tracking(tls);
	if (err)
		goto out_destroy;
	for (size_t i = 0; i < tls->n_libs; i++) {
		err = tls_attach_lib(tls, tls->libs[i]);
		if (err)
			goto out_destroy;
		pr_info("tls: probing %s", tls->libs[i]);
	}

	*out = tls;
	return 0;

out_destroy:
	enf_tls_close(tls);
	return err;
out_free:
	free(tls);
	return err;
}

void enf_tls_close(struct enf_tls *tls)
{
	if (!tls)
		return;
	for (size_t i = tls->n_links; i > 0; i--)
		bpf_link__destroy(tls->links[i - 1]);
	tls_capture__destroy(tls->skel);
	free(tls);
}

int enf_tls_events_fd(const struct enf_tls *tls)
{
	return bpf_map__fd(tls->skel->maps.tls_events);
}

int enf_tls_stats_read(const struct enf_tls *tls, __u64 stats[ENF_TLS_STAT_MAX])
{
	int fd = bpf_map__fd(tls->skel->maps.tls_stats);

	for (__u32 i = 0; i < ENF_TLS_STAT_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, &stats[i]))
			return -errno;
	}
	return 0;
}

size_t enf_tls_lib_count(const struct enf_tls *tls)
{
	return tls->n_libs;
}

const char *enf_tls_lib_path(const struct enf_tls *tls, size_t i)
{
	return i < tls->n_libs ? tls->libs[i] : NULL;
}

bool enf_tls_uses_raw_tp(const struct enf_tls *tls)
{
	return tls->raw_tp;
}
