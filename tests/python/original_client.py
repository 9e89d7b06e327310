#!/usr/bin/env python3
"""A chat client written the way the original lab client was: a thread that reads the
socket with one recv(1024) per server frame, and a main loop that reads stdin lines. It is
deliberately naive, to show what chat-harness reports about such a client:

    chat-harness run scenarios/client --client 'python3 tests/python/original_client.py {host} {port}' \
        --expect tests/python/original_client.expect

The first line typed is the name, sent with the machine's UTC offset in seconds; a refusal
asks for another. `>>sendfile<< NAME [caption]` sends files/NAME (header, a 1 s pause, then
the body in 4096-byte writes), `>>chname<< NEW` renames, `>>exit<<` leaves. Received files
are saved under files<name>/. The `core` client scenarios pass; the framing ones fail,
because every recv() is taken to be exactly one whole frame, and a file name from the server
is used as it is.

Usage: original_client.py [HOST [PORT]]
"""
import os
import socket
import struct
import sys
import threading
import time

HOST = sys.argv[1] if len(sys.argv) > 1 else "localhost"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 55555

name = ""


def frame(kind, payload):
    return struct.pack(">H", len(payload) + 1) + bytes([kind]) + payload


def parse(data):
    """One recv() is one frame: the length, the type, the payload; anything after is lost."""
    length = struct.unpack(">H", data[:2])[0]
    return data[2], data[3:2 + length]


def receive_file(sock, payload):
    head, _, rest = payload.partition(b"\xff")
    size = struct.unpack(">I", rest[:4])[0]
    filename = rest[4:].decode().split(" ")[0]
    folder = "files" + name
    os.makedirs(folder, exist_ok=True)
    body = b""
    while len(body) < size:
        chunk = sock.recv(min(4096, size - len(body)))
        if not chunk:
            break
        body += chunk
    with open(os.path.join(folder, filename), "wb") as f:
        f.write(body)
    print(head.decode() + " sent file " + filename)


def receiver(sock):
    while True:
        data = sock.recv(1024)
        if not data:
            break
        kind, payload = parse(data)
        if kind == 2:
            receive_file(sock, payload)
        elif kind in (0, 3, 4):
            print(payload.decode())


def login(sock):
    global name
    while True:
        name = input().strip()
        offset = time.localtime().tm_gmtoff
        sock.send(frame(0, ("%s %d" % (name, offset)).encode()))
        kind, payload = parse(sock.recv(1024))
        print(payload.decode())
        if kind == 0:
            return


def send_file(sock, line):
    parts = line.split(" ", 2)
    filename = parts[1]
    caption = (" " + parts[2]) if len(parts) > 2 else ""
    with open(os.path.join("files", filename), "rb") as f:
        data = f.read()
    sock.send(frame(2, struct.pack(">I", len(data)) + (filename + caption).encode()))
    time.sleep(1)
    for i in range(0, len(data), 4096):
        sock.send(data[i:i + 4096])


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.connect((HOST, PORT))
    login(sock)
    threading.Thread(target=receiver, args=(sock,), daemon=True).start()
    while True:
        line = input()
        if line.startswith(">>sendfile<<"):
            send_file(sock, line)
        elif line.startswith(">>chname<<"):
            sock.send(frame(4, line.encode()))
        elif line == ">>exit<<":
            sock.send(frame(1, line.encode()))
            sock.close()
            return
        else:
            sock.send(frame(3, line.encode()))


main()
