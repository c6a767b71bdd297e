#!/usr/bin/env python3
"""A TLS server whose responses end in the ways an HTTPS client must tell apart.

usage: tls_close_server.py PORT CERT_CHAIN_PEM KEY_PEM

Listens on 127.0.0.1:PORT (TLS 1.2 and 1.3, Python's ssl module, i.e. OpenSSL),
one connection at a time, each bounded by a 10 s socket timeout. The request
path chooses the ending:

  /close-notify  HTTP/1.0 200, a body delimited by the connection's end, then a
                 TLS close_notify alert, then the TCP FIN: a complete body
  /bare-fin      the same head and body, then a TCP FIN without close_notify:
                 the client cannot know whether it has the whole body
  /length-fin    HTTP/1.1 200 with Content-Length, the whole body, then a bare FIN:
                 complete (the length says so)
  /chunked-fin   HTTP/1.1 200, chunked, the last chunk, then a bare FIN: complete
  /long-reason   HTTP/1.1 200 with a 300-byte reason phrase and a Content-Length body
  /malformed     a status line that is not HTTP ("HTTP/1.1 abc"), then close_notify
  /lf-chunks     HTTP/1.1 200, chunked, with bare LF line ends in the chunk framing
                 (RFC 9112 7.1 requires CRLF), then close_notify
  /mixed-eol     a CRLF head with a bare LF before its Content-Length (a field a
                 CRLF-only reader would not see), then close_notify
  /blank-line    100 Continue, a stray CRLF, then HTTP/1.1 200 with Content-Length

The body is BODY below (a known text, so a test can compare it). Runs until killed.
"""
import socket
import ssl
import sys

BODY = b"".join(b"line %04d of a body whose end only the connection's end marks\n" % i for i in range(200))


def response(path):
    if path == "/length-fin":
        return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY) + BODY
    if path == "/chunked-fin":
        half = len(BODY) // 2
        return (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + b"%x\r\n" % half + BODY[:half] + b"\r\n"
                + b"%x\r\n" % (len(BODY) - half) + BODY[half:] + b"\r\n0\r\n\r\n")
    if path == "/long-reason":
        return b"HTTP/1.1 200 " + b"R" * 300 + b"\r\nContent-Length: %d\r\n\r\n" % len(BODY) + BODY
    if path == "/malformed":
        return b"HTTP/1.1 abc\r\n\r\n"
    if path == "/lf-chunks":
        return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n"
    if path == "/mixed-eol":
        return b"HTTP/1.1 200 OK\r\nDummy: x\nContent-Length: 5\r\n\r\nhello"
    if path == "/blank-line":
        return (b"HTTP/1.1 100 Continue\r\n\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(BODY)
                + BODY)
    if path in ("/close-notify", "/bare-fin"):
        return b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY
    return b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def read_head(tls):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 16384:
        chunk = tls.recv(4096)
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].split()
    return line[1].decode("ascii", "replace") if len(line) >= 2 else "/"


def serve(conn, context):
    conn.settimeout(10)
    tls = context.wrap_socket(conn, server_side=True)
    path = read_head(tls)
    tls.sendall(response(path))
    if path in ("/close-notify", "/malformed", "/long-reason", "/lf-chunks", "/mixed-eol", "/blank-line"):
        tls.unwrap().close()  # close_notify, then the TCP FIN
    else:
        # Drop TLS without an alert: shutting the TCP socket down and closing it
        # sends a bare FIN.
        raw = socket.socket(fileno=tls.detach())
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()


def main():
    port, chain, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(chain, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(8)
    while True:
        conn, _ = listener.accept()
        try:
            serve(conn, context)
        except (OSError, ssl.SSLError) as e:
            print("tls_close_server: %s" % e, file=sys.stderr, flush=True)
        finally:
            conn.close()


if __name__ == "__main__":
    main()
