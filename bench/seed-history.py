#!/usr/bin/env python3
"""Seeds a sizemat database (made by sizematd, schema and all) with a
synthetic tracked project: COMMITS commits on one first-parent line, each
measured with VARIANTS variants, sizes on a random walk with a jump at 70%
of the history, and the regressions that jump records. Each artifact has
the sections and measurements a real Rust binary records (about twenty
of each), so 1,000 x 50 is about a million measurement rows. A path
project, /nonexistent/NAME, gets 20 runs of the same variants (what
`best` reads).

usage: seed-history.py DB NAME COMMITS VARIANTS"""
import hashlib
import itertools
import json
import random
import sqlite3
import sys
import time

db, name, ncommits, nvariants = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
random.seed(7)
con = sqlite3.connect(db)
now = int(time.time())
t0 = now - ncommits * 3600

con.execute("""INSERT INTO projects (path, created_at, name, source, branch,
    mirror) VALUES (?, ?, ?, '/nonexistent', 'main', '/nonexistent')""",
            ("tracked:" + name, t0, name))
pid = con.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()[0]

levels = ["0", "1", "2", "3", "s", "z"]
ltos = ["false", "fat", "thin", "off"]
cgus = ["1", "16"]
strips = ["none", "symbols"]
panics = ["abort", "unwind"]
combos = list(itertools.product(levels, ltos, cgus, strips, panics))[:nvariants]
variants = []
for lv, lto, cgu, strip, panic in combos:
    settings = {"codegen-units": cgu, "lto": lto, "opt-level": lv,
                "panic": panic, "strip": strip}
    key = ",".join(f"{k}={v}" for k, v in sorted(settings.items()))
    con.execute("INSERT OR IGNORE INTO variants (key, settings) VALUES (?, ?)",
                (key, json.dumps(settings)))
    vid = con.execute("SELECT id FROM variants WHERE key = ?", (key,)).fetchone()[0]
    base = 300000 + 40000 * levels.index(lv) + (2000000 if strip == "none" else 0)
    variants.append((vid, key, base))

# A Rust binary's sections, as shares of its file size (the rest is
# headers and padding); each is also a section.NAME measurement.
SECTIONS = [(".text", 0.52), (".rodata", 0.14), (".eh_frame", 0.06),
            (".eh_frame_hdr", 0.012), (".gcc_except_table", 0.008),
            (".data.rel.ro", 0.03), (".rela.dyn", 0.02), (".dynsym", 0.002),
            (".dynstr", 0.002), (".gnu.hash", 0.0005), (".got", 0.003),
            (".data", 0.001), (".bss", 0.001), (".init_array", 0.0001),
            (".dynamic", 0.0003), (".symtab", 0.05), (".strtab", 0.1)]


def record(aid, size):
    """Records an artifact's sections and measurements."""
    secs = [(aid, n, max(1, int(size * f))) for n, f in SECTIONS]
    con.executemany("INSERT INTO sections (artifact_id, name, size) VALUES (?, ?, ?)",
                    secs)
    rows = [(aid, "section." + n[1:], v) for _, n, v in secs]
    rows += [(aid, "file_size", size), (aid, "loadable_size", int(size * 0.76)),
             (aid, "post.strip", int(size * 0.84))]
    con.executemany("INSERT INTO measurements (artifact_id, name, value) VALUES (?, ?, ?)",
                    rows)


def build(rid, seq, vid, t, size):
    """Records a done build of one artifact; returns its id."""
    con.execute("""INSERT INTO builds (run_id, seq, variant_id, target_dir,
        state, rustc_version, wall_ms, cpu_ms, queued_at, started_at,
        finished_at, toolchain, checked) VALUES (?, ?, ?, '/nonexistent',
        'done', 'rustc 1.95.0 (synthetic)', ?, ?, ?, ?, ?, ?, 1)""",
                (rid, seq, vid, random.randint(800, 9000),
                 random.randint(1500, 16000), t, t, t + 30, toolchain))
    bid = con.execute("SELECT last_insert_rowid()").fetchone()[0]
    con.execute("""INSERT INTO artifacts (build_id, name, kind, path,
        file_size) VALUES (?, ?, 'bin', '/nonexistent', ?)""", (bid, name, size))
    record(con.execute("SELECT last_insert_rowid()").fetchone()[0], size)
    return bid


toolchain = json.dumps({"name": "default", "version": "rustc 1.95.0 (synthetic)",
                        "release": "1.95.0"})
parent = None
jump = int(ncommits * 0.7)
sizes = {vid: base for vid, _, base in variants}
head = None
for i in range(ncommits):
    cid = hashlib.sha1(f"{name}-{i}".encode()).hexdigest()
    t = t0 + i * 3600
    con.execute("""INSERT INTO commits (project_id, id, parent, time, author,
        subject) VALUES (?, ?, ?, ?, 'Seed <seed@sizemat.invalid>', ?)""",
                (pid, cid, parent, t, f"change {i}"))
    con.execute("""INSERT INTO runs (project_id, matrix, shape, matrix_source,
        state, created_at, started_at, finished_at, rev, commit_id, prepared,
        kind, on_branch) VALUES (?, 'synthetic', 'axes', '{}', 'done', ?, ?, ?,
        ?, ?, 1, 'run', 1)""", (pid, t, t, t + 60, cid, cid))
    rid = con.execute("SELECT last_insert_rowid()").fetchone()[0]
    for seq, (vid, key, base) in enumerate(variants):
        before = sizes[vid]
        sizes[vid] += random.randint(-200, 260) + (25000 if i == jump else 0)
        bid = build(rid, seq, vid, t, sizes[vid])
        if i == jump:
            con.execute("""INSERT INTO regressions (project_id, commit_id,
                base_commit, variant_id, artifact, base_size, size, threshold,
                build_id, found_by, alerted, created_at) VALUES (?, ?, ?, ?, ?,
                ?, ?, '1%', ?, 'run', 1, ?)""",
                        (pid, cid, parent, vid, name, before, sizes[vid], bid, now))
    parent = head = cid
con.execute("UPDATE projects SET head = ? WHERE id = ?", (head, pid))

# A path project: 20 runs of the same variants, one a day.
path = "/nonexistent/" + name
con.execute("INSERT INTO projects (path, created_at) VALUES (?, ?)", (path, t0))
ppid = con.execute("SELECT id FROM projects WHERE path = ?", (path,)).fetchone()[0]
for i in range(20):
    t = t0 + i * 86400
    con.execute("""INSERT INTO runs (project_id, matrix, shape, matrix_source,
        state, created_at, started_at, finished_at, kind) VALUES (?,
        'synthetic', 'axes', '{}', 'done', ?, ?, ?, 'run')""", (ppid, t, t, t + 60))
    rid = con.execute("SELECT last_insert_rowid()").fetchone()[0]
    for seq, (vid, key, base) in enumerate(variants):
        build(rid, seq, vid, t, base + random.randint(-500, 500))
con.commit()
nm = con.execute("SELECT count(*) FROM measurements").fetchone()[0]
print(f"{name}: {ncommits} commits x {len(variants)} variants, "
      f"{ncommits * len(variants)} builds, {nm} measurements; "
      f"path project {path}: 20 runs", file=sys.stderr)
