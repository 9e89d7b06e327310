#!/usr/bin/env python3
"""Writes OUT_DIR/class.toml, a `chat-harness matrix` file for a made-up class of lab-style
submissions: SERVERS servers, each tests/python/original_server.py with none, one or two of its
`--fault`s (the first one clean, some with `--late-leave 100`, a thread-per-client server's late
leaves), every one with the switches that make its races go the same way on every run (STEADY
below; with --racy they are left to the scheduler instead, and some servers get `--widen 5`),
and CLIENTS clients, each tests/python/original_client.py or
tests/python/faulty_client.py with one or two of its faults (the first one the original). Faults
are drawn with a random generator seeded by SEED, so a seed always gives the same file; every
fault is used once before any is used twice (when there are enough submissions), a fault that
breaks almost everything never shares a submission, and two faults that would hide one another
never go together, so each fault in a submission stays visible in its own scenarios
(tests/python/README.md lists them). The paths written are absolute, taken from this file's
location, so the file works from any folder.

Usage: make_class.py OUT_DIR [--servers 30] [--clients 30] [--seed 1] [--interop-pairs 3] [--racy]
"""
import argparse
import json
import os
import random
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

SERVER_FAULTS = [
    "no-prefix", "utc-only", "echo", "duplicate-names", "join-wording", "no-leave",
    "exit-keeps-name", "rename-unchecked", "rename-silent", "no-file-notice", "early-file-notice",
]
# Fails 30 of the 35 scenarios the clean server passes: a partner would not show.
SERVER_ALONE = {"no-prefix"}
# Two faults of one group never go together: one hides the other (or they contradict).
SERVER_CLASHES = [
    {"no-file-notice", "early-file-notice"},
    {"no-leave", "exit-keeps-name"},  # without a leave notice, the name check is never reached
    {"duplicate-names", "exit-keeps-name"},  # no name check at all, so a kept name never shows
]

CLIENT_FAULTS = [
    "little-endian", "no-offset", "size-off-by-one", "body-before-header", "text-as-file-type",
    "drop-coalesced", "unsafe-save", "hang-on-close", "no-exit-frame", "rename-as-text",
    "cut-typed-1024", "rename-bare-name", "overwrite", "no-save", "empty-no-size", "padded-save",
    "save-in-workdir",
]
# Each fails (almost) the whole client suite: the server never sees a good auth.
CLIENT_ALONE = {"little-endian", "no-offset"}
# Faults of one feature fail the same scenarios: at most one of each group per client.
CLIENT_CLASHES = [
    {"size-off-by-one", "body-before-header", "empty-no-size"},  # sending a file
    {"text-as-file-type", "cut-typed-1024"},  # sending a typed line
    {"rename-as-text", "rename-bare-name"},  # sending a rename
    {"no-save", "overwrite", "padded-save", "save-in-workdir", "unsafe-save"},  # saving a file
]


def fits(name, chosen, alone, clashes):
    """Whether fault `name` can join the faults already `chosen` for one submission."""
    if name in chosen:
        return False
    if chosen and (name in alone or any(c in alone for c in chosen)):
        return False
    return not any(name in group and c in group for group in clashes for c in chosen)


def draw(rng, count, unused, every, alone, clashes):
    """Up to `count` faults for one submission, those not used yet first; sorted."""
    candidates = list(unused) + rng.sample(every, len(every))
    chosen = []
    for name in candidates:
        if len(chosen) == count:
            break
        if fits(name, chosen, alone, clashes):
            chosen.append(name)
    for name in chosen:
        if name in unused:
            unused.remove(name)
    return sorted(chosen)


def script(name):
    return shlex.quote(os.path.join(HERE, name))


# The interpreter running this generator, by its real path: a `python3` on the PATH may be a
# version manager's shell script (pyenv's shim runs bash and a few helpers on every start),
# which a class of thousands of short-lived servers would pay for at every scenario.
PYTHON = shlex.quote(os.path.realpath(sys.executable))


# What makes each race of original_server.py go one way on every run, at any load: its recv()
# happens 10 ms after the bytes arrive, so frames written back to back are always read as one
# (text/order-of-a-burst, text/empty-message and file/oversized-body-drained always fail), while
# a file body that a Python client's Nagle holds back until the header's delayed ACK (about
# 40 ms) is still read apart from the header, with 30 ms to spare for a thread woken late
# (at 30 ms, a server thread 10 ms late lost the body: interop/file-to-peer flipped), and
# its two race windows are closed: the join notice goes out under the lock that sent the 0x00
# (a connection made after the 0x00 never hears of the join, auth/join-done-by-auth-ok passes;
# one made before always hears it first, auth/newcomer-auth-ok-first fails), and a left name
# is freed under the lock that sent the notice (exit/name-free-once-notice-out passes). The
# outcome of each `sometimes` entry of original_server.expect is then the same at any -j, and
# a class run's cells can be compared.
STEADY = ["--slow-recv", "10", "--close-windows"]


def servers(rng, n, racy):
    unused = rng.sample(SERVER_FAULTS, len(SERVER_FAULTS))
    out = []
    for i in range(1, n + 1):
        faults = [] if i == 1 else draw(rng, rng.choice([0, 1, 1, 1, 2, 2, 2]), unused, SERVER_FAULTS,
                                        SERVER_ALONE, SERVER_CLASHES)
        extra = []
        # Drawn with or without --racy, so that a seed gives the same faults either way.
        if i > 1 and rng.random() < 0.2 and racy:
            extra += ["--widen", "5"]
        if i > 1 and rng.random() < 0.2:
            extra += ["--late-leave", "100"]
        spawn = "%s %s {port}" % (PYTHON, script("original_server.py"))
        if faults:
            spawn += " --fault " + ",".join(faults)
        spawn += "".join(" " + word for word in extra + ([] if racy else STEADY))
        label = "; ".join(part for part in (", ".join(faults), " ".join(extra)) if part)
        out.append({
            "name": "server-%02d" % i + (" (%s)" % label if label else ""),
            "spawn": spawn,
            "dir": ROOT,
            "expect": os.path.join(HERE, "original_server.expect"),
        })
    return out


def clients(rng, n):
    unused = rng.sample(CLIENT_FAULTS, len(CLIENT_FAULTS))
    out = []
    for i in range(1, n + 1):
        if i == 1 or rng.random() < 0.1:
            out.append({
                "name": "client-%02d (original)" % i,
                "spawn": "%s %s {host} {port}" % (PYTHON, script("original_client.py")),
                "expect": os.path.join(HERE, "original_client.expect"),
            })
            continue
        faults = draw(rng, rng.choice([1, 2]), unused, CLIENT_FAULTS, CLIENT_ALONE, CLIENT_CLASHES)
        out.append({
            "name": "client-%02d (%s)" % (i, ", ".join(faults)),
            "spawn": "%s %s %s {host} {port}" % (PYTHON, script("faulty_client.py"), ",".join(faults)),
        })
    return out


def toml(value):
    """A TOML basic string: JSON's escapes are TOML's."""
    return json.dumps(value, ensure_ascii=False)


def write(path, args, server_list, client_list):
    lines = [
        "# Generated by tests/python/make_class.py --servers %d --clients %d --seed %d%s: a made-up"
        % (args.servers, args.clients, args.seed, " --racy" if args.racy else ""),
        "# class of lab-style servers and clients with varied faults (regenerate, do not edit).",
        "# The servers' races are left to the scheduler." if args.racy else
        "# Every server has %s: its races go the same way on every run." % " ".join(STEADY),
        "# Run it with: chat-harness matrix %s --out reports/" % os.path.basename(path),
        "# The built-in suite (no `scenarios` key). Each client runs the interop scenarios through",
        "# this many servers, taken in turn (leave the key out for every client x server pair):",
        "interop_pairs = %d" % args.interop_pairs if args.interop_pairs else "# interop_pairs = 3",
    ]
    for side, items in (("server", server_list), ("client", client_list)):
        for item in items:
            lines += ["", "[[%s]]" % side]
            lines += ["%s = %s" % (key, toml(value)) for key, value in item.items()]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description="Write OUT_DIR/class.toml, a class of lab-style "
                                     "servers and clients for chat-harness matrix.")
    parser.add_argument("out_dir")
    parser.add_argument("--servers", type=int, default=30)
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--interop-pairs", type=int, default=3,
                        help="servers per client in the interop grid (0: every pair)")
    parser.add_argument("--racy", action="store_true",
                        help="leave the servers' races to the scheduler (a cell on a `sometimes` "
                        "race then passes on some runs and fails on others)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    server_list = servers(rng, args.servers, args.racy)
    client_list = clients(rng, args.clients)
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "class.toml")
    write(path, args, server_list, client_list)
    print("wrote %s: %d servers, %d clients" % (path, len(server_list), len(client_list)))


if __name__ == "__main__":
    main()
