#!/usr/bin/env python3
"""Compares the cells of two `chat-harness matrix` runs (their matrix.json files, whole or
merged from shards): for every cell, the status (pass, fail, xfail, xpass, error) and the
outcome kind (pass, fail, timeout, ...). Prints the counts, then each cell that differs, with
the expect file's reason where the cell is a known failure, and `[sometimes]` where the
implementation's expect file (found through the matrix file the run names) marks the
scenario as a race it loses only now and then. A cell that one run did not run (an
interrupted run: no status) is counted apart, not compared. Exit 0 when the statuses of the
cells both runs ran are identical, 1 otherwise.

Usage: benches/compare-cells.py A/matrix.json B/matrix.json
"""
import fnmatch
import json
import os
import sys
import tomllib


def load(path):
    with open(path) as f:
        return json.load(f)


def cells(matrix):
    out = {}
    for grid in matrix["grids"]:
        for cell in grid["cells"]:
            key = (grid["suite"], cell["implementation"], cell["scenario"])
            out[key] = cell
    return out


def sometimes(matrix):
    """(suite, implementation) -> the `sometimes` patterns of its expect file, read through
    the matrix file the run `matrix` names (empty where it cannot be read)."""
    try:
        with open(matrix["file"], "rb") as f:
            config = tomllib.load(f)
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return {}
    out = {}
    for side, suite in (("server", "server"), ("client", "client")):
        for item in config.get(side, []):
            patterns = []
            expect = item.get("expect")
            if expect:
                expect = os.path.join(os.path.dirname(matrix["file"]), expect)
                with open(expect) as f:
                    for line in f:
                        if line.startswith("sometimes "):
                            patterns.append(line[len("sometimes "):].split(":")[0].strip())
            out[(suite, item["name"])] = patterns
    return out


def racy(races, suite, implementation, scenario):
    """Whether a `sometimes` entry covers the cell (interop cells: the server's or the
    client's entries; their implementation is `client × server`)."""
    names = [implementation] + [part.strip() for part in implementation.split(" × ")]
    return any(fnmatch.fnmatchcase(scenario, pattern)
               for s in ("server", "client") for name in names
               for pattern in races.get((s, name), []))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    first = load(sys.argv[1])
    a, b = cells(first), cells(load(sys.argv[2]))
    races = sometimes(first)
    keys = sorted(set(a) | set(b))
    status_differs, kind_differs, not_run = [], [], 0
    for key in keys:
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            status_differs.append((key, x, y))
        elif x["status"] is None or y["status"] is None:
            not_run += 1
        elif x["status"] != y["status"]:
            status_differs.append((key, x, y))
        elif x["kind"] != y["kind"]:
            kind_differs.append((key, x, y))
    if not_run:
        print("%d cells not run in one of the runs (interrupted), left out" % not_run)
    ran = len(keys) - not_run
    print("%d cells; %d with the same status, %d of them with another kind; %d with another status"
          % (ran, ran - len(status_differs), len(kind_differs), len(status_differs)))
    on_races = sum(1 for key, _, _ in status_differs if racy(races, *key))
    print("of the %d with another status, %d are on races the expect files mark `sometimes`"
          % (len(status_differs), on_races))

    def show(x):
        return "missing" if x is None else "%s (%s)" % (x["status"], x["kind"])

    for title, rows in (("status differs", status_differs), ("kind differs", kind_differs)):
        for (suite, implementation, scenario), x, y in rows:
            reason = (x or y or {}).get("expected_failure_reason") or ""
            print("%s: %s | %s | %s: %s -> %s%s%s" % (
                title, suite, implementation, scenario, show(x), show(y),
                ("  [known: %s]" % reason) if reason else "",
                "  [sometimes]" if racy(races, suite, implementation, scenario) else ""))
    sys.exit(1 if status_differs else 0)


if __name__ == "__main__":
    main()
