"""The lab protocol's framing, shared by the Python stand-ins in this directory (each runs as
`python3 tests/python/X.py`, so this directory is on sys.path and `import labwire` finds it).

A frame is a 2-byte big-endian length (the type byte and the payload), the type byte, the
payload. Stand-ins differ on purpose in what happens past 65 535 bytes, so `frame` takes it as a
parameter: `wrap=True` writes the length modulo 65 536 (the original lab server's bug: the
length is written whatever it is), `wrap=False` refuses (struct.error), as a careful program
would.
"""
import struct


def frame(kind, payload, wrap=False):
    """The bytes of one frame of type `kind` carrying `payload`."""
    length = len(payload) + 1
    if wrap:
        length &= 0xFFFF
    return struct.pack(">H", length) + bytes([kind]) + payload


def wrapping_frame(kind, payload):
    """`frame` with the original's wrapping length (past 65 535 bytes it wraps)."""
    return frame(kind, payload, wrap=True)


def read_exact(conn, n, strict=False):
    """Exactly `n` bytes from `conn`, read in pieces of at most 64 KiB. If the peer closes
    first: None, or with `strict` a ConnectionError."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(min(65536, n - len(data)))
        if not chunk:
            if strict:
                raise ConnectionError("closed")
            return None
        data += chunk
    return data
