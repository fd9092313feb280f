// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon's side of TLS capture: the loader opened with the configured
 * scope (per-call cap, ring size, kernel-side port/cgroup/comm filters),
 * library discovery attaching every file a process maps and detaching what
 * no process uses any more, the process events that drive it, and capture
 * loss written to the audit log once per interval in which it happened.
 *
 * Everything here runs on the event thread, except enf_daemon_capture_json()
 * (the control thread's status), which reads discovery under @disc_lock.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <bpf/libbpf.h>
#include <jansson.h>

#include "enforcer/capture/capture.h"
#include "enforcer/capture/cgroup.h"
#include "enforcer/capture/discover.h"
#include "enforcer/capture/proc_cache.h"
#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"
#include "enforcer/loader/tls.h"
#include "policydb/policydb.h"

static __u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + (__u64)ts.tv_nsec / 1000000;
}

/* ---- discovery's callbacks: the loader ------------------------------- */

static int disc_attach(void *ctx, const struct enf_tls_target *t, __u32 *id)
{
	struct enf_daemon *d = ctx;

	return enf_tls_attach(d->tls, t, id);
}

static int disc_detach(void *ctx, __u32 id)
{
	struct enf_daemon *d = ctx;

	return enf_tls_detach(d->tls, id);
}

static void disc_report(void *ctx, int level, const char *msg)
{
	(void)ctx;
	enf_log((enum enf_log_level)level, "%s", msg);
}

/* ---- process events -------------------------------------------------- */

static int on_proc_event(void *ctx, const struct enf_proc_event *ev)
{
	struct enf_daemon *d = ctx;

	pthread_mutex_lock(&d->disc_lock);
	if (ev->type == ENF_PROC_EXEC) {
		enf_discover_exec(d->disc, ev->tgid, now_ms());
		d->disc_due_ms = 0; /* rescans scheduled: ask when */
	} else if (ev->type == ENF_PROC_EXIT)
		enf_discover_exit(d->disc, ev->tgid);
	pthread_mutex_unlock(&d->disc_lock);
	/*
	 * Known from its exec on, while it runs (a client that lives for one
	 * request is gone by the time that request is matched); kept after
	 * its exit for the events it made before, never for a pid reused.
	 */
	if (ev->type == ENF_PROC_EXEC) {
		char exe[PATH_MAX];

		enf_proc_cache_exe(d->procs, ev->tgid, exe, sizeof(exe));
	} else if (ev->type == ENF_PROC_EXIT) {
		enf_proc_cache_exited(d->procs, ev->tgid, ev->ts_ns);
	}
	return 0;
}

/* ---- start ----------------------------------------------------------- */

/*
 * The configured cgroup paths as ids, for the kernel filter and discovery.
 * A path that does not exist is an error: capture would silently see
 * nothing.
 */
static int scope_cgroups(struct enf_daemon *d, __u64 *ids)
{
	int ret;

	for (size_t i = 0; i < d->cfg.n_capture_cgroups; i++) {
		if (!d->cgroups)
			return -ENOENT;
		ret = enf_cgroup_cache_id(d->cgroups, d->cfg.capture_cgroups[i],
					  &ids[i]);
		if (ret) {
			pr_err("tls: capture_cgroups: %s: %s",
			       d->cfg.capture_cgroups[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

static void capture_error(struct enf_daemon *d, const char *what, int err)
{
	snprintf(d->tls_error, sizeof(d->tls_error), "%s: %s", what,
		 strerror(-err));
	pr_err("tls: %s; requests will not be seen", d->tls_error);
}

int enf_daemon_capture_start(struct enf_daemon *d)
{
	__u64 cg_ids[ENF_TLS_FILTER_MAX]; /* copied by the loader, discovery */
	const char *comms[ENF_TLS_FILTER_MAX];
	const char *libs[ENF_CONF_MAX_TLS_LIBS + 1] = { NULL };
	struct enf_tls_opts topts = {
		.call_cap = d->cfg.capture_call_cap,
		.ringbuf_bytes = d->cfg.capture_ringbuf,
		.ports = d->cfg.capture_ports,
		.n_ports = d->cfg.n_capture_ports,
		.cgroups = cg_ids,
		.n_cgroups = d->cfg.n_capture_cgroups,
		.comms = comms,
		.n_comms = d->cfg.n_capture_comms,
		.write_entry_only = d->cfg.capture_write_entry_only,
	};
	struct enf_discover_opts dopts = {
		.offsets_file = d->cfg.tls_offsets_file,
		.lib_paths = libs,
		.comms = comms,
		.n_comms = d->cfg.n_capture_comms,
		.cgroups = cg_ids,
		.n_cgroups = d->cfg.n_capture_cgroups,
	};
	const struct enf_discover_ops ops = {
		.attach = disc_attach,
		.detach = disc_detach,
		.report = disc_report,
		.ctx = d,
	};
	struct epoll_event ev = { .events = EPOLLIN };
	struct enf_discover_stats ds;
	int ret, n;

	for (size_t i = 0; i < d->cfg.n_capture_comms; i++)
		comms[i] = d->cfg.capture_comms[i];
	for (size_t i = 0; i < d->cfg.n_tls_libs; i++)
		libs[i] = d->cfg.tls_libs[i];
	ret = enf_cgroup_cache_new(0, NULL, &d->cgroups);
	if (ret) {
		pr_warn("tls: no cgroup v2 hierarchy (%s): events carry cgroup "
			"ids without paths",
			strerror(-ret));
		d->cgroups = NULL;
	}
	/* A configuration error stops the daemon; the rest is best effort. */
	ret = scope_cgroups(d, cg_ids);
	if (ret)
		return ret;
	ret = enf_discover_new(&dopts, &ops, &d->disc);
	if (ret) {
		pr_err("tls: %s: %s",
		       d->cfg.tls_offsets_file[0] ? d->cfg.tls_offsets_file :
						    "discovery",
		       strerror(-ret));
		return ret;
	}

	n = libbpf_num_possible_cpus();
	d->ncpus = n > 0 ? (size_t)n : 1;
	d->loss_prev = calloc(d->ncpus, sizeof(*d->loss_prev));
	d->loss_now = calloc(d->ncpus, sizeof(*d->loss_now));
	if (!d->loss_prev || !d->loss_now)
		return -ENOMEM;

	ret = enf_tls_open(&topts, &d->tls);
	if (ret) {
		capture_error(d, "TLS capture unavailable", ret);
		return 0;
	}
	ret = enf_capture_new(enf_tls_events_fd(d->tls), enf_pipeline_on_event,
			      d, &d->capture);
	ret = ret   ?:
		      enf_capture_add_proc(d->capture,
					   enf_tls_proc_events_fd(d->tls),
					   on_proc_event, d);
	if (!ret) {
		enf_capture_set_wake(d->capture, enf_tls_wake(d->tls));
		enf_capture_set_poll_ms(d->capture, d->cfg.capture_poll_ms);
		ev.data.fd = enf_capture_epoll_fd(d->capture);
		if (epoll_ctl(d->epoll_fd, EPOLL_CTL_ADD, ev.data.fd, &ev))
			ret = -errno;
	}
	if (ret) {
		capture_error(d, "ring buffer consumer failed", ret);
		enf_capture_free(d->capture);
		d->capture = NULL;
		enf_tls_close(d->tls);
		d->tls = NULL;
		return 0;
	}

	pthread_mutex_lock(&d->disc_lock);
	ret = enf_discover_scan_all(d->disc);
	enf_discover_stats(d->disc, &ds);
	n = (int)enf_discover_count(d->disc);
	pthread_mutex_unlock(&d->disc_lock);
	if (ret)
		pr_warn("tls: discovery: %s", strerror(-ret));
	if (!n)
		pr_warn("tls: no TLS library or executable found to probe yet; "
			"new ones are picked up as processes start");
	pr_info("tls: capturing through %d file%s (%llu attach%s failed), sockets seen by the %s%s%s",
		n, n == 1 ? "" : "s", (unsigned long long)ds.attach_failed,
		ds.attach_failed == 1 ? "" : "es",
		enf_tls_track_name(enf_tls_tracking(d->tls)),
		d->cfg.n_capture_comms || d->cfg.n_capture_cgroups ?
			", narrowed to processes in scope" :
			"",
		d->cfg.n_capture_ports ? ", filtered by port" : "");
	d->loss_due_ms = now_ms() + 1000ull * d->cfg.capture_loss_interval;
	return 0;
}

/* ---- time ------------------------------------------------------------ */

/*
 * Capture loss since the last look: if any CPU lost records, one
 * capture-loss audit row and a warning.
 */
static void check_loss(struct enf_daemon *d)
{
	char msg[PDB_AUDIT_MSG_MAX + 1];
	struct pdb_audit a;
	__u64 total = 0;

	if (enf_tls_stats_percpu(d->tls, ENF_TLS_STAT_LOST, d->loss_now,
				 d->ncpus))
		return;
	for (size_t i = 0; i < d->ncpus; i++) {
		__u64 now = d->loss_now[i];

		d->loss_now[i] =
			now >= d->loss_prev[i] ? now - d->loss_prev[i] : 0;
		d->loss_prev[i] = now;
		total += d->loss_now[i];
	}
	if (!total)
		return;
	pr_warn("tls: the ring buffer was full: %llu records lost in the "
		"last %u s (capture-loss audit row written)",
		(unsigned long long)total, d->cfg.capture_loss_interval);
	if (pdb_audit_capture_loss_row(&a, msg, 0,
				       (const uint64_t *)d->loss_now, d->ncpus,
				       d->cfg.capture_loss_interval) > 0 &&
	    !enf_daemon_audit(d, d->db, &a))
		__atomic_add_fetch(&d->stats.loss_rows, 1, __ATOMIC_RELAXED);
}

int enf_daemon_capture_timeout(struct enf_daemon *d)
{
	__u64 now = now_ms(), due;
	int poll_ms;
	long next;

	if (!d->tls)
		return -1;
	/* discovery's rescans, only when one is due: not on every event */
	if (now >= d->disc_due_ms) {
		pthread_mutex_lock(&d->disc_lock);
		next = enf_discover_tick(d->disc, now);
		pthread_mutex_unlock(&d->disc_lock);
		d->disc_due_ms = next < 0 ? UINT64_MAX : now + (__u64)next;
	}
	due = d->loss_due_ms < d->disc_due_ms ? d->loss_due_ms : d->disc_due_ms;
	/* the ring's polling promise (enf_capture_set_wake()) */
	poll_ms = d->capture ? enf_capture_timeout(d->capture) : -1;
	if (poll_ms >= 0 && due > now && (__u64)poll_ms < due - now)
		due = now + (__u64)poll_ms;
	return due <= now ? 0 : due - now > 60000 ? 60000 : (int)(due - now);
}

void enf_daemon_capture_tick(struct enf_daemon *d)
{
	__u64 now = now_ms();
	__u64 st[ENF_TLS_STAT_MAX];
	int ret;

	if (d->capture) {
		ret = enf_capture_tick(d->capture);
		if (ret < 0)
			pr_warn("capture: %s", strerror(-ret));
	}
	if (!d->tls || now < d->loss_due_ms)
		return;
	d->loss_due_ms = now + 1000ull * d->cfg.capture_loss_interval;
	check_loss(d);
	/* exits lost on a full proc_events ring: look for the dead */
	if (!enf_tls_stats_read(d->tls, st) &&
	    st[ENF_TLS_STAT_PROC_LOST] != d->proc_lost_seen) {
		d->proc_lost_seen = st[ENF_TLS_STAT_PROC_LOST];
		pthread_mutex_lock(&d->disc_lock);
		enf_discover_sweep(d->disc);
		pthread_mutex_unlock(&d->disc_lock);
	}
}

void enf_daemon_capture_stop(struct enf_daemon *d)
{
	enf_capture_free(d->capture);
	d->capture = NULL;
	/* closing the loader detaches every probe discovery attached */
	enf_tls_close(d->tls);
	d->tls = NULL;
	enf_discover_free(d->disc);
	d->disc = NULL;
	enf_cgroup_cache_free(d->cgroups);
	d->cgroups = NULL;
	free(d->loss_prev);
	free(d->loss_now);
	d->loss_prev = d->loss_now = NULL;
}

/* ---- status ---------------------------------------------------------- */

json_t *enf_daemon_capture_files_json(struct enf_daemon *d)
{
	static const char *const names[ENF_TLS_LIB_MAX] = ENF_TLS_LIB_NAMES;
	struct enf_discover_file *f = malloc(sizeof(*f));
	json_t *a = json_array();

	if (!f || !a || !d->disc) {
		free(f);
		return a;
	}
	pthread_mutex_lock(&d->disc_lock);
	for (size_t i = 0; i < enf_discover_count(d->disc); i++) {
		if (enf_discover_get(d->disc, i, f))
			continue;
		json_array_append_new(
			a, json_pack("{s:s,s:s,s:s,s:b,s:b,s:s,s:I,s:i,s:s}",
				     "lib",
				     f->lib < ENF_TLS_LIB_MAX ? names[f->lib] :
								names[0],
				     "version", f->version, "path", f->path,
				     "static", f->is_static, "system",
				     f->system, "how", f->how ? f->how : "",
				     "users", (json_int_t)f->users, "pid",
				     f->pid, "build_id", f->build_id));
	}
	pthread_mutex_unlock(&d->disc_lock);
	free(f);
	return a;
}

/* ---- reload ---------------------------------------------------------- */

int enf_daemon_capture_reload(struct enf_daemon *d, char *err, size_t errlen)
{
	int ret;

	if (errlen)
		err[0] = '\0';
	/* without the loader there is nothing to attach: read at start only */
	if (!d->disc || !d->tls)
		return 0;
	pthread_mutex_lock(&d->disc_lock);
	ret = enf_discover_reload_offsets(d->disc, err, errlen);
	pthread_mutex_unlock(&d->disc_lock);
	return ret;
}
