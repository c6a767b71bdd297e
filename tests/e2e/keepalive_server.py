#!/usr/bin/env python3
"""An HTTP/1.1 server that keeps connections open and closes them on purpose,
for testing a client's keep-alive and its retry on a kept connection.

usage: keepalive_server.py PORT LOG_FILE [CERT_CHAIN_PEM KEY_PEM]

Listens on 127.0.0.1:PORT (plain TCP, or TLS 1.2/1.3 with a certificate and
key), a thread per connection, each bounded by a 30 s socket timeout.
Connections are numbered from 1 in the order they are accepted, requests on
each connection from 1. For every request it reads the head and a
Content-Length body (chunked bodies are not supported: answered 411 and
closed) and appends one line to LOG_FILE:

  conn C req R METHOD TARGET body=N -> ACTION

ACTION is "200" (answered), "closed" (closed without a byte of answer), or
"200+closed" (answered, then closed while idle). The answer to a request is
200 with Content-Length and the body "conn C req R METHOD TARGET\\n"; it never
says Connection: close, so the client may keep the connection.

The first request's path on a connection chooses what happens next there:
  /once   answered; the next request on this connection is read and then the
          connection is closed without an answer (an idle time-out that hit
          just as the request came: the client should retry on a new
          connection if the rule allows it)
  /fin    answered, then the connection is closed at once (closed while idle:
          the client should see it before sending the next request)
  /te-cl  every answer carries both Content-Length and Transfer-Encoding:
          chunked (the body chunked; RFC 9112 6.3: the client must close the
          connection after it), the connection stays open
  other   every request is answered, the connection stays open (until the
          client closes it or 30 s pass without a request)
"""
import itertools
import socket
import ssl
import sys
import threading

lock = threading.Lock()
counter = itertools.count(1)


def log(path, line):
    with lock, open(path, "a") as f:
        f.write(line + "\n")


def read_request(conn, buf):
    """(method, target, headers, body, rest) or None at the end of the stream."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "transfer-encoding" in headers:
        return method, target, headers, None, rest
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None
        rest += data
    return method, target, headers, rest[:length], rest[length:]


def serve(conn, log_path):
    number = next(counter)
    first_path = None
    buf = b""
    try:
        for req in itertools.count(1):
            got = read_request(conn, buf)
            if got is None:
                return
            method, target, headers, body, buf = got
            what = "conn %d req %d %s %s" % (number, req, method, target)
            if body is None:
                conn.sendall(b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                log(log_path, what + " body=chunked -> 411")
                return
            if first_path is None:
                first_path = target
            elif first_path == "/once":
                log(log_path, "%s body=%d -> closed" % (what, len(body)))
                return
            answer = (what + "\n").encode()
            if first_path == "/te-cl":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                             b"Transfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
                             % (len(answer), len(answer), answer))
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(answer), answer))
            if first_path == "/fin":
                log(log_path, "%s body=%d -> 200+closed" % (what, len(body)))
                return
            log(log_path, "%s body=%d -> 200" % (what, len(body)))
    except (OSError, ValueError):
        return
    finally:
        try:
            if isinstance(conn, ssl.SSLSocket):
                conn = conn.unwrap()
        except (OSError, ValueError):
            pass
        conn.close()


def main():
    port, log_path = int(sys.argv[1]), sys.argv[2]
    context = None
    if len(sys.argv) == 5:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(sys.argv[3], sys.argv[4])
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    while True:
        conn, _ = listener.accept()
        conn.settimeout(30)
        if context is not None:
            try:
                conn = context.wrap_socket(conn, server_side=True)
            except (OSError, ssl.SSLError):
                conn.close()
                continue
        threading.Thread(target=serve, args=(conn, log_path), daemon=True).start()


if __name__ == "__main__":
    main()
