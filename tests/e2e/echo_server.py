#!/usr/bin/env python3
"""An HTTPS (and HTTP) server that tells what it received, for comparing clients.

usage: echo_server.py PORT CERT_CHAIN_PEM KEY_PEM LOG_FILE

Listens on 127.0.0.1:PORT (TLS 1.2 and 1.3, Python's ssl module), and serves
the same over plain http on a third port (any free one; written to
LOG_FILE.port-http) whose connections have a small receive buffer (8 KiB, so a
client's send blocks as soon as the server pauses), a thread per
connection, each bounded by a 60 s socket timeout (the firmware in the emulator on a loaded machine can take
over 20 s for its side of a handshake). For every request it reads
the head and the whole body (Content-Length or chunked; it answers
"Expect: 100-continue" with 100 Continue first) and appends one line to
LOG_FILE, the server-side view of the request:

  METHOD TARGET | host=... | user-agent=... | ... | body=LENGTH sha256=HEX

with the fields that matter for comparing clients: host (":PORT" of this
server removed, and of PORT2, so a client that sent the default port and one that
sent the real port look alike), user-agent, accept, content-type, content-length,
transfer-encoding, authorization, referer, range, and every x-* field, in that
order, names lowercased, repeats joined with ", ", then cookie and
proxy-authorization. Left out on purpose:
Connection and Expect (clients differ there, legitimately).

The path chooses the answer:
  /see-other/...  303 to /echo/after-303     /found/...  302 to /echo/after-302
  /moved/...      301 to /echo/after-301     /temp/...   307 to /echo/after-307
  /perm/...       308 to /echo/after-308
  /other-port/... 307 to https://www.example.test:PORT2/echo/after-other-port,
                  PORT2 being a second listening port of this server (any free
                  one; written to LOG_FILE.port2): another origin, so clients
                  must not send Authorization there
  /too-large      413 right after the head, without reading the body (logged
                  as "body=unread"); the connection stays open for 3 s, the
                  body never read, then closes
  /late-413       reads 64 KiB of the body, stops reading (its receive buffer
                  shrunk to 16 KiB) for 2.5 s, answers 413 and still does not
                  read for 10 s, then closes: a client whose send is blocked
                  must notice the answer
  /continue       an interim "100 Continue" right after the head, whatever the
                  client asked, then reads the body and answers 200
  /close-mid-body reads the head and 1000 body bytes, then closes (no answer)
  /fixed-100      200 with a 100-byte body (the letter x), whatever the request
                  asked (a Range is ignored)
  /slow           200 with a 30000-byte body sent in three parts, one a second
                  (for progress meters)
  /flaky/K/CODE[/SECONDS]  for retries: of the requests to this path, counted
                  from 1 in cycles of K+1, the first K are answered CODE (with
                  "Retry-After: SECONDS" if given; the body says "failure"),
                  the last 200 (the view line): so two clients in turn, each
                  retrying until it succeeds, see the same answers. The log
                  line gets " -> CODE" (what was answered).
  /slow-interim/... a Content-Length body read in steps: 512 KiB, a pause in
                  which it sends "100 Continue", then twice 512 KiB and a pause
                  in which it sends a "103 Early Hints" of about 1.2 KB, then
                  the rest; each pause is 0.5 s before and after the interim
                  response, so a client whose send is blocked sees it mid-body.
                  Answers 200 with the view line.
  anything else   200, the view line as the body (text/plain)
"""
import hashlib
import socket
import ssl
import sys
import threading
import time

FIELDS = ("host", "user-agent", "accept", "content-type", "content-length", "transfer-encoding",
          "authorization", "referer", "range")
CREDENTIALS = ("cookie", "proxy-authorization")  # after the x-* fields
# /slow-interim's interim responses: 100, then 103s with a long head (24 Link fields,
# about 1.2 KB: a client that reads it over its unsent body bytes loses most of them).
EARLY_HINTS = (b"HTTP/1.1 103 Early Hints\r\n" +
               b"".join(b"Link: </assets/style-%02d.css>; rel=preload; as=style\r\n" % i for i in range(24)) +
               b"\r\n")
INTERIM = (b"HTTP/1.1 100 Continue\r\n\r\n", EARLY_HINTS, EARLY_HINTS)
LOCK = threading.Lock()
FLAKY = {}  # path -> requests seen


class Conn:
    def __init__(self, tls):
        self.tls = tls
        self.buf = b""

    def fill(self):
        chunk = self.tls.recv(65536)
        if not chunk:
            raise EOFError("connection closed")
        self.buf += chunk

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > 65536:
                raise ValueError("line too long")
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def read(self, n, sink):
        while n > 0:
            if not self.buf:
                self.fill()
            take = self.buf[:n]
            self.buf = self.buf[len(take):]
            sink(take)
            n -= len(take)


def read_head(c):
    request_line = c.line().decode("latin-1")
    fields = []
    while True:
        line = c.line().decode("latin-1")
        if line == "":
            break
        name, _, value = line.partition(":")
        fields.append((name.strip().lower(), value.strip()))
    return request_line, fields


def read_body(c, fields, limit=None):
    """Returns (length, sha256 hex) of the body after the head."""
    h = hashlib.sha256()
    count = [0]

    def sink(data):
        h.update(data)
        count[0] += len(data)

    te = [v for n, v in fields if n == "transfer-encoding"]
    cl = [v for n, v in fields if n == "content-length"]
    if te and te[-1].lower() == "chunked":
        while True:
            size = int(c.line().split(b";")[0].strip(), 16)
            if size == 0:
                while c.line() != b"":  # trailer section
                    pass
                break
            c.read(size, sink)
            if c.line() != b"":
                raise ValueError("no CRLF after chunk data")
    elif cl:
        n = int(cl[-1])
        c.read(n if limit is None else min(n, limit), sink)
    return count[0], h.hexdigest()


def view(method, target, fields, ports, body):
    parts = ["%s %s" % (method, target)]
    for name in FIELDS + tuple(sorted({n for n, _ in fields if n.startswith("x-")})) + CREDENTIALS:
        values = [v for n, v in fields if n == name]
        if name == "host":
            for port in ports:
                values = [v[: -len(":%d" % port)] if v.endswith(":%d" % port) else v for v in values]
        if values:
            parts.append("%s=%s" % (name, ", ".join(values)))
    parts.append(body)
    return " | ".join(parts)


def log(path, line):
    with LOCK, open(path, "a") as f:
        f.write(line + "\n")


def respond(tls, status, reason, body=b"", extra=""):
    tls.sendall(b"HTTP/1.1 %d %s\r\nContent-Length: %d\r\nContent-Type: text/plain\r\n%sConnection: close\r\n\r\n"
                % (status, reason.encode(), len(body), extra.encode()) + body)


def slow_interim(tls, c, fields):
    """The /slow-interim body: (length, sha256 hex), interim responses sent in pauses."""
    h = hashlib.sha256()
    left = int(([v for n, v in fields if n == "content-length"] or ["0"])[-1])
    total = left
    for interim in INTERIM:
        step = min(left, 512 * 1024)
        c.read(step, h.update)
        left -= step
        time.sleep(0.5)
        tls.sendall(interim)
        time.sleep(0.5)
    c.read(left, h.update)
    return total, h.hexdigest()


def serve(conn, context, port, logfile):
    """port: (PORT, PORT2, HTTP_PORT); context None: plain http"""
    conn.settimeout(60)
    tls = context.wrap_socket(conn, server_side=True) if context is not None else conn
    c = Conn(tls)
    request_line, fields = read_head(c)
    method, target = (request_line.split(" ") + ["", ""])[:2]
    path = target.split("?")[0]
    if path == "/too-large":
        log(logfile, view(method, target, fields, port, "body=unread"))
        respond(tls, 413, "Payload Too Large", b"too large\n")
        time.sleep(3)
        return
    if path == "/late-413":
        c.read(65536 - min(len(c.buf), 65536), lambda data: None)
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        log(logfile, view(method, target, fields, port, "body=late"))
        time.sleep(2.5)
        respond(tls, 413, "Payload Too Large", b"too large\n")
        time.sleep(10)
        return
    if path == "/close-mid-body":
        read_body(c, fields, limit=1000)
        log(logfile, view(method, target, fields, port, "body=cut"))
        raw = socket.socket(fileno=tls.detach())
        raw.close()
        return
    if path == "/continue" or any(n == "expect" and v.lower() == "100-continue" for n, v in fields):
        tls.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    if path.startswith("/slow-interim/"):
        length, digest = slow_interim(tls, c, fields)
    else:
        length, digest = read_body(c, fields)
    line = view(method, target, fields, port, "body=%d sha256=%s" % (length, digest))
    if path == "/slow":
        log(logfile, line)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 30000\r\nContent-Type: text/plain\r\n"
                    b"Connection: close\r\n\r\n")
        for part in range(3):
            if part:
                time.sleep(1)
            tls.sendall(b"s" * 10000)
        tls.unwrap()
        return
    if path.startswith("/flaky/"):
        parts = path.split("/")[2:]
        k, code = int(parts[0]), int(parts[1])
        with LOCK:
            FLAKY[path] = FLAKY.get(path, 0) + 1
            n = FLAKY[path]
        if (n - 1) % (k + 1) < k:
            log(logfile, line + " -> %d" % code)
            extra = "Retry-After: %s\r\n" % parts[2] if len(parts) > 2 else ""
            respond(tls, code, "Flaky", b"failure\n", extra)
            return
        log(logfile, line + " -> 200")
        respond(tls, 200, "OK", (line + "\n").encode())
        tls.unwrap()
        return
    log(logfile, line)
    redirects = {"/see-other": 303, "/found": 302, "/moved": 301, "/temp": 307, "/perm": 308}
    top = "/" + path.split("/")[1] if path.count("/") >= 1 else path
    if top in redirects:
        code = redirects[top]
        respond(tls, code, "Redirect", b"", "Location: /echo/after-%d\r\n" % code)
    elif top == "/other-port":
        respond(tls, 307, "Redirect", b"",
                "Location: https://www.example.test:%d/echo/after-other-port\r\n" % port[1])
    elif path == "/fixed-100":
        respond(tls, 200, "OK", b"x" * 100)
    else:
        respond(tls, 200, "OK", (line + "\n").encode())
    if context is not None:
        tls.unwrap()


def handle(conn, context, port, logfile):
    try:
        serve(conn, context, port, logfile)
    except (OSError, ssl.SSLError, EOFError, ValueError) as e:
        print("echo_server: %s" % e, file=sys.stderr, flush=True)
    finally:
        conn.close()


def listen(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvbuf is not None:  # before listen(): the connections inherit it from the start
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    return s


def accept_loop(listener, context, ports, logfile):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn, context, ports, logfile), daemon=True).start()


def main():
    port, chain, key, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(chain, key)
    second = listen(0)
    plain = listen(0, rcvbuf=8192)
    ports = (port, second.getsockname()[1], plain.getsockname()[1])
    with open(logfile + ".port-http", "w") as f:  # first: run.sh waits for .port2
        f.write("%d\n" % ports[2])
    with open(logfile + ".port2", "w") as f:
        f.write("%d\n" % ports[1])
    threading.Thread(target=accept_loop, args=(second, context, ports, logfile), daemon=True).start()
    threading.Thread(target=accept_loop, args=(plain, None, ports, logfile), daemon=True).start()
    accept_loop(listen(port), context, ports, logfile)


if __name__ == "__main__":
    main()
