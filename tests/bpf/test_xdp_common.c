// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/bpf.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "test_xdp_common.h"
#include "xdp_host.skel.h"
#include "xdp_offload.skel.h"

const char *const xv_name[XV_COUNT] = {
	[XV_HOST] = "xdp_host",
	[XV_HOST_NIC] = "xdp_host(nic)",
	[XV_OFFLOAD] = "xdp_offload",
};

const char *const xdp_stat_names[ENF_XDP_STAT_MAX] = ENF_XDP_STAT_NAMES;

void pkt_put(struct pkt *p, const void *d, size_t n)
{
	if (p->len + n > PKT_MAX)
		abort();
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void put16(struct pkt *p, __u16 v)
{
	__be16 be = htons(v);

	pkt_put(p, &be, sizeof(be));
}

void pkt_set16(struct pkt *p, size_t off, __u16 v)
{
	__be16 be = htons(v);

	memcpy(p->b + off, &be, sizeof(be));
}

void pkt_eth(struct pkt *p, int n_tags, const __u16 *tpids, __u16 type)
{
	static const __u8 macs[12] = { 0x02, 0, 0, 0, 0, 0x01,
				       0x02, 0, 0, 0, 0, 0x02 };

	pkt_put(p, macs, sizeof(macs));
	for (int i = 0; i < n_tags; i++) {
		put16(p, tpids[i]);
		put16(p, 100 + i); /* VID */
	}
	put16(p, type);
}

void pkt_ipv4(struct pkt *p, const __u8 src[4], const __u8 dst[4], __u8 proto,
	      int ihl)
{
	__u8 h[60] = { 0 };

	h[0] = 0x40 | ihl;
	h[8] = 64;
	h[9] = proto;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
	for (int i = 20; i < ihl * 4; i++)
		h[i] = 1; /* IPOPT_NOOP */
	p->l3 = p->len;
	pkt_put(p, h, ihl * 4);
	p->l4 = p->len;
	p->family = AF_INET;
	p->proto = proto;
}

void pkt_ipv6(struct pkt *p, const __u8 src[16], const __u8 dst[16],
	      __u8 nexthdr)
{
	__u8 h[40] = { 0 };

	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	p->l3 = p->len;
	pkt_put(p, h, sizeof(h));
	p->l4 = p->len;
	p->nh_off = p->l3 + 6;
	p->family = AF_INET6;
	p->proto = nexthdr;
}

void pkt_ext(struct pkt *p, __u8 type, __u8 next, size_t len, __u16 frag_off,
	     bool more)
{
	__u8 h[256 * 8] = { 0 };

	if (len > sizeof(h))
		abort();
	p->b[p->nh_off] = type;
	h[0] = next;
	if (type == NH_FRAGMENT) {
		__u16 fo = frag_off << 3 | (more ? 1 : 0);

		len = 8;
		h[2] = fo >> 8;
		h[3] = fo & 0xff;
	} else if (type == NH_AH) {
		h[1] = len / 4 - 2;
	} else {
		h[1] = len / 8 - 1;
		if (len > 2) {
			h[2] = 1; /* PadN over the rest */
			h[3] = len - 4;
		}
	}
	p->nh_off = p->len;
	pkt_put(p, h, len);
	p->l4 = p->len;
	p->proto = next;
}

void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport)
{
	__u8 h[20] = { 0 };

	h[12] = 5 << 4;
	h[13] = 0x02; /* SYN */
	h[14] = 0xff;
	pkt_put(p, h, sizeof(h));
	pkt_set16(p, p->l4, sport);
	pkt_set16(p, p->l4 + 2, dport);
}

void pkt_udp(struct pkt *p, __u16 sport, __u16 dport)
{
	__u8 h[8] = { 0 };

	pkt_put(p, h, sizeof(h));
	pkt_set16(p, p->l4, sport);
	pkt_set16(p, p->l4 + 2, dport);
}

void pkt_payload(struct pkt *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		__u8 c = 'a' + i % 26;

		pkt_put(p, &c, 1);
	}
}

void pkt_finish(struct pkt *p)
{
	if (p->family == AF_INET)
		pkt_set16(p, p->l3 + 2, p->len - p->l3);
	else if (p->family == AF_INET6)
		pkt_set16(p, p->l3 + 4, p->len - p->l3 - 40);
	if (p->proto == 17 && p->len >= p->l4 + 8)
		pkt_set16(p, p->l4 + 4, p->len - p->l4);
}

int xh_open(struct xdp_harness *h)
{
	return xh_open_bits(h, enf_fast4_bits(ENF_DENY_SRC4_MAX));
}

int xh_open_bits(struct xdp_harness *h, __u32 bits)
{
	void *mem;
	int err;

	memset(h, 0, sizeof(*h));
	for (int i = 0; i < 2; i++) {
		struct xdp_host *s = xdp_host__open();

		if (!s) {
			err = -errno;
			goto out_close;
		}
		h->host[i] = s;
		s->rodata->check_primary = i == 0;
		s->rodata->fast4_bits = bits;
		err = bpf_map__set_max_entries(s->maps.deny_fast4, 1u << bits);
		if (err)
			goto out_close;
		if (i == 1) {
			struct xdp_host *a = h->host[0];
			struct bpf_map *from[] = {
				a->maps.deny_src4,  a->maps.deny_src6,
				a->maps.deny_flow,  a->maps.deny_cidr4,
				a->maps.deny_cidr6, a->maps.deny_spill,
				a->maps.deny_fast4, a->maps.dp_config,
			};
			struct bpf_map *to[] = {
				s->maps.deny_src4,  s->maps.deny_src6,
				s->maps.deny_flow,  s->maps.deny_cidr4,
				s->maps.deny_cidr6, s->maps.deny_spill,
				s->maps.deny_fast4, s->maps.dp_config,
			};

			for (size_t m = 0; m < sizeof(to) / sizeof(to[0]);
			     m++) {
				err = bpf_map__reuse_fd(to[m],
							bpf_map__fd(from[m]));
				if (err)
					goto out_close;
			}
		}
		err = xdp_host__load(s);
		if (err)
			goto out_close;
	}
	h->off = xdp_offload__open_and_load();
	if (!h->off) {
		err = -errno;
		goto out_close;
	}
	/* The table, mapped as the loader maps it, and live. */
	mem = mmap(NULL, enf_fast4_bytes(bits), PROT_READ | PROT_WRITE,
		   MAP_SHARED, bpf_map__fd(h->host[0]->maps.deny_fast4), 0);
	if (mem == MAP_FAILED) {
		err = -errno;
		goto out_close;
	}
	err = enf_fast4_init(&h->fast4, mem, bits);
	if (err) {
		munmap(mem, enf_fast4_bytes(bits));
		goto out_close;
	}
	err = xh_config(h, 1, 0);
	if (err)
		goto out_close;
	return 0;

out_close:
	xh_close(h);
	return err;
}

void xh_close(struct xdp_harness *h)
{
	if (h->fast4.slots)
		munmap(h->fast4.slots, enf_fast4_bytes(h->fast4.bits));
	xdp_host__destroy(h->host[0]);
	xdp_host__destroy(h->host[1]);
	xdp_offload__destroy(h->off);
	memset(h, 0, sizeof(*h));
}

static const struct enf_deny_value deny_val = { .rule_id = 7 };

int xh_host_src_fd(struct xdp_harness *h, int family)
{
	return bpf_map__fd(family == AF_INET ? h->host[0]->maps.deny_src4 :
					       h->host[0]->maps.deny_src6);
}

int xh_config(struct xdp_harness *h, __u32 fast4_live, __u32 src4_overflow)
{
	const struct enf_dp_config c = { .fast4_live = fast4_live,
					 .src4_overflow = src4_overflow };
	__u32 zero = 0;

	return bpf_map_update_elem(bpf_map__fd(h->host[0]->maps.dp_config),
				   &zero, &c, BPF_ANY);
}

int xh_config_read(struct xdp_harness *h, struct enf_dp_config *c)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(h->host[0]->maps.dp_config),
				   &zero, c);
}

int xh_src_put(struct xdp_harness *h, int family, const __u8 *addr,
	       const struct enf_deny_value *v)
{
	int fd = xh_host_src_fd(h, family);
	struct enf_deny_value old;
	__u32 a, before = h->fast4.overflow;
	bool existed;
	int err;

	existed = !bpf_map_lookup_elem(fd, addr, &old);
	err = bpf_map_update_elem(fd, addr, v, BPF_ANY);
	if (err || family != AF_INET)
		return err;
	memcpy(&a, addr, sizeof(a));
	err = enf_fast4_put(&h->fast4, a, v->flags, existed);
	if (err < 0)
		return err;
	return h->fast4.overflow == before ? 0 :
					     xh_config(h, 1, h->fast4.overflow);
}

int xh_src_del(struct xdp_harness *h, int family, const __u8 *addr)
{
	int fd = xh_host_src_fd(h, family);
	__u32 a, before = h->fast4.overflow;
	struct enf_deny_value old;
	int err;

	err = bpf_map_lookup_elem(fd, addr, &old);
	if (err)
		return err;
	if (family == AF_INET) {
		memcpy(&a, addr, sizeof(a));
		enf_fast4_del(&h->fast4, a, true);
		if (h->fast4.overflow != before) {
			err = xh_config(h, 1, h->fast4.overflow);
			if (err)
				return err;
		}
	}
	return bpf_map_delete_elem(fd, addr);
}

int xh_deny_src(struct xdp_harness *h, int family, const __u8 *addr)
{
	struct enf_deny_value v = deny_val, old;
	struct bpf_map *om;
	int hfd = xh_host_src_fd(h, family);
	int err;

	/* Over a marker (or a deny with flows), the flows stay marked. */
	if (!bpf_map_lookup_elem(hfd, addr, &old))
		v.flags = old.flags & ENF_DENY_F_FLOWS;
	err = xh_src_put(h, family, addr, &v);
	if (err)
		return err;
	om = family == AF_INET ? h->off->maps.deny_src4 :
				 h->off->maps.deny_src6;
	return bpf_map_update_elem(bpf_map__fd(om), addr, &deny_val, BPF_ANY);
}

int xh_mark_src(struct xdp_harness *h, int family, const __u8 *addr)
{
	struct enf_deny_value v = { .flags = ENF_DENY_F_MARK |
					     ENF_DENY_F_FLOWS };
	int fd = xh_host_src_fd(h, family);

	if (!bpf_map_lookup_elem(fd, addr, &v))
		v.flags |= ENF_DENY_F_FLOWS;
	return xh_src_put(h, family, addr, &v);
}

int xh_undeny_src(struct xdp_harness *h, int family, const __u8 *addr)
{
	struct bpf_map *om = family == AF_INET ? h->off->maps.deny_src4 :
						 h->off->maps.deny_src6;
	int err = xh_src_del(h, family, addr);

	return err ?: bpf_map_delete_elem(bpf_map__fd(om), addr);
}

int xh_undeny_flow(struct xdp_harness *h, const struct enf_tuple *t)
{
	int err;

	err = bpf_map_delete_elem(bpf_map__fd(h->host[0]->maps.deny_flow), t);
	if (err)
		return err;
	return bpf_map_delete_elem(bpf_map__fd(h->off->maps.deny_flow), t);
}

int xh_deny_cidr(struct xdp_harness *h, int family, const __u8 *addr,
		 __u32 prefixlen)
{
	struct enf_cidr6_key k6 = { .prefixlen = prefixlen };
	struct enf_cidr4_key k4 = { .prefixlen = prefixlen };

	if (family == AF_INET) {
		memcpy(k4.addr, addr, 4);
		return bpf_map_update_elem(
			bpf_map__fd(h->host[0]->maps.deny_cidr4), &k4,
			&deny_val, BPF_ANY);
	}
	memcpy(k6.addr, addr, 16);
	return bpf_map_update_elem(bpf_map__fd(h->host[0]->maps.deny_cidr6),
				   &k6, &deny_val, BPF_ANY);
}

int xh_deny_flow(struct xdp_harness *h, const struct enf_tuple *t)
{
	int family = t->family == ENF_FAMILY_V4 ? AF_INET : AF_INET6;
	int err;

	/* The source first, as the loader orders it. */
	err = xh_mark_src(h, family, t->saddr);
	return err ?: xh_deny_flow_unmarked(h, t);
}

int xh_deny_flow_unmarked(struct xdp_harness *h, const struct enf_tuple *t)
{
	int err;

	err = bpf_map_update_elem(bpf_map__fd(h->host[0]->maps.deny_flow), t,
				  &deny_val, BPF_ANY);
	if (err)
		return err;
	return bpf_map_update_elem(bpf_map__fd(h->off->maps.deny_flow), t,
				   &deny_val, BPF_ANY);
}

int xh_deny_spill(struct xdp_harness *h, const struct enf_spill_key *k)
{
	return bpf_map_update_elem(bpf_map__fd(h->host[0]->maps.deny_spill), k,
				   &deny_val, BPF_ANY);
}

static int read_counters(struct xdp_harness *h, enum xdp_variant v,
			 __u64 out[ENF_XDP_STAT_MAX])
{
	static __u64 *percpu;
	static int ncpu;
	int err;

	memset(out, 0, sizeof(__u64) * ENF_XDP_STAT_MAX);
	if (v == XV_OFFLOAD) {
		struct enf_xdp_nic_stats st;
		__u32 key = 0;

		err = bpf_map_lookup_elem(bpf_map__fd(h->off->maps.xdp_stats),
					  &key, &st);
		if (!err)
			memcpy(out, st.count, sizeof(st.count));
		return err;
	}
	if (!percpu) {
		ncpu = libbpf_num_possible_cpus();
		if (ncpu <= 0)
			return -EINVAL;
		/* Lives for the process: one buffer for every read. */
		percpu = calloc((size_t)ncpu * ENF_XDP_STAT_MAX,
				sizeof(*percpu));
		if (!percpu)
			return -ENOMEM;
	}
	{
		/* One batch read of every slot on every CPU. */
		__u32 keys[ENF_XDP_STAT_MAX], count = ENF_XDP_STAT_MAX, batch;
		LIBBPF_OPTS(bpf_map_batch_opts, bo);

		err = bpf_map_lookup_batch(
			bpf_map__fd(h->host[v]->maps.host_stats), NULL, &batch,
			keys, percpu, &count, &bo);
		if (err == -ENOENT && count == ENF_XDP_STAT_MAX)
			err = 0;
		if (err)
			return err;
		if (count != ENF_XDP_STAT_MAX)
			return -EIO;
		for (__u32 i = 0; i < count; i++) {
			if (keys[i] >= ENF_XDP_STAT_MAX)
				return -EIO;
			for (int c = 0; c < ncpu; c++)
				out[keys[i]] += percpu[i * ncpu + c];
		}
	}
	return 0;
}

int xh_run(struct xdp_harness *h, enum xdp_variant v, const void *data,
	   size_t len, __u32 *retval, int *moved)
{
	__u64 before[ENF_XDP_STAT_MAX], after[ENF_XDP_STAT_MAX];
	__u8 out[PKT_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	int fd, err, rerr;

	fd = v == XV_OFFLOAD ? bpf_program__fd(h->off->progs.xdp_offload) :
			       bpf_program__fd(h->host[v]->progs.xdp_host);
	err = read_counters(h, v, before);
	if (err)
		return err;
	rerr = bpf_prog_test_run_opts(fd, &o);
	err = read_counters(h, v, after);
	if (err)
		return err;
	*retval = o.retval;
	*moved = XH_MOVED_NONE;
	for (int i = 0; i < ENF_XDP_STAT_MAX; i++) {
		__u64 d = after[i] - before[i];

		if (!d)
			continue;
		if (d != 1 || *moved != XH_MOVED_NONE)
			*moved = XH_MOVED_OTHER;
		else
			*moved = i;
	}
	return rerr;
}

const char *xdp_action_name(__u32 a)
{
	switch (a) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "?";
}
