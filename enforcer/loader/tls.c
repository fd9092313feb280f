// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static const char *const tls_lib_names[ENF_TLS_LIB_MAX] = ENF_TLS_LIB_NAMES;

/* Libraries whose programs are the same: one object loaded per family. */
enum tls_family {
	TLS_FAM_OPENSSL, /* OpenSSL and BoringSSL */
	TLS_FAM_GNUTLS,
	TLS_FAM_NSS,
	TLS_FAM_WOLFSSL,
	TLS_FAM_MAX,
};

/*
 * The functions probed: the enum enf_tls_fn slots, then one the ABI has
 * no slot for, always attached by name (NSPR's PR_Writev).
 */
#define TLS_FN_EXTRA ENF_TLS_FN_MAX
#define TLS_NFN (ENF_TLS_FN_MAX + 1)

/* The functions each library exports, by slot. */
static const char *const tls_fn_names[ENF_TLS_LIB_MAX][TLS_NFN] = {
	[ENF_TLS_LIB_OPENSSL] = { "SSL_read", "SSL_write", "SSL_read_ex",
				  "SSL_write_ex" },
	[ENF_TLS_LIB_BORINGSSL] = { "SSL_read", "SSL_write", "SSL_read_ex",
				    "SSL_write_ex" },
	[ENF_TLS_LIB_GNUTLS] = { "gnutls_record_recv", "gnutls_record_send" },
	[ENF_TLS_LIB_NSS] = { "PR_Read", "PR_Write", "PR_Recv", "PR_Send",
			      "PR_Writev" },
	[ENF_TLS_LIB_WOLFSSL] = { "wolfSSL_read", "wolfSSL_write" },
};

#define TLS_NTP 8
/* sys_exit tracepoints, for writes probed at entry alone */
#define TLS_NTP_EXIT 4

/* One enf_tls_attach(): its probes, entry and return per function. */
struct tls_attachment {
	struct tls_attachment *next;
	__u32 id;
	enum enf_tls_lib lib;
	int pid;
	dev_t dev;
	ino_t ino;
	__u64 nss_ino; /* inode put in tls_nss_files, 0 when none */
	unsigned int funcs;
	struct bpf_link *links[TLS_NFN][2];
	char *path;
};

/* An inode in tls_nss_files and the attachments that need it. */
struct tls_nss_ref {
	struct tls_nss_ref *next;
	__u64 ino;
	unsigned int users;
};

struct enf_tls {
	struct tls_capture *skel; /* maps and the always-on programs */
	struct bpf_link *links[TLS_NTP + TLS_NTP_EXIT + 4];
	size_t n_links;
	enum enf_tls_track track; /* in use: SOCK, RAW or SYSCALL */
	bool sock_ops;
	bool write_entry; /* enf_tls_opts.write_entry_only */
	/* per family: its programs on the maps of @skel, loaded on demand */
	struct tls_capture *fam[TLS_FAM_MAX];
	int fam_err[TLS_FAM_MAX];
	struct tls_attachment *atts; /* newest first */
	size_t n_atts;
	__u32 next_id;
	struct tls_nss_ref *nss;
	struct enf_tls_wake *wake; /* tls_wake, mmapped; NULL if it failed */
	size_t wake_len;
};

static void tls_map_wake(struct enf_tls *tls);

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

/* The library's name, for messages. */
static const char *tls_lib_name(enum enf_tls_lib lib)
{
	return (unsigned int)lib < ENF_TLS_LIB_MAX ? tls_lib_names[lib] :
						     tls_lib_names[0];
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

static struct bpf_program *tls_tracepoint(struct tls_capture *skel, int i)
{
	struct bpf_program *tps[TLS_NTP] = {
		skel->progs.tls_sys_read,     skel->progs.tls_sys_write,
		skel->progs.tls_sys_readv,    skel->progs.tls_sys_writev,
		skel->progs.tls_sys_recvfrom, skel->progs.tls_sys_sendto,
		skel->progs.tls_sys_recvmsg,  skel->progs.tls_sys_sendmsg,
	};

	return tps[i];
}

static struct bpf_program *tls_exit_tracepoint(struct tls_capture *skel, int i)
{
	struct bpf_program *tps[TLS_NTP_EXIT] = {
		skel->progs.tls_sys_exit_write,
		skel->progs.tls_sys_exit_writev,
		skel->progs.tls_sys_exit_sendto,
		skel->progs.tls_sys_exit_sendmsg,
	};

	return tps[i];
}

static enum tls_family tls_lib_family(enum enf_tls_lib lib)
{
	switch (lib) {
	case ENF_TLS_LIB_GNUTLS:
		return TLS_FAM_GNUTLS;
	case ENF_TLS_LIB_NSS:
		return TLS_FAM_NSS;
	case ENF_TLS_LIB_WOLFSSL:
		return TLS_FAM_WOLFSSL;
	default:
		return TLS_FAM_OPENSSL;
	}
}

/*
 * The entry program of function @fn (a slot or TLS_FN_EXTRA) and the
 * return program of family @fam in @skel; the entry is NULL for a
 * function the family does not have.
 */
static struct bpf_program *tls_fam_prog(struct tls_capture *skel,
					enum tls_family fam, int fn, bool ret)
{
	struct bpf_program *p[TLS_FAM_MAX][TLS_NFN + 1] = {
		[TLS_FAM_OPENSSL] = { skel->progs.tls_openssl_read,
				      skel->progs.tls_openssl_write,
				      skel->progs.tls_openssl_read_ex,
				      skel->progs.tls_openssl_write_ex, NULL,
				      skel->progs.tls_openssl_ret },
		[TLS_FAM_GNUTLS] = { skel->progs.tls_gnutls_recv,
				     skel->progs.tls_gnutls_send, NULL, NULL,
				     NULL, skel->progs.tls_gnutls_ret },
		[TLS_FAM_NSS] = { skel->progs.tls_nss_read,
				  skel->progs.tls_nss_write,
				  skel->progs.tls_nss_recv,
				  skel->progs.tls_nss_send,
				  skel->progs.tls_nss_writev,
				  skel->progs.tls_nss_ret },
		[TLS_FAM_WOLFSSL] = { skel->progs.tls_wolfssl_read,
				      skel->progs.tls_wolfssl_write, NULL, NULL,
				      NULL, skel->progs.tls_wolfssl_ret },
	};

	return p[fam][ret ? TLS_NFN : fn];
}

/*
 * The program that probes function @fn of family @fam at entry alone
 * (enf_tls_opts.write_entry_only), NULL when it keeps entry and return.
 */
static struct bpf_program *tls_fam_entry_only(struct tls_capture *skel,
					      enum tls_family fam, int fn)
{
	if (fam == TLS_FAM_OPENSSL && fn == ENF_TLS_FN_WRITE)
		return skel->progs.tls_openssl_write_e;
	if (fam == TLS_FAM_OPENSSL && fn == ENF_TLS_FN_WRITE2)
		return skel->progs.tls_openssl_write_ex_e;
	if (fam == TLS_FAM_WOLFSSL && fn == ENF_TLS_FN_WRITE)
		return skel->progs.tls_wolfssl_write_e;
	return NULL;
}

/*
 * Whether @prog is one of family @fam's programs, counting the entry-only
 * ones when @entry_only.
 */
static bool tls_prog_in_family(struct tls_capture *skel,
			       const struct bpf_program *prog,
			       enum tls_family fam, bool entry_only)
{
	for (int fn = 0; fn <= TLS_NFN; fn++) {
		if (tls_fam_prog(skel, fam, fn, fn == TLS_NFN) == prog)
			return true;
		if (entry_only && fn < TLS_NFN &&
		    tls_fam_entry_only(skel, fam, fn) == prog)
			return true;
	}
	return false;
}

static bool tls_prog_is_uprobe(struct tls_capture *skel,
			       const struct bpf_program *prog)
{
	for (int f = 0; f < TLS_FAM_MAX; f++)
		if (tls_prog_in_family(skel, prog, f, true))
			return true;
	return false;
}

static int tls_add_link(struct enf_tls *tls, struct bpf_link *link)
{
	if (!link)
		return -errno;
	if (tls->n_links == sizeof(tls->links) / sizeof(tls->links[0])) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	tls->links[tls->n_links++] = link;
	return 0;
}

static int tls_attach_fd_tracking(struct enf_tls *tls)
{
	int err;

	if (tls->track == ENF_TLS_TRACK_SOCK) {
		err = tls_add_link(
			tls,
			bpf_program__attach(tls->skel->progs.tls_sock_send));
		if (!err)
			err = tls_add_link(
				tls, bpf_program__attach(
					     tls->skel->progs.tls_sock_recv));
		if (err)
			pr_err("tls: cannot attach tracepoint sock_send_length/sock_recv_length: %s",
			       strerror(-err));
		return err;
	}
	if (tls->track == ENF_TLS_TRACK_RAW) {
		err = tls_add_link(
			tls,
			bpf_program__attach(tls->skel->progs.tls_sys_enter));
		if (!err && tls->write_entry)
			err = tls_add_link(
				tls, bpf_program__attach(
					     tls->skel->progs.tls_sys_exit));
		if (err)
			pr_err("tls: cannot attach raw tracepoint sys_enter/exit: %s",
			       strerror(-err));
		return err;
	}
	for (int i = 0; i < TLS_NTP + TLS_NTP_EXIT; i++) {
		struct bpf_program *prog;

		if (i >= TLS_NTP && !tls->write_entry)
			break;
		prog = i < TLS_NTP ?
			       tls_tracepoint(tls->skel, i) :
			       tls_exit_tracepoint(tls->skel, i - TLS_NTP);
		err = tls_add_link(tls, bpf_program__attach(prog));
		if (err) {
			pr_err("tls: cannot attach tracepoint %s: %s",
			       bpf_program__section_name(prog), strerror(-err));
			return err;
		}
	}
	return 0;
}

/* Where the cgroup v2 hierarchy's root is mounted; -ENOENT when nowhere. */
static int tls_cgroup2_root(char *buf, size_t len)
{
	char line[4096], root[1024], mnt[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		if (!sep || strncmp(sep, " - cgroup2 ", 11))
			continue;
		if (sscanf(line, "%*d %*d %*s %1023s %1023s", root, mnt) != 2)
			continue;
		if (strcmp(root, "/") || strlen(mnt) >= len)
			continue;
		strcpy(buf, mnt);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/*
 * The sock_ops program on the root cgroup v2: without it only sockets
 * whose cookie something else asked for have one, so its absence costs
 * cookies, not the capture.
 */
static void tls_attach_sock_ops(struct enf_tls *tls)
{
	char root[1024];
	int fd, err;

	err = tls_cgroup2_root(root, sizeof(root));
	if (err) {
		pr_warn("tls: no cgroup v2 hierarchy (%s): new connections get no socket cookie",
			strerror(-err));
		return;
	}
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		pr_warn("tls: cannot open %s: %s: new connections get no socket cookie",
			root, strerror(errno));
		return;
	}
	err = tls_add_link(tls, bpf_program__attach_cgroup(
					tls->skel->progs.tls_sock_ops, fd));
	close(fd);
	if (err) {
		pr_warn("tls: cannot attach sock_ops to %s: %s: new connections get no socket cookie",
			root, strerror(-err));
		return;
	}
	tls->sock_ops = true;
}

static bool is_pow2(__u32 v)
{
	return v && !(v & (v - 1));
}

static int tls_check_opts(const struct enf_tls_opts *o)
{
	if (o->call_cap && (o->call_cap < ENF_TLS_CALL_CAP_MIN ||
			    o->call_cap > ENF_TLS_CALL_CAP_MAX)) {
		pr_err("tls: call cap %u out of %u..%u", o->call_cap,
		       ENF_TLS_CALL_CAP_MIN, ENF_TLS_CALL_CAP_MAX);
		return -EINVAL;
	}
	if (o->ringbuf_bytes && (!is_pow2(o->ringbuf_bytes) ||
				 o->ringbuf_bytes < ENF_TLS_RINGBUF_MIN ||
				 o->ringbuf_bytes > ENF_TLS_RINGBUF_MAX)) {
		pr_err("tls: ring buffer size %u is not a power of two in %u..%u",
		       o->ringbuf_bytes, ENF_TLS_RINGBUF_MIN,
		       ENF_TLS_RINGBUF_MAX);
		return -EINVAL;
	}
	if (o->n_ports > ENF_TLS_FILTER_MAX ||
	    o->n_cgroups > ENF_TLS_FILTER_MAX ||
	    o->n_comms > ENF_TLS_FILTER_MAX) {
		pr_err("tls: more than %d entries in a capture filter",
		       ENF_TLS_FILTER_MAX);
		return -E2BIG;
	}
	if (o->track < ENF_TLS_TRACK_AUTO || o->track > ENF_TLS_TRACK_SYSCALL) {
		pr_err("tls: unknown socket tracking %d", (int)o->track);
		return -EINVAL;
	}
	if ((o->n_ports && !o->ports) || (o->n_cgroups && !o->cgroups) ||
	    (o->n_comms && !o->comms))
		return -EINVAL;
	for (size_t i = 0; i < o->n_comms; i++) {
		if (!o->comms[i] || !o->comms[i][0] ||
		    strlen(o->comms[i]) >= ENF_COMM_LEN) {
			pr_err("tls: comm filter '%s' is empty or longer than %d characters",
			       o->comms[i] ? o->comms[i] : "",
			       ENF_COMM_LEN - 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* tls_config and the filter maps, from @o. */
static int tls_fill_config(struct enf_tls *tls, const struct enf_tls_opts *o)
{
	struct enf_tls_config cfg = {
		.call_cap = o->call_cap ? o->call_cap :
					  ENF_TLS_CALL_CAP_DEFAULT,
	};
	struct tls_capture *skel = tls->skel;
	__u32 zero = 0;
	__u8 one = 1;

	for (size_t i = 0; i < o->n_ports; i++)
		if (bpf_map__update_elem(skel->maps.tls_filter_ports,
					 &o->ports[i], sizeof(o->ports[i]),
					 &one, sizeof(one), BPF_ANY))
			return -errno;
	for (size_t i = 0; i < o->n_cgroups; i++)
		if (bpf_map__update_elem(skel->maps.tls_filter_cgroups,
					 &o->cgroups[i], sizeof(o->cgroups[i]),
					 &one, sizeof(one), BPF_ANY))
			return -errno;
	for (size_t i = 0; i < o->n_comms; i++) {
		char comm[ENF_COMM_LEN] = { 0 };

		memcpy(comm, o->comms[i], strlen(o->comms[i]));
		if (bpf_map__update_elem(skel->maps.tls_filter_comms, comm,
					 sizeof(comm), &one, sizeof(one),
					 BPF_ANY))
			return -errno;
	}
	if (o->n_ports)
		cfg.filters |= ENF_TLS_FILTER_PORTS;
	if (o->n_cgroups)
		cfg.filters |= ENF_TLS_FILTER_CGROUPS;
	if (o->n_comms)
		cfg.filters |= ENF_TLS_FILTER_COMMS;
	if (o->write_entry_only)
		cfg.flags |= ENF_TLS_CFG_WRITE_ENTRY;
	if (bpf_map__update_elem(skel->maps.tls_config, &zero, sizeof(zero),
				 &cfg, sizeof(cfg), BPF_ANY))
		return -errno;
	return 0;
}

/* Whether the kernel has the socket layer's send and receive tracepoints. */
static bool tls_sock_tracepoints(void)
{
	return libbpf_find_vmlinux_btf_id("sock_send_length",
					  BPF_TRACE_RAW_TP) > 0 &&
	       libbpf_find_vmlinux_btf_id("sock_recv_length",
					  BPF_TRACE_RAW_TP) > 0;
}

/*
 * The socket tracking @want asks for, or what stands in for it: the raw
 * syscall tracepoints where the kernel has no socket tracepoints (before
 * 6.3), or tracefs cannot be had (tracefs is looked for, and mounted, only
 * when asked for).
 */
static enum enf_tls_track tls_choose_track(enum enf_tls_track want)
{
	switch (want) {
	case ENF_TLS_TRACK_AUTO:
	case ENF_TLS_TRACK_SOCK:
		if (tls_sock_tracepoints())
			return ENF_TLS_TRACK_SOCK;
		pr_info("tls: the kernel has no sock_send_length/sock_recv_length tracepoints: sockets tracked by the raw syscall tracepoints");
		return ENF_TLS_TRACK_RAW;
	case ENF_TLS_TRACK_SYSCALL:
		return tls_tracefs_ready() ? ENF_TLS_TRACK_SYSCALL :
					     ENF_TLS_TRACK_RAW;
	default:
		return ENF_TLS_TRACK_RAW;
	}
}

int enf_tls_open(const struct enf_tls_opts *opts, struct enf_tls **out)
{
	static const struct enf_tls_opts no_opts;
	struct bpf_program *prog;
	struct enf_tls *tls;
	int err;

	if (!opts)
		opts = &no_opts;
	err = tls_check_opts(opts);
	if (err)
		return err;
	tls = calloc(1, sizeof(*tls));
	if (!tls)
		return -ENOMEM;
	tls->next_id = 1;
	tls->write_entry = opts->write_entry_only;

	tls->skel = tls_capture__open();
	if (!tls->skel) {
		err = -errno;
		pr_err("tls: cannot open the BPF object: %s", strerror(-err));
		goto out_free;
	}
	tls->track = tls_choose_track(opts->track);
	bpf_object__for_each_program(prog, tls->skel->obj) {
		if (tls_prog_is_uprobe(tls->skel, prog))
			bpf_program__set_autoload(prog, false);
	}
	bpf_program__set_autoload(tls->skel->progs.tls_sock_send,
				  tls->track == ENF_TLS_TRACK_SOCK);
	bpf_program__set_autoload(tls->skel->progs.tls_sock_recv,
				  tls->track == ENF_TLS_TRACK_SOCK);
	bpf_program__set_autoload(tls->skel->progs.tls_sys_enter,
				  tls->track == ENF_TLS_TRACK_RAW);
	bpf_program__set_autoload(tls->skel->progs.tls_sys_exit,
				  tls->track == ENF_TLS_TRACK_RAW &&
					  tls->write_entry);
	for (int i = 0; i < TLS_NTP; i++)
		bpf_program__set_autoload(tls_tracepoint(tls->skel, i),
					  tls->track == ENF_TLS_TRACK_SYSCALL);
	for (int i = 0; i < TLS_NTP_EXIT; i++)
		bpf_program__set_autoload(tls_exit_tracepoint(tls->skel, i),
					  tls->track == ENF_TLS_TRACK_SYSCALL &&
						  tls->write_entry);
	err = bpf_map__set_max_entries(tls->skel->maps.tls_events,
				       opts->ringbuf_bytes ?
					       opts->ringbuf_bytes :
					       ENF_TLS_RINGBUF_DEFAULT);
	if (err)
		goto out_close;

	err = tls_capture__load(tls->skel);
	if (err) {
		pr_err("tls: cannot load the BPF programs: %s", strerror(-err));
		goto out_close;
	}
	err = tls_fill_config(tls, opts);
	if (err) {
		pr_err("tls: cannot fill the configuration maps: %s",
		       strerror(-err));
		goto out_close;
	}
	err = tls_attach_fd_tracking(tls);
	if (err)
		goto out_close;
	err = tls_add_link(tls,
			   bpf_program__attach(tls->skel->progs.tls_proc_exec));
	if (!err)
		err = tls_add_link(
			tls,
			bpf_program__attach(tls->skel->progs.tls_proc_exit));
	if (err) {
		pr_err("tls: cannot attach the exec/exit tracepoints: %s",
		       strerror(-err));
		goto out_close;
	}
	tls_attach_sock_ops(tls);
	tls_map_wake(tls);

	*out = tls;
	return 0;

out_close:
	enf_tls_close(tls);
	return err;
out_free:
	free(tls);
	return err;
}

/*
 * Map tls_wake into the consumer's memory. Without it the consumer is
 * woken by the ring's own rule, as before the map existed: slower, not
 * wrong, so a failure is only logged.
 */
static void tls_map_wake(struct enf_tls *tls)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	tls->wake_len = page > 0 ? (size_t)page : 4096;
	p = mmap(NULL, tls->wake_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 bpf_map__fd(tls->skel->maps.tls_wake), 0);
	if (p == MAP_FAILED) {
		pr_warn("tls: cannot map tls_wake (%s): every record may wake "
			"the consumer",
			strerror(errno));
		return;
	}
	tls->wake = p;
}

/*
 * Load the programs of family @fam, nothing else, on the maps of the main
 * object. A failure is remembered: the family's next attachments fail the
 * same way without another trip through the verifier.
 */
static int tls_family_load(struct enf_tls *tls, enum tls_family fam)
{
	struct tls_capture *skel;
	struct bpf_program *prog;
	struct bpf_map *map;
	int err;

	if (tls->fam[fam])
		return 0;
	if (tls->fam_err[fam])
		return tls->fam_err[fam];
	skel = tls_capture__open();
	if (!skel) {
		err = -errno;
		goto out_err;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		bpf_program__set_autoload(prog,
					  tls_prog_in_family(skel, prog, fam,
							     tls->write_entry));
	}
	bpf_object__for_each_map(map, skel->obj) {
		const struct bpf_map *base = bpf_object__find_map_by_name(
			tls->skel->obj, bpf_map__name(map));

		err = base ? bpf_map__reuse_fd(map, bpf_map__fd(base)) :
			     -ENOENT;
		if (err)
			goto out_destroy;
	}
	err = tls_capture__load(skel);
	if (err)
		goto out_destroy;
	tls->fam[fam] = skel;
	return 0;

out_destroy:
	tls_capture__destroy(skel);
out_err:
	tls->fam_err[fam] = err;
	return err;
}

static struct tls_nss_ref *tls_nss_find(struct enf_tls *tls, __u64 ino)
{
	struct tls_nss_ref *r;

	for (r = tls->nss; r; r = r->next)
		if (r->ino == ino)
			return r;
	return NULL;
}

/* Put @ino in tls_nss_files, or count one more user of it. */
static int tls_nss_get(struct enf_tls *tls, __u64 ino)
{
	struct tls_nss_ref *r = tls_nss_find(tls, ino);
	__u8 one = 1;

	if (r) {
		r->users++;
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (bpf_map__update_elem(tls->skel->maps.tls_nss_files, &ino,
				 sizeof(ino), &one, sizeof(one), BPF_ANY)) {
		int err = -errno;

		free(r);
		return err == -E2BIG ? -ENOSPC : err;
	}
	r->ino = ino;
	r->users = 1;
	r->next = tls->nss;
	tls->nss = r;
	return 0;
}

static void tls_nss_put(struct enf_tls *tls, __u64 ino)
{
	struct tls_nss_ref **pp, *r;

	for (pp = &tls->nss; (r = *pp); pp = &r->next) {
		if (r->ino != ino)
			continue;
		if (--r->users)
			return;
		bpf_map__delete_elem(tls->skel->maps.tls_nss_files, &ino,
				     sizeof(ino), 0);
		*pp = r->next;
		free(r);
		return;
	}
}

static void tls_attachment_free(struct enf_tls *tls, struct tls_attachment *a)
{
	if (!a)
		return;
	for (int f = 0; f < TLS_NFN; f++) {
		bpf_link__destroy(a->links[f][0]);
		bpf_link__destroy(a->links[f][1]);
	}
	if (a->nss_ino)
		tls_nss_put(tls, a->nss_ino);
	free(a->path);
	free(a);
}

static int tls_check_target(const struct enf_tls_target *t)
{
	if (!t || !t->path || t->lib <= ENF_TLS_LIB_UNKNOWN ||
	    t->lib >= ENF_TLS_LIB_MAX || t->pid < -1 || t->pid == 0)
		return -EINVAL;
	if (t->lib == ENF_TLS_LIB_NSS && !t->nss_ssl_path)
		return -EINVAL;
	if ((unsigned int)t->layout >= ENF_TLS_LAYOUT_MAX ||
	    (t->layout == ENF_TLS_LAYOUT_OSSL30 &&
	     t->lib != ENF_TLS_LIB_OPENSSL))
		return -EINVAL;
	return 0;
}

static struct tls_attachment *tls_find_same(struct enf_tls *tls,
					    const struct enf_tls_target *t,
					    const struct stat *st)
{
	struct tls_attachment *a;

	for (a = tls->atts; a; a = a->next)
		if (a->dev == st->st_dev && a->ino == st->st_ino &&
		    a->pid == t->pid && a->lib == t->lib)
			return a;
	return NULL;
}

/*
 * Attach function @fn of @t: the entry program, then the return program.
 * The cookie carries the library (OpenSSL and BoringSSL share programs)
 * and its session layout.
 * TLS_FN_EXTRA is always found by name. Returns 0, 1 when by name and the
 * file has no such function, or a negative errno.
 */
static int tls_attach_fn(struct enf_tls *tls, const struct enf_tls_target *t,
			 struct tls_attachment *a, int fn, bool by_name)
{
	enum tls_family fam = tls_lib_family(t->lib);
	struct tls_capture *skel = tls->fam[fam];
	const char *name = tls_fn_names[t->lib][fn];
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	struct bpf_program *enter;
	size_t off = 0;
	int err;

	enter = tls_fam_prog(skel, fam, fn, false);
	if (!enter || !name)
		return 1;
	if (fn == TLS_FN_EXTRA)
		by_name = true;
	if (by_name) {
		uo.func_name = name;
	} else {
		if (!t->offsets[fn])
			return 1;
		off = t->offsets[fn];
	}
	uo.bpf_cookie = t->lib | (__u64)fn << 8 | (__u64)t->layout << 16;
	uo.retprobe = false;
	if (tls->write_entry && fn < TLS_FN_EXTRA &&
	    tls_fam_entry_only(skel, fam, fn)) {
		/* one probe: no return program */
		a->links[fn][0] = bpf_program__attach_uprobe_opts(
			tls_fam_entry_only(skel, fam, fn), t->pid, t->path, off,
			&uo);
		if (!a->links[fn][0]) {
			err = -errno;
			return by_name && err == -ENOENT ? 1 : err;
		}
		a->funcs |= 1u << fn;
		return 0;
	}
	a->links[fn][0] = bpf_program__attach_uprobe_opts(enter, t->pid,
							  t->path, off, &uo);
	if (!a->links[fn][0]) {
		err = -errno;
		return by_name && err == -ENOENT ? 1 : err;
	}
	uo.retprobe = true;
	a->links[fn][1] = bpf_program__attach_uprobe_opts(
		tls_fam_prog(skel, fam, fn, true), t->pid, t->path, off, &uo);
	if (!a->links[fn][1]) {
		err = -errno;
		bpf_link__destroy(a->links[fn][0]);
		a->links[fn][0] = NULL;
		return err;
	}
	a->funcs |= 1u << fn;
	return 0;
}

int enf_tls_attach(struct enf_tls *tls, const struct enf_tls_target *t,
		   __u32 *id)
{
	struct tls_attachment *a, *same;
	bool by_name = false;
	struct stat st;
	int err;

	err = tls_check_target(t);
	if (err)
		return err;
	if (stat(t->path, &st)) {
		err = -errno;
		pr_err("tls: TLS library %s not found: %s", t->path,
		       strerror(-err));
		return err;
	}
	same = tls_find_same(tls, t, &st);
	if (same) {
		*id = same->id;
		return -EEXIST;
	}
	if (tls->n_atts >= ENF_TLS_MAX_ATTACH) {
		pr_err("tls: %s: more than %d attachments", t->path,
		       ENF_TLS_MAX_ATTACH);
		return -ENOSPC;
	}
	if (t->by_name) {
		by_name = true;
		for (int f = 0; f < ENF_TLS_FN_MAX; f++)
			if (t->offsets[f])
				by_name = false;
	}
	err = tls_family_load(tls, tls_lib_family(t->lib));
	if (err) {
		pr_err("tls: cannot load the %s programs: %s",
		       tls_lib_name(t->lib), strerror(-err));
		return err;
	}

	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->lib = t->lib;
	a->pid = t->pid;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	a->path = strdup(t->path);
	if (!a->path) {
		err = -ENOMEM;
		goto out_free;
	}
	if (t->lib == ENF_TLS_LIB_NSS) {
		struct stat ss;

		if (stat(t->nss_ssl_path, &ss)) {
			err = -errno;
			pr_err("tls: NSS library %s not found: %s",
			       t->nss_ssl_path, strerror(-err));
			goto out_free;
		}
		err = tls_nss_get(tls, ss.st_ino);
		if (err)
			goto out_free;
		a->nss_ino = ss.st_ino;
	}
	for (int f = 0; f < TLS_NFN; f++) {
		/* the extra function comes with the slots, never alone */
		if (f == TLS_FN_EXTRA && !a->funcs)
			break;
		err = tls_attach_fn(tls, t, a, f, by_name);
		if (err < 0) {
			pr_err("tls: %s: cannot attach uprobes on %s: %s",
			       t->path, tls_fn_names[t->lib][f],
			       strerror(-err));
			goto out_free;
		}
	}
	if (!a->funcs) {
		char names[128] = "";

		for (int f = 0; f < ENF_TLS_FN_MAX; f++) {
			const char *n = tls_fn_names[t->lib][f];

			if (n)
				snprintf(names + strlen(names),
					 sizeof(names) - strlen(names), "%s%s",
					 names[0] ? ", " : "", n);
		}
		err = -ENOENT;
		pr_err("tls: %s: none of the %s functions (%s) %s", t->path,
		       tls_lib_name(t->lib), names,
		       by_name ? "found" : "given");
		goto out_free;
	}
	a->id = tls->next_id++;
	if (!tls->next_id)
		tls->next_id = 1;
	a->next = tls->atts;
	tls->atts = a;
	tls->n_atts++;
	*id = a->id;
	pr_info("tls: probing %s (%s, %s)", a->path, tls_lib_name(a->lib),
		a->pid < 0 ? "every process" : "one process");
	return 0;

out_free:
	tls_attachment_free(tls, a);
	return err;
}

int enf_tls_detach(struct enf_tls *tls, __u32 id)
{
	struct tls_attachment **pp, *a;

	for (pp = &tls->atts; (a = *pp); pp = &a->next) {
		if (a->id != id)
			continue;
		*pp = a->next;
		tls->n_atts--;
		tls_attachment_free(tls, a);
		return 0;
	}
	return -ENOENT;
}

/* Attachment @i in attach order (the list is newest first). */
static const struct tls_attachment *tls_att_at(const struct enf_tls *tls,
					       size_t i)
{
	const struct tls_attachment *a = tls->atts;

	if (i >= tls->n_atts)
		return NULL;
	for (size_t k = tls->n_atts - 1 - i; k > 0; k--)
		a = a->next;
	return a;
}

size_t enf_tls_attach_count(const struct enf_tls *tls)
{
	return tls->n_atts;
}

int enf_tls_attach_info(const struct enf_tls *tls, size_t i,
			struct enf_tls_attach_info *out)
{
	const struct tls_attachment *a = tls_att_at(tls, i);

	if (!a)
		return -ENOENT;
	out->id = a->id;
	out->lib = a->lib;
	out->pid = a->pid;
	out->funcs = a->funcs;
	out->path = a->path;
	return 0;
}

void enf_tls_close(struct enf_tls *tls)
{
	struct tls_nss_ref *r;

	if (!tls)
		return;
	while (tls->atts) {
		struct tls_attachment *a = tls->atts;

		tls->atts = a->next;
		tls_attachment_free(tls, a);
	}
	while ((r = tls->nss)) {
		tls->nss = r->next;
		free(r);
	}
	for (size_t i = tls->n_links; i > 0; i--)
		bpf_link__destroy(tls->links[i - 1]);
	for (int f = 0; f < TLS_FAM_MAX; f++)
		tls_capture__destroy(tls->fam[f]);
	if (tls->wake)
		munmap(tls->wake, tls->wake_len);
	tls_capture__destroy(tls->skel);
	free(tls);
}

struct enf_tls_wake *enf_tls_wake(const struct enf_tls *tls)
{
	return tls->wake;
}

int enf_tls_events_fd(const struct enf_tls *tls)
{
	return bpf_map__fd(tls->skel->maps.tls_events);
}

int enf_tls_proc_events_fd(const struct enf_tls *tls)
{
	return bpf_map__fd(tls->skel->maps.proc_events);
}

int enf_tls_stats_percpu(const struct enf_tls *tls, enum enf_tls_stat s,
			 __u64 *per_cpu, size_t ncpu)
{
	int n = libbpf_num_possible_cpus();
	__u32 key = s;

	if ((unsigned int)s >= ENF_TLS_STAT_MAX)
		return -EINVAL;
	if (n < 0)
		return n;
	if (ncpu < (size_t)n)
		return -ERANGE;
	/* the values of a per-CPU map: 8 bytes (rounded up) per CPU */
	if (bpf_map_lookup_elem(bpf_map__fd(tls->skel->maps.tls_stats), &key,
				per_cpu))
		return -errno;
	return 0;
}

int enf_tls_stats_read(const struct enf_tls *tls, __u64 stats[ENF_TLS_STAT_MAX])
{
	int n = libbpf_num_possible_cpus(), err = 0;
	__u64 *v;

	if (n < 0)
		return n;
	v = calloc(n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (int s = 0; s < ENF_TLS_STAT_MAX; s++) {
		err = enf_tls_stats_percpu(tls, s, v, n);
		if (err)
			break;
		stats[s] = 0;
		for (int c = 0; c < n; c++)
			stats[s] += v[c];
	}
	free(v);
	return err;
}

enum enf_tls_track enf_tls_tracking(const struct enf_tls *tls)
{
	return tls->track;
}

const char *enf_tls_track_name(enum enf_tls_track t)
{
	switch (t) {
	case ENF_TLS_TRACK_AUTO:
		return "auto";
	case ENF_TLS_TRACK_SOCK:
		return "socket tracepoints";
	case ENF_TLS_TRACK_RAW:
		return "raw syscall tracepoints";
	case ENF_TLS_TRACK_SYSCALL:
		return "syscall tracepoints";
	}
	return "?";
}

bool enf_tls_write_entry_only(const struct enf_tls *tls)
{
	return tls->write_entry;
}

bool enf_tls_has_sock_ops(const struct enf_tls *tls)
{
	return tls->sock_ops;
}
