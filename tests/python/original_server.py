#!/usr/bin/env python3
"""A chat server written the way the original lab server was: one thread per client, blocking
sockets, and one frame per recv(1024). It is deliberately naive, to show what chat-harness
reports about such a server, and it copies two habits of the real original that the `core`
scenarios must live with:

- a join is announced to every connected socket, authenticated or not (so a client that
  connects early can see someone else's `connected` notice before its own 0x00);
- a file body is read with recv(4096) calls, counting 4096 bytes per call whatever arrived,
  and each piece is forwarded as it comes (so a body that arrives in short reads leaves its
  tail to be read as frames, and receivers see the header before the body is complete).


    chat-harness run --spawn 'python3 tests/python/original_server.py {port}'

Happy-path `core` scenarios pass; framing, hostile and backpressure scenarios fail, because
this server assumes every recv() returns exactly one whole frame, requires the UTC offset in
auth, trusts every byte, and leaves dead entries behind clients that vanish.

Like the original it announces a leave before it frees the name (so for a moment the name
is still taken after the others have read `User alice disconnected`), and it sends a
newcomer's join broadcast from the newcomer's thread after its 0x00, racing the next client's
auth (a client that connects right after the 0x00 can be told of the join, even before its
own 0x00). `--widen MS` (or ORIGINAL_SERVER_WIDEN_MS=MS in the environment) sleeps MS
milliseconds inside each of those windows, so that the race is lost every time rather than
now and then: core scenarios must tolerate it (they `settle`), robust twins must fail on it.
`--close-windows` does the opposite: the join notice goes out under the same lock as the
0x00, and the name is freed under the same lock as the leave notice, so that both races are
won every time (a class whose cells must not depend on timing, tests/python/make_class.py).

A thread-per-client server on a loaded machine also notices a client's end late: the leave is
announced some time after the socket closed. `--late-leave MS` (or
ORIGINAL_SERVER_LATE_LEAVE_MS) waits MS milliseconds before announcing it, so that on a server
started once (`run --target`) one scenario's leave reaches the next scenario's clients.

The one-frame-per-recv flaw loses a burst only when the burst's frames reach the socket
before the thread reads it, which a loaded machine does now and then and an idle one seldom.
`--slow-recv MS` (or ORIGINAL_SERVER_SLOW_RECV_MS) lets MS milliseconds pass between a frame's
first bytes arriving and the recv() that reads them, as a thread the scheduler wakes late, so
that frames written back to back are merged every time, the first after a pause too.

`--fault NAME` (repeatable, or a comma-separated list: `--fault no-prefix,echo`) adds a
mistake a student's server realistically has, each breaking one rule of the protocol, so that
a class of such servers can be made (tests/python/make_class.py); without it the server is the
one described above, byte for byte. The faults:

  no-prefix         chat lines, notices and file headers lack the `<HH:MM> ` time prefix
  utc-only          the time prefix is the server's UTC clock, whatever the recipient's offset
  echo              every broadcast (chat, notices, files) goes back to the sender too
  duplicate-names   auth does not check that the name is free
  join-wording      the join notice says `bob joined` instead of `bob connected`
  no-leave          >>exit<< frees the name but tells nobody (no `disconnected` notice)
  exit-keeps-name   >>exit<< tells the others but never frees the name for a later auth
  rename-unchecked  a rename does not check that the new name is free
  rename-silent     a rename is confirmed to the renamer but not announced to the others
  no-file-notice    no `uploaded file` notice after a file
  early-file-notice the `uploaded file` notice goes out right after the header, before the body

An unknown name exits with status 2 and the list. Some pairs hide one another (no-prefix hides
utc-only, duplicate-names hides exit-keeps-name, either file-notice fault hides the other);
tests/python/README.md lists the scenarios that catch each fault.

Usage: original_server.py PORT [--widen MS | --close-windows] [--late-leave MS]
                          [--slow-recv MS] [--fault NAME[,NAME...]]...
"""
import os
import select
import socket
import struct
import sys
import threading
import time
import traceback

from labwire import wrapping_frame

clients = {}  # socket -> [name, offset]
connected = []  # every accepted socket, authenticated or not
lock = threading.Lock()
WIDEN = 0.0  # seconds slept inside each race window (--widen)
CLOSED = False  # no race windows at all (--close-windows)
LATE_LEAVE = 0.0  # seconds between a client's end and its leave notice (--late-leave)
SLOW_RECV = 0.0  # seconds between a frame's bytes arriving and its recv() (--slow-recv)
FAULTS = set()  # the mistakes switched on (--fault)
KNOWN_FAULTS = [
    "no-prefix", "utc-only", "echo", "duplicate-names", "join-wording", "no-leave",
    "exit-keeps-name", "rename-unchecked", "rename-silent", "no-file-notice", "early-file-notice",
]
retired = set()  # names left by >>exit<< and never freed (the exit-keeps-name fault)

COMMANDS = b"Commands: >>exit<<, >>sendfile<< 'filename', >>chname<< 'name'"


def prefix(offset):
    if "no-prefix" in FAULTS:
        return ""
    if "utc-only" in FAULTS:
        offset = 0
    t = time.gmtime(time.time() + offset)
    return "<%02d:%02d> " % (t.tm_hour, t.tm_min)


# Like the original: the length is written whatever it is (it wraps past 65535).
frame = wrapping_frame


def broadcast(sender, make):
    """Sends make(offset) to everyone else; a dead recipient raises here and kills the
    sender's handler, as in the original."""
    for conn, (name, offset) in list(clients.items()):
        if conn is not sender or "echo" in FAULTS:
            conn.sendall(make(offset))


def window():
    """A race window of the original, as wide as --widen makes it."""
    if WIDEN > 0:
        time.sleep(WIDEN)


def announce_join(joiner, name):
    """Tells every other connected socket, authenticated or not, that `name` joined."""
    verb = " joined" if "join-wording" in FAULTS else " connected"
    for conn in list(connected):
        if conn is not joiner:
            offset = clients[conn][1] if conn in clients else 0
            conn.sendall(frame(3, (prefix(offset) + name + verb).encode()))


def taken(name):
    """Whether an authenticated client has `name` (or, with exit-keeps-name, once had it)."""
    if "exit-keeps-name" in FAULTS and name in retired:
        return True
    return any(n == name for n, _ in clients.values())


def announce_upload(sender, name, rest):
    """Tells the others that `name` uploaded the file a header's `rest` names."""
    filename = rest.decode().split(" ")[0]
    broadcast(sender, lambda off: frame(3, (prefix(off) + "User " + name + " uploaded file " + filename).encode()))


def leave(conn):
    """Like the original: the others hear of the leave first, and only then is the name
    freed (another client may be refused the name in between)."""
    name = clients[conn][0]
    if LATE_LEAVE > 0:
        time.sleep(LATE_LEAVE)
    with lock:
        if "no-leave" not in FAULTS:
            broadcast(conn, lambda off: frame(3, (prefix(off) + "User " + name + " disconnected").encode()))
        if CLOSED:
            forget(conn)  # no window: freed under the lock that sent the notice
            return
    window()
    with lock:
        forget(conn)


def forget(conn):
    """Frees the name and the socket of `conn` (called with the lock held)."""
    clients.pop(conn, None)
    if conn in connected:
        connected.remove(conn)


def handle(conn):
    while True:
        if SLOW_RECV > 0:
            select.select([conn], [], [])  # readable (or closed): the bytes are there
            time.sleep(SLOW_RECV)
        data = conn.recv(1024)
        if not data:
            if conn not in clients:
                with lock:
                    connected.remove(conn)  # never authenticated: forgotten
            return  # no cleanup: the entry stays behind, as in the original
        length = struct.unpack(">H", data[:2])[0]
        kind = data[2]
        payload = data[3:2 + length]
        if kind == 0:
            name, offset = payload.decode().split(" ")  # breaks without the offset
            offset = int(offset)
            with lock:
                if "duplicate-names" not in FAULTS and taken(name):
                    conn.sendall(frame(3, b"The name is already in use"))
                    continue
                clients[conn] = [name, offset]
                conn.sendall(frame(0, COMMANDS))
                if CLOSED:
                    announce_join(conn, name)
                    continue
            # The join broadcast goes out from this thread after the 0x00, racing the next
            # client's connect and auth, as in the original.
            window()
            with lock:
                announce_join(conn, name)
        elif kind == 1:
            if "exit-keeps-name" in FAULTS and conn in clients:
                retired.add(clients[conn][0])
            leave(conn)  # exit before auth: KeyError
            conn.close()
            return
        elif kind == 3:
            name = clients[conn][0]  # text before auth: KeyError
            text = payload.decode()
            with lock:
                broadcast(conn, lambda off: frame(3, (prefix(off) + "[" + name + "] " + text).encode()))
        elif kind == 4:
            new = payload.decode().split(" ")[1]
            with lock:
                old = clients[conn][0]
                if "rename-unchecked" not in FAULTS and taken(new):
                    conn.sendall(frame(3, b"The name is already in use"))
                    continue
                clients[conn][0] = new
                conn.sendall(frame(4, ("Username changed to " + new).encode()))
                if "rename-silent" not in FAULTS:
                    broadcast(conn, lambda off: frame(3, (prefix(off) + "User [" + old + "] changed username to [" + new + "]").encode()))
        elif kind == 2:
            size = struct.unpack(">I", payload[:4])[0]
            rest = payload[4:]
            name = clients[conn][0]
            with lock:
                header = lambda off: (prefix(off) + "[" + name + "]").encode() + b"\xff" + struct.pack(">I", size) + rest
                broadcast(conn, lambda off: frame(2, header(off)))
                if "early-file-notice" in FAULTS:
                    announce_upload(conn, name, rest)
            remaining = size  # bytes that came with the header are lost
            while remaining > 0:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                with lock:
                    broadcast(conn, lambda off: chunk)
                remaining -= 4096  # whatever arrived, as in the original
            if "no-file-notice" not in FAULTS and "early-file-notice" not in FAULTS:
                with lock:
                    announce_upload(conn, name, rest)
        else:
            raise ValueError("unknown frame type %d" % kind)


def serve(conn):
    try:
        handle(conn)
    except Exception:
        traceback.print_exc()
        sys.stderr.flush()


def option(args, flag, variable):
    """The milliseconds of `flag` (removed from `args`) or of the environment `variable`."""
    value = os.environ.get(variable, "0")
    if flag in args:
        at = args.index(flag)
        value = args[at + 1]
        del args[at:at + 2]
    return float(value) / 1000.0


def faults(args):
    """The names of every `--fault NAME[,NAME...]` (removed from `args`); exits with status 2
    on a name it does not know."""
    names = set()
    while "--fault" in args:
        at = args.index("--fault")
        if at + 1 >= len(args):
            sys.stderr.write("--fault needs a name (one of %s)\n" % ", ".join(KNOWN_FAULTS))
            sys.exit(2)
        names.update(n.strip() for n in args[at + 1].split(",") if n.strip())
        del args[at:at + 2]
    unknown = sorted(names - set(KNOWN_FAULTS))
    if unknown:
        sys.stderr.write("unknown fault %s (the faults are: %s)\n" % (", ".join(unknown), ", ".join(KNOWN_FAULTS)))
        sys.exit(2)
    return names


def main():
    global WIDEN, CLOSED, LATE_LEAVE, SLOW_RECV, FAULTS
    args = sys.argv[1:]
    FAULTS = faults(args)
    CLOSED = "--close-windows" in args
    if CLOSED:
        args.remove("--close-windows")
    WIDEN = option(args, "--widen", "ORIGINAL_SERVER_WIDEN_MS")
    LATE_LEAVE = option(args, "--late-leave", "ORIGINAL_SERVER_LATE_LEAVE_MS")
    SLOW_RECV = option(args, "--slow-recv", "ORIGINAL_SERVER_SLOW_RECV_MS")
    port = int(args[0]) if args else 55555
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(64)
    while True:
        conn, _ = server.accept()
        with lock:
            connected.append(conn)
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
