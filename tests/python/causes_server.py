#!/usr/bin/env python3
"""A test server with the faults a student's first server has, one per mode, each showing a
different part of the human report's explanation of a failure:

    merge   -> each recv(1024) is one message: the frames of one write are relayed as one
               text (the bytes after the first header included)
    block   -> frames are read whole, but each relay is a blocking sendall in the sender's
               thread: a client that stops reading stalls whoever talks to it
    crash   -> a text "boom" raises in its handler (a traceback), then the server tells the
               other clients it is going down; a client that vanished earlier makes that write fail
               (a connection-error traceback, teardown noise) and the process exits 3

Otherwise it answers auth with 0x00 "welcome" and relays texts to the other authenticated
clients as "<HH:MM> [name] text", like a server that passes the simple scenarios.

Usage: causes_server.py PORT MODE
"""
import os
import socket
import struct
import sys
import threading
import time
import traceback

from labwire import read_exact, wrapping_frame

clients = {}  # socket -> name
lock = threading.Lock()


frame = wrapping_frame


def prefix():
    t = time.gmtime()
    return "<%02d:%02d> " % (t.tm_hour, t.tm_min)


def broadcast(sender, payload):
    for conn, name in list(clients.items()):
        if conn is not sender:
            conn.sendall(frame(3, prefix().encode() + payload))


def going_down(crashed):
    """Tells the other clients the server stops; a vanished one raises (noise); exits 3."""
    for conn in [c for c in clients if c is not crashed]:
        try:
            conn.sendall(frame(3, b"server going down"))
            time.sleep(0.05)
            conn.sendall(frame(3, b"bye"))
        except OSError:
            traceback.print_exc()
    sys.stderr.flush()
    os._exit(3)


def read_frame(conn):
    head = read_exact(conn, 2)
    if head is None:
        return None
    rest = read_exact(conn, struct.unpack(">H", head)[0])
    return None if rest is None else head + rest


def handle(conn, mode):
    while True:
        data = read_frame(conn) if mode == "block" else conn.recv(1024)
        if not data:
            return
        kind = data[2]
        # The student's shortcut: whatever one recv returned is one frame.
        payload = data[3:] if mode == "merge" else data[3:2 + struct.unpack(">H", data[:2])[0]]
        if kind == 0:
            name = payload.decode(errors="replace").split(" ")[0]
            with lock:
                clients[conn] = name
            conn.sendall(frame(0, b"welcome"))
        elif kind == 3:
            if mode == "crash" and payload == b"boom":
                try:
                    raise ValueError("cannot handle %r" % payload.decode())
                except ValueError:
                    traceback.print_exc()
                    sys.stderr.flush()
                going_down(conn)
            with lock:
                name = clients.get(conn, "?")
            try:
                broadcast(conn, b"[" + name.encode() + b"] " + payload)
            except OSError:
                return  # quietly: the stalled reader's test shows no stderr


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen()
    while True:
        conn, _ = server.accept()
        threading.Thread(target=handle, args=(conn, mode), daemon=True).start()


if __name__ == "__main__":
    main()
