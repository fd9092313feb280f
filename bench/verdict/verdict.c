// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench verdict: how long a denying verdict takes to be enforced. For a
 * request that matches an enforce:flow rule, the latency from the uprobe's
 * timestamp of the decrypted request (the capture) to
 *
 * - the deny entry written into the XDP maps: the latency_ns of the
 *   request's audit row, which the daemon measures (CLOCK_MONOTONIC, the
 *   clock of bpf_ktime_get_ns(), right after the map update returned);
 * - the first packet of the flow dropped by XDP on the server's veth: the
 *   first rise of the pinned per-CPU drop_flow counter, seen by this
 *   process polling it;
 *
 * at idle and while wrk loads the TLS server as hard as it goes, with the
 * distributions printed. No baseline: the target is p99 <= 1 ms at idle.
 *
 * Setup: a server and a client network namespace joined by a veth pair
 * (192.0.2.1 on the server side; 192.0.2.3, the primary address wrk
 * connects from, and 192.0.2.2, the measuring client's, on the client
 * side); nginx (one worker) serving TLS on 192.0.2.1:8443; enforcerd from
 * the build dir in the server namespace with XDP on the server's veth, a
 * temp config, database, control socket and pin dir (removed at its stop:
 * --detach), capture narrowed to nginx (capture_comms = nginx: the clients
 * of a real server are other hosts, whose TLS calls are not captured;
 * --unscoped captures every process, this benchmark's client and wrk
 * too), and one rule:
 *
 *   SecRule DIRECTION "@streq inbound" "id:990701,...,chain,deny,
 *           enforce:flow,ttl:60"
 *     SecRule REQUEST_URI "@contains <tag>" "t:none"
 *
 * so that only nginx's read of the request matches, never a client's
 * write of it (which --unscoped captures as outbound).
 *
 * A sample: a new TCP connection (a fresh source port, so a fresh deny
 * entry) from 192.0.2.2, TLS handshake, then the matching request
 * written in one SSL_write() (TCP_NODELAY) at t_send. From then on this
 * process spins: it sends a probe packet of the flow every --probe-us,
 * and polls the pinned maps: deny_src4 for the client's address until
 * the daemon marked it (t_mark: its first map write for a flow), then
 * deny_flow for the flow's key (t_seen), then the drop_flow counter of
 * the veth's xdp_host until it rose (t_drop). One pass of the loop is
 * about half a microsecond here (printed): the resolution of the three.
 * The capture time, in CLOCK_MONOTONIC, is t_seen - latency_ns, so
 *
 *   entry written = latency_ns (the daemon's own figure)
 *   first drop    = t_drop - (t_seen - latency_ns)
 *
 * t_seen is late by at most one pass, which makes the first-drop figure
 * that much short. The row's own time (time_ns, CLOCK_REALTIME) is not
 * used for this: the daemon takes it after it has written the blocklist
 * row and a log line, so (time_ns - latency_ns), moved to CLOCK_MONOTONIC
 * by an offset measured here (clock_gettime of both back to back), is a
 * capture time 0.1 to several ms late; how late is printed.
 *
 * Probes: a bare TCP segment of the flow (its 5-tuple, no flags, no data)
 * from a raw socket in the client namespace; XDP judges it like any
 * packet of the flow, and behind XDP the server's TCP discards it (a
 * segment without ACK; at most a rate-limited duplicate ACK), so neither
 * nginx nor the daemon sees it. --probe tls writes one TLS byte on the
 * connection instead, as a client would keep talking; nginx reads each
 * and the capture hands each to the daemon, which then measures itself
 * under that flood (idle p50 3 ms instead of 0.2 ms, measured).
 *
 * After the sample, the entry is removed (enforcerctl block del, which
 * also clears its source's mark, so every sample takes the same path:
 * mark, then flow; and no packet of an old flow is dropped, and counted,
 * during a later sample) and the connection reset (SO_LINGER 0). The
 * next sample starts --gap-ms to 1.5 x --gap-ms later (random), so that
 * each finds the daemon idle again (after records it polls the ring
 * every capture_poll_ms, default 10 ms, until two polls found nothing).
 * Rows are read back with enforcerctl audit query (matched to samples by
 * their URI); the daemon's histogram (enforcerctl stats) must have grown
 * by as many verdicts.
 *
 * Loaded: wrk (-t1 -c16, keep-alive) from 192.0.2.3 against the same
 * nginx, in runs of --load-seconds that follow each other while samples
 * remain; a sample is taken only while a run is past its first second
 * and before its last.
 *
 * CPUs: the measuring thread runs alone on one CPU (the one run.sh pins
 * the benchmark to, or --cpu); nginx, enforcerd and wrk on the others
 * (--sut-cpus, --enf-cpus), so the spinning never takes a CPU from the
 * system under test (on the CPU of a spinning client, the daemon waits
 * for its time slice: milliseconds, measured). On a 2-CPU machine the
 * system under test has one CPU, so the daemon, woken by the capture,
 * runs once nginx has answered the request and waits for the next one.
 *
 * Needs root, nginx, wrk, openssl; exits 77 (skipped) without.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "bench.h"
#include "enforcer/flow.h"
#include "enforcer/xdp.h"
#include "env.h"
#include "proc.h"

#ifndef ENF_BENCH_BUILD_DIR
#define ENF_BENCH_BUILD_DIR "build"
#endif
#ifndef ENF_BENCH_SOURCE_DIR
#define ENF_BENCH_SOURCE_DIR "."
#endif

#define SRV_ADDR "192.0.2.1"
#define CLI_ADDR "192.0.2.2" /* the measuring client */
#define LOAD_ADDR "192.0.2.3" /* wrk's: the primary address */
#define SRV_PORT 8443
#define RULE_ID 990701
#define PIN_ROOT "/sys/fs/bpf"
#define SCOPE_LINE "capture_comms = nginx"
#define TARGET_US 1000.0

#define ENF_START_MS 20000
#define STOP_GRACE_MS 10000
#define CTL_MS 10000
#define WRK_WARM_MS 1000 /* after wrk starts, before a sample */
#define WRK_TAIL_MS 1000 /* no sample in a run's last second */
#define MAX_CONF 16
#define MAX_CPUS 1024 /* possible CPUs a per-CPU value here holds */
#define MAX_MISSING_PCT 10

struct opts {
	unsigned long samples;
	unsigned long warmup;
	unsigned long gap_ms;
	unsigned long window_ms;
	unsigned long probe_us;
	unsigned long entry_wait_ms;
	unsigned long load_seconds;
	unsigned long connections;
	unsigned long threads;
	long cpu;
	const char *sut_cpus;
	const char *enf_cpus;
	const char *enforcerd;
	const char *enforcerctl;
	const char *rules_dir;
	const char *csv;
	const char *conf[MAX_CONF];
	size_t n_conf;
	bool unscoped;
	bool tls_probe;
	bool no_idle;
	bool no_load;
	bool keep;
};

/**
 * struct sample - one request's times
 * @t_send: CLOCK_MONOTONIC ns just before SSL_write() of the request
 * @t_mark: when the poll first found the client's source marked in
 *	deny_src4 (the daemon's first map write for the flow); 0: never, or
 *	marked before the sample
 * @t_seen: when the poll first found the flow's deny entry; 0: never
 * @t_drop: when the poll first found drop_flow risen; 0: never
 * @rt_off: CLOCK_REALTIME - CLOCK_MONOTONIC, measured before @t_send
 * @time_ns: the audit row's time (CLOCK_REALTIME)
 * @latency_ns: the audit row's latency_ns; 0: no row (or NULL)
 * @polls: map reads in the spin
 * @spin_ns: the spin's length
 * @probes: probe packets (or TLS bytes) sent
 * @sport: the client's port
 * @seq: the number in the request's URI (every attempt has its own)
 * @early: drop_flow had already risen when the entry was first seen
 */
struct sample {
	int64_t t_send, t_mark, t_seen, t_drop, rt_off, time_ns, latency_ns;
	int64_t spin_ns;
	unsigned int polls, probes, seq;
	uint16_t sport;
	bool early;
};

struct wrk_total {
	double requests, seconds, rps_min, rps_max;
	unsigned long long non2xx, sock_errors;
	unsigned int runs;
};

struct phase {
	const char *name;
	bool loaded;
	struct sample *s;
	size_t n; /* samples taken */
	size_t rows; /* with an audit row */
	size_t no_entry; /* entry never seen */
	size_t no_drop; /* entry seen, no drop within --window-ms */
	size_t early;
	unsigned long long hist_count; /* the daemon's histogram, growth */
	unsigned long long *hist_delta;
	double *hist_le_us;
	size_t hist_n;
	unsigned long long drops; /* drop_flow's growth */
	unsigned long long lost; /* capture records lost, growth */
	struct wrk_total wrk;
};

struct ctx {
	struct opts o;
	struct bench_tmp tmp; /* certificate, configs, logs, database */
	char pin[64];
	char sock[128];
	char ns_srv[32], ns_cli[32];
	char if_srv[IFNAMSIZ], if_cli[IFNAMSIZ];
	char tag[32];
	char sut_cpus[256];
	char enf_cpus[256];
	int cpu;
	bool ns_made[2];
	int own_ns, cli_ns;
	pid_t nginx, enf, wrk;
	int64_t wrk_start;
	int flow_fd, src4_fd, stats_fd, raw_fd;
	int ncpus;
	SSL_CTX *tls;
	uint64_t rng;
	unsigned int seq; /* of the last request sent */
	struct phase ph[2];
	double sendto_ns; /* a probe's cost, measured at setup */
};

/* ---- small helpers ------------------------------------------------------- */

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of 5 readings. */
static int64_t rt_offset(void)
{
	int64_t best = INT64_MAX, off = 0;

	for (int i = 0; i < 5; i++) {
		int64_t m1 = mono_ns(), r = clock_ns(CLOCK_REALTIME);
		int64_t m2 = mono_ns();

		if (m2 - m1 < best) {
			best = m2 - m1;
			off = r - (m1 + (m2 - m1) / 2);
		}
	}
	return off;
}

/* @name in the temp dir (bench_tmp_path()). */
static const char *in_dir(struct ctx *c, const char *name)
{
	return bench_tmp_path(&c->tmp, name);
}

/*
 * Runs @argv to its end, its output in cmd.out; not stopped by a stop
 * request (teardown uses it after one). Return: its exit code, or -1.
 */
static int run_cmd(struct ctx *c, char *const argv[], unsigned int timeout_ms)
{
	unsigned int waited = 0;
	pid_t pid;
	int st;

	if (proc_spawn(argv, in_dir(c, "cmd.out"), in_dir(c, "cmd.out"), &pid))
		return -1;
	while (waitpid(pid, &st, WNOHANG) == 0) {
		struct timespec ts = { 0, 5000000L };

		if (waited >= timeout_ms) {
			proc_stop_child(&pid, SIGKILL, 1000);
			return -1;
		}
		nanosleep(&ts, NULL);
		waited += 5;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ip ARGS...: fails loudly. */
static int ip(struct ctx *c, ...)
{
	char *argv[16] = { "ip" };
	size_t n = 1;
	va_list ap;
	int rc;

	va_start(ap, c);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	rc = run_cmd(c, argv, 10000);
	if (rc) {
		fprintf(stderr, "Error: ip");
		for (size_t i = 1; i < n; i++)
			fprintf(stderr, " %s", argv[i]);
		fprintf(stderr, " failed (%d)\n", rc);
		bench_print_tail("ip", in_dir(c, "cmd.out"));
		return -EIO;
	}
	return 0;
}

/* ---- CPUs ---------------------------------------------------------------- */

/*
 * The measuring CPU: --cpu, else the last one this process may run on
 * (bench/run.sh pins it to one). The system under test gets --sut-cpus,
 * else every online CPU but that one (all of them on a 1-CPU machine).
 */
static int setup_cpus(struct ctx *c)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	size_t len = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -errno;
	c->cpu = -1;
	if (c->o.cpu >= 0)
		c->cpu = (int)c->o.cpu;
	else
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				c->cpu = i;
	if (c->cpu < 0 || c->cpu >= online) {
		fprintf(stderr, "Error: no CPU %d here\n", c->cpu);
		return -EINVAL;
	}
	if (c->o.sut_cpus) {
		snprintf(c->sut_cpus, sizeof(c->sut_cpus), "%s", c->o.sut_cpus);
	} else {
		for (int i = 0; i < online && len < sizeof(c->sut_cpus) - 8;
		     i++)
			if (i != c->cpu || online == 1)
				len += snprintf(c->sut_cpus + len,
						sizeof(c->sut_cpus) - len,
						"%s%d", len ? "," : "", i);
	}
	snprintf(c->enf_cpus, sizeof(c->enf_cpus), "%s",
		 c->o.enf_cpus ? c->o.enf_cpus : c->sut_cpus);
	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	printf("CPUs: the measuring client on CPU %d; nginx and wrk on %s, "
	       "enforcerd on %s (of %ld online)\n",
	       c->cpu, c->sut_cpus, c->enf_cpus, online);
	return 0;
}

/* ---- network namespaces -------------------------------------------------- */

static int setup_net(struct ctx *c)
{
	char path[64];
	int err;

	err = ip(c, "netns", "add", c->ns_srv, NULL);
	if (err)
		return err;
	c->ns_made[0] = true;
	err = ip(c, "netns", "add", c->ns_cli, NULL);
	if (err)
		return err;
	c->ns_made[1] = true;
	err = ip(c, "link", "add", c->if_srv, "netns", c->ns_srv, "type",
		 "veth", "peer", "name", c->if_cli, "netns", c->ns_cli, NULL);
	err = err   ?:
		      ip(c, "-n", c->ns_srv, "addr", "add", SRV_ADDR "/24",
			 "dev", c->if_srv, NULL);
	/* wrk's address first: the primary, which a socket that does not
	 * bind gets; the measuring client binds to the second */
	err = err   ?:
		      ip(c, "-n", c->ns_cli, "addr", "add", LOAD_ADDR "/24",
			 "dev", c->if_cli, NULL);
	err = err   ?:
		      ip(c, "-n", c->ns_cli, "addr", "add", CLI_ADDR "/24",
			 "dev", c->if_cli, NULL);
	err = err ?: ip(c, "-n", c->ns_srv, "link", "set", "lo", "up", NULL);
	err = err ?: ip(c, "-n", c->ns_cli, "link", "set", "lo", "up", NULL);
	err = err   ?:
		      ip(c, "-n", c->ns_srv, "link", "set", c->if_srv, "up",
			 NULL);
	err = err   ?:
		      ip(c, "-n", c->ns_cli, "link", "set", c->if_cli, "up",
			 NULL);
	if (err)
		return err;
	snprintf(path, sizeof(path), "/run/netns/%s", c->ns_cli);
	c->cli_ns = open(path, O_RDONLY | O_CLOEXEC);
	c->own_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (c->cli_ns < 0 || c->own_ns < 0) {
		fprintf(stderr, "Error: opening the namespaces: %s\n",
			strerror(errno));
		return -errno;
	}
	return 0;
}

/* A socket in the client namespace. */
static int sock_in_cli(struct ctx *c, int domain, int type, int proto)
{
	int fd, err = 0;

	if (setns(c->cli_ns, CLONE_NEWNET))
		return -errno;
	fd = socket(domain, type | SOCK_CLOEXEC, proto);
	if (fd < 0)
		err = -errno;
	if (setns(c->own_ns, CLONE_NEWNET)) {
		/* cannot happen with root; nothing here works without it */
		fprintf(stderr, "Error: back to our namespace: %s\n",
			strerror(errno));
		exit(1);
	}
	return fd < 0 ? err : fd;
}

static void addr_of(struct sockaddr_in *sa, const char *addr, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sa->sin_addr);
}

/* A TCP connection from @from (port 0: any) to the server, or -errno. */
static int tcp_connect(struct ctx *c, const char *from)
{
	struct timeval tv = { .tv_sec = 3 };
	struct sockaddr_in src, dst;
	int fd, one = 1, err;

	fd = sock_in_cli(c, AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return fd;
	addr_of(&src, from, 0);
	addr_of(&dst, SRV_ADDR, SRV_PORT);
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* ---- nginx --------------------------------------------------------------- */

static int start_nginx(struct ctx *c)
{
	char conf_path[128], err_log[128], net[64];
	char *argv[] = { "taskset", "-c",    c->sut_cpus, "nsenter", net,
			 "nginx",   "-p",    c->tmp.dir,  "-c",	     conf_path,
			 "-e",	    err_log, NULL };
	int err, fd = -1;

	snprintf(net, sizeof(net), "--net=/run/netns/%s", c->ns_srv);
	snprintf(conf_path, sizeof(conf_path), "%s/nginx.conf", c->tmp.dir);
	snprintf(err_log, sizeof(err_log), "%s/nginx-error.log", c->tmp.dir);
	err = bench_nginx_conf(c->tmp.dir, "bench/verdict", SRV_ADDR, SRV_PORT,
			       1024, 10);
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
		fd = tcp_connect(c, LOAD_ADDR);
		if (fd >= 0)
			break;
		proc_msleep(25);
	}
	if (fd < 0) {
		fprintf(stderr,
			"Error: nginx did not start on " SRV_ADDR ":%d\n",
			SRV_PORT);
		bench_print_tail("nginx error log", err_log);
		return -EIO;
	}
	close(fd);
	printf("nginx %d on https://" SRV_ADDR ":%d/ in %s\n", (int)c->nginx,
	       SRV_PORT, c->ns_srv);
	return 0;
}

/* ---- enforcerd ----------------------------------------------------------- */

/* enforcerctl ARGS... into @out (NULL: cmd.out). Return: its exit code. */
static int ctl(struct ctx *c, const char *out, ...)
{
	char *argv[16] = { (char *)c->o.enforcerctl, "-s", c->sock };
	size_t n = 3;
	va_list ap;
	pid_t pid;
	int st, err;

	va_start(ap, out);
	while (n < 15 && (argv[n] = va_arg(ap, char *)))
		n++;
	va_end(ap);
	argv[n] = NULL;
	err = proc_spawn(argv, out ? out : in_dir(c, "ctl.out"),
			 in_dir(c, "ctl.err"), &pid);
	if (err)
		return err;
	err = proc_wait(pid, CTL_MS, &st, NULL);
	if (err) {
		proc_stop_child(&pid, SIGKILL, 1000);
		return err;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -EINTR;
}

/* enforcerctl --json ARGS..., parsed; NULL (and why) on failure. */
static json_t *ctl_json(struct ctx *c, const char *a1, const char *a2,
			const char *a3)
{
	const char *path = in_dir(c, "ctl.json");
	json_error_t jerr;
	json_t *j;
	int rc;

	rc = ctl(c, path, "--json", a1, a2, a3, NULL);
	if (rc) {
		fprintf(stderr, "Error: enforcerctl %s %s failed (%d)\n", a1,
			a2 ? a2 : "", rc);
		bench_print_tail("enforcerctl", in_dir(c, "ctl.err"));
		return NULL;
	}
	j = json_load_file(path, 0, &jerr);
	if (!j)
		fprintf(stderr, "Error: enforcerctl %s: %s\n", a1, jerr.text);
	return j;
}

static int write_enf_conf(struct ctx *c, const char *path)
{
	char conf[4096];
	size_t len;

	len = snprintf(conf, sizeof(conf),
		       "# enforcerd configuration written by bench/verdict\n"
		       "interface = %s\n"
		       "xdp_mode = auto\n"
		       "rules_dir = %s\n"
		       "database = %s/policy.db\n"
		       "control_socket = %s\n"
		       "pin_path = %s\n"
		       "log_level = info\n"
		       "%s%s",
		       c->if_srv, c->o.rules_dir, c->tmp.dir, c->sock, c->pin,
		       c->o.unscoped ? "" : SCOPE_LINE,
		       c->o.unscoped ? "" : "\n");
	for (size_t i = 0; i < c->o.n_conf && len < sizeof(conf); i++)
		len += snprintf(conf + len, sizeof(conf) - len, "%s\n",
				c->o.conf[i]);
	if (len >= sizeof(conf))
		return -E2BIG;
	return bench_write_text(path, conf);
}

/* Whether the daemon answers enforcerctl status. */
static bool enf_up(void *c)
{
	return ctl(c, NULL, "status", NULL) == 0;
}

static int start_enf(struct ctx *c)
{
	char conf[PATH_MAX], net[64];
	char *check[] = { (char *)c->o.enforcerd, "-c", conf, "--check-config",
			  NULL };
	char *argv[] = { "taskset", "-c", c->enf_cpus,
			 "nsenter", net,  (char *)c->o.enforcerd,
			 "-c",	    conf, "--detach",
			 NULL };
	char line[512];
	FILE *f;
	int err;

	snprintf(conf, sizeof(conf), "%s/enforcer.conf", c->tmp.dir);
	snprintf(net, sizeof(net), "--net=/run/netns/%s", c->ns_srv);
	err = write_enf_conf(c, conf);
	if (err)
		return err;
	if (run_cmd(c, check, 60000)) {
		fprintf(stderr, "Error: enforcerd refuses %s\n", conf);
		bench_print_tail("enforcerd --check-config",
				 in_dir(c, "cmd.out"));
		return -EINVAL;
	}
	printf("enforcerd config:");
	f = fopen(conf, "re");
	while (f && fgets(line, sizeof(line), f))
		if (line[0] != '#')
			printf(" %.*s;", (int)strcspn(line, "\n"), line);
	if (f)
		fclose(f);
	printf("\n");
	err = proc_spawn(argv, in_dir(c, "enforcerd.log"),
			 in_dir(c, "enforcerd.log"), &c->enf);
	if (err)
		return err;
	err = bench_wait_up(&c->enf, ENF_START_MS, enf_up, c);
	if (err != -EIO)
		return err;
	fprintf(stderr, "Error: %s did not start (%s)\n", c->o.enforcerd, conf);
	bench_print_tail("enforcerd", in_dir(c, "enforcerd.log"));
	return -EIO;
}

/* A pinned map of the daemon's, checked against the layout used here. */
static int open_map(const char *path, enum bpf_map_type type, __u32 key,
		    __u32 value)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_obj_get(path), err;

	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "Error: %s: %s\n", path, strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || info.type != type ||
	    info.key_size != key || info.value_size != value) {
		fprintf(stderr,
			"Error: %s is not the map this benchmark knows (type %u, "
			"key %u, value %u bytes)\n",
			path, info.type, info.key_size, info.value_size);
		close(fd);
		return -EPROTO;
	}
	return fd;
}

/* drop_flow summed over CPUs. */
static int drop_count(struct ctx *c, uint64_t *out)
{
	__u64 v[MAX_CPUS];
	__u32 key = ENF_XDP_DROP_FLOW;

	if (bpf_map_lookup_elem(c->stats_fd, &key, v))
		return -errno;
	*out = 0;
	for (int i = 0; i < c->ncpus; i++)
		*out += v[i];
	return 0;
}

static int open_maps(struct ctx *c)
{
	char path[PATH_MAX];

	c->ncpus = libbpf_num_possible_cpus();
	if (c->ncpus <= 0 || c->ncpus > MAX_CPUS) {
		fprintf(stderr, "Error: %d possible CPUs\n", c->ncpus);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", c->pin, ENF_MAP_DENY_FLOW);
	c->flow_fd = open_map(path, BPF_MAP_TYPE_HASH, sizeof(struct enf_tuple),
			      sizeof(struct enf_deny_value));
	if (c->flow_fd < 0)
		return c->flow_fd;
	snprintf(path, sizeof(path), "%s/%s", c->pin, ENF_MAP_DENY_SRC4);
	c->src4_fd = open_map(path, BPF_MAP_TYPE_HASH, sizeof(__u32),
			      sizeof(struct enf_deny_value));
	if (c->src4_fd < 0)
		return c->src4_fd;
	snprintf(path, sizeof(path), "%s/%s/%s", c->pin, c->if_srv,
		 ENF_MAP_HOST_STATS);
	c->stats_fd = open_map(path, BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32),
			       sizeof(__u64));
	return c->stats_fd < 0 ? c->stats_fd : 0;
}

/* What the daemon says it attached: XDP on the veth, the TLS probes. */
static int print_status(struct ctx *c)
{
	json_t *st = ctl_json(c, "status", NULL, NULL), *v;
	size_t i;

	if (!st)
		return -EIO;
	printf("enforcerd %s, pid %lld:",
	       json_string_value(json_object_get(st, "version")) ?: "?",
	       (long long)json_integer_value(json_object_get(st, "pid")));
	json_array_foreach(json_object_get(st, "interfaces"), i, v)
		printf(" XDP on %s (%s, %s);",
		       json_string_value(json_object_get(v, "name")) ?: "?",
		       json_string_value(json_object_get(v, "driver")) ?: "?",
		       json_string_value(json_object_get(v, "mode")) ?: "?");
	json_array_foreach(
		json_object_get(json_object_get(st, "tls"), "libraries"), i, v)
		printf(" TLS probes on %s %s (pid %lld);",
		       json_string_value(json_object_get(v, "lib")) ?: "?",
		       json_string_value(json_object_get(v, "path")) ?: "?",
		       (long long)json_integer_value(
			       json_object_get(v, "pid")));
	printf("\n");
	json_decref(st);
	return 0;
}

/* Capture records the daemon lost so far (tls counters "lost"). */
static unsigned long long tls_lost(struct ctx *c)
{
	json_t *st = ctl_json(c, "status", NULL, NULL);
	unsigned long long n;

	if (!st)
		return 0;
	n = (unsigned long long)json_integer_value(json_object_get(
		json_object_get(json_object_get(st, "tls"), "counters"),
		"lost"));
	json_decref(st);
	return n;
}

static int add_rule(struct ctx *c)
{
	char rule[1024];

	snprintf(rule, sizeof(rule),
		 "SecRule DIRECTION \"@streq inbound\" \"id:%d,msg:'bench "
		 "verdict',chain,deny,enforce:flow,ttl:60\"\n"
		 "  SecRule REQUEST_URI \"@contains %s\" \"t:none\"",
		 RULE_ID, c->tag);
	if (ctl(c, NULL, "rule", "add", rule, NULL)) {
		fprintf(stderr, "Error: rule add refused:\n%s\n", rule);
		bench_print_tail("enforcerctl", in_dir(c, "ctl.err"));
		bench_print_tail("enforcerctl", in_dir(c, "ctl.out"));
		return -EINVAL;
	}
	printf("rule: %s\n", rule);
	return 0;
}

/* ---- wrk ----------------------------------------------------------------- */

static void parse_wrk(const char *out, struct wrk_total *w)
{
	unsigned long long e[4] = { 0 };
	double requests = 0, secs = 0, rps = 0;
	const char *p;

	p = strstr(out, " requests in ");
	if (p) {
		secs = strtod(p + strlen(" requests in "), NULL);
		while (p > out && p[-1] != '\n' && p[-1] != ' ')
			p--;
		requests = strtod(p, NULL);
	}
	if ((p = strstr(out, "Requests/sec:")))
		rps = strtod(p + strlen("Requests/sec:"), NULL);
	if ((p = strstr(out, "Non-2xx or 3xx responses:")))
		w->non2xx += strtoull(p + strlen("Non-2xx or 3xx responses:"),
				      NULL, 10);
	if ((p = strstr(out, "Socket errors:")) &&
	    sscanf(p,
		   "Socket errors: connect %llu, read %llu, write %llu, "
		   "timeout %llu",
		   &e[0], &e[1], &e[2], &e[3]) == 4)
		w->sock_errors += e[0] + e[1] + e[2] + e[3];
	if (requests <= 0 || secs <= 0)
		return;
	w->requests += requests;
	w->seconds += secs;
	if (!w->runs || rps < w->rps_min)
		w->rps_min = rps;
	if (!w->runs || rps > w->rps_max)
		w->rps_max = rps;
	w->runs++;
}

static int wrk_start(struct ctx *c)
{
	char net[64], threads[16], conns[16], dur[16];
	char *argv[] = { "taskset",   "-c",    c->sut_cpus,
			 "nsenter",   net,     "wrk",
			 "-t",	      threads, "-c",
			 conns,	      "-d",    dur,
			 "--timeout", "10s",   "https://" SRV_ADDR ":8443/",
			 NULL };
	int err;

	snprintf(net, sizeof(net), "--net=/run/netns/%s", c->ns_cli);
	snprintf(threads, sizeof(threads), "%lu", c->o.threads);
	snprintf(conns, sizeof(conns), "%lu", c->o.connections);
	snprintf(dur, sizeof(dur), "%lus", c->o.load_seconds);
	err = proc_spawn(argv, in_dir(c, "wrk.out"), in_dir(c, "wrk.err"),
			 &c->wrk);
	if (err)
		return err;
	c->wrk_start = mono_ns();
	proc_msleep(WRK_WARM_MS);
	if (proc_wait(c->wrk, 0, NULL, NULL) == 0) {
		c->wrk = 0;
		fprintf(stderr, "Error: wrk exited at once\n");
		bench_print_tail("wrk", in_dir(c, "wrk.err"));
		bench_print_tail("wrk", in_dir(c, "wrk.out"));
		return -EIO;
	}
	return proc_stop ? -EINTR : 0;
}

/* Waits for wrk's run to end (@now: stops it, SIGINT: wrk reports the
 * time it ran) and adds its figures to @w. */
static int wrk_finish(struct ctx *c, struct wrk_total *w, bool now)
{
	char out[4096];
	int st, err;

	if (!c->wrk)
		return 0;
	if (now)
		kill(c->wrk, SIGINT);
	err = proc_wait(c->wrk, (c->o.load_seconds + 30) * 1000, &st, NULL);
	if (err) {
		proc_stop_child(&c->wrk, SIGKILL, 1000);
		return err;
	}
	c->wrk = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "Error: wrk failed (status %d)\n", st);
		bench_print_tail("wrk", in_dir(c, "wrk.err"));
		return -EIO;
	}
	if (bench_read_text(in_dir(c, "wrk.out"), out, sizeof(out)) < 0)
		return -EIO;
	parse_wrk(out, w);
	return 0;
}

/* wrk running, warm, and not in its last second; restarted when due. */
static int wrk_ensure(struct ctx *c, struct wrk_total *w)
{
	int err;

	if (c->wrk) {
		int64_t left = (int64_t)c->o.load_seconds * 1000000000LL -
			       (mono_ns() - c->wrk_start);

		if (left > WRK_TAIL_MS * 1000000LL &&
		    proc_wait(c->wrk, 0, NULL, NULL) == -ETIMEDOUT)
			return 0;
		err = wrk_finish(c, w, false);
		if (err)
			return err;
	}
	return wrk_start(c);
}

/* ---- one sample ---------------------------------------------------------- */

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

/*
 * A bare TCP segment of the flow from the client's port: no flags, no
 * data, sequence number 0. XDP sees the 5-tuple; behind it, the server's
 * TCP discards a segment without ACK (one out of its window also earns
 * a rate-limited duplicate ACK), so nothing reaches nginx.
 */
static void probe_packet(uint8_t pkt[40], uint16_t sport)
{
	struct iphdr *iph = (struct iphdr *)pkt;
	struct tcphdr *th = (struct tcphdr *)(pkt + 20);
	uint32_t sum = 0;
	uint8_t pseudo[12];

	memset(pkt, 0, 40);
	iph->version = 4;
	iph->ihl = 5;
	iph->tot_len = htons(40);
	iph->frag_off = htons(IP_DF);
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	inet_pton(AF_INET, CLI_ADDR, &iph->saddr);
	inet_pton(AF_INET, SRV_ADDR, &iph->daddr);
	th->source = htons(sport);
	th->dest = htons(SRV_PORT);
	th->doff = 5;
	th->window = htons(1024);
	memcpy(pseudo, &iph->saddr, 4);
	memcpy(pseudo + 4, &iph->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = 20;
	sum = csum_add(sum, pseudo, sizeof(pseudo));
	sum = csum_add(sum, th, 20);
	th->check = htons(csum_fold(sum));
}

static void flow_key(struct enf_tuple *k, uint16_t sport)
{
	memset(k, 0, sizeof(*k));
	inet_pton(AF_INET, CLI_ADDR, k->saddr);
	inet_pton(AF_INET, SRV_ADDR, k->daddr);
	k->sport = htons(sport);
	k->dport = htons(SRV_PORT);
	k->proto = IPPROTO_TCP;
	k->family = ENF_FAMILY_V4;
}

static void ssl_error(const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	fprintf(stderr, "Error: %s: %s\n", what, e ? buf : strerror(errno));
	ERR_clear_error();
}

/*
 * One sample, as the file's comment says. Return: 0; -EAGAIN for a sample
 * whose connection failed (skipped, not counted); another -errno on a
 * failure that ends the run.
 */
static int take_sample(struct ctx *c, const char *label, struct sample *s)
{
	struct sockaddr_in sa = { 0 }, dst;
	socklen_t sl = sizeof(sa);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct enf_deny_value val;
	struct enf_tuple key;
	uint64_t base = 0, now_drops = 0;
	bool marked;
	__u32 src;
	int64_t t, next, entry_deadline, drop_deadline = 0;
	int64_t interval = (int64_t)c->o.probe_us * 1000;
	uint8_t pkt[40];
	char req[256], peer[32], local[32];
	SSL *ssl = NULL;
	int fd, len, err = 0;

	memset(s, 0, sizeof(*s));
	fd = tcp_connect(c, CLI_ADDR);
	if (fd < 0) {
		fprintf(stderr, "sample %s: connect: %s\n", label,
			strerror(-fd));
		return -EAGAIN;
	}
	ssl = SSL_new(c->tls);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1) {
		ssl_error("TLS handshake");
		SSL_free(ssl);
		close(fd);
		return -EAGAIN;
	}
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	s->sport = ntohs(sa.sin_port);
	flow_key(&key, s->sport);
	inet_pton(AF_INET, CLI_ADDR, &src);
	/* a mark left from before: no mark time for this sample */
	marked = bpf_map_lookup_elem(c->src4_fd, &src, &val) == 0;
	probe_packet(pkt, s->sport);
	addr_of(&dst, SRV_ADDR, SRV_PORT);
	if (c->o.tls_probe)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	s->seq = ++c->seq;
	len = snprintf(req, sizeof(req),
		       "GET /?q=%s-%s-%u HTTP/1.1\r\nHost: bench\r\n\r\n",
		       c->tag, label, s->seq);
	err = drop_count(c, &base);
	if (err)
		goto out;
	s->rt_off = rt_offset();

	s->t_send = mono_ns();
	if (SSL_write(ssl, req, len) != len) {
		ssl_error("SSL_write of the request");
		err = -EAGAIN;
		goto out;
	}
	t = mono_ns();
	next = t;
	entry_deadline = s->t_send + (int64_t)c->o.entry_wait_ms * 1000000LL;
	for (;;) {
		if (t >= next) {
			if (c->o.tls_probe)
				SSL_write(ssl, "x", 1);
			else
				sendto(c->raw_fd, pkt, sizeof(pkt), 0,
				       (struct sockaddr *)&dst, sizeof(dst));
			s->probes++;
			next += interval;
			if (next < t)
				next = t + interval;
		}
		s->polls++;
		if (!marked) {
			if (bpf_map_lookup_elem(c->src4_fd, &src, &val) == 0) {
				s->t_mark = mono_ns();
				marked = true;
			}
		} else if (!s->t_seen) {
			if (bpf_map_lookup_elem(c->flow_fd, &key, &val) == 0) {
				s->t_seen = mono_ns();
				drop_deadline =
					s->t_seen +
					(int64_t)c->o.window_ms * 1000000LL;
				if (drop_count(c, &now_drops) == 0 &&
				    now_drops > base) {
					s->t_drop = s->t_seen;
					s->early = true;
					break;
				}
			}
		} else if (drop_count(c, &now_drops) == 0 && now_drops > base) {
			s->t_drop = mono_ns();
			break;
		}
		t = mono_ns();
		if (!s->t_seen && t > entry_deadline)
			break;
		if (s->t_seen && t > drop_deadline)
			break;
		if (proc_stop) {
			err = -EINTR;
			break;
		}
	}
	s->spin_ns = mono_ns() - s->t_send;

out:
	/* the entry goes (and its source's mark with it: the next sample
	 * takes the same path, and no packet of this flow is dropped during
	 * it), then the connection is reset, which the server now sees; an
	 * entry not seen may still come: removed too, if it came */
	snprintf(peer, sizeof(peer), CLI_ADDR ":%u", s->sport);
	snprintf(local, sizeof(local), SRV_ADDR ":%d", SRV_PORT);
	if (!proc_stop &&
	    ctl(c, NULL, "block", "del", "flow", "tcp", peer, local, NULL) &&
	    s->t_seen) {
		fprintf(stderr, "Error: block del flow tcp %s %s failed\n",
			peer, local);
		bench_print_tail("enforcerctl", in_dir(c, "ctl.err"));
		err = err ?: -EIO;
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	SSL_free(ssl);
	close(fd);
	return err;
}

/* ---- phases -------------------------------------------------------------- */

/* The daemon's verdict latency histogram: count, buckets and bounds. */
static json_t *hist_get(struct ctx *c)
{
	json_t *st = ctl_json(c, "stats", NULL, NULL), *h;

	if (!st)
		return NULL;
	h = json_object_get(json_object_get(st, "histograms"),
			    "verdict_latency");
	if (!h || !json_is_array(json_object_get(h, "buckets"))) {
		fprintf(stderr, "Error: enforcerctl stats has no "
				"histograms.verdict_latency\n");
		json_decref(st);
		return NULL;
	}
	json_incref(h);
	json_decref(st);
	return h;
}

static unsigned long long jint(const json_t *o, const char *key)
{
	return (unsigned long long)json_integer_value(json_object_get(o, key));
}

static void hist_delta(struct phase *p, const json_t *a, const json_t *b)
{
	const json_t *ba = json_object_get(a, "buckets"),
		     *bb = json_object_get(b, "buckets"),
		     *le = json_object_get(b, "le");

	p->hist_count = jint(b, "count") - jint(a, "count");
	p->hist_n = json_array_size(bb);
	p->hist_delta =
		calloc(p->hist_n ? p->hist_n : 1, sizeof(*p->hist_delta));
	p->hist_le_us =
		calloc(p->hist_n ? p->hist_n : 1, sizeof(*p->hist_le_us));
	if (!p->hist_delta || !p->hist_le_us) {
		p->hist_n = 0;
		return;
	}
	for (size_t i = 0; i < p->hist_n; i++) {
		const json_t *l = json_array_get(le, i);

		p->hist_delta[i] = json_integer_value(json_array_get(bb, i)) -
				   json_integer_value(json_array_get(ba, i));
		p->hist_le_us[i] = json_is_number(l) ?
					   json_number_value(l) * 1e6 :
					   INFINITY;
	}
}

/* An integer cell of a query's row: the daemon gives them as strings. */
static int64_t cell_int(const json_t *row, size_t i)
{
	const json_t *v = json_array_get(row, i);

	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_string(v))
		return strtoll(json_string_value(v), NULL, 10);
	return 0;
}

/* The audit rows of @p's samples: latency_ns and time_ns by sample. */
static int read_rows(struct ctx *c, struct phase *p)
{
	char sql[512], mark[64];
	json_t *res, *rows, *row;
	size_t i;

	snprintf(sql, sizeof(sql),
		 "SELECT uri, time_ns, latency_ns, action FROM audit WHERE "
		 "rule_id = %d AND event = 'match' AND uri LIKE '%%-%s-%%' "
		 "ORDER BY id",
		 RULE_ID, p->name);
	res = ctl_json(c, "audit", "query", sql);
	if (!res)
		return -EIO;
	snprintf(mark, sizeof(mark), "%s-%s-", c->tag, p->name);
	rows = json_object_get(res, "rows");
	json_array_foreach(rows, i, row) {
		const char *uri = json_string_value(json_array_get(row, 0));
		const char *action = json_string_value(json_array_get(row, 3));
		const char *at = uri ? strstr(uri, mark) : NULL;
		unsigned long seq;
		size_t k = 0;

		if (!at)
			continue;
		seq = strtoul(at + strlen(mark), NULL, 10);
		while (k < p->n && p->s[k].seq != seq)
			k++;
		if (k == p->n || p->s[k].latency_ns)
			continue;
		if (!action || strcmp(action, "deny:flow"))
			fprintf(stderr,
				"note: sample %s-%zu audited as %s, not "
				"deny:flow\n",
				p->name, k, action ? action : "?");
		p->s[k].time_ns = cell_int(row, 1);
		p->s[k].latency_ns = cell_int(row, 2);
		if (p->s[k].latency_ns > 0)
			p->rows++;
	}
	json_decref(res);
	return 0;
}

static void gap(struct ctx *c)
{
	unsigned long ms =
		c->o.gap_ms + bench_rand(&c->rng) % (c->o.gap_ms / 2 + 1);

	proc_msleep((unsigned int)ms);
}

static int run_phase(struct ctx *c, struct phase *p)
{
	json_t *h0 = NULL, *h1 = NULL;
	uint64_t d0 = 0, d1 = 0;
	char label[32];
	size_t tries = 0;
	int err = 0;

	printf("\n== %s: %lu samples%s\n", p->name, c->o.samples,
	       p->loaded ? " while wrk loads nginx" : "");
	fflush(stdout);
	/* warm-up samples, not kept: the first connections, the daemon's
	 * first verdicts */
	snprintf(label, sizeof(label), "%sw", p->name);
	for (size_t k = 0; k < c->o.warmup && !err; k++) {
		struct sample w;

		if (p->loaded)
			err = wrk_ensure(c, &p->wrk);
		gap(c);
		err = err ?: take_sample(c, label, &w);
		if (err == -EAGAIN)
			err = 0;
	}
	if (err)
		goto out;
	p->lost = tls_lost(c);
	h0 = hist_get(c);
	if (!h0 || drop_count(c, &d0)) {
		err = -EIO;
		goto out;
	}
	while (p->n < c->o.samples && !err) {
		struct sample *s = &p->s[p->n];

		if (p->loaded) {
			err = wrk_ensure(c, &p->wrk);
			if (err)
				break;
		}
		gap(c);
		err = take_sample(c, p->name, s);
		if (err == -EAGAIN && ++tries <= c->o.samples / 10 + 3) {
			err = 0;
			continue;
		}
		if (err)
			break;
		if (!s->t_seen)
			p->no_entry++;
		else if (!s->t_drop)
			p->no_drop++;
		p->early += s->early;
		p->n++;
		if (p->n % 50 == 0) {
			printf("  %zu samples\n", p->n);
			fflush(stdout);
		}
	}
	if (p->loaded) {
		int e = wrk_finish(c, &p->wrk, true);

		err = err ?: e;
	}
	if (err)
		goto out;
	/* the last verdict's row and counters are written by now: its entry
	 * was seen, the rows come right after */
	proc_msleep(200);
	h1 = hist_get(c);
	if (!h1 || drop_count(c, &d1)) {
		err = -EIO;
		goto out;
	}
	hist_delta(p, h0, h1);
	p->drops = d1 - d0;
	p->lost = tls_lost(c) - p->lost;
	err = read_rows(c, p);
out:
	json_decref(h0);
	json_decref(h1);
	return err;
}

/* ---- report -------------------------------------------------------------- */

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v. */
static double pct(const double *v, size_t n, double p)
{
	size_t r;

	if (!n)
		return NAN;
	r = (size_t)ceil(p / 100.0 * (double)n);
	if (r < 1)
		r = 1;
	return v[r - 1 < n ? r - 1 : n - 1];
}

struct dist {
	size_t n;
	double min, p50, p90, p99, p999, max, mean;
};

static void dist_of(double *v, size_t n, struct dist *d)
{
	double sum = 0;

	memset(d, 0, sizeof(*d));
	d->n = n;
	d->p50 = d->p99 = d->max = NAN;
	if (!n)
		return;
	qsort(v, n, sizeof(*v), cmp_dbl);
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	d->min = v[0];
	d->p50 = pct(v, n, 50);
	d->p90 = pct(v, n, 90);
	d->p99 = pct(v, n, 99);
	d->p999 = pct(v, n, 99.9);
	d->max = v[n - 1];
	d->mean = sum / (double)n;
}

/* Bucket bounds of the text histogram, us: 1-2-5 steps. */
static const double hist_bounds[] = { 10,     20,     50,     100,
				      200,    500,    1000,   2000,
				      5000,   10000,  20000,  50000,
				      100000, 200000, 500000, 1e6 };
#define N_BOUNDS (sizeof(hist_bounds) / sizeof(hist_bounds[0]))

static void fmt_us(char *buf, size_t len, double us)
{
	if (us >= 1000)
		snprintf(buf, len, "%gms", us / 1000);
	else
		snprintf(buf, len, "%gus", us);
}

static void print_hist(const double *sorted, size_t n)
{
	size_t cnt[N_BOUNDS + 1] = { 0 }, lo = N_BOUNDS + 1, hi = 0, top = 0;
	char a[16], b[16];

	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < N_BOUNDS && sorted[i] > hist_bounds[j])
			j++;
		cnt[j]++;
	}
	for (size_t j = 0; j <= N_BOUNDS; j++) {
		if (!cnt[j])
			continue;
		lo = lo > j ? j : lo;
		hi = j;
		top = cnt[j] > top ? cnt[j] : top;
	}
	for (size_t j = lo; j <= hi && top; j++) {
		size_t bar = (cnt[j] * 50 + top - 1) / top;

		if (j == 0)
			snprintf(a, sizeof(a), "0");
		else
			fmt_us(a, sizeof(a), hist_bounds[j - 1]);
		if (j < N_BOUNDS)
			fmt_us(b, sizeof(b), hist_bounds[j]);
		else
			snprintf(b, sizeof(b), "inf");
		printf("    %7s..%-7s %5zu %5.1f%% ", a, b, cnt[j],
		       100.0 * (double)cnt[j] / (double)n);
		for (size_t i = 0; i < bar; i++)
			putchar('#');
		putchar('\n');
	}
}

static void print_dist(const char *what, double *v, size_t n, struct dist *d)
{
	dist_of(v, n, d);
	printf("  %s, us:\n", what);
	if (!n) {
		printf("    no samples\n");
		return;
	}
	printf("    n=%zu min=%.1f p50=%.1f p90=%.1f p99=%.1f p99.9=%.1f "
	       "max=%.1f mean=%.1f\n",
	       d->n, d->min, d->p50, d->p90, d->p99, d->p999, d->max, d->mean);
	print_hist(v, n);
}

struct phase_result {
	struct dist entry, drop;
	bool ok;
};

/* Figures of a sample besides the two latencies. */
enum aux_kind {
	AUX_SEND_CAP,
	AUX_CAP_MARK,
	AUX_MARK_FLOW,
	AUX_SEEN_DROP,
	AUX_POLL,
	AUX_ROW_AFTER,
	AUX_COUNT,
};

static const char *const aux_name[AUX_COUNT] = {
	[AUX_SEND_CAP] = "client's SSL_write to the capture "
			 "(t_seen - latency_ns - t_send)",
	[AUX_CAP_MARK] = "capture to the source's mark in deny_src4, the "
			 "daemon's first map write for the flow",
	[AUX_MARK_FLOW] = "mark to the flow's entry in deny_flow",
	[AUX_SEEN_DROP] = "entry seen to first drop (waiting for the next "
			  "probe)",
	[AUX_POLL] = "one pass of the poll loop (the resolution of t_mark, "
		     "t_seen and t_drop)",
	[AUX_ROW_AFTER] = "the audit row's time_ns after the entry seen "
			  "(blocklist row and log line first: time_ns - "
			  "latency_ns as the capture would be that late)",
};

/* @k of @s in microseconds, when the sample has it. */
static bool aux_value(const struct sample *s, int k, double *out)
{
	bool row = s->latency_ns > 0 && s->t_seen;

	switch (k) {
	case AUX_SEND_CAP:
		*out = (double)(s->t_seen - s->latency_ns - s->t_send) / 1e3;
		return row;
	case AUX_CAP_MARK:
		*out = (double)(s->t_mark - s->t_seen + s->latency_ns) / 1e3;
		return row && s->t_mark;
	case AUX_MARK_FLOW:
		*out = (double)(s->t_seen - s->t_mark) / 1e3;
		return s->t_seen && s->t_mark;
	case AUX_SEEN_DROP:
		*out = (double)(s->t_drop - s->t_seen) / 1e3;
		return s->t_seen && s->t_drop;
	case AUX_POLL:
		*out = s->polls ? (double)s->spin_ns / s->polls / 1e3 : 0;
		return s->polls && s->t_seen;
	case AUX_ROW_AFTER:
		*out = (double)(s->time_ns - s->rt_off - s->t_seen) / 1e3;
		return row;
	}
	return false;
}

static void report_phase(struct ctx *c, struct phase *p, struct phase_result *r)
{
	double *entry = calloc(p->n + 1, sizeof(double));
	double *drop = calloc(p->n + 1, sizeof(double));
	double *aux = calloc(p->n + 1, sizeof(double));
	size_t ne = 0, nd = 0, na;
	unsigned long long hsum = 0;
	bool same_buckets = true;

	memset(r, 0, sizeof(*r));
	if (!entry || !drop || !aux)
		goto out;
	for (size_t i = 0; i < p->n; i++) {
		const struct sample *s = &p->s[i];

		if (!s->latency_ns)
			continue;
		entry[ne++] = (double)s->latency_ns / 1e3;
		if (s->t_seen && s->t_drop)
			drop[nd++] = (double)(s->t_drop - s->t_seen +
					      s->latency_ns) /
				     1e3;
	}
	printf("\n== %s: %zu samples, %zu audit rows with latency_ns", p->name,
	       p->n, p->rows);
	if (p->loaded && p->wrk.seconds > 0)
		printf("; wrk -t%lu -c%lu: %.0f requests/s (%u runs, "
		       "%.0f..%.0f; %llu non-2xx, %llu socket errors)",
		       c->o.threads, c->o.connections,
		       p->wrk.requests / p->wrk.seconds, p->wrk.runs,
		       p->wrk.rps_min, p->wrk.rps_max, p->wrk.non2xx,
		       p->wrk.sock_errors);
	printf("\n");
	print_dist("entry written (capture to the deny entry in the maps: the "
		   "audit row's latency_ns)",
		   entry, ne, &r->entry);
	print_dist("first packet dropped (capture to drop_flow risen: "
		   "t_drop - t_seen + latency_ns)",
		   drop, nd, &r->drop);

	/* the daemon's own histogram, this phase */
	printf("  the daemon's histogram grew by %llu verdicts (%zu rows): ",
	       p->hist_count, p->rows);
	for (size_t i = 0; i < p->hist_n; i++)
		hsum += p->hist_delta[i];
	for (size_t i = 0; i < p->hist_n; i++) {
		/* the rows in the same bucket, bounded as the daemon bounds
		 * them (a latency above a bound goes to the next) */
		unsigned long long in = 0;

		for (size_t j = 0; j < p->n; j++) {
			double us = (double)p->s[j].latency_ns / 1e3;

			if (p->s[j].latency_ns > 0 && us <= p->hist_le_us[i] &&
			    (i == 0 || us > p->hist_le_us[i - 1]))
				in++;
		}
		same_buckets &= in == p->hist_delta[i];
	}
	for (size_t i = 0; i < p->hist_n; i++) {
		char b[16];

		if (!p->hist_delta[i])
			continue;
		if (isinf(p->hist_le_us[i]))
			snprintf(b, sizeof(b), "+Inf");
		else
			fmt_us(b, sizeof(b), p->hist_le_us[i]);
		printf(" le %s: %llu;", b, p->hist_delta[i]);
	}
	printf("%s\n", p->hist_count == p->rows && hsum == p->hist_count &&
				       same_buckets ?
			       " (matches the rows, bucket by bucket)" :
			       " (DOES NOT MATCH the rows)");

	/* what else the samples say */
	for (int k = 0; k < AUX_COUNT; k++) {
		struct dist d;

		na = 0;
		for (size_t i = 0; i < p->n; i++)
			if (aux_value(&p->s[i], k, &aux[na]))
				na++;
		dist_of(aux, na, &d);
		printf("  %s: p50 %.1f us, p99 %.1f us (%zu samples)\n",
		       aux_name[k], d.p50, d.p99, d.n);
	}
	printf("  probes: %s every %lu us, %.1f us to send one; %zu drops "
	       "already counted when the entry was first seen\n",
	       c->o.tls_probe ? "a TLS byte" : "a bare TCP segment",
	       c->o.probe_us, c->sendto_ns / 1e3, p->early);
	if (p->lost)
		printf("  LOSS: the capture lost %llu records during the "
		       "phase\n",
		       p->lost);
	printf("  drop_flow grew by %llu during the phase (probes and the "
	       "clients' own packets after their entries)\n",
	       p->drops);
	if (p->no_entry || p->no_drop)
		printf("  MISSING: %zu samples saw no entry within %lu ms, %zu "
		       "no drop within %lu ms of it\n",
		       p->no_entry, c->o.entry_wait_ms, p->no_drop,
		       c->o.window_ms);
	r->ok = ne > 0 && (p->n - ne) * 100 <= p->n * MAX_MISSING_PCT;
	if (!r->ok)
		printf("  FAILED: %zu of %zu samples without a latency\n",
		       p->n - ne, p->n);
out:
	free(entry);
	free(drop);
	free(aux);
}

static void write_csv(struct ctx *c)
{
	FILE *f = fopen(c->o.csv, "we");

	if (!f) {
		fprintf(stderr, "Error: %s: %s\n", c->o.csv, strerror(errno));
		return;
	}
	fprintf(f, "phase,k,seq,sport,t_send,t_mark,t_seen,t_drop,latency_ns,"
		   "time_ns,rt_off,spin_ns,polls,probes,early\n");
	for (int ph = 0; ph < 2; ph++)
		for (size_t i = 0; i < c->ph[ph].n; i++) {
			const struct sample *s = &c->ph[ph].s[i];

			fprintf(f,
				"%s,%zu,%u,%u,%lld,%lld,%lld,%lld,%lld,%lld,%lld,"
				"%lld,%u,%u,%d\n",
				c->ph[ph].name, i, s->seq, s->sport,
				(long long)s->t_send, (long long)s->t_mark,
				(long long)s->t_seen, (long long)s->t_drop,
				(long long)s->latency_ns, (long long)s->time_ns,
				(long long)s->rt_off, (long long)s->spin_ns,
				s->polls, s->probes, s->early);
		}
	fclose(f);
	printf("samples written to %s\n", c->o.csv);
}

/* ---- setup and teardown -------------------------------------------------- */

/* What a probe costs to send, measured on a connection nobody denies. */
static int measure_probe(struct ctx *c)
{
	struct sockaddr_in sa = { 0 }, dst;
	socklen_t sl = sizeof(sa);
	uint8_t pkt[40];
	int64_t t0;
	int fd;

	fd = tcp_connect(c, CLI_ADDR);
	if (fd < 0)
		return fd;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	probe_packet(pkt, ntohs(sa.sin_port));
	addr_of(&dst, SRV_ADDR, SRV_PORT);
	t0 = mono_ns();
	for (int i = 0; i < 1000; i++)
		if (sendto(c->raw_fd, pkt, sizeof(pkt), 0,
			   (struct sockaddr *)&dst,
			   sizeof(dst)) != sizeof(pkt)) {
			fprintf(stderr, "Error: sending a probe: %s\n",
				strerror(errno));
			close(fd);
			return -errno;
		}
	c->sendto_ns = (double)(mono_ns() - t0) / 1000;
	close(fd);
	return 0;
}

static int setup(struct ctx *c)
{
	int err;

	err = bench_tmp_make(&c->tmp, "verdict");
	if (err)
		return err;
	snprintf(c->pin, sizeof(c->pin), PIN_ROOT "/enfvd-%d", (int)getpid());
	snprintf(c->sock, sizeof(c->sock), "%s/enforcerd.sock", c->tmp.dir);
	snprintf(c->ns_srv, sizeof(c->ns_srv), "enfvd%d-srv", (int)getpid());
	snprintf(c->ns_cli, sizeof(c->ns_cli), "enfvd%d-cli", (int)getpid());
	snprintf(c->if_srv, sizeof(c->if_srv), "enfvd%ds", (int)getpid());
	snprintf(c->if_cli, sizeof(c->if_cli), "enfvd%dc", (int)getpid());
	snprintf(c->tag, sizeof(c->tag), "enfvd%d", (int)getpid());

	err = setup_cpus(c);
	err = err ?: bench_make_cert(c->tmp.dir, in_dir(c, "openssl.err"));
	err = err ?: setup_net(c);
	err = err ?: start_nginx(c);
	err = err ?: start_enf(c);
	err = err ?: print_status(c);
	err = err ?: open_maps(c);
	err = err ?: add_rule(c);
	if (err)
		return err;
	c->raw_fd = sock_in_cli(c, AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (c->raw_fd < 0) {
		fprintf(stderr, "Error: raw socket: %s\n",
			strerror(-c->raw_fd));
		return c->raw_fd;
	}
	c->tls = SSL_CTX_new(TLS_client_method());
	if (!c->tls) {
		ssl_error("SSL_CTX_new");
		return -ENOMEM;
	}
	SSL_CTX_set_verify(c->tls, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_mode(c->tls, SSL_MODE_ENABLE_PARTIAL_WRITE |
					 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return measure_probe(c);
}

static void teardown(struct ctx *c)
{
	proc_stop = 0; /* the commands below must run after a stop too */
	if (c->wrk)
		proc_stop_child(&c->wrk, SIGKILL, 1000);
	if (c->enf) {
		/* --detach: programs detached, pins removed */
		if (proc_stop_child(&c->enf, SIGTERM, STOP_GRACE_MS) < 0)
			fprintf(stderr,
				"note: enforcerd did not stop in %d ms: "
				"killed\n",
				STOP_GRACE_MS);
	}
	if (c->nginx)
		proc_stop_child(&c->nginx, SIGTERM, STOP_GRACE_MS);
	if (c->raw_fd > 0)
		close(c->raw_fd);
	if (c->flow_fd > 0)
		close(c->flow_fd);
	if (c->src4_fd > 0)
		close(c->src4_fd);
	if (c->stats_fd > 0)
		close(c->stats_fd);
	if (c->cli_ns > 0)
		close(c->cli_ns);
	if (c->own_ns > 0)
		close(c->own_ns);
	if (c->ns_made[1]) {
		char *argv[] = { "ip", "netns", "del", c->ns_cli, NULL };

		run_cmd(c, argv, 10000);
	}
	if (c->ns_made[0]) {
		char *argv[] = { "ip", "netns", "del", c->ns_srv, NULL };

		run_cmd(c, argv, 10000);
	}
	bench_rm_pins(c->pin);
	SSL_CTX_free(c->tls);
	bench_tmp_remove(&c->tmp, c->o.keep);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: verdict [--samples N] [--warmup N] [--gap-ms MS] [--window-ms MS]\n"
		"               [--probe-us US] [--probe raw|tls] [--entry-wait-ms MS]\n"
		"               [--load-seconds S] [--connections N] [--threads N]\n"
		"               [--cpu N] [--sut-cpus LIST] [--enf-cpus LIST] [--unscoped]\n"
		"               [--conf LINE]...\n"
		"               [--no-idle] [--no-load] [--csv FILE] [--keep]\n"
		"               [--enforcerd PATH] [--enforcerctl PATH] [--rules-dir DIR]\n"
		"  --samples N       samples at idle and again under load (300)\n"
		"  --warmup N        samples before each phase, not kept (5)\n"
		"  --gap-ms MS       a sample starts MS to 1.5 x MS after the last (50)\n"
		"  --window-ms MS    how long after the entry a drop is waited for (200)\n"
		"  --probe-us US     a probe packet of the flow every US (10)\n"
		"  --probe raw|tls   probes: bare TCP segments from a raw socket\n"
		"                    (raw), or one TLS byte on the connection (tls)\n"
		"  --entry-wait-ms MS  how long the deny entry is waited for (5000)\n"
		"  --load-seconds S  length of one wrk run; runs follow each other\n"
		"                    while loaded samples remain (15)\n"
		"  --connections N   wrk's connections (16)\n"
		"  --threads N       wrk's threads (1)\n"
		"  --cpu N           the measuring client's CPU (the last one this\n"
		"                    process may use)\n"
		"  --sut-cpus LIST   CPUs of nginx, enforcerd and wrk, as taskset -c\n"
		"                    takes them (every other online CPU)\n"
		"  --enf-cpus LIST   enforcerd's CPUs (those of --sut-cpus)\n"
		"  --unscoped        capture every process, not only nginx (the\n"
		"                    client's and wrk's writes captured too)\n"
		"  --conf LINE       one more enforcerd config line (repeatable),\n"
		"                    e.g. \"capture_poll_ms = 1\"\n"
		"  --no-idle, --no-load  skip that phase\n"
		"  --csv FILE        every sample's times (CLOCK_MONOTONIC ns)\n"
		"  --keep            keep the temp dir (configs, logs, database)\n"
		"  --enforcerd P     the daemon (" ENF_BENCH_BUILD_DIR
		"/enforcer/enforcerd)\n"
		"  --enforcerctl P   its CLI (" ENF_BENCH_BUILD_DIR
		"/enforcer/enforcerctl)\n"
		"  --rules-dir DIR   rules_dir for the daemon (" ENF_BENCH_SOURCE_DIR
		"/rules/sets)\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
		{ "samples", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "gap-ms", required_argument, NULL, 'g' },
		{ "window-ms", required_argument, NULL, 'W' },
		{ "probe-us", required_argument, NULL, 'p' },
		{ "probe", required_argument, NULL, 'P' },
		{ "entry-wait-ms", required_argument, NULL, 'e' },
		{ "load-seconds", required_argument, NULL, 'L' },
		{ "connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'u' },
		{ "sut-cpus", required_argument, NULL, 'S' },
		{ "enf-cpus", required_argument, NULL, 'D' },
		{ "unscoped", no_argument, NULL, 'U' },
		{ "conf", required_argument, NULL, 'C' },
		{ "no-idle", no_argument, NULL, 'I' },
		{ "no-load", no_argument, NULL, 'N' },
		{ "csv", required_argument, NULL, 'v' },
		{ "keep", no_argument, NULL, 'k' },
		{ "enforcerd", required_argument, NULL, 'E' },
		{ "enforcerctl", required_argument, NULL, 'T' },
		{ "rules-dir", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	unsigned long v;
	int ch, err = 0;

	*o = (struct opts){
		.samples = 300,
		.warmup = 5,
		.gap_ms = 50,
		.window_ms = 200,
		.probe_us = 10,
		.entry_wait_ms = 5000,
		.load_seconds = 15,
		.connections = 16,
		.threads = 1,
		.cpu = -1,
		.enforcerd = ENF_BENCH_BUILD_DIR "/enforcer/enforcerd",
		.enforcerctl = ENF_BENCH_BUILD_DIR "/enforcer/enforcerctl",
		.rules_dir = ENF_BENCH_SOURCE_DIR "/rules/sets",
	};
	while ((ch = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			err = bench_parse_ulong("--samples", optarg, 1, 10000,
						&o->samples);
			break;
		case 'w':
			err = bench_parse_ulong("--warmup", optarg, 0, 1000,
						&o->warmup);
			break;
		case 'g':
			err = bench_parse_ulong("--gap-ms", optarg, 0, 10000,
						&o->gap_ms);
			break;
		case 'W':
			err = bench_parse_ulong("--window-ms", optarg, 1, 10000,
						&o->window_ms);
			break;
		case 'p':
			err = bench_parse_ulong("--probe-us", optarg, 0, 100000,
						&o->probe_us);
			break;
		case 'P':
			if (!strcmp(optarg, "tls"))
				o->tls_probe = true;
			else if (strcmp(optarg, "raw"))
				err = -EINVAL;
			break;
		case 'e':
			err = bench_parse_ulong("--entry-wait-ms", optarg, 1,
						60000, &o->entry_wait_ms);
			break;
		case 'L':
			err = bench_parse_ulong("--load-seconds", optarg, 3,
						600, &o->load_seconds);
			break;
		case 'c':
			err = bench_parse_ulong("--connections", optarg, 1,
						1000, &o->connections);
			break;
		case 't':
			err = bench_parse_ulong("--threads", optarg, 1, 64,
						&o->threads);
			break;
		case 'u':
			err = bench_parse_ulong("--cpu", optarg, 0, 4095, &v);
			o->cpu = (long)v;
			break;
		case 'S':
			o->sut_cpus = optarg;
			break;
		case 'D':
			o->enf_cpus = optarg;
			break;
		case 'U':
			o->unscoped = true;
			break;
		case 'C':
			if (o->n_conf == MAX_CONF)
				err = -E2BIG;
			else
				o->conf[o->n_conf++] = optarg;
			break;
		case 'I':
			o->no_idle = true;
			break;
		case 'N':
			o->no_load = true;
			break;
		case 'v':
			o->csv = optarg;
			break;
		case 'k':
			o->keep = true;
			break;
		case 'E':
			o->enforcerd = optarg;
			break;
		case 'T':
			o->enforcerctl = optarg;
			break;
		case 'R':
			o->rules_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (err) {
			usage(stderr);
			return err;
		}
	}
	if (optind < argc || o->threads > o->connections ||
	    (o->no_idle && o->no_load)) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void summary(struct ctx *c, const struct phase_result *idle,
		    const struct phase_result *load)
{
	const struct phase *pl = &c->ph[1];
	double rps = pl->wrk.seconds > 0 ? pl->wrk.requests / pl->wrk.seconds :
					   0;

	if (idle->ok) {
		printf("target p99 <= %.0f us at idle: %s (p99 %.1f us)\n",
		       TARGET_US,
		       idle->entry.p99 <= TARGET_US ? "met" : "missed",
		       idle->entry.p99);
		printf("bench verdict: p99_us=%.1f baseline=target_1000us "
		       "ratio=%.3f (%zu samples idle, p50_us=%.1f "
		       "max_us=%.1f; first drop p50_us=%.1f p99_us=%.1f",
		       idle->entry.p99, idle->entry.p99 / TARGET_US,
		       idle->entry.n, idle->entry.p50, idle->entry.max,
		       idle->drop.p50, idle->drop.p99);
	} else {
		printf("bench verdict: p99_us=nan baseline=target_1000us "
		       "ratio=nan (no idle samples");
	}
	if (load->ok)
		printf("; loaded: entry p50_us=%.1f p99_us=%.1f drop "
		       "p99_us=%.1f at %.0f req/s, %zu samples",
		       load->entry.p50, load->entry.p99, load->drop.p99, rps,
		       load->entry.n);
	printf(")\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct phase_result res[2] = { 0 };
	struct ctx *c;
	bool ok = true;
	int err;

	c = calloc(1, sizeof(*c));
	if (!c)
		return 1;
	c->cli_ns = c->own_ns = -1;
	c->flow_fd = c->src4_fd = c->stats_fd = c->raw_fd = -1;
	if (parse_opts(argc, argv, &c->o)) {
		free(c);
		return 2;
	}
	if (geteuid() != 0) {
		printf("skipped: verdict needs root (network namespaces, XDP, "
		       "uprobes)\n");
		free(c);
		return BENCH_SKIP;
	}
	{
		const char *need[] = { "nginx", "wrk",	   "openssl",
				       "ip",	"nsenter", "taskset" };

		for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++)
			if (!proc_have(need[i])) {
				printf("skipped: %s is not installed (make "
				       "deps)\n",
				       need[i]);
				free(c);
				return BENCH_SKIP;
			}
	}
	if (!proc_have(c->o.enforcerd) || !proc_have(c->o.enforcerctl)) {
		fprintf(stderr, "Error: %s or %s not built\n", c->o.enforcerd,
			c->o.enforcerctl);
		free(c);
		return 1;
	}
	c->ph[0] = (struct phase){ .name = "idle" };
	c->ph[1] = (struct phase){ .name = "loaded", .loaded = true };
	for (int i = 0; i < 2; i++) {
		c->ph[i].s = calloc(c->o.samples, sizeof(struct sample));
		if (!c->ph[i].s)
			return 1;
	}
	c->rng = (uint64_t)mono_ns();
	bench_env_init();

	err = setup(c);
	if (!err)
		printf("probes: %s every %lu us (%.1f us to send one); "
		       "samples %lu..%lu ms apart\n",
		       c->o.tls_probe ? "one TLS byte" : "a bare TCP segment",
		       c->o.probe_us, c->sendto_ns / 1e3, c->o.gap_ms,
		       c->o.gap_ms * 3 / 2);
	if (!err && !c->o.no_idle)
		err = run_phase(c, &c->ph[0]);
	if (!err && !c->o.no_load)
		err = run_phase(c, &c->ph[1]);
	if (proc_stop)
		printf("\ninterrupted\n");
	for (int i = 0; i < 2; i++)
		if (c->ph[i].n && !err) {
			report_phase(c, &c->ph[i], &res[i]);
			ok &= res[i].ok;
		}
	if (c->o.csv)
		write_csv(c);
	if (!err)
		summary(c, &res[0], &res[1]);
	if (err && !proc_stop && c->tmp.dir[0])
		bench_print_tail("enforcerd log (end)",
				 in_dir(c, "enforcerd.log"));
	teardown(c);
	for (int i = 0; i < 2; i++) {
		free(c->ph[i].s);
		free(c->ph[i].hist_delta);
		free(c->ph[i].hist_le_us);
	}
	free(c);
	return err || !ok ? 1 : 0;
}
