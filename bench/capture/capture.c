// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench capture: HTTPS requests per second through nginx over loopback,
 * driven by wrk, with enforcer's TLS capture attached, against the same
 * traffic with no probes, with empty probes where the capture probes (the
 * trap floor) and with bpftrace's sslsnoop.bt (the peer), in one run,
 * interleaved.
 *
 * Setup, all in a temp dir: a self-signed P-256 certificate; nginx (one
 * worker, its own prefix, config and logs there, access log off) serving
 * "hello\n" over HTTPS on 127.0.0.1 at a port the kernel picked free for
 * this run; keep-alive connections are never closed by nginx (so after
 * wrk's 16 handshakes every call is SSL_read or SSL_write). nginx runs the
 * whole time; each run starts wrk (-t1 -c16 by default, --seconds long).
 * Everything inherits the benchmark's CPU affinity (bench/run.sh pins it
 * to one CPU), so nginx, wrk and any daemon share that CPU.
 *
 * Contenders, each set up for its runs only:
 * - no_probes: nothing attached;
 * - floor_r: empty programs (bench_tls_floor.bpf.c) at entry of SSL_read,
 *   SSL_write, SSL_read_ex and SSL_write_ex in the libssl nginx maps, at
 *   return of the two reads; every process (pid -1), so nginx and wrk
 *   both trap, as with enforcer's capture;
 * - floor_rw: the same with return probes on the writes too;
 * - floor_enforcerd: empty programs at every uprobe and tracepoint
 *   enforcerd attaches (read back from the kernel before the rounds;
 *   census.h), the price of its attach points alone;
 * - sslsnoop: bpftrace /usr/sbin/sslsnoop.bt, as shipped (its output in a
 *   file, counted: it must print lines; bpftrace's "Lost N events"
 *   summed);
 * - enforcerd: the daemon from the build dir, a temp config (no
 *   interface, the bundled rules, a temp database and control socket,
 *   pins under /sys/fs/bpf/enfbench-PID, removed at its stop), started
 *   for the run and stopped after it; its tls events counter
 *   (enforcerctl --json status) must rise during the run;
 * - enforcerd_nginx and floor_nginx: the daemon with capture narrowed to
 *   nginx (--scope, "capture_comms = nginx"), and the trap floor attached
 *   to nginx's processes alone; only when enforcerd --check-config accepts
 *   the scope line, else reported "skipped: not supported yet".
 *
 * trap_floor, the summary's baseline, is floor_r or floor_rw, whichever
 * matches the uprobes enforcerd attaches on libssl. Each round runs every
 * contender once, in an order rotated every round, except that the trap
 * floor runs right before and right after enforcerd, and its figure for
 * the round is the geometric mean of the two (the VM's speed drifts by
 * a fifth within minutes: a floor measured on the daemon's both sides
 * cancels a steady drift); ratios are medians of per-round ratios. Before and after every run the kernel's links are
 * counted: a uprobe on libssl that is not ours (another session's capture
 * traps in nginx and wrk too) marks the round suspect; a suspect round is
 * run again (--retries), and rounds wait (--max-wait in all) for such
 * probes to go before they start.
 *
 * Needs root, nginx, wrk, openssl, bpftrace; exits 77 (skipped) without.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>

#include "bench.h"
#include "bench_tls_floor.skel.h"
#include "census.h"
#include "env.h"
#include "proc.h"

#ifndef ENF_BENCH_BUILD_DIR
#define ENF_BENCH_BUILD_DIR "build"
#endif
#ifndef ENF_BENCH_SOURCE_DIR
#define ENF_BENCH_SOURCE_DIR "."
#endif

#define SSLSNOOP "/usr/sbin/sslsnoop.bt"
#define SCOPE_LINE "capture_comms = nginx"
#define PIN_ROOT "/sys/fs/bpf"
#define TRACEFS "/sys/kernel/tracing"

#define SETTLE_MS 300 /* after attaching, before wrk */
#define DRAIN_MS 300 /* after wrk, before reading the daemon's counters */
#define ENF_START_MS 15000
#define SNOOP_START_MS 30000
#define STOP_GRACE_MS 10000
#define MAX_LINKS 256
#define NOTES_LEN 4096

enum contender {
	CT_NONE = 0,
	CT_FLOOR_R,
	CT_FLOOR_RW,
	CT_FLOOR_ENF,
	CT_SSLSNOOP,
	CT_ENF,
	CT_FLOOR_NGINX,
	CT_ENF_SCOPED,
	CT_COUNT,
};

static const char *const ct_name[CT_COUNT] = {
	[CT_NONE] = "no_probes",	  [CT_FLOOR_R] = "floor_r",
	[CT_FLOOR_RW] = "floor_rw",	  [CT_FLOOR_ENF] = "floor_enforcerd",
	[CT_SSLSNOOP] = "sslsnoop",	  [CT_ENF] = "enforcerd",
	[CT_FLOOR_NGINX] = "floor_nginx", [CT_ENF_SCOPED] = "enforcerd_nginx",
};

enum ssl_fn { FN_READ, FN_WRITE, FN_READ_EX, FN_WRITE_EX, FN_COUNT };

static const char *const fn_name[FN_COUNT] = {
	[FN_READ] = "SSL_read",
	[FN_WRITE] = "SSL_write",
	[FN_READ_EX] = "SSL_read_ex",
	[FN_WRITE_EX] = "SSL_write_ex",
};

static const bool fn_reads[FN_COUNT] = { [FN_READ] = true, [FN_READ_EX] = true };

struct opts {
	unsigned long rounds;
	unsigned long seconds;
	unsigned long connections;
	unsigned long threads;
	unsigned long retries;
	unsigned long max_wait_s;
	const char *enforcerd;
	const char *enforcerctl;
	const char *rules_dir;
	const char *scope;
	const char *sslsnoop;
	bool no_scope;
	bool no_peer;
	bool keep;
};

struct wrk_result {
	double rps;
	unsigned long long requests;
	unsigned long long non2xx;
	unsigned long long sock_errors;
	double cpu_s; /* wrk's own, from its rusage */
};

struct ctx {
	struct opts o;
	struct bench_tmp tmp; /* certificate, configs, logs */
	char pin[64];
	char lib[PATH_MAX]; /* the libssl nginx maps, as the kernel names it */
	char sock[128];
	int port;
	long hz;
	pid_t nginx, worker, aux;
	struct bench_tls_floor *skel;
	struct bpf_link *links[MAX_LINKS];
	size_t n_links;
	__u64 fn_off[FN_COUNT];
	struct census floor[CT_COUNT]; /* the floors' attach sets */
	struct census enf_probes, scoped_probes;
	enum contender trap_floor;
	bool active[CT_COUNT];
	const char *skip_why[CT_COUNT];
	bool not_real[CT_COUNT];
	size_t n; /* rounds done */
	double rps[CT_COUNT][BENCH_MAX_SAMPLES];
	double cpu_rps[CT_COUNT][BENCH_MAX_SAMPLES];
	double per_req[CT_COUNT][BENCH_MAX_SAMPLES]; /* events, lines */
	unsigned int suspect_rounds;
	unsigned long discarded;
	unsigned int waited_ms;
	bool round_suspect;
	char notes[NOTES_LEN];
};

/* ---- small helpers ------------------------------------------------------- */

/* @name in the temp dir (bench_tmp_path()). */
static const char *in_dir(struct ctx *c, const char *name)
{
	return bench_tmp_path(&c->tmp, name);
}

static void note(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Appends a line to the notes printed after the round's rates. */
static void note(struct ctx *c, const char *fmt, ...)
{
	size_t len = strlen(c->notes);
	va_list ap;

	if (len + 4 >= sizeof(c->notes))
		return;
	strcat(c->notes, "  ");
	va_start(ap, fmt);
	vsnprintf(c->notes + len + 2, sizeof(c->notes) - len - 2, fmt, ap);
	va_end(ap);
	len = strlen(c->notes);
	if (len + 1 < sizeof(c->notes))
		strcat(c->notes, "\n");
}

/* A TCP port on 127.0.0.1 that was free a moment ago. */
static int free_port(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len))
		err = -errno;
	else
		*port = ntohs(sa.sin_port);
	close(fd);
	return err;
}

static bool port_open(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	bool ok;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void print_affinity(void)
{
	cpu_set_t set;
	int first = 1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	printf("CPUs (everything started here shares them):");
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (CPU_ISSET(i, &set)) {
			printf("%s%d", first ? " " : ",", i);
			first = 0;
		}
	}
	printf(" of %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
}

/* ---- nginx --------------------------------------------------------------- */

/* nginx's worker: the child of the master. */
static pid_t find_child(pid_t parent)
{
	char path[64], buf[64];
	pid_t child = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)parent,
		 (int)parent);
	if (bench_read_text(path, buf, sizeof(buf)) > 0)
		child = (pid_t)strtol(buf, NULL, 10);
	return child;
}

/* The libssl file @pid maps, resolved (the kernel names files so). */
static int mapped_libssl(pid_t pid, char *out, size_t size)
{
	char path[64], line[PATH_MAX + 128];
	int err = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/'), *nl, *real;
		const char *base;

		if (!file)
			continue;
		nl = strchr(file, '\n');
		if (nl)
			*nl = '\0';
		base = strrchr(file, '/') + 1;
		if (strncmp(base, "libssl.so", 9))
			continue;
		real = realpath(file, NULL);
		if (!real)
			continue;
		if (strlen(real) < size) {
			strcpy(out, real);
			err = 0;
		}
		free(real);
		break;
	}
	fclose(f);
	return err;
}

static int start_nginx(struct ctx *c)
{
	char conf_path[128], err_log[128];
	char *argv[] = { "nginx",   "-p", c->tmp.dir, "-c",
			 conf_path, "-e", err_log,    NULL };
	int err;

	err = free_port(&c->port);
	if (err) {
		fprintf(stderr, "Error: no free port on 127.0.0.1: %s\n",
			strerror(-err));
		return err;
	}
	snprintf(conf_path, sizeof(conf_path), "%s/nginx.conf", c->tmp.dir);
	snprintf(err_log, sizeof(err_log), "%s/nginx-error.log", c->tmp.dir);
	err = bench_nginx_conf(c->tmp.dir, "bench/capture", "127.0.0.1",
			       c->port, 256, 300);
	if (err)
		return err;
	err = proc_spawn(argv, in_dir(c, "nginx.out"), in_dir(c, "nginx.out"),
			 &c->nginx);
	if (err)
		return err;
	for (int i = 0; i < 200 && !proc_stop; i++) {
		if (proc_wait(c->nginx, 0, NULL, NULL) == 0) {
			c->nginx = 0;
			break;
		}
		c->worker = find_child(c->nginx);
		if (c->worker && port_open(c->port))
			break;
		proc_msleep(25);
	}
	if (!c->nginx || !c->worker || !port_open(c->port)) {
		fprintf(stderr, "Error: nginx did not start on port %d\n",
			c->port);
		bench_print_tail("nginx error log", err_log);
		return -EIO;
	}
	err = mapped_libssl(c->worker, c->lib, sizeof(c->lib));
	if (err) {
		fprintf(stderr, "Error: nginx (pid %d) maps no libssl\n",
			(int)c->worker);
		return err;
	}
	printf("nginx %d (worker %d) on https://127.0.0.1:%d/, %s\n",
	       (int)c->nginx, (int)c->worker, c->port, c->lib);
	return 0;
}

/* ---- wrk ----------------------------------------------------------------- */

static void parse_wrk(const char *out, struct wrk_result *w)
{
	const char *p;

	if ((p = strstr(out, " requests in ")))
		while (p > out && p[-1] != '\n' && p[-1] != ' ')
			p--;
	if (p)
		w->requests = strtoull(p, NULL, 10);
	if ((p = strstr(out, "Requests/sec:")))
		w->rps = strtod(p + strlen("Requests/sec:"), NULL);
	if ((p = strstr(out, "Non-2xx or 3xx responses:")))
		w->non2xx = strtoull(p + strlen("Non-2xx or 3xx responses:"),
				     NULL, 10);
	if ((p = strstr(out, "Socket errors:"))) {
		unsigned long long e[4] = { 0 };

		if (sscanf(p,
			   "Socket errors: connect %llu, read %llu, write %llu, timeout %llu",
			   &e[0], &e[1], &e[2], &e[3]) == 4)
			w->sock_errors = e[0] + e[1] + e[2] + e[3];
	}
}

/*
 * One wrk run of @seconds. @probe_pid, when not NULL, is set to wrk's pid
 * while it runs and @probe is called once, 300 ms in (the warm-up run looks
 * at wrk's mappings then).
 */
static int run_wrk(struct ctx *c, unsigned long seconds, struct wrk_result *w,
		   void (*probe)(struct ctx *c, pid_t wrk))
{
	char threads[16], conns[16], dur[16], url[64];
	char *argv[] = { "wrk", "-t",	     threads, "-c", conns, "-d",
			 dur,	"--timeout", "10s",   url,  NULL };
	char out[4096];
	struct rusage ru;
	int err, st;
	pid_t pid;

	memset(w, 0, sizeof(*w));
	snprintf(threads, sizeof(threads), "%lu", c->o.threads);
	snprintf(conns, sizeof(conns), "%lu", c->o.connections);
	snprintf(dur, sizeof(dur), "%lus", seconds);
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/", c->port);
	err = proc_spawn(argv, in_dir(c, "wrk.out"), in_dir(c, "wrk.err"),
			 &pid);
	if (err)
		return err;
	if (probe) {
		proc_msleep(300);
		probe(c, pid);
	}
	err = proc_wait(pid, (seconds + 30) * 1000, &st, &ru);
	if (err) {
		proc_stop_child(&pid, SIGKILL, 1000);
		if (err == -ETIMEDOUT)
			fprintf(stderr, "Error: wrk did not finish\n");
		return err;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "Error: wrk failed (status %d)\n", st);
		bench_print_tail("wrk", in_dir(c, "wrk.err"));
		return -EIO;
	}
	if (bench_read_text(in_dir(c, "wrk.out"), out, sizeof(out)) < 0)
		return -EIO;
	parse_wrk(out, w);
	w->cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
		   (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (w->requests == 0 || w->rps <= 0) {
		fprintf(stderr, "Error: wrk made no requests\n%s", out);
		return -EIO;
	}
	return 0;
}

static void check_wrk_lib(struct ctx *c, pid_t wrk)
{
	char lib[PATH_MAX];

	if (mapped_libssl(wrk, lib, sizeof(lib)) || strcmp(lib, c->lib))
		printf("note: wrk does not map %s: only nginx traps in the floors\n",
		       c->lib);
	else
		printf("wrk maps the same libssl: both ends trap\n");
}

/* ---- the floors ---------------------------------------------------------- */

static int keep_link(struct ctx *c, struct bpf_link *link)
{
	int err;

	if (!link) {
		err = -errno;
		return err ? err : -EINVAL;
	}
	if (c->n_links == MAX_LINKS) {
		bpf_link__destroy(link);
		return -E2BIG;
	}
	c->links[c->n_links++] = link;
	return 0;
}

static void floor_detach(struct ctx *c)
{
	while (c->n_links)
		bpf_link__destroy(c->links[--c->n_links]);
}

static int attach_site(struct ctx *c, const struct census_site *s, pid_t pid)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = s->ret);
	struct bpf_program *prog = s->ret ? c->skel->progs.floor_ret :
					    c->skel->progs.floor_enter;

	return keep_link(c, bpf_program__attach_uprobe_opts(
				    prog, pid, c->lib, (size_t)s->offset, &uo));
}

/* The tracefs category of event @name ("syscalls" for sys_enter_read). */
static int tp_category(const char *name, char *cat, size_t size)
{
	char path[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int err = -ENOENT;
	DIR *dir;

	dir = opendir(TRACEFS "/events");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), TRACEFS "/events/%s/%s",
			 de->d_name, name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
		    strlen(de->d_name) < size) {
			strcpy(cat, de->d_name);
			err = 0;
			break;
		}
	}
	closedir(dir);
	return err;
}

static int attach_tp(struct ctx *c, const char *name)
{
	char cat[128];
	int err;

	if (!strncmp(name, "raw:", 4))
		return keep_link(c, bpf_program__attach_raw_tracepoint(
					    c->skel->progs.floor_raw_tp,
					    name + 4));
	err = tp_category(name, cat, sizeof(cat));
	if (err) {
		fprintf(stderr, "Error: tracepoint %s not found in %s\n", name,
			TRACEFS);
		return err;
	}
	return keep_link(c, bpf_program__attach_tracepoint(
				    c->skel->progs.floor_tp, cat, name));
}

static int floor_attach(struct ctx *c, enum contender ct)
{
	const struct census *set = &c->floor[ct];
	struct census self;
	pid_t pids[2] = { -1, 0 };
	size_t n_pids = 1;
	int err = 0;

	if (ct == CT_FLOOR_NGINX) {
		pids[0] = c->nginx;
		pids[1] = c->worker;
		n_pids = 2;
	}
	for (size_t i = 0; i < set->n_sites && !err; i++)
		for (size_t p = 0; p < n_pids && !err; p++)
			err = attach_site(c, &set->sites[i], pids[p]);
	for (size_t i = 0; i < set->n_tps && !err; i++)
		err = attach_tp(c, set->tps[i]);
	if (err) {
		fprintf(stderr, "Error: attaching %s: %s\n", ct_name[ct],
			strerror(-err));
		floor_detach(c);
		return err;
	}
	/* What the kernel holds for us must be the set, each site once per
	 * process asked for. */
	err = census_take(getpid(), c->lib, &self);
	if (!err &&
	    (self.uprobe_links != set->n_sites * n_pids ||
	     self.n_sites != set->n_sites || self.n_tps != set->n_tps)) {
		fprintf(stderr,
			"Error: %s: the kernel holds %u uprobe links at %zu "
			"sites and %zu tracepoints of ours, not %zu x %zu and "
			"%zu\n",
			ct_name[ct], self.uprobe_links, self.n_sites,
			self.n_tps, set->n_sites, n_pids, set->n_tps);
		err = -EPROTO;
	}
	if (err)
		floor_detach(c);
	return err;
}

static void add_site(struct census *set, enum ssl_fn f, bool ret,
		     const __u64 *off)
{
	struct census_site *s = &set->sites[set->n_sites++];

	s->offset = off[f];
	s->ret = ret;
	s->links = 1;
}

/* Where the four functions are: attach once by name, read the offset
 * back from the kernel, detach. */
static int resolve_offsets(struct ctx *c)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	struct bpf_link *link;
	int err;

	for (int f = 0; f < FN_COUNT; f++) {
		uo.func_name = fn_name[f];
		link = bpf_program__attach_uprobe_opts(
			c->skel->progs.floor_enter, -1, c->lib, 0, &uo);
		if (!link) {
			err = -errno;
			fprintf(stderr, "Error: %s: no uprobe on %s: %s\n",
				c->lib, fn_name[f], strerror(-err));
			return err;
		}
		err = census_link_offset(bpf_link__fd(link), &c->fn_off[f]);
		bpf_link__destroy(link);
		if (err) {
			fprintf(stderr,
				"Error: the kernel does not report uprobe "
				"links' offsets (6.6 and later do): %s\n",
				strerror(-err));
			return err;
		}
	}
	for (int f = 0; f < FN_COUNT; f++) {
		add_site(&c->floor[CT_FLOOR_R], f, false, c->fn_off);
		add_site(&c->floor[CT_FLOOR_RW], f, false, c->fn_off);
		add_site(&c->floor[CT_FLOOR_RW], f, true, c->fn_off);
		if (fn_reads[f])
			add_site(&c->floor[CT_FLOOR_R], f, true, c->fn_off);
	}
	return 0;
}

static const char *site_name(const struct ctx *c, __u64 offset)
{
	for (int f = 0; f < FN_COUNT; f++)
		if (c->fn_off[f] == offset)
			return fn_name[f];
	return NULL;
}

static void print_census(const struct ctx *c, const char *who,
			 const struct census *p)
{
	printf("%s: %u uprobe links on %s:", who, p->uprobe_links, c->lib);
	for (size_t i = 0; i < p->n_sites; i++) {
		const char *name = site_name(c, p->sites[i].offset);

		if (name)
			printf(" %s%s", name, p->sites[i].ret ? "/ret" : "");
		else
			printf(" 0x%llx%s",
			       (unsigned long long)p->sites[i].offset,
			       p->sites[i].ret ? "/ret" : "");
		if (p->sites[i].links > 1)
			printf("(x%u)", p->sites[i].links);
	}
	printf("\n  %zu tracepoints:", p->n_tps);
	for (size_t i = 0; i < p->n_tps; i++)
		printf(" %s", p->tps[i]);
	printf("\n  uprobe_multi links %u (%u probes), uprobes elsewhere %u, "
	       "other links %u",
	       p->multi_links, p->multi_probes, p->other_uprobe_links,
	       p->other_links);
	for (unsigned int t = 0; t < CENSUS_LINK_TYPES; t++)
		if (p->other_types[t])
			printf(" %s:%u", census_link_type_name(t),
			       p->other_types[t]);
	printf("%s%s\n", p->no_detail ? " (some without detail)" : "",
	       p->truncated ? " (truncated)" : "");
}

/* Whether @p's uprobes on the file are exactly @floor's sites. */
static bool same_sites(const struct census *p, const struct census *floor)
{
	if (p->n_sites != floor->n_sites || p->multi_links)
		return false;
	for (size_t i = 0; i < floor->n_sites; i++)
		if (!census_has(p, floor->sites[i].offset, floor->sites[i].ret))
			return false;
	return true;
}

/* ---- bpftrace's sslsnoop ------------------------------------------------- */

static int snoop_start(struct ctx *c)
{
	char *argv[] = { "bpftrace", (char *)c->o.sslsnoop, NULL };
	char out[512];
	int err;

	err = proc_spawn(argv, in_dir(c, "sslsnoop.out"),
			 in_dir(c, "sslsnoop.err"), &c->aux);
	if (err)
		return err;
	/* Its BEGIN block prints "Tracing ..." once every probe is on. */
	for (unsigned int ms = 0; ms < SNOOP_START_MS; ms += 50) {
		if (bench_read_text(in_dir(c, "sslsnoop.out"), out,
				    sizeof(out)) > 0 &&
		    strstr(out, "Tracing"))
			return 0;
		if (proc_wait(c->aux, 0, NULL, NULL) == 0) {
			c->aux = 0;
			break;
		}
		if (proc_stop)
			return -EINTR;
		proc_msleep(50);
	}
	fprintf(stderr, "Error: bpftrace %s did not start\n", c->o.sslsnoop);
	bench_print_tail("bpftrace", in_dir(c, "sslsnoop.err"));
	proc_stop_child(&c->aux, SIGKILL, 1000);
	return -EIO;
}

/* Stops bpftrace and counts what it printed. */
static void snoop_stop(struct ctx *c, unsigned long long *lines,
		       unsigned long long *lost, unsigned int *probes)
{
	char line[512];
	FILE *f;

	*lines = *lost = 0;
	*probes = 0;
	/* SIGINT: bpftrace drains what it holds, prints its maps, exits. */
	proc_stop_child(&c->aux, SIGINT, STOP_GRACE_MS);
	f = fopen(in_dir(c, "sslsnoop.out"), "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long n;

		if (strstr(line, " SSL_read") || strstr(line, " SSL_write"))
			(*lines)++;
		else if (sscanf(line, "Lost %llu events", &n) == 1)
			*lost += n;
		else
			sscanf(line, "Attaching %u probes", probes);
	}
	fclose(f);
	unlink(in_dir(c, "sslsnoop.out"));
}

/* ---- enforcerd ----------------------------------------------------------- */

static int write_enf_conf(struct ctx *c, bool scoped, const char *path)
{
	char conf[2048];

	snprintf(conf, sizeof(conf),
		 "# enforcerd configuration written by bench/capture\n"
		 "rules_dir = %s\n"
		 "database = %s/policy.db\n"
		 "control_socket = %s\n"
		 "pin_path = %s\n"
		 "log_level = info\n"
		 "%s%s",
		 c->o.rules_dir, c->tmp.dir, c->sock, c->pin,
		 scoped ? c->o.scope : "", scoped ? "\n" : "");
	return bench_write_text(path, conf);
}

static int enf_ctl(struct ctx *c, bool json, const char *out)
{
	char *argv[] = { (char *)c->o.enforcerctl,
			 "-s",
			 c->sock,
			 json ? "--json" : "status",
			 json ? "status" : NULL,
			 NULL };

	return proc_run(argv, out, in_dir(c, "enforcerctl.err"), 5000);
}

/* Whether the daemon answers enforcerctl status. */
static bool enf_up(void *c)
{
	return enf_ctl(c, false, NULL) == 0;
}

static int enf_start(struct ctx *c, bool scoped)
{
	char conf[PATH_MAX];
	char *argv[] = { (char *)c->o.enforcerd, "-c", conf, "--detach", NULL };
	int err;

	snprintf(conf, sizeof(conf), "%s/%s", c->tmp.dir,
		 scoped ? "enforcer-nginx.conf" : "enforcer.conf");
	err = proc_spawn(argv, in_dir(c, "enforcerd.log"),
			 in_dir(c, "enforcerd.log"), &c->aux);
	if (err)
		return err;
	err = bench_wait_up(&c->aux, ENF_START_MS, enf_up, c);
	if (err != -EIO)
		return err;
	fprintf(stderr, "Error: %s did not start (%s)\n", c->o.enforcerd, conf);
	bench_print_tail("enforcerd", in_dir(c, "enforcerd.log"));
	proc_stop_child(&c->aux, SIGKILL, 1000);
	bench_rm_pins(c->pin);
	return -EIO;
}

static void enf_stop(struct ctx *c)
{
	proc_stop_child(&c->aux, SIGTERM, STOP_GRACE_MS);
	bench_rm_pins(c->pin);
}

/* enforcerctl --json status, parsed; NULL on failure. */
static json_t *enf_status(struct ctx *c)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *j;

	snprintf(path, sizeof(path), "%s/status.json", c->tmp.dir);
	if (enf_ctl(c, true, path)) {
		bench_print_tail("enforcerctl", in_dir(c, "enforcerctl.err"));
		return NULL;
	}
	j = json_load_file(path, 0, &jerr);
	if (!j)
		fprintf(stderr, "Error: status: %s\n", jerr.text);
	return j;
}

static unsigned long long jget(const json_t *j, const char *obj,
			       const char *key)
{
	return (unsigned long long)json_integer_value(
		json_object_get(json_object_get(j, obj), key));
}

/* The counters of a daemon's run that are not 0, as one line. */
/* " key=value" for every non-zero integer of @obj but @skip, into @buf. */
static void nonzero(const json_t *obj, const char *skip, char *buf, size_t size)
{
	const char *key;
	size_t len = 0;
	json_t *v;

	buf[0] = '\0';
	json_object_foreach((json_t *)obj, key, v) {
		if (!json_integer_value(v) || !strcmp(key, skip) || len >= size)
			continue;
		len += snprintf(buf + len, size - len, " %s=%lld", key,
				(long long)json_integer_value(v));
	}
	if (!len)
		snprintf(buf, size, " none");
}

static void enf_counters(struct ctx *c, const char *who, const json_t *st,
			 unsigned long long events, unsigned long long requests)
{
	char loss[512], tls[512];

	nonzero(json_object_get(st, "loss"), "", loss, sizeof(loss));
	nonzero(json_object_get(json_object_get(st, "tls"), "counters"),
		"events", tls, sizeof(tls));
	note(c,
	     "%s: %llu tls events for %llu requests (%.2f a request), "
	     "%llu requests parsed; tls counters:%s; loss:%s",
	     who, events, requests, requests ? (double)events / requests : 0,
	     jget(st, "requests", "parsed"), tls, loss);
}

/* One library the daemon probes, as its status names it. */
static void print_lib(const json_t *item)
{
	const char *lib = json_string_value(json_object_get(item, "lib"));
	const json_t *pid = json_object_get(item, "pid");

	if (!lib) /* status before issue 4 */
		lib = json_string_value(json_object_get(item, "name"));
	printf(" %s %s", lib ? lib : "?",
	       json_string_value(json_object_get(item, "path")) ?: "?");
	if (json_is_integer(pid) && json_integer_value(pid) > 0)
		printf(" (pid %lld)", (long long)json_integer_value(pid));
	printf(";");
}

/* Starts @scoped enforcerd once, reads back what it attached, stops it. */
static int enf_probe(struct ctx *c, bool scoped, struct census *p)
{
	json_t *st, *libs, *item;
	size_t i;
	int err;

	err = enf_start(c, scoped);
	if (err)
		return err;
	err = census_take(c->aux, c->lib, p);
	st = enf_status(c);
	if (st) {
		libs = json_object_get(json_object_get(st, "tls"), "libraries");
		printf("%s probes:", ct_name[scoped ? CT_ENF_SCOPED : CT_ENF]);
		json_array_foreach(libs, i, item)
			print_lib(item);
		printf("\n");
		json_decref(st);
	}
	enf_stop(c);
	if (err) {
		fprintf(stderr, "Error: reading enforcerd's links: %s\n",
			strerror(-err));
		return err;
	}
	print_census(c, ct_name[scoped ? CT_ENF_SCOPED : CT_ENF], p);
	return 0;
}

static int enf_check_config(struct ctx *c, const char *conf)
{
	char *argv[] = { (char *)c->o.enforcerd, "-c", (char *)conf,
			 "--check-config", NULL };

	return proc_run(argv, in_dir(c, "check.out"), in_dir(c, "check.out"),
			60000);
}

/* ---- one run ------------------------------------------------------------- */

/*
 * Uprobes on libssl that are neither ours nor the running contender's (by
 * the links each process holds): another session's capture. They trap in
 * nginx and wrk as well and make every figure of the round suspect.
 * @pid and @comm name a process holding one.
 */
static unsigned int foreign_probes(struct ctx *c, pid_t *pid, char comm[16])
{
	struct census all, mine;
	unsigned int n;

	if (census_take(0, c->lib, &all))
		return 0;
	n = all.uprobe_links + all.multi_links;
	if (n && !census_take(getpid(), c->lib, &mine))
		n -= mine.uprobe_links + mine.multi_links;
	if (n && c->aux && !census_take(c->aux, c->lib, &mine))
		n -= mine.uprobe_links + mine.multi_links;
	if (n && census_owner(all.file_link_id, pid, comm) == 0 &&
	    (*pid == getpid() || *pid == c->aux)) {
		*pid = 0;
		strcpy(comm, "?");
	}
	return n;
}

/* Checked before and after every run. */
static void check_foreign(struct ctx *c)
{
	char comm[16] = "?";
	pid_t pid = 0;
	unsigned int n = foreign_probes(c, &pid, comm);

	if (!n)
		return;
	if (!c->round_suspect && pid > 0)
		note(c,
		     "SUSPECT: %u uprobe links on libssl that are not this benchmark's (%s, pid %d, holds one)",
		     n, comm, (int)pid);
	else if (!c->round_suspect)
		note(c,
		     "SUSPECT: %u uprobe links on libssl that are not this benchmark's",
		     n);
	c->round_suspect = true;
}

/* Waits, at most @max_ms, until nobody else has uprobes on libssl. */
static void wait_quiet(struct ctx *c, unsigned int max_ms)
{
	char comm[16] = "?";
	unsigned int ms = 0, n;
	pid_t pid = 0;

	while ((n = foreign_probes(c, &pid, comm)) && ms < max_ms &&
	       !proc_stop) {
		if (ms == 0)
			printf("waiting up to %us for %u foreign uprobe links on libssl to go (%s, pid %d)\n",
			       max_ms / 1000, n, comm, (int)pid);
		proc_msleep(500);
		ms += 500;
	}
	c->waited_ms += ms;
}

static int run_one(struct ctx *c, enum contender ct, size_t r)
{
	unsigned long long t0, t1, ev0 = 0, ev1 = 0, lines, lost;
	struct wrk_result w = { 0 };
	bool enf = ct == CT_ENF || ct == CT_ENF_SCOPED;
	json_t *st = NULL;
	unsigned int probes;
	double cpu_s;
	int err = 0;

	check_foreign(c);
	switch (ct) {
	case CT_FLOOR_R:
	case CT_FLOOR_RW:
	case CT_FLOOR_ENF:
	case CT_FLOOR_NGINX:
		err = floor_attach(c, ct);
		break;
	case CT_SSLSNOOP:
		err = snoop_start(c);
		break;
	case CT_ENF:
	case CT_ENF_SCOPED:
		err = enf_start(c, ct == CT_ENF_SCOPED);
		if (!err) {
			st = enf_status(c);
			err = st ? 0 : -EIO;
		}
		if (!err)
			ev0 = jget(st, "tls", "events");
		json_decref(st);
		break;
	default:
		break;
	}
	if (err)
		goto out_teardown;
	proc_msleep(SETTLE_MS);

	t0 = proc_cpu_ticks(c->nginx) + proc_cpu_ticks(c->worker) +
	     (c->aux ? proc_cpu_ticks(c->aux) : 0);
	err = run_wrk(c, c->o.seconds, &w, NULL);
	t1 = proc_cpu_ticks(c->nginx) + proc_cpu_ticks(c->worker) +
	     (c->aux ? proc_cpu_ticks(c->aux) : 0);
	if (err)
		goto out_teardown;
	check_foreign(c);
	cpu_s = (double)(t1 - t0) / c->hz + w.cpu_s;
	c->rps[ct][r] = w.rps;
	c->cpu_rps[ct][r] = cpu_s > 0 ? w.requests / cpu_s : 0;
	if (w.non2xx || w.sock_errors)
		note(c,
		     "%s: wrk saw %llu non-2xx responses, %llu socket errors",
		     ct_name[ct], w.non2xx, w.sock_errors);

	if (enf) {
		proc_msleep(DRAIN_MS);
		st = enf_status(c);
		if (!st) {
			err = -EIO;
			goto out_teardown;
		}
		ev1 = jget(st, "tls", "events");
		c->per_req[ct][r] = (double)(ev1 - ev0) / w.requests;
		enf_counters(c, ct_name[ct], st, ev1 - ev0, w.requests);
		json_decref(st);
		if (ev1 <= ev0) {
			note(c,
			     "%s: NOT REAL: its tls events counter did not rise",
			     ct_name[ct]);
			c->not_real[ct] = true;
		}
	}
out_teardown:
	switch (ct) {
	case CT_FLOOR_R:
	case CT_FLOOR_RW:
	case CT_FLOOR_ENF:
	case CT_FLOOR_NGINX:
		floor_detach(c);
		break;
	case CT_SSLSNOOP:
		if (!c->aux)
			break;
		snoop_stop(c, &lines, &lost, &probes);
		if (err)
			break;
		c->per_req[ct][r] = (double)lines / w.requests;
		note(c,
		     "sslsnoop: %u probes, %llu SSL_read/SSL_write lines printed for %llu requests, %llu events lost (bpftrace's count)",
		     probes, lines, w.requests, lost);
		if (!lines) {
			note(c, "sslsnoop: NOT REAL: it printed no line");
			c->not_real[ct] = true;
		}
		break;
	case CT_ENF:
	case CT_ENF_SCOPED:
		if (c->aux)
			enf_stop(c);
		break;
	default:
		break;
	}
	return err;
}

/* ---- rounds and report --------------------------------------------------- */

/*
 * Rounds until --rounds are done. A suspect round (another session's
 * uprobes on libssl during it) is run again, at most --retries times in
 * all, after waiting a while for them to go; past that it is kept and
 * counted.
 */
static int measure(struct ctx *c)
{
	enum contender act[CT_COUNT];
	unsigned long retries = 0;
	size_t n_act = 0, r = 0;
	int err = 0;

	/* the trap floor runs around enforcerd, not in the rotation */
	for (int ct = 0; ct < CT_COUNT; ct++)
		if (c->active[ct] &&
		    (ct != (int)c->trap_floor || !c->active[CT_ENF]))
			act[n_act++] = ct;
	while (r < c->o.rounds && !err) {
		if (c->waited_ms < c->o.max_wait_s * 1000)
			wait_quiet(c, c->o.max_wait_s * 1000 - c->waited_ms);
		c->notes[0] = '\0';
		c->round_suspect = false;
		printf("round %zu/%lu (requests/s):", r + 1, c->o.rounds);
		fflush(stdout);
		for (size_t k = 0; k < n_act && !err; k++) {
			enum contender ct = act[(r + retries + k) % n_act];
			enum contender tf = c->trap_floor;
			double before = 0, cpu_before = 0;

			if (ct == CT_ENF && c->active[tf]) {
				err = run_one(c, tf, r);
				before = c->rps[tf][r];
				cpu_before = c->cpu_rps[tf][r];
				if (!err)
					printf(" %s %.0f", ct_name[tf], before);
			}
			err = err ?: run_one(c, ct, r);
			if (!err)
				printf(" %s %.0f", ct_name[ct], c->rps[ct][r]);
			if (!err && ct == CT_ENF && c->active[tf]) {
				err = run_one(c, tf, r);
				if (!err)
					printf(" %s %.0f", ct_name[tf],
					       c->rps[tf][r]);
				c->rps[tf][r] = sqrt(before * c->rps[tf][r]);
				c->cpu_rps[tf][r] =
					sqrt(cpu_before * c->cpu_rps[tf][r]);
			}
			fflush(stdout);
		}
		printf("\n%s", c->notes);
		if (proc_stop)
			err = -EINTR;
		if (err)
			break;
		if (c->round_suspect && retries < c->o.retries) {
			retries++;
			printf("  round discarded, run again (%lu of %lu retries)\n",
			       retries, c->o.retries);
			continue;
		}
		if (c->round_suspect)
			c->suspect_rounds++;
		c->n = ++r;
	}
	c->discarded = retries;
	return err;
}

static bool ratio_of(struct ctx *c, enum contender a, enum contender b,
		     struct bench_stat *s)
{
	double q[BENCH_MAX_SAMPLES];

	if (!c->active[a] || !c->active[b] || !c->n)
		return false;
	bench_ratios(c->rps[a], c->rps[b], c->n, q);
	return bench_stat_of(q, c->n, s) == 0;
}

static void print_ratio(struct ctx *c, enum contender a, enum contender b,
			const char *label, const char *target)
{
	struct bench_stat s;

	if (!ratio_of(c, a, b, &s))
		return;
	printf("  %-40s %.3f (%.3f..%.3f)%s%s\n", label, s.med, s.min, s.max,
	       target ? "  " : "", target ? target : "");
}

static void report(struct ctx *c)
{
	struct bench_stat s, cs, ra, rb;
	char label[96], target[64] = "";
	enum contender tf = c->trap_floor;

	printf("\n== capture: median of %zu rounds, %lus each (wrk -t%lu -c%lu, "
	       "keep-alive)\n",
	       c->n, c->o.seconds, c->o.threads, c->o.connections);
	printf("%-16s %9s %19s %12s %10s %10s\n", "contender", "req/s",
	       "(min..max)", "req/cpu-s", "/no_probes", "/trapfloor");
	for (int ct = 0; ct < CT_COUNT; ct++) {
		if (!c->active[ct]) {
			if (c->skip_why[ct])
				printf("%-16s skipped: %s\n", ct_name[ct],
				       c->skip_why[ct]);
			continue;
		}
		bench_stat_of(c->rps[ct], c->n, &s);
		bench_stat_of(c->cpu_rps[ct], c->n, &cs);
		ratio_of(c, ct, CT_NONE, &ra);
		ratio_of(c, ct, tf, &rb);
		printf("%-16s %9.0f %9.0f..%-9.0f %12.0f %10.3f %10.3f%s\n",
		       ct_name[ct], s.med, s.min, s.max, cs.med, ra.med, rb.med,
		       c->not_real[ct] ? "  NOT REAL" : "");
	}
	printf("(req/cpu-s: requests per CPU second of nginx, wrk and the "
	       "contender's own process)\n");
	for (int ct = CT_ENF; ct <= CT_ENF_SCOPED; ct++) {
		if (ct == CT_FLOOR_NGINX || !c->active[ct])
			continue;
		bench_stat_of(c->per_req[ct], c->n, &s);
		printf("%s: %.2f tls events a request (median; four calls a "
		       "request move data, two of them nginx's)\n",
		       ct_name[ct], s.med);
	}
	if (c->active[CT_SSLSNOOP]) {
		bench_stat_of(c->per_req[CT_SSLSNOOP], c->n, &s);
		printf("sslsnoop: %.2f lines printed a request (median); the "
		       "rest lost in bpftrace's perf buffer\n",
		       s.med);
	}
	printf("trap_floor is %s: %s\n", ct_name[tf],
	       same_sites(&c->enf_probes, &c->floor[tf]) ?
		       "the uprobes enforcerd attaches on libssl" :
		       "the nearest to enforcerd's uprobes (neither matches exactly)");
	if (c->discarded || c->waited_ms)
		printf("%lu rounds discarded and run again, %.1fs waited: another session had uprobes on libssl\n",
		       c->discarded, c->waited_ms / 1000.0);
	if (c->suspect_rounds)
		printf("SUSPECT: %u of the rounds above ran while another session had uprobes on libssl\n",
		       c->suspect_rounds);

	printf("ratios (median of per-round ratios, min..max):\n");
	snprintf(label, sizeof(label), "enforcerd / trap_floor (%s)",
		 ct_name[tf]);
	if (ratio_of(c, CT_ENF, tf, &s))
		snprintf(target, sizeof(target), "target >= 0.95: %s",
			 s.med >= 0.95 ? "met" : "missed");
	print_ratio(c, CT_ENF, tf, label, target);
	if (ratio_of(c, CT_ENF, CT_SSLSNOOP, &s))
		snprintf(target, sizeof(target), "target > 1 (ahead): %s",
			 s.med > 1 ? "met" : "missed");
	print_ratio(c, CT_ENF, CT_SSLSNOOP, "enforcerd / sslsnoop", target);
	print_ratio(c, CT_ENF, CT_NONE, "enforcerd / no_probes", NULL);
	print_ratio(c, CT_ENF, CT_FLOOR_ENF, "enforcerd / floor_enforcerd",
		    NULL);
	print_ratio(c, CT_ENF_SCOPED, CT_NONE, "enforcerd_nginx / no_probes",
		    NULL);
	print_ratio(c, CT_ENF_SCOPED, tf, "enforcerd_nginx / trap_floor", NULL);
	print_ratio(c, CT_ENF_SCOPED, CT_FLOOR_NGINX,
		    "enforcerd_nginx / floor_nginx", NULL);
	print_ratio(c, CT_FLOOR_R, CT_NONE, "floor_r / no_probes", NULL);
	print_ratio(c, CT_FLOOR_RW, CT_NONE, "floor_rw / no_probes", NULL);
	print_ratio(c, CT_FLOOR_ENF, CT_NONE, "floor_enforcerd / no_probes",
		    NULL);
	print_ratio(c, CT_FLOOR_NGINX, CT_NONE, "floor_nginx / no_probes",
		    NULL);
	print_ratio(c, CT_SSLSNOOP, CT_NONE, "sslsnoop / no_probes", NULL);

	bench_stat_of(c->rps[CT_ENF], c->n, &s);
	if (ratio_of(c, CT_ENF, tf, &rb))
		bench_summary("capture", "rps", s.med, "trap_floor", &rb);
	if (ratio_of(c, CT_ENF, CT_SSLSNOOP, &rb))
		bench_summary("capture_peer", "rps", s.med, "sslsnoop", &rb);
	if (ratio_of(c, CT_ENF, CT_NONE, &rb))
		bench_summary("capture_noprobe", "rps", s.med, "no_probes",
			      &rb);
	if (ratio_of(c, CT_ENF_SCOPED, CT_NONE, &rb)) {
		bench_stat_of(c->rps[CT_ENF_SCOPED], c->n, &s);
		bench_summary("capture_scoped", "rps", s.med, "no_probes", &rb);
	} else if (c->skip_why[CT_ENF_SCOPED]) {
		printf("bench capture_scoped: skipped (%s)\n",
		       c->skip_why[CT_ENF_SCOPED]);
	}
}

/* ---- setup --------------------------------------------------------------- */

/* Which contenders run; 77 when a tool is missing. */
static int check_tools(struct ctx *c)
{
	const char *need[] = { "nginx", "wrk", "openssl" };

	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!proc_have(need[i])) {
			printf("skipped: %s is not installed (make deps)\n",
			       need[i]);
			return BENCH_SKIP;
		}
	}
	if (!proc_have(c->o.enforcerd) || !proc_have(c->o.enforcerctl)) {
		fprintf(stderr,
			"Error: %s or %s not built (build enforcerd and "
			"enforcerctl, or give --enforcerd/--enforcerctl)\n",
			c->o.enforcerd, c->o.enforcerctl);
		return -ENOENT;
	}
	for (int ct = 0; ct < CT_COUNT; ct++)
		c->active[ct] = true;
	if (c->o.no_peer) {
		c->active[CT_SSLSNOOP] = false;
		c->skip_why[CT_SSLSNOOP] = "--no-peer";
	} else if (!proc_have("bpftrace") || access(c->o.sslsnoop, R_OK)) {
		printf("skipped: bpftrace or %s missing (make deps)\n",
		       c->o.sslsnoop);
		return BENCH_SKIP;
	}
	return 0;
}

static int setup(struct ctx *c)
{
	char conf[PATH_MAX];
	struct wrk_result w;
	int err;

	err = bench_tmp_make(&c->tmp, "capture");
	if (err)
		return err;
	snprintf(c->pin, sizeof(c->pin), PIN_ROOT "/enfbench-%d",
		 (int)getpid());
	snprintf(c->sock, sizeof(c->sock), "%s/enforcerd.sock", c->tmp.dir);

	err = bench_make_cert(c->tmp.dir, in_dir(c, "openssl.err"));
	err = err ?: start_nginx(c);
	if (err)
		return err;

	c->skel = bench_tls_floor__open_and_load();
	if (!c->skel) {
		err = -errno;
		fprintf(stderr, "Error: loading bench_tls_floor: %s\n",
			strerror(-err));
		return err;
	}
	err = resolve_offsets(c);
	if (err)
		return err;

	/* The daemon: its config must be accepted, its probes are read
	 * back, and the narrowed one runs only where it is accepted. */
	snprintf(conf, sizeof(conf), "%s/enforcer.conf", c->tmp.dir);
	err = write_enf_conf(c, false, conf);
	if (err)
		return err;
	if (enf_check_config(c, conf)) {
		fprintf(stderr, "Error: enforcerd refuses %s\n", conf);
		bench_print_tail("enforcerd --check-config",
				 in_dir(c, "check.out"));
		return -EINVAL;
	}
	err = enf_probe(c, false, &c->enf_probes);
	if (err)
		return err;
	c->floor[CT_FLOOR_ENF] = c->enf_probes;
	if (same_sites(&c->enf_probes, &c->floor[CT_FLOOR_R])) {
		c->trap_floor = CT_FLOOR_R;
	} else if (same_sites(&c->enf_probes, &c->floor[CT_FLOOR_RW])) {
		c->trap_floor = CT_FLOOR_RW;
	} else {
		/* Nearest: return probes on a write or not. */
		c->trap_floor = CT_FLOOR_R;
		for (int f = 0; f < FN_COUNT; f++)
			if (!fn_reads[f] &&
			    census_has(&c->enf_probes, c->fn_off[f], true))
				c->trap_floor = CT_FLOOR_RW;
	}
	printf("trap floor: %s (floor_r: entry on the four, return on the "
	       "reads; floor_rw: return on all four)\n",
	       ct_name[c->trap_floor]);

	snprintf(conf, sizeof(conf), "%s/enforcer-nginx.conf", c->tmp.dir);
	err = write_enf_conf(c, true, conf);
	if (err)
		return err;
	if (c->o.no_scope) {
		c->skip_why[CT_ENF_SCOPED] = "--no-scope";
	} else if (enf_check_config(c, conf)) {
		char why[256] = "";
		char *nl;

		bench_read_text(in_dir(c, "check.out"), why, sizeof(why));
		nl = strchr(why, '\n');
		if (nl)
			*nl = '\0';
		printf("enforcerd_nginx: '%s' refused (%s)\n", c->o.scope, why);
		c->skip_why[CT_ENF_SCOPED] = "not supported yet";
	} else {
		err = enf_probe(c, true, &c->scoped_probes);
		if (err)
			return err;
	}
	if (c->skip_why[CT_ENF_SCOPED]) {
		c->active[CT_ENF_SCOPED] = false;
		c->active[CT_FLOOR_NGINX] = false;
		c->skip_why[CT_FLOOR_NGINX] = c->skip_why[CT_ENF_SCOPED];
	} else {
		c->floor[CT_FLOOR_NGINX] = c->floor[c->trap_floor];
	}

	/* Warm-up, unmeasured: nginx's caches and sessions; and whether wrk
	 * maps the same libssl. */
	err = run_wrk(c, 1, &w, check_wrk_lib);
	if (!err)
		printf("warm-up: %.0f requests/s with no probes\n", w.rps);
	return err;
}

static void teardown(struct ctx *c)
{
	floor_detach(c);
	if (c->aux)
		proc_stop_child(&c->aux, SIGTERM, STOP_GRACE_MS);
	bench_rm_pins(c->pin);
	proc_stop_child(&c->nginx, SIGTERM, STOP_GRACE_MS);
	bench_tls_floor__destroy(c->skel);
	bench_tmp_remove(&c->tmp, c->o.keep);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: capture [--rounds N] [--seconds S] [--connections N] [--threads N]\n"
		"               [--retries N] [--max-wait S]\n"
		"               [--enforcerd PATH] [--enforcerctl PATH] [--rules-dir DIR]\n"
		"               [--scope LINE | --no-scope] [--sslsnoop FILE] [--no-peer] [--keep]\n"
		"  --rounds N       rounds, each runs every contender once (7)\n"
		"  --seconds S      length of one wrk run (3)\n"
		"  --connections N  wrk's connections (16)\n"
		"  --threads N      wrk's threads (1)\n"
		"  --retries N      suspect rounds (another session's uprobes on\n"
		"                   libssl) run again, at most N in all (3)\n"
		"  --max-wait S     seconds waited in all for those to go (60)\n"
		"  --enforcerd P    the daemon (" ENF_BENCH_BUILD_DIR
		"/enforcer/enforcerd)\n"
		"  --enforcerctl P  its CLI (" ENF_BENCH_BUILD_DIR
		"/enforcer/enforcerctl)\n"
		"  --rules-dir DIR  rules_dir for the daemon (" ENF_BENCH_SOURCE_DIR
		"/rules/sets)\n"
		"  --scope LINE     the config line narrowing capture to nginx\n"
		"                   (\"" SCOPE_LINE
		"\"); enforcerd_nginx runs when\n"
		"                   enforcerd --check-config accepts it\n"
		"  --no-scope       do not run enforcerd_nginx and floor_nginx\n"
		"  --sslsnoop FILE  bpftrace's script (" SSLSNOOP ")\n"
		"  --no-peer        do not run sslsnoop\n"
		"  --keep           keep the temp dir (configs, logs)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "rounds", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },
		{ "connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "retries", required_argument, NULL, 'T' },
		{ "max-wait", required_argument, NULL, 'W' },
		{ "enforcerd", required_argument, NULL, 'E' },
		{ "enforcerctl", required_argument, NULL, 'C' },
		{ "rules-dir", required_argument, NULL, 'R' },
		{ "scope", required_argument, NULL, 'S' },
		{ "no-scope", no_argument, NULL, 'N' },
		{ "sslsnoop", required_argument, NULL, 'B' },
		{ "no-peer", no_argument, NULL, 'P' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	int ch, err = 0;

	*o = (struct opts){
		.rounds = 7,
		.seconds = 3,
		.retries = 3,
		.max_wait_s = 60,
		.connections = 16,
		.threads = 1,
		.enforcerd = ENF_BENCH_BUILD_DIR "/enforcer/enforcerd",
		.enforcerctl = ENF_BENCH_BUILD_DIR "/enforcer/enforcerctl",
		.rules_dir = ENF_BENCH_SOURCE_DIR "/rules/sets",
		.scope = SCOPE_LINE,
		.sslsnoop = SSLSNOOP,
	};
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			err = bench_parse_ulong("--rounds", optarg, 1,
						BENCH_MAX_SAMPLES, &o->rounds);
			break;
		case 's':
			err = bench_parse_ulong("--seconds", optarg, 1, 60,
						&o->seconds);
			break;
		case 'c':
			err = bench_parse_ulong("--connections", optarg, 1,
						1000, &o->connections);
			break;
		case 't':
			err = bench_parse_ulong("--threads", optarg, 1, 64,
						&o->threads);
			break;
		case 'T':
			err = bench_parse_ulong("--retries", optarg, 0, 100,
						&o->retries);
			break;
		case 'W':
			err = bench_parse_ulong("--max-wait", optarg, 0, 3600,
						&o->max_wait_s);
			break;
		case 'E':
			o->enforcerd = optarg;
			break;
		case 'C':
			o->enforcerctl = optarg;
			break;
		case 'R':
			o->rules_dir = optarg;
			break;
		case 'S':
			o->scope = optarg;
			break;
		case 'N':
			o->no_scope = true;
			break;
		case 'B':
			o->sslsnoop = optarg;
			break;
		case 'P':
			o->no_peer = true;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (err)
			return err;
	}
	if (optind < argc || o->threads > o->connections) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	bool fake = false;
	struct ctx *c;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	if (geteuid() != 0) {
		printf("skipped: capture needs root (uprobes)\n");
		free(c);
		return BENCH_SKIP;
	}
	err = check_tools(c);
	if (err) {
		free(c);
		return err == BENCH_SKIP ? BENCH_SKIP : 1;
	}
	c->hz = sysconf(_SC_CLK_TCK);
	bench_env_init();
	print_affinity();

	err = setup(c);
	err = err ?: measure(c);
	if (proc_stop)
		printf("\ninterrupted\n");
	if (c->n)
		report(c);
	teardown(c);
	for (int ct = 0; ct < CT_COUNT; ct++)
		fake |= c->not_real[ct];
	if (fake)
		fprintf(stderr,
			"Error: a contender did not really run (see NOT REAL above)\n");
	free(c);
	return err || fake ? 1 : 0;
}
