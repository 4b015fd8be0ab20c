#!/bin/bash
# Numbers a user can trust: a project's own release profile is seen and
# shown (the effective profile of every build, ladder steps and explain rows
# that the project already has), variants that compile the same thing are
# built once, and the winner's snippet reproduces its size when pasted over
# the project's profile. Two builds at once, so that a variant waits for a
# running one with the same unit graph. Target dirs live in
# build/e2e-trust-work and are reused from one run to the next.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-trust.XXXXXX)
WORK=$TOP/build/e2e-trust-work
PID=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
sm() { "$BIN/sizemat" "$@"; }
mkdir -p "$WORK"

start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles" \
    --jobs 2
cp -r "$FIX/ownprofile" "$TMP/own"

# 1. The stable ladder on a crate that sets lto, codegen-units and panic.
sm run "$TMP/own" --matrix stable-min --wait --json >"$TMP/ladder.json" \
    2>"$TMP/err"
check "the ladder runs (exit 0)" test $? = 0
RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/ladder.json")
check "every build records its effective profile; release shows the project's lto, codegen-units and panic" \
    $CHECK effective-recorded "$TMP/ladder.json" release \
    '{"codegen-units": "1", "lto": "fat", "panic": "abort"}'
check "steps that set what the project already has are built once; lto=fat over the project's lto = true is a build of its own" \
    $CHECK same-as "$TMP/ladder.json" lto "codegen-units 1" "panic abort"
check "every size, of built and same_as builds alike, equals a hand-run build with its own recorded env" \
    $CHECK reproduce "$TMP/ladder.json" "$TMP" 6
sm results "$RUN" --csv >"$TMP/results.csv"
check "results --csv carries plain numbers: bytes and milliseconds" \
    python3 - "$TMP/results.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
ok = rows and all(r["size"].isdigit() and r["loadable"].isdigit() and
                  (r["time"] == "" or r["time"].isdigit()) and
                  (r["vs previous step"] == "" or
                   r["vs previous step"].lstrip("+-").isdigit())
                  for r in rows)
sys.exit(0 if ok else 1)
PY
sm ladder "$RUN" >"$TMP/ladder.txt"
for s in lto=fat codegen-units=1 panic=abort; do
	check "the ladder says $s changes nothing: the project has it" \
	    grep -q "changes nothing: $s is already the project's" \
	    "$TMP/ladder.txt"
done
check "the ladder labels its release step as the project's profile" \
    grep -q "release (the project's profile)" "$TMP/ladder.txt"
check "the ladder shows the project's own settings" \
    grep -q "the project's own profile: codegen-units=1, lto=fat, panic=abort" \
    "$TMP/ladder.txt"

# 2. explain sets the other value explicitly: Cargo's default where the
# project already has the variant's value, else the project's own.
sm explain "$RUN" --variant "panic abort" --wait --json >"$TMP/explain.json" \
    2>/dev/null
check "explain: panic=abort is compared with Cargo's default unwind, and saves bytes" \
    $CHECK explain-row "$TMP/explain.json" panic unwind cargo-default
check "explain: lto=fat is compared with Cargo's default false, and saves bytes" \
    $CHECK explain-row "$TMP/explain.json" lto false cargo-default
check "explain: opt-level=z, which the project does not set, is compared with Cargo's default 3" \
    $CHECK explain-row "$TMP/explain.json" opt-level 3 cargo-default
sm explain "$RUN" --variant "panic abort" >"$TMP/explain.txt" 2>/dev/null
check "explain's table says the project already has panic=abort" \
    grep -q "panic=abort .*the project already has it; vs Cargo's default panic=unwind" \
    "$TMP/explain.txt"

# 3. The winner's [profile.release] pasted in place of the project's own
# reproduces the recorded size by hand: it must carry the settings the
# project had (lto, codegen-units, panic), not only those the variant set.
sm results "$RUN" >"$TMP/results.txt"
cp -r "$FIX/ownprofile" "$TMP/pasted"
python3 - "$TMP/results.txt" "$TMP/pasted/Cargo.toml" <<'EOF'
import sys
out = open(sys.argv[1]).read()
snippet = out[out.index("[profile.release]"):].split("\n\n")[0]
toml = open(sys.argv[2]).read()
open(sys.argv[2], "w").write(toml[:toml.index("[profile.release]")] +
                             snippet + "\n")
EOF
(cd "$TMP/pasted" && CARGO_TARGET_DIR="$WORK/pasted" cargo build --release \
    -q --target "$(rustc -vV | sed -n 's/^host: //p')") 2>"$TMP/err"
want=$($CHECK winner-size "$TMP/ladder.json")
got=$(stat -c %s "$WORK/pasted/$(rustc -vV | sed -n 's/^host: //p')/release/ownprofile" 2>/dev/null)
echo "  the pasted snippet: $got bytes by hand, $want recorded"
check "the winner's snippet pasted over the project's profile gives the recorded size" \
    test -n "$got" -a "$got" = "$want"

# 4. Nothing to measure: a library alone is refused before anything is
# queued, and named examples measure it; a [[bin]] whose required-features
# are off makes the build unavailable before anything compiles.
echo '{"name": "one", "shape": "axes", "axes": {"strip": ["symbols"]}}' \
    >"$TMP/one.json"
before=$(db_rows "$TMP/db")
sm run "$FIX/libonly" --matrix "$TMP/one.json" 2>"$TMP/err" >/dev/null
rc=$?
check "a library-only crate is refused before queueing (exit 2), naming its examples" \
    bash -c "test $rc = 2 && grep -q 'has no binary, cdylib or staticlib target' \
    '$TMP/err' && grep -q -- '--example NAME (demo)' '$TMP/err' &&
    test '$(db_rows "$TMP/db")' = '$before'"
curl -s -H 'Content-Type: application/json' \
    -d "{\"project\": \"$FIX/libonly\", \"matrix\": \"default\"}" \
    "$SIZEMAT_URL/v1/runs" >"$TMP/body"
check "... as a 400 nothing_to_measure" \
    grep -q '"code":.*"nothing_to_measure"' "$TMP/body"
sm run "$FIX/libonly" --example demo --matrix "$TMP/one.json" --wait --json \
    >"$TMP/example.json" 2>/dev/null
check "--example measures a library through its example" bash -c \
    "test $? = 0 && python3 -c 'import json,sys
b = json.load(open(sys.argv[1]))[\"builds\"][0]
a = b[\"artifacts\"]
sys.exit(0 if b[\"variant\"][\"example\"] == \"demo\" and len(a) == 1 and
         a[0][\"name\"] == \"demo\" and a[0][\"file_size\"] > 0 else 1)' '$TMP/example.json'"
check "... and the size equals a hand-run build" \
    $CHECK reproduce "$TMP/example.json" "$TMP" 1
sm run "$FIX/reqbin" --matrix "$TMP/one.json" --wait --json \
    >"$TMP/req.json" 2>/dev/null
check "a [[bin]] whose required-features are off: unavailable, nothing to measure, exit 1" \
    bash -c "test $? = 1 && $CHECK failed-with '$TMP/req.json' \
    'nothing to measure' unavailable"
sm run "$FIX/reqbin" --features cli --matrix "$TMP/one.json" --wait \
    >/dev/null 2>&1
check "... and built with the feature on" test $? = 0

# 5. "vs release" compares like with like: a row's baseline is the release
# build with the same features, package, bin, target and toolchain, and a
# row without one says so instead of comparing with another feature set.
cat >"$TMP/base.json" <<'EOF'
{"name": "base", "shape": "ladder", "steps": [{"name": "release"},
 {"name": "strip", "set": {"strip": "symbols"}},
 {"name": "report", "set": {"features": ["report"]}}]}
EOF
sm run "$FIX/features" --matrix "$TMP/base.json" --wait --json \
    >"$TMP/base-run.json" 2>/dev/null
check "each build names its release baseline (same features, toolchain...)" \
    python3 -c 'import json,sys
b = {x["step"]: x for x in json.load(open(sys.argv[1]))["builds"]}
sys.exit(0 if b["release"]["baseline_key"] == "release" and
         b["strip"]["baseline_key"] == "release" and
         b["report"]["baseline_key"] == "features=report" else 1)' \
    "$TMP/base-run.json"
sm best "$FIX/features" --csv >"$TMP/best-base.csv" 2>/dev/null
check "best compares the report variant with no other feature set's release" \
    python3 - "$TMP/best-base.csv" <<'PY'
import csv, sys
rows = {r["variant"]: r for r in csv.DictReader(open(sys.argv[1]))}
sys.exit(0 if rows["features=report,strip=symbols"]["vs release"] == ""
         and int(rows["strip=symbols"]["vs release"]) < 0 else 1)
PY

# 5. Identical builds spelled differently are one variant: a feature of
# the package built, with or without its package's name, and a toolchain
# that is the same rustc as the default one (rustup's stable, here).
echo '{"name": "spelled", "shape": "axes", "axes": {"features": [["report"], ["sizemat-features/report"]], "toolchain": ["default", "stable"], "strip": ["symbols"]}}' \
    >"$TMP/spelled.json"
sm run "$FIX/features" --matrix "$TMP/spelled.json" --json \
    >"$TMP/spelled-run.json" 2>"$TMP/err"
sm toolchains --json >"$TMP/toolchains.json"
check "features PKG/x and x, and a toolchain that is the default's rustc, are one variant" \
    python3 - "$TMP/spelled-run.json" "$TMP/toolchains.json" <<'PY'
import json, sys
keys = sorted(b["variant_key"] for b in json.load(open(sys.argv[1]))["builds"])
tc = {t["name"]: t for t in json.load(open(sys.argv[2]))["toolchains"]}
same = ("stable" in tc and tc["stable"]["commit"] == tc["default"]["commit"]
        and tc["stable"]["sysroot"] == tc["default"]["sysroot"])
want = ["features=report,strip=symbols"]
if not same:
    want.append("features=report,strip=symbols,toolchain=stable")
print("  ", keys, "(stable is the default's rustc)" if same else "")
sys.exit(0 if keys == sorted(want) else 1)
PY
sm cancel "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/spelled-run.json")" >/dev/null 2>&1
# ... and in a tracked project, for the package at its branch head.
cp -r "$FIX/features" "$TMP/featrepo"
git -C "$TMP/featrepo" init -q -b main
git -C "$TMP/featrepo" add -A
git -C "$TMP/featrepo" -c user.name=t -c user.email=t@example.org \
    commit -q -m "The features crate"
echo '{"name": "spelled-tracked", "shape": "axes", "axes": {"features": [["report"], ["sizemat-features/report"]], "strip": ["symbols"]}}' \
    >"$TMP/spelled-tracked.json"
sm project add feat "$TMP/featrepo" >/dev/null 2>&1
sm run feat --matrix "$TMP/spelled-tracked.json" --json \
    >"$TMP/spelled-tracked-run.json" 2>"$TMP/err"
check "... in a tracked project too: one variant, features=report" \
    python3 -c 'import json,sys
keys = [b["variant_key"] for b in json.load(open(sys.argv[1]))["builds"]]
sys.exit(0 if keys == ["features=report,strip=symbols"] else 1)' \
    "$TMP/spelled-tracked-run.json"
sm cancel "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/spelled-tracked-run.json")" >/dev/null 2>&1

# 6. One rule for the artifact a command takes when none is named: the
# package's default-run, else the binary named like the package, else the
# only one; with several and none of these, the command lists them.
sm run "$FIX/threebins" --matrix "$TMP/one.json" --wait --json \
    >"$TMP/three.json" 2>/dev/null
TR=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/three.json")
check "a crate with three binaries records the one named like the package as its default" \
    python3 -c 'import json,sys; b = json.load(open(sys.argv[1]))["builds"][0]
sizes = {a["name"]: a["file_size"] for a in b["artifacts"]}
sys.exit(0 if b["default_artifact"] == "threebins" and len(sizes) == 3 and
         min(sizes, key=sizes.get) != "threebins" else 1)' "$TMP/three.json"
sm explain "$TR" --json >"$TMP/three-explain.json" 2>/dev/null
check "explain takes the default artifact, not the smallest" \
    python3 -c 'import json,sys
sys.exit(json.load(open(sys.argv[1]))["artifact"] != "threebins")' \
    "$TMP/three-explain.json"
sm explain "$TR" --artifact tiny --json >"$TMP/tiny-explain.json" 2>/dev/null
check "explain --artifact takes the one named" \
    python3 -c 'import json,sys
sys.exit(json.load(open(sys.argv[1]))["artifact"] != "tiny")' \
    "$TMP/tiny-explain.json"
sm run "$FIX/workspace" --matrix "$TMP/one.json" --wait --json \
    >"$TMP/ws.json" 2>/dev/null
WR=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/ws.json")
sm explain "$WR" >/dev/null 2>"$TMP/err"
check "with two packages' binaries and no default, explain lists them and asks for --artifact" \
    bash -c "test $? = 2 && grep -q 'several artifacts (ws-app, ws-tool).*--artifact' '$TMP/err'"

# 7. Cargo's conventions: `cargo sizemat` inside a crate, PROJECT being
# the crate cargo finds, and the matrix its [package.metadata.sizemat]
# names (a file beside Cargo.toml).
mkdir -p "$TMP/cargobin"
ln -s "$BIN/sizemat" "$TMP/cargobin/cargo-sizemat"
cp -r "$FIX/ownprofile" "$TMP/meta"
echo '{"name": "meta-one", "shape": "axes", "axes": {"strip": ["symbols"]}}' \
    >"$TMP/meta/sizes.json"
printf '\n[package.metadata.sizemat]\nmatrix = "sizes.json"\n' \
    >>"$TMP/meta/Cargo.toml"
mkdir -p "$TMP/meta/src/deeper"
(cd "$TMP/meta/src/deeper" && PATH="$TMP/cargobin:$PATH" \
    cargo sizemat run --wait --json >"$TMP/meta.json" 2>"$TMP/meta.err")
check "cargo sizemat run --wait works inside a crate, with the matrix its metadata names" \
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["run"]
sys.exit(0 if r["matrix"] == "meta-one" and r["project"] == sys.argv[2] and
         r["builds_done"] == 1 else 1)' "$TMP/meta.json" "$TMP/meta"
(cd "$TMP" && sm run meta --wait --json >"$TMP/meta-rel.json" 2>/dev/null)
check "... and sizemat run with a relative path reads the crate's metadata too" \
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["run"]
sys.exit(0 if r["matrix"] == "meta-one" else 1)' "$TMP/meta-rel.json"

# 7. Failures that explain themselves: the table names each build and,
# for a failed one, the first error cargo printed.
sm run "$TMP/own" --bin nope --matrix "$TMP/one.json" --wait \
    >"$TMP/nope.txt" 2>/dev/null
NB=$(sm runs --json | python3 -c 'import json,sys; r = json.load(sys.stdin)["runs"][0]; print(r["id"])')
sm results "$NB" --json >"$TMP/nope.json"
check "a failed build's row gives its id and cargo's first error, not only the exit status" \
    python3 - "$TMP/nope.txt" "$TMP/nope.json" <<'PY'
import json, sys
table = open(sys.argv[1]).read()
b = json.load(open(sys.argv[2]))["builds"][0]
row = [l for l in table.splitlines() if "bin=nope" in l]
sys.exit(0 if b["state"] == "failed" and b["error"].startswith(
    "error: no bin target named `nope`") and row and
    f" {b['id']} " in row[0] and "no bin target named `nope`" in row[0]
    else 1)
PY

# 7. Smaller things a user meets first.
sm --server "$SIZEMAT_URL/" status >/dev/null 2>"$TMP/err"
check "a --server URL with a trailing slash works" test $? = 0
B=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["builds"][1]["id"])' "$TMP/ladder.json")
sm log "$B" >"$TMP/log.txt"
(eval "$(sed -n 's/^\$ export /export /p' "$TMP/log.txt")"
 python3 -c 'import json,os,sys
b = json.load(open(sys.argv[1]))["builds"][1]
sys.exit(0 if all(os.environ.get(k) == v for k, v in b["env"].items()) else 1)' \
    "$TMP/ladder.json") 2>"$TMP/err"
check "the export lines of 'sizemat log' paste into a shell as recorded (RUSTFLAGS quoted)" \
    test $? = 0

sm help explain >"$TMP/help.txt" 2>&1
check "sizemat help CMD prints that command's help and options only" \
    bash -c "test $? = 0 && grep -q '^usage: sizemat explain RUN' '$TMP/help.txt' &&
    grep -q '^  --artifact NAME' '$TMP/help.txt' &&
    ! grep -q -- '--metric' '$TMP/help.txt' && ! grep -q '^  trend' '$TMP/help.txt'"
check "... and so does sizemat CMD --help" \
    bash -c "'$BIN/sizemat' explain --help | cmp -s - '$TMP/help.txt'"
sm rn x 2>"$TMP/err"
check "an unknown command gets \"did you mean\" (exit 2)" \
    bash -c "test $? = 2 && grep -q 'did you mean \"run\"' '$TMP/err'"
sm results 1 --jsn 2>"$TMP/err"
check "... and so does an unknown option" grep -q "did you mean --json" "$TMP/err"
sm 2>"$TMP/err" >/dev/null
check "a bare sizemat prints a short usage (exit 2)" \
    bash -c "test $? = 2 && test \$(wc -l <'$TMP/err') -lt 8 &&
    grep -q \"'sizemat help COMMAND' explains one\" '$TMP/err'"
printf '{"name": "d", "shape": "axes",\n "axes": {"lto": [true], "lto": ["off"]}}\n' \
    >"$TMP/dup.json"
sm run "$TMP/own" --matrix "$TMP/dup.json" 2>"$TMP/err"
check "a key given twice in a matrix file is refused, named by its path (exit 2)" \
    bash -c "test $? = 2 && grep -q 'dup.json: axes.lto is given twice' '$TMP/err'"
curl -s -H 'Content-Type: application/json' -d '{"project": "/x", "project": "/y"}' \
    "$SIZEMAT_URL/v1/runs" >"$TMP/body"
check "... and so is a key given twice in a request body" \
    grep -q '"the body gives project twice; keep one"' "$TMP/body"
printf '{"name": "d", "shape": "axes",\n "axes": {"lto": [true] "strip": [true]}}\n' \
    >"$TMP/bad.json"
sm run "$TMP/own" --matrix "$TMP/bad.json" 2>"$TMP/err"
check "invalid JSON names the line, the column and what was found there" \
    grep -q "bad.json:2:25: not valid JSON: unexpected '\"'" "$TMP/err"

# 7. Waiting with feedback: queued builds know their place in the queue,
# running ones their time so far and what the variant took before, and a
# run asked for while an identical one builds joins it.
cp -r "$FIX/ownprofile" "$TMP/twice"
sm run "$TMP/twice" --matrix "$FIX/slow.json" --json >"$TMP/w1.json"
sm run "$TMP/twice" --matrix "$FIX/slow.json" --json >"$TMP/w2.json"
W1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/w1.json")
W2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/w2.json")
sm results "$W2" --json >"$TMP/w2-queued.json"
check "queued builds carry their place in the daemon's queue, behind the first run's" \
    python3 - "$TMP/w2-queued.json" <<'PY'
import json, sys
q = [b for b in json.load(open(sys.argv[1]))["builds"] if b["state"] == "queued"]
pos = [b["queue_position"] for b in q]
sys.exit(0 if len(q) == 4 and pos == sorted(pos) and len(set(pos)) == 4
         and pos[0] > 1 and all("estimate_ms" in b for b in q) else 1)
PY
script -qc "'$BIN/sizemat' results $W2 --wait" /dev/null >"$TMP/w2.tty" 2>&1
check "results RUN --wait on a terminal redraws where the run stands, then prints the table" \
    python3 -c 'import re,sys; t = open(sys.argv[1], newline="").read(); n = sys.argv[2]
sys.exit(0 if re.search("\r\033\\[Krun %s: [0-9] of 4 builds ended, [0-9] queued" % n, t)
         and re.search("run %s: .*done \\(4 of 4 builds done\\)" % n, t) else 1)' \
    "$TMP/w2.tty" "$W2"
sm results "$W1" --json >"$TMP/w1.json"
sm results "$W2" --json >"$TMP/w2.json"
check "a run asked for while an identical one builds joins it: same builds, same bytes" \
    python3 - "$TMP/w1.json" "$TMP/w2.json" <<'PY'
import json, sys
one = {b["id"]: b for b in json.load(open(sys.argv[1]))["builds"]}
two = json.load(open(sys.argv[2]))["builds"]
joined = [b for b in two if b.get("same_as") in one]
size = lambda b: b["artifacts"][0]["file_size"]
sys.exit(0 if len(joined) >= 2 and all(b["state"] == "done" for b in two)
         and all(size(b) == size(one[b["same_as"]]) and b["variant_key"] ==
                 one[b["same_as"]]["variant_key"] for b in joined) else 1)
PY
sm run "$TMP/twice" --matrix "$FIX/slow.json" --json >"$TMP/w3.json"
W3=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/w3.json")
sm results "$W3" --json >"$TMP/w3-queued.json"
sm cancel "$W3" >/dev/null
check "a waiting build's estimate is what its variant took in the builds cargo ran" \
    python3 - "$TMP/w1.json" "$TMP/w2.json" "$TMP/w3-queued.json" <<'PY'
import json, sys
ran = {}
for path in sys.argv[1:3]:
    for b in json.load(open(path))["builds"]:
        if b.get("same_as") is None and b.get("reused_from") is None:
            ran.setdefault(b["variant_key"], []).append((b["id"], b["wall_ms"]))
bad = seen = 0
for b in json.load(open(sys.argv[3]))["builds"]:
    if b["state"] not in ("queued", "running"):
        continue
    seen += 1
    took = [ms for _, ms in sorted(ran[b["variant_key"]])[-5:]]
    if b["estimate_ms"] != int(sum(took) / len(took)):
        bad += 1
sys.exit(1 if bad or not seen else 0)
PY

kill -TERM "$PID"; wait "$PID"; PID=

# 8. A fresh shell, no daemon started by hand: the client starts the
# user's own on the user's socket, says so once, and daemon status/stop
# find it. HOME and the runtime dir are new; rustup's and cargo's homes are
# the machine's.
mkdir -p "$TMP/fresh/home" "$TMP/fresh/run"
chmod 700 "$TMP/fresh/run"
cp -r "$FIX/ownprofile" "$TMP/fresh/crate"
fresh() {
	(cd "$TMP/fresh/crate" && env -i HOME="$TMP/fresh/home" \
	    XDG_RUNTIME_DIR="$TMP/fresh/run" \
	    RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" \
	    CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" PATH="$PATH" \
	    "$BIN/sizemat" "$@")
}
stop_fresh() { fresh daemon stop -q >/dev/null 2>&1; }
trap 'stop_fresh; cleanup' EXIT
fresh run . --matrix default --wait >"$TMP/fresh.out" 2>"$TMP/fresh.err"
check "sizemat run . --matrix default --wait works with no daemon started by hand" \
    bash -c "test $? = 0 && grep -q '(6 of 6 builds done)' '$TMP/fresh.out'"
check "... it says once that it started sizematd, on the user's socket, with the dashboard" \
    bash -c "test \$(grep -c 'started sizematd' '$TMP/fresh.err') = 1 &&
    grep -q 'on $TMP/fresh/run/sizemat/sizematd.sock; dashboard at http://127.0.0.1:' \
    '$TMP/fresh.err'"
fresh status >/dev/null 2>"$TMP/fresh.err2"
check "... and the next command uses it without starting another" \
    bash -c "test $? = 0 && ! grep -q 'started' '$TMP/fresh.err2'"
fresh daemon status >"$TMP/dstatus"
check "daemon status prints its pid, socket and dashboard" bash -c \
    "test $? = 0 && grep -q '^socket: $TMP/fresh/run/sizemat/sizematd.sock' \
    '$TMP/dstatus' && grep -q '^dashboard: http://127.0.0.1:' '$TMP/dstatus'"
DPID=$(sed -n 's/^sizematd pid //p' "$TMP/dstatus")
fresh daemon stop -q
check "daemon stop returns once it has exited" \
    bash -c "test $? = 0 && ! kill -0 '$DPID' 2>/dev/null"
fresh daemon status >/dev/null 2>&1
check "daemon status exits 1 when none runs" test $? = 1
fresh --no-start status >/dev/null 2>&1
rc=$?
fresh daemon status >/dev/null 2>&1
check "--no-start does not start one (exit 2)" test "$rc" = 2 -a $? = 1

# 9. The daemon's own environment: what builds would inherit unseen is
# named at start.
CARGO_PROFILE_RELEASE_LTO=fat start_sizematd --db "$TMP/db2" \
    --workdir "$TMP/work2" --profiles "$TOP/profiles"
check "a CARGO_PROFILE_* variable in the daemon's environment is named at start" \
    grep -q "the environment sets CARGO_PROFILE_RELEASE_LTO, which every build inherits" \
    "$TMP/log"
kill -TERM "$PID"; wait "$PID"; PID=
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
