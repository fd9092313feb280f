// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "enforcer/flow/flow.h"

static int freed;

static void free_state(void *p)
{
	freed++;
	free(p);
}

static struct enf_flow_key key(uint32_t tgid, int fd)
{
	struct enf_flow_key k;

	memset(&k, 0, sizeof(k));
	k.tgid = tgid;
	k.fd = fd;
	k.tuple.family = 2;
	k.tuple.saddr[0] = 192;
	k.tuple.sport = (uint16_t)(1000 + fd);
	return k;
}

static int *val(int v)
{
	int *p = malloc(sizeof(*p));

	*p = v;
	return p;
}

static void test_put_get_del(void **state)
{
	struct enf_flow_table *t;
	struct enf_flow_key k1 = key(1, 3), k2 = key(1, 4);

	(void)state;
	freed = 0;
	assert_int_equal(enf_flow_table_new(8, free_state, &t), 0);
	assert_null(enf_flow_get(t, &k1));
	assert_int_equal(enf_flow_put(t, &k1, val(10)), 0);
	assert_int_equal(enf_flow_put(t, &k2, val(20)), 0);
	assert_int_equal(*(int *)enf_flow_get(t, &k1), 10);
	assert_int_equal(*(int *)enf_flow_get(t, &k2), 20);
	assert_int_equal(enf_flow_count(t), 2);
	assert_int_equal(enf_flow_del(t, &k1), 0);
	assert_int_equal(freed, 1);
	assert_int_equal(enf_flow_del(t, &k1), -ENOENT);
	assert_null(enf_flow_get(t, &k1));
	enf_flow_table_free(t);
	assert_int_equal(freed, 2);
}

static void test_duplicate_refused(void **state)
{
	struct enf_flow_table *t;
	struct enf_flow_key k = key(7, 7);
	int *v = val(1);

	(void)state;
	freed = 0;
	assert_int_equal(enf_flow_table_new(4, free_state, &t), 0);
	assert_int_equal(enf_flow_put(t, &k, val(0)), 0);
	assert_int_equal(enf_flow_put(t, &k, v), -EEXIST);
	free(v);
	enf_flow_table_free(t);
	assert_int_equal(freed, 1);
}

/* Full table: the least recently used flow goes, not the oldest inserted. */
static void test_lru_eviction(void **state)
{
	struct enf_flow_table *t;
	struct enf_flow_key k[5];

	(void)state;
	freed = 0;
	assert_int_equal(enf_flow_table_new(4, free_state, &t), 0);
	for (int i = 0; i < 4; i++) {
		k[i] = key(100, i);
		assert_int_equal(enf_flow_put(t, &k[i], val(i)), 0);
	}
	assert_non_null(enf_flow_get(t, &k[0])); /* k[1] is now the LRU */
	k[4] = key(100, 4);
	assert_int_equal(enf_flow_put(t, &k[4], val(4)), 0);
	assert_int_equal(enf_flow_count(t), 4);
	assert_int_equal(enf_flow_evictions(t), 1);
	assert_int_equal(freed, 1);
	assert_null(enf_flow_get(t, &k[1]));
	assert_non_null(enf_flow_get(t, &k[0]));
	assert_non_null(enf_flow_get(t, &k[4]));
	enf_flow_table_free(t);
	assert_int_equal(freed, 5);
}

/* Many flows through a small table: count never exceeds the cap. */
static void test_bounded(void **state)
{
	struct enf_flow_table *t;

	(void)state;
	freed = 0;
	assert_int_equal(enf_flow_table_new(64, free_state, &t), 0);
	for (int i = 0; i < 10000; i++) {
		struct enf_flow_key k = key((uint32_t)i, i);

		assert_int_equal(enf_flow_put(t, &k, val(i)), 0);
		assert_true(enf_flow_count(t) <= 64);
	}
	assert_int_equal(enf_flow_evictions(t), 10000 - 64);
	enf_flow_table_free(t);
	assert_int_equal(freed, 10000);
	assert_int_equal(enf_flow_table_new(0, free_state, &t), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_del),
		cmocka_unit_test(test_duplicate_refused),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
