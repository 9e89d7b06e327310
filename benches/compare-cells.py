#!/usr/bin/env python3
"""Compares the cells of two `chat-harness matrix` runs (their matrix.json files, whole or
merged from shards): for every cell, the status (pass, fail, xfail, xpass, error) and the
outcome kind (pass, fail, timeout, ...). Prints the counts, then each cell that differs, with
the expect file's reason where the cell is a known failure (a `sometimes` race says so).
Exit 0 when the statuses are identical, 1 otherwise.

Usage: benches/compare-cells.py A/matrix.json B/matrix.json
"""
import json
import sys


def cells(path):
    with open(path) as f:
        matrix = json.load(f)
    out = {}
    for grid in matrix["grids"]:
        for cell in grid["cells"]:
            key = (grid["suite"], cell["implementation"], cell["scenario"])
            out[key] = cell
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    a, b = cells(sys.argv[1]), cells(sys.argv[2])
    keys = sorted(set(a) | set(b))
    status_differs, kind_differs = [], []
    for key in keys:
        x, y = a.get(key), b.get(key)
        if x is None or y is None:
            status_differs.append((key, x, y))
        elif x["status"] != y["status"]:
            status_differs.append((key, x, y))
        elif x["kind"] != y["kind"]:
            kind_differs.append((key, x, y))
    print("%d cells; %d with the same status, %d of them with another kind; %d with another status"
          % (len(keys), len(keys) - len(status_differs), len(kind_differs), len(status_differs)))

    def show(x):
        return "missing" if x is None else "%s (%s)" % (x["status"], x["kind"])

    for title, rows in (("status differs", status_differs), ("kind differs", kind_differs)):
        for (suite, implementation, scenario), x, y in rows:
            reason = (x or y or {}).get("expected_failure_reason") or ""
            print("%s: %s | %s | %s: %s -> %s%s" % (
                title, suite, implementation, scenario, show(x), show(y),
                ("  [known: %s]" % reason) if reason else ""))
    sys.exit(1 if status_differs else 0)


if __name__ == "__main__":
    main()
