#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python TLS test peer: the same HTTP/1.1 server and client as peer.c,
over the ssl module (CPython's _ssl calls OpenSSL's SSL_read_ex and
SSL_write_ex). One process, one connection at a time.

  peer.py server ADDR PORT CERT KEY
  peer.py client [--ca CA] [--name NAME] [--repeat N] [--chunk N] ADDR PORT FILE
"""
import argparse
import os
import signal
import socket
import ssl
import sys
import zlib

IO_TIMEOUT = 30
MAX_HEAD = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
READ_CALL = 64 * 1024


# POSIX cksum is CRC-32 with the polynomial 0x04C11DB7 taken MSB first, from
# 0, over the data and then the length (LSB first), inverted. zlib's crc32 is
# the same polynomial bit-reflected: fed bit-reversed bytes and started from
# 0 (its pre-inversion undone), its register is the bit-reversed register of
# cksum's, which makes it run at C speed.
BITREV8 = bytes(int("{:08b}".format(i)[::-1], 2) for i in range(256))


def cksum(data):
    """POSIX cksum: CRC-32 (0x04C11DB7, MSB first) over data, then length."""
    n = len(data)
    tail = bytearray()
    while n:
        tail.append(n & 0xFF)
        n >>= 8
    reg = zlib.crc32(bytes(data).translate(BITREV8), 0xFFFFFFFF)
    reg = ~zlib.crc32(bytes(tail).translate(BITREV8), reg) & 0xFFFFFFFF
    return ~int("{:032b}".format(reg)[::-1], 2) & 0xFFFFFFFF


class Conn:
    """Buffered reads over an SSL socket: one recv() is one SSL_read_ex."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = bytearray()

    def fill(self):
        data = self.sock.recv(READ_CALL)
        self.buf += data
        return len(data)

    def head(self):
        """The head's length (through the empty line), 0 at a clean close."""
        while True:
            i = self.buf.find(b"\r\n\r\n")
            if i >= 0:
                return i + 4
            if len(self.buf) >= MAX_HEAD:
                raise ValueError("head too large")
            if not self.fill():
                if self.buf:
                    raise ConnectionError("closed inside a head")
                return 0

    def need(self, n):
        while len(self.buf) < n:
            if not self.fill():
                raise ConnectionError("closed inside a message")


def header(head, name):
    for line in head.split(b"\r\n")[1:]:
        k, sep, v = line.partition(b":")
        if sep and k.strip().lower() == name.lower():
            return v.strip().decode("latin-1")
    return None


def serve(conn, seq):
    """One request. Returns True to go on with the connection."""
    hl = conn.head()
    if not hl:
        return False
    head = bytes(conn.buf[:hl])
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) != 3 or not parts[2].startswith(b"HTTP/1."):
        raise ValueError("bad request line")
    method, target, version = (p.decode("latin-1") for p in parts)
    if header(head, b"transfer-encoding") is not None:
        raise ValueError("only Content-Length bodies")
    cl = header(head, b"content-length")
    body_len = int(cl) if cl is not None and cl.isdigit() else 0
    if body_len > MAX_BODY:
        raise ValueError("body too large")
    conn.need(hl + body_len)
    request = bytes(conn.buf[: hl + body_len])
    del conn.buf[: hl + body_len]
    body = request[hl:]
    keep = version == "HTTP/1.1"
    c = header(head, b"connection")
    if c is not None:
        keep = c.lower() == "keep-alive" or (keep and c.lower() != "close")
    summary = ("peer=python method=%s target=%s request_bytes=%d "
               "request_cksum=%d body_bytes=%d body_cksum=%d" %
               (method, target, len(request), cksum(request), body_len,
                cksum(body)))
    seq[0] += 1
    print("request %d %s" % (seq[0], summary), flush=True)
    echo = target.startswith("/echo")
    payload = body if echo else (summary + "\n").encode()
    resp = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "X-Peer: python\r\nX-Peer-Summary: %s\r\n%s\r\n" %
            ("application/octet-stream" if echo else "text/plain",
             len(payload), summary, "" if keep else "Connection: close\r\n"))
    conn.sock.sendall(resp.encode())
    if payload:
        conn.sock.sendall(payload)
    return keep


def run_server(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    family = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    lsock = socket.socket(family, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        lsock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lsock.bind((a.addr, int(a.port)))
    lsock.listen(16)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening %s %s pid %d lib python" % (a.addr, a.port, os.getpid()),
          flush=True)
    seq = [0]
    while True:
        raw, _ = lsock.accept()
        raw.settimeout(IO_TIMEOUT)
        try:
            with ctx.wrap_socket(raw, server_side=True) as s:
                conn = Conn(s)
                while serve(conn, seq):
                    pass
        except (OSError, ValueError) as e:
            print("python_peer: connection: %s" % e, file=sys.stderr)
        finally:
            raw.close()


def read_response(conn, head_only):
    """Prints one raw response. Returns True when the server closes after."""
    while True:
        hl = conn.head()
        if not hl:
            raise ConnectionError("closed before a response")
        head = bytes(conn.buf[:hl])
        status = int(head.split(b" ", 2)[1])
        if 100 <= status < 200:
            sys.stdout.buffer.write(head)
            del conn.buf[:hl]
            continue
        break
    closes = head.startswith(b"HTTP/1.0")
    c = header(head, b"connection")
    if c is not None:
        closes = c.lower() == "close" or (closes and c.lower() != "keep-alive")
    te = header(head, b"transfer-encoding")
    cl = header(head, b"content-length")
    if head_only or status in (204, 304):
        used = hl
    elif te is not None:
        used = hl
        while True:
            while b"\n" not in conn.buf[used:]:
                if not conn.fill():
                    raise ConnectionError("closed inside a chunk size")
            eol = conn.buf.index(b"\n", used) + 1
            size = int(bytes(conn.buf[used:eol]).split(b";")[0], 16)
            used = eol
            if size == 0:
                break
            conn.need(used + size + 2)
            used += size + 2
        while True:  # trailers, to the empty line
            conn.need(used + 2)
            if conn.buf[used:used + 2] == b"\r\n":
                used += 2
                break
            while b"\n" not in conn.buf[used:]:
                if not conn.fill():
                    raise ConnectionError("closed inside trailers")
            used = conn.buf.index(b"\n", used) + 1
    elif cl is not None:
        used = hl + int(cl)
        conn.need(used)
    else:
        while conn.fill():
            pass
        used = len(conn.buf)
        closes = True
    sys.stdout.buffer.write(conn.buf[:used])
    del conn.buf[:used]
    return closes


def run_client(a):
    with open(a.file, "rb") as f:
        req = f.read()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if a.ca:
        ctx.load_verify_locations(a.ca)
        ctx.check_hostname = a.name is not None
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection((a.addr, int(a.port)), timeout=IO_TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname=a.name) as s:
        conn = Conn(s)
        for i in range(a.repeat):
            if a.chunk:
                for off in range(0, len(req), a.chunk):
                    s.sendall(req[off:off + a.chunk])
            else:
                s.sendall(req)
            closes = read_response(conn, req.startswith(b"HEAD "))
            if closes and i + 1 < a.repeat:
                raise ConnectionError("server closed after request %d" %
                                      (i + 1))
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(prog="peer.py")
    p.add_argument("mode", choices=("server", "client"))
    p.add_argument("--ca")
    p.add_argument("--name")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--chunk", type=int, default=0)
    p.add_argument("args", nargs="+")
    a = p.parse_args()
    want = 4 if a.mode == "server" else 3
    if len(a.args) != want or a.repeat < 1 or a.chunk < 0:
        p.print_usage(sys.stderr)
        return 2
    a.addr, a.port = a.args[0], a.args[1]
    try:
        if a.mode == "server":
            a.cert, a.key = a.args[2], a.args[3]
            run_server(a)
        else:
            a.file = a.args[2]
            run_client(a)
    except (OSError, ValueError) as e:
        print("python_peer: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
