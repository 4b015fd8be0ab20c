#!/usr/bin/env python3
"""Checks on sizemat's JSON output for tests/e2e-history.sh: one subcommand
per assertion; exit status 0 when it holds, 1 with a reason on stderr."""
import hashlib
import json
import math
import os
import re
import sqlite3
import subprocess
import sys


class PgRows(list):
    """Rows psql printed, read as sqlite3's cursor is."""

    def fetchone(self):
        return self[0] if self else None

    def fetchall(self):
        return list(self)


class PgConnection:
    """The test's PostgreSQL database for a SQLite file name (as
    tests/db-lib.sh names it), queried through psql."""

    def __init__(self, path):
        name = "t_" + hashlib.md5(path.encode()).hexdigest()[:16]
        self.uri = (f"postgresql://postgres@/{name}?host="
                    f"{os.environ['SIZEMAT_TEST_PGDIR']}"
                    f"&port={os.environ['SIZEMAT_TEST_PGPORT']}")

    @staticmethod
    def literal(v):
        if v is None:
            return "NULL"
        if isinstance(v, int):
            return str(v)
        return "'" + str(v).replace("'", "''") + "'"

    def execute(self, sql, params=()):
        parts = sql.split("?")
        sql = parts[0] + "".join(self.literal(v) + p
                                 for v, p in zip(params, parts[1:]))
        out = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-P",
                              "null=\\N", "-v", "ON_ERROR_STOP=1", "-d",
                              self.uri, "-c", sql], check=True,
                             capture_output=True, text=True).stdout
        rows = PgRows()
        for line in out.splitlines():
            rows.append(tuple(None if f == "\\N" else
                              int(f) if re.fullmatch(r"-?\d+", f) else f
                              for f in line.split("\t")))
        return rows


def connect(db):
    """The database of file db: itself, or its PostgreSQL stand-in."""
    if os.environ.get("SIZEMAT_TEST_PG"):
        return PgConnection(db)
    return sqlite3.connect(db)


def load(path):
    with open(path) as f:
        return json.load(f)


def fail(msg):
    print("  " + msg, file=sys.stderr)
    sys.exit(1)


def commit_recorded(path, commit, epoch):
    """The results document names the commit, its subject and Cargo.lock,
    and the build ran --locked with SOURCE_DATE_EPOCH the commit time."""
    doc = load(path)
    c = doc.get("commit") or {}
    if c.get("id") != commit or not c.get("subject") or not c.get("author"):
        fail(f"commit in results: {c}")
    if not c.get("cargo_lock"):
        fail("the Cargo.lock hash is not recorded")
    for b in doc["builds"]:
        if b["env"].get("SOURCE_DATE_EPOCH") != epoch:
            fail(f"SOURCE_DATE_EPOCH is {b['env'].get('SOURCE_DATE_EPOCH')}")
        if "--locked" not in b["cargo_args"]:
            fail(f"cargo args: {b['cargo_args']}")


def reused(path, want):
    """Every build of the run repeats an earlier result (want=yes), or
    none does (want=no)."""
    doc = load(path)
    for b in doc["builds"]:
        r = b.get("reused_from")
        if (want == "yes") != (r is not None):
            fail(f"build {b['id']} reused_from {r}, wanted {want}")
        if b["state"] != "done":
            fail(f"build {b['id']} is {b['state']}")


def trend_jump(path, jump, *order):
    """Rows come in first-parent order, and only the row of the jump grows
    by more than 1%."""
    rows = load(path)["rows"]
    got = [r["commit"] for r in rows]
    if got != list(order):
        fail(f"rows {got}, wanted {list(order)}")
    for r in rows[1:]:
        grew = r["percent"] > 1
        if grew != (r["commit"] == jump):
            fail(f"row {r['commit'][:12]} changed {r['percent']:.2f}%")
        if r["commit"] == jump and r["delta"] <= 0:
            fail(f"delta at the jump is {r['delta']}")


def compare_over(path, want):
    doc = load(path)
    if doc["exceeded"] != (want == "yes"):
        fail(f"exceeded is {doc['exceeded']}, wanted {want}")
    if not doc["rows"]:
        fail("no rows")


def regressions_at(path, commit, n):
    regs = load(path)["regressions"]
    if len(regs) != int(n) or any(r["commit"] != commit for r in regs):
        fail(f"regressions: {[(r['commit'][:12], r['variant_key']) for r in regs]}")
    for r in regs:
        if r["size"] <= r["base_size"] or r["bytes"] <= 0:
            fail(f"regression sizes {r['base_size']} -> {r['size']}")


def one_alert(path, project, head, base, nvariants):
    """Exactly one webhook body arrived, for the regressing commit, with
    every variant that grew and a one-line text."""
    with open(path) as f:
        lines = [l for l in f if l.strip()]
    if len(lines) != 1:
        fail(f"{len(lines)} deliveries, wanted 1")
    body = json.loads(lines[0])
    if body["project"] != project or body["head"]["id"] != head:
        fail(f"alert for {body['project']} {body['head']}")
    if body["base"]["id"] != base or body["branch"] != "main":
        fail(f"base {body['base']['id']}, branch {body['branch']}")
    if len(body["variants"]) != int(nvariants):
        fail(f"{len(body['variants'])} variants in the alert")
    for v in body["variants"]:
        if v["size"] - v["base_size"] != v["bytes"] or v["bytes"] <= 0:
            fail(f"variant {v}")
        if abs(v["percent"] - v["bytes"] * 100 / v["base_size"]) > 1e-6:
            fail(f"percent {v['percent']}")
    if head[:12] not in body["text"] or "\n" in body["text"]:
        fail(f"text: {body['text']!r}")
    # Each variant says why it grew, and so does the text.
    for v in body["variants"]:
        explained(v, f"alert's {v['variant_key']}")
    if "histdata" not in body["text"]:
        fail(f"text without its cause: {body['text']!r}")


def explained(r, what):
    """A regression's causes name the dependency c5 adds and its table."""
    c = r.get("causes")
    if not c:
        fail(f"{what}: no causes ({r.get('causes_note')})")
    if c["crates"][0]["name"] != "histdata" or c["crates"][0]["change"] != "added":
        fail(f"{what}: top crate {c['crates'][:2]}")
    t = [x for x in c["symbols"] if x["name"] == "histdata::TABLE"]
    if not t or t[0]["delta"] < 320000 or t[0]["percent"] is not None:
        fail(f"{what}: symbols {c['symbols'][:3]}")
    for row in c["crates"] + c["symbols"]:
        if row["delta"] <= 0 or row["b"] - row["a"] != row["delta"]:
            fail(f"{what}: row {row}")
    if ("strip=symbols" in r["variant_key"]) != (c.get("from") == "unstripped twin"):
        fail(f"{what}: from {c.get('from')}")


def regressions_explained(path, commit):
    """Every regression at the commit carries its causes."""
    regs = [r for r in load(path)["regressions"] if r["commit"] == commit]
    if not regs:
        fail(f"no regression at {commit}")
    for r in regs:
        explained(r, r["variant_key"])


def dead_delivery(path, url):
    """The dead endpoint's delivery is recorded as tried and failing."""
    for d in load(path)["deliveries"]:
        if d["url"] == url:
            if d["attempts"] < 1 or not d["error"] or d["state"] == "delivered":
                fail(f"dead delivery: {d}")
            return
    fail(f"no delivery to {url}")


def bisected(path, culprit, skipped, ncommits):
    """The bisection names the culprit, skipped the broken commit, and
    took at most ceil(log2 n) + 2 builds."""
    doc = load(path)
    res = doc.get("result") or {}
    if doc["state"] != "done" or (res.get("culprit") or {}).get("id") != culprit:
        fail(f"state {doc['state']}, result {res}, message {doc['message']}")
    if res["size"] <= res["base_size"] or not res["culprit"].get("subject"):
        fail(f"sizes {res['base_size']} -> {res['size']}")
    if skipped not in [s["id"] for s in res["skipped"]]:
        fail(f"skipped: {res['skipped']}")
    bound = math.ceil(math.log2(int(ncommits))) + 2
    if doc["builds"] > bound:
        fail(f"{doc['builds']} builds, more than {bound}")
    print(f"  bisection: {doc['builds']} builds for {ncommits} commits "
          f"(bound {bound})", file=sys.stderr)


def scheduled_runs(path, project, n, *commits):
    """The runs list holds n scheduled runs of project, at those commits."""
    runs = [r for r in load(path)["runs"]
            if r["project"] == project and r.get("kind") == "schedule"]
    got = sorted(r["commit"] or r["rev"] for r in runs)
    if len(runs) != int(n) or (commits and got != sorted(commits)):
        fail(f"scheduled runs at {got}, wanted {n} at {sorted(commits)}")


def toolchain_change(path, *order):
    """One series across the update: only the last row marks a change."""
    rows = load(path)["rows"]
    if [r["commit"] for r in rows] != list(order):
        fail(f"rows {[r['commit'][:12] for r in rows]}")
    marks = [r["toolchain_changed"] for r in rows]
    if marks != [False] * (len(rows) - 1) + [True]:
        fail(f"toolchain_changed {marks}: "
             f"{[r['rustc_version'] for r in rows]}")
    if "pinned" not in load(path)["variant_key"]:
        fail(f"variant {load(path)['variant_key']}")


def parse_metrics(path):
    """Reads the Prometheus text format: {(name, labels): value}."""
    line_re = re.compile(r'^([a-z_]+)(\{(.*)\})? (\S+)$')
    label_re = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')
    out = {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
                continue
            m = line_re.match(line)
            if not m:
                fail(f"not the text format: {line!r}")
            labels = tuple(sorted(label_re.findall(m.group(3) or "")))
            out[(m.group(1), labels)] = float(m.group(4))
    return out


def current_builds(con):
    """The current done build of each project and variant: for a tracked
    project the newest at the newest measured commit of its branch's
    first-parent line (walked here from its head), for a path project the
    newest."""
    current = set()
    for pid, head in con.execute("SELECT id, head FROM projects"):
        done = {}
        for bid, vid, commit in con.execute("""
                SELECT b.id, b.variant_id, r.commit_id FROM builds b
                JOIN runs r ON r.id = b.run_id
                WHERE r.project_id = ? AND b.state = 'done'""", (pid,)):
            done.setdefault(vid, []).append((bid, commit))
        if head is None:
            current |= {max(b for b, _ in v) for v in done.values()}
            continue
        parents = dict(con.execute(
            "SELECT id, parent FROM commits WHERE project_id = ?", (pid,)))
        line, c = [], head
        while c is not None:
            line.append(c)
            c = parents.get(c)
        for builds in done.values():
            for c in line:
                at = [b for b, commit in builds if commit == c]
                if at:
                    current.add(max(at))
                    break
    return current


def best_current(path, commit):
    """best names each row's commit: the project's current one, not the
    commit of its newest run."""
    rows = load(path)["ranking"]
    if not rows or any(r.get("commit") != commit for r in rows):
        fail(f"best rows at {[r.get('commit') for r in rows]}, wanted {commit}")
    print(f"  {len(rows)} rows at {commit[:12]}")


def metrics_match(path, db):
    """/metrics agrees with the database it reports on."""
    got = parse_metrics(path)
    con = connect(db)
    for state, n in con.execute("SELECT state, count(*) FROM builds GROUP BY state"):
        if got.get(("sizemat_builds", (("state", state),))) != n:
            fail(f"builds {state}: {got.get(('sizemat_builds', (('state', state),)))} != {n}")
    current = current_builds(con)
    latest = [row for row in con.execute("""
        SELECT coalesce(p.name, p.path), v.key, a.name, a.kind, a.file_size,
               b.id
        FROM builds b JOIN runs r ON r.id = b.run_id
        JOIN projects p ON p.id = r.project_id
        JOIN variants v ON v.id = b.variant_id
        JOIN artifacts a ON a.build_id = b.id
        WHERE p.path NOT LIKE 'removed:%'""") if row[5] in current]
    latest = [row[:5] for row in latest]
    sizes = {k: v for k, v in got.items() if k[0] == "sizemat_artifact_size_bytes"}
    if len(sizes) != len(latest) or not latest:
        fail(f"{len(sizes)} size gauges, {len(latest)} in the database")
    for project, key, name, kind, size in latest:
        found = [v for (n, labels), v in sizes.items()
                 if dict(labels)["project"] == project
                 and dict(labels)["variant"] == key
                 and dict(labels)["artifact"] == name
                 and dict(labels)["kind"] == kind]
        if found != [size]:
            fail(f"{project} {key} {name}: {found}, database {size}")
    n = con.execute("SELECT count(*) FROM builds WHERE state = 'done'"
                    " AND wall_ms IS NOT NULL AND reused_from IS NULL").fetchone()[0]
    buckets = sorted((float(dict(l)["le"]), v) for (name, l), v in got.items()
                     if name == "sizemat_build_duration_seconds_bucket")
    counts = [v for _, v in buckets]
    if counts != sorted(counts) or counts[-1] != n or \
            got[("sizemat_build_duration_seconds_count", ())] != n:
        fail(f"duration buckets {buckets}, {n} builds")


def export_match(csv_path, json_path, db, project):
    """export gives every finished build of the project, a row per
    artifact, with the sizes and measurements the database holds."""
    import csv
    con = connect(db)
    want = con.execute("""
        SELECT b.id, a.name, a.file_size FROM builds b
        JOIN runs r ON r.id = b.run_id JOIN projects p ON p.id = r.project_id
        LEFT JOIN artifacts a ON a.build_id = b.id
        WHERE p.name = ? AND b.state NOT IN ('queued', 'running')
        ORDER BY b.id, a.name""", (project,)).fetchall()
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    got = [(int(r["build"]), r["artifact"] or None,
            int(r["file_size"]) if r["file_size"] else None) for r in rows]
    if got != want:
        fail(f"{len(got)} CSV rows, {len(want)} in the database")
    for r in rows:
        if r["file_size"] and r["section.text"] == "":
            fail(f"build {r['build']}: no section.text column value")
    doc = load(json_path)
    if len(doc["rows"]) != len(want):
        fail(f"{len(doc['rows'])} JSON rows")
    for r in doc["rows"]:
        if r["file_size"] is not None and \
                r["measurements"]["file_size"] != r["file_size"]:
            fail(f"build {r['build']}: measurements {r['measurements']}")
    # Every artifact's sha256, as the database has it, in both forms.
    sha = dict(((b, n), h) for b, n, h in con.execute("""
        SELECT a.build_id, a.name, a.sha256 FROM artifacts a""").fetchall())
    for r in doc["rows"]:
        if r["artifact"] is not None and (r["sha256"] is None or
                r["sha256"] != sha[(r["build"], r["artifact"])]):
            fail(f"build {r['build']}: sha256 {r['sha256']}")
    for r in rows:
        if r["artifact"] and len(r["sha256"]) != 64:
            fail(f"CSV build {r['build']}: sha256 {r['sha256']!r}")


def wall_ms(path):
    print(load(path)["builds"][0]["wall_ms"])



def regression_state(path, state, commit, base, first, unmeasured):
    """regressions --json holds one entry, in state, with commit (the
    culprit or the last of a range), base_commit, first, last and the
    count of unmeasured commits between them."""
    regs = load(path)["regressions"]
    if len(regs) != 1:
        fail(f"{len(regs)} regressions: {[(r['commit'], r['state']) for r in regs]}")
    r = regs[0]
    want = {"state": state, "commit": commit, "last": commit,
            "base_commit": base, "first": first,
            "unmeasured": int(unmeasured)}
    got = {k: r.get(k) for k in want}
    if got != want:
        fail(f"regression {got}, wanted {want}")
    print(f"  {state}: {base[:12]}..{commit[:12]}, first {first[:12]}, "
          f"{unmeasured} unmeasured")


def events(path, *want):
    """The webhook bodies that arrived, in order, are of the events given
    as EVENT:STATE:COMMIT (STATE and COMMIT of the revised regression, or
    empty for the first alert, whose head is COMMIT)."""
    with open(path) as f:
        bodies = [json.loads(l) for l in f if l.strip()]
    got = []
    for b in bodies:
        if b["event"] == "size_regression":
            got.append(f"size_regression::{b['head']['id']}")
        else:
            r = b["regression"]
            got.append(f"{b['event']}:{r['state']}:{r['commit']}")
            if "\n" in b["text"] or r["commit"][:12] not in b["text"]:
                fail(f"text: {b['text']!r}")
    if got != list(want):
        fail(f"webhook events {got}, wanted {list(want)}")
    print(f"  {len(got)} webhook events: {', '.join(g.split(':')[0] for g in got)}")


if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
