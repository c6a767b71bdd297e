#!/usr/bin/env python3
"""An HTTP/1.1 server that answers late, for testing transfers at once
(curl -Z): it logs when each connection opens and closes, so a test can see
whether connections overlapped in time.

usage: slow_server.py PORT LOG_FILE [CERT_CHAIN_PEM KEY_PEM]

Listens on 127.0.0.1:PORT (plain TCP, or TLS 1.2/1.3 with a certificate and
key), a thread per connection, each bounded by a 30 s socket timeout, one
request per connection (every answer says Connection: close). Connections
are numbered from 1 in the order they are accepted. LOG_FILE gets one line
per event, times in milliseconds since the Unix epoch:

  open C T          connection C accepted (after the TLS handshake)
  request C T PATH  its request head read
  answer C T        its answer about to be sent (T taken before the first byte
                    goes out, so a client's next request is never earlier)
  close C T         the connection closed

Paths:
  /slow/NAME    200 after 2 s, body "slow NAME\\n" (Content-Length)
  /fast/NAME    200 at once, body "fast NAME\\n"
  other         404 at once, body "missing\\n"
"""
import itertools
import socket
import ssl
import sys
import threading
import time

lock = threading.Lock()
counter = itertools.count(1)


def log(path, line):
    with lock, open(path, "a") as f:
        f.write(line + "\n")


def now_ms():
    return int(time.time() * 1000)


def serve(conn, number, log_path):
    try:
        conn.settimeout(30)
        log(log_path, f"open {number} {now_ms()}")
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
        line = buf.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split(" ")
        path = parts[1] if len(parts) > 1 else "/"
        log(log_path, f"request {number} {now_ms()} {path}")
        if path.startswith("/slow/"):
            time.sleep(2)
            status, body = "200 OK", f"slow {path[6:]}\n"
        elif path.startswith("/fast/"):
            status, body = "200 OK", f"fast {path[6:]}\n"
        else:
            status, body = "404 Not Found", "missing\n"
        head = (f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
        log(log_path, f"answer {number} {now_ms()}")
        conn.sendall(head.encode() + body.encode())
        if isinstance(conn, ssl.SSLSocket):
            try:
                conn = conn.unwrap()
            except (OSError, ssl.SSLError):
                pass
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass
        log(log_path, f"close {number} {now_ms()}")


def main():
    port, log_path = int(sys.argv[1]), sys.argv[2]
    ctx = None
    if len(sys.argv) > 4:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()

        def run(c=conn):
            if ctx is not None:
                try:
                    c.settimeout(30)
                    c = ctx.wrap_socket(c, server_side=True)
                except (OSError, ssl.SSLError):
                    c.close()
                    return
            serve(c, next(counter), log_path)

        threading.Thread(target=run, daemon=True).start()


if __name__ == "__main__":
    main()
