#!/usr/bin/env python3
"""A test-only chat client with switchable faults, to check that the client suite catches
each of them at the step it names (tests/integration/client_suite.rs). The `clean` variant
frames correctly (a buffered reader that handles any segmentation) and passes the suite.

Usage: faulty_client.py FAULT[,FAULT...] HOST PORT

Several faults separated by commas are all switched on at once (`little-endian,no-exit-frame`);
tests/python/make_class.py uses this for a class of faulty clients.

Faults:
  clean               none
  little-endian       length prefixes written little-endian
  no-offset           the auth frame carries the name only
  size-off-by-one     a file header announces one byte less than the body
  body-before-header  a file's body is written before its header
  text-as-file-type   a text goes out with type 0x02 instead of 0x03
  drop-coalesced      of the frames that arrive in one read, only the first is handled
  unsafe-save         a received file name is joined to the folder as it is (../ escapes)
  hang-on-close       when the server closes, the client says so but never ends
  no-exit-frame       >>exit<< closes the connection without the 0x01 frame
  rename-as-text      >>chname<< goes out as a 0x03 text
  cut-typed-1024      a typed line is cut to its first 1024 bytes
  rename-bare-name    >>chname<< NAME goes out as a 0x04 with just NAME (no command word)
  overwrite           a received file is written over an existing file of the same name
  no-save             "saved" is printed for a received file, but nothing is written
  empty-no-size       an empty file's header goes out without its 4 size bytes
  padded-save         a received file is saved padded with zeros to 64 KiB
  save-in-workdir     a received file is saved in the working directory, not under files/
"""
import os
import queue
import re
import socket
import struct
import sys
import threading
import time

FAULTS = {
    "clean", "little-endian", "no-offset", "size-off-by-one", "body-before-header",
    "text-as-file-type", "drop-coalesced", "unsafe-save", "hang-on-close", "no-exit-frame",
    "rename-as-text", "cut-typed-1024", "rename-bare-name", "overwrite", "no-save",
    "empty-no-size", "padded-save", "save-in-workdir",
}
CHOSEN = set(sys.argv[1].split(","))  # one fault, or several: little-endian,no-exit-frame
for fault in sorted(CHOSEN):
    if fault not in FAULTS:
        sys.exit("unknown fault %r (one of %s)" % (fault, ", ".join(sorted(FAULTS))))
HOST, PORT = sys.argv[2], int(sys.argv[3])
TIMED = re.compile(rb"^<\d\d:\d\d> ")

sock = socket.create_connection((HOST, PORT))
auth_answers = queue.Queue()
state = {"name": "", "logged_in": False, "leaving": False}


def say(text):
    print(text, flush=True)


def send(kind, payload):
    fmt = "<H" if "little-endian" in CHOSEN else ">H"
    sock.sendall(struct.pack(fmt, len(payload) + 1) + bytes([kind]) + payload)


def safe_name(name):
    if "unsafe-save" in CHOSEN:
        return name
    base = re.sub(r"[^A-Za-z0-9._-]", "_", name.replace("\\", "/").split("/")[-1])
    return "file" if base.strip(".") == "" else base


class Discard:
    """Takes a body and keeps none of it (the no-save fault)."""

    def write(self, data):
        pass

    def close(self):
        pass


class Padded:
    """Writes the body, then zeros up to 64 KiB (the padded-save fault)."""

    def __init__(self, f):
        self.f = f
        self.n = 0

    def write(self, data):
        self.f.write(data)
        self.n += len(data)

    def close(self):
        self.f.write(b"\0" * max(0, 65536 - self.n))
        self.f.close()


def open_file(name):
    if "no-save" in CHOSEN:
        return Discard()
    folder = "." if "save-in-workdir" in CHOSEN else os.path.join("files", state["name"] or "anonymous")
    path = os.path.join(folder, safe_name(name))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if "overwrite" not in CHOSEN:
        stem, ext = os.path.splitext(path)
        n = 1
        while os.path.exists(path):
            path = "%s-%d%s" % (stem, n, ext)
            n += 1
    f = open(path, "wb")
    return Padded(f) if "padded-save" in CHOSEN else f


def handle(kind, payload):
    """Returns (file handle, size, name, sender) for a file header, else None."""
    if kind == 0:
        state["logged_in"] = True
        say("* logged in: " + payload.decode("utf-8", "replace"))
        auth_answers.put(True)
    elif kind == 3:
        text = payload.decode("utf-8", "replace")
        say(text)
        if not state["logged_in"] and not TIMED.match(payload):
            auth_answers.put(False)
    elif kind == 4:
        say(payload.decode("utf-8", "replace"))
    elif kind == 2:
        head, _, rest = payload.partition(b"\xff")
        size = struct.unpack(">I", rest[:4])[0]
        name = rest[4:].decode("utf-8", "replace").split(" ")[0]
        return [open_file(name), size, name, head.decode("utf-8", "replace")]
    else:
        say("! unknown frame type %d" % kind)
    return None


def closed():
    if state["leaving"]:
        os._exit(0)
    say("* the server closed the connection")
    if "hang-on-close" in CHOSEN:
        while True:
            time.sleep(60)
    os._exit(1)


def receiver():
    buf = b""
    upload = None
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            closed()
        buf += data
        while True:
            if upload:
                take = buf[:upload[1]]
                upload[0].write(take)
                upload[1] -= len(take)
                buf = buf[len(take):]
                if upload[1] > 0:
                    break
                upload[0].close()
                say("* file %s from %s saved" % (upload[2], upload[3]))
                upload = None
            if len(buf) < 2:
                break
            n = struct.unpack(">H", buf[:2])[0]
            if n == 0:  # an empty frame holds not even a type: skip its length
                buf = buf[2:]
                say("! empty frame")
                continue
            if len(buf) < 2 + n:
                break
            kind, payload, buf = buf[2], buf[3:2 + n], buf[2 + n:]
            upload = handle(kind, payload)
            if "drop-coalesced" in CHOSEN and not upload:
                buf = b""


def leave():
    state["leaving"] = True
    if "no-exit-frame" not in CHOSEN:
        send(1, b">>exit<<")
        time.sleep(2)
    os._exit(0)


def send_file(rest):
    name, _, caption = rest.strip().partition(" ")
    with open(os.path.join("files", name), "rb") as f:
        body = f.read()
    size = len(body) - 1 if "size-off-by-one" in CHOSEN else len(body)
    size_bytes = b"" if "empty-no-size" in CHOSEN and not body else struct.pack(">I", size)
    header = size_bytes + (name + (" " + caption if caption else "")).encode()
    if "body-before-header" in CHOSEN:
        sock.sendall(body)
        send(2, header)
    else:
        send(2, header)
        sock.sendall(body)


def main():
    threading.Thread(target=receiver, daemon=True).start()
    while not state["logged_in"]:
        line = sys.stdin.readline()
        if not line:
            os._exit(2)
        state["name"] = line.strip()
        offset = time.localtime().tm_gmtoff
        auth = state["name"] if "no-offset" in CHOSEN else "%s %d" % (state["name"], offset)
        send(0, auth.encode())
        auth_answers.get()
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line == ">>exit<<":
            leave()
        elif line.startswith(">>sendfile<<"):
            send_file(line[len(">>sendfile<<"):])
        elif line.startswith(">>chname<<"):
            payload = line[len(">>chname<<"):].strip() if "rename-bare-name" in CHOSEN else line
            send(3 if "rename-as-text" in CHOSEN else 4, payload.encode())
        else:
            data = line.encode()
            send(2 if "text-as-file-type" in CHOSEN else 3, data[:1024] if "cut-typed-1024" in CHOSEN else data)
    leave()


main()
