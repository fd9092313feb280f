// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a disruptive match enforces, in words: a rule's enforce: values and
 * the configuration's deny_action, drop_action and block_action share this
 * one grammar, so that a word means the same in both places.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"
#include "rules/rules_internal.h"

#define QUOTE_MAX 64 /* bytes of a bad word quoted back */

static const struct {
	const char *name;
	uint32_t bit;
} kind_words[] = {
	{ "src", ENF_ENF_SRC },	      { "flow", ENF_ENF_FLOW },
	{ "reset", ENF_ENF_RESET },   { "kill", ENF_ENF_KILL },
	{ "egress", ENF_ENF_EGRESS },
};

/* @a (@alen bytes) is the word @b, in any case */
static bool caseeq(const char *a, size_t alen, const char *b)
{
	return alen == strlen(b) && enf_memcaseeq(a, b, alen);
}

static bool prefix_caseeq(const char *a, size_t alen, const char *p)
{
	size_t n = strlen(p);

	return alen >= n && caseeq(a, n, p);
}

static int qlen(size_t len)
{
	return len > QUOTE_MAX ? QUOTE_MAX : (int)len;
}

/*
 * The prefix length after "cidr/" or "cidr6/": 1 to @max, in decimal,
 * nothing else. Return: the length, or 0 when it is not one.
 */
static unsigned int prefix_len(const char *s, size_t n, unsigned int max)
{
	unsigned int v = 0;

	if (!n || n > 3)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	return v >= 1 && v <= max ? v : 0;
}

static int add_prefix(struct enf_enforce *e, const char *word, size_t len,
		      bool v6, char *msg, size_t msg_len)
{
	size_t skip = v6 ? 6 : 5; /* "cidr6/" or "cidr/" */
	unsigned int max = v6 ? 128 : 32, n;
	uint8_t *have = v6 ? &e->cidr6 : &e->cidr4;

	if (memchr(word + skip, '/', len - skip)) {
		snprintf(msg, msg_len,
			 "'%.*s' is not an enforcement: one prefix per word "
			 "(write cidr/N for IPv4 peers and cidr6/M for IPv6 "
			 "peers)",
			 qlen(len), word);
		return -EINVAL;
	}
	n = prefix_len(word + skip, len - skip, max);
	if (!n) {
		snprintf(msg, msg_len,
			 "bad prefix length in '%.*s': %s is %s/N with N from "
			 "1 to %u",
			 qlen(len), word,
			 v6 ? "the IPv6 prefix" : "the IPv4 prefix",
			 v6 ? "cidr6" : "cidr", max);
		return -EINVAL;
	}
	if (*have && *have != n) {
		snprintf(msg, msg_len,
			 "'%.*s' after %s/%u: one %s prefix per enforcement",
			 qlen(len), word, v6 ? "cidr6" : "cidr", *have,
			 v6 ? "IPv6" : "IPv4");
		return -EINVAL;
	}
	*have = (uint8_t)n;
	if (!v6)
		e->kinds |= ENF_ENF_CIDR;
	return 0;
}

int enf_enforce_add(struct enf_enforce *e, const char *word, size_t len,
		    char *msg, size_t msg_len)
{
	for (size_t i = 0; i < sizeof(kind_words) / sizeof(kind_words[0]);
	     i++) {
		if (caseeq(word, len, kind_words[i].name)) {
			e->kinds |= kind_words[i].bit;
			return 0;
		}
	}
	if (prefix_caseeq(word, len, "cidr6/"))
		return add_prefix(e, word, len, true, msg, msg_len);
	if (prefix_caseeq(word, len, "cidr/"))
		return add_prefix(e, word, len, false, msg, msg_len);
	if (caseeq(word, len, "cidr") || caseeq(word, len, "cidr6")) {
		snprintf(msg, msg_len,
			 "'%.*s' needs a prefix length: cidr/N (N from 1 to "
			 "32) denies an IPv4 peer's /N, and an IPv6 peer's /%d "
			 "unless cidr6/M is given too",
			 qlen(len), word, ENF_ENFORCE_CIDR6_DEFAULT);
		return -EINVAL;
	}
	if (caseeq(word, len, "none")) {
		snprintf(msg, msg_len,
			 "'none' is not an enforcement of a rule (a rule that "
			 "only audits says pass, or mode:shadow)");
		return -EINVAL;
	}
	snprintf(msg, msg_len,
		 "unknown enforcement '%.*s' (src, flow, cidr/N, cidr6/M, "
		 "reset, kill or egress)",
		 qlen(len), word);
	return -EINVAL;
}

int enf_enforce_finish(struct enf_enforce *e, char *msg, size_t msg_len)
{
	if (e->cidr6 && !(e->kinds & ENF_ENF_CIDR)) {
		snprintf(msg, msg_len,
			 "cidr6/%u without cidr/N: give the IPv4 prefix too "
			 "(cidr/N,cidr6/M)",
			 e->cidr6);
		return -EINVAL;
	}
	if ((e->kinds & ENF_ENF_CIDR) && !e->cidr6)
		e->cidr6 = ENF_ENFORCE_CIDR6_DEFAULT;
	return 0;
}

int enf_enforce_format(const struct enf_enforce *e, char *buf, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} order[] = {
		{ ENF_ENF_SRC, "src" },	  { ENF_ENF_FLOW, "flow" },
		{ ENF_ENF_CIDR, NULL },	  { ENF_ENF_RESET, "reset" },
		{ ENF_ENF_KILL, "kill" }, { ENF_ENF_EGRESS, "egress" },
	};
	size_t used = 0;
	int n;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	if (!(e->kinds & ENF_ENF_ALL)) {
		n = snprintf(buf, len, "none");
		return (size_t)n < len ? n : -ENOSPC;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (!(e->kinds & order[i].bit))
			continue;
		if (order[i].name)
			n = snprintf(buf + used, len - used, "%s%s",
				     used ? "," : "", order[i].name);
		else if (e->cidr6)
			n = snprintf(buf + used, len - used,
				     "%scidr/%u,cidr6/%u", used ? "," : "",
				     e->cidr4, e->cidr6);
		else /* not finished: IPv6 peers get the default */
			n = snprintf(buf + used, len - used, "%scidr/%u",
				     used ? "," : "", e->cidr4);
		if (n < 0 || (size_t)n >= len - used)
			return -ENOSPC;
		used += (size_t)n;
	}
	return (int)used;
}
