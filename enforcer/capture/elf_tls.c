// SPDX-License-Identifier: GPL-2.0-or-later
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gelf.h>
#include <libelf.h>

#include "enforcer/capture/elf_tls.h"

static const char *const lib_names[ENF_TLS_LIB_MAX] = ENF_TLS_LIB_NAMES;

static const char *const fn_names[ENF_TLS_LIB_MAX][ENF_TLS_FN_MAX] = {
	[ENF_TLS_LIB_OPENSSL] = { "SSL_read", "SSL_write", "SSL_read_ex",
				  "SSL_write_ex" },
	[ENF_TLS_LIB_GNUTLS] = { "gnutls_record_recv", "gnutls_record_send",
				 NULL, NULL },
	[ENF_TLS_LIB_NSS] = { "PR_Read", "PR_Write", "PR_Recv", "PR_Send" },
	[ENF_TLS_LIB_WOLFSSL] = { "wolfSSL_read", "wolfSSL_write", NULL, NULL },
	[ENF_TLS_LIB_BORINGSSL] = { "SSL_read", "SSL_write", "SSL_read_ex",
				    "SSL_write_ex" },
};

/* The libraries an executable is searched for, in order of preference. */
static const enum enf_tls_lib exec_libs[] = {
	ENF_TLS_LIB_OPENSSL,
	ENF_TLS_LIB_GNUTLS,
	ENF_TLS_LIB_WOLFSSL,
};

const char *enf_tls_lib_name(enum enf_tls_lib lib)
{
	if ((unsigned int)lib >= ENF_TLS_LIB_MAX)
		return lib_names[ENF_TLS_LIB_UNKNOWN];
	return lib_names[lib];
}

enum enf_tls_lib enf_tls_lib_parse(const char *name)
{
	for (int i = 1; i < ENF_TLS_LIB_MAX; i++)
		if (!strcmp(name, lib_names[i]))
			return i;
	return ENF_TLS_LIB_UNKNOWN;
}

const char *enf_tls_fn_name(enum enf_tls_lib lib, enum enf_tls_fn fn)
{
	if ((unsigned int)lib >= ENF_TLS_LIB_MAX ||
	    (unsigned int)fn >= ENF_TLS_FN_MAX)
		return NULL;
	return fn_names[lib][fn];
}

void enf_build_id_hex(const __u8 *id, size_t len, char *out, size_t outlen)
{
	size_t o = 0;

	if (!outlen)
		return;
	for (size_t i = 0; i < len && o + 2 < outlen; i++, o += 2)
		snprintf(out + o, 3, "%02x", id[i]);
	out[o] = '\0';
}

/* "<stem>.so" then nothing or ".<anything>" */
static bool so_name(const char *base, const char *stem)
{
	size_t n = strlen(stem);

	if (strncmp(base, stem, n) || strncmp(base + n, ".so", 3))
		return false;
	return base[n + 3] == '\0' || base[n + 3] == '.';
}

enum enf_tls_lib enf_tls_lib_by_filename(const char *base)
{
	if (so_name(base, "libssl"))
		return ENF_TLS_LIB_OPENSSL;
	/* auditwheel's vendored copy: libssl-<hex>.so.3 */
	if (!strncmp(base, "libssl-", 7)) {
		const char *p = base + 7;
		size_t n = 0;

		while (isxdigit((unsigned char)p[n]))
			n++;
		if (n >= 4 && so_name(p + n, ""))
			return ENF_TLS_LIB_OPENSSL;
	}
	if (so_name(base, "libgnutls"))
		return ENF_TLS_LIB_GNUTLS;
	if (!strcmp(base, "libnspr4.so"))
		return ENF_TLS_LIB_NSS;
	if (so_name(base, "libwolfssl"))
		return ENF_TLS_LIB_WOLFSSL;
	return ENF_TLS_LIB_UNKNOWN;
}

/* A DT_NEEDED name that puts the TLS code in a shared library. */
static bool tls_needed(const char *name)
{
	return enf_tls_lib_by_filename(name) != ENF_TLS_LIB_UNKNOWN ||
	       so_name(name, "libssl3") || so_name(name, "libnss3");
}

struct elf_file {
	Elf *elf;
	GElf_Ehdr eh;
	size_t nphdr;
	const char *raw;
	size_t rawlen;
};

static int elf_file_open(int fd, struct elf_file *f)
{
	memset(f, 0, sizeof(*f));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOEXEC;
	f->elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!f->elf)
		return -ENOEXEC;
	if (elf_kind(f->elf) != ELF_K_ELF || !gelf_getehdr(f->elf, &f->eh) ||
	    elf_getphdrnum(f->elf, &f->nphdr)) {
		elf_end(f->elf);
		f->elf = NULL;
		return -ENOEXEC;
	}
	f->raw = elf_rawfile(f->elf, &f->rawlen);
	if (!f->raw)
		f->rawlen = 0;
	return 0;
}

static void elf_file_close(struct elf_file *f)
{
	if (f->elf)
		elf_end(f->elf);
	f->elf = NULL;
}

/* The file offset of @vaddr through the PT_LOAD that maps it; 0 if none. */
static __u64 vaddr_to_off(struct elf_file *f, __u64 vaddr)
{
	for (size_t i = 0; i < f->nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_filesz)
			return vaddr - ph.p_vaddr + ph.p_offset;
	}
	return 0;
}

/* One function looked for; found in .dynsym (@dyn) and/or .symtab (@sym). */
struct want_sym {
	const char *name;
	__u64 dyn, sym; /* virtual addresses, 0: not found */
	bool dyn_default; /* @dyn is the default version (not hidden) */
};

#define MAX_WANT 16

struct sym_search {
	struct want_sym w[MAX_WANT];
	size_t n;
	bool boringssl;
};

static void want_add(struct sym_search *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->w[i].name, name))
			return;
	if (s->n < MAX_WANT)
		s->w[s->n++].name = name;
}

static struct want_sym *want_find(struct sym_search *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->w[i].name, name))
			return &s->w[i];
	return NULL;
}

static Elf_Scn *find_versym(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			return scn;
	return NULL;
}

static void walk_symtab(struct elf_file *f, Elf_Scn *scn, GElf_Shdr *sh,
			bool dyn, struct sym_search *s)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	Elf_Data *vdata = NULL;
	size_t n;

	if (!data || !sh->sh_entsize)
		return;
	n = sh->sh_size / sh->sh_entsize;
	if (dyn) {
		Elf_Scn *vs = find_versym(f->elf);

		if (vs)
			vdata = elf_getdata(vs, NULL);
	}
	for (size_t i = 1; i < n; i++) {
		struct want_sym *w;
		const char *name;
		GElf_Sym sym;
		GElf_Versym ver = 0;
		bool def;

		if (!gelf_getsym(data, (int)i, &sym) || !sym.st_name)
			continue;
		name = elf_strptr(f->elf, sh->sh_link, sym.st_name);
		if (!name)
			continue;
		if (sym.st_shndx == SHN_UNDEF)
			continue;
		if (name[0] == 'B' && !strncmp(name, "BORINGSSL_", 10))
			s->boringssl = true;
		if (GELF_ST_TYPE(sym.st_info) != STT_FUNC || !sym.st_value ||
		    sym.st_shndx == SHN_ABS)
			continue;
		w = want_find(s, name);
		if (!w)
			continue;
		if (!dyn) {
			if (!w->sym)
				w->sym = sym.st_value;
			continue;
		}
		if (vdata && !gelf_getversym(vdata, (int)i, &ver))
			ver = 0;
		def = !(ver & 0x8000);
		/* of several versions, the default one (name@@VERSION) */
		if (!w->dyn || (def && !w->dyn_default)) {
			w->dyn = sym.st_value;
			w->dyn_default = def;
		}
	}
}

static void search_syms(struct elf_file *f, struct sym_search *s)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(f->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_DYNSYM)
			walk_symtab(f, scn, &sh, true, s);
	scn = NULL;
	while ((scn = elf_nextscn(f->elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			walk_symtab(f, scn, &sh, false, s);
}

/* Read @lib's slots from @s; true when read and write are both there. */
static bool lib_offsets(struct elf_file *f, struct sym_search *s,
			enum enf_tls_lib lib, struct enf_elf_tls *out)
{
	__u64 off[ENF_TLS_FN_MAX] = { 0 };
	bool from_symtab = false;

	for (int fn = 0; fn < ENF_TLS_FN_MAX; fn++) {
		const char *name = fn_names[lib][fn];
		struct want_sym *w;
		__u64 va;

		if (!name)
			continue;
		w = want_find(s, name);
		if (!w)
			continue;
		va = w->dyn ? w->dyn : w->sym;
		if (!va)
			continue;
		off[fn] = vaddr_to_off(f, va);
		if (off[fn] && !w->dyn)
			from_symtab = true;
	}
	if (!off[ENF_TLS_FN_READ] || !off[ENF_TLS_FN_WRITE])
		return false;
	out->lib = lib;
	memcpy(out->offsets, off, sizeof(off));
	out->how = from_symtab ? "symtab" : "dynsym";
	return true;
}

/*
 * Read-only data regions of the file image: sections that are allocated,
 * neither writable nor code; without section headers, the read-only
 * PT_LOAD segments. @fn returns true to stop.
 */
typedef bool (*region_fn)(const char *p, size_t len, void *arg);

static void for_each_ro(struct elf_file *f, region_fn fn, void *arg)
{
	size_t budget = ENF_ELF_SCAN_MAX;
	Elf_Scn *scn = NULL;
	bool any = false;
	GElf_Shdr sh;

	if (!f->raw)
		return;
	while ((scn = elf_nextscn(f->elf, scn))) {
		size_t len;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS ||
		    !(sh.sh_flags & SHF_ALLOC) ||
		    (sh.sh_flags & (SHF_WRITE | SHF_EXECINSTR)))
			continue;
		any = true;
		if (sh.sh_offset >= f->rawlen)
			continue;
		len = sh.sh_size;
		if (len > f->rawlen - sh.sh_offset)
			len = f->rawlen - sh.sh_offset;
		if (len > budget)
			len = budget;
		budget -= len;
		if (fn(f->raw + sh.sh_offset, len, arg) || !budget)
			return;
	}
	if (any)
		return;
	for (size_t i = 0; i < f->nphdr; i++) {
		GElf_Phdr ph;
		size_t len;

		if (!gelf_getphdr(f->elf, (int)i, &ph) ||
		    ph.p_type != PT_LOAD || (ph.p_flags & PF_W) ||
		    ph.p_offset >= f->rawlen)
			continue;
		len = ph.p_filesz;
		if (len > f->rawlen - ph.p_offset)
			len = f->rawlen - ph.p_offset;
		if (len > budget)
			len = budget;
		budget -= len;
		if (fn(f->raw + ph.p_offset, len, arg) || !budget)
			return;
	}
}

/* Length of a version at @p (digits, at least one dot, optional letter). */
static size_t version_len(const char *p, const char *end)
{
	const char *q = p;
	int dots = 0;

	while (q < end) {
		if (isdigit((unsigned char)*q)) {
			q++;
		} else if (*q == '.' && q > p && q + 1 < end &&
			   isdigit((unsigned char)q[1])) {
			dots++;
			q++;
		} else {
			break;
		}
	}
	if (!dots || q == p)
		return 0;
	if (q < end && islower((unsigned char)*q))
		q++;
	return q - p;
}

struct find_prefix {
	const char *prefix;
	char *out;
	size_t len;
	bool found;
};

static bool find_prefix_cb(const char *p, size_t len, void *arg)
{
	struct find_prefix *fp = arg;
	size_t plen = strlen(fp->prefix);
	const char *end = p + len, *q = p;

	while (q < end) {
		const char *hit = memmem(q, end - q, fp->prefix, plen);
		size_t vlen;

		if (!hit)
			return false;
		vlen = version_len(hit + plen, end);
		if (vlen) {
			snprintf(fp->out, fp->len, "%.*s", (int)(plen + vlen),
				 hit);
			fp->found = true;
			return true;
		}
		q = hit + 1;
	}
	return false;
}

static bool find_version_in(struct elf_file *f, const char *prefix, char *out,
			    size_t len)
{
	struct find_prefix fp = {
		.prefix = prefix,
		.out = out,
		.len = len,
	};

	for_each_ro(f, find_prefix_cb, &fp);
	return fp.found;
}

struct markers {
	bool boringssl, tls13_label, tlsv13, version_text;
	char label[8], proto[8];
};

/*
 * The marker texts, kept out of our own read-only data (XOR 0x5a):
 * enforcerd and its tests must not carry what they look for.
 */
static const unsigned char tls13_label_x[] = {
	0x2e, 0x36, 0x29, 0x6b, 0x69, 0x7a
}; /* "tls13 " */
static const unsigned char tlsv13_x[] = { 0x0e, 0x16, 0x09, 0x2c,
					  0x6b, 0x74, 0x69 }; /* "TLSv1.3" */

/* volatile: the compiler must not fold the texts back into .rodata */
static volatile unsigned char marker_key = 0x5a;

static void markers_init(struct markers *m)
{
	unsigned char key = marker_key;

	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < sizeof(tls13_label_x); i++)
		m->label[i] = (char)(tls13_label_x[i] ^ key);
	for (size_t i = 0; i < sizeof(tlsv13_x); i++)
		m->proto[i] = (char)(tlsv13_x[i] ^ key);
}

/* "OpenSSL 3.0.17 1 Jul 2025", "OpenSSL 1.1.1w  11 Sep 2023" at @p */
static bool openssl_version_text(const char *p, const char *end)
{
	size_t v = version_len(p, end);
	int n = 0;

	if (!v)
		return false;
	p += v;
	while (p < end && *p == ' ' && n < 4) {
		p++;
		n++;
	}
	if (!n)
		return false;
	for (n = 0; p < end && isdigit((unsigned char)*p) && n < 3; n++)
		p++;
	if (n < 1 || n > 2 || end - p < 10 || *p != ' ')
		return false;
	p++;
	if (!isupper((unsigned char)p[0]) || !islower((unsigned char)p[1]) ||
	    !islower((unsigned char)p[2]) || p[3] != ' ')
		return false;
	p += 4;
	for (n = 0; n < 4; n++)
		if (!isdigit((unsigned char)p[n]))
			return false;
	return true;
}

static bool markers_cb(const char *p, size_t len, void *arg)
{
	struct markers *m = arg;
	const char *end = p + len, *q;

	if (!m->boringssl && memmem(p, len, "BoringSSL", 9))
		m->boringssl = true;
	if (!m->tls13_label && memmem(p, len, m->label, sizeof(tls13_label_x)))
		m->tls13_label = true;
	if (!m->tlsv13 && memmem(p, len, m->proto, sizeof(tlsv13_x)))
		m->tlsv13 = true;
	for (q = p; !m->version_text && q < end;) {
		const char *hit = memmem(q, end - q, "OpenSSL ", 8);

		if (!hit)
			break;
		if (openssl_version_text(hit + 8, end))
			m->version_text = true;
		q = hit + 1;
	}
	return m->boringssl && m->tls13_label && m->tlsv13 && m->version_text;
}

static void read_dynamic(struct elf_file *f, struct enf_elf_tls *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(f->elf, scn))) {
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC ||
		    !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Dyn dyn;
			const char *name;

			if (!gelf_getdyn(data, (int)i, &dyn))
				break;
			if (dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag == DT_FLAGS_1 &&
			    (dyn.d_un.d_val & DF_1_PIE))
				out->is_exec = true;
			if (dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(f->elf, sh.sh_link, dyn.d_un.d_val);
			if (name && tls_needed(name))
				out->needs_tls = true;
		}
	}
}

static int notes_build_id(Elf_Data *data, __u8 *id, size_t max, size_t *len)
{
	size_t off = 0, next, name_off, desc_off;
	GElf_Nhdr nh;

	while ((next = gelf_getnote(data, off, &nh, &name_off, &desc_off)) >
	       0) {
		const char *name = (const char *)data->d_buf + name_off;

		off = next;
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp(name, "GNU", 4) || !nh.n_descsz)
			continue;
		if (nh.n_descsz > max)
			return -E2BIG;
		memcpy(id, (const char *)data->d_buf + desc_off, nh.n_descsz);
		*len = nh.n_descsz;
		return 1;
	}
	return 0;
}

static int file_build_id(struct elf_file *f, __u8 *id, size_t max, size_t *len)
{
	Elf_Scn *scn = NULL;
	bool any_note_scn = false;
	GElf_Shdr sh;
	int ret;

	*len = 0;
	while ((scn = elf_nextscn(f->elf, scn))) {
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		any_note_scn = true;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		ret = notes_build_id(data, id, max, len);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	if (any_note_scn)
		return 0;
	for (size_t i = 0; i < f->nphdr; i++) {
		Elf_Data *data;
		GElf_Phdr ph;

		if (!gelf_getphdr(f->elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		data = elf_getdata_rawchunk(f->elf, ph.p_offset, ph.p_filesz,
					    ph.p_align == 8 ? ELF_T_NHDR8 :
							      ELF_T_NHDR);
		if (!data)
			continue;
		ret = notes_build_id(data, id, max, len);
		if (ret)
			return ret < 0 ? ret : 0;
	}
	return 0;
}

int enf_elf_build_id(int fd, __u8 *id, size_t max, size_t *len)
{
	struct elf_file f;
	int err;

	*len = 0;
	err = elf_file_open(fd, &f);
	if (err)
		return err;
	err = file_build_id(&f, id, max, len);
	elf_file_close(&f);
	return err;
}

int enf_elf_find_version(int fd, const char *prefix, char *out, size_t len)
{
	struct elf_file f;
	int err;

	err = elf_file_open(fd, &f);
	if (err)
		return err;
	err = find_version_in(&f, prefix, out, len) ? 0 : -ENOENT;
	elf_file_close(&f);
	return err;
}

int enf_elf_offset_in_code(int fd, __u64 off)
{
	struct elf_file f;
	int err, ret = -ERANGE;

	err = elf_file_open(fd, &f);
	if (err)
		return err;
	for (size_t i = 0; i < f.nphdr; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(f.elf, (int)i, &ph) || ph.p_type != PT_LOAD ||
		    !(ph.p_flags & PF_X))
			continue;
		if (off >= ph.p_offset && off - ph.p_offset < ph.p_filesz) {
			ret = 0;
			break;
		}
	}
	elf_file_close(&f);
	return ret;
}

int enf_elf_sym_offset(int fd, const char *name, __u64 *off)
{
	struct sym_search s = { 0 };
	struct elf_file f;
	int err;

	err = elf_file_open(fd, &f);
	if (err)
		return err;
	want_add(&s, name);
	search_syms(&f, &s);
	*off = 0;
	if (s.w[0].dyn || s.w[0].sym)
		*off = vaddr_to_off(&f, s.w[0].dyn ? s.w[0].dyn : s.w[0].sym);
	elf_file_close(&f);
	return *off ? 0 : -ENOENT;
}

static const char *version_prefix(enum enf_tls_lib lib)
{
	switch (lib) {
	case ENF_TLS_LIB_OPENSSL:
		return "OpenSSL ";
	case ENF_TLS_LIB_GNUTLS:
		return "GnuTLS ";
	case ENF_TLS_LIB_NSS:
		return "NSS ";
	case ENF_TLS_LIB_WOLFSSL:
		return "wolfSSL ";
	default:
		return NULL;
	}
}

int enf_elf_tls_inspect(int fd, enum enf_tls_lib want, unsigned int flags,
			struct enf_elf_tls *out)
{
	struct sym_search s = { 0 };
	struct elf_file f;
	int err;

	memset(out, 0, sizeof(*out));
	if ((unsigned int)want >= ENF_TLS_LIB_MAX)
		return -EINVAL;
	err = elf_file_open(fd, &f);
	if (err)
		return err;

	for (size_t i = 0; i < f.nphdr; i++) {
		GElf_Phdr ph;

		if (gelf_getphdr(f.elf, (int)i, &ph) && ph.p_type == PT_INTERP)
			out->is_exec = true;
	}
	if (f.eh.e_type == ET_EXEC)
		out->is_exec = true;
	read_dynamic(&f, out);
	err = file_build_id(&f, out->build_id, sizeof(out->build_id),
			    &out->build_id_len);
	if (err) /* an oversized id is no id */
		out->build_id_len = 0;

	if (want == ENF_TLS_LIB_BORINGSSL)
		want = ENF_TLS_LIB_OPENSSL;
	for (int fn = 0; fn < ENF_TLS_FN_MAX; fn++) {
		if (want != ENF_TLS_LIB_UNKNOWN) {
			if (fn_names[want][fn])
				want_add(&s, fn_names[want][fn]);
			continue;
		}
		for (size_t l = 0; l < sizeof(exec_libs) / sizeof(exec_libs[0]);
		     l++)
			if (fn_names[exec_libs[l]][fn])
				want_add(&s, fn_names[exec_libs[l]][fn]);
	}
	search_syms(&f, &s);
	if (want != ENF_TLS_LIB_UNKNOWN) {
		lib_offsets(&f, &s, want, out);
	} else {
		for (size_t l = 0; l < sizeof(exec_libs) / sizeof(exec_libs[0]);
		     l++)
			if (lib_offsets(&f, &s, exec_libs[l], out))
				break;
	}
	out->boringssl = s.boringssl;

	if (out->lib == ENF_TLS_LIB_OPENSSL && !out->boringssl) {
		struct markers m;

		markers_init(&m);
		for_each_ro(&f, markers_cb, &m);
		out->boringssl = m.boringssl;
	}
	if (out->lib == ENF_TLS_LIB_OPENSSL && out->boringssl)
		out->lib = ENF_TLS_LIB_BORINGSSL;

	if (out->lib == ENF_TLS_LIB_UNKNOWN && (flags & ENF_ELF_F_MARKERS) &&
	    !out->needs_tls) {
		struct markers m;

		markers_init(&m);
		for_each_ro(&f, markers_cb, &m);
		out->boringssl = out->boringssl || m.boringssl;
		out->markers = m.version_text || (m.tls13_label && m.tlsv13);
	}

	if (flags & ENF_ELF_F_VERSION) {
		enum enf_tls_lib vl = out->lib ? out->lib : want;
		const char *prefix = version_prefix(vl);

		if (vl == ENF_TLS_LIB_BORINGSSL)
			snprintf(out->version, sizeof(out->version),
				 "BoringSSL");
		else if (prefix)
			find_version_in(&f, prefix, out->version,
					sizeof(out->version));
	}
	elf_file_close(&f);
	return 0;
}
