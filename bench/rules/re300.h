/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The "re300" rule set of bench/rules: some 400 @rx rules in the shape of
 * the OWASP Core Rule Set (scanner user agents, restricted extensions and
 * headers, protocol checks, path traversal and OS files, Unix and Windows
 * command injection, PHP, XSS tags, handlers and URIs, SQL functions and
 * keywords, Java and Log4Shell, template injection, SSRF, NoSQL, LDAP, XXE,
 * header injection), generated in code from word lists, the same text in
 * every run. It keeps to what both enforcer and libmodsecurity3 read:
 * SecRule with variables joined by '|' (with ':name' selectors), "@rx" and
 * "!@rx", and actions id, phase, t:, msg, severity, tag and deny; patterns
 * hold no '"', no "\\" and no "%{" (which the two parsers read
 * differently or expand).
 */
#ifndef ENFORCER_BENCH_RULES_RE300_H
#define ENFORCER_BENCH_RULES_RE300_H

#include <stddef.h>

/**
 * struct re300_info - what the generated set holds
 * @n_rules: rules
 * @n_phase1: of them phase:1 (headers, URI, method)
 * @n_negated: written "!@rx"
 * @n_pcre_only: written with a construct Hyperscan refuses (a
 *	backreference, a lookaround), as some CRS rules are
 * @n_pipelines: distinct transformation pipelines
 */
struct re300_info {
	size_t n_rules;
	size_t n_phase1;
	size_t n_negated;
	size_t n_pcre_only;
	size_t n_pipelines;
};

/**
 * re300_generate() - the set's SecLang text
 * @text: a NUL-terminated string for free()
 * @len: its length
 * @info: filled
 * Return: 0, -ENOMEM, or -EINVAL when a pattern breaks the rules above (a
 * bug of the generator).
 */
int re300_generate(char **text, size_t *len, struct re300_info *info);

#endif /* ENFORCER_BENCH_RULES_RE300_H */
