// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Offload-fit checker (see offload_check.h).
 *
 * libbpf opens the object (never loads it) and tells the maps and the
 * programs; the ELF symbol and relocation tables, read here, tell which
 * instruction refers to which map and which function a call goes to, which
 * libbpf only resolves at load time. Every function a program reaches is
 * then walked once by a forward data-flow analysis that knows, per register,
 * what kind of pointer it may hold (context, stack and at which offsets,
 * packet, map value, map) or which constant, enough to apply the rules the
 * NFP driver applies from the kernel verifier's state.
 *
 * Each rule cites the driver function it comes from (Linux 6.1,
 * drivers/net/ethernet/netronome/nfp/bpf/). The analysis is deliberately
 * one-sided: a register it cannot place is "unknown" and unknown never
 * produces a violation.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "enforcer/loader/offload_check.h"
#include "xdp_offload.skel.h"

/* Instruction encodings newer than the 6.1 uapi header (cpu v4). */
#ifndef BPF_MEMSX
#define BPF_MEMSX 0x80
#endif

/* Functions longer than this get the instruction-count verdict and the
 * per-opcode checks but no data-flow analysis (its state is per
 * instruction); no such function fits an NFP anyway. */
#define OC_ANALYZE_MAX 65536
/* Functions (programs and called functions) per object. */
#define OC_FNS_MAX 4096
/* Changes of one instruction's state before the changing registers are
 * given up as unknown: keeps loops from widening offsets forever. */
#define OC_WIDEN_AFTER 32
/* Map value words tracked for read/atomic conflicts, per map. */
#define OC_USE_WORDS_MAX 4096
/* Call frames the kernel allows (MAX_CALL_FRAMES). */
#define OC_MAX_FRAMES 8

/*
 * How the NFP lays out its stack (nfp_bpf_finalize() and
 * nfp_bpf_get_stack_usage() in verifier.c, STACK_FRAME_ALIGN in main.h):
 * every frame is rounded up to 64 bytes; a called function's frame also
 * holds its return address (REG_WIDTH, 4 bytes) and, when the function
 * writes any of R6-R9, the four saved registers (32 bytes).
 */
#define NFP_FRAME_ALIGN 64
#define NFP_RET_ADDR 4
#define NFP_SAVED_REGS 32

/* XDP context fields (struct xdp_md) and what the NFP JIT makes of them. */
#define XDP_CTX_DATA 0
#define XDP_CTX_DATA_END 4
#define XDP_CTX_RX_QUEUE 16

static const char *const kind_names[ENF_OFFLOAD_KIND_MAX] = {
	[ENF_OFFLOAD_MAP_TYPE] = "map_type",
	[ENF_OFFLOAD_MAP_FLAGS] = "map_flags",
	[ENF_OFFLOAD_MAP_SIZE] = "map_size",
	[ENF_OFFLOAD_HELPER] = "helper",
	[ENF_OFFLOAD_MAP_UPDATE] = "map_update",
	[ENF_OFFLOAD_TAIL_CALL] = "tail_call",
	[ENF_OFFLOAD_KFUNC] = "kfunc",
	[ENF_OFFLOAD_HELPER_ARG] = "helper_arg",
	[ENF_OFFLOAD_ATOMIC] = "atomic",
	[ENF_OFFLOAD_MULTIPLY] = "multiply",
	[ENF_OFFLOAD_DIVIDE] = "divide",
	[ENF_OFFLOAD_OPCODE] = "opcode",
	[ENF_OFFLOAD_CTX_ACCESS] = "ctx_access",
	[ENF_OFFLOAD_MAP_WRITE] = "map_write",
	[ENF_OFFLOAD_STORE_IMM] = "store_imm",
	[ENF_OFFLOAD_STACK_ACCESS] = "stack_access",
	[ENF_OFFLOAD_MAP_ACCESS] = "map_access",
	[ENF_OFFLOAD_MAP_USE] = "map_use",
	[ENF_OFFLOAD_PTR_TYPE] = "ptr_type",
	[ENF_OFFLOAD_EXTERN] = "extern",
	[ENF_OFFLOAD_INSNS] = "insns",
	[ENF_OFFLOAD_STACK] = "stack",
	[ENF_OFFLOAD_CALLS] = "calls",
	[ENF_OFFLOAD_PROG_TYPE] = "prog_type",
};

/* The uapi header lists every helper once, comma-separated, by id. */
#define ENF_HELPER_NAME(x) [BPF_FUNC_##x] = "bpf_" #x
static const char *const helper_names[] = { __BPF_FUNC_MAPPER(
	ENF_HELPER_NAME) };
#undef ENF_HELPER_NAME

/* ------------------------------------------------------------------ */
/* The object as the checker sees it                                   */

struct oc_map {
	char name[ENF_OFFLOAD_NAME_MAX];
	const struct bpf_map *m; /* NULL for enf_offload_check_insns() */
	enum bpf_map_type type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int flags;
	bool internal; /* global data: .rodata, .data, .bss, .kconfig */
	unsigned char *use; /* per 4-byte value word: USE_* */
	size_t nuse;
};

#define USE_READ 1
#define USE_ATOMIC 2
#define USE_REPORTED 4

/* What an instruction refers to, by relocation or by its encoding. */
enum ref_kind {
	REF_NONE = 0,
	REF_MAP, /* ld_imm64 of a map: idx into maps, -1 unknown */
	REF_DATA, /* ld_imm64 of global data: idx into maps, off */
	REF_CALL, /* BPF-to-BPF call: idx into fns, -1 unresolved */
	REF_EXTERN, /* ld_imm64 of an undefined symbol: name in sym */
	REF_FUNC, /* ld_imm64 of a function's address (callback) */
};

struct oc_ref {
	enum ref_kind kind;
	int idx;
	long long off;
	char sym[ENF_OFFLOAD_NAME_MAX];
};

struct oc_fn {
	char name[ENF_OFFLOAD_NAME_MAX];
	size_t sec; /* ELF section index (0 for raw instructions) */
	size_t start; /* first instruction's index in the section */
	size_t n;
	struct bpf_insn *insns;
	struct oc_ref *refs; /* n entries */
	bool entry; /* a program, not only a called function */
	enum bpf_prog_type prog_type;
	enum bpf_attach_type attach_type;
	bool analysed;
	unsigned int depth; /* bytes of its own frame the code touches */
	bool saves_regs; /* writes R6-R9: the NFP saves them on a call */
	bool visiting; /* on the current call chain (cycle guard) */
	bool counted; /* instruction count of the current program */
	bool measured; /* frames and callee_stack below are set */
	bool recursive; /* a call chain from here comes back to it */
	unsigned int frames; /* deepest chain of calls from here, itself
			      * included */
	unsigned long long callee_stack; /* deepest chain of the frames of
					  * the functions it calls */
};

struct oc {
	const struct enf_offload_limits *lim;
	struct enf_offload_report *rep;
	struct bpf_object *obj;
	struct oc_map *maps;
	size_t nmaps;
	struct oc_fn *fns;
	size_t nfns;
	size_t fns_cap;
	bool nomem;
};

/* ------------------------------------------------------------------ */
/* Report                                                              */

static void copy_name(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static void add_v(struct oc *c, enum enf_offload_kind kind, const char *prog,
		  long insn, const char *map, const char *helper,
		  const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add_v(struct oc *c, enum enf_offload_kind kind, const char *prog,
		  long insn, const char *map, const char *helper,
		  const char *fmt, ...)
{
	struct enf_offload_report *rep = c->rep;
	struct enf_offload_violation *v;
	va_list ap;

	rep->fits = false;
	if (rep->n >= ENF_OFFLOAD_VIOLATIONS_MAX) {
		rep->dropped++;
		return;
	}
	/* Grows by doubling from 16: at most ENF_OFFLOAD_VIOLATIONS_MAX. */
	if (!(rep->n & (rep->n - 1)) && rep->n >= 16) {
		v = realloc(rep->v, 2 * rep->n * sizeof(*v));
		if (!v) {
			c->nomem = true;
			rep->dropped++;
			return;
		}
		rep->v = v;
	} else if (!rep->v) {
		rep->v = calloc(16, sizeof(*rep->v));
		if (!rep->v) {
			c->nomem = true;
			rep->dropped++;
			return;
		}
	}
	v = &rep->v[rep->n++];
	memset(v, 0, sizeof(*v));
	v->kind = kind;
	v->insn = insn;
	copy_name(v->program, sizeof(v->program), prog);
	copy_name(v->map, sizeof(v->map), map);
	copy_name(v->helper, sizeof(v->helper), helper);
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

const char *enf_offload_kind_name(enum enf_offload_kind kind)
{
	if ((unsigned int)kind >= ENF_OFFLOAD_KIND_MAX)
		return "?";
	return kind_names[kind];
}

void enf_offload_limits_default(struct enf_offload_limits *lim)
{
	lim->element_size = ENF_OFFLOAD_ELEMENT_SIZE;
	lim->stack_limit = ENF_OFFLOAD_STACK_LIMIT;
	lim->max_insns = ENF_OFFLOAD_MAX_INSNS;
}

void enf_offload_report_free(struct enf_offload_report *rep)
{
	if (!rep)
		return;
	free(rep->v);
	rep->v = NULL;
	rep->n = 0;
	rep->dropped = 0;
}

static const char *helper_name(int id, char *buf, size_t size)
{
	size_t n = sizeof(helper_names) / sizeof(helper_names[0]);

	if (id >= 0 && (size_t)id < n && helper_names[id])
		return helper_names[id];
	snprintf(buf, size, "helper #%d", id);
	return buf;
}

static const char *map_type_name(enum bpf_map_type type)
{
	const char *s = libbpf_bpf_map_type_str(type);

	return s ? s : "unknown";
}

/* ------------------------------------------------------------------ */
/* ELF: just what libbpf does not tell before load                     */

struct elf_view {
	const unsigned char *buf;
	size_t len;
	Elf64_Ehdr eh;
	size_t shnum;
	size_t symtab; /* section index, 0 when none */
	size_t nsyms;
};

/* Bounds-checked copies: the buffer need not be aligned. */
static bool elf_shdr(const struct elf_view *e, size_t idx, Elf64_Shdr *sh)
{
	if (idx >= e->shnum)
		return false;
	memcpy(sh, e->buf + e->eh.e_shoff + idx * sizeof(*sh), sizeof(*sh));
	return true;
}

/* The NUL-terminated string at @off of string section @strndx, or NULL. */
static const char *elf_str(const struct elf_view *e, size_t strndx, size_t off)
{
	Elf64_Shdr sh;
	const char *s;

	if (!elf_shdr(e, strndx, &sh) || sh.sh_type != SHT_STRTAB ||
	    off >= sh.sh_size)
		return NULL;
	s = (const char *)e->buf + sh.sh_offset + off;
	if (!memchr(s, '\0', sh.sh_size - off))
		return NULL;
	return s;
}

static const char *elf_sec_name(const struct elf_view *e, size_t idx)
{
	Elf64_Shdr sh;

	if (!elf_shdr(e, idx, &sh))
		return NULL;
	return elf_str(e, e->eh.e_shstrndx, sh.sh_name);
}

static bool elf_sym(const struct elf_view *e, size_t idx, Elf64_Sym *sym)
{
	Elf64_Shdr sh;

	if (!e->symtab || idx >= e->nsyms || !elf_shdr(e, e->symtab, &sh))
		return false;
	memcpy(sym, e->buf + sh.sh_offset + idx * sizeof(*sym), sizeof(*sym));
	return true;
}

static const char *elf_sym_name(const struct elf_view *e, const Elf64_Sym *sym)
{
	Elf64_Shdr sh;

	if (!elf_shdr(e, e->symtab, &sh))
		return NULL;
	return elf_str(e, sh.sh_link, sym->st_name);
}

static bool range_ok(size_t len, uint64_t off, uint64_t size)
{
	return off <= len && size <= len - off;
}

/*
 * Checks that @buf is a 64-bit relocatable BPF ELF object of this host's
 * byte order whose section table, string tables and symbol table lie
 * within it. libbpf refuses the rest too, but checking first gives a clear
 * message and keeps libbpf's own from being printed for a file that is
 * plainly not an object.
 */
static int elf_open(struct elf_view *e, const void *buf, size_t len,
		    const char *name, char *err, size_t errlen)
{
	const unsigned char *b = buf;
	Elf64_Shdr sh;
	size_t i;

	memset(e, 0, sizeof(*e));
	e->buf = b;
	e->len = len;
	if (len < sizeof(e->eh) || memcmp(b, ELFMAG, SELFMAG) != 0) {
		set_err(err, errlen, "%s: not an ELF file", name);
		return -ENOEXEC;
	}
	memcpy(&e->eh, b, sizeof(e->eh));
	if (e->eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->eh.e_machine != EM_BPF || e->eh.e_type != ET_REL) {
		set_err(err, errlen,
			"%s: not a BPF object (an ELF file, but not 64-bit "
			"relocatable for EM_BPF)",
			name);
		return -ENOEXEC;
	}
	if (e->eh.e_ident[EI_DATA] !=
	    (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB :
							 ELFDATA2MSB)) {
		set_err(err, errlen,
			"%s: a BPF object for the other byte order", name);
		return -ENOEXEC;
	}
	e->shnum = e->eh.e_shnum;
	if (e->eh.e_shentsize != sizeof(Elf64_Shdr) || !e->shnum ||
	    !range_ok(len, e->eh.e_shoff, e->shnum * sizeof(Elf64_Shdr)) ||
	    e->eh.e_shstrndx >= e->shnum) {
		set_err(err, errlen, "%s: truncated or damaged section table",
			name);
		return -ENOEXEC;
	}
	for (i = 0; i < e->shnum; i++) {
		elf_shdr(e, i, &sh);
		if (sh.sh_type != SHT_NOBITS && sh.sh_type != SHT_NULL &&
		    !range_ok(len, sh.sh_offset, sh.sh_size)) {
			set_err(err, errlen,
				"%s: section %zu lies outside the file", name,
				i);
			return -ENOEXEC;
		}
		if (sh.sh_type == SHT_SYMTAB) {
			if (e->symtab || sh.sh_entsize != sizeof(Elf64_Sym) ||
			    sh.sh_link >= e->shnum) {
				set_err(err, errlen, "%s: damaged symbol table",
					name);
				return -ENOEXEC;
			}
			e->symtab = i;
			e->nsyms = sh.sh_size / sizeof(Elf64_Sym);
		}
	}
	if (!elf_sec_name(e, 0)) {
		set_err(err, errlen, "%s: damaged section name table", name);
		return -ENOEXEC;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Maps: nfp_bpf_map_alloc() in offload.c                              */

static int collect_maps(struct oc *c)
{
	const struct bpf_map *m;
	size_t n = 0;

	bpf_object__for_each_map(m, c->obj)
		n++;
	if (!n)
		return 0;
	c->maps = calloc(n, sizeof(*c->maps));
	if (!c->maps)
		return -ENOMEM;
	bpf_object__for_each_map(m, c->obj) {
		struct oc_map *om = &c->maps[c->nmaps++];

		om->m = m;
		copy_name(om->name, sizeof(om->name), bpf_map__name(m));
		om->type = bpf_map__type(m);
		om->key_size = bpf_map__key_size(m);
		om->value_size = bpf_map__value_size(m);
		om->flags = bpf_map__map_flags(m);
		om->internal = bpf_map__is_internal(m);
	}
	return 0;
}

static void check_maps(struct oc *c)
{
	for (size_t i = 0; i < c->nmaps; i++) {
		struct oc_map *m = &c->maps[i];
		unsigned long long elem;

		/*
		 * A perf event array stays on the host: the kernel lets an
		 * offloaded program use it ("offload neutral",
		 * bpf_offload_prog_map_match() in kernel/bpf/offload.c) and
		 * the driver forwards the device's events to it
		 * (nfp_map_ptrs_record()). The size and flag rules below are
		 * for maps the NIC holds.
		 */
		if (m->type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
			continue;
		/*
		 * Device-bound maps: the kernel takes only HASH and ARRAY
		 * (bpf_map_offload_map_alloc()) and the driver only the types
		 * the firmware's map capability lists (nfp_bpf_map_alloc()).
		 */
		if (m->type != BPF_MAP_TYPE_HASH &&
		    m->type != BPF_MAP_TYPE_ARRAY) {
			if (m->internal)
				add_v(c, ENF_OFFLOAD_MAP_TYPE, NULL, -1,
				      m->name, NULL,
				      "map %s holds global data (%s): an "
				      "offloaded program has no global "
				      "variables; use constants, or a HASH or "
				      "ARRAY map the loader fills",
				      m->name, map_type_name(m->type));
			else
				add_v(c, ENF_OFFLOAD_MAP_TYPE, NULL, -1,
				      m->name, NULL,
				      "map %s is a %s map: the NFP holds only "
				      "HASH and ARRAY maps (a PERF_EVENT_ARRAY "
				      "stays on the host); make it a HASH or "
				      "ARRAY map, or move it to the host "
				      "program",
				      m->name, map_type_name(m->type));
		}
		/* nfp_bpf_map_alloc(): any map_flags (or a NUMA node) is
		 * refused. */
		if (m->flags) {
			if (m->internal)
				add_v(c, ENF_OFFLOAD_MAP_FLAGS, NULL, -1,
				      m->name, NULL,
				      "map %s (global data) is created with "
				      "map_flags 0x%x (libbpf's mmapable or "
				      "read-only flags): offloaded maps take "
				      "none; replace the global variables with "
				      "constants or a map",
				      m->name, m->flags);
			else
				add_v(c, ENF_OFFLOAD_MAP_FLAGS, NULL, -1,
				      m->name, NULL,
				      "map %s has map_flags 0x%x%s: offloaded "
				      "maps take none; drop the flags",
				      m->name, m->flags,
				      m->flags & BPF_F_NO_PREALLOC ?
					      " (BPF_F_NO_PREALLOC)" :
					      "");
		}
		/* nfp_bpf_map_alloc(): key and value, each rounded up to 8
		 * bytes, must fit the firmware's element size. */
		elem = ((m->key_size + 7ull) & ~7ull) +
		       ((m->value_size + 7ull) & ~7ull);
		if (elem > c->lim->element_size)
			add_v(c, ENF_OFFLOAD_MAP_SIZE, NULL, -1, m->name, NULL,
			      "map %s: key %u and value %u bytes take %llu bytes "
			      "(each rounded up to 8), over the firmware "
			      "element size of %u; shrink the key or the "
			      "value, or split the map",
			      m->name, m->key_size, m->value_size, elem,
			      c->lim->element_size);
	}
}

/* ------------------------------------------------------------------ */
/* Functions: programs from libbpf, their bodies and relocations from  */
/* the ELF                                                             */

static int fn_alloc(struct oc *c, struct oc_fn **out)
{
	struct oc_fn *f;

	if (c->nfns >= OC_FNS_MAX)
		return -E2BIG;
	if (c->nfns == c->fns_cap) {
		size_t cap = c->fns_cap ? 2 * c->fns_cap : 8;

		f = realloc(c->fns, cap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		c->fns = f;
		c->fns_cap = cap;
	}
	f = &c->fns[c->nfns++];
	memset(f, 0, sizeof(*f));
	*out = f;
	return 0;
}

static int fn_set_insns(struct oc_fn *f, const void *src, size_t n)
{
	f->n = n;
	f->insns = calloc(n ? n : 1, sizeof(*f->insns));
	f->refs = calloc(n ? n : 1, sizeof(*f->refs));
	if (!f->insns || !f->refs)
		return -ENOMEM;
	memcpy(f->insns, src, n * sizeof(*f->insns));
	return 0;
}

static void free_fns(struct oc *c)
{
	for (size_t i = 0; i < c->nfns; i++) {
		free(c->fns[i].insns);
		free(c->fns[i].refs);
	}
	free(c->fns);
	c->fns = NULL;
	c->nfns = 0;
	c->fns_cap = 0;
	for (size_t i = 0; i < c->nmaps; i++)
		free(c->maps[i].use);
	free(c->maps);
	c->maps = NULL;
	c->nmaps = 0;
}

/* Every function symbol with a body in an executable section. */
static int collect_elf_fns(struct oc *c, const struct elf_view *e,
			   const char *name, char *err, size_t errlen)
{
	for (size_t i = 1; i < e->nsyms; i++) {
		const char *sname;
		Elf64_Shdr sh;
		Elf64_Sym sym;
		struct oc_fn *f;
		int ret;

		if (!elf_sym(e, i, &sym) ||
		    ELF64_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_size ||
		    !elf_shdr(e, sym.st_shndx, &sh) ||
		    !(sh.sh_flags & SHF_EXECINSTR) ||
		    sh.sh_type != SHT_PROGBITS)
			continue;
		sname = elf_sym_name(e, &sym);
		if (!sname || sym.st_value % sizeof(struct bpf_insn) ||
		    sym.st_size % sizeof(struct bpf_insn) ||
		    !range_ok(sh.sh_size, sym.st_value, sym.st_size)) {
			set_err(err, errlen,
				"%s: function symbol %zu is damaged", name, i);
			return -ENOEXEC;
		}
		ret = fn_alloc(c, &f);
		if (ret) {
			set_err(err, errlen, "%s: %s", name,
				ret == -E2BIG ? "too many functions" :
						"out of memory");
			return ret == -E2BIG ? -ENOEXEC : ret;
		}
		copy_name(f->name, sizeof(f->name), sname);
		f->sec = sym.st_shndx;
		f->start = sym.st_value / sizeof(struct bpf_insn);
		ret = fn_set_insns(f, e->buf + sh.sh_offset + sym.st_value,
				   sym.st_size / sizeof(struct bpf_insn));
		if (ret) {
			set_err(err, errlen, "%s: out of memory", name);
			return ret;
		}
	}
	return 0;
}

/* The function of section @sec starting at instruction @idx, or -1. */
static int fn_at(const struct oc *c, size_t sec, long long idx)
{
	for (size_t i = 0; i < c->nfns; i++)
		if (c->fns[i].sec == sec && (long long)c->fns[i].start == idx)
			return (int)i;
	return -1;
}

/* The function of section @sec holding instruction @idx, or -1. */
static int fn_holding(const struct oc *c, size_t sec, size_t idx)
{
	for (size_t i = 0; i < c->nfns; i++)
		if (c->fns[i].sec == sec && c->fns[i].start <= idx &&
		    idx < c->fns[i].start + c->fns[i].n)
			return (int)i;
	return -1;
}

static int map_index(const struct oc *c, const struct bpf_map *m)
{
	for (size_t i = 0; i < c->nmaps; i++)
		if (c->maps[i].m == m)
			return (int)i;
	return -1;
}

static bool is_ld_imm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

static bool is_call(const struct bpf_insn *insn)
{
	return insn->code == (BPF_JMP | BPF_CALL);
}

/* Reads one relocation and records what its instruction refers to. */
static void note_reloc(struct oc *c, const struct elf_view *e, size_t sec,
		       const Elf64_Rel *rel)
{
	const char *symname, *secname;
	struct oc_ref *ref;
	struct bpf_insn *insn;
	size_t idx = rel->r_offset / sizeof(struct bpf_insn);
	Elf64_Shdr tsh;
	Elf64_Sym sym;
	struct oc_fn *f;
	int fi;

	if (rel->r_offset % sizeof(struct bpf_insn))
		return;
	fi = fn_holding(c, sec, idx);
	if (fi < 0 || !elf_sym(e, ELF64_R_SYM(rel->r_info), &sym))
		return;
	f = &c->fns[fi];
	insn = &f->insns[idx - f->start];
	ref = &f->refs[idx - f->start];
	symname = elf_sym_name(e, &sym);
	copy_name(ref->sym, sizeof(ref->sym), symname);

	if (is_call(insn) && sym.st_shndx == SHN_UNDEF) {
		/* A call to an extern function: libbpf makes it a kfunc
		 * call. */
		ref->kind = REF_EXTERN;
		return;
	}
	if (is_call(insn) && insn->src_reg == BPF_PSEUDO_CALL) {
		/* As libbpf resolves it: the symbol's own offset plus the
		 * instruction's pc-relative immediate. */
		ref->kind = REF_CALL;
		ref->idx = fn_at(
			c, sym.st_shndx,
			(long long)(sym.st_value / sizeof(struct bpf_insn)) +
				insn->imm + 1);
		return;
	}
	if (!is_ld_imm64(insn))
		return;
	if (sym.st_shndx == SHN_UNDEF) {
		ref->kind = REF_EXTERN;
		return;
	}
	if (!elf_shdr(e, sym.st_shndx, &tsh))
		return;
	secname = elf_sec_name(e, sym.st_shndx);
	if (!secname)
		return;
	if (tsh.sh_flags & SHF_EXECINSTR) {
		ref->kind = REF_FUNC;
		return;
	}
	if (!strcmp(secname, ".maps") || !strcmp(secname, "maps")) {
		const struct bpf_map *m = NULL;

		if (symname)
			m = bpf_object__find_map_by_name(c->obj, symname);
		ref->kind = REF_MAP;
		ref->idx = m ? map_index(c, m) : -1;
		return;
	}
	if (!strncmp(secname, ".data", 5) || !strncmp(secname, ".rodata", 7) ||
	    !strncmp(secname, ".bss", 4)) {
		const struct bpf_map *m;

		/* libbpf finds an internal map by its ELF section name. */
		m = bpf_object__find_map_by_name(c->obj, secname);
		ref->kind = REF_DATA;
		ref->idx = m ? map_index(c, m) : -1;
		ref->off = (long long)insn->imm +
			   (ELF64_ST_TYPE(sym.st_info) == STT_SECTION ?
				    0 :
				    (long long)sym.st_value);
	}
}

static void collect_relocs(struct oc *c, const struct elf_view *e)
{
	for (size_t i = 0; i < e->shnum; i++) {
		Elf64_Shdr sh, target;
		size_t nrel;

		if (!elf_shdr(e, i, &sh) || sh.sh_type != SHT_REL ||
		    sh.sh_link != e->symtab ||
		    sh.sh_entsize != sizeof(Elf64_Rel) ||
		    !elf_shdr(e, sh.sh_info, &target) ||
		    !(target.sh_flags & SHF_EXECINSTR))
			continue;
		nrel = sh.sh_size / sizeof(Elf64_Rel);
		for (size_t r = 0; r < nrel; r++) {
			Elf64_Rel rel;

			memcpy(&rel, e->buf + sh.sh_offset + r * sizeof(rel),
			       sizeof(rel));
			note_reloc(c, e, sh.sh_info, &rel);
		}
	}
}

/* Calls with no relocation are pc-relative within their own section. */
static void resolve_local_calls(struct oc *c)
{
	for (size_t i = 0; i < c->nfns; i++) {
		struct oc_fn *f = &c->fns[i];

		for (size_t k = 0; k < f->n; k++) {
			const struct bpf_insn *insn = &f->insns[k];

			if (!is_call(insn) ||
			    insn->src_reg != BPF_PSEUDO_CALL ||
			    f->refs[k].kind != REF_NONE)
				continue;
			f->refs[k].kind = REF_CALL;
			f->refs[k].idx = fn_at(c, f->sec,
					       (long long)(f->start + k) +
						       insn->imm + 1);
		}
	}
}

/* Marks the functions libbpf calls programs, with their types. */
static int mark_programs(struct oc *c, const struct elf_view *e,
			 const char *name, char *err, size_t errlen)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, c->obj) {
		const char *pname = bpf_program__name(p);
		const char *psec = bpf_program__section_name(p);
		struct oc_fn *f = NULL;

		for (size_t i = 0; i < c->nfns && !f; i++) {
			const char *fsec = elf_sec_name(e, c->fns[i].sec);

			if (!strcmp(c->fns[i].name, pname) && fsec &&
			    !strcmp(fsec, psec))
				f = &c->fns[i];
		}
		if (!f || f->n != bpf_program__insn_cnt(p)) {
			set_err(err, errlen,
				"%s: program %s: libbpf and the ELF symbol "
				"table disagree",
				name, pname);
			return -ENOEXEC;
		}
		f->entry = true;
		f->prog_type = bpf_program__type(p);
		f->attach_type = bpf_program__expected_attach_type(p);
	}
	return 0;
}

/* enf_offload_check_insns(): functions start where calls land. */
static int split_raw(struct oc *c, const char *name,
		     const struct bpf_insn *insns, size_t n, char *err,
		     size_t errlen)
{
	unsigned char *start = calloc(n, 1);
	size_t s, k;
	int ret = 0;

	if (!start)
		return -ENOMEM;
	start[0] = 1;
	for (k = 0; k < n; k++) {
		long long t = (long long)k + insns[k].imm + 1;

		if (!is_call(&insns[k]) || insns[k].src_reg != BPF_PSEUDO_CALL)
			continue;
		if (t < 0 || t >= (long long)n) {
			set_err(err, errlen,
				"%s: the call at instruction %zu leaves the "
				"program",
				name, k);
			ret = -EINVAL;
			goto out_free;
		}
		start[t] = 1;
	}
	for (s = 0; s < n; s = k) {
		struct oc_fn *f;

		for (k = s + 1; k < n && !start[k]; k++)
			;
		ret = fn_alloc(c, &f);
		if (ret) {
			set_err(err, errlen, "%s: %s", name,
				ret == -E2BIG ? "too many functions" :
						"out of memory");
			goto out_free;
		}
		if (s)
			snprintf(f->name, sizeof(f->name), "%.40s+%zu", name,
				 s);
		else
			copy_name(f->name, sizeof(f->name), name);
		f->start = s;
		f->entry = !s;
		f->prog_type = BPF_PROG_TYPE_XDP;
		f->attach_type = BPF_XDP;
		ret = fn_set_insns(f, insns + s, k - s);
		if (ret) {
			set_err(err, errlen, "%s: out of memory", name);
			goto out_free;
		}
	}
	/* ld_imm64 of a map, by encoding: the map is not known. */
	for (size_t i = 0; i < c->nfns; i++)
		for (k = 0; k < c->fns[i].n; k++) {
			const struct bpf_insn *insn = &c->fns[i].insns[k];

			if (!is_ld_imm64(insn))
				continue;
			if (insn->src_reg == BPF_PSEUDO_MAP_FD ||
			    insn->src_reg == BPF_PSEUDO_MAP_IDX) {
				c->fns[i].refs[k].kind = REF_MAP;
				c->fns[i].refs[k].idx = -1;
			} else if (insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
				   insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
				c->fns[i].refs[k].kind = REF_DATA;
				c->fns[i].refs[k].idx = -1;
			} else if (insn->src_reg == BPF_PSEUDO_BTF_ID) {
				c->fns[i].refs[k].kind = REF_EXTERN;
			} else if (insn->src_reg == BPF_PSEUDO_FUNC) {
				c->fns[i].refs[k].kind = REF_FUNC;
			}
		}
	resolve_local_calls(c);
out_free:
	free(start);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Abstract registers                                                  */

/* What a register may hold; several bits: any of them, by path. */
#define K_CTX 0x01 /* the program's context */
#define K_FP 0x02 /* the stack: fp + [lo, hi] */
#define K_PKT 0x04 /* packet data */
#define K_PKT_END 0x08 /* packet end */
#define K_MAPVAL 0x10 /* a map value: map + [lo, hi] */
#define K_MAP 0x20 /* a map (ld_imm64) */
#define K_CONST 0x40 /* the scalar c */
#define K_UNKNOWN 0x80 /* anything: absorbs every other bit */
#define K_PTRS (K_CTX | K_FP | K_PKT | K_PKT_END | K_MAPVAL | K_MAP)

struct areg {
	unsigned char k;
	bool var; /* K_FP or K_MAPVAL: offset not constant on some path */
	signed char mod4; /* K_FP: offset mod 4, -1 when paths differ */
	int lo, hi; /* K_FP or K_MAPVAL offsets */
	int map; /* K_MAPVAL or K_MAP: map index, -1 unknown */
	unsigned long long c; /* K_CONST */
};

struct astate {
	struct areg r[MAX_BPF_REG];
};

static const struct areg reg_unknown = { .k = K_UNKNOWN, .map = -1 };

static struct areg reg_const(unsigned long long v)
{
	struct areg r = { .k = K_CONST, .map = -1, .c = v };

	return r;
}

static struct areg reg_fp(int off)
{
	struct areg r = { .k = K_FP, .map = -1, .lo = off, .hi = off };

	r.mod4 = (signed char)(((off % 4) + 4) % 4);
	return r;
}

static bool reg_eq(const struct areg *a, const struct areg *b)
{
	return a->k == b->k && a->var == b->var && a->mod4 == b->mod4 &&
	       a->lo == b->lo && a->hi == b->hi && a->map == b->map &&
	       a->c == b->c;
}

static struct areg reg_join(const struct areg *a, const struct areg *b)
{
	struct areg r;

	if ((a->k | b->k) & K_UNKNOWN)
		return reg_unknown;
	if (!a->k)
		return *b;
	if (!b->k)
		return *a;
	r = *a;
	r.k = a->k | b->k;
	if ((a->k & K_CONST) && (b->k & K_CONST) && a->c != b->c)
		return reg_unknown;
	if (b->k & K_CONST)
		r.c = b->c;
	if (a->k & b->k & (K_FP | K_MAPVAL)) {
		r.lo = a->lo < b->lo ? a->lo : b->lo;
		r.hi = a->hi > b->hi ? a->hi : b->hi;
		r.var = a->var || b->var;
		if ((a->k & b->k & K_FP) && a->mod4 != b->mod4)
			r.mod4 = -1;
	} else if (b->k & (K_FP | K_MAPVAL)) {
		r.lo = b->lo;
		r.hi = b->hi;
		r.var = b->var;
		r.mod4 = b->mod4;
	}
	if ((a->k & b->k & (K_MAPVAL | K_MAP)) && a->map != b->map)
		r.map = -1;
	else if (b->k & (K_MAPVAL | K_MAP))
		r.map = b->map;
	return r;
}

/* A single pointer kind and nothing unknown: the analysis is sure. */
static unsigned char sure_ptr(const struct areg *r)
{
	unsigned char p = r->k & K_PTRS;

	if (r->k & K_UNKNOWN)
		return 0;
	return p;
}

static bool one_bit(unsigned char p)
{
	return p && !(p & (p - 1));
}

/* Moves a pointer by @delta; an offset leaving int range is unknown. */
static struct areg reg_move(struct areg r, long long delta)
{
	long long lo = (long long)r.lo + delta, hi = (long long)r.hi + delta;

	if (r.k & (K_FP | K_MAPVAL)) {
		if (lo < INT_MIN || hi > INT_MAX)
			return reg_unknown;
		r.lo = (int)lo;
		r.hi = (int)hi;
		if ((r.k & K_FP) && r.mod4 >= 0)
			r.mod4 =
				(signed char)((((r.mod4 + delta) % 4) + 4) % 4);
	}
	return r;
}

static bool const_alu(unsigned char op, unsigned long long a,
		      unsigned long long b, bool is64, unsigned long long *out)
{
	unsigned long long v;
	unsigned int sh = (unsigned int)(b & (is64 ? 63 : 31));

	if (!is64) {
		a = (unsigned int)a;
		b = (unsigned int)b;
	}
	switch (op) {
	case BPF_ADD:
		v = a + b;
		break;
	case BPF_SUB:
		v = a - b;
		break;
	case BPF_MUL:
		v = a * b;
		break;
	case BPF_DIV:
		v = b ? a / b : 0;
		break;
	case BPF_MOD:
		v = b ? a % b : a;
		break;
	case BPF_OR:
		v = a | b;
		break;
	case BPF_AND:
		v = a & b;
		break;
	case BPF_XOR:
		v = a ^ b;
		break;
	case BPF_LSH:
		v = a << sh;
		break;
	case BPF_RSH:
		v = a >> sh;
		break;
	default:
		return false;
	}
	*out = is64 ? v : (unsigned int)v;
	return true;
}

static void transfer_alu(struct astate *s, const struct bpf_insn *insn)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	unsigned char op = BPF_OP(insn->code);
	struct areg *d = &s->r[insn->dst_reg];
	struct areg o;
	unsigned long long v;

	if (BPF_SRC(insn->code) == BPF_X)
		o = s->r[insn->src_reg];
	else
		o = reg_const(is64 ? (unsigned long long)(long long)insn->imm :
				     (unsigned int)insn->imm);

	if (op == BPF_MOV) {
		if (insn->off) /* sign-extending move: not followed */
			*d = reg_unknown;
		else if (is64 || BPF_SRC(insn->code) == BPF_K)
			*d = o;
		else if (o.k == K_CONST)
			*d = reg_const((unsigned int)o.c);
		else
			*d = reg_unknown;
		return;
	}
	if (op == BPF_NEG) {
		if (d->k == K_CONST)
			*d = reg_const(is64 ? -d->c : (unsigned int)-d->c);
		else
			*d = reg_unknown;
		return;
	}
	if (d->k == K_CONST && o.k == K_CONST && !insn->off &&
	    const_alu(op, d->c, o.c, is64, &v)) {
		*d = reg_const(v);
		return;
	}
	if (is64 && (op == BPF_ADD || op == BPF_SUB)) {
		unsigned char dp = sure_ptr(d);

		if (one_bit(dp) && !(d->k & K_CONST) &&
		    (dp & (K_FP | K_MAPVAL | K_PKT))) {
			if (o.k == K_CONST) {
				long long delta = (long long)o.c;

				*d = reg_move(*d,
					      op == BPF_ADD ? delta : -delta);
			} else if (o.k & K_PTRS) {
				/* pointer difference: a scalar */
				*d = reg_unknown;
			} else {
				/* plus a scalar the analysis does not know */
				d->var = true;
				d->mod4 = -1;
			}
			return;
		}
		if (op == BPF_ADD && d->k == K_CONST) {
			unsigned char op_ = sure_ptr(&o);

			if (one_bit(op_) && !(o.k & K_CONST) &&
			    (op_ & (K_FP | K_MAPVAL | K_PKT))) {
				*d = reg_move(o, (long long)d->c);
				return;
			}
		}
	}
	*d = reg_unknown;
}

static void clobber_call(struct astate *s)
{
	for (int i = BPF_REG_0; i <= BPF_REG_5; i++)
		s->r[i] = reg_unknown;
}

/* The state after @insn, given @s before it (in place). */
static void transfer(struct astate *s, const struct oc_fn *f, size_t k)
{
	const struct bpf_insn *insn = &f->insns[k];
	unsigned char cls = BPF_CLASS(insn->code);

	/* Refused by check_insn(); the state is left as it is. */
	if (insn->dst_reg >= MAX_BPF_REG || insn->src_reg >= MAX_BPF_REG)
		return;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (insn->dst_reg < BPF_REG_10)
			transfer_alu(s, insn);
		break;
	case BPF_LD:
		if (is_ld_imm64(insn)) {
			const struct oc_ref *ref = &f->refs[k];
			struct areg *d;

			if (insn->dst_reg >= BPF_REG_10)
				break;
			d = &s->r[insn->dst_reg];
			if (ref->kind == REF_MAP) {
				*d = reg_unknown;
				d->k = K_MAP;
				d->map = ref->idx;
			} else if (ref->kind == REF_DATA &&
				   ref->off >= INT_MIN && ref->off <= INT_MAX) {
				*d = reg_unknown;
				d->k = K_MAPVAL;
				d->map = ref->idx;
				d->lo = d->hi = (int)ref->off;
			} else if (ref->kind == REF_NONE && !insn->src_reg &&
				   k + 1 < f->n) {
				*d = reg_const(
					(unsigned int)insn->imm |
					((unsigned long long)(unsigned int)f
						 ->insns[k + 1]
						 .imm
					 << 32));
			} else {
				*d = reg_unknown;
			}
		} else {
			/* legacy packet loads: r0 and the call registers */
			clobber_call(s);
		}
		break;
	case BPF_LDX:
		if (insn->dst_reg >= BPF_REG_10)
			break;
		if (sure_ptr(&s->r[insn->src_reg]) == K_CTX &&
		    BPF_SIZE(insn->code) == BPF_W &&
		    BPF_MODE(insn->code) == BPF_MEM &&
		    f->prog_type == BPF_PROG_TYPE_XDP &&
		    (insn->off == XDP_CTX_DATA ||
		     insn->off == XDP_CTX_DATA_END)) {
			s->r[insn->dst_reg] = reg_unknown;
			s->r[insn->dst_reg].k =
				insn->off == XDP_CTX_DATA ? K_PKT : K_PKT_END;
		} else {
			s->r[insn->dst_reg] = reg_unknown;
		}
		break;
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			if (insn->imm == BPF_CMPXCHG)
				s->r[BPF_REG_0] = reg_unknown;
			else if ((insn->imm & BPF_FETCH) &&
				 insn->src_reg < BPF_REG_10)
				s->r[insn->src_reg] = reg_unknown;
		}
		break;
	case BPF_JMP:
		if (BPF_OP(insn->code) == BPF_CALL) {
			struct areg map = s->r[BPF_REG_1];

			clobber_call(s);
			if (!insn->src_reg &&
			    insn->imm == BPF_FUNC_map_lookup_elem) {
				s->r[BPF_REG_0].k = K_MAPVAL;
				s->r[BPF_REG_0].map = map.k == K_MAP ? map.map :
								       -1;
			}
		}
		break;
	default:
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The opcodes the NFP JIT translates: its instr_cb[] table in jit.c   */
/* (nfp_bpf_supported_opcode(), checked first by nfp_verify_insn())    */

static bool nfp_has_opcode(const struct bpf_insn *insn)
{
	unsigned char code = insn->code, op = BPF_OP(code);

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		/* No remainder; negation only in its K form; byte swap only
		 * to big endian and only in the 32-bit class; nothing past
		 * ARSH but END. */
		if (op == BPF_MOD || op > BPF_END)
			return false;
		if (op == BPF_NEG)
			return BPF_SRC(code) == BPF_K;
		if (op == BPF_END)
			return BPF_CLASS(code) == BPF_ALU &&
			       BPF_SRC(code) == BPF_TO_BE;
		/* The table is keyed by opcode alone and predates the
		 * signed forms that reuse it (cpu v4: offset 1 on DIV,
		 * 8/16/32 on MOV). */
		if ((op == BPF_DIV || op == BPF_MOV) && insn->off)
			return false;
		return true;
	case BPF_LD:
		return code == (BPF_LD | BPF_IMM | BPF_DW) ||
		       ((BPF_MODE(code) == BPF_ABS ||
			 BPF_MODE(code) == BPF_IND) &&
			BPF_SIZE(code) != BPF_DW);
	case BPF_LDX:
		return BPF_MODE(code) == BPF_MEM;
	case BPF_ST:
		return BPF_MODE(code) == BPF_MEM;
	case BPF_STX:
		if (BPF_MODE(code) == BPF_MEM)
			return true;
		return BPF_MODE(code) == BPF_ATOMIC &&
		       (BPF_SIZE(code) == BPF_W || BPF_SIZE(code) == BPF_DW);
	case BPF_JMP:
		if (op == BPF_JA || op == BPF_CALL || op == BPF_EXIT)
			return BPF_SRC(code) == BPF_K;
		return op <= BPF_JSLE;
	case BPF_JMP32:
		return op != BPF_JA && op != BPF_CALL && op != BPF_EXIT &&
		       op <= BPF_JSLE;
	default:
		return false;
	}
}

static const char *opcode_what(const struct bpf_insn *insn)
{
	unsigned char code = insn->code, op = BPF_OP(code);

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_MOD)
			return "remainder (%): compute it another way, or in "
			       "the host program";
		if (op == BPF_DIV)
			return "signed division: divide unsigned values";
		if (op == BPF_MOV)
			return "sign-extending move: compile for cpu v3";
		if (op == BPF_END)
			return "byte swap other than to big endian in 32-bit "
			       "form: use bpf_htons()/bpf_htonl() on 16/32-bit "
			       "values";
		return "ALU operation";
	case BPF_LDX:
		return "sign-extending load: compile for cpu v3";
	case BPF_JMP32:
		return "32-bit jump form: compile for cpu v3";
	case BPF_JMP:
		return "jump form: compile for cpu v3";
	default:
		return "instruction";
	}
}

/* ------------------------------------------------------------------ */
/* Per-instruction rules                                               */

struct walk {
	struct oc *c;
	struct oc_fn *f;
};

static const char *map_name_of(const struct oc *c, int idx)
{
	if (idx >= 0 && (size_t)idx < c->nmaps)
		return c->maps[idx].name;
	return NULL;
}

/* Stack bytes below the frame pointer a use of @r at @off reaches. */
static void note_depth(struct oc_fn *f, const struct areg *r, long long off)
{
	long long low;

	if (!(r->k & K_FP) || (r->k & K_UNKNOWN) || r->var)
		return;
	low = (long long)r->lo + off;
	if (low < 0 && -low > (long long)f->depth)
		f->depth = -low > UINT_MAX ? UINT_MAX : (unsigned int)-low;
}

/* nfp_bpf_stack_arg_ok(): a map key (or update value) must be on the
 * stack, at a constant offset, 4-byte aligned. */
static void check_stack_arg(struct walk *w, size_t k, const struct areg *r,
			    const char *helper, const char *what)
{
	unsigned char p = sure_ptr(r);

	if (!p)
		return;
	if (p != K_FP) {
		add_v(w->c, ENF_OFFLOAD_HELPER_ARG, w->f->name, (long)k, NULL,
		      helper,
		      "%s gets its %s from outside the stack: the NFP takes "
		      "map keys and values only from the stack; copy it to a "
		      "local variable first",
		      helper, what);
		return;
	}
	if (r->var) {
		add_v(w->c, ENF_OFFLOAD_HELPER_ARG, w->f->name, (long)k, NULL,
		      helper,
		      "%s gets its %s at a stack offset that is not "
		      "constant: the NFP needs a fixed place; use a fixed "
		      "local variable",
		      helper, what);
		return;
	}
	if (r->mod4 != 0)
		add_v(w->c, ENF_OFFLOAD_HELPER_ARG, w->f->name, (long)k, NULL,
		      helper,
		      "%s gets its %s at a stack offset that is not a "
		      "multiple of 4: the NFP needs it 4-byte aligned; align "
		      "the variable (__attribute__((aligned(4))))",
		      helper, what);
}

/* nfp_bpf_check_helper_call() and, for what the verifier hook calls
 * "unsupported function id", the helpers it lists. */
static void check_call(struct walk *w, size_t k, const struct astate *s)
{
	const struct bpf_insn *insn = &w->f->insns[k];
	const struct oc_ref *ref = &w->f->refs[k];
	const char *map = NULL;
	char buf[32];
	const char *name;

	if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL ||
	    (insn->src_reg == BPF_PSEUDO_CALL && ref->kind == REF_EXTERN)) {
		add_v(w->c, ENF_OFFLOAD_KFUNC, w->f->name, (long)k, NULL,
		      ref->sym,
		      "calls kernel function %s: a NIC has no kernel to "
		      "call; do this in the host program",
		      ref->sym[0] ? ref->sym : "(unnamed)");
		return;
	}
	if (insn->src_reg == BPF_PSEUDO_CALL) {
		/* The JIT translates BPF-to-BPF calls (bpf_to_bpf_call()):
		 * only the stack they add is counted, per program. */
		if (ref->kind != REF_CALL || ref->idx < 0)
			add_v(w->c, ENF_OFFLOAD_CALLS, w->f->name, (long)k,
			      NULL, NULL,
			      "call to something that is not a function of "
			      "this object");
		return;
	}
	name = helper_name(insn->imm, buf, sizeof(buf));
	if (s) {
		/* The map argument: r2 for the tail call and event output,
		 * r1 for the map helpers. */
		const struct areg *m = &s->r[BPF_REG_1];

		if (insn->imm == BPF_FUNC_tail_call ||
		    insn->imm == BPF_FUNC_perf_event_output)
			m = &s->r[BPF_REG_2];
		if (m->k == K_MAP)
			map = map_name_of(w->c, m->map);
	}

	switch (insn->imm) {
	case BPF_FUNC_map_lookup_elem:
	case BPF_FUNC_map_delete_elem:
		if (s) {
			check_stack_arg(w, k, &s->r[BPF_REG_2], name, "key");
			note_depth(w->f, &s->r[BPF_REG_2], 0);
		}
		return;
	case BPF_FUNC_map_update_elem:
		/* Offered only when the firmware lists it
		 * (nfp_bpf_map_call_ok()); the daemon writes the maps
		 * through bpf() instead. */
		add_v(w->c, ENF_OFFLOAD_MAP_UPDATE, w->f->name, (long)k, map,
		      name,
		      "calls bpf_map_update_elem%s%s: the NFP has it only "
		      "where the firmware offers it; write entries from user "
		      "space with bpf() instead",
		      map ? " on map " : "", map ? map : "");
		if (s) {
			check_stack_arg(w, k, &s->r[BPF_REG_2], name, "key");
			check_stack_arg(w, k, &s->r[BPF_REG_3], name, "value");
			note_depth(w->f, &s->r[BPF_REG_2], 0);
			note_depth(w->f, &s->r[BPF_REG_3], 0);
		}
		return;
	case BPF_FUNC_get_prandom_u32:
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_tail:
		/* In the set; the firmware must also announce each. */
		return;
	case BPF_FUNC_perf_event_output:
		/* Events are only sent from the CPU the firmware reports
		 * to: flags must be BPF_F_CURRENT_CPU. */
		if (s && s->r[BPF_REG_3].k == K_CONST &&
		    (s->r[BPF_REG_3].c & BPF_F_INDEX_MASK) != BPF_F_CURRENT_CPU)
			add_v(w->c, ENF_OFFLOAD_HELPER_ARG, w->f->name, (long)k,
			      map, name,
			      "bpf_perf_event_output with flags 0x%llx: the "
			      "NFP sends events only with BPF_F_CURRENT_CPU",
			      s->r[BPF_REG_3].c);
		if (s &&
		    (sure_ptr(&s->r[BPF_REG_4]) & (K_CTX | K_PKT_END | K_MAP)))
			add_v(w->c, ENF_OFFLOAD_HELPER_ARG, w->f->name, (long)k,
			      map, name,
			      "bpf_perf_event_output takes its data from the "
			      "context or another pointer the NFP cannot "
			      "send; pass stack, map value or packet data");
		if (s)
			note_depth(w->f, &s->r[BPF_REG_4], 0);
		return;
	case BPF_FUNC_tail_call:
		add_v(w->c, ENF_OFFLOAD_TAIL_CALL, w->f->name, (long)k, map,
		      name,
		      "calls bpf_tail_call%s%s: the NFP has no tail calls; "
		      "merge the programs, or run the rest in the host "
		      "program",
		      map ? " through " : "", map ? map : "");
		return;
	default:
		add_v(w->c, ENF_OFFLOAD_HELPER, w->f->name, (long)k, map, name,
		      "calls %s, which the NFP does not offer (it has "
		      "bpf_map_lookup_elem, bpf_map_delete_elem, "
		      "bpf_get_prandom_u32, bpf_xdp_adjust_head, "
		      "bpf_xdp_adjust_tail and bpf_perf_event_output); do it "
		      "in user space or in the host program",
		      name);
		return;
	}
}

/* nfp_bpf_map_mark_used(): each 4-byte word of a map value is either read
 * by the program or used as an atomic counter, never both. */
static void mark_use(struct walk *w, size_t k, const struct areg *r, int off,
		     unsigned int size, unsigned char use)
{
	long long lo, conflict_lo = -1, conflict_hi = -1;
	struct oc_map *m;
	size_t first, last;

	if (r->map < 0 || (size_t)r->map >= w->c->nmaps || r->var ||
	    r->lo != r->hi)
		return;
	m = &w->c->maps[r->map];
	lo = (long long)r->lo + off;
	if (lo < 0 || lo + size > m->value_size || !size)
		return;
	if (!m->use) {
		m->nuse = (m->value_size + 3) / 4;
		if (m->nuse > OC_USE_WORDS_MAX) {
			m->nuse = 0;
			return;
		}
		m->use = calloc(m->nuse, 1);
		if (!m->use) {
			w->c->nomem = true;
			return;
		}
	}
	first = (size_t)lo / 4;
	last = (size_t)(lo + size - 1) / 4;
	for (size_t i = first; i <= last && i < m->nuse; i++) {
		unsigned char other = use == USE_READ ? USE_ATOMIC : USE_READ;

		if ((m->use[i] & other) && !(m->use[i] & USE_REPORTED)) {
			m->use[i] |= USE_REPORTED;
			if (conflict_lo < 0)
				conflict_lo = (long long)i * 4;
			conflict_hi = (long long)i * 4 + 3;
		}
		m->use[i] |= use;
	}
	if (conflict_lo >= 0)
		add_v(w->c, ENF_OFFLOAD_MAP_USE, w->f->name, (long)k, m->name,
		      NULL,
		      "map %s: bytes %lld-%lld of the value are both read and "
		      "counted with an atomic add: the NFP keeps counters "
		      "apart; read counters only from user space",
		      m->name, conflict_lo, conflict_hi);
}

static unsigned int ldst_size(const struct bpf_insn *insn)
{
	switch (BPF_SIZE(insn->code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

static const char *xdp_field(int off)
{
	switch (off) {
	case 0:
		return "data";
	case 4:
		return "data_end";
	case 8:
		return "data_meta";
	case 12:
		return "ingress_ifindex";
	case 16:
		return "rx_queue_index";
	case 20:
		return "egress_ifindex";
	default:
		return "?";
	}
}

/*
 * nfp_bpf_check_ptr(): memory is reached through the context, the stack, a
 * map value or the packet, one kind per instruction on every path; stack
 * and map value offsets must be constant (nfp_bpf_check_stack_access(),
 * nfp_bpf_map_mark_used()); and no plain store may go to a map value.
 */
static void check_mem(struct walk *w, size_t k, const struct astate *s)
{
	const struct bpf_insn *insn = &w->f->insns[k];
	unsigned char cls = BPF_CLASS(insn->code);
	unsigned char base_reg = cls == BPF_LDX ? insn->src_reg : insn->dst_reg;
	const struct areg *b;
	unsigned int size = ldst_size(insn);
	bool atomic = cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC;
	bool store = (cls == BPF_STX && !atomic) || cls == BPF_ST;
	unsigned char p;

	if (base_reg >= MAX_BPF_REG)
		return;
	b = &s->r[base_reg];
	note_depth(w->f, b, insn->off);
	p = sure_ptr(b);
	if (!p)
		return;
	if (!one_bit(p)) {
		add_v(w->c, ENF_OFFLOAD_PTR_TYPE, w->f->name, (long)k, NULL,
		      NULL,
		      "the same %s reaches different kinds of memory on "
		      "different paths (stack, packet, map value, context): "
		      "the NFP translates each instruction for one; keep the "
		      "paths apart (for example, copy to the stack first)",
		      cls == BPF_LDX ? "load" : "store");
		return;
	}
	switch (p) {
	case K_CTX:
		/* mem_ldx_xdp() in jit.c: only data and data_end are read,
		 * 4 bytes wide; nfp_bpf_check_store(): only rx_queue_index
		 * is written, and only when the firmware selects queues. */
		if (w->f->prog_type != BPF_PROG_TYPE_XDP)
			return;
		if (cls == BPF_LDX && size == 4 &&
		    (insn->off == XDP_CTX_DATA ||
		     insn->off == XDP_CTX_DATA_END))
			return;
		if (store && size == 4 && insn->off == XDP_CTX_RX_QUEUE)
			return;
		add_v(w->c, ENF_OFFLOAD_CTX_ACCESS, w->f->name, (long)k, NULL,
		      NULL,
		      "%s xdp_md field %s (offset %d, %u bytes): the NFP gives "
		      "a program only data and data_end%s; drop the use",
		      cls == BPF_LDX ? "reads" : "writes", xdp_field(insn->off),
		      insn->off, size,
		      store ? " and lets it set rx_queue_index" : "");
		return;
	case K_FP:
		if (b->var) {
			add_v(w->c, ENF_OFFLOAD_STACK_ACCESS, w->f->name,
			      (long)k, NULL, NULL,
			      "stack access at an offset the checker cannot "
			      "prove constant: the NFP keeps the stack in "
			      "registers and local memory and needs a fixed "
			      "offset; index the stack only with constants");
		} else if (b->mod4 < 0) {
			add_v(w->c, ENF_OFFLOAD_STACK_ACCESS, w->f->name,
			      (long)k, NULL, NULL,
			      "stack access whose alignment changes between "
			      "paths: the NFP refuses it; use one fixed "
			      "variable");
		}
		/* mem_st() in jit.c stores immediates only into the
		 * packet. */
		if (cls == BPF_ST)
			add_v(w->c, ENF_OFFLOAD_STORE_IMM, w->f->name, (long)k,
			      NULL, NULL,
			      "stores an immediate on the stack: the NFP JIT "
			      "stores immediates only into packet data; "
			      "compile with a clang that stores through a "
			      "register (clang 14 for cpu v1 to v3 does)");
		break;
	case K_MAPVAL:
		if (b->var) {
			add_v(w->c, ENF_OFFLOAD_MAP_ACCESS, w->f->name, (long)k,
			      map_name_of(w->c, b->map), NULL,
			      "map value access at an offset the checker "
			      "cannot prove constant: the NFP needs a fixed "
			      "offset; use one map entry per value, or "
			      "constant indices");
			return;
		}
		if (store) {
			/* nfp_bpf_check_ptr(): "map writes not supported". */
			const char *mn = map_name_of(w->c, b->map);

			add_v(w->c, ENF_OFFLOAD_MAP_WRITE, w->f->name, (long)k,
			      mn, NULL,
			      "writes into a value of map %s: the NFP program "
			      "may only read map values and add to them "
			      "atomically; count with __sync_fetch_and_add, "
			      "or write from user space",
			      mn ? mn : "(unknown)");
			return;
		}
		mark_use(w, k, b, insn->off, size,
			 atomic ? USE_ATOMIC : USE_READ);
		break;
	case K_PKT:
		break;
	default:
		/* packet end, a map itself: the kernel verifier refuses. */
		break;
	}
	if (atomic && p != K_MAPVAL)
		add_v(w->c, ENF_OFFLOAD_ATOMIC, w->f->name, (long)k, NULL, NULL,
		      "atomic add into %s: the NFP adds atomically only into "
		      "map values; count in a map",
		      p == K_FP ? "the stack" : "packet data");
}

static const char *atomic_what(int imm)
{
	switch (imm) {
	case BPF_ADD | BPF_FETCH:
		return "fetch-add (the old value is used)";
	case BPF_AND:
	case BPF_AND | BPF_FETCH:
		return "and";
	case BPF_OR:
	case BPF_OR | BPF_FETCH:
		return "or";
	case BPF_XOR:
	case BPF_XOR | BPF_FETCH:
		return "xor";
	case BPF_XCHG:
		return "exchange";
	case BPF_CMPXCHG:
		return "compare-and-exchange";
	default:
		return "unknown operation";
	}
}

/* nfp_bpf_check_alu(): the NFP multiplies within u32 and divides only by
 * a constant, by reciprocal multiplication. */
static void check_muldiv(struct walk *w, size_t k, const struct astate *s)
{
	const struct bpf_insn *insn = &w->f->insns[k];
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool x = BPF_SRC(insn->code) == BPF_X;
	unsigned char op = BPF_OP(insn->code);
	const struct areg *d = s ? &s->r[insn->dst_reg] : NULL;
	const struct areg *src = s && x ? &s->r[insn->src_reg] : NULL;

	if (insn->dst_reg >= BPF_REG_10 || (x && insn->src_reg > BPF_REG_10))
		return;
	if (op == BPF_MUL) {
		if (is64 && !x && insn->imm < 0)
			add_v(w->c, ENF_OFFLOAD_MULTIPLY, w->f->name, (long)k,
			      NULL, NULL,
			      "64-bit multiply by the negative constant %d: "
			      "sign-extended it is beyond u32, and the NFP "
			      "multiplies only within u32; use an unsigned "
			      "32-bit factor",
			      insn->imm);
		else if (is64 &&
			 ((d && d->k == K_CONST && d->c > UINT_MAX) ||
			  (src && src->k == K_CONST && src->c > UINT_MAX)))
			add_v(w->c, ENF_OFFLOAD_MULTIPLY, w->f->name, (long)k,
			      NULL, NULL,
			      "64-bit multiply with a factor beyond u32: the "
			      "NFP multiplies only within u32");
		return;
	}
	if (op != BPF_DIV || insn->off)
		return;
	if (!x && insn->imm < 0) {
		add_v(w->c, ENF_OFFLOAD_DIVIDE, w->f->name, (long)k, NULL, NULL,
		      "divide by the negative constant %d: the NFP divides "
		      "by constants within u32 only",
		      insn->imm);
		return;
	}
	if (x && src && src->k != K_CONST) {
		add_v(w->c, ENF_OFFLOAD_DIVIDE, w->f->name, (long)k, NULL, NULL,
		      "divide by a register the checker cannot prove "
		      "constant: the NFP has no divide instruction and "
		      "divides only by constants (by reciprocal "
		      "multiplication); divide by a constant, or by a power "
		      "of two with a shift");
		return;
	}
	if (x && src && src->c > UINT_MAX)
		add_v(w->c, ENF_OFFLOAD_DIVIDE, w->f->name, (long)k, NULL, NULL,
		      "divide by a constant beyond u32: the NFP divides "
		      "within u32 only");
	else if (is64 && d && d->k == K_CONST && d->c > UINT_MAX)
		add_v(w->c, ENF_OFFLOAD_DIVIDE, w->f->name, (long)k, NULL, NULL,
		      "divide of a value beyond u32: the NFP divides within "
		      "u32 only");
}

/* Rules on one instruction; @s is its state, NULL when unreachable. */
static void check_insn(struct walk *w, size_t k, const struct astate *s)
{
	const struct bpf_insn *insn = &w->f->insns[k];
	unsigned char cls = BPF_CLASS(insn->code);

	/* nfp_verify_insn(): first the opcode table, then the register
	 * numbers. */
	if (!nfp_has_opcode(insn)) {
		add_v(w->c, ENF_OFFLOAD_OPCODE, w->f->name, (long)k, NULL, NULL,
		      "opcode 0x%02x has no NFP translation: %s", insn->code,
		      opcode_what(insn));
		return;
	}
	if (insn->dst_reg >= MAX_BPF_REG || insn->src_reg >= MAX_BPF_REG) {
		add_v(w->c, ENF_OFFLOAD_OPCODE, w->f->name, (long)k, NULL, NULL,
		      "register number beyond r10");
		return;
	}
	if (insn->dst_reg >= BPF_REG_6 && insn->dst_reg <= BPF_REG_9)
		w->f->saves_regs = true;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		check_muldiv(w, k, s);
		return;
	case BPF_LD:
		if (is_ld_imm64(insn) && w->f->refs[k].kind == REF_EXTERN)
			add_v(w->c, ENF_OFFLOAD_EXTERN, w->f->name, (long)k,
			      NULL, NULL,
			      "refers to extern %s (a kconfig value or kernel "
			      "symbol): an offloaded program cannot reach the "
			      "kernel's; use a constant",
			      w->f->refs[k].sym[0] ? w->f->refs[k].sym :
						     "(unnamed)");
		return;
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC &&
		    insn->imm != BPF_ADD) {
			/* nfp_bpf_check_atomic(), mem_atomic4/8() in jit.c:
			 * only the plain add, no fetch. */
			add_v(w->c, ENF_OFFLOAD_ATOMIC, w->f->name, (long)k,
			      NULL, NULL,
			      "atomic %s: the NFP does only the plain atomic "
			      "add, without fetching the old value; use "
			      "__sync_fetch_and_add() as a statement, its "
			      "result unused",
			      atomic_what(insn->imm));
			return;
		}
		break;
	case BPF_JMP:
		if (BPF_OP(insn->code) == BPF_CALL) {
			check_call(w, k, s);
			return;
		}
		return;
	default:
		break;
	}
	if (s && (cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX))
		check_mem(w, k, s);
}

/* ------------------------------------------------------------------ */
/* Data flow over one function                                         */

/*
 * Successors of instruction @k: up to two, -1 for none. A jump leaving the
 * function sets @bad; running off its end is left to the kernel verifier.
 */
static void successors(const struct oc_fn *f, size_t k, long long next[2],
		       bool *bad)
{
	const struct bpf_insn *insn = &f->insns[k];
	unsigned char cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	long long fall = -1, target = -1;

	*bad = false;
	if (is_ld_imm64(insn)) {
		fall = (long long)k + 2;
	} else if (cls == BPF_JMP && op == BPF_EXIT) {
		/* none */
	} else if (cls == BPF_JMP && op == BPF_CALL) {
		fall = (long long)k + 1;
	} else if ((cls == BPF_JMP || cls == BPF_JMP32) && op == BPF_JA) {
		target = (long long)k + 1 +
			 (cls == BPF_JMP32 ? insn->imm : insn->off);
	} else if (cls == BPF_JMP || cls == BPF_JMP32) {
		fall = (long long)k + 1;
		target = (long long)k + 1 + insn->off;
	} else {
		fall = (long long)k + 1;
	}
	if (fall >= (long long)f->n)
		fall = -1;
	if (target != -1 && (target < 0 || target >= (long long)f->n)) {
		*bad = true;
		target = -1;
	}
	next[0] = fall;
	next[1] = target;
}

static int analyse_fn(struct oc *c, struct oc_fn *f)
{
	struct astate *in = NULL, cur;
	unsigned char *reached = NULL, *queued = NULL, *visits = NULL;
	size_t *work = NULL, nwork = 0;
	struct walk w = { .c = c, .f = f };
	int ret = -ENOMEM;

	f->analysed = true;
	if (f->n > OC_ANALYZE_MAX) {
		for (size_t k = 0; k < f->n; k++) {
			check_insn(&w, k, NULL);
			if (is_ld_imm64(&f->insns[k]))
				k++; /* its second half is no instruction */
		}
		return 0;
	}
	in = calloc(f->n, sizeof(*in));
	reached = calloc(f->n, 1);
	queued = calloc(f->n, 1);
	visits = calloc(f->n, 1);
	work = calloc(f->n, sizeof(*work));
	if (!in || !reached || !queued || !visits || !work)
		goto out_free;

	for (int r = 0; r < MAX_BPF_REG; r++)
		in[0].r[r] = reg_unknown;
	in[0].r[BPF_REG_10] = reg_fp(0);
	if (f->entry) {
		in[0].r[BPF_REG_1] = reg_unknown;
		in[0].r[BPF_REG_1].k = K_CTX;
	}
	reached[0] = queued[0] = 1;
	work[nwork++] = 0;

	while (nwork) {
		size_t k = work[--nwork];
		long long next[2];
		bool bad;

		queued[k] = 0;
		cur = in[k];
		transfer(&cur, f, k);
		successors(f, k, next, &bad);
		for (int i = 0; i < 2; i++) {
			size_t t;
			struct astate j;
			bool changed = false;

			if (next[i] < 0)
				continue;
			t = (size_t)next[i];
			if (!reached[t]) {
				in[t] = cur;
				reached[t] = 1;
				changed = true;
			} else {
				for (int r = 0; r < MAX_BPF_REG; r++) {
					j.r[r] = reg_join(&in[t].r[r],
							  &cur.r[r]);
					if (reg_eq(&j.r[r], &in[t].r[r]))
						continue;
					/* Widening: a register still changing
					 * after many visits is given up. */
					if (visits[t] >= OC_WIDEN_AFTER)
						j.r[r] = reg_unknown;
					changed = true;
				}
				if (changed) {
					in[t] = j;
					if (visits[t] < UCHAR_MAX)
						visits[t]++;
				}
			}
			if (changed && !queued[t]) {
				queued[t] = 1;
				work[nwork++] = t;
			}
		}
	}

	for (size_t k = 0; k < f->n; k++) {
		long long next[2];
		bool bad;

		check_insn(&w, k, reached[k] ? &in[k] : NULL);
		successors(f, k, next, &bad);
		if (bad && reached[k])
			add_v(c, ENF_OFFLOAD_OPCODE, f->name, (long)k, NULL,
			      NULL, "jump out of the function");
		if (is_ld_imm64(&f->insns[k]))
			k++; /* its second half is no instruction */
	}
	ret = 0;
out_free:
	free(in);
	free(reached);
	free(queued);
	free(visits);
	free(work);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Programs: instruction count and stack along calls                   */

static unsigned int round_up64(unsigned long long v)
{
	unsigned long long r =
		(v + NFP_FRAME_ALIGN - 1) / NFP_FRAME_ALIGN * NFP_FRAME_ALIGN;

	return r > UINT_MAX ? UINT_MAX : (unsigned int)r;
}

/*
 * Analyses @fi and, once each, every function it calls, adding the
 * instructions of each to @insns (libbpf appends each called function
 * once per program).
 */
static int walk_calls(struct oc *c, int fi, unsigned long long *insns)
{
	struct oc_fn *f = &c->fns[fi];
	int ret = 0;

	if (f->counted)
		return 0;
	f->counted = true;
	*insns += f->n;
	if (!f->analysed) {
		ret = analyse_fn(c, f);
		if (ret)
			return ret;
	}
	for (size_t k = 0; k < f->n && !ret; k++) {
		const struct oc_ref *ref = &f->refs[k];

		if (is_call(&f->insns[k]) && ref->kind == REF_CALL &&
		    ref->idx >= 0)
			ret = walk_calls(c, ref->idx, insns);
	}
	return ret;
}

/* The frame of @f as the NFP lays it out, as a called function or not. */
static unsigned long long nfp_frame(const struct oc_fn *f, bool called)
{
	unsigned long long frame = f->depth;

	if (called)
		frame += NFP_RET_ADDR + (f->saves_regs ? NFP_SAVED_REGS : 0);
	return round_up64(frame);
}

/*
 * nfp_bpf_get_stack_usage(): the stack is the deepest chain of frames, each
 * rounded up to 64 bytes, a called function's frame also holding its
 * return address and, if it writes R6-R9, the saved registers. Sets, once
 * per function, the frames of its deepest call chain and the stack its
 * callees take; a chain that comes back to a function marks it recursive.
 */
static void measure(struct oc *c, struct oc_fn *f)
{
	if (f->measured)
		return;
	if (f->visiting) {
		f->recursive = true;
		return;
	}
	f->visiting = true;
	f->frames = 1;
	f->callee_stack = 0;
	for (size_t k = 0; k < f->n; k++) {
		const struct oc_ref *ref = &f->refs[k];
		struct oc_fn *g;
		unsigned long long u;

		if (!is_call(&f->insns[k]) || ref->kind != REF_CALL ||
		    ref->idx < 0)
			continue;
		g = &c->fns[ref->idx];
		measure(c, g);
		if (g->recursive || g->visiting)
			f->recursive = true;
		if (g->frames + 1 > f->frames)
			f->frames = g->frames + 1;
		u = nfp_frame(g, true) + g->callee_stack;
		if (u > f->callee_stack)
			f->callee_stack = u;
	}
	f->visiting = false;
	f->measured = true;
}

static int check_program(struct oc *c, int fi)
{
	struct oc_fn *f = &c->fns[fi];
	unsigned long long insns = 0, stack;
	int ret;

	for (size_t i = 0; i < c->nfns; i++)
		c->fns[i].counted = false;

	/* Only XDP programs are offloaded by enforcer (the NFP also takes
	 * cls_bpf, which enforcer does not use), and not the XDP programs
	 * that run from a devmap or cpumap. */
	if (f->prog_type != BPF_PROG_TYPE_XDP ||
	    f->attach_type == BPF_XDP_DEVMAP ||
	    f->attach_type == BPF_XDP_CPUMAP) {
		const char *t = libbpf_bpf_prog_type_str(f->prog_type);

		add_v(c, ENF_OFFLOAD_PROG_TYPE, f->name, -1, NULL, NULL,
		      "program %s is %s%s: only XDP programs attached to an "
		      "interface are offloaded",
		      f->name, t ? t : "of an unknown type",
		      f->prog_type == BPF_PROG_TYPE_XDP ?
			      " for a devmap or cpumap" :
			      "");
	}

	ret = walk_calls(c, fi, &insns);
	if (ret)
		return ret;
	measure(c, f);
	if (f->recursive || f->frames > OC_MAX_FRAMES)
		add_v(c, ENF_OFFLOAD_CALLS, f->name, -1, NULL, NULL,
		      "program %s calls functions %s: the kernel refuses "
		      "more than %d frames; inline some of them",
		      f->name, f->recursive ? "recursively" : "too deep",
		      OC_MAX_FRAMES);
	if (insns > c->lim->max_insns)
		add_v(c, ENF_OFFLOAD_INSNS, f->name, -1, NULL, NULL,
		      "program %s has %llu instructions (with the functions "
		      "it calls), over the limit of %u; move work to the host "
		      "program",
		      f->name, insns, c->lim->max_insns);
	stack = nfp_frame(f, false) + f->callee_stack;
	if (stack > c->lim->stack_limit)
		add_v(c, ENF_OFFLOAD_STACK, f->name, -1, NULL, NULL,
		      "program %s needs %llu bytes of stack as the NFP lays "
		      "it out (%u used by its own frame; frames rounded up to "
		      "64 bytes, each called function adding its return "
		      "address and saved registers), over the limit of %u; "
		      "use fewer or smaller locals, or fewer nested calls",
		      f->name, stack, f->depth, c->lim->stack_limit);

	if (insns > c->rep->stats.insns)
		c->rep->stats.insns = insns > UINT_MAX ? UINT_MAX :
							 (unsigned int)insns;
	if (stack > c->rep->stats.stack ||
	    (stack == c->rep->stats.stack &&
	     f->depth > c->rep->stats.stack_used)) {
		c->rep->stats.stack = stack > UINT_MAX ? UINT_MAX :
							 (unsigned int)stack;
		c->rep->stats.stack_used = f->depth;
	}
	return 0;
}

static int check_programs(struct oc *c, char *err, size_t errlen)
{
	unsigned int programs = 0;
	int ret;

	for (size_t i = 0; i < c->nfns; i++) {
		if (!c->fns[i].entry)
			continue;
		programs++;
		ret = check_program(c, (int)i);
		if (ret) {
			set_err(err, errlen, "%s: out of memory",
				c->rep->object);
			return ret;
		}
	}
	c->rep->stats.programs = programs;
	if (!programs)
		add_v(c, ENF_OFFLOAD_PROG_TYPE, NULL, -1, NULL, NULL,
		      "the object has no program");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

static int start_report(struct enf_offload_report *rep, const char *name,
			const struct enf_offload_limits *lim,
			struct enf_offload_limits *use, char *err,
			size_t errlen)
{
	memset(rep, 0, sizeof(*rep));
	copy_name(rep->object, sizeof(rep->object), name);
	if (lim)
		*use = *lim;
	else
		enf_offload_limits_default(use);
	if (!use->element_size || !use->max_insns ||
	    use->stack_limit > ENF_OFFLOAD_STACK_MAX) {
		set_err(err, errlen,
			"limits out of range: element size and instructions "
			"at least 1, stack at most %u",
			ENF_OFFLOAD_STACK_MAX);
		return -EINVAL;
	}
	rep->limits = *use;
	rep->fits = true;
	return 0;
}

static int finish(struct oc *c, int ret, char *err, size_t errlen)
{
	if (!ret && c->nomem) {
		set_err(err, errlen, "%s: out of memory", c->rep->object);
		ret = -ENOMEM;
	}
	if (ret)
		enf_offload_report_free(c->rep);
	free_fns(c);
	return ret;
}

int enf_offload_check_mem(const void *buf, size_t len, const char *name,
			  const struct enf_offload_limits *lim,
			  struct enf_offload_report *rep, char *err,
			  size_t errlen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts);
	struct enf_offload_limits use;
	struct oc c = { .lim = &use, .rep = rep };
	char objname[ENF_OFFLOAD_NAME_MAX];
	struct elf_view e;
	const char *base;
	int ret;

	if (!name)
		name = "object";
	ret = start_report(rep, name, lim, &use, err, errlen);
	if (ret)
		return ret;
	if (len > ENF_OFFLOAD_OBJECT_MAX) {
		set_err(err, errlen, "%s: larger than %u MiB", name,
			ENF_OFFLOAD_OBJECT_MAX >> 20);
		return -EFBIG;
	}
	ret = elf_open(&e, buf, len, name, err, errlen);
	if (ret)
		return ret;

	/* Named as bpf_object__open_file() names it: the file's base name
	 * up to its first dot (internal maps are named after it). */
	base = strrchr(name, '/');
	copy_name(objname, sizeof(objname), base ? base + 1 : name);
	objname[strcspn(objname, ". ")] = '\0';
	opts.object_name = objname[0] ? objname : "object";
	c.obj = bpf_object__open_mem(buf, len, &opts);
	if (!c.obj) {
		ret = -errno;
		set_err(err, errlen, "%s: libbpf cannot open it: %s", name,
			ret < -4000 ? "not a valid BPF object" :
				      strerror(-ret));
		return -ENOEXEC;
	}

	ret = collect_maps(&c);
	if (ret) {
		set_err(err, errlen, "%s: out of memory", name);
		goto out_close;
	}
	rep->stats.maps = (unsigned int)c.nmaps;
	check_maps(&c);

	ret = collect_elf_fns(&c, &e, name, err, errlen);
	if (ret)
		goto out_close;
	collect_relocs(&c, &e);
	resolve_local_calls(&c);
	ret = mark_programs(&c, &e, name, err, errlen);
	if (ret)
		goto out_close;
	ret = check_programs(&c, err, errlen);
out_close:
	ret = finish(&c, ret, err, errlen);
	bpf_object__close(c.obj);
	return ret;
}

int enf_offload_check_file(const char *path,
			   const struct enf_offload_limits *lim,
			   struct enf_offload_report *rep, char *err,
			   size_t errlen)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret;

	memset(rep, 0, sizeof(*rep));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	if (fstat(fd, &st)) {
		ret = -errno;
		set_err(err, errlen, "%s: %s", path, strerror(-ret));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		set_err(err, errlen, "%s: not a regular file", path);
		goto out_close;
	}
	if ((unsigned long long)st.st_size > ENF_OFFLOAD_OBJECT_MAX) {
		ret = -EFBIG;
		set_err(err, errlen, "%s: larger than %u MiB", path,
			ENF_OFFLOAD_OBJECT_MAX >> 20);
		goto out_close;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		set_err(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			set_err(err, errlen, "%s: %s", path, strerror(-ret));
			goto out_free;
		}
		if (!r)
			break; /* shrank meanwhile: check what was read */
		len += (size_t)r;
	}
	ret = enf_offload_check_mem(buf, len, path, lim, rep, err, errlen);
out_free:
	free(buf);
out_close:
	close(fd);
	return ret;
}

int enf_offload_check_builtin(const struct enf_offload_limits *lim,
			      struct enf_offload_report *rep, char *err,
			      size_t errlen)
{
	const void *buf;
	size_t len = 0;

	buf = xdp_offload__elf_bytes(&len);
	return enf_offload_check_mem(buf, len, "xdp_offload (built in)", lim,
				     rep, err, errlen);
}

int enf_offload_check_insns(const char *name, const struct bpf_insn *insns,
			    size_t n, const struct enf_offload_limits *lim,
			    struct enf_offload_report *rep, char *err,
			    size_t errlen)
{
	struct enf_offload_limits use;
	struct oc c = { .lim = &use, .rep = rep };
	int ret;

	if (!name)
		name = "prog";
	ret = start_report(rep, name, lim, &use, err, errlen);
	if (ret)
		return ret;
	if (!insns || !n) {
		set_err(err, errlen, "%s: no instructions", name);
		return -EINVAL;
	}
	if (n > ENF_OFFLOAD_OBJECT_MAX / sizeof(*insns)) {
		set_err(err, errlen, "%s: too many instructions", name);
		return -EFBIG;
	}
	ret = split_raw(&c, name, insns, n, err, errlen);
	if (!ret)
		ret = check_programs(&c, err, errlen);
	return finish(&c, ret, err, errlen);
}
