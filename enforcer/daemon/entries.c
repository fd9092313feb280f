// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Blocklist entries of every kind through one set of calls: the XDP deny
 * entries (src, flow, cidr) in the data plane's maps, egress entries in
 * the egress map. The sweeper, reconcile and the block commands use these,
 * so a kind is never handled in one place and forgotten in another; adds
 * and deletes go through the map writer, lookups read the maps.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "enforcer/daemon/daemon.h"

int enf_entry_parse(const char *kind, const char *key, struct enf_entry *e,
		    char *err, size_t errlen)
{
	int k;

	memset(e, 0, sizeof(*e));
	if (kind && !strcmp(kind, "egress")) {
		e->egress = true;
		return enf_egress_text_parse(key, &e->eg, err, errlen);
	}
	k = kind ? enf_deny_kind_parse(kind) : 0;
	if (!k) {
		snprintf(err, errlen,
			 "kind must be src, cidr, flow or egress, not '%.32s'",
			 kind ? kind : "");
		return -EINVAL;
	}
	return enf_deny_parse(k, key, &e->deny, err, errlen);
}

const char *enf_entry_kind(const struct enf_entry *e)
{
	return e->egress ? "egress" : enf_deny_kind_name(e->deny.kind);
}

int enf_entry_format(const struct enf_entry *e, char *buf, size_t len)
{
	return e->egress ? enf_egress_text_format(&e->eg, buf, len) :
			   enf_deny_format(&e->deny, buf, len);
}

int enf_entry_add(struct enf_daemon *d, const struct enf_entry *e,
		  uint32_t rule_id)
{
	return enf_writer_add(d->writer, e, rule_id, NULL);
}

int enf_entry_del(struct enf_daemon *d, const struct enf_entry *e)
{
	return enf_writer_del(d->writer, e);
}

int enf_entry_lookup(struct enf_daemon *d, const struct enf_entry *e)
{
	if (!e->egress)
		return d->dp ? enf_dp_deny_lookup(d->dp, &e->deny, NULL) :
			       -ENODEV;
	if (!d->egress)
		return -ENODEV;
	return enf_egress_lookup(d->egress, e->eg.cgroup_id, e->eg.family,
				 e->eg.addr, e->eg.port, NULL);
}
