#!/usr/bin/env python3
"""An HTTP/1.1 file server with byte ranges that misbehaves on request, for
testing the firmware image download (tests/e2e/ota.sh).

usage: ota_server.py PORT DOCROOT LOG_FILE

Listens on 127.0.0.1:PORT, a thread per connection (kept alive: HTTP/1.1,
each bounded by a 30 s socket timeout). GET /NAME?OPTIONS serves the file
DOCROOT/NAME with Content-Length, an ETag (a hash of the bytes served) and a
Last-Modified date, and honours `Range: bytes=A-B` / `bytes=A-` (one range: a
206 with Content-Range) and `If-Range` (an ETag or a date: a range is served
only when it names the bytes served now, else the whole file, 200). The
options (a query string) change that; every target (path and query) counts
its requests from 1:
  drop=N     the first response to this target is cut after N body bytes
             (the connection closed: FIN)
  reset=N    the same, the connection reset (RST)
  stall=N    the same, the connection then held open without a byte until the
             client closes it (or 30 s pass)
  change=1   from the second request on, the file served is DOCROOT/NAME.v2,
             with another ETag and Last-Modified
  norange=1  Range is ignored: always the whole file, 200
  noifrange=1  If-Range is ignored (a range is served even for another version)
  weak=1     the ETag is weak (W/"...")
  noetag=1   no ETag (Last-Modified only)
  nolm=1     no Last-Modified
  extra=N    a 200 sends N bytes more than its Content-Length, then closes
Appends one line per request to LOG_FILE:
  TARGET range=R if-range=I -> STATUS bytes=N[ cut]
(R and I "-" when absent; N the body bytes sent).
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import urllib.parse

lock = threading.Lock()
counts = {}
DATE_V1 = "Sun, 06 Dec 2026 10:00:00 GMT"
DATE_V2 = "Sun, 06 Dec 2026 11:00:00 GMT"


def log(path, line):
    with lock, open(path, "a") as f:
        f.write(line + "\n")


def read_head(conn, buf):
    """(request line, headers dict (lower-case names), rest) or None at the end."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return lines[0], headers, rest


def parse_range(value, size):
    """(first, last) of a single satisfiable range, or None."""
    if not value.startswith("bytes=") or "," in value:
        return None
    a, _, b = value[6:].partition("-")
    if not a.isdigit() or (b and not b.isdigit()):
        return None
    first = int(a)
    last = int(b) if b else size - 1
    if first >= size or last < first:
        return None
    return first, min(last, size - 1)


def answer(conn, docroot, logfile, target, headers):
    """Serve one request; False when the connection is to be closed."""
    url = urllib.parse.urlsplit(target)
    opts = dict(urllib.parse.parse_qsl(url.query))
    with lock:
        n = counts[target] = counts.get(target, 0) + 1
    name = os.path.basename(url.path)
    version2 = opts.get("change") == "1" and n > 1
    path = os.path.join(docroot, name + (".v2" if version2 else ""))
    rng = headers.get("range")
    if_range = headers.get("if-range")
    note = "%s range=%s if-range=%s ->" % (target, rng or "-", if_range or "-")
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        log(logfile, note + " 404 bytes=0")
        return True
    etag = '"%s"' % hashlib.sha256(data).hexdigest()[:16]
    if opts.get("weak") == "1":
        etag = "W/" + etag
    date = DATE_V2 if version2 else DATE_V1
    fields = ""
    if opts.get("noetag") != "1":
        fields += "ETag: %s\r\n" % etag
    if opts.get("nolm") != "1":
        fields += "Last-Modified: %s\r\n" % date
    part = None
    if rng is not None and opts.get("norange") != "1":
        fresh = (if_range is None or opts.get("noifrange") == "1" or
                 (if_range == etag and not etag.startswith("W/")) or
                 (if_range == date and opts.get("nolm") != "1"))
        if fresh:
            part = parse_range(rng, len(data))
    if part is not None:
        first, last = part
        body = data[first:last + 1]
        head = ("HTTP/1.1 206 Partial Content\r\n%sContent-Range: bytes %d-%d/%d\r\n"
                "Content-Length: %d\r\n\r\n" % (fields, first, last, len(data), len(body)))
        status = 206
    else:
        body = data
        head = "HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n" % (fields, len(body))
        status = 200
    how = next((k for k in ("drop", "reset", "stall") if k in opts), None)
    cut = n == 1 and how is not None
    if cut:
        body = body[:int(opts[how])]
    extra = int(opts.get("extra", "0")) if status == 200 else 0
    conn.sendall(head.encode("latin-1") + body + b"\xee" * extra)
    log(logfile, "%s %d bytes=%d%s" % (note, status, len(body) + extra, " cut" if cut else ""))
    if cut and how == "reset":
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    elif cut and how == "stall":
        while conn.recv(4096):
            pass
    return not cut and extra == 0


def serve(conn, docroot, logfile):
    conn.settimeout(30)
    buf = b""
    try:
        while True:
            req = read_head(conn, buf)
            if req is None:
                return
            line, headers, buf = req
            method, target, _ = line.split(" ", 2)
            if method != "GET":
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            if not answer(conn, docroot, logfile, target, headers):
                return
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def main():
    port, docroot, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, docroot, logfile), daemon=True).start()


if __name__ == "__main__":
    main()
