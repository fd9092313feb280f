/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The audit event exporter: every audit event leaves the host as one JSON
 * object (docs/audit-events.md lists its members), as a line appended to a
 * file (Suricata's EVE JSON, Falco's file output) and as a message to
 * syslog(3), which journald also collects.
 *
 * Sinks are slow or break (a full disk, a FIFO nobody reads, a stuck
 * syslog daemon); enforcement and the database writer must not wait for
 * them. Callers copy the event into a bounded queue under a mutex held for
 * the queue operation only; a full queue drops the event and counts it.
 * One thread owns the sinks: at each wake it takes everything queued,
 * formats it, and writes the file in a few large writes (polled, so that
 * enf_export_free() can give up on a sink that does not take them).
 *
 * Counters (enf_export_get_stats()): every event offered is either
 * @dropped or @queued; every event queued becomes, once the thread is done
 * with it, either @written (to every configured sink) or an @error.
 */
#ifndef ENFORCER_AUDIT_EXPORT_H
#define ENFORCER_AUDIT_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policydb/policydb.h"

/* Events queued when the options give 0, and the most they may give. */
#define ENF_EXPORT_QUEUE_DEFAULT 8192
#define ENF_EXPORT_QUEUE_LIMIT (1U << 20)
/* Every line (newline included) and syslog message is shorter than this:
 * longer strings are cut and the event says "truncated": true. */
#define ENF_EXPORT_LINE_MAX (64 * 1024)
/* How long enf_export_free() keeps writing to a sink that does not take
 * what it writes. */
#define ENF_EXPORT_STOP_MS 2000

struct enf_export;

/**
 * struct enf_export_opts - where the events go
 * @file: JSON lines file, appended to (created 0640, less the umask); NULL
 *	or "" for none. A FIFO must have a reader when enf_export_new() and
 *	each reopen open it.
 * @syslog: each event as one syslog(3) message, ident "enforcerd", the
 *	priority its severity (0..7; LOG_NOTICE when it has none). openlog()
 *	is process-wide: the exporter calls it, and closelog() when freed.
 * @facility: syslog facility (LOG_LOCAL0...); 0 for LOG_DAEMON
 * @queue_max: events waiting at most; 0 for ENF_EXPORT_QUEUE_DEFAULT, at
 *	most ENF_EXPORT_QUEUE_LIMIT
 */
struct enf_export_opts {
	const char *file;
	bool syslog;
	int facility;
	size_t queue_max;
};

/**
 * struct enf_export_stats - what became of the events
 * @queued: events taken into the queue
 * @written: events written in full to every configured sink
 * @dropped: events refused: the queue was full (or out of memory)
 * @errors: events queued that some sink did not get: a write failed
 *	(EIO, ENOSPC...), the file could not be reopened, or
 *	enf_export_free() gave up on a blocked sink
 * @reopens: reopens of the file done (enf_export_reopen())
 */
struct enf_export_stats {
	uint64_t queued;
	uint64_t written;
	uint64_t dropped;
	uint64_t errors;
	uint64_t reopens;
};

/**
 * enf_export_new() - open the sinks and start the exporter's thread
 * @o: the sinks
 * @out: the exporter, on success
 * @err: message buffer, filled on failure
 * @errlen: its size
 *
 * Return: 0; -EINVAL with no sink or a queue over ENF_EXPORT_QUEUE_LIMIT;
 * the open(2) error of the file (-EACCES, -ENOENT, -ENXIO for a FIFO
 * without a reader...); -ENOMEM; pthread_create()'s error.
 */
int enf_export_new(const struct enf_export_opts *o, struct enf_export **out,
		   char *err, size_t errlen);

/**
 * enf_export_event() - queue one event, never waiting for a sink
 * @x: the exporter
 * @a: the audit row, copied (pdb_audit_dup(): strings cut to the
 *	database's bounds)
 * @id: its id in the database
 * @hash: its chain hash (PDB_AUDIT_HASH_LEN bytes), copied; NULL when the
 *	row has none (the event then has no "hash")
 *
 * A full queue drops the event (counted in @dropped).
 */
void enf_export_event(struct enf_export *x, const struct pdb_audit *a,
		      int64_t id, const uint8_t *hash);

/**
 * enf_export_reopen() - have the file closed and opened again
 * @x: the exporter
 *
 * For logrotate (SIGHUP after the file was renamed): the thread opens the
 * path again, a new file if it was moved, before it writes events taken
 * after this call. A file that fails to open (counted, logged) is tried
 * again at the next call. Returns at once.
 */
void enf_export_reopen(struct enf_export *x);

void enf_export_get_stats(struct enf_export *x, struct enf_export_stats *s);

/**
 * enf_export_free() - write what is queued, stop the thread, close
 * @x: the exporter, or NULL
 *
 * A sink that takes nothing for ENF_EXPORT_STOP_MS (a FIFO nobody reads)
 * is given up: the events left count as errors. A syslog(3) call in
 * progress cannot be interrupted; no further one is made past that time.
 */
void enf_export_free(struct enf_export *x);

/**
 * enf_export_json() - the JSON text of one event, as exported
 * @a: the audit row
 * @id: its id
 * @hash: its chain hash, or NULL
 *
 * With "host" this machine's name now. Bytes of @a's strings that are not
 * UTF-8 are written as the four characters \xHH (uppercase hex).
 * Return: the text, without a newline, shorter than ENF_EXPORT_LINE_MAX,
 * to be freed with free(); NULL when out of memory.
 */
char *enf_export_json(const struct pdb_audit *a, int64_t id,
		      const uint8_t *hash);

#endif /* ENFORCER_AUDIT_EXPORT_H */
