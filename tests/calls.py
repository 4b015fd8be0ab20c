#!/usr/bin/env python3
"""Checks from the sources that sizematd's modules call each other one
way: no circle. A module is main.c or a file of the Makefile's
DAEMON_MODS with what follows its first '_' dropped (store_run.c is the
store, api_project.c the API). A call is a function defined at the top of
one module's file named in another's; a callback through a pointer (the
queue's listeners) is no call, which is how the queue tells track of a
build's end without calling it. Prints the module graph with -v; exits 1
naming a circle when there is one.

usage: calls.py [-v] [TOP]"""
import os
import re
import sys

verbose = "-v" in sys.argv[1:]
args = [a for a in sys.argv[1:] if a != "-v"]
top = args[0] if args else os.path.join(os.path.dirname(__file__), "..")

make = open(os.path.join(top, "Makefile")).read()
m = re.search(r"^DAEMON_MODS\s*=((?:.*\\\n)*.*)$", make, re.M)
if not m:
    sys.exit("calls.py: no DAEMON_MODS in the Makefile")
files = ["main"] + m.group(1).replace("\\\n", " ").split()


def module(name):
    return name.split("_")[0]


def code(name):
    """A file's text without comments and string literals."""
    t = open(os.path.join(top, "daemon", name + ".c")).read()
    t = re.sub(r"/\*.*?\*/", "", t, flags=re.S)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', t)


texts = {f: code(f) for f in files}
defined = {}
for f, t in texts.items():
    for d in re.finditer(r"^([a-z_][a-z0-9_]*)\(", t, re.M):
        defined.setdefault(d.group(1), module(f))
edges = {}
for f, t in texts.items():
    a = module(f)
    for c in re.finditer(r"\b([a-z_][a-z0-9_]*)\s*\(", t):
        b = defined.get(c.group(1))
        if b is not None and b != a:
            edges.setdefault(a, {}).setdefault(b, c.group(1))

if verbose:
    for a in sorted(edges):
        print(f"{a} -> {' '.join(sorted(edges[a]))}")

# Depth-first search for a back edge: a circle.
state = {}
path = []


def visit(a):
    state[a] = 1
    path.append(a)
    for b in sorted(edges.get(a, {})):
        if state.get(b) == 1:
            ring = path[path.index(b):] + [b]
            steps = [f"{x} ({edges[x][y]})" for x, y in zip(ring, ring[1:])]
            sys.exit("calls.py: the daemon's modules call in a circle: " +
                     " -> ".join(steps) + f" -> {b}")
        if state.get(b) is None:
            visit(b)
    path.pop()
    state[a] = 2


for a in sorted(edges):
    if state.get(a) is None:
        visit(a)
print(f"calls.py: {len(set(map(module, files)))} modules, "
      f"{sum(len(v) for v in edges.values())} one-way calls between them, "
      "no circle")
