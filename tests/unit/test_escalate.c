// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Escalation counts (enforcer/verdict/escalate.c): the N-th match within
 * the window, a window that slides, sources and rules apart, the count
 * starting again after the N-th, a rule whose N changed, and a full
 * table dropping its least recently matched source.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "enforcer/verdict/escalate.h"

#define S 1000000000ull /* one second in ns */

static struct enf_escalate_key key(uint32_t rule, const char *addr)
{
	struct enf_escalate_key k = { .rule_id = rule, .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, addr, k.addr), 1);
	return k;
}

static void test_nth_within_window(void **state)
{
	struct enf_escalate *e;
	struct enf_escalate_key a = key(1, "192.0.2.1"),
				b = key(1, "192.0.2.2"),
				a2 = key(2, "192.0.2.1");

	(void)state;
	assert_int_equal(enf_escalate_new(&e), 0);
	/* 5 in 60 s: four counted, the fifth fires, then again from 0 */
	for (int i = 1; i <= 4; i++)
		assert_int_equal(enf_escalate_hit(e, &a, 5, 60 * S, i * S), i);
	/* another source and another rule count apart */
	assert_int_equal(enf_escalate_hit(e, &b, 5, 60 * S, 5 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &a2, 5, 60 * S, 5 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &a, 5, 60 * S, 6 * S), 5);
	assert_int_equal(enf_escalate_hit(e, &a, 5, 60 * S, 7 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &b, 5, 60 * S, 8 * S), 2);
	enf_escalate_free(e);
}

/* Matches older than the window stop counting, one by one. */
static void test_window_slides(void **state)
{
	struct enf_escalate *e;
	struct enf_escalate_key a = key(1, "192.0.2.1");

	(void)state;
	assert_int_equal(enf_escalate_new(&e), 0);
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 0 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 5 * S), 2);
	/* at 10 s the first has left: 2, not 3 */
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 10 * S), 2);
	/* at 14 s the one of 5 s is still in: 3 fires */
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 14 * S), 3);
	/* a time before the last (another clock's read): still in */
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 20 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 19 * S), 2);
	/* far later: all gone */
	assert_int_equal(enf_escalate_hit(e, &a, 3, 10 * S, 100 * S), 1);
	/* the rule now says 2 in 10 s: counting starts again */
	assert_int_equal(enf_escalate_hit(e, &a, 2, 10 * S, 101 * S), 1);
	assert_int_equal(enf_escalate_hit(e, &a, 2, 10 * S, 102 * S), 2);
	assert_int_equal(enf_escalate_hit(e, &a, 1, 10 * S, 103 * S), -EINVAL);
	assert_int_equal(enf_escalate_hit(e, &a, 2, 0, 103 * S), -EINVAL);
	enf_escalate_free(e);
}

/* More live sources than slots: the table stays bounded, the least
 * recently matched go (counted); stale ones are reused without. */
static void test_bounded(void **state)
{
	struct enf_escalate *e;
	struct enf_escalate_key k = { .rule_id = 9, .family = AF_INET6 };
	uint64_t evicted;
	uint32_t i;

	(void)state;
	assert_int_equal(enf_escalate_new(&e), 0);
	for (i = 0; i < 2 * ENF_ESCALATE_SLOTS; i++) {
		memcpy(k.addr, &i, sizeof(i));
		assert_int_equal(enf_escalate_hit(e, &k, 2, 3600 * S,
						  (uint64_t)i + 1),
				 1);
	}
	/* every source took a free slot or evicted one: with 2x the slots,
	 * at least half of them evicted */
	evicted = enf_escalate_evicted(e);
	assert_true(evicted >= ENF_ESCALATE_SLOTS);
	assert_true(evicted < 2 * ENF_ESCALATE_SLOTS);
	/* the newest source is still counted */
	i = 2 * ENF_ESCALATE_SLOTS - 1;
	memcpy(k.addr, &i, sizeof(i));
	assert_int_equal(enf_escalate_hit(e, &k, 2, 3600 * S, 2 * 3600 * S),
			 1); /* an hour on, its match left the window */
	/* an hour on every source is stale: new ones take slots freely */
	for (i = 0; i < ENF_ESCALATE_SLOTS / 4; i++) {
		uint32_t j = i + 100000;

		memcpy(k.addr, &j, sizeof(j));
		assert_int_equal(
			enf_escalate_hit(e, &k, 2, 3600 * S, 3 * 3600 * S), 1);
	}
	assert_int_equal(enf_escalate_evicted(e), evicted);
	enf_escalate_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nth_within_window),
		cmocka_unit_test(test_window_slides),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
