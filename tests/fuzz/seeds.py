#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Writes the hand-made seeds of the targets into corpus/<target>/.

    tests/fuzz/seeds.py            (from anywhere; rewrites only its own files)

Each seed is named after what it holds. Every target's input starts with
a header (fuzz_util.h): one byte choosing the limits (HTTP/1: 0 defaults,
1 tiny, 2 middle; fuzz_hpack: its own caps), then 8 bytes of chunk sizes.
fuzz_hpack's seeds are stories of ../shared/testdata/hpack-test-case. Seeds the fuzzer found
later are merged in beside these (README.md) and are not touched here.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

UA = (b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 "
      b"Firefox/128.0")
BROWSER = (b"Host: www.example.com\r\n"
           b"User-Agent: " + UA + b"\r\n"
           b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
           b"*/*;q=0.8\r\n"
           b"Accept-Language: en-US,en;q=0.5\r\n"
           b"Accept-Encoding: gzip, deflate, br, zstd\r\n"
           b"Connection: keep-alive\r\n"
           b"Cookie: sid=8f14e45fceea167a5a36dedd4bea2543; theme=dark\r\n"
           b"Upgrade-Insecure-Requests: 1\r\n"
           b"Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n")


def req(line, headers=b"", body=b"", host=True):
    h = b"Host: example.com\r\n" if host else b""
    return line + b"\r\n" + h + headers + b"\r\n" + body


def cl(body, ctype):
    return (b"Content-Type: " + ctype + b"\r\nContent-Length: " +
            str(len(body)).encode() + b"\r\n")


def chunked(*pieces, ext=b"", trailer=b""):
    out = b""
    for p in pieces:
        out += b"%x" % len(p) + ext + b"\r\n" + p + b"\r\n"
    return out + b"0\r\n" + trailer + b"\r\n"


MP = (b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n"
      b"hello\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
      b"filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline one\n"
      b"line two\r\n--XyZ--\r\n")
JSON = b'{"user":{"name":"ann","roles":["a","b"]},"n":12,"ok":true,"x":null}'
FORM = b"user=ann&pass=s%20cr3t&next=%2Fhome&empty=&flag"

# (name, stream): real-shaped requests first, then the smuggling cases
HTTP1 = [
    ("get_browser", b"GET /index.html?q=1&lang=en HTTP/1.1\r\n" +
     BROWSER + b"\r\n"),
    ("get_absolute", req(b"GET http://example.com:8080/a/b?x=%41 HTTP/1.1")),
    ("get_pipelined", req(b"GET /a HTTP/1.1") + req(b"GET /b?c=d HTTP/1.1") +
     req(b"HEAD /c HTTP/1.0", host=False)),
    ("post_form", req(b"POST /login HTTP/1.1",
                      cl(FORM, b"application/x-www-form-urlencoded"), FORM)),
    ("post_json", req(b"POST /api/v1/items HTTP/1.1",
                      cl(JSON, b"application/json"), JSON)),
    ("post_multipart", req(b"POST /upload HTTP/1.1",
                           cl(MP, b"multipart/form-data; boundary=XyZ"), MP)),
    ("post_chunked", req(b"POST /api HTTP/1.1",
                         b"Content-Type: application/json\r\n"
                         b"Transfer-Encoding: chunked\r\n",
                         chunked(JSON[:20], JSON[20:]))),
    ("chunked_ext_trailer", req(b"POST /t HTTP/1.1",
                                b"Transfer-Encoding: chunked\r\n",
                                chunked(b"abc", b"defgh", ext=b";name=val",
                                        trailer=b"X-Trailer: 1\r\n"))),
    ("options_star", req(b"OPTIONS * HTTP/1.1")),
    ("connect", req(b"CONNECT example.com:443 HTTP/1.1")),
    ("http09", b"GET /old\r\n"),
    ("bare_lf", b"GET /lf HTTP/1.1\nHost: a\nX: y\n\n"),
    ("resync_garbage", b"\x16\x03\x01\x02\x00garbage\r\nmore junk\r\n" +
     req(b"GET /after HTTP/1.1")),
    ("mid_body", b"ody=1&b=2\r\n" + req(b"GET /next HTTP/1.1")),
    # smuggling
    ("cl_te", req(b"POST / HTTP/1.1", b"Content-Length: 13\r\n"
                  b"Transfer-Encoding: chunked\r\n",
                  b"0\r\n\r\nSMUGGLED") + req(b"GET /x HTTP/1.1")),
    ("te_cl", req(b"POST / HTTP/1.1", b"Content-Length: 3\r\n"
                  b"Transfer-Encoding: chunked\r\n",
                  b"8\r\nSMUGGLED\r\n0\r\n\r\n")),
    ("te_te_obfuscated", req(b"POST / HTTP/1.1",
                             b"Transfer-Encoding: chunked\r\n"
                             b"Transfer-encoding: x\r\n"
                             b"Transfer-Encoding : chunked\r\n"
                             b"Transfer-Encoding: \"chunked\"\r\n"
                             b"Transfer-Encoding: chunked, identity\r\n",
                             chunked(b"hi"))),
    ("dup_cl", req(b"POST / HTTP/1.1", b"Content-Length: 5\r\n"
                   b"Content-Length: 6\r\n", b"hello!")),
    ("cl_list", req(b"POST / HTTP/1.1", b"Content-Length: 5, 5\r\n",
                    b"hello")),
    ("cl_bad", req(b"POST / HTTP/1.1", b"Content-Length: +5\r\n", b"hello")),
    ("cl_huge", req(b"POST / HTTP/1.1",
                    b"Content-Length: 99999999999999999999999\r\n", b"x")),
    ("chunk_size_tricks", req(b"POST / HTTP/1.1",
                              b"Transfer-Encoding: chunked\r\n",
                              b"0000000000000003\r\nabc\r\n"
                              b"fffffffffffffffff\r\nx\r\n0x2\r\nab\r\n"
                              b"0\r\n\r\n")),
    ("chunk_lf_only", req(b"POST / HTTP/1.1", b"Transfer-Encoding: chunked\r\n",
                          b"3\nabc\n0\n\n")),
    ("obs_fold", req(b"GET / HTTP/1.1", b"X-A: one\r\n two\r\n"
                     b"Content-Length:\r\n 4\r\n", b"abcd")),
    ("bare_cr_nul", b"GET /a\rb HTTP/1.1\r\nHost: x\x00y\r\nX: a\rb\r\n\r\n"),
    ("space_before_colon", req(b"GET / HTTP/1.1", b"Host : evil\r\n"
                               b"Bad Name: v\r\nno colon line\r\n")),
    ("dup_host", req(b"GET / HTTP/1.1", b"Host: other.example\r\n")),
    ("bad_request_line", b"GET  /two-spaces  HTTP/1.1\r\nHost: a\r\n\r\n"
     b"GET /x HTTP/2.0\r\n\r\nGET /y HTTP/1.1 trailing\r\n\r\n"),
    ("double_encoding", req(b"GET /%252e%252e/etc/passwd?a=%2527%20or%201=1"
                            b"&b=%zz HTTP/1.1")),
    ("long_line", req(b"GET /" + b"A" * 300 + b" HTTP/1.1",
                      b"X-Long: " + b"b" * 300 + b"\r\n")),
    ("many_headers", req(b"GET / HTTP/1.1",
                         b"".join(b"X-H%d: %d\r\n" % (i, i)
                                  for i in range(40)))),
]

# limits byte, chunk pattern: a few shapes so the seeds start varied
PATTERNS = [bytes([0, 1, 2, 3, 5, 8, 13, 21, 34]),
            bytes([1, 0x80, 7, 0, 3, 1, 1, 2, 9]),
            bytes([2, 3, 3, 3, 3, 3, 3, 3, 3])]


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def resp(status, headers=b"", body=b""):
    return b"HTTP/1.1 " + status + b"\r\nServer: nginx\r\n" + headers + \
        b"\r\n" + body


HTML = b"<!doctype html><html><body>hello</body></html>\n"
# (name, methods awaited (indexes of fuzz_http1_resp.c's methods[]),
#  end with finish, stream)
GET, HEAD, CONNECT, POST = 0, 1, 2, 3
HTTP1_RESP = [
    ("200_cl", [GET], False, resp(b"200 OK", b"Content-Type: text/html\r\n"
                                  b"Content-Length: %d\r\n" % len(HTML),
                                  HTML)),
    ("200_chunked", [GET], False, resp(b"200 OK",
                                       b"Transfer-Encoding: chunked\r\n",
                                       chunked(HTML[:20], HTML[20:]))),
    ("pipelined", [GET, HEAD, POST], False,
     resp(b"200 OK", b"Content-Length: 2\r\n", b"ok") +
     resp(b"200 OK", b"Content-Length: 1000\r\n") +
     resp(b"201 Created", b"Location: /x\r\nContent-Length: 0\r\n")),
    ("head_unknown", [], False, resp(b"200 OK", b"Content-Length: 30\r\n") +
     resp(b"404 Not Found", b"Content-Length: 3\r\n", b"no!")),
    ("continue_then_200", [POST], False, b"HTTP/1.1 100 Continue\r\n\r\n" +
     resp(b"200 OK", b"Content-Length: 0\r\n")),
    ("no_body_codes", [GET, GET, GET], False,
     resp(b"204 No Content") + resp(b"304 Not Modified",
                                    b"Content-Length: 99\r\n") +
     resp(b"200 OK", b"Content-Length: 0\r\n")),
    ("close_delimited", [GET], True, resp(b"200 OK", b"Connection: close\r\n",
                                          HTML)),
    ("cut_cl", [GET], True, resp(b"200 OK", b"Content-Length: 500\r\n", HTML)),
    ("switching", [GET], True, resp(b"101 Switching Protocols",
                                    b"Upgrade: websocket\r\n") +
     b"\x81\x05hello"),
    ("connect_200", [CONNECT], True, b"HTTP/1.1 200 Connection established"
     b"\r\n\r\n\x16\x03\x01\x00\x05hello"),
    ("bad_status", [GET, GET, GET], False, b"HTTP/1.1 200\r\n\r\n"
     b"HTTP/1.1 99 x\r\n\r\nHTTP/1.1 abc\r\n\r\n"
     b"HTTP/1.0 200 OK\x01\r\nContent-Length: 0\r\n\r\n"),
    ("resync", [GET], False, b"garbage\r\n" +
     resp(b"200 OK", b"Content-Length: 0\r\n")),
    ("smuggled_resp", [GET, GET], False,
     resp(b"200 OK", b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
          chunked(b"abc")) +
     resp(b"200 OK", b"Content-Length: 1\r\nContent-Length: 2\r\n", b"x")),
]

# fuzz_derive: a request written as HTTP/1 (fuzz_derive.c), the rest after
# the head is the body. (name, flags, request); the flags: 1 body cut,
# 2 host given, 4 anomalies set.
DEEP = b'{"a":' * 40 + b'1' + b'}' * 40
DERIVE = [
    ("json_nested", 0, req(b"POST /api HTTP/1.1", b"Content-Type: "
                           b"application/json; charset=utf-8\r\n", JSON)),
    ("json_escapes", 0, req(b"POST /api HTTP/1.1",
                            b"Content-Type: application/vnd.api+json\r\n",
                            b'{"k\\u00e9y":"\\ud83d\\ude00 \\ud800 \\u0000",'
                            b'"":[],"e":{},"n":-1.5e+3,"arr":[[1,2],[3]]}')),
    ("json_deep", 0, req(b"POST /api HTTP/1.1",
                         b"Content-Type: application/json\r\n", DEEP)),
    ("json_bad", 0, req(b"POST /api HTTP/1.1",
                        b"Content-Type: application/json\r\n",
                        b'{"a":[1,2,],"b":01,"c":"x\ty"}')),
    ("json_cut", 1, req(b"POST /api HTTP/1.1",
                        b"Content-Type: application/json\r\n", JSON[:30])),
    ("form", 0, req(b"POST /login HTTP/1.1", b"Content-Type: "
                    b"application/x-www-form-urlencoded\r\n", FORM +
                    b"&bad=%zz&cut=%4")),
    ("multipart", 0, req(b"POST /upload HTTP/1.1", b"Content-Type: "
                         b"multipart/form-data; boundary=XyZ\r\n", MP)),
    ("multipart_quoted", 0, req(b"POST /upload HTTP/1.1", b"Content-Type: "
                                b"Multipart/Form-Data; charset=utf-8; "
                                b"boundary=\"a b\\\"c\"\r\n",
                                b"preamble\r\n--a b\"c\r\n"
                                b"Content-Disposition: form-data; "
                                b"name=\"n\\\"q\"; filename*=UTF-8''x.txt\r\n"
                                b"\r\nv\r\n--a b\"c--\r\nepilogue")),
    ("multipart_bad", 0, req(b"POST /upload HTTP/1.1", b"Content-Type: "
                             b"multipart/form-data; boundary=B\r\n",
                             b"--B\nContent-Disposition: form-data\n\nx\n"
                             b"--Bnot\r\n--B  \r\nContent-Disposition: "
                             b"form-data; name=a; name=b\r\n folded\r\n"
                             b"\r\nval\r\n--B\r\n\r\nnohdr")),
    ("multipart_cut", 1, req(b"POST /upload HTTP/1.1", b"Content-Type: "
                             b"multipart/form-data; boundary=XyZ\r\n",
                             MP[:70])),
    ("cookies", 0, req(b"GET /?q=%2541+b HTTP/1.1",
                       b"Cookie: a=1; b=; c ; =d;;e=f=g\r\n"
                       b"Cookie: second=2\r\nHost: dup.example\r\n")),
    ("absolute_userinfo", 0, req(b"GET http://user:pw@auth.example:81/p%2Fq"
                                 b"?x=1 HTTP/1.1", host=False) ),
    ("absolute_empty", 4, req(b"GET http:// HTTP/1.1")),
    ("host_given", 2, req(b"GET /%zz%00/a?%%%% HTTP/2.0")),
    ("no_body_type", 0, req(b"PUT /f HTTP/1.1", b"", b"raw bytes\x00\xff")),
]

HPACK_CASES = os.path.join(HERE, "..", "..", "..", "shared", "testdata",
                           "hpack-test-case")
HPACK_STORIES = ("story_00.json", "story_07.json", "story_15.json",
                 "story_26.json")
HPACK_SEED_MAX = 4096


def hp_block(wire, final=True):
    return bytes([0 if final else 3]) + len(wire).to_bytes(2, "big") + wire


def hp_settings(size):
    return b"\x01" + size.to_bytes(4, "big")


def hp_literal(name, value):
    """A literal with incremental indexing, new name, no Huffman; a value
    of up to 16383 bytes (7-bit prefix integers, RFC 7541 5.1)."""
    def integer(v, bits):
        top = (1 << bits) - 1
        if v < top:
            return bytes([v])
        out, v = [top], v - top
        while v >= 128:
            out.append(v % 128 + 128)
            v //= 128
        return bytes(out + [v])
    return b"\x40" + integer(len(name), 7) + name + integer(len(value), 7) + value


def hpack_seeds():
    """The wires of hpack-test-case stories as operations of fuzz_hpack
    (fuzz_hpack.c): a table size setting where a case has one, then the
    block; cut at HPACK_SEED_MAX bytes."""
    here = os.path.normpath(HPACK_CASES)
    if not os.path.isdir(here):
        print(f"seeds.py: no {here}: hpack seeds left as they are",
              file=sys.stderr)
        return
    for i, impl in enumerate(sorted(os.listdir(here))):
        d = os.path.join(here, impl)
        if not os.path.isdir(d) or impl == "raw-data":
            continue
        for j, story in enumerate(HPACK_STORIES):
            path = os.path.join(d, story)
            if not os.path.exists(path):
                continue

            with open(path) as f:
                cases = json.load(f)["cases"]
            # caps: defaults, open table, a 64 KiB table limit
            out = bytes([(0x00, 0x10, 0x20, 0x30)[j % 4]]) + PATTERNS[i % 3][1:]
            for c in cases:
                op = b""
                if c.get("header_table_size") is not None:
                    op += hp_settings(c["header_table_size"])
                op += hp_block(bytes.fromhex(c["wire"]))
                if len(out) + len(op) > HPACK_SEED_MAX:
                    break
                out += op
            write("fuzz_hpack", f"{impl}_{story[:-5]}", out)
    hdr = b"\x00" + PATTERNS[0][1:]
    big = hp_literal(b"x-bomb", b"B" * 4000)
    # an HPACK bomb: one 4 KB entry, then 2000 one-byte references to it
    write("fuzz_hpack", "bomb", hdr + hp_block(big) +
          hp_block(b"\xbe" * 2000))
    # a field with an empty name and value (the first fuzz_hpack crash)
    write("fuzz_hpack", "empty_field", hdr + hp_block(b"\x00\x00\x00"))
    # table size update to 0 at a block's start flushes the table
    write("fuzz_hpack", "flush_table", hdr + hp_block(big) +
          hp_block(b"\x20\x82\x86\x84") + hp_block(b"\xbe"))
    # a settings change inside an unfinished block, then an index past the
    # table, then a reset and a clean block
    write("fuzz_hpack", "lost_and_reset", hdr + hp_block(big[:30], False) +
          hp_settings(100) + hp_block(b"\xff\x10") + b"\x02" +
          hp_block(b"\x82\x86\x84"))


def main():
    for i, (name, stream) in enumerate(HTTP1):
        write("fuzz_http1", name, PATTERNS[i % len(PATTERNS)] + stream)
    for i, (name, awaited, finish, stream) in enumerate(HTTP1_RESP):
        hdr = bytearray(PATTERNS[i % len(PATTERNS)])
        hdr[0] |= 0x80 if finish else 0
        write("fuzz_http1_resp", name, bytes(hdr) + bytes([len(awaited)]) +
              bytes(awaited) + stream)
    for i, (name, flags, request) in enumerate(DERIVE):
        write("fuzz_derive", name, bytes([i % 3, flags]) + bytes(7) + request)
    for i, (name, stream) in enumerate(HTTP1):
        write("fuzz_derive", "h1_" + name, bytes([i % 3, 0]) + bytes(7) +
              stream)
    hpack_seeds()
    return 0


if __name__ == "__main__":
    sys.exit(main())
