#!/usr/bin/env python3
"""A deliberately naive file store, to show the harness's files-directory check: it accepts
auth, answers each text with the reply `stored` (so a scenario knows every upload before it
is on disk), and writes every uploaded body to FILES_DIR joined with
the filename *as sent*, without sanitising it, so `../../x` lands outside the directory.
With `--mangle` it stores each body with its last byte dropped instead (a stored file that
matches nothing sent). It relays nothing: only the files on disk matter here.

    chat-harness run --spawn 'python3 tests/python/naive_files_server.py {port} {files}'

Usage: naive_files_server.py PORT FILES_DIR [--mangle]
"""
import os
import socket
import struct
import sys
import threading

import labwire
from labwire import frame

COMMANDS = b"Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'"
MANGLE = "--mangle" in sys.argv[3:]


def read_exact(conn, n):
    return labwire.read_exact(conn, n, strict=True)


def serve(conn, files):
    try:
        while True:
            (length,) = struct.unpack(">H", read_exact(conn, 2))
            if length == 0:
                continue
            body = read_exact(conn, length)
            kind, payload = body[0], body[1:]
            if kind == 0:
                conn.sendall(frame(0, COMMANDS))
            elif kind == 1:
                return
            elif kind == 3:
                conn.sendall(frame(3, b"stored"))
            elif kind == 2 and len(payload) >= 4:
                (size,) = struct.unpack(">I", payload[:4])
                name = payload[4:].decode("utf-8", "replace").split(" ", 1)[0]
                data = read_exact(conn, size)
                if MANGLE:
                    data = data[:-1]
                # The fault: the peer's name is trusted as a path.
                path = os.path.join(files, name)
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                with open(path, "wb") as f:
                    f.write(data)
    except (ConnectionError, OSError, struct.error):
        pass
    finally:
        conn.close()


def main():
    port, files = int(sys.argv[1]), sys.argv[2]
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen()
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, files), daemon=True).start()


if __name__ == "__main__":
    main()
