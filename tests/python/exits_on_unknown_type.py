#!/usr/bin/env python3
"""A server process that dies on a frame of unknown type, for the network fuzzer's tests.

It starts the reference server (`chat-harness serve`) on a free port and relays every
connection to it, watching the client-to-server stream frame by frame (a 16-bit big-endian
length, a type byte, the payload, and after a file frame its announced body). When a frame's
type is not one a client may send (0x00-0x04), the whole process exits with status 3 -- the
crash the fuzzer's `alive` oracle must notice:

    chat-harness fuzz --spawn 'python3 tests/python/exits_on_unknown_type.py {port} BIN'

Usage: exits_on_unknown_type.py PORT CHAT_HARNESS_BINARY
"""
import os
import socket
import subprocess
import sys
import tempfile
import threading


def pump_to_server(client, server):
    buf = b""
    body = 0  # file body bytes still to pass through unframed
    while True:
        try:
            data = client.recv(65536)
        except OSError:
            data = b""
        if not data:
            break
        buf += data
        while True:
            if body:
                take = min(body, len(buf))
                body -= take
                buf = buf[take:]
                if body:
                    break
            if len(buf) < 2:
                break
            length = int.from_bytes(buf[:2], "big")
            if len(buf) < 2 + length:
                break
            if length and buf[2] > 4:
                sys.stderr.write("unknown frame type 0x%02x: exiting\n" % buf[2])
                sys.stderr.flush()
                os._exit(3)
            if length >= 5 and buf[2] == 2:
                body = int.from_bytes(buf[3:7], "big")
            buf = buf[2 + length:]
        try:
            server.sendall(data)
        except OSError:
            break
    for s in (server, client):
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def pump_to_client(server, client):
    while True:
        try:
            data = server.recv(65536)
            if not data:
                break
            client.sendall(data)
        except OSError:
            break
    try:
        client.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def main():
    port, binary = int(sys.argv[1]), sys.argv[2]
    # One shared files directory: the process is killed, not stopped, so it cannot clean up.
    files = os.path.join(tempfile.gettempdir(), "chat-harness-exits-on-unknown-type")
    backend = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--files-dir", files],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = backend.stdout.readline()
    host, _, backend_port = line.strip().rpartition(" ")[2].rpartition(":")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)
    while True:
        client, _ = listener.accept()
        server = socket.create_connection((host, int(backend_port)))
        for s in (client, server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=pump_to_server, args=(client, server), daemon=True).start()
        threading.Thread(target=pump_to_client, args=(server, client), daemon=True).start()


if __name__ == "__main__":
    main()
