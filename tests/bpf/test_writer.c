// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The map writer (enforcer/verdict/writer.h) against the real host deny
 * maps (enf_dp_open() without pins or interfaces): coalescing of
 * operations on one entry, order of an add and a delete of one entry,
 * batches of every kind in one wake, a full map, a queue that fills,
 * submitters on several threads. Root only: without it, exit 77.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "enforcer/loader/dataplane.h"
#include "enforcer/verdict/writer.h"

#define SKIP_CODE 77

struct fx {
	struct enf_dp *dp;
	struct enf_writer *w;
};

static int setup_sized(void **state, __u32 entries)
{
	struct fx *f = calloc(1, sizeof(*f));
	const struct enf_dp_opts o = { .host_entries = entries };

	assert_non_null(f);
	assert_int_equal(enf_dp_open(entries ? &o : NULL, &f->dp), 0);
	assert_int_equal(enf_writer_new(f->dp, &f->w), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_sized(state, 0);
}

static int setup_small(void **state)
{
	return setup_sized(state, 16);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	enf_writer_free(f->w);
	enf_dp_close(f->dp);
	free(f);
	return 0;
}

static struct enf_entry src4(uint32_t host_order)
{
	struct enf_entry e = { .deny = { .kind = ENF_DENY_SRC,
					 .family = AF_INET } };
	uint32_t a = htonl(host_order);

	memcpy(e.deny.addr, &a, 4);
	return e;
}

static struct enf_entry src6(uint16_t last)
{
	struct enf_entry e = { .deny = { .kind = ENF_DENY_SRC,
					 .family = AF_INET6 } };

	inet_pton(AF_INET6, "2001:db8::", e.deny.addr);
	e.deny.addr[14] = (uint8_t)(last >> 8);
	e.deny.addr[15] = (uint8_t)last;
	return e;
}

static struct enf_entry flow4(uint32_t peer, uint16_t sport)
{
	struct enf_entry e = { .deny = { .kind = ENF_DENY_FLOW,
					 .family = AF_INET } };
	struct enf_tuple *t = &e.deny.flow;
	uint32_t a = htonl(peer), b = htonl(0xc0a80001);

	t->family = ENF_FAMILY_V4;
	t->proto = IPPROTO_TCP;
	memcpy(t->saddr, &a, 4);
	memcpy(t->daddr, &b, 4);
	t->sport = htons(sport);
	t->dport = htons(443);
	return e;
}

static struct enf_entry cidr4(uint32_t net, uint8_t bits)
{
	struct enf_entry e = { .deny = { .kind = ENF_DENY_CIDR,
					 .family = AF_INET,
					 .prefixlen = bits } };
	uint32_t a = htonl(net);

	memcpy(e.deny.addr, &a, 4);
	return e;
}

static struct enf_write_op add_op(struct enf_entry e, uint32_t rule)
{
	return (struct enf_write_op){ .kind = ENF_WRITE_ADD,
				      .e = e,
				      .rule_id = rule };
}

static struct enf_write_op del_op(struct enf_entry e)
{
	return (struct enf_write_op){ .kind = ENF_WRITE_DEL, .e = e };
}

/* Submits @n ops with the writer held, then lets it go: one take. */
static void run_held(struct fx *f, struct enf_write_op *ops, size_t n)
{
	struct enf_write_ticket t;

	enf_writer_hold(f->w, true);
	enf_writer_submit(f->w, ops, n, &t);
	enf_writer_hold(f->w, false);
	enf_writer_wait(&t);
}

/* The rule id the host maps hold for @e, or -1 when they do not. */
static long held_rule(struct fx *f, const struct enf_entry *e)
{
	struct enf_deny_value v;

	if (enf_dp_deny_lookup(f->dp, &e->deny, &v))
		return -1;
	return v.rule_id;
}

/* 40 adds of one source and 10 of others, taken together: 11 writes, and
 * every add of the one source gets its outcome and the first's rule. */
static void test_coalesce(void **state)
{
	struct fx *f = *state;
	struct enf_write_op ops[50];
	struct enf_writer_stats st;

	for (int i = 0; i < 40; i++)
		ops[i] = add_op(src4(0xc6336401), 100 + (uint32_t)i);
	for (int i = 0; i < 10; i++)
		ops[40 + i] = add_op(src4(0xc6336410 + (uint32_t)i), 7);
	run_held(f, ops, 50);

	for (int i = 0; i < 50; i++) {
		assert_int_equal(ops[i].err, 0);
		assert_true(ops[i].res.host);
		assert_true(ops[i].done_ns > 0);
		assert_int_equal(ops[i].coalesced, i > 0 && i < 40);
		if (i > 0 && i < 40)
			assert_true(ops[i].done_ns == ops[0].done_ns);
	}
	assert_int_equal(held_rule(f, &ops[0].e), 100);
	for (int i = 40; i < 50; i++)
		assert_int_equal(held_rule(f, &ops[i].e), 7);
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.ops, 50);
	assert_int_equal(st.writes, 11);
	assert_int_equal(st.coalesced, 39);
	assert_int_equal(st.wakes, 1);
	assert_int_equal(st.largest, 50);
	assert_int_equal(st.errors, 0);
}

/* An add and a delete of one entry in one take keep their order: each
 * changes what the next finds. */
static void test_order(void **state)
{
	struct fx *f = *state;
	struct enf_entry a = src4(0xcb007101), b = src4(0xcb007102);
	struct enf_write_op ops[] = {
		add_op(a, 1), del_op(a),    add_op(a, 2), add_op(a, 3),
		del_op(b),    add_op(b, 4), del_op(b),	  del_op(b),
	};
	struct enf_writer_stats st;

	run_held(f, ops, sizeof(ops) / sizeof(ops[0]));

	assert_int_equal(ops[0].err, 0);
	assert_int_equal(ops[1].err, 0); /* there: the add came first */
	assert_int_equal(ops[2].err, 0);
	assert_true(ops[3].coalesced);
	assert_int_equal(held_rule(f, &a), 2); /* added again, rule 2 */
	assert_int_equal(ops[4].err, -ENOENT); /* not there yet */
	assert_int_equal(ops[5].err, 0);
	assert_int_equal(ops[6].err, 0);
	assert_true(ops[7].coalesced);
	assert_int_equal(ops[7].err, 0); /* shares the delete that lifted it */
	assert_int_equal(held_rule(f, &b), -1);
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.ops, 8);
	assert_int_equal(st.coalesced, 2);
	assert_int_equal(st.errors, 0); /* a delete of nothing is no error */
}

/* 250 entries of every XDP kind in one take: one batch, all there (the
 * flows' sources marked, not denied); then the flows deleted, the
 * sources still not denied. */
static void test_batch_kinds(void **state)
{
	struct fx *f = *state;
	struct enf_write_op ops[250], dels[60];
	struct enf_dp_host_counts c;
	struct enf_writer_stats st;
	size_t n = 0;

	for (uint32_t i = 0; i < 100; i++)
		ops[n++] = add_op(src4(0x0a000001 + i), 1);
	for (uint16_t i = 0; i < 60; i++)
		ops[n++] = add_op(src6(i + 1), 2);
	for (uint16_t i = 0; i < 60; i++) /* 6 sources, 10 flows each */
		ops[n++] = add_op(flow4(0xac100001 + i % 6, 40000 + i), 3);
	for (uint32_t i = 0; i < 30; i++)
		ops[n++] = add_op(cidr4(0x64400000 + (i << 8), 24), 4);
	assert_int_equal(n, 250);
	run_held(f, ops, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ops[i].err, 0);
		assert_int_equal(held_rule(f, &ops[i].e), i < 100 ? 1 :
							  i < 160 ? 2 :
							  i < 220 ? 3 :
								    4);
	}
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.batches, 1);
	assert_int_equal(st.writes, 250);
	assert_int_equal(enf_dp_host_counts(f->dp, &c), 0);
	assert_int_equal(c.src4, 100); /* the flows' marks are not denies */
	assert_int_equal(c.src6, 60);
	assert_int_equal(c.flow, 60);
	assert_int_equal(c.cidr4, 30);

	for (size_t i = 0; i < 60; i++)
		dels[i] = del_op(ops[160 + i].e);
	enf_writer_run(f->w, dels, 60);
	for (size_t i = 0; i < 60; i++)
		assert_int_equal(dels[i].err, 0);
	assert_int_equal(enf_dp_host_counts(f->dp, &c), 0);
	assert_int_equal(c.flow, 0);
	assert_int_equal(c.src4, 100);
	for (uint32_t s = 0; s < 6; s++) {
		struct enf_entry e = src4(0xac100001 + s);

		assert_int_equal(held_rule(f, &e), -1);
	}
}

/* A map of 16: a batch of 20 new sources gives 16 entries and 4 E2BIG,
 * and the entries there stay; 20 new flows from new sources: the source
 * map is full, so none is taken and no source is left marked. */
static void test_full_map(void **state)
{
	struct fx *f = *state;
	struct enf_write_op ops[20];
	struct enf_dp_host_counts c;
	struct enf_writer_stats st;
	int ok = 0, full = 0;

	for (uint32_t i = 0; i < 20; i++)
		ops[i] = add_op(src4(0x0b000001 + i), 9);
	run_held(f, ops, 20);
	for (int i = 0; i < 20; i++) {
		if (!ops[i].err) {
			ok++;
			assert_int_equal(held_rule(f, &ops[i].e), 9);
		} else {
			assert_int_equal(ops[i].err, -E2BIG);
			assert_int_equal(held_rule(f, &ops[i].e), -1);
			full++;
		}
	}
	assert_int_equal(ok, 16);
	assert_int_equal(full, 4);

	for (uint16_t i = 0; i < 20; i++)
		ops[i] = add_op(flow4(0x0c000001 + i, 50000), 9);
	enf_writer_run(f->w, ops, 20);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ops[i].err, -E2BIG);
	assert_int_equal(enf_dp_host_counts(f->dp, &c), 0);
	assert_int_equal(c.src4, 16);
	assert_int_equal(c.flow, 0);
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.errors, 24);
}

/* More operations than the queue holds, in one call: the submitter waits
 * for room (counted), nothing is lost, and each of the 8 entries ends as
 * its last operation left it. */
static void test_queue_full(void **state)
{
	struct fx *f = *state;
	const size_t n = ENF_WRITER_QUEUE + 1000;
	struct enf_write_op *ops = calloc(n, sizeof(*ops));
	struct enf_writer_stats st;

	assert_non_null(ops);
	for (size_t i = 0; i < n; i++) {
		struct enf_entry e = src6((uint16_t)(0x100 + i % 8));

		/* add, add, del, per entry, over and over */
		ops[i] = (i / 8) % 3 == 2 ? del_op(e) : add_op(e, (uint32_t)i);
	}
	enf_writer_run(f->w, ops, n);
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.ops, n);
	assert_true(st.full_waits >= 1);
	assert_int_equal(st.errors, 0);
	for (size_t k = 0; k < 8; k++) {
		size_t last = n - 8 + k;
		bool there = (last / 8) % 3 != 2;

		assert_int_equal(held_rule(f, &ops[last].e) >= 0, there);
	}
	free(ops);
}

struct submitter {
	struct fx *f;
	uint32_t base;
	int failed;
};

static void *submit_many(void *arg)
{
	struct submitter *s = arg;

	for (uint32_t i = 0; i < 500; i++) {
		struct enf_entry e = src4(s->base + i);

		if (enf_writer_add(s->f->w, &e, s->base, NULL))
			s->failed++;
		if (i % 2 && enf_writer_del(s->f->w, &e))
			s->failed++;
	}
	return NULL;
}

/* Four threads at once, each adding 500 entries and deleting every
 * other one: all done, and the maps hold exactly what is left. */
static void test_threads(void **state)
{
	struct fx *f = *state;
	struct submitter s[4];
	pthread_t th[4];
	struct enf_dp_host_counts c;
	struct enf_writer_stats st;

	for (int i = 0; i < 4; i++) {
		s[i] = (struct submitter){ f,
					   0x0d000000u + (uint32_t)i * 0x10000,
					   0 };
		assert_int_equal(
			pthread_create(&th[i], NULL, submit_many, &s[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(s[i].failed, 0);
	}
	enf_writer_get_stats(f->w, &st);
	assert_int_equal(st.ops, 4 * 750);
	assert_int_equal(enf_dp_host_counts(f->dp, &c), 0);
	assert_int_equal(c.src4, 4 * 250);
	for (int i = 0; i < 4; i++) {
		struct enf_entry kept = src4(s[i].base + 498);
		struct enf_entry gone = src4(s[i].base + 499);

		assert_int_equal(held_rule(f, &kept), (long)s[i].base);
		assert_int_equal(held_rule(f, &gone), -1);
	}
}

/* What nothing enforces answers ENODEV: egress without an egress map,
 * any entry without a data plane; and a malformed entry EINVAL. */
static void test_nothing_enforces(void **state)
{
	struct fx *f = *state;
	struct enf_entry eg = { .egress = true,
				.eg = { .cgroup_id = 42, .family = AF_INET } };
	struct enf_entry bad = cidr4(0x0a000001, 8); /* host bits set */
	struct enf_entry s = src4(0x0e000001);
	struct enf_writer *none;

	(void)state;
	assert_int_equal(enf_writer_add(f->w, &eg, 1, NULL), -ENODEV);
	assert_int_equal(enf_writer_del(f->w, &eg), -ENODEV);
	assert_int_equal(enf_writer_add(f->w, &bad, 1, NULL), -EINVAL);
	assert_int_equal(held_rule(f, &bad), -1);

	assert_int_equal(enf_writer_new(NULL, &none), 0);
	assert_int_equal(enf_writer_add(none, &s, 1, NULL), -ENODEV);
	assert_int_equal(enf_writer_del(none, &s), -ENODEV);
	enf_writer_free(none);
}

/* enf_dp_deny_add_many() given an entry twice (the writer never does):
 * written once, the later one sharing the first's outcome and rule. */
static void test_dp_duplicates(void **state)
{
	struct fx *f = *state;
	struct enf_entry a = src4(0x0f000001), b = flow4(0x0f000002, 1000);
	const struct enf_deny d[] = { a.deny, b.deny, a.deny, b.deny };
	const __u32 rule[] = { 1, 2, 3, 4 };
	struct enf_deny_result res[4];
	struct enf_dp_host_counts c;
	int err[4];

	assert_int_equal(enf_dp_deny_add_many(f->dp, d, rule, 4, err, res), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(err[i], 0);
		assert_true(res[i].host);
	}
	assert_int_equal(held_rule(f, &a), 1);
	assert_int_equal(held_rule(f, &b), 2);
	assert_int_equal(enf_dp_host_counts(f->dp, &c), 0);
	assert_int_equal(c.src4, 1);
	assert_int_equal(c.flow, 1);
	/* the flow counted once: one delete lifts it, a second finds none */
	assert_int_equal(enf_dp_deny_del(f->dp, &b.deny), 0);
	assert_int_equal(enf_dp_deny_del(f->dp, &b.deny), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_coalesce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_kinds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_full_map, setup_small,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_full, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_enforces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dp_duplicates, setup,
						teardown),
	};
	struct enf_dp *dp;

	if (geteuid() != 0) {
		fprintf(stderr, "test_writer: BPF maps need root; skipped\n");
		return SKIP_CODE;
	}
	if (enf_dp_open(NULL, &dp)) {
		fprintf(stderr, "test_writer: no BPF maps here; skipped\n");
		return SKIP_CODE;
	}
	enf_dp_close(dp);
	return cmocka_run_group_tests_name("writer", tests, NULL, NULL);
}
