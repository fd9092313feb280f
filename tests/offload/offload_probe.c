// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * enf-offload-probe: what the kernel itself says about XDP programs and BPF
 * maps, independently of enforcerd's own report. The netdevsim guest test
 * (guest-init.sh) runs it inside the guest to check what enforcerd claims:
 * which programs are attached to an interface and in which mode, what the
 * maps bound to a device hold (read back through bpf(), which goes through
 * the device's offload callbacks), and what is left in the kernel after a
 * detach.
 *
 *   enf-offload-probe xdp IFNAME       programs attached, per attach mode
 *   enf-offload-probe maps [IFNAME]    maps (all, or those bound to IFNAME)
 *   enf-offload-probe dump IFNAME|host MAP
 *                                      the entries of the map named MAP
 *                                      bound to IFNAME (or to no device)
 *   enf-offload-probe put|del IFNAME|host MAP IPV4
 *                                      write (rule id 0) or delete an
 *                                      entry of a deny_src4, behind
 *                                      enforcerd's back
 *   enf-offload-probe objects          every BPF program and map loaded
 *   enf-offload-probe json PATH        one value of the JSON document on
 *                                      stdin (`enforcerctl --json status`)
 *
 * Output is one "word key=value ..." line per object, for grep and awk.
 * PATH is a chain of ".member", "[N]" (array index) and "[member=text]"
 * (the array element whose member is that string or number), e.g.
 * ".interfaces[name=eth0].mode"; a string prints bare, anything else as
 * compact JSON; a path that leads nowhere exits 1 and prints nothing.
 * Exit: 0, 1 on failure (with the reason on stderr), 2 on usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "enforcer/flow.h"
#include "enforcer/xdp.h"

/* Entries printed or counted per map at most; netdevsim holds 2. */
#define PROBE_MAX_ENTRIES (1u << 20)
/* Programs and maps walked at most. */
#define PROBE_MAX_OBJECTS 65536u

static void p_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("enf-offload-probe: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int prog_info(__u32 id, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);
	int fd, err = 0;

	memset(info, 0, sizeof(*info));
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len))
		err = -errno;
	close(fd);
	return err;
}

/* Fills @info and returns an fd the caller closes, or -errno. */
static int map_open(__u32 id, struct bpf_map_info *info)
{
	__u32 len = sizeof(*info);
	int fd, err;

	memset(info, 0, sizeof(*info));
	fd = bpf_map_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	if (bpf_obj_get_info_by_fd(fd, info, &len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int ifindex_of(const char *name)
{
	unsigned int i = if_nametoindex(name);

	if (!i) {
		p_err("interface '%s': %s", name, strerror(errno));
		return -1;
	}
	return (int)i;
}

static void print_prog(const char *what, __u32 id)
{
	struct bpf_prog_info info;
	char ifname[IF_NAMESIZE] = "";
	int err = prog_info(id, &info);

	if (err) {
		printf("%s id=%u error=%d\n", what, id, err);
		return;
	}
	if (info.ifindex)
		if_indextoname(info.ifindex, ifname);
	printf("%s id=%u name=%s type=%u offload_ifindex=%u offload_dev=%s\n",
	       what, id, info.name[0] ? info.name : "-", info.type,
	       info.ifindex, ifname[0] ? ifname : "-");
}

static int cmd_xdp(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	static const char *const modes[] = {
		[XDP_ATTACHED_NONE] = "none",	[XDP_ATTACHED_DRV] = "drv",
		[XDP_ATTACHED_SKB] = "skb",	[XDP_ATTACHED_HW] = "hw",
		[XDP_ATTACHED_MULTI] = "multi",
	};
	int ifindex;

	if (argc != 2) {
		p_err("usage: xdp IFNAME");
		return 2;
	}
	ifindex = ifindex_of(argv[1]);
	if (ifindex < 0)
		return 1;
	if (bpf_xdp_query(ifindex, 0, &q)) {
		p_err("bpf_xdp_query(%s): %s", argv[1], strerror(errno));
		return 1;
	}
	printf("attached ifindex=%d mode=%s\n", ifindex,
	       q.attach_mode < sizeof(modes) / sizeof(modes[0]) ?
		       modes[q.attach_mode] :
		       "?");
	if (q.drv_prog_id)
		print_prog("xdp_drv", q.drv_prog_id);
	if (q.hw_prog_id)
		print_prog("xdp_hw", q.hw_prog_id);
	if (q.skb_prog_id)
		print_prog("xdp_skb", q.skb_prog_id);
	return 0;
}

/* Counts @fd's keys by walking them; -errno when the walk fails. */
static long count_keys(int fd, __u32 key_size)
{
	unsigned char key[256], next[256];
	unsigned char *cur = NULL;
	long n = 0;

	if (key_size > sizeof(key))
		return -E2BIG;
	while (n < PROBE_MAX_ENTRIES) {
		if (bpf_map_get_next_key(fd, cur, next))
			return errno == ENOENT ? n : -errno;
		memcpy(key, next, key_size);
		cur = key;
		n++;
	}
	return n;
}

static void print_map(__u32 id, const struct bpf_map_info *info, int fd)
{
	char ifname[IF_NAMESIZE] = "";
	long n = -1;

	/* An array has every key; counting them says nothing. */
	if (info->type != BPF_MAP_TYPE_ARRAY &&
	    info->type != BPF_MAP_TYPE_PERCPU_ARRAY)
		n = count_keys(fd, info->key_size);

	if (info->ifindex)
		if_indextoname(info->ifindex, ifname);
	printf("map id=%u name=%s type=%u key=%u value=%u max=%u flags=%#x "
	       "btf_id=%u ifindex=%u dev=%s entries=%ld\n",
	       id, info->name[0] ? info->name : "-", info->type, info->key_size,
	       info->value_size, info->max_entries, info->map_flags,
	       info->btf_id, info->ifindex, ifname[0] ? ifname : "-", n);
}

static int cmd_maps(int argc, char **argv)
{
	struct bpf_map_info info;
	int ifindex = -1, fd;
	__u32 id = 0, walked = 0;

	if (argc > 2) {
		p_err("usage: maps [IFNAME]");
		return 2;
	}
	if (argc == 2) {
		ifindex = ifindex_of(argv[1]);
		if (ifindex < 0)
			return 1;
	}
	while (walked++ < PROBE_MAX_OBJECTS && !bpf_map_get_next_id(id, &id)) {
		fd = map_open(id, &info);
		if (fd < 0)
			continue; /* gone meanwhile */
		if (ifindex < 0 || info.ifindex == (__u32)ifindex)
			print_map(id, &info, fd);
		close(fd);
	}
	return 0;
}

static void print_addr(int family, const void *addr)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, s, sizeof(s)))
		strcpy(s, "?");
	fputs(s, stdout);
}

static void print_tuple(const struct enf_tuple *t)
{
	int af = t->family == ENF_FAMILY_V6 ? AF_INET6 : AF_INET;

	printf("proto=%u src=", t->proto);
	print_addr(af, t->saddr);
	printf(" sport=%u dst=", ntohs(t->sport));
	print_addr(af, t->daddr);
	printf(" dport=%u", ntohs(t->dport));
}

/* One entry, decoded by the map it comes from (names from xdp.h). */
static void print_entry(const char *map, const void *key, const void *val,
			__u32 key_size, __u32 val_size)
{
	const struct enf_deny_value *dv = val;

	fputs("entry ", stdout);
	if (!strcmp(map, ENF_MAP_DENY_SRC4) && key_size == 4) {
		fputs("src ", stdout);
		print_addr(AF_INET, key);
	} else if (!strcmp(map, ENF_MAP_DENY_SRC6) &&
		   key_size == sizeof(struct enf_in6_key)) {
		fputs("src ", stdout);
		print_addr(AF_INET6, key);
	} else if (!strcmp(map, ENF_MAP_DENY_FLOW) &&
		   key_size == sizeof(struct enf_tuple)) {
		fputs("flow ", stdout);
		print_tuple(key);
	} else if (!strcmp(map, ENF_MAP_DENY_SPILL) &&
		   key_size == sizeof(struct enf_spill_key)) {
		const struct enf_spill_key *k = key;

		if (k->kind == ENF_SPILL_SRC) {
			fputs("src ", stdout);
			print_addr(k->t.family == ENF_FAMILY_V6 ? AF_INET6 :
								  AF_INET,
				   k->t.saddr);
		} else {
			fputs("flow ", stdout);
			print_tuple(&k->t);
		}
	} else {
		fputs("key ", stdout);
		for (__u32 i = 0; i < key_size; i++)
			printf("%02x", ((const unsigned char *)key)[i]);
		dv = NULL;
	}
	if (dv && val_size == sizeof(*dv))
		printf(" rule_id=%u", dv->rule_id);
	putchar('\n');
}

static int dump_map(int fd, const struct bpf_map_info *info)
{
	unsigned char key[256], next[256], val[1024];
	unsigned char *cur = NULL;
	long n = 0;

	if (info->key_size > sizeof(key) || info->value_size > sizeof(val)) {
		p_err("map %s: key or value too large to print", info->name);
		return 1;
	}
	while (n < PROBE_MAX_ENTRIES) {
		if (bpf_map_get_next_key(fd, cur, next)) {
			if (errno == ENOENT)
				break;
			p_err("map %s: next key: %s", info->name,
			      strerror(errno));
			return 1;
		}
		memcpy(key, next, info->key_size);
		cur = key;
		if (bpf_map_lookup_elem(fd, key, val)) {
			if (errno == ENOENT)
				continue; /* deleted meanwhile */
			p_err("map %s: lookup: %s", info->name,
			      strerror(errno));
			return 1;
		}
		print_entry(info->name, key, val, info->key_size,
			    info->value_size);
		n++;
	}
	printf("entries=%ld\n", n);
	return 0;
}

/*
 * The one map named @name bound to interface @where ("host": to none).
 * Return: its fd (and *@info), -1 with the reason on stderr.
 */
static int find_map(const char *where, const char *name,
		    struct bpf_map_info *out, __u32 *out_id)
{
	struct bpf_map_info info;
	__u32 id = 0, walked = 0;
	int ifindex = 0, fd, found = -1, matches = 0;

	if (strcmp(where, "host")) {
		ifindex = ifindex_of(where);
		if (ifindex < 0)
			return -1;
	}
	while (walked++ < PROBE_MAX_OBJECTS && !bpf_map_get_next_id(id, &id)) {
		fd = map_open(id, &info);
		if (fd < 0)
			continue;
		if (info.ifindex != (__u32)ifindex || strcmp(info.name, name)) {
			close(fd);
			continue;
		}
		matches++;
		if (found >= 0)
			close(found);
		found = fd;
		*out_id = id;
		*out = info;
	}
	if (matches != 1) {
		p_err("%d maps named '%s' bound to %s (want exactly one)",
		      matches, name, ifindex ? where : "no device");
		if (found >= 0)
			close(found);
		return -1;
	}
	return found;
}

static int cmd_dump(int argc, char **argv)
{
	struct bpf_map_info info;
	__u32 id;
	int fd, ret;

	if (argc != 3) {
		p_err("usage: dump IFNAME|host MAP");
		return 2;
	}
	fd = find_map(argv[1], argv[2], &info, &id);
	if (fd < 0)
		return 1;
	printf("map id=%u name=%s ifindex=%u max=%u\n", id, info.name,
	       info.ifindex, info.max_entries);
	ret = dump_map(fd, &info);
	close(fd);
	return ret;
}

/* put|del IFNAME|host MAP IPV4: an entry of a deny_src4 (4-byte key,
 * rule id 0) written or deleted behind enforcerd's back. */
static int cmd_entry(int argc, char **argv, bool put)
{
	struct enf_deny_value v = { 0 };
	struct bpf_map_info info;
	struct in_addr a;
	__u32 id;
	int fd, err;

	if (argc != 4 || inet_pton(AF_INET, argv[3], &a) != 1) {
		p_err("usage: %s IFNAME|host MAP IPV4", put ? "put" : "del");
		return 2;
	}
	fd = find_map(argv[1], argv[2], &info, &id);
	if (fd < 0)
		return 1;
	if (info.key_size != sizeof(a) || info.value_size != sizeof(v)) {
		p_err("map %s: not a deny_src4", info.name);
		close(fd);
		return 1;
	}
	err = put ? bpf_map_update_elem(fd, &a, &v, BPF_ANY) :
		    bpf_map_delete_elem(fd, &a);
	if (err)
		p_err("%s %s in %s: %s", put ? "put" : "del", argv[3],
		      info.name, strerror(errno));
	close(fd);
	return err ? 1 : 0;
}

static int cmd_put(int argc, char **argv)
{
	return cmd_entry(argc, argv, true);
}

static int cmd_del(int argc, char **argv)
{
	return cmd_entry(argc, argv, false);
}

static int cmd_objects(int argc, char **argv)
{
	struct bpf_map_info info;
	__u32 id = 0, walked = 0;
	unsigned int progs = 0, maps = 0;
	int fd;

	(void)argv;
	if (argc != 1) {
		p_err("usage: objects");
		return 2;
	}
	while (walked++ < PROBE_MAX_OBJECTS && !bpf_prog_get_next_id(id, &id)) {
		print_prog("prog", id);
		progs++;
	}
	id = 0;
	walked = 0;
	while (walked++ < PROBE_MAX_OBJECTS && !bpf_map_get_next_id(id, &id)) {
		fd = map_open(id, &info);
		if (fd < 0)
			continue;
		print_map(id, &info, fd);
		close(fd);
		maps++;
	}
	printf("total progs=%u maps=%u\n", progs, maps);
	return 0;
}

/* The element of array @a whose member @sel ("member=text") matches. */
static json_t *json_select(json_t *a, const char *sel, size_t len)
{
	const char *eq = memchr(sel, '=', len);
	char member[128], text[256], num[32];
	size_t mlen, tlen, i;
	json_t *el, *v;

	if (!eq || !json_is_array(a))
		return NULL;
	mlen = (size_t)(eq - sel);
	tlen = len - mlen - 1;
	if (mlen >= sizeof(member) || tlen >= sizeof(text))
		return NULL;
	memcpy(member, sel, mlen);
	member[mlen] = '\0';
	memcpy(text, eq + 1, tlen);
	text[tlen] = '\0';
	json_array_foreach(a, i, el) {
		v = json_object_get(el, member);
		if (json_is_string(v) && !strcmp(json_string_value(v), text))
			return el;
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			if (!strcmp(num, text))
				return el;
		}
	}
	return NULL;
}

/* Follows @path from @v; NULL when it leads nowhere or is malformed. */
static json_t *json_walk(json_t *v, const char *path)
{
	const char *p = path, *end;
	char name[128];
	size_t len;

	while (v && *p) {
		if (*p == '.') {
			p++;
			len = strcspn(p, ".[");
			if (!len || len >= sizeof(name))
				return NULL;
			memcpy(name, p, len);
			name[len] = '\0';
			v = json_object_get(v, name);
			p += len;
		} else if (*p == '[') {
			end = strchr(++p, ']');
			if (!end)
				return NULL;
			len = (size_t)(end - p);
			if (memchr(p, '=', len)) {
				v = json_select(v, p, len);
			} else {
				char *stop;
				unsigned long idx = strtoul(p, &stop, 10);

				if (stop != end || !len)
					return NULL;
				v = json_array_get(v, idx);
			}
			p = end + 1;
		} else {
			return NULL;
		}
	}
	return v;
}

static int cmd_json(int argc, char **argv)
{
	json_error_t jerr;
	json_t *doc, *v;
	char *s;
	int ret = 1;

	if (argc != 2) {
		p_err("usage: json PATH  (the document on stdin)");
		return 2;
	}
	doc = json_loadf(stdin, 0, &jerr);
	if (!doc) {
		p_err("stdin: line %d: %s", jerr.line, jerr.text);
		return 1;
	}
	v = json_walk(doc, argv[1]);
	if (json_is_string(v)) {
		puts(json_string_value(v));
		ret = 0;
	} else if (v) {
		s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (s) {
			puts(s);
			free(s);
			ret = 0;
		}
	}
	json_decref(doc);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "xdp", cmd_xdp },   { "maps", cmd_maps },
		{ "dump", cmd_dump }, { "objects", cmd_objects },
		{ "json", cmd_json }, { "put", cmd_put },
		{ "del", cmd_del },
	};

	if (argc < 2) {
		fprintf(stderr,
			"usage: enf-offload-probe xdp IFNAME | maps [IFNAME] | "
			"dump IFNAME|host MAP | put|del IFNAME|host MAP IPV4 | "
			"objects | json PATH\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	p_err("unknown command '%s'", argv[1]);
	return 2;
}
