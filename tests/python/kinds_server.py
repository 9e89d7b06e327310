#!/usr/bin/env python3
"""A test server that produces each outcome kind of `chat-harness run` on demand: it accepts
any auth, then answers a text according to what it says.

    echo     -> the untimed reply "echo"                   (a scenario expecting it: pass)
    wrong    -> a 0x04 frame                               (fail)
    wording  -> the untimed reply "Wrong words"            (wording, under --strict)
    silent   -> nothing                                    (timeout)
    close    -> closes the connection                      (closed)
    crash    -> prints a traceback-like line, exits 3      (crash)
    flaky    -> nothing the first time any start of the server is asked, "echo" on later
                starts (flaky, with --retries)

Usage: kinds_server.py PORT STATE_DIR   (STATE_DIR remembers whether "flaky" was asked before)
"""
import os
import socket
import struct
import sys
import threading

from labwire import frame, read_exact


def handle(conn, marker):
    while True:
        head = read_exact(conn, 2)
        if head is None:
            return
        body = read_exact(conn, struct.unpack(">H", head)[0])
        if body is None:
            return
        kind, payload = body[0], body[1:]
        if kind == 0:
            conn.sendall(frame(0, b"welcome"))
        elif kind == 3:
            text = payload.decode()
            if text == "flaky" and not os.path.exists(marker):
                open(marker, "w").close()  # the first start to be asked stays silent
            elif text in ("echo", "flaky"):
                conn.sendall(frame(3, b"echo"))
            elif text == "wrong":
                conn.sendall(frame(4, b"renamed for no reason"))
            elif text == "wording":
                conn.sendall(frame(3, b"Wrong words"))
            elif text == "close":
                conn.close()
                return
            elif text == "crash":
                sys.stderr.write("Traceback (most recent call last):\nRuntimeError: asked to crash\n")
                sys.stderr.flush()
                os._exit(3)


def main():
    port, state = int(sys.argv[1]), sys.argv[2]
    marker = os.path.join(state, "flaky-asked-before")
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(16)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, marker), daemon=True).start()


if __name__ == "__main__":
    main()
