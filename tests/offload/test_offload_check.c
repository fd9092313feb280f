// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The offload-fit checker: the deliberately non-fitting object is refused
 * for each of its faults, named, with program and instruction; the real
 * xdp_offload object (built in, and the file) fits; the options move the
 * verdict; what is not an object is refused clearly; each instruction rule
 * on hand-written programs, one fault each; the stack and instruction
 * counts follow the NFP driver's layout; and enforcerctl's handler exits
 * and prints as documented.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/bpf.h>

#include "enforcer/loader/offload_check.h"
#include "enforcer/xdp.h"

#include "enforcer/ctl/ctl.h"

/* enforcerctl's parsed options, which its main() defines. */
struct ctl_opts ctl_opts;

#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void dump(const struct enf_offload_report *rep)
{
	print_message("report for %s: fits %d, %zu violations (+%zu)\n",
		      rep->object, rep->fits, rep->n, rep->dropped);
	for (size_t i = 0; i < rep->n; i++)
		print_message("  %s prog '%s' insn %ld map '%s' helper '%s': "
			      "%s\n",
			      enf_offload_kind_name(rep->v[i].kind),
			      rep->v[i].program, rep->v[i].insn, rep->v[i].map,
			      rep->v[i].helper, rep->v[i].message);
}

/* A failed check names itself and shows the whole report. */
#define CHECK(rep, cond, ...)                  \
	do {                                   \
		if (!(cond)) {                 \
			dump(rep);             \
			fail_msg(__VA_ARGS__); \
		}                              \
	} while (0)

/* The @nth violation matching every non-NULL criterion, or NULL. */
static const struct enf_offload_violation *
find_v(const struct enf_offload_report *rep, int kind, const char *program,
       const char *map, const char *helper, int nth)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct enf_offload_violation *v = &rep->v[i];

		if (kind >= 0 && (int)v->kind != kind)
			continue;
		if (program && strcmp(v->program, program))
			continue;
		if (map && strcmp(v->map, map))
			continue;
		if (helper && strcmp(v->helper, helper))
			continue;
		if (nth-- == 0)
			return v;
	}
	return NULL;
}

static size_t count_v(const struct enf_offload_report *rep, int kind,
		      const char *program)
{
	size_t n = 0;

	while (find_v(rep, kind, program, NULL, NULL, (int)n))
		n++;
	return n;
}

/* The instructions of program @name in the object at @path, as libbpf
 * reads them, copied; NULL when absent. */
static struct bpf_insn *prog_insns(const char *path, const char *name,
				   size_t *n)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	struct bpf_insn *copy = NULL;

	if (!obj)
		return NULL;
	p = bpf_object__find_program_by_name(obj, name);
	if (p) {
		*n = bpf_program__insn_cnt(p);
		copy = malloc(*n * sizeof(*copy));
		if (copy)
			memcpy(copy, bpf_program__insns(p), *n * sizeof(*copy));
	}
	bpf_object__close(obj);
	return copy;
}

static bool is_call_to(const struct bpf_insn *insns, size_t n, long at,
		       int helper)
{
	return at >= 0 && (size_t)at < n &&
	       insns[at].code == (BPF_JMP | BPF_CALL) && !insns[at].src_reg &&
	       insns[at].imm == helper;
}

static void check_bad(struct enf_offload_report *rep,
		      const struct enf_offload_limits *lim)
{
	char err[256] = "";
	int ret;

	ret = enf_offload_check_file(ENF_TEST_BAD_OFFLOAD_OBJ, lim, rep, err,
				     sizeof(err));
	if (ret)
		fail_msg("checking %s: %d %s", ENF_TEST_BAD_OFFLOAD_OBJ, ret,
			 err);
}

/* ------------------------------------------------------------------ */
/* The deliberately non-fitting object                                 */

static void test_bad_maps(void **state)
{
	struct enf_offload_report rep;
	static const struct {
		int kind;
		const char *map;
	} want[] = {
		{ ENF_OFFLOAD_MAP_TYPE, "lru_flows" },
		{ ENF_OFFLOAD_MAP_TYPE, "jump_table" },
		{ ENF_OFFLOAD_MAP_FLAGS, "sparse_flows" },
		{ ENF_OFFLOAD_MAP_SIZE, "wide_flows" },
	};
	size_t map_level = 0;

	(void)state;
	check_bad(&rep, NULL);
	CHECK(&rep, !rep.fits, "bad object: must not fit");
	CHECK(&rep, rep.stats.maps == 6 && rep.stats.programs == 2,
	      "bad object: 6 maps and 2 programs counted, got %u and %u",
	      rep.stats.maps, rep.stats.programs);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct enf_offload_violation *v =
			find_v(&rep, want[i].kind, "", want[i].map, NULL, 0);

		CHECK(&rep, v, "bad object: %s on map %s not reported",
		      enf_offload_kind_name(want[i].kind), want[i].map);
		CHECK(&rep, v->insn == -1 && strstr(v->message, want[i].map),
		      "bad object: %s violation must name map %s and no "
		      "instruction",
		      enf_offload_kind_name(want[i].kind), want[i].map);
	}
	/* Exactly those: the fitting arrays are not blamed. */
	for (size_t i = 0; i < rep.n; i++)
		map_level += rep.v[i].program[0] == '\0';
	CHECK(&rep, map_level == 4,
	      "bad object: 4 map violations expected, got %zu", map_level);
	CHECK(&rep,
	      !find_v(&rep, -1, "", "counters", NULL, 0) &&
		      !find_v(&rep, -1, "", "budget", NULL, 0),
	      "bad object: the fitting ARRAY maps were blamed");
	enf_offload_report_free(&rep);
}

static void test_bad_offload_program(void **state)
{
	const struct enf_offload_violation *v;
	struct enf_offload_report rep;
	struct bpf_insn *insns;
	size_t n = 0;

	(void)state;
	check_bad(&rep, NULL);
	insns = prog_insns(ENF_TEST_BAD_OFFLOAD_OBJ, "bad_offload", &n);
	assert_non_null(insns);

	v = find_v(&rep, ENF_OFFLOAD_HELPER, "bad_offload", NULL,
		   "bpf_ktime_get_ns", 0);
	CHECK(&rep, v, "bad_offload: bpf_ktime_get_ns not reported by name");
	CHECK(&rep, is_call_to(insns, n, v->insn, BPF_FUNC_ktime_get_ns),
	      "bad_offload: bpf_ktime_get_ns reported at insn %ld, which is "
	      "not that call",
	      v->insn);
	CHECK(&rep, strstr(v->message, "bpf_ktime_get_ns"),
	      "bad_offload: the helper message must name the helper");

	v = find_v(&rep, ENF_OFFLOAD_MAP_UPDATE, "bad_offload", "lru_flows",
		   "bpf_map_update_elem", 0);
	CHECK(&rep, v,
	      "bad_offload: bpf_map_update_elem on lru_flows not "
	      "reported");
	CHECK(&rep, is_call_to(insns, n, v->insn, BPF_FUNC_map_update_elem),
	      "bad_offload: map update reported at insn %ld, not the call",
	      v->insn);

	v = find_v(&rep, ENF_OFFLOAD_TAIL_CALL, "bad_offload", "jump_table",
		   "bpf_tail_call", 0);
	CHECK(&rep, v,
	      "bad_offload: tail call through jump_table not "
	      "reported");
	CHECK(&rep, is_call_to(insns, n, v->insn, BPF_FUNC_tail_call),
	      "bad_offload: tail call reported at insn %ld, not the call",
	      v->insn);

	v = find_v(&rep, ENF_OFFLOAD_ATOMIC, "bad_offload", NULL, NULL, 0);
	CHECK(&rep, v, "bad_offload: the fetching atomic add not reported");
	CHECK(&rep,
	      v->insn >= 0 && (size_t)v->insn < n &&
		      insns[v->insn].code == (BPF_STX | BPF_ATOMIC | BPF_DW) &&
		      insns[v->insn].imm == (BPF_ADD | BPF_FETCH),
	      "bad_offload: atomic reported at insn %ld, not the fetch-add",
	      v->insn);
	CHECK(&rep, strstr(v->message, "fetch-add"),
	      "bad_offload: the atomic message must say fetch-add");

	/* Nothing else in that program: no false alarms. */
	CHECK(&rep, count_v(&rep, -1, "bad_offload") == 4,
	      "bad_offload: 4 violations expected, got %zu",
	      count_v(&rep, -1, "bad_offload"));
	free(insns);
	enf_offload_report_free(&rep);
}

static void test_bad_jit_program(void **state)
{
	const struct enf_offload_violation *v;
	struct enf_offload_report rep;
	struct bpf_insn *insns;
	size_t n = 0;

	(void)state;
	check_bad(&rep, NULL);
	insns = prog_insns(ENF_TEST_BAD_OFFLOAD_OBJ, "bad_jit", &n);
	assert_non_null(insns);

	v = find_v(&rep, ENF_OFFLOAD_CTX_ACCESS, "bad_jit", NULL, NULL, 0);
	CHECK(&rep, v, "bad_jit: rx_queue_index read not reported");
	CHECK(&rep,
	      v->insn >= 0 && (size_t)v->insn < n &&
		      BPF_CLASS(insns[v->insn].code) == BPF_LDX &&
		      insns[v->insn].off == 16 &&
		      strstr(v->message, "rx_queue_index"),
	      "bad_jit: ctx access reported at insn %ld, not the read of "
	      "rx_queue_index",
	      v->insn);

	v = find_v(&rep, ENF_OFFLOAD_MAP_WRITE, "bad_jit", "counters", NULL, 0);
	CHECK(&rep, v,
	      "bad_jit: the store into a counters value not "
	      "reported");
	CHECK(&rep,
	      v->insn >= 0 && (size_t)v->insn < n &&
		      insns[v->insn].code == (BPF_STX | BPF_MEM | BPF_DW),
	      "bad_jit: map write reported at insn %ld, not the store",
	      v->insn);

	v = find_v(&rep, ENF_OFFLOAD_MAP_USE, "bad_jit", "budget", NULL, 0);
	CHECK(&rep, v,
	      "bad_jit: budget read and added to atomically, not "
	      "reported");

	for (int i = 0; i < 2; i++) {
		v = find_v(&rep, ENF_OFFLOAD_DIVIDE, "bad_jit", NULL, NULL, i);
		CHECK(&rep, v, "bad_jit: divide by a variable #%d not reported",
		      i + 1);
		CHECK(&rep,
		      v->insn >= 0 && (size_t)v->insn < n &&
			      insns[v->insn].code ==
				      (BPF_ALU | BPF_DIV | BPF_X),
		      "bad_jit: divide reported at insn %ld, not a divide by "
		      "a register",
		      v->insn);
	}
	CHECK(&rep, count_v(&rep, -1, "bad_jit") == 5,
	      "bad_jit: 5 violations expected, got %zu",
	      count_v(&rep, -1, "bad_jit"));

	/* In the called function: its stack array indexed by a variable. */
	v = find_v(&rep, ENF_OFFLOAD_STACK_ACCESS, "spread", NULL, NULL, 0);
	CHECK(&rep, v && v->insn >= 0,
	      "spread: stack access at a variable offset not reported with "
	      "its instruction");
	CHECK(&rep, count_v(&rep, -1, "spread") == 1,
	      "spread: 1 violation expected, got %zu",
	      count_v(&rep, -1, "spread"));

	/* The called function's frame counts: more than bad_jit's own. */
	CHECK(&rep,
	      rep.stats.stack >= 128 && rep.stats.stack % 64 == 0 &&
		      rep.stats.stack > rep.stats.stack_used,
	      "bad object: stack %u must include the called function's "
	      "64-byte-rounded frame",
	      rep.stats.stack);
	free(insns);
	enf_offload_report_free(&rep);
}

static void test_bad_options(void **state)
{
	struct enf_offload_limits lim;
	struct enf_offload_report rep;

	(void)state;
	check_bad(&rep, NULL);
	CHECK(&rep, !find_v(&rep, ENF_OFFLOAD_STACK, NULL, NULL, NULL, 0),
	      "bad object: no stack violation at the default limit");
	enf_offload_report_free(&rep);

	/* A card announcing 128 bytes: bad_jit's call chain is over. */
	enf_offload_limits_default(&lim);
	lim.stack_limit = 128;
	check_bad(&rep, &lim);
	CHECK(&rep, find_v(&rep, ENF_OFFLOAD_STACK, "bad_jit", NULL, NULL, 0),
	      "bad object, stack limit 128: bad_jit's stack not reported");
	CHECK(&rep,
	      !find_v(&rep, ENF_OFFLOAD_STACK, "bad_offload", NULL, NULL, 0),
	      "bad object, stack limit 128: bad_offload (64 bytes) blamed");
	enf_offload_report_free(&rep);

	/* A larger element: wide_flows (72 bytes) fits 80. */
	enf_offload_limits_default(&lim);
	lim.element_size = 80;
	check_bad(&rep, &lim);
	CHECK(&rep, !find_v(&rep, ENF_OFFLOAD_MAP_SIZE, NULL, NULL, NULL, 0),
	      "bad object, element size 80: a map size still reported");
	enf_offload_report_free(&rep);
}

/* ------------------------------------------------------------------ */
/* The real xdp_offload object                                         */

static void test_real_builtin_fits(void **state)
{
	struct enf_offload_report rep;
	char err[256] = "";
	int ret;

	(void)state;
	ret = enf_offload_check_builtin(NULL, &rep, err, sizeof(err));
	if (ret)
		fail_msg("built-in xdp_offload: %d %s", ret, err);
	CHECK(&rep, rep.fits && rep.n == 0 && !rep.dropped,
	      "built-in xdp_offload must fit with zero violations");
	CHECK(&rep,
	      rep.stats.programs >= 1 && rep.stats.maps >= 4 &&
		      rep.stats.insns > 0 &&
		      rep.stats.insns <= ENF_OFFLOAD_MAX_INSNS &&
		      rep.stats.stack <= ENF_OFFLOAD_STACK_LIMIT,
	      "built-in xdp_offload: implausible stats");
	enf_offload_report_free(&rep);
}

static void test_real_file_fits(void **state)
{
	struct enf_offload_report rep;
	char err[256] = "";
	int ret;

	(void)state;
	ret = enf_offload_check_file(ENF_TEST_XDP_OFFLOAD_OBJ, NULL, &rep, err,
				     sizeof(err));
	if (ret)
		fail_msg("%s: %d %s", ENF_TEST_XDP_OFFLOAD_OBJ, ret, err);
	CHECK(&rep, rep.fits && rep.n == 0,
	      "xdp_offload.bpf.o must fit with zero violations");
	enf_offload_report_free(&rep);
}

/* The object need not be aligned in memory: copy it one byte off. */
static void test_real_unaligned_buffer(void **state)
{
	struct enf_offload_report rep, ref;
	unsigned char *buf;
	size_t len = 0;
	char err[256] = "";
	FILE *f;
	int ret;

	(void)state;
	f = fopen(ENF_TEST_XDP_OFFLOAD_OBJ, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf + 1, 1, len, f), len);
	fclose(f);

	ret = enf_offload_check_mem(buf + 1, len, "unaligned", NULL, &rep, err,
				    sizeof(err));
	if (ret)
		fail_msg("unaligned copy: %d %s", ret, err);
	ret = enf_offload_check_builtin(NULL, &ref, err, sizeof(err));
	assert_int_equal(ret, 0);
	CHECK(&rep, rep.fits && rep.stats.insns == ref.stats.insns,
	      "unaligned copy of xdp_offload.bpf.o: verdict or count differs");
	enf_offload_report_free(&rep);
	enf_offload_report_free(&ref);
	free(buf);
}

static void test_real_element_size_32(void **state)
{
	const struct enf_offload_violation *v;
	struct enf_offload_limits lim;
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	enf_offload_limits_default(&lim);
	lim.element_size = 32;
	assert_int_equal(
		enf_offload_check_builtin(&lim, &rep, err, sizeof(err)), 0);
	CHECK(&rep, !rep.fits, "element size 32: xdp_offload must not fit");
	v = find_v(&rep, ENF_OFFLOAD_MAP_SIZE, "", ENF_MAP_DENY_FLOW, NULL, 0);
	CHECK(&rep, v,
	      "element size 32: deny_flow (40-byte key) not "
	      "reported");
	CHECK(&rep, v && strstr(v->message, "32"),
	      "element size 32: the message must give the element size");
	/* deny_src4 is 4 + 8 bytes: 16, fits 32. */
	CHECK(&rep,
	      !find_v(&rep, ENF_OFFLOAD_MAP_SIZE, "", ENF_MAP_DENY_SRC4, NULL,
		      0),
	      "element size 32: deny_src4 (16 bytes) wrongly reported");
	enf_offload_report_free(&rep);
}

static void test_real_tiny_max_insns(void **state)
{
	const struct enf_offload_violation *v;
	struct enf_offload_limits lim;
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	enf_offload_limits_default(&lim);
	lim.max_insns = 10;
	assert_int_equal(
		enf_offload_check_builtin(&lim, &rep, err, sizeof(err)), 0);
	v = find_v(&rep, ENF_OFFLOAD_INSNS, "xdp_offload", NULL, NULL, 0);
	CHECK(&rep, !rep.fits && v,
	      "max insns 10: xdp_offload's instruction count not reported");
	CHECK(&rep, rep.n == 1 && v->insn == -1,
	      "max insns 10: only the count may be reported");
	enf_offload_report_free(&rep);
}

/* ------------------------------------------------------------------ */
/* What is not an object                                               */

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_not_an_object(void **state)
{
	/* Longer than an ELF header, so that only the magic tells. */
	static const char text[] =
		"This is a text file, not an object: the checker must say "
		"so plainly rather than pass it to libbpf.\n";
	char path[] = "/tmp/enf-offcheck-XXXXXX";
	struct enf_offload_report rep;
	char err[256];
	unsigned char *buf;
	size_t len;
	FILE *f;
	int fd, ret;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	write_file(path, text, sizeof(text) - 1);
	err[0] = '\0';
	ret = enf_offload_check_file(path, NULL, &rep, err, sizeof(err));
	assert_int_equal(ret, -ENOEXEC);
	if (!strstr(err, "not an ELF file") || !strstr(err, path))
		fail_msg("text file: unclear error '%s'", err);
	assert_int_equal(rep.n, 0);
	enf_offload_report_free(&rep);

	/* An ELF file, but this test's own executable: not BPF. */
	err[0] = '\0';
	ret = enf_offload_check_file("/proc/self/exe", NULL, &rep, err,
				     sizeof(err));
	assert_int_equal(ret, -ENOEXEC);
	if (!strstr(err, "not a BPF object"))
		fail_msg("host executable: unclear error '%s'", err);

	/* The first half of a real object: cut short. */
	f = fopen(ENF_TEST_BAD_OFFLOAD_OBJ, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
	write_file(path, buf, len / 2);
	free(buf);
	err[0] = '\0';
	ret = enf_offload_check_file(path, NULL, &rep, err, sizeof(err));
	assert_int_equal(ret, -ENOEXEC);
	if (!err[0])
		fail_msg("truncated object: no error message");

	err[0] = '\0';
	ret = enf_offload_check_file("/nonexistent/x.bpf.o", NULL, &rep, err,
				     sizeof(err));
	assert_int_equal(ret, -ENOENT);
	if (!strstr(err, "/nonexistent/x.bpf.o"))
		fail_msg("missing file: error must name it: '%s'", err);
	unlink(path);
}

static void test_limits_out_of_range(void **state)
{
	struct enf_offload_limits lim;
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	enf_offload_limits_default(&lim);
	lim.stack_limit = ENF_OFFLOAD_STACK_MAX + 1;
	assert_int_equal(enf_offload_check_builtin(&lim, &rep, err,
						   sizeof(err)),
			 -EINVAL);
	enf_offload_limits_default(&lim);
	lim.element_size = 0;
	assert_int_equal(enf_offload_check_builtin(&lim, &rep, err,
						   sizeof(err)),
			 -EINVAL);
	enf_offload_limits_default(&lim);
	lim.max_insns = 0;
	assert_int_equal(enf_offload_check_builtin(&lim, &rep, err,
						   sizeof(err)),
			 -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Hand-written programs: one fault each                               */

/* Initializers (constant, for the tables); (struct bpf_insn)X at run
 * time. */
#define INSN(c, d, s, o, i)                                              \
	{                                                                \
		.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), \
		.imm = (i)                                               \
	}
#define MOV_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV_X(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_K(d, i) INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define ADD_X(d, s) INSN(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ATOMIC(sz, d, s, o, op) INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)
#define CALL(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(rel) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define JEQ_K(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* ld_imm64 of a map: two slots. */
#define LD_MAP(d)                                                    \
	INSN(BPF_LD | BPF_IMM | BPF_DW, d, BPF_PSEUDO_MAP_FD, 0, 3), \
		INSN(0, 0, 0, 0, 0)
/* r0 = bpf_map_lookup_elem(map, fp - 8), key zeroed; 8 slots. Then, if
 * r0 is NULL, skip @skip instructions. */
#define LOOKUP(skip)                                                     \
	MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), MOV_X(2, 10), ADD_K(2, -8), \
		LD_MAP(1), CALL(BPF_FUNC_map_lookup_elem), JEQ_K(0, 0, skip)
#define RET_PASS MOV_K(0, 2), EXIT

#define PROG(...)                                         \
	.prog = { __VA_ARGS__ },                          \
	.n = sizeof((struct bpf_insn[]){ __VA_ARGS__ }) / \
	     sizeof(struct bpf_insn)

#define FITS -1

struct insn_case {
	const char *name;
	struct bpf_insn prog[24];
	size_t n;
	int kind; /* FITS, or the only kind of violation expected */
	long insn; /* its instruction, -1 for a program-level one */
	const char *helper; /* its helper, NULL when none */
};

static const struct insn_case insn_cases[] = {
	{ "fits_minimal", PROG(RET_PASS), FITS, -1, NULL },
	{ "fits_lookup_and_plain_atomic_add",
	  PROG(LOOKUP(2), MOV_K(1, 1), ATOMIC(BPF_DW, 0, 1, 0, BPF_ADD),
	       RET_PASS),
	  FITS, -1, NULL },
	{ "fits_nfp_helpers",
	  PROG(MOV_X(6, 1), CALL(BPF_FUNC_get_prandom_u32), MOV_X(1, 6),
	       MOV_K(2, 0), CALL(BPF_FUNC_xdp_adjust_head), MOV_X(1, 6),
	       MOV_K(2, 0), CALL(BPF_FUNC_xdp_adjust_tail), RET_PASS),
	  FITS, -1, NULL },
	{ "remainder",
	  PROG(MOV_K(0, 5), INSN(BPF_ALU64 | BPF_MOD | BPF_K, 0, 0, 0, 3),
	       EXIT),
	  ENF_OFFLOAD_OPCODE, 1, NULL },
	{ "signed_divide_v4",
	  PROG(MOV_K(0, 6), INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 1, 3),
	       EXIT),
	  ENF_OFFLOAD_OPCODE, 1, NULL },
	{ "sign_extending_move_v4",
	  PROG(MOV_K(0, 6), INSN(BPF_ALU64 | BPF_MOV | BPF_X, 0, 0, 8, 0),
	       EXIT),
	  ENF_OFFLOAD_OPCODE, 1, NULL },
	{ "byte_swap_to_le",
	  PROG(MOV_K(0, 6), INSN(BPF_ALU | BPF_END | BPF_TO_LE, 0, 0, 0, 16),
	       EXIT),
	  ENF_OFFLOAD_OPCODE, 1, NULL },
	{ "sign_extending_load_v4",
	  PROG(MOV_K(1, 0), STX(BPF_DW, 10, 1, -8),
	       INSN(BPF_LDX | BPF_MEMSX | BPF_B, 0, 10, -8, 0), EXIT),
	  ENF_OFFLOAD_OPCODE, 2, NULL },
	{ "long_jump_v4",
	  PROG(MOV_K(0, 2), INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, 0), EXIT),
	  ENF_OFFLOAD_OPCODE, 1, NULL },
	{ "store_immediate_to_stack",
	  PROG(INSN(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0), RET_PASS),
	  ENF_OFFLOAD_STORE_IMM, 0, NULL },
	{ "atomic_exchange",
	  PROG(LOOKUP(2), MOV_K(1, 1), ATOMIC(BPF_DW, 0, 1, 0, BPF_XCHG),
	       RET_PASS),
	  ENF_OFFLOAD_ATOMIC, 9, NULL },
	{ "atomic_or",
	  PROG(LOOKUP(2), MOV_K(1, 1), ATOMIC(BPF_W, 0, 1, 0, BPF_OR),
	       RET_PASS),
	  ENF_OFFLOAD_ATOMIC, 9, NULL },
	{ "atomic_add_to_stack",
	  PROG(MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), MOV_K(1, 1),
	       ATOMIC(BPF_DW, 10, 1, -8, BPF_ADD), RET_PASS),
	  ENF_OFFLOAD_ATOMIC, 3, NULL },
	{ "multiply_64_by_negative",
	  PROG(MOV_K(0, 3), INSN(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, -2),
	       EXIT),
	  ENF_OFFLOAD_MULTIPLY, 1, NULL },
	{ "fits_multiply_32_by_negative",
	  PROG(MOV_K(0, 3), INSN(BPF_ALU | BPF_MUL | BPF_K, 0, 0, 0, -2), EXIT),
	  FITS, -1, NULL },
	{ "divide_by_negative",
	  PROG(MOV_K(0, 8), INSN(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 0, -2),
	       EXIT),
	  ENF_OFFLOAD_DIVIDE, 1, NULL },
	{ "fits_divide_by_constant_register",
	  PROG(MOV_K(0, 8), MOV_K(1, 2),
	       INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 1, 0, 0), EXIT),
	  FITS, -1, NULL },
	{ "divide_by_packet_byte",
	  PROG(LDX(BPF_W, 2, 1, 0), LDX(BPF_B, 3, 2, 0), MOV_K(0, 100),
	       INSN(BPF_ALU64 | BPF_DIV | BPF_X, 0, 3, 0, 0), EXIT),
	  ENF_OFFLOAD_DIVIDE, 3, NULL },
	{ "kernel_function_call",
	  PROG(INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, 1234),
	       RET_PASS),
	  ENF_OFFLOAD_KFUNC, 0, NULL },
	{ "helper_outside_the_set",
	  PROG(CALL(BPF_FUNC_get_smp_processor_id), RET_PASS),
	  ENF_OFFLOAD_HELPER, 0, "bpf_get_smp_processor_id" },
	{ "tail_call",
	  PROG(LD_MAP(2), MOV_K(3, 0), CALL(BPF_FUNC_tail_call), RET_PASS),
	  ENF_OFFLOAD_TAIL_CALL, 3, "bpf_tail_call" },
	{ "map_update",
	  PROG(MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), STX(BPF_DW, 10, 1, -16),
	       MOV_X(2, 10), ADD_K(2, -8), MOV_X(3, 10), ADD_K(3, -16),
	       LD_MAP(1), MOV_K(4, 0), CALL(BPF_FUNC_map_update_elem),
	       RET_PASS),
	  ENF_OFFLOAD_MAP_UPDATE, 10, "bpf_map_update_elem" },
	{ "key_not_4_byte_aligned",
	  PROG(MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), MOV_X(2, 10), ADD_K(2, -6),
	       LD_MAP(1), CALL(BPF_FUNC_map_lookup_elem), RET_PASS),
	  ENF_OFFLOAD_HELPER_ARG, 6, "bpf_map_lookup_elem" },
	{ "key_in_the_packet",
	  PROG(LDX(BPF_W, 2, 1, 0), LD_MAP(1), CALL(BPF_FUNC_map_lookup_elem),
	       RET_PASS),
	  ENF_OFFLOAD_HELPER_ARG, 3, "bpf_map_lookup_elem" },
	{ "event_output_not_current_cpu",
	  PROG(MOV_X(6, 1), MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), MOV_X(1, 6),
	       LD_MAP(2), MOV_K(3, 0), MOV_X(4, 10), ADD_K(4, -8), MOV_K(5, 8),
	       CALL(BPF_FUNC_perf_event_output), RET_PASS),
	  ENF_OFFLOAD_HELPER_ARG, 10, "bpf_perf_event_output" },
	{ "fits_event_output_current_cpu",
	  PROG(MOV_X(6, 1), MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), MOV_X(1, 6),
	       LD_MAP(2), MOV_K(3, -1), MOV_X(4, 10), ADD_K(4, -8), MOV_K(5, 8),
	       CALL(BPF_FUNC_perf_event_output), RET_PASS),
	  FITS, -1, NULL },
	{ "context_data_meta", PROG(LDX(BPF_W, 0, 1, 8), RET_PASS),
	  ENF_OFFLOAD_CTX_ACCESS, 0, NULL },
	{ "fits_rx_queue_selection",
	  PROG(MOV_K(2, 1), STX(BPF_W, 1, 2, 16), RET_PASS), FITS, -1, NULL },
	{ "context_store_ingress_ifindex",
	  PROG(MOV_K(2, 1), STX(BPF_W, 1, 2, 12), RET_PASS),
	  ENF_OFFLOAD_CTX_ACCESS, 1, NULL },
	{ "store_into_map_value",
	  PROG(LOOKUP(2), MOV_K(1, 1), STX(BPF_DW, 0, 1, 0), RET_PASS),
	  ENF_OFFLOAD_MAP_WRITE, 9, NULL },
	{ "stack_at_variable_offset",
	  PROG(LDX(BPF_W, 2, 1, 0), LDX(BPF_B, 3, 2, 0), MOV_X(4, 10),
	       ADD_K(4, -16), ADD_X(4, 3), LDX(BPF_B, 0, 4, 0), EXIT),
	  ENF_OFFLOAD_STACK_ACCESS, 5, NULL },
	{ "stack_alignment_differs_by_path",
	  PROG(MOV_X(2, 10), ADD_K(2, -8), JEQ_K(1, 0, 1), ADD_K(2, -2),
	       LDX(BPF_B, 0, 2, 0), EXIT),
	  ENF_OFFLOAD_STACK_ACCESS, 4, NULL },
	{ "pointer_kinds_differ_by_path",
	  PROG(LDX(BPF_W, 2, 1, 0), MOV_X(4, 10), ADD_K(4, -8), JEQ_K(2, 0, 1),
	       MOV_X(4, 2), LDX(BPF_B, 0, 4, 0), EXIT),
	  ENF_OFFLOAD_PTR_TYPE, 5, NULL },
	{ "kernel_symbol",
	  PROG(INSN(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_BTF_ID, 0, 7),
	       INSN(0, 0, 0, 0, 0), RET_PASS),
	  ENF_OFFLOAD_EXTERN, 0, NULL },
	{ "jump_out_of_the_program", PROG(JEQ_K(1, 0, 5), RET_PASS),
	  ENF_OFFLOAD_OPCODE, 0, NULL },
	{ "recursion", PROG(CALL_LOCAL(1), EXIT, CALL_LOCAL(-1), EXIT),
	  ENF_OFFLOAD_CALLS, -1, NULL },
};

static void test_insn_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(insn_cases) / sizeof(insn_cases[0]);
	     i++) {
		const struct insn_case *c = &insn_cases[i];
		const struct enf_offload_violation *v;
		struct enf_offload_report rep;
		char err[256] = "";
		int ret;

		ret = enf_offload_check_insns(c->name, c->prog, c->n, NULL,
					      &rep, err, sizeof(err));
		if (ret)
			fail_msg("%s: %d %s", c->name, ret, err);
		if (c->kind == FITS) {
			CHECK(&rep, rep.fits && rep.n == 0,
			      "%s: must fit with no violation", c->name);
			enf_offload_report_free(&rep);
			continue;
		}
		v = find_v(&rep, c->kind, NULL, NULL, c->helper, 0);
		CHECK(&rep, !rep.fits && v, "%s: no %s violation%s%s", c->name,
		      enf_offload_kind_name(c->kind),
		      c->helper ? " naming " : "", c->helper ? c->helper : "");
		CHECK(&rep, v->insn == c->insn,
		      "%s: %s reported at insn %ld, expected %ld", c->name,
		      enf_offload_kind_name(c->kind), v->insn, c->insn);
		CHECK(&rep,
		      count_v(&rep, -1, NULL) == count_v(&rep, c->kind, NULL),
		      "%s: violations of another kind than %s", c->name,
		      enf_offload_kind_name(c->kind));
		CHECK(&rep, v->message[0], "%s: empty message", c->name);
		enf_offload_report_free(&rep);
	}
}

/* ------------------------------------------------------------------ */
/* Stack and instruction counts as the NFP driver makes them           */

/*
 * main touches fp-8 and calls sub. As the driver lays the stack out
 * (nfp_bpf_finalize(), nfp_bpf_get_stack_usage()), main's frame is 8 -> 64,
 * and sub's, with its 4-byte return address and, if it writes R6-R9, 32
 * bytes of saved registers:
 *	near: fp-32, 32 + 4 = 36 -> 64; 128 in all;
 *	saving: fp-32 and writes r6, 32 + 4 + 32 = 68 -> 128; 192 in all;
 *	deep: fp-64, 64 + 4 = 68 -> 128; 192 in all.
 */
#define CALLER MOV_K(1, 0), STX(BPF_DW, 10, 1, -8), CALL_LOCAL(1), EXIT

static void test_stack_layout(void **state)
{
	const struct bpf_insn near[] = {
		CALLER, MOV_K(1, 0), STX(BPF_DW, 10, 1, -32), MOV_K(0, 0), EXIT,
	};
	const struct bpf_insn saving[] = {
		CALLER, MOV_K(6, 0), STX(BPF_DW, 10, 6, -32), MOV_K(0, 0), EXIT,
	};
	const struct bpf_insn deep[] = {
		CALLER, MOV_K(1, 0), STX(BPF_DW, 10, 1, -64), MOV_K(0, 0), EXIT,
	};
	const struct {
		const char *name;
		const struct bpf_insn *prog;
		unsigned int stack;
	} layouts[] = {
		{ "near", near, 128 },
		{ "saving", saving, 192 },
		{ "deep", deep, 192 },
	};
	struct enf_offload_limits lim;
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		assert_int_equal(enf_offload_check_insns(
					 layouts[i].name, layouts[i].prog, 8,
					 NULL, &rep, err, sizeof(err)),
				 0);
		CHECK(&rep,
		      rep.fits && rep.stats.stack == layouts[i].stack &&
			      rep.stats.stack_used == 8 && rep.stats.insns == 8,
		      "%s: stack %u (used %u), insns %u; expected %u (8), 8",
		      layouts[i].name, rep.stats.stack, rep.stats.stack_used,
		      rep.stats.insns, layouts[i].stack);
		enf_offload_report_free(&rep);
	}

	/* A card announcing 128 bytes takes near, not saving. */
	enf_offload_limits_default(&lim);
	lim.stack_limit = 128;
	assert_int_equal(enf_offload_check_insns("near", near, 8, &lim, &rep,
						 err, sizeof(err)),
			 0);
	CHECK(&rep, rep.fits, "near: must fit 128 bytes of stack");
	enf_offload_report_free(&rep);
	assert_int_equal(enf_offload_check_insns("saving", saving, 8, &lim,
						 &rep, err, sizeof(err)),
			 0);
	CHECK(&rep,
	      !rep.fits && rep.n == 1 && rep.v[0].kind == ENF_OFFLOAD_STACK &&
		      !strcmp(rep.v[0].program, "saving") &&
		      strstr(rep.v[0].message, "192"),
	      "saving over 128 bytes: one stack violation giving 192 "
	      "expected");
	enf_offload_report_free(&rep);

	/* The called function's instructions count: 8 in all. */
	enf_offload_limits_default(&lim);
	lim.max_insns = 7;
	assert_int_equal(enf_offload_check_insns("near", near, 8, &lim, &rep,
						 err, sizeof(err)),
			 0);
	CHECK(&rep,
	      !rep.fits &&
		      find_v(&rep, ENF_OFFLOAD_INSNS, "near", NULL, NULL, 0),
	      "max insns 7: 8 instructions with the callee not reported");
	enf_offload_report_free(&rep);
	lim.max_insns = 8;
	assert_int_equal(enf_offload_check_insns("near", near, 8, &lim, &rep,
						 err, sizeof(err)),
			 0);
	CHECK(&rep, rep.fits, "max insns 8: 8 instructions must fit");
	enf_offload_report_free(&rep);
}

/* Frames: the kernel allows 8; a chain of 9 is refused. */
static void test_call_depth(void **state)
{
	struct bpf_insn chain[18];
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	for (size_t frames = 8; frames <= 9; frames++) {
		size_t n = 2 * frames;

		for (size_t i = 0; i + 1 < frames; i++) {
			chain[2 * i] = (struct bpf_insn)CALL_LOCAL(1);
			chain[2 * i + 1] = (struct bpf_insn)EXIT;
		}
		chain[n - 2] = (struct bpf_insn)MOV_K(0, 0);
		chain[n - 1] = (struct bpf_insn)EXIT;
		assert_int_equal(enf_offload_check_insns("chain", chain, n,
							 NULL, &rep, err,
							 sizeof(err)),
				 0);
		if (frames == 8)
			CHECK(&rep, rep.fits, "8 frames must fit");
		else
			CHECK(&rep,
			      find_v(&rep, ENF_OFFLOAD_CALLS, "chain", NULL,
				     NULL, 0),
			      "9 frames: too deep, not reported");
		enf_offload_report_free(&rep);
	}
}

/* At most ENF_OFFLOAD_VIOLATIONS_MAX are kept; the rest are counted. */
static void test_violation_cap(void **state)
{
	const size_t calls = ENF_OFFLOAD_VIOLATIONS_MAX + 88;
	struct bpf_insn *prog = calloc(calls + 2, sizeof(*prog));
	struct enf_offload_report rep;
	char err[256] = "";

	(void)state;
	assert_non_null(prog);
	for (size_t i = 0; i < calls; i++)
		prog[i] = (struct bpf_insn)CALL(BPF_FUNC_ktime_get_ns);
	prog[calls] = (struct bpf_insn)MOV_K(0, 2);
	prog[calls + 1] = (struct bpf_insn)EXIT;
	assert_int_equal(enf_offload_check_insns("many", prog, calls + 2, NULL,
						 &rep, err, sizeof(err)),
			 0);
	CHECK(&rep,
	      !rep.fits && rep.n == ENF_OFFLOAD_VIOLATIONS_MAX &&
		      rep.dropped == calls - ENF_OFFLOAD_VIOLATIONS_MAX,
	      "cap: %zu kept, %zu dropped; expected %d and %zu", rep.n,
	      rep.dropped, ENF_OFFLOAD_VIOLATIONS_MAX,
	      calls - ENF_OFFLOAD_VIOLATIONS_MAX);
	enf_offload_report_free(&rep);
	free(prog);
}

/* ------------------------------------------------------------------ */
/* enforcerctl offload check                                           */

struct cli_out {
	int status;
	char *text;
};

static struct cli_out run_cli(bool json, int argc, ...)
{
	struct cli_out out = { 0 };
	char *argv[16];
	va_list ap;
	FILE *tmp;
	long len;
	int saved;

	va_start(ap, argc);
	argv[0] = "check";
	for (int i = 1; i < argc && i < 16; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);

	fflush(stdout);
	tmp = tmpfile();
	assert_non_null(tmp);
	saved = dup(STDOUT_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(fileno(tmp), STDOUT_FILENO) >= 0);
	ctl_opts.json = json;
	out.status = ctl_offload_check(argc, argv);
	fflush(stdout);
	assert_true(dup2(saved, STDOUT_FILENO) >= 0);
	close(saved);

	len = ftell(tmp);
	rewind(tmp);
	out.text = calloc((size_t)len + 1, 1);
	assert_non_null(out.text);
	assert_int_equal(fread(out.text, 1, (size_t)len, tmp), (size_t)len);
	fclose(tmp);
	return out;
}

static void test_cli_exit_codes(void **state)
{
	struct cli_out o;

	(void)state;
	o = run_cli(false, 1);
	if (o.status != 0 || !strstr(o.text, "fits the NFP offload subset"))
		fail_msg("built-in: exit %d, output '%s'", o.status, o.text);
	free(o.text);

	o = run_cli(false, 3, "--object", ENF_TEST_BAD_OFFLOAD_OBJ);
	if (o.status != 1 || !strstr(o.text, "does not fit") ||
	    !strstr(o.text, "bpf_ktime_get_ns"))
		fail_msg("bad object: exit %d, output '%s'", o.status, o.text);
	free(o.text);

	o = run_cli(false, 2, "--element-size=32");
	if (o.status != 1 || !strstr(o.text, ENF_MAP_DENY_FLOW))
		fail_msg("--element-size=32: exit %d, output '%s'", o.status,
			 o.text);
	free(o.text);

	o = run_cli(false, 3, "--max-insns", "5");
	if (o.status != 1)
		fail_msg("--max-insns 5: exit %d", o.status);
	free(o.text);

	o = run_cli(false, 3, "--object", "/proc/self/exe");
	if (o.status != 2)
		fail_msg("not a BPF object: exit %d, expected 2", o.status);
	free(o.text);

	o = run_cli(false, 2, "--bogus");
	if (o.status != 2)
		fail_msg("unknown option: exit %d, expected 2", o.status);
	free(o.text);

	o = run_cli(false, 2, "--max-insns");
	if (o.status != 2)
		fail_msg("option without its value: exit %d", o.status);
	free(o.text);

	o = run_cli(false, 3, "--stack-limit", "12x");
	if (o.status != 2)
		fail_msg("malformed number: exit %d", o.status);
	free(o.text);

	o = run_cli(false, 3, "--stack-limit", "99999");
	if (o.status != 2)
		fail_msg("stack limit past what a firmware can say: exit %d",
			 o.status);
	free(o.text);
}

static void test_cli_json(void **state)
{
	json_t *root, *viols, *v, *stats;
	struct cli_out o;
	json_error_t jerr;
	size_t i;
	bool found = false;

	(void)state;
	o = run_cli(true, 3, "--object", ENF_TEST_BAD_OFFLOAD_OBJ);
	assert_int_equal(o.status, 1);
	root = json_loads(o.text, 0, &jerr);
	if (!root)
		fail_msg("--json output does not parse: %s: '%s'", jerr.text,
			 o.text);
	assert_true(json_is_string(json_object_get(root, "object")));
	assert_true(json_is_false(json_object_get(root, "fits")));
	viols = json_object_get(root, "violations");
	assert_true(json_is_array(viols) && json_array_size(viols) > 0);
	json_array_foreach(viols, i, v) {
		assert_true(json_is_string(json_object_get(v, "kind")));
		assert_true(json_is_string(json_object_get(v, "message")));
		if (!strcmp(json_string_value(json_object_get(v, "kind")),
			    "helper") &&
		    json_is_integer(json_object_get(v, "insn")) &&
		    !strcmp(json_string_value(json_object_get(v, "program")),
			    "bad_offload") &&
		    !strcmp(json_string_value(json_object_get(v, "helper")),
			    "bpf_ktime_get_ns"))
			found = true;
		/* Map-level violations: no program, no instruction. */
		if (json_is_string(json_object_get(v, "map")) &&
		    json_is_null(json_object_get(v, "program")))
			assert_true(json_is_null(json_object_get(v, "insn")));
	}
	if (!found)
		fail_msg("--json: no helper violation for bpf_ktime_get_ns "
			 "with program and insn: '%s'",
			 o.text);
	stats = json_object_get(root, "stats");
	assert_int_equal(json_integer_value(json_object_get(stats, "maps")), 6);
	assert_true(json_integer_value(json_object_get(stats, "insns")) > 0);
	assert_true(json_is_integer(json_object_get(stats, "stack")));
	json_decref(root);
	free(o.text);

	o = run_cli(true, 3, "--object", "/nonexistent.o");
	assert_int_equal(o.status, 2);
	root = json_loads(o.text, 0, &jerr);
	if (!root || !json_is_string(json_object_get(root, "error")))
		fail_msg("--json error: not {\"error\": ...}: '%s'", o.text);
	json_decref(root);
	free(o.text);

	o = run_cli(true, 1);
	assert_int_equal(o.status, 0);
	root = json_loads(o.text, 0, &jerr);
	assert_non_null(root);
	assert_true(json_is_true(json_object_get(root, "fits")));
	assert_int_equal(json_array_size(json_object_get(root, "violations")),
			 0);
	json_decref(root);
	free(o.text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_maps),
		cmocka_unit_test(test_bad_offload_program),
		cmocka_unit_test(test_bad_jit_program),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_real_builtin_fits),
		cmocka_unit_test(test_real_file_fits),
		cmocka_unit_test(test_real_unaligned_buffer),
		cmocka_unit_test(test_real_element_size_32),
		cmocka_unit_test(test_real_tiny_max_insns),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_limits_out_of_range),
		cmocka_unit_test(test_insn_cases),
		cmocka_unit_test(test_stack_layout),
		cmocka_unit_test(test_call_depth),
		cmocka_unit_test(test_violation_cap),
		cmocka_unit_test(test_cli_exit_codes),
		cmocka_unit_test(test_cli_json),
	};

	/* libbpf's own warnings about the objects fed to it are noise here. */
	libbpf_set_print(NULL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
