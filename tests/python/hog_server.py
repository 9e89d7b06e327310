#!/usr/bin/env python3
"""A server that misbehaves as soon as a client connects, one way per MODE, to show that the
harness contains it (resource limits) and names the limit it hit:

- `forks`: forks children (each sleeps), at most 400, until a fork is refused;
- `memory`: allocates 4 GiB at once;
- `spin`: `while True: pass`;
- `writes`: writes to a file in TMPDIR without end (at most 4 GiB).

Usage: hog_server.py PORT MODE
"""
import os
import socket
import sys
import tempfile
import time

port, mode = int(sys.argv[1]), sys.argv[2]
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(16)
conn, _ = listener.accept()
if mode == "forks":
    for _ in range(400):
        if os.fork() == 0:
            conn.close()
            listener.close()
            time.sleep(30)
            os._exit(0)
elif mode == "memory":
    hog = bytearray(4 << 30)
elif mode == "spin":
    while True:
        pass
elif mode == "writes":
    chunk = b"x" * (1 << 20)
    with open(os.path.join(tempfile.gettempdir(), "endless"), "wb") as out:
        for _ in range(4096):
            out.write(chunk)
time.sleep(30)
