#!/usr/bin/env python3
"""A server that forks a child of its own and then never answers: it accepts connections and
holds them. The interrupt tests start it with a marker among its arguments, so that every
process it leaves behind can be found by its command line.

Usage: forking_server.py PORT [MARKER]
"""
import os
import socket
import sys
import time

port = int(sys.argv[1])
if os.fork() == 0:
    # The child: outlives the server unless its whole process group is stopped.
    time.sleep(600)
    os._exit(0)
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(64)
held = []
while True:
    conn, _ = listener.accept()
    held.append(conn)
