// SPDX-License-Identifier: GPL-2.0-or-later
/* The generated rule set of bench/rules (re300.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "re300.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ---- transformation pipelines and targets, as CRS combines them ------- */

#define T_RAW "t:none"
#define T_LOWER "t:none,t:lowercase"
#define T_URL "t:none,t:urlDecodeUni,t:lowercase"
#define T_PATH "t:none,t:urlDecodeUni,t:normalizePathWin,t:lowercase"
#define T_CMD "t:none,t:urlDecodeUni,t:cmdLine"
#define T_XSS                                                              \
	"t:none,t:urlDecodeUni,t:htmlEntityDecode,t:jsDecode,t:cssDecode," \
	"t:lowercase"
#define T_SQL \
	"t:none,t:urlDecodeUni,t:replaceComments,t:compressWhitespace,t:lowercase"
#define T_PHP "t:none,t:urlDecodeUni,t:removeNulls,t:lowercase"

static const char *const pipelines[] = { T_RAW, T_LOWER, T_URL, T_PATH,
					 T_CMD, T_XSS,	 T_SQL, T_PHP };

/* CRS's usual targets for attacks in parameters */
#define V_ARGS "REQUEST_COOKIES|REQUEST_COOKIES_NAMES|ARGS_NAMES|ARGS"
/* and, for XSS and SQL injection, two headers that reach pages */
#define V_ARGS_HDR                                                          \
	"REQUEST_COOKIES|REQUEST_COOKIES_NAMES|REQUEST_HEADERS:User-Agent|" \
	"REQUEST_HEADERS:Referer|ARGS_NAMES|ARGS"
#define V_UA "REQUEST_HEADERS:User-Agent"

/* ---- word lists ------------------------------------------------------- */

static const char *const scanner_uas[] = {
	"sqlmap",     "nikto",	  "nmap",      "masscan",  "zgrab",
	"nuclei",     "gobuster", "dirbuster", "wpscan",   "acunetix",
	"netsparker", "nessus",	  "openvas",   "w3af",	   "arachni",
	"skipfish",   "whatweb",  "wfuzz",     "ffuf",	   "feroxbuster",
	"dirb",	      "hydra",	  "havij",     "jaeles",   "zmeu",
	"commix",     "xsstrike", "dalfox",    "joomscan", "droopescan",
};

static const char *const restricted_ext[] = {
	"asa", "asax", "ascx", "backup", "bak",	 "bat",	    "cdx",    "cer",
	"cfg", "cmd",  "com",  "config", "conf", "cs",	    "csproj", "csr",
	"dat", "db",   "dbf",  "dll",	 "dos",	 "htr",	    "htw",    "ida",
	"idc", "idq",  "inc",  "ini",	 "key",	 "licx",    "lnk",    "log",
	"mdb", "old",  "pass", "pdb",	 "pol",	 "printer", "pwd",    "sql",
};

static const char *const restricted_hdr[] = {
	"proxy",
	"lock-token",
	"content-range",
	"if",
	"x-http-method-override",
	"x-method-override",
};

static const char *const os_files[] = {
	"etc/passwd",
	"etc/shadow",
	"etc/group",
	"etc/hosts",
	"etc/issue",
	"etc/motd",
	"etc/mysql/my.cnf",
	"etc/nginx/nginx.conf",
	"etc/apache2/apache2.conf",
	"etc/httpd/conf/httpd.conf",
	"etc/ssh/sshd_config",
	"etc/sudoers",
	"etc/crontab",
	"proc/self/environ",
	"proc/self/cmdline",
	"proc/self/fd",
	"proc/version",
	"proc/cpuinfo",
	"var/log/apache2/access.log",
	"var/log/nginx/access.log",
	"var/log/auth.log",
	".bash_history",
	".ssh/id_rsa",
	".ssh/authorized_keys",
	".aws/credentials",
	".docker/config.json",
	".git/config",
	".git/head",
	".svn/entries",
	".htaccess",
	".htpasswd",
	".env",
	"wp-config.php",
	"web.config",
	"windows/win.ini",
	"windows/system32/drivers/etc/hosts",
	"boot.ini",
	".kube/config",
	".npmrc",
	"var/run/secrets/kubernetes.io",
};

static const char *const unix_cmds[] = {
	"cat",	  "nc",	     "ncat",	 "netcat",   "bash",	"sh",
	"zsh",	  "wget",    "curl",	 "python",   "python3", "perl",
	"ruby",	  "php",     "awk",	 "chmod",    "chown",	"rm",
	"id",	  "whoami",  "uname",	 "ifconfig", "ps",	"kill",
	"nohup",  "crontab", "useradd",	 "sudo",     "telnet",	"socat",
	"base64", "openssl", "tar",	 "find",     "xargs",	"head",
	"tail",	  "ping",    "nslookup", "sleep",
};

static const char *const win_cmds[] = {
	"powershell", "cmd",  "certutil", "bitsadmin", "mshta",	  "rundll32",
	"regsvr32",   "wmic", "schtasks", "vssadmin",  "wscript", "cscript",
};

static const char *const php_funcs[] = {
	"eval",
	"assert",
	"system",
	"exec",
	"passthru",
	"shell_exec",
	"popen",
	"proc_open",
	"pcntl_exec",
	"base64_decode",
	"gzinflate",
	"gzuncompress",
	"str_rot13",
	"create_function",
	"call_user_func",
	"call_user_func_array",
	"preg_replace",
	"file_get_contents",
	"file_put_contents",
	"fopen",
	"fwrite",
	"readfile",
	"unserialize",
	"phpinfo",
	"highlight_file",
	"show_source",
	"move_uploaded_file",
	"ini_set",
	"putenv",
	"fsockopen",
};

static const char *const php_wrappers[] = {
	"php", "phar", "zip", "data", "expect", "glob",
};

static const char *const php_globals[] = {
	"get",
	"post",
	"cookie",
	"request",
};

static const char *const xss_tags[] = {
	"script",  "iframe",  "frame",	  "frameset", "object",	  "embed",
	"applet",  "svg",     "math",	  "img",      "image",	  "body",
	"html",	   "meta",    "link",	  "style",    "base",	  "form",
	"input",   "button",  "textarea", "video",    "audio",	  "source",
	"marquee", "isindex", "details",  "dialog",   "template", "xmp",
};

static const char *const xss_events[] = {
	"onload",     "onerror",       "onclick",	 "onmouseover",
	"onmouseout", "onmousedown",   "onmouseup",	 "onmousemove",
	"onfocus",    "onblur",	       "onchange",	 "onsubmit",
	"onreset",    "onselect",      "onkeydown",	 "onkeyup",
	"onkeypress", "oninput",       "oninvalid",	 "onscroll",
	"onresize",   "onunload",      "onbeforeunload", "onhashchange",
	"onpageshow", "onpopstate",    "onmessage",	 "onanimationstart",
	"ontoggle",   "onpointerover",
};

static const char *const xss_misc[] = {
	"javascript\\s*:",
	"vbscript\\s*:",
	"data\\s*:\\s*text/html",
	"expression\\s*\\(",
	"document\\s*\\.\\s*(?:cookie|domain|write|location)\\b",
	"window\\s*\\.\\s*(?:location|open)\\b",
	"string\\s*\\.\\s*fromcharcode\\b",
	"\\b(?:alert|prompt|confirm)\\s*\\(",
	"\\bsrcdoc\\s*=",
	"\\bformaction\\s*=",
	"-moz-binding\\b",
	"\\bxlink:href\\s*=",
};

static const char *const sql_funcs[] = {
	"sleep",      "benchmark",    "pg_sleep",     "extractvalue",
	"updatexml",  "load_file",    "group_concat", "concat_ws",
	"concat",     "char",	      "chr",	      "ascii",
	"ord",	      "substring",    "substr",	      "mid",
	"hex",	      "unhex",	      "conv",	      "version",
	"database",   "current_user", "system_user",  "session_user",
	"schema",     "row_count",    "found_rows",   "last_insert_id",
	"ifnull",     "nullif",	      "name_const",   "geometrycollection",
	"multipoint", "json_keys",    "make_set",
};

/* SQL keywords and structures, for values through T_SQL */
static const char *const sql_struct[] = {
	"\\bunion\\b.{0,100}\\bselect\\b",
	"\\bselect\\b.{0,200}\\bfrom\\b",
	"\\binsert\\s+into\\b",
	"\\bdelete\\s+from\\b",
	"\\bdrop\\s+(?:table|database|schema|user|view)\\b",
	"\\btruncate\\s+table\\b",
	"\\balter\\s+table\\b",
	"\\bcreate\\s+(?:table|user|function|procedure)\\b",
	"\\binto\\s+(?:out|dump)file\\b",
	"\\bload\\s+data\\s+(?:local\\s+)?infile\\b",
	"\\binformation_schema\\b",
	"\\bmysql\\.user\\b",
	"\\bsys(?:objects|columns)\\b",
	"\\bpg_catalog\\b",
	"\\bsqlite_master\\b",
	"\\bxp_cmdshell\\b",
	"\\bsp_executesql\\b",
	"\\bexec(?:ute)?\\s+(?:master\\.)?(?:xp|sp)_\\w+",
	"\\bwaitfor\\s+delay\\b",
	"['\\x22\\x60]\\s*(?:or|and|xor|\\|\\||&&)\\s+['\\x22\\x60]?\\w+['\\x22\\x60]?\\s*(?:=|like|<|>)",
	"\\b(?:or|and)\\s+\\d+\\s*(?:=|<|>|<=|>=)\\s*\\d+",
	"\\border\\s+by\\s+\\d+\\s*(?:--|#|$)",
	"\\bhaving\\s+\\d+\\s*=\\s*\\d+",
	";\\s*(?:select|insert|update|delete|drop|shutdown|declare)\\b",
	"@@(?:version|datadir|hostname|basedir)\\b",
};

/* SQL comment tricks: through T_URL, which keeps comments */
static const char *const sql_comment[] = {
	"['\\x22\\x60)]\\s*(?:--|#|/\\*)",
	"/\\*!\\d{0,5}",
	"\\b0x[0-9a-f]{8,}",
	"\\bnull\\s*,\\s*null\\b",
	"\\bselect\\s+(?:\\*|null|\\d+\\s*,|@@|user\\(|version\\()",
};

/* Java, Log4Shell, template injection, SSRF, NoSQL, LDAP, XXE, header
 * injection, smuggling: one rule each, through T_URL over V_ARGS_HDR */
static const char *const misc_url[] = {
	"\\bjava\\.lang\\.(?:runtime|processbuilder|system)\\b",
	"\\bclass\\.module\\.classloader\\b",
	"\\bruntime\\.getruntime\\s*\\(",
	"\\bjavax\\.naming\\b",
	"\\$\\{\\s*jndi\\s*:",
	"\\$\\{[^}]{0,30}\\$\\{",
	"\\$\\{\\s*(?:env|sys|lower|upper|date|ctx|main|base64|java|bundle):",
	"\\(#_memberaccess",
	"@java\\.lang\\.",
	"\\bobjectinputstream\\b",
	"\\bro0ab",
	"\\{\\{.{0,100}\\}\\}",
	"\\{%.{0,100}%\\}",
	"\\$\\{\\s*\\d+\\s*\\*\\s*\\d+\\s*\\}",
	"<%=.{0,100}%>",
	"\\b__(?:class|globals|builtins|subclasses|mro)__\\b",
	"169\\.254\\.169\\.254",
	"metadata\\.google\\.internal",
	"\\b(?:gopher|dict|ldap|tftp|jar)://",
	"\\b127\\.0\\.0\\.1\\b",
	"\\b0x7f000001\\b",
	"100\\.100\\.100\\.200",
	"\\[\\$(?:ne|gt|lt|gte|lte|regex|where|exists|in|nin)\\]",
	"\\$where\\b",
	"\\(\\s*[|&!]\\s*\\(\\w+\\s*=",
	"\\*\\)\\s*\\(\\s*[|&]",
	"<!entity\\b",
	"<!doctype\\s+\\w+\\s*\\[",
	"\\bsystem\\s+['\\x22](?:file|http|ftp|php|expect)://",
	"[\\n\\r]+(?:location|refresh|set-cookie|x-forwarded-for|host|via)\\s*:",
	"(?:get|post|head|options|put|delete|trace|patch)\\s+\\S+\\s+http/\\d",
	"\\bfile://",
	"\\bwhoami\\b",
	"\\$\\(\\s*\\w+",
	"\\x60\\s*\\w+[^\\x60]*\\x60",
};

/* Patterns Hyperscan refuses (backreferences, lookaround), as some CRS
 * rules have; enforcer runs them on PCRE2. */
static const struct {
	const char *vars;
	const char *tfn;
	const char *rx;
} pcre_only[] = {
	{ V_ARGS, T_SQL,
	  "(?:['\\x22]|\\d)\\s*(?:or|and)\\s+(['\\x22]?)(\\w+)\\1\\s*=\\s*\\1\\2\\b" },
	{ V_ARGS, T_SQL, "(?<![\\w.])(?:select|union)\\s*\\(" },
	{ V_ARGS, T_SQL, "\\b(\\w{2,})\\s*=\\s*\\1\\s*(?:--|#|$)" },
	{ V_ARGS_HDR, T_XSS, "<(\\w+)[^>]{0,200}>.{0,200}</\\1>" },
	{ V_ARGS_HDR, T_XSS, "(?<=[\\s/])on\\w{3,20}\\s*=" },
	{ V_ARGS_HDR, T_URL, "\\$\\{(?=[^}]{0,40}\\bjndi\\b)" },
	{ V_ARGS, T_PHP, "(?<![\\w$])\\$\\w+\\s*\\(\\s*\\$_(?:get|post)\\b" },
	{ V_ARGS, T_CMD, "(?<=\\s|^)(?:ba|z|k)?sh\\s+-c\\b" },
};

/* ---- emitting --------------------------------------------------------- */

struct gen {
	char *p;
	size_t len;
	size_t cap;
	int err;
	unsigned int id;
	struct re300_info *info;
};

static void emit(struct gen *g, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void emit(struct gen *g, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (g->err)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(g->p + g->len, g->cap - g->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			g->err = -EINVAL;
			return;
		}
		if ((size_t)n < g->cap - g->len)
			break;
		char *np = realloc(g->p, 2 * g->cap + (size_t)n);

		if (!np) {
			g->err = -ENOMEM;
			return;
		}
		g->p = np;
		g->cap = 2 * g->cap + (size_t)n;
	}
	g->len += (size_t)n;
}

/* What both parsers read the same: see re300.h. */
static bool pattern_ok(const char *rx)
{
	return !strchr(rx, '"') && !strstr(rx, "\\\\") && !strstr(rx, "%{");
}

static void rule(struct gen *g, unsigned int phase, const char *vars,
		 bool negated, const char *rx, const char *tfn, const char *tag,
		 const char *msg)
{
	if (!pattern_ok(rx)) {
		g->err = -EINVAL;
		return;
	}
	emit(g,
	     "SecRule %s \"%s@rx %s\" \\\n"
	     "    \"id:%u,phase:%u,%s,msg:'%s',severity:CRITICAL,tag:'%s',"
	     "deny\"\n",
	     vars, negated ? "!" : "", rx, g->id++, phase, tfn, msg, tag);
	g->info->n_rules++;
	g->info->n_phase1 += phase == 1;
	g->info->n_negated += negated;
}

/* @w with the regex metacharacters escaped, blanks as \s+. */
static const char *rx_word(char *dst, size_t cap, const char *w)
{
	size_t o = 0;

	for (; *w && o + 4 < cap; w++) {
		if (*w == ' ') {
			memcpy(dst + o, "\\s+", 3);
			o += 3;
			continue;
		}
		if (strchr(".+*?()[]{}|^$", *w))
			dst[o++] = '\\';
		dst[o++] = *w;
	}
	dst[o] = '\0';
	return dst;
}

/* One rule per word: @pre, the word escaped, @post. */
static void family(struct gen *g, unsigned int first_id, unsigned int phase,
		   const char *vars, const char *tfn, const char *tag,
		   const char *msg, const char *pre, const char *post,
		   const char *const *words, size_t n)
{
	char w[256], rx[512], m[256];

	g->id = first_id;
	for (size_t i = 0; i < n; i++) {
		snprintf(rx, sizeof(rx), "%s%s%s", pre,
			 rx_word(w, sizeof(w), words[i]), post);
		snprintf(m, sizeof(m), "%s: %s", msg, words[i]);
		rule(g, phase, vars, false, rx, tfn, tag, m);
	}
}

/* One rule per pattern, as written. */
static void patterns(struct gen *g, unsigned int first_id, const char *vars,
		     const char *tfn, const char *tag, const char *msg,
		     const char *const *rx, size_t n)
{
	char m[64];

	g->id = first_id;
	for (size_t i = 0; i < n; i++) {
		snprintf(m, sizeof(m), "%s %zu", msg, i + 1);
		rule(g, 2, vars, false, rx[i], tfn, tag, m);
	}
}

int re300_generate(char **text, size_t *len, struct re300_info *info)
{
	struct gen g = { .info = info };

	memset(info, 0, sizeof(*info));
	g.cap = 1 << 17;
	g.p = malloc(g.cap);
	if (!g.p)
		return -ENOMEM;
	g.p[0] = '\0';
	emit(&g, "# bench/rules: the re300 set, generated by re300.c; do not "
		 "edit.\n");

	/* method, protocol, restricted names (phase 1) */
	g.id = 911100;
	rule(&g, 1, "REQUEST_METHOD", true,
	     "^(?:GET|HEAD|POST|OPTIONS|PUT|PATCH|DELETE)$", T_RAW,
	     "method-enforcement", "Method is not allowed by policy");
	g.id = 920160;
	rule(&g, 1, "REQUEST_HEADERS:Content-Length", true, "^\\d+$", T_RAW,
	     "protocol-violation", "Content-Length header is not numeric");
	rule(&g, 1, "REQUEST_HEADERS:Range|REQUEST_HEADERS:Request-Range",
	     false, "^bytes=(?:(?:\\d+)?-(?:\\d+)?\\s*,?\\s*){6}", T_RAW,
	     "protocol-violation", "Range: too many fields");
	rule(&g, 1, "REQUEST_HEADERS:Host", false, "^[\\d.:]+(?::\\d+)?$",
	     T_RAW, "protocol-violation",
	     "Host header is a numeric IP address");
	family(&g, 913100, 1, V_UA, T_LOWER, "scanner",
	       "Security scanner user agent", "\\b", "\\b", scanner_uas,
	       ARRAY_SIZE(scanner_uas));
	family(&g, 920440, 1, "REQUEST_FILENAME", T_URL, "restricted-file",
	       "Restricted file extension", "\\.", "$", restricted_ext,
	       ARRAY_SIZE(restricted_ext));
	family(&g, 920600, 1, "REQUEST_HEADERS_NAMES", T_LOWER,
	       "restricted-header", "Restricted header", "^", "$",
	       restricted_hdr, ARRAY_SIZE(restricted_hdr));

	/* path traversal and OS files */
	g.id = 930100;
	rule(&g, 2, "REQUEST_URI|ARGS|REQUEST_HEADERS", false,
	     "(?:%c0%ae|%2e|\\.){2}(?:%2f|%5c|/|\\x5c)", T_RAW, "attack-lfi",
	     "Path traversal (encoded)");
	rule(&g, 2, "REQUEST_URI|ARGS|REQUEST_HEADERS", false,
	     "(?:^|[\\x5c/])\\.{2,3}[\\x5c/]", T_URL, "attack-lfi",
	     "Path traversal (../)");
	rule(&g, 2, V_ARGS, false, "\\.\\.;/", T_URL, "attack-lfi",
	     "Path traversal (..;/)");
	rule(&g, 2, V_ARGS, false, "\\.{4}/{2}", T_URL, "attack-lfi",
	     "Path traversal (....//)");
	family(&g, 930120, 2, V_ARGS, T_PATH, "attack-lfi", "OS file access",
	       "(?:^|[/\\x5c])", "\\b", os_files, ARRAY_SIZE(os_files));

	/* command injection */
	family(&g, 932100, 2, V_ARGS, T_URL, "attack-rce",
	       "Unix command injection",
	       "(?:[;&|\\x60\\n]|\\$\\()\\s*(?:[\\w.-]*/)*",
	       "(?:\\s|$|[;&|<>\\x60)])", unix_cmds, ARRAY_SIZE(unix_cmds));
	family(&g, 932200, 2, V_ARGS, T_CMD, "attack-rce",
	       "Windows command injection", "(?:^|[&|\\n])\\s*",
	       "(?:\\.exe)?\\s+[/-]\\w", win_cmds, ARRAY_SIZE(win_cmds));
	g.id = 932150;
	rule(&g, 2, V_ARGS, false, "\\b(?:nc|ncat|netcat)\\b.{0,40}\\s-[ec]\\b",
	     T_CMD, "attack-rce", "Reverse shell (netcat)");
	rule(&g, 2, V_ARGS, false, "/bin/(?:ba|da|k|z)?sh\\b", T_CMD,
	     "attack-rce", "Shell path");
	rule(&g, 2, V_ARGS, false,
	     "\\b(?:curl|wget)\\s.{0,80}\\|\\s*(?:ba|da|z)?sh\\b", T_CMD,
	     "attack-rce", "Fetch and run");
	rule(&g, 2, V_ARGS, false, "/dev/(?:tcp|udp)/", T_CMD, "attack-rce",
	     "Bash network redirection");
	rule(&g, 2, V_ARGS, false, "\\b(?:python\\d?|perl|ruby)\\s+-[ce]\\b",
	     T_CMD, "attack-rce", "Interpreter one-liner");

	/* PHP */
	family(&g, 933150, 2, V_ARGS "|REQUEST_FILENAME", T_PHP, "attack-php",
	       "PHP function call", "\\b", "\\s*\\(", php_funcs,
	       ARRAY_SIZE(php_funcs));
	family(&g, 933200, 2, V_ARGS, T_PHP, "attack-php", "PHP wrapper", "\\b",
	       "://", php_wrappers, ARRAY_SIZE(php_wrappers));
	family(&g, 933130, 2, V_ARGS, T_PHP, "attack-php", "PHP superglobal",
	       "\\$_", "\\b", php_globals, ARRAY_SIZE(php_globals));
	g.id = 933100;
	rule(&g, 2, V_ARGS "|REQUEST_BODY", false, "<\\?(?:php\\b|=|\\s)",
	     T_PHP, "attack-php", "PHP open tag");
	rule(&g, 2, V_ARGS, false, "\\b(?:include|require)(?:_once)?\\s*\\(",
	     T_PHP, "attack-php", "PHP include");

	/* XSS */
	family(&g, 941110, 2, V_ARGS_HDR "|REQUEST_FILENAME", T_XSS,
	       "attack-xss", "XSS tag", "<", "[\\s/>]", xss_tags,
	       ARRAY_SIZE(xss_tags));
	family(&g, 941160, 2, V_ARGS_HDR, T_XSS, "attack-xss",
	       "XSS event handler", "[\\s\\x22'/;]", "\\s*=", xss_events,
	       ARRAY_SIZE(xss_events));
	patterns(&g, 941200, V_ARGS_HDR, T_XSS, "attack-xss", "XSS vector",
		 xss_misc, ARRAY_SIZE(xss_misc));

	/* SQL injection */
	family(&g, 942150, 2, V_ARGS_HDR, T_SQL, "attack-sqli",
	       "SQL function call", "\\b", "\\s*\\(", sql_funcs,
	       ARRAY_SIZE(sql_funcs));
	patterns(&g, 942200, V_ARGS_HDR, T_SQL, "attack-sqli", "SQL injection",
		 sql_struct, ARRAY_SIZE(sql_struct));
	patterns(&g, 942300, V_ARGS_HDR, T_URL, "attack-sqli",
		 "SQL comment or literal", sql_comment,
		 ARRAY_SIZE(sql_comment));

	/* Java, Log4Shell, templates, SSRF, NoSQL, LDAP, XXE, smuggling */
	patterns(&g, 944100, V_ARGS_HDR, T_URL, "attack-generic", "Injection",
		 misc_url, ARRAY_SIZE(misc_url));

	/* the PCRE2-only ones */
	g.id = 949100;
	for (size_t i = 0; i < ARRAY_SIZE(pcre_only); i++) {
		char m[64];

		snprintf(m, sizeof(m),
			 "Injection (lookaround or backreference) "
			 "%zu",
			 i + 1);
		rule(&g, 2, pcre_only[i].vars, false, pcre_only[i].rx,
		     pcre_only[i].tfn, "attack-generic", m);
		info->n_pcre_only++;
	}
	info->n_pipelines = ARRAY_SIZE(pipelines);

	if (g.err) {
		free(g.p);
		return g.err;
	}
	*text = g.p;
	*len = g.len;
	return 0;
}
