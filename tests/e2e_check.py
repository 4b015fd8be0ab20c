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
        # The toolchain's own cargo, as recorded ("cargo +nightly" too).
        cargo = b["toolchain"]["cargo"].split()
        out = subprocess.run(cargo + b["cargo_args"], cwd=project, env=env,
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(f"hand build of {b['variant_key']} failed: {out.stderr[-2000:]}")
        files = []
        for line in out.stdout.splitlines():
            msg = json.loads(line)
            if msg.get("reason") == "compiler-artifact":
                files += [msg["executable"]] if msg.get("executable") else []
                files += msg.get("filenames", [])
        for a in b["artifacts"]:
            base = os.path.basename(a["path"])
            mine_files = [f for f in files if os.path.basename(f) == base
                          and f.startswith(mine)]
            if not mine_files:
                fail(f"hand build of {b['variant_key']} made no {base} under {mine}")
            size = os.path.getsize(mine_files[-1])
            want = a["file_size"]
            if size != want:
                fail(f"{b['variant_key']} {base}: recorded {want} bytes, "
                     f"hand-run build {size}")
            print(f"  {b.get('step') or b['variant_key']} {base}: {size} bytes "
                  f"by hand, {want} recorded")


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


def failed_with(path, text, state="failed"):
    doc = load(path)
    for b in doc["builds"]:
        if b["state"] != state:
            fail(f"build {b['variant_key']} is {b['state']}")
        if text not in (b["error"] or ""):
            fail(f"error does not mention {text!r}: {b['error']!r}")
        if b["artifacts"]:
            fail("a failed build has artifacts")
    print(f"  {len(doc['builds'])} builds {state} with {text}")


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


def builds_done_any(path, n):
    """n builds, all done with artifacts (of any kind)."""
    doc = load(path)
    if len(doc["builds"]) != int(n):
        fail(f"{len(doc['builds'])} builds, wanted {n}")
    for b in doc["builds"]:
        if b["state"] != "done" or not b["artifacts"]:
            fail(f"{b['variant_key']} is {b['state']}: {b['error']}")


def ladder_order(path, *steps):
    """The named steps' sizes strictly decrease in the order given, every
    step of the ladder is done, and each is a real build (cargo ran), or
    the same build as a step that was (same_as: a step that changes
    nothing effective, as strip=debuginfo where Cargo strips it anyway)."""
    doc = load(path)
    by_step = {b["step"]: b for b in doc["builds"]}
    by_id = {b["id"]: b for b in doc["builds"]}
    for b in doc["builds"]:
        if b["state"] != "done":
            fail(f"step {b['step']} is {b['state']}: {b['error']}")
        built = by_id.get(b["same_as"], b) if b["same_as"] else b
        if built["wall_ms"] is None or not b["artifacts"] or \
                built["same_as"] is not None:
            fail(f"step {b['step']} was not built")
        if b["same_as"]:
            print(f"  step {b['step']}: the same build as step {built['step']}")
    sizes = []
    for s in steps:
        if s not in by_step:
            fail(f"no step {s!r}; steps: {list(by_step)}")
        sizes.append(by_step[s]["artifacts"][0]["file_size"])
    for (s1, a), (s2, c) in zip(zip(steps, sizes), zip(steps[1:], sizes[1:])):
        if not c < a:
            fail(f"{s2} ({c} B) is not smaller than {s1} ({a} B)")
    print("  " + ", ".join(f"{s} {n}" for s, n in zip(steps, sizes)))


def step_env(path, step, *pairs):
    """A step's recorded env and cargo args hold the given NAME=VALUE and
    args: entries (args:-Zbuild-std=panic_abort,std)."""
    doc = load(path)
    b = next((b for b in doc["builds"] if b["step"] == step), None)
    if b is None:
        fail(f"no step {step}")
    for p in pairs:
        if p.startswith("args:"):
            if p[5:] not in b["cargo_args"]:
                fail(f"{step}: {p[5:]} not in {b['cargo_args']}")
            continue
        k, v = p.split("=", 1)
        have = b["env"].get(k)
        if k == "RUSTFLAGS":
            if v not in (have or ""):
                fail(f"{step}: RUSTFLAGS {have!r} lacks {v!r}")
        elif have != v:
            fail(f"{step}: {k}={have!r}, wanted {v!r}")


def notes_have(path, step, text):
    doc = load(path)
    b = next((b for b in doc["builds"] if b["step"] == step), None)
    if b is None or text not in (b.get("notes") or ""):
        fail(f"notes of {step}: {b and b.get('notes')!r} lack {text!r}")


def post_by_hand(path, tmp):
    """Every post.* measurement equals the tool run by hand on the file."""
    import gzip
    doc = load(path)
    cmds = {
        "post.xz": ["xz", "-9e", "-c"],
        # Given the file, as zstd writes the content size it then knows.
        "post.zstd": ["zstd", "-19", "-q", "-c", "FILE"],
    }
    seen = 0
    for b in doc["builds"]:
        for a in b["artifacts"]:
            m = a["measurements"]
            for name, cmd in cmds.items():
                if name not in m:
                    continue
                cmd = [a["kept_path"] if c == "FILE" else c for c in cmd]
                with open(a["kept_path"], "rb") as f:
                    out = subprocess.run(cmd, stdin=f, capture_output=True)
                if len(out.stdout) != m[name]:
                    fail(f"{b['variant_key']} {name}: recorded {m[name]}, "
                         f"{' '.join(cmd)} gives {len(out.stdout)}")
                seen += 1
            if "post.gzip" in m:
                # zlib at level 9 with a 10-byte header, as Python's gzip
                # module writes it; GNU gzip -9n has its own deflate.
                with open(a["kept_path"], "rb") as f:
                    data = f.read()
                z = len(gzip.compress(data, 9, mtime=0))
                g = len(subprocess.run(["gzip", "-9n", "-c"], input=data,
                                       capture_output=True).stdout)
                if z != m["post.gzip"]:
                    fail(f"post.gzip: recorded {m['post.gzip']}, zlib level "
                         f"9 gives {z}")
                if abs(g - z) > z / 100:
                    fail(f"post.gzip {z} is not within 1% of gzip -9n's {g}")
                print(f"  post.gzip {z} B (GNU gzip -9n: {g} B)")
                seen += 1
            if "post.strip" in m:
                copy = os.path.join(tmp, "strip-copy")
                with open(a["kept_path"], "rb") as f, open(copy, "wb") as g:
                    g.write(f.read())
                subprocess.run(["strip", "--strip-all", copy], check=True)
                if os.path.getsize(copy) != m["post.strip"]:
                    fail(f"post.strip: recorded {m['post.strip']}, "
                         f"strip gives {os.path.getsize(copy)}")
                seen += 1
            if os.path.getsize(a["kept_path"]) != a["file_size"]:
                fail("the kept copy differs from the measured size")
    if seen == 0:
        fail("no post measurement at all")
    print(f"  {seen} post measurements equal the tools run by hand")


def wasm_sections(path):
    """A .wasm artifact is measured by section, and the sections plus the
    8-byte preamble add up to the file size."""
    doc = load(path)
    for b in doc["builds"]:
        for a in b["artifacts"]:
            if not a["path"].endswith(".wasm"):
                continue
            total = 8 + sum(a["sections"].values())
            if total != a["file_size"]:
                fail(f"sections add up to {total}, file is {a['file_size']}")
            for s in ("section.code", "section.type", "loadable_size"):
                if s not in a["measurements"]:
                    fail(f"{s} missing: {a['measurements']}")
            print(f"  {a['name']}: {a['file_size']} bytes, {a['sections']}")
            return
    fail("no .wasm artifact")


def explained(path, good, none):
    """explain: setting good saves bytes, setting none made no difference."""
    doc = load(path)
    rows = {f"{s['key']}={s['value']}": s for s in doc["settings"]}
    g, n = rows.get(good), rows.get(none)
    if g is None or n is None:
        fail(f"settings explained: {list(rows)}")
    if g["state"] != "done" or g["saves"] <= 0:
        fail(f"{good}: {g}")
    # Nothing to build: the project and Cargo already give that value.
    if n["state"] != "same" or n["saves"] != 0 or n["without"] != doc["variant_key"]:
        fail(f"{none}: {n}")
    if g["file_size"] - doc["file_size"] != g["saves"]:
        fail("saves is not the neighbour's size minus the variant's")
    print(f"  {good} saves {g['saves']} B; {none} saves {n['saves']} B")


def diff_names(path, symbol):
    doc = load(path)
    for a in doc["artifacts"]:
        for s in a.get("symbols", []):
            if symbol in s["name"] and s["change"] == "added" and s["b"] > 0:
                print(f"  {s['name']}: added, {s['b']} bytes")
                return
    fail(f"{symbol} is not among the added symbols: "
         f"{[a.get('symbols', a.get('symbols_error')) for a in doc['artifacts']]}")


def nightly_default(path):
    tcs = {t["name"]: t for t in load(path)["toolchains"]}
    sys.exit(0 if tcs["default"].get("nightly") else 1)


def has_rust_src(path, name):
    tcs = {t["name"]: t for t in load(path)["toolchains"]}
    sys.exit(0 if tcs.get(name, {}).get("rust_src") else 1)


def sizes_differ(path, key1, key2):
    doc = load(path)
    size = {b["variant_key"]: b["artifacts"][0]["file_size"]
            for b in doc["builds"] if b["artifacts"]}
    if key1 not in size or key2 not in size:
        fail(f"variants: {list(size)}")
    if size[key1] == size[key2]:
        fail(f"{key1} and {key2} are both {size[key1]} bytes")
    print(f"  {key1}: {size[key1]} B, {key2}: {size[key2]} B")



EFFECTIVE_KEYS = ["codegen-units", "debug", "debug-assertions", "lto",
                  "opt-level", "overflow-checks", "panic", "strip"]


def by_step(doc, step):
    for b in doc["builds"]:
        if step in (b.get("step"), b["variant_key"]):
            return b
    fail(f"no build {step}: {[b.get('step') or b['variant_key'] for b in doc['builds']]}")


def effective_recorded(path, step, own, **want):
    """Every build carries its effective profile with the canonical keys;
    build step's project_profile is the JSON object own, and its effective
    profile has the project's values."""
    doc = load(path)
    for b in doc["builds"]:
        eff = b.get("effective")
        if not isinstance(eff, dict) or sorted(eff) != EFFECTIVE_KEYS:
            fail(f"{b['variant_key']}: effective is {eff}")
        for k, v in b["variant"].items():
            v = {"0": "none", "1": "limited", "2": "full"}.get(v, v) \
                if k == "debug" else v
            if k in eff and eff[k] != v:
                fail(f"{b['variant_key']}: sets {k}={v}, effective {eff[k]}")
    b = by_step(doc, step)
    if b["project_profile"] != json.loads(own):
        fail(f"project_profile is {b['project_profile']}, wanted {own}")
    for k, v in json.loads(own).items():
        if b["effective"][k] != v:
            fail(f"{step}: effective {k} is {b['effective'][k]}, wanted {v}")
    print(f"  {step}: effective {b['effective']}")


def same_as(path, *steps):
    """The builds of steps compile the same thing: one of them was built
    (which one depends on which unit graph cargo answered first), the others
    carry its artifacts and sizes as same_as, with no build time of their
    own; no other build of the run is same_as."""
    doc = load(path)
    group = [by_step(doc, s) for s in steps]
    built = [b for b in group if b["same_as"] is None]
    if len(built) != 1 or built[0]["wall_ms"] is None:
        fail(f"built: {[b['variant_key'] for b in built]}")
    base = built[0]
    for b in group:
        if b is base:
            continue
        if b["same_as"] != base["id"]:
            fail(f"{b['variant_key']}: same_as is {b['same_as']}, wanted {base['id']}")
        if b["state"] != "done" or b["wall_ms"] is not None:
            fail(f"{b['variant_key']}: {b['state']}, wall_ms {b['wall_ms']}")
        if [a["file_size"] for a in b["artifacts"]] != \
                [a["file_size"] for a in base["artifacts"]]:
            fail(f"{b['variant_key']}: sizes differ from the built one's")
    others = [b for b in doc["builds"] if b["same_as"] is not None and
              b not in group]
    if others:
        fail(f"also not built: {[b['variant_key'] for b in others]}")
    print(f"  {', '.join(steps)}: built once, as build {base['id']}")


def explain_row(path, key, instead, source):
    """explain: key's row compares with the neighbour that sets key to
    instead (source: project or cargo-default), which was built, and the
    saving is the neighbour's size minus the variant's, above zero."""
    doc = load(path)
    rows = {s["key"]: s for s in doc["settings"]}
    r = rows.get(key)
    if r is None:
        fail(f"settings explained: {list(rows)}")
    if r["instead"] != instead or r["instead_from"] != source:
        fail(f"{key}: compared with {r['instead']} from {r['instead_from']}")
    own = (doc["project_profile"] or {}).get(key)
    if r["project_has"] != (own == r["value"]):
        fail(f"{key}: project_has is {r['project_has']}, the project has {own}")
    if f"{key}={instead}" not in r["without"].split(","):
        fail(f"{key}: the neighbour {r['without']} does not set {instead}")
    if r["state"] != "done" or r["saves"] <= 0 or \
            r["file_size"] - doc["file_size"] != r["saves"]:
        fail(f"{key}: {r}")
    print(f"  {key}={r['value']} saves {r['saves']} B against {instead}")


def same_sizes(path, other, n):
    """Two runs of one matrix (two stores, or machines): every variant's
    artifact has the same size and hash in both, n artifacts each."""
    def sizes(p):
        return {(b["variant_key"], a["name"]): (a["file_size"], a["sha256"])
                for b in load(p)["builds"] for a in b["artifacts"]}
    a, b = sizes(path), sizes(other)
    print(f"  {len(a)} artifacts, and {len(b)}")
    if a != b or len(a) != int(n):
        fail(f"differ: {sorted(set(a.items()) ^ set(b.items()))[:4]}")


def winner_size(path):
    """Prints the size of the smallest build's first artifact."""
    doc = load(path)
    sizes = [b["artifacts"][0]["file_size"] for b in doc["builds"]
             if b["state"] == "done" and b["artifacts"]]
    print(min(sizes))


if __name__ == "__main__":
    globals()[sys.argv[1].replace("-", "_")](*sys.argv[2:])
