#!/usr/bin/env python3
"""Checks on sizemat's JSON output for tests/e2e.sh: one subcommand per
assertion; exit status 0 when it holds, 1 with a reason on stderr when not."""
import json
import os
import subprocess
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def fail(msg):
    print("  " + msg, file=sys.stderr)
    sys.exit(1)


def builds_done(path, n):
    doc = load(path)
    builds = doc["builds"]
    if len(builds) != int(n):
        fail(f"{len(builds)} builds, wanted {n}")
    if doc["run"]["state"] != "done" or doc["run"]["builds_done"] != int(n):
        fail(f"run is {doc['run']}")
    for b in builds:
        if b["state"] != "done":
            fail(f"build {b['variant_key']} is {b['state']}: {b['error']}")
        if not b["artifacts"] or b["artifacts"][0]["file_size"] <= 0:
            fail(f"build {b['variant_key']} has no artifact")
        for a in b["artifacts"]:
            m = a["measurements"]
            if m.get("file_size") != a["file_size"] or "loadable_size" not in m:
                fail(f"measurements of {a['name']}: {m}")
            if m.get("section.text") != a["sections"].get(".text"):
                fail("section.text differs from sections['.text']")
        if b["cpu_ms"] is None or b["wall_ms"] is None:
            fail(f"build {b['variant_key']} lacks wall_ms or cpu_ms")


def reproduce(path, tmp, count):
    """Builds each variant by hand with the recorded env and cargo args in
    another target dir, and compares the artifact's size."""
    doc = load(path)
    project = doc["run"]["project"]
    for i, b in enumerate(doc["builds"][: int(count)]):
        mine = os.path.join(tmp, f"hand-{i}")
        env = dict(os.environ)
        env.pop("RUSTFLAGS", None)
        env.pop("CARGO_ENCODED_RUSTFLAGS", None)
        for k, v in b["env"].items():
            env[k] = v.replace(b["target_dir"], mine)
        out = subprocess.run(["cargo"] + b["cargo_args"], cwd=project, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"hand build of {b['variant_key']} failed: {out.stderr[-2000:]}")
        exe = None
        for line in out.stdout.splitlines():
            msg = json.loads(line)
            if msg.get("reason") == "compiler-artifact" and msg.get("executable"):
                exe = msg["executable"]
        if exe is None or not exe.startswith(mine):
            fail(f"hand build of {b['variant_key']} made no executable under {mine}")
        size = os.path.getsize(exe)
        want = b["artifacts"][0]["file_size"]
        if size != want:
            fail(f"{b['variant_key']}: recorded {want} bytes, hand-run build {size}")
        print(f"  {b['variant_key']}: {size} bytes by hand, {want} recorded")


def ranking_sorted(path, n):
    doc = load(path)
    sizes = [r["file_size"] for r in doc["ranking"]]
    if len(sizes) != int(n):
        fail(f"{len(sizes)} rows, wanted {n}")
    if sizes != sorted(sizes):
        fail(f"not smallest first: {sizes}")
    keys = [(r["variant_key"], r["artifact"]) for r in doc["ranking"]]
    if len(set(keys)) != len(keys):
        fail(f"a variant appears twice: {keys}")


def failed_with(path, text):
    doc = load(path)
    for b in doc["builds"]:
        if b["state"] != "failed":
            fail(f"build {b['variant_key']} is {b['state']}")
        if text not in (b["error"] or ""):
            fail(f"error does not mention {text!r}: {b['error']!r}")
        if b["artifacts"]:
            fail("a failed build has artifacts")
    print(f"  {len(doc['builds'])} builds failed with {text}")


def library_artifacts(path):
    """A crate with a cdylib and a staticlib: both recorded, measured as
    ELF (the archive's members summed), never confused with each other."""
    doc = load(path)
    for b in doc["builds"]:
        kinds = sorted(a["kind"] for a in b["artifacts"])
        if kinds != ["cdylib", "staticlib"]:
            fail(f"{b['variant_key']}: artifacts {kinds}")
        for a in b["artifacts"]:
            if os.path.getsize(a["path"]) != a["file_size"]:
                fail(f"{a['path']}: size differs from the file")
            if a["measurements"].get("section.text", 0) <= 0:
                fail(f"{a['kind']}: no section.text")


def first_build_id(path):
    print(load(path)["builds"][0]["id"])


def field(path, *keys):
    v = load(path)
    for k in keys:
        v = v[int(k)] if isinstance(v, list) else v[k]
    print(v)


def same(a, b):
    if load(a) != load(b):
        fail(f"{a} and {b} differ")


def exactly_once(path, n):
    doc = load(path)
    keys = [b["variant_key"] for b in doc["builds"]]
    if len(keys) != int(n) or len(set(keys)) != len(keys):
        fail(f"variants: {keys}")
    for b in doc["builds"]:
        if b["state"] != "done" or len(b["artifacts"]) != 1:
            fail(f"{b['variant_key']}: {b['state']}, {len(b['artifacts'])} artifacts")
    retried = [b["variant_key"] for b in doc["builds"] if b["attempts"] > 1]
    if not retried:
        fail("no build was interrupted: the kill came too late")
    print(f"  interrupted and built again: {', '.join(retried)}")


def processes(workdir):
    """Lists processes whose command line or environment names workdir."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if workdir.encode() in cmd or workdir.encode() in env:
            text = cmd.replace(b"\0", b" ").decode(errors="replace")
            found.append(f"{pid}: {text[:120]}")
    return found


def orphans(workdir):
    found = processes(workdir)
    if found:
        fail("left behind: " + "; ".join(found))


def running(workdir):
    """Succeeds when a build process (cargo or rustc) of workdir runs."""
    if not [p for p in processes(workdir) if "sizematd" not in p]:
        sys.exit(1)


if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
