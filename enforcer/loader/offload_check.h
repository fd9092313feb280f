/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Offload-fit checker: reads a compiled XDP object (never loads it) and says
 * whether a Netronome NFP would take it, and if not, each reason with the
 * program and instruction or the map, and what to change.
 *
 * The rules are the ones the kernel's NFP driver applies when a program or
 * map is offloaded (drivers/net/ethernet/netronome/nfp/bpf/ in Linux 6.1:
 * nfp_bpf_map_alloc() in offload.c, nfp_verify_insn() and
 * nfp_bpf_check_helper_call() in verifier.c, the instruction table in jit.c),
 * with the firmware's own figures as options. What the driver decides from
 * the kernel verifier's register state is decided here from a static
 * analysis of the instructions: a violation is reported only when the
 * analysis proves it, so a program that passes may still be refused at load
 * for a value range only the verifier sees (a multiplier above 2^32, say).
 *
 * Library code: nothing is printed (libbpf's own warnings go wherever its
 * print callback sends them); errors come back as -errno and a message.
 */
#ifndef ENFORCER_LOADER_OFFLOAD_CHECK_H
#define ENFORCER_LOADER_OFFLOAD_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <linux/bpf.h>

/* Firmware element size (key and value each rounded up to 8): the NFP
 * firmware seen so far reports 64. */
#define ENF_OFFLOAD_ELEMENT_SIZE 64
/* Stack the program may use, as the NFP lays it out (see limits below). */
#define ENF_OFFLOAD_STACK_LIMIT 512
/* Instructions per program, counting the functions it calls. */
#define ENF_OFFLOAD_MAX_INSNS 2800
/* The largest stack a firmware can announce: one byte of 64-byte units. */
#define ENF_OFFLOAD_STACK_MAX (255 * 64)

/* Objects larger than this are refused (-EFBIG) without being parsed. */
#define ENF_OFFLOAD_OBJECT_MAX (64u << 20)
/* Violations kept in a report; the rest are only counted (dropped). */
#define ENF_OFFLOAD_VIOLATIONS_MAX 512

#define ENF_OFFLOAD_NAME_MAX 64
#define ENF_OFFLOAD_MSG_MAX 384

/**
 * struct enf_offload_limits - the firmware's figures a check uses
 * @element_size: largest round_up(key, 8) + round_up(value, 8) of a map
 * @stack_limit: largest stack in bytes, as the NFP counts it: each
 *	function's frame rounded up to 64 bytes, plus 4 bytes of return
 *	address and, when it writes R6-R9, 32 bytes of saved registers for
 *	every called function, along the deepest chain of calls
 * @max_insns: largest number of BPF instructions per program, counting
 *	each function it calls once (as libbpf appends them)
 *
 * Why 512 bytes by default: the driver takes the real figure from the
 * firmware at load time (one byte in 64-byte units, NFP_NET_CFG_BPF_STACK_SZ,
 * read in nfp_bpf_finalize() and nfp_net_bpf_load()), so no figure is right
 * for every card; the stack lives in the microengine's local memory, which
 * the threads running the program share, so it is small. 512 is what the
 * kernel verifier lets any program use (MAX_BPF_STACK): a firmware
 * announcing more changes nothing, and a program over 512 as the NFP lays
 * it out (frames rounded up to 64) can load on no card at all. For a card
 * announcing less, pass its figure.
 */
struct enf_offload_limits {
	unsigned int element_size;
	unsigned int stack_limit;
	unsigned int max_insns;
};

/* What a violation is about; enf_offload_kind_name() gives the JSON name. */
enum enf_offload_kind {
	ENF_OFFLOAD_MAP_TYPE, /* map type the NFP does not hold */
	ENF_OFFLOAD_MAP_FLAGS, /* map_flags other than 0 */
	ENF_OFFLOAD_MAP_SIZE, /* key + value over the element size */
	ENF_OFFLOAD_HELPER, /* helper outside the NFP set */
	ENF_OFFLOAD_MAP_UPDATE, /* bpf_map_update_elem from the program */
	ENF_OFFLOAD_TAIL_CALL, /* bpf_tail_call */
	ENF_OFFLOAD_KFUNC, /* call to a kernel function */
	ENF_OFFLOAD_HELPER_ARG, /* helper argument the NFP refuses */
	ENF_OFFLOAD_ATOMIC, /* atomic other than the plain add to a map value */
	ENF_OFFLOAD_MULTIPLY, /* multiply form the JIT refuses */
	ENF_OFFLOAD_DIVIDE, /* divide form the JIT refuses */
	ENF_OFFLOAD_OPCODE, /* instruction the JIT has no translation for */
	ENF_OFFLOAD_CTX_ACCESS, /* context field other than data, data_end */
	ENF_OFFLOAD_MAP_WRITE, /* plain store into a map value */
	ENF_OFFLOAD_STORE_IMM, /* store of an immediate outside packet data */
	ENF_OFFLOAD_STACK_ACCESS, /* stack access at a variable offset */
	ENF_OFFLOAD_MAP_ACCESS, /* map value access at a variable offset */
	ENF_OFFLOAD_MAP_USE, /* a map value word both read and atomically added */
	ENF_OFFLOAD_PTR_TYPE, /* one instruction, pointers of different kinds */
	ENF_OFFLOAD_EXTERN, /* extern (kconfig, ksym) the NIC cannot resolve */
	ENF_OFFLOAD_INSNS, /* more instructions than max_insns */
	ENF_OFFLOAD_STACK, /* more stack than stack_limit */
	ENF_OFFLOAD_CALLS, /* calls nested deeper than the kernel allows */
	ENF_OFFLOAD_PROG_TYPE, /* not an XDP program, or no program */
	ENF_OFFLOAD_KIND_MAX,
};

/**
 * struct enf_offload_violation - one reason the object does not fit
 * @kind: what it is about
 * @insn: index of the instruction within @program (the function, for a
 *	called function: llvm-objdump -d numbering when the function is alone
 *	in its section); -1 when it is not about one instruction
 * @program: the program or called function; "" when not about code
 * @map: the map concerned; "" when none
 * @helper: the helper concerned (bpf_ktime_get_ns); "" when none
 * @message: what is wrong and what to change, one line
 */
struct enf_offload_violation {
	enum enf_offload_kind kind;
	long insn;
	char program[ENF_OFFLOAD_NAME_MAX];
	char map[ENF_OFFLOAD_NAME_MAX];
	char helper[ENF_OFFLOAD_NAME_MAX];
	char message[ENF_OFFLOAD_MSG_MAX];
};

/**
 * struct enf_offload_stats - sizes measured
 * @programs: programs in the object
 * @maps: maps in the object, global data sections included
 * @insns: instructions of the largest program (with what it calls)
 * @stack: stack of the most demanding program, as the NFP counts it
 * @stack_used: the bytes that program's own frame actually touches
 */
struct enf_offload_stats {
	unsigned int programs;
	unsigned int maps;
	unsigned int insns;
	unsigned int stack;
	unsigned int stack_used;
};

/**
 * struct enf_offload_report - the outcome of one check
 * @object: the file checked, or the name given for a buffer
 * @limits: the limits checked against
 * @fits: no violation
 * @v: @n violations, in the order found (maps first, then each program)
 * @n: number of entries in @v
 * @dropped: violations past ENF_OFFLOAD_VIOLATIONS_MAX, counted only
 * @stats: sizes measured
 */
struct enf_offload_report {
	char object[256];
	struct enf_offload_limits limits;
	bool fits;
	struct enf_offload_violation *v;
	size_t n;
	size_t dropped;
	struct enf_offload_stats stats;
};

/* The defaults: ENF_OFFLOAD_ELEMENT_SIZE, _STACK_LIMIT, _MAX_INSNS. */
void enf_offload_limits_default(struct enf_offload_limits *lim);

/* "map_type", "helper", ...; "?" for a value out of range. */
const char *enf_offload_kind_name(enum enf_offload_kind kind);

/**
 * enf_offload_check_mem() - check an object held in memory
 * @buf: the ELF bytes (need not be aligned)
 * @len: their length
 * @name: what to call the object in the report
 * @lim: the limits; NULL for the defaults
 * @rep: receives the report; free it with enf_offload_report_free()
 * @err: receives the reason on failure (may be NULL)
 * @errlen: size of @err
 *
 * Return: 0 when the check ran (@rep->fits says the verdict); -ENOEXEC when
 * @buf is not a BPF ELF object libbpf can open, -EFBIG when it is larger
 * than ENF_OFFLOAD_OBJECT_MAX, -EINVAL for a limit out of range, -ENOMEM.
 * On failure @rep holds no violations (freeing it is still allowed).
 */
int enf_offload_check_mem(const void *buf, size_t len, const char *name,
			  const struct enf_offload_limits *lim,
			  struct enf_offload_report *rep, char *err,
			  size_t errlen);

/**
 * enf_offload_check_file() - check the object in file @path
 *
 * As enf_offload_check_mem(), and -errno when @path cannot be read.
 */
int enf_offload_check_file(const char *path,
			   const struct enf_offload_limits *lim,
			   struct enf_offload_report *rep, char *err,
			   size_t errlen);

/**
 * enf_offload_check_builtin() - check the xdp_offload object built in
 *
 * As enf_offload_check_mem(), on the object the xdp_offload skeleton
 * embeds: the very bytes the loader offloads.
 */
int enf_offload_check_builtin(const struct enf_offload_limits *lim,
			      struct enf_offload_report *rep, char *err,
			      size_t errlen);

/**
 * enf_offload_check_insns() - check one XDP program given as instructions
 * @name: the program's name in the report
 * @insns: the instructions, as the kernel would take them; BPF-to-BPF calls
 *	(src_reg BPF_PSEUDO_CALL) split it into functions as the kernel does
 * @n: number of instructions
 * @lim: the limits; NULL for the defaults
 * @rep: receives the report; free it with enf_offload_report_free()
 * @err: receives the reason on failure (may be NULL)
 * @errlen: size of @err
 *
 * There are no maps: ld_imm64 map references are taken as unknown maps.
 *
 * Return: as enf_offload_check_mem(); -EINVAL when @n is 0 or a call leaves
 * the program.
 */
int enf_offload_check_insns(const char *name, const struct bpf_insn *insns,
			    size_t n, const struct enf_offload_limits *lim,
			    struct enf_offload_report *rep, char *err,
			    size_t errlen);

/* Frees what @rep holds and empties it; accepts NULL. */
void enf_offload_report_free(struct enf_offload_report *rep);

#endif /* ENFORCER_LOADER_OFFLOAD_CHECK_H */
