#!/usr/bin/env python3
"""A chat client written the way the original lab client was, to show what chat-harness
reports about such a client:

    chat-harness run scenarios/client --client 'python3 tests/python/original_client.py' --port 55555 \
        --expect tests/python/original_client.expect

What it does, as the lab's client does:
- it connects to localhost:55555, hard-coded (HOST and PORT arguments override it, for tests);
- the first line typed is the name, sent as `NAME OFFSET` with the offset of the machine's
  *standard* time in seconds (daylight saving is ignored); a refusal asks for another name;
- a thread reads the socket with recv(1024) and takes each read to start a frame; it prints
  the payload of text, 0x00 and 0x04 frames;
- a received file: it prints `<HH:MM> [sender] CAPTION` when there is a caption (nothing
  without one), sleeps 1 s, then reads the body with recv(4096) calls into
  `files<NAME>/<file name as sent>` (the name is not sanitised);
- `>>sendfile<< NAME [CAPTION]` reads files/NAME, sends the header, sleeps 1 s, then the body
  in 4096-byte writes; an empty file's header goes out without its 4 size bytes;
- `>>chname<< NAME` goes out as a 0x04 with the whole line; `>>exit<<` sends 0x01 and ends;
- it deletes its `files<NAME>/` folder when it exits or loses the connection.

Usage: original_client.py [HOST [PORT]]
"""
import os
import shutil
import socket
import struct
import sys
import threading
import time

from labwire import frame

HOST = sys.argv[1] if len(sys.argv) > 1 else "localhost"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 55555

name = ""


def parse(data):
    """One recv() is one frame: the length, the type, the payload; anything after is lost."""
    length = struct.unpack(">H", data[:2])[0]
    return data[2], data[3:2 + length]


def folder():
    return "files" + name


def clean_up():
    shutil.rmtree(folder(), ignore_errors=True)


def receive_file(sock, payload):
    head, _, rest = payload.partition(b"\xff")
    size = struct.unpack(">I", rest[:4])[0]
    filename, _, caption = rest[4:].decode().partition(" ")
    if caption:
        print(head.decode() + " " + caption)
    time.sleep(1)
    os.makedirs(folder(), exist_ok=True)
    got = 0
    with open(os.path.join(folder(), filename), "wb") as f:
        while got < size:
            chunk = sock.recv(4096)
            if not chunk:
                break
            f.write(chunk)
            got += len(chunk)


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
    clean_up()  # the connection is lost


def login(sock):
    global name
    while True:
        name = input().strip()
        offset = -time.timezone  # standard time, whatever the season
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
    size = struct.pack(">I", len(data)) if data else b""  # an empty file: no size bytes
    sock.send(frame(2, size + (filename + caption).encode()))
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
            clean_up()
            return
        else:
            sock.send(frame(3, line.encode()))


main()
