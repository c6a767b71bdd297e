#!/usr/bin/env python3
"""A TCP relay that logs the TLS record sizes a server sends, for measuring
what input buffer (mbedTLS's MBEDTLS_SSL_IN_CONTENT_LEN) a client needs.

usage: tls-records.py LISTEN_PORT SERVER_PORT LOG_FILE

Listens on 127.0.0.1:LISTEN_PORT; each connection is relayed to
127.0.0.1:SERVER_PORT unchanged. The server's bytes are cut into TLS records
(5-byte header: content type, version, length) and one line per record is
appended to LOG_FILE:
  CONN TYPE LENGTH
CONN numbers the connections from 1; TYPE is handshake, ccs, alert or appdata
(in TLS 1.3 everything after the ServerHello is "appdata" on the wire);
LENGTH is the record's length field: the ciphertext, i.e. the plaintext plus
the cipher's overhead (AES-GCM: 8-byte explicit nonce + 16-byte tag in TLS
1.2; 16-byte tag + 1 content-type byte in TLS 1.3).
"""
import itertools
import socket
import sys
import threading

TYPES = {20: "ccs", 21: "alert", 22: "handshake", 23: "appdata"}
lock = threading.Lock()
numbers = itertools.count(1)


def pipe(src, dst, on_data=None):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if on_data:
                on_data(data)
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (dst, src):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def relay(client, server_port, log):
    n = next(numbers)
    try:
        server = socket.create_connection(("127.0.0.1", server_port))
    except OSError:
        client.close()
        return
    state = {"buf": b""}

    def records(data):
        buf = state["buf"] + data
        lines = []
        while len(buf) >= 5:
            length = int.from_bytes(buf[3:5], "big")
            if len(buf) < 5 + length:
                break
            lines.append("%d %s %d\n" % (n, TYPES.get(buf[0], str(buf[0])), length))
            buf = buf[5 + length:]
        state["buf"] = buf
        if lines:
            with lock, open(log, "a") as f:
                f.writelines(lines)

    up = threading.Thread(target=pipe, args=(client, server), daemon=True)
    up.start()
    pipe(server, client, records)
    up.join(5)
    client.close()
    server.close()


def main():
    listen_port, server_port, log = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", listen_port))
    srv.listen(16)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=relay, args=(conn, server_port, log), daemon=True).start()


if __name__ == "__main__":
    main()
