// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The service manager's side: systemd (Type=notify) learns through
 * sd_notify() when enforcerd is ready (everything attached, the control
 * socket answering), reloading (SIGHUP) and stopping; and, with
 * WatchdogSec=, that the event thread still turns: it pings from its loop,
 * so a thread stuck anywhere in it stops the pings and systemd restarts
 * the service. All of it does nothing when NOTIFY_SOCKET is not set (run
 * by hand, or in the tests that do not set it).
 */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "enforcer/common/clock.h"
#include "enforcer/common/log.h"
#include "enforcer/daemon/daemon.h"

static void rules_status(struct enf_daemon *d, size_t *n, size_t *files,
			 size_t *fromdb)
{
	pthread_mutex_lock(&d->lock);
	*n = d->rules ? enf_ruleset_count(d->rules) : 0;
	*files = d->rules_from_files;
	*fromdb = d->rules_from_db;
	pthread_mutex_unlock(&d->lock);
}

void enf_notify_ready(struct enf_daemon *d)
{
	size_t n, files, fromdb;
	int ret;

	rules_status(d, &n, &files, &fromdb);
	ret = sd_notifyf(0,
			 "READY=1\nSTATUS=%zu rules active (%zu from files, "
			 "%zu from the database); control socket %s",
			 n, files, fromdb, d->cfg.control_socket);
	if (ret < 0)
		pr_warn("sd_notify READY: %s", strerror(-ret));
}

void enf_notify_reloading(void)
{
	int ret = sd_notifyf(0,
			     "RELOADING=1\nMONOTONIC_USEC=%" PRIu64
			     "\nSTATUS=reloading the rules",
			     enf_mono_ns() / 1000u);

	if (ret < 0)
		pr_warn("sd_notify RELOADING: %s", strerror(-ret));
}

void enf_notify_stopping(void)
{
	int ret = sd_notify(0, "STOPPING=1\nSTATUS=shutting down");

	if (ret < 0)
		pr_warn("sd_notify STOPPING: %s", strerror(-ret));
}

void enf_notify_watchdog_init(struct enf_daemon *d)
{
	uint64_t usec = 0;
	int ret;

	d->wd_every_ns = 0;
	ret = sd_watchdog_enabled(0, &usec);
	if (ret < 0) {
		pr_warn("watchdog: %s; not pinging", strerror(-ret));
		return;
	}
	if (ret == 0 || usec == 0)
		return;
	/* twice a period, so one late loop turn is not a miss */
	d->wd_every_ns = usec / 2 * 1000u;
	d->wd_last_ns = 0;
	pr_info("watchdog: %" PRIu64 " ms, pinged every %" PRIu64 " ms",
		usec / 1000, d->wd_every_ns / 1000000u);
}

int enf_notify_watchdog_timeout(const struct enf_daemon *d, int timeout_ms)
{
	int every_ms;

	if (!d->wd_every_ns)
		return timeout_ms;
	every_ms = (int)(d->wd_every_ns / 1000000u);
	if (every_ms < 1)
		every_ms = 1;
	return timeout_ms < 0 || timeout_ms > every_ms ? every_ms : timeout_ms;
}

void enf_notify_watchdog_tick(struct enf_daemon *d, uint64_t now_ns)
{
	int ret;

	if (!d->wd_every_ns ||
	    (d->wd_last_ns && now_ns - d->wd_last_ns < d->wd_every_ns))
		return;
	d->wd_last_ns = now_ns;
	ret = sd_notify(0, "WATCHDOG=1");
	if (ret < 0)
		pr_warn("sd_notify WATCHDOG: %s", strerror(-ret));
}
