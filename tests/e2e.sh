#!/bin/bash
# End-to-end tests: the real sizematd on a free loopback port with a
# temporary database, driven by the real client, building the fixture
# crates with the real cargo. Target dirs live in build/e2e-work and are
# reused from one run of this script to the next.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-e2e.XXXXXX)
WORK=$TOP/build/e2e-work
DB=$TMP/sizemat.db
PID=
PORT=0
pass=0
fail=0

cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	[ -n "${CLIENT:-}" ] && kill "$CLIENT" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# A toolchain defined in the config: the default cargo and rustc, opted in
# to unstable options through RUSTC_BOOTSTRAP.
# Another runs rustc through a wrapper, to be touched.
mkdir -p "$TMP/wrap"
printf '#!/bin/sh\nexec %s "$@"\n' "$(command -v rustc)" >"$TMP/wrap/rustc"
chmod +x "$TMP/wrap/rustc"
cat >"$TMP/config.json" <<CONF
{"keep-artifacts": 2,
 "toolchains": {"boot": {"cargo": "$(command -v cargo)",
  "rustc": "$(command -v rustc)", "unstable": "bootstrap"},
  "wrapped": {"cargo": "$(command -v cargo)", "rustc": "$TMP/wrap/rustc"}}}
CONF

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }
check() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

. "$TOP/tests/db-lib.sh"

# Starts sizematd on $PORT (0: a free one) with workdir $1 and database $2.
start_daemon() {
	local work=$1 db log=$TMP/daemon.$RANDOM.log
	db=$(test_db "$2") || exit 1
	"$BIN/sizematd" --listen "127.0.0.1:$PORT" --db "$db" --workdir "$work" \
	    --profiles "$TOP/profiles" --config "$TMP/config.json" 2>"$log" &
	PID=$!
	for _ in $(seq 100); do
		if grep -q 'sizematd: listening on' "$log"; then
			PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$log")
			export SIZEMAT_URL=http://127.0.0.1:$PORT
			DAEMON_LOG=$log
			return 0
		fi
		sleep 0.1
	done
	echo "sizematd did not start:"; cat "$log"
	exit 1
}

stop_daemon() {
	kill -TERM "$PID" && wait "$PID"
	local rc=$?
	PID=
	return $rc
}

sm() { "$BIN/sizemat" "$@"; }

# 1. An unreachable daemon: one line naming the URL, exit 2.
sm --server http://127.0.0.1:9 status >/dev/null 2>"$TMP/err"
rc=$?
check "unreachable daemon exits 2 and names the URL" \
    test "$rc" = 2 -a "$(wc -l <"$TMP/err")" = 1 -a \
    -n "$(grep -F 'http://127.0.0.1:9' "$TMP/err")"

"$BIN/sizematd" --disk-budget 12parsecs --check-config 2>"$TMP/err" >/dev/null
check "a bad --disk-budget is refused with the allowed forms" \
    bash -c "test $? = 2 && grep -q 'disk-budget: \"12parsecs\" is not a size' '$TMP/err'"

"$BIN/sizematd" --keep-log 5 --check-config 2>"$TMP/err" >/dev/null
check "an unknown flag is refused as one, with the nearest (not as needing a value)" \
    bash -c "test $? = 2 && grep -q 'unknown flag --keep-log; did you mean --keep-logs?' '$TMP/err'"
"$BIN/sizematd" --help >"$TMP/dhelp.txt"
check "sizematd --help gives each default once, from its config table" \
    bash -c "grep -q -- '--build-timeout S .*(default: 3600)' '$TMP/dhelp.txt' &&
    test \"\$(grep -c '(default: ' '$TMP/dhelp.txt')\" -ge 10"

start_daemon "$WORK" "$DB"
check "daemon prints its listening line" test "$PORT" -gt 0

# 2. A matrix file that is not in profiles/, on a crate with a build script.
sm run "$FIX/sizes" --matrix "$FIX/grid.json" --wait --json \
    >"$TMP/grid.json" 2>"$TMP/grid.err"
check "run --wait --json exits 0" test $? = 0
check "progress lines on stderr, one per build" \
    test "$(grep -c '^\[[0-9]/4\]' "$TMP/grid.err")" = 4
check "every build of the matrix is done and measured" \
    $CHECK builds-done "$TMP/grid.json" 4
check "recorded sizes equal hand-run builds with the reported env" \
    $CHECK reproduce "$TMP/grid.json" "$TMP" 4
"$BIN/sizematd" --name "$(printf 'a\tb')" --check-config 2>"$TMP/err"
check "--name refuses a name that is not printable (exit 2)" \
    bash -c "test $? = 2 && grep -q 'not a name' '$TMP/err'"
check "every build names the machine that made it: HOST:PID by default" \
    python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))["builds"]
sys.exit(0 if b and all(x["worker"] == sys.argv[2] for x in b) else 1)' \
    "$TMP/grid.json" "$(hostname):$PID"
RUN=$($CHECK field "$TMP/grid.json" run id)

# 3. best ranks the variants, smallest first.
sm best "$FIX/sizes" --json >"$TMP/best.json"
check "best --json ranks every variant smallest first" \
    $CHECK ranking-sorted "$TMP/best.json" 4
sm best "$FIX/sizes" --top 2 --json >"$TMP/best2.json"
check "best --top 2 gives two rows" $CHECK ranking-sorted "$TMP/best2.json" 2
sm best "$FIX/sizes" >"$TMP/best.txt"
check "best prints a table with the smallest first" \
    grep -q '^1  .*strip=symbols' "$TMP/best.txt"

# 3a. pareto: size against build time over the grid run.
sm pareto "$RUN" --json >"$TMP/pareto.json"
check "pareto lists only non-dominated variants, checked against every pair" \
    python3 - "$TMP/pareto.json" "$TMP/grid.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
run = json.load(open(sys.argv[2]))
assert p["x"] == "file_size" and p["y"] == "wall_ms", p
pts = {}
for b in run["builds"]:
    a = b["artifacts"][0]
    pts[b["variant_key"]] = (a["file_size"], b["wall_ms"])
dom = lambda a, b: a[0] <= b[0] and a[1] <= b[1] and a != b
front = [r["variant_key"] for r in p["front"]]
dominated = {r["variant_key"]: r["by"] for r in p["dominated"]}
assert sorted(front + list(dominated)) == sorted(pts), (front, dominated)
for k in front:
    assert not any(dom(pts[o], pts[k]) for o in pts), k
    assert [r for r in p["front"] if r["variant_key"] == k][0]["x"] == pts[k][0]
for k, by in dominated.items():
    assert by in front and dom(pts[by], pts[k]), (k, by)
xs = [r["x"] for r in p["front"]]
assert xs == sorted(xs), xs
PY
sm pareto "$FIX/sizes" --y cpu_ms --json >"$TMP/ppareto.json"
check "pareto PROJECT: over the project's current results, the same rule" \
    python3 - "$TMP/ppareto.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["y"] == "cpu_ms" and p["front"], p
pts = {r["variant_key"]: (r["x"], r["y"]) for r in p["front"] + p["dominated"]}
dom = lambda a, b: a[0] <= b[0] and a[1] <= b[1] and a != b
for r in p["front"]:
    assert not any(dom(v, pts[r["variant_key"]]) for v in pts.values()), r
for r in p["dominated"]:
    assert dom(pts[r["by"]], pts[r["variant_key"]]), r
PY
sm pareto "$RUN" --y nope 2>"$TMP/err" >/dev/null
check "... and an unknown measurement is refused, exit 2" \
    bash -c "test $? = 2 && grep -q 'y: ' '$TMP/err'"

# 3b. verify: the same builds again in fresh target dirs.
sm verify "$RUN" --wait --json -q >"$TMP/verify.json"
check "verify of a deterministic crate: every build identical, exit 0" \
    bash -c "test $? = 0 && python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))[\"verify\"]
sys.exit(0 if v[\"state\"] == \"done\" and v[\"reproducible\"] and
    len(v[\"builds\"]) == 4 and all(b[\"identical\"] and b[\"bytes_delta\"] == 0
    and b[\"verify_build\"] != b[\"build\"] for b in v[\"builds\"]) else 1)' '$TMP/verify.json'"
sm run "$FIX/stamped" --matrix "$FIX/release-only.json" --wait -q --json \
    >"$TMP/stamped.json" 2>/dev/null
sm verify "$($CHECK field "$TMP/stamped.json" run id)" --wait --json -q \
    >"$TMP/sverify.json"
check "verify of a crate whose build script writes the time: differs, exit 1" \
    bash -c "test $? = 1 && python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))[\"verify\"]
sys.exit(0 if not v[\"reproducible\"] and all(b[\"identical\"] is False
    and \".rodata\" in [s[\"name\"] for s in b[\"sections\"]]
    for b in v[\"builds\"]) else 1)' '$TMP/sverify.json'"
# The sections that differ come from the store: the files are not needed.
python3 -c 'import json, os, sys
for b in json.load(open(sys.argv[1]))["builds"]:
    for a in b["artifacts"]:
        os.remove(a["kept_path"])' "$TMP/stamped.json"
sm verify "$($CHECK field "$TMP/stamped.json" run id)" --wait --json -q \
    >"$TMP/sverify.json"
check "... and names the sections that differ once the kept copy is gone" \
    python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))["verify"]
sys.exit(0 if all(".rodata" in [s["name"] for s in b["sections"]]
    and ".text" not in [s["name"] for s in b["sections"]]
    for b in v["builds"]) else 1)' "$TMP/sverify.json"
# A matrix may ask for it: each of its runs is verified once done.
printf '{"name": "checked", "shape": "ladder", "verify": true,
  "steps": [{"name": "release"}]}' >"$TMP/checked.json"
sm run "$FIX/sizes" --matrix "$TMP/checked.json" --wait -q --json \
    >"$TMP/checked-run.json" 2>/dev/null
CR=$($CHECK field "$TMP/checked-run.json" run id)
for _ in $(seq 600); do
	curl -s "$SIZEMAT_URL/v1/runs/$CR/verify" >"$TMP/checked-verify.json"
	grep -q '"state":"done"' "$TMP/checked-verify.json" && break
	sleep 0.2
done
check "a matrix with \"verify\": true has its run verified once done" \
    python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))["verify"]
sys.exit(0 if v["state"] == "done" and v["reproducible"] and
    len(v["builds"]) == 1 else 1)' "$TMP/checked-verify.json"
printf '{"name": "x", "shape": "ladder", "verify": "yes", "steps": [{"name": "a"}]}' \
    >"$TMP/badverify.json"
sm run "$FIX/sizes" --matrix "$TMP/badverify.json" 2>"$TMP/err" >/dev/null
check "... and \"verify\" must be true or false" \
    bash -c "test $? = 2 && grep -q 'verify: must be true or false' '$TMP/err'"
sm results "$($CHECK field "$TMP/stamped.json" run id)" >"$TMP/stamped.txt"
check "... and the run's table flags its variants as varying, as best does" \
    bash -c "test \$(grep -c '\[varies\]' '$TMP/stamped.txt') -eq 2 &&
    ! '$BIN/sizemat' results '$RUN' | grep -q '\[varies\]' &&
    test \$('$BIN/sizemat' best '$FIX/stamped' | grep -c '\[varies\]') -eq 2"

# 3c. One crate linked in two versions: the versions stay apart.
sm run "$FIX/twins" --matrix "$FIX/release-only.json" --wait -q --json \
    >"$TMP/twins.json" 2>/dev/null
TB=$($CHECK field "$TMP/twins.json" builds 0 id)
sm sizes "$TB" --by symbol --top 1000 --json >"$TMP/twins-sizes.json"
check "a crate linked in two versions is two crates, and its symbols say which" \
    python3 - "$TMP/twins.json" "$TMP/twins-sizes.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
b = [x for x in run["builds"] if x["variant_key"] == "release"][0]
m = b["artifacts"][0]["measurements"]
assert m.get("crate.twin@0.1.0", 0) > 0 and m.get("crate.twin@0.2.0", 0) > 0, m
assert "crate.twin" not in m, m
rows = [r["name"] for r in json.load(open(sys.argv[2]))["rows"]]
assert "twin@0.1.0::work" in rows and "twin@0.2.0::work" in rows, rows
PY

# 4. A broken crate: recorded as failed with the compiler's error, exit 1.
sm run "$FIX/broken" --matrix "$FIX/grid.json" --wait --json \
    >"$TMP/broken.json" 2>/dev/null
check "a failed build exits 1" test $? = 1
check "a broken crate is recorded as failed with its compiler error" \
    $CHECK failed-with "$TMP/broken.json" "error[E0308]: mismatched types"
sm best "$FIX/broken" >/dev/null 2>"$TMP/err"
check "best with nothing measured exits 1 and says so" \
    bash -c "[ $? = 1 ] && grep -q 'nothing measured yet' '$TMP/err'"
sm best "$FIX/broken" --json >/dev/null 2>&1
check "... with --json too" test $? = 1
BUILD=$($CHECK first-build-id "$TMP/broken.json")
check "the build log holds cargo's output" \
    bash -c "'$BIN/sizemat' log $BUILD | grep -q 'expected .u32., found .&str.'"

# 4b. A library crate: its cdylib and staticlib are two artifacts.
sm run "$FIX/plugin" --matrix "$FIX/release-only.json" --wait --json \
    >"$TMP/plugin.json" 2>/dev/null
check "cdylib and staticlib are both recorded and measured" \
    $CHECK library-artifacts "$TMP/plugin.json"
sm results "$($CHECK field "$TMP/plugin.json" run id)" >"$TMP/plugin.txt"
check "the table tells a cdylib from a staticlib of the same name" \
    bash -c "grep -q 'plugin (cdylib)' '$TMP/plugin.txt' &&
    grep -q 'plugin (staticlib)' '$TMP/plugin.txt' &&
    ! grep -q '+[0-9.]* [KM]iB' '$TMP/plugin.txt'"

# 4c. rustc's identity is probed once, and again when what decides it
# changes: the toolchain's command, or a rust-toolchain file rustup reads.
cp -r "$FIX/sizes" "$TMP/pinned"
printf '{"name": "wrapped", "shape": "ladder", "steps": [{"name": "w",
  "set": {"toolchain": "wrapped"}}]}' >"$TMP/wrapped.json"
probe_log() {	# run a matrix once; print the header of its build's log
	sm run "$1" --matrix "$2" --wait --json >"$TMP/probe.json" 2>/dev/null &&
	    sm log "$($CHECK first-build-id "$TMP/probe.json")" | grep '^# identity'
}
probe_log "$TMP/pinned" "$TMP/wrapped.json" >"$TMP/probe1"
probe_log "$TMP/pinned" "$TMP/wrapped.json" >"$TMP/probe2"
touch -d '2001-01-01' "$TMP/wrap/rustc"
probe_log "$TMP/pinned" "$TMP/wrapped.json" >"$TMP/probe3"
check "a toolchain's first build probes rustc, the next does not" \
    bash -c "grep -q '^# identity probed: $TMP/wrap/rustc -vV' '$TMP/probe1' &&
    grep -q '^# identity as probed before: .*/bin/rustc is unchanged' \
    '$TMP/probe2'"
check "... and a changed rustc command is probed again" \
    grep -q '^# identity probed' "$TMP/probe3"
if rustup run nightly rustc -V >/dev/null 2>&1; then
	probe_log "$TMP/pinned" "$FIX/release-only.json" >/dev/null
	printf '[toolchain]\nchannel = "nightly"\n' \
	    >"$TMP/pinned/rust-toolchain.toml"
	probe_log "$TMP/pinned" "$FIX/release-only.json" >"$TMP/probe4"
	check "a rust-toolchain.toml added to the project is probed: nightly" \
	    bash -c "grep -q '^# identity probed' '$TMP/probe4' &&
	    $CHECK field '$TMP/probe.json' builds 0 rustc_version |
	    grep -q nightly"
fi

# 5. Bad input: clear errors, exit 2, nothing recorded.
sm runs --json >"$TMP/runs-before.json"
sm run "$FIX/sizes" --matrix "$FIX/bad-matrix.json" 2>"$TMP/err"
check "an invalid matrix file exits 2" test $? = 2
check "the error names the file, the key path and the allowed values" \
    grep -qF "$FIX/bad-matrix.json: axes.lto[1]: \"fatt\" is not one of false, true, thin, fat, off" "$TMP/err"
sm run "$FIX/sizes" --matrix no-such-matrix 2>"$TMP/err"
check "an unknown matrix name exits 2 and says so" \
    bash -c "test $? = 2 && grep -q 'no matrix \"no-such-matrix\"' '$TMP/err'"
sm run "$TMP" 2>"$TMP/err"
check "a directory without Cargo.toml is refused" \
    bash -c "test $? = 2 && grep -q 'no Cargo.toml' '$TMP/err'"
sm run "$FIX/sizes" --top 3 2>/dev/null
check "an option that does not apply is a usage error" test $? = 2
printf 'GARBAGE\r\n\r\n' | timeout 5 bash -c "cat >/dev/tcp/127.0.0.1/$PORT"
curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"project": 3}' \
    -H 'Content-Type: application/json' \
    "$SIZEMAT_URL/v1/runs" >"$TMP/code"
check "a wrong type gets 400" grep -q 400 "$TMP/code"
for bad in "POST /v1/runs/999999/explain" "GET /v1/diff?a=x&b=1" \
    "GET /v1/diff?a=999998&b=999999" "POST /v1/builds/999999/unstripped"; do
	curl -s -o /dev/null -X "${bad%% *}" "$SIZEMAT_URL${bad#* }"
done
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"variant": 5}' "$SIZEMAT_URL/v1/runs/1/explain"
curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"project": "'"$FIX/sizes"'", "matrix": "default", "rustflags": ["-Clinker=/bin/sh"]}' \
    "$SIZEMAT_URL/v1/runs"
sm runs --json >"$TMP/runs-after.json"
check "bad requests recorded nothing and the daemon still answers" \
    $CHECK same "$TMP/runs-before.json" "$TMP/runs-after.json"

# 5b. Toolchains, unstable options, features, post steps, explain, diff.
sm toolchains --json >"$TMP/tc.json"
check "toolchains lists the default one with its identity" python3 -c "
import json, sys
tcs = {t['name']: t for t in json.load(open('$TMP/tc.json'))['toolchains']}
d = tcs['default']
sys.exit(not (d['release'] and d['host'] and d['cargo'] and 'rust_src' in d))"
sm run "$FIX/sizes" --matrix "$FIX/unstable.json" 2>"$TMP/err"
rc=$?
if $CHECK nightly-default "$TMP/tc.json" 2>/dev/null; then
	echo "ok - (skipped: the default toolchain is a nightly, so unstable options need no opt-in)"
else
	check "unstable options on a stable toolchain are refused with both ways out" \
	    bash -c "test $rc = 2 && grep -q 'not a nightly' '$TMP/err' &&
	    grep -q -- '--toolchain' '$TMP/err' &&
	    grep -qF '\"unstable\": \"bootstrap\"' '$TMP/err'"
fi
sm run "$FIX/sizes" --matrix "$FIX/unstable.json" --toolchain boot --wait \
    --json >"$TMP/boot.json" 2>/dev/null
check "a toolchain defined with \"unstable\": \"bootstrap\" builds them, marked" \
    python3 -c "
import json, sys
b = json.load(open('$TMP/boot.json'))['builds'][0]
ok = (b['state'] == 'done' and b['bootstrap'] is True
      and b['env'].get('RUSTC_BOOTSTRAP') == '1'
      and b['env'].get('RUSTC') == '$(command -v rustc)'
      and '-Zlocation-detail=none' in b['env']['RUSTFLAGS']
      and b['toolchain']['name'] == 'boot'
      and b['variant_key'] == 'location-detail=none,opt-level=z,toolchain=boot')
sys.exit(not ok)"
sm run "$FIX/sizes" --matrix "$FIX/grid.json" --toolchain no-such 2>"$TMP/err"
check "an unknown toolchain is refused and the known ones listed" \
    bash -c "test $? = 2 && grep -q 'toolchain \"no-such\" is not known' '$TMP/err' &&
    grep -q 'known: default' '$TMP/err'"
sm run "$FIX/sizes" --matrix "$FIX/build-std.json" --wait --json \
    >"$TMP/bstd.json" 2>/dev/null
rc=$?
if $CHECK has-rust-src "$TMP/tc.json" default 2>/dev/null; then
	echo "ok - (skipped: the default toolchain has rust-src, so build-std is available)"
else
	check "build-std without rust-src is unavailable with the fix, exit 1" \
	    bash -c "test $rc = 1 &&
	    $CHECK failed-with '$TMP/bstd.json' 'rust-src' unavailable"
fi
sm run "$FIX/features" --matrix "$FIX/features.json" --wait --json \
    >"$TMP/feat.json" 2>/dev/null
check "a features axis builds both variants" \
    $CHECK builds-done "$TMP/feat.json" 2
check "the feature that pulls in code changes the size" \
    $CHECK sizes-differ "$TMP/feat.json" "features=,strip=none" \
    "features=report,strip=none"
check "post steps equal strip, zlib level 9, xz -9e and zstd -19 by hand" \
    $CHECK post-by-hand "$TMP/feat.json" "$TMP"
check "feature builds equal hand-run builds" \
    $CHECK reproduce "$TMP/feat.json" "$TMP" 2
A=$($CHECK field "$TMP/feat.json" builds 0 id)
B=$($CHECK field "$TMP/feat.json" builds 1 id)
sm diff "$A" "$B" --json >"$TMP/diff.json"
check "diff names the function the feature adds" \
    $CHECK diff-names "$TMP/diff.json" sizemat_feature_report
sm diff "$A" "$B" --top 2 --json >"$TMP/diff2.json"
check "diff --top 2 limits every section of the answer to two rows" \
    python3 -c 'import json,sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    if not a["sections"] or any(len(a.get(k, [])) > 2 for k in
                                ("sections", "crates", "symbols")):
        sys.exit(1)' "$TMP/diff2.json"
for by in crate symbol section; do
	sm sizes "$B" --by $by --json >"$TMP/sizes-$by.json"
done
sm results "$($CHECK field "$TMP/feat.json" run id)" --json >"$TMP/featr.json"
check "sizes by crate, symbol and section: rows add up to the sections covered" \
    python3 - "$TMP" "$B" <<'PY'
import json, sys
t, b = sys.argv[1], int(sys.argv[2])
docs = {by: json.load(open("%s/sizes-%s.json" % (t, by)))
        for by in ("crate", "symbol", "section")}
for by, d in docs.items():
    assert d["build"] == b and d["by"] == by and d["covered"] > 0, d
    assert sum(r["size"] for r in d["rows"]) == d["covered"], (by, d)
crates = [r["name"] for r in docs["crate"]["rows"]]
assert "sizemat_features" in crates and "[unattributed]" in crates, crates
assert {r["name"] for r in docs["section"]["rows"]} >= {".text"}
# The crate.* measurements recorded with the build say the same.
run = json.load(open("%s/featr.json" % t))
art = [x for x in run["builds"] if x["id"] == b][0]["artifacts"][0]
m = {k: v for k, v in art["measurements"].items() if k.startswith("crate.")}
assert sum(m.values()) == docs["crate"]["covered"], m
assert m["crate.sizemat_features"] == [r["size"] for r in
    docs["crate"]["rows"] if r["name"] == "sizemat_features"][0]
PY
check "every artifact records its sha256, sha256sum's of the kept copy" \
    python3 - "$TMP/featr.json" <<'PY'
import hashlib, json, sys
for b in json.load(open(sys.argv[1]))["builds"]:
    for a in b["artifacts"]:
        h = hashlib.sha256(open(a["kept_path"], "rb").read()).hexdigest()
        assert a["sha256"] == h, (a["sha256"], h)
PY
sm diff "$A" "$B" >"$TMP/diff.txt"
check "diff prints sections, crates and symbols" bash -c \
    "grep -q '^section' '$TMP/diff.txt' && grep -q '^crate' '$TMP/diff.txt' &&
    grep -q 'sizemat_feature_report' '$TMP/diff.txt'"
sm run "$FIX/features" --features report --no-default-features \
    --matrix "$FIX/release-only.json" --wait --json >"$TMP/opt.json" 2>/dev/null
check "run --features and --no-default-features reach every variant" \
    test "$($CHECK field "$TMP/opt.json" builds 0 variant_key)" = \
    "default-features=false,features=report"
sm run "$FIX/workspace" --package ws-tool --profile tiny \
    --matrix "$FIX/tiny.json" --wait --json >"$TMP/ws.json" 2>/dev/null
check "--package and --profile: one package of a workspace, a custom profile's keys" \
    python3 -c "
import json, sys
b = json.load(open('$TMP/ws.json'))['builds'][0]
ok = (b['state'] == 'done' and [a['name'] for a in b['artifacts']] == ['ws-tool']
      and b['env'].get('CARGO_PROFILE_TINY_OPT_LEVEL') == 'z'
      and 'CARGO_PROFILE_RELEASE_OPT_LEVEL' not in b['env']
      and b['cargo_args'][1:3] == ['--profile', 'tiny']
      and '--package' in b['cargo_args'] and '/tiny/' in b['artifacts'][0]['path'])
sys.exit(not ok)"
if [ -d "$($CHECK field "$TMP/tc.json" toolchains 0 sysroot)/lib/rustlib/wasm32-unknown-unknown" ]; then
	echo "ok - (skipped: the default toolchain has wasm32's standard library)"
else
	sm run "$FIX/sizes" --matrix "$FIX/wasm-target.json" 2>"$TMP/err"
	check "a target without a standard library or build-std is refused" \
	    bash -c "test $? = 2 &&
	    grep -q 'no standard library for wasm32-unknown-unknown' '$TMP/err'"
fi
sm run "$FIX/features" --matrix "$FIX/explain.json" --wait --json \
    >"$TMP/ex.json" 2>/dev/null
EX=$($CHECK field "$TMP/ex.json" run id)
sm explain "$EX" --wait --json >"$TMP/explain.json" 2>/dev/null
check "explain: strip saves bytes, overflow-checks=false makes no difference" \
    $CHECK explained "$TMP/explain.json" strip=symbols overflow-checks=false
sm explain "$EX" >"$TMP/explain.txt" 2>&1
check "explain says what each setting buys in words" bash -c \
    "grep -q 'strip=symbols saves [0-9]* bytes' '$TMP/explain.txt' &&
    grep -q 'made no difference' '$TMP/explain.txt'"
sm explain "$EX" --variant lto=fat 2>"$TMP/err" >/dev/null
check "explain --variant that matches nothing lists the candidates" \
    bash -c "test $? = 2 && grep -q 'matches none' '$TMP/err' &&
    grep -q 'overflow-checks=false,strip=symbols' '$TMP/err'"
XS=$($CHECK field "$TMP/ex.json" builds 0 id)
Y=$($CHECK field "$TMP/opt.json" builds 0 id)
sm diff "$XS" "$Y" --json >"$TMP/sdiff.json" 2>/dev/null
check "diff of a stripped build says it has no symbols and how to get them" \
    grep -q 'no symbol table (it is stripped)' "$TMP/sdiff.json"
sm diff "$XS" "$Y" --wait --json >"$TMP/udiff.json" 2>/dev/null
check "diff --wait builds the stripped variant with strip=none for its symbols" \
    $CHECK diff-names "$TMP/udiff.json" sizemat_feature_report
sm sizes "$XS" --json >"$TMP/xsizes.json" 2>"$TMP/err"
check "sizes of a stripped build come from its unstripped twin, and say so" \
    bash -c "grep -q 'is stripped: these are its unstripped twin' '$TMP/err' &&
    test \"\$($CHECK field '$TMP/xsizes.json' twin)\" -gt '$XS'"
for i in 1 2 3; do
	sm run "$FIX/features" --matrix "$FIX/release-only.json" --wait --json \
	    >"$TMP/keep$i.json" 2>/dev/null
done
K1=$($CHECK field "$TMP/keep1.json" builds 0 id)
K3=$($CHECK field "$TMP/keep3.json" builds 0 id)
sm results "$($CHECK field "$TMP/keep1.json" run id)" --json >"$TMP/keep1b.json"
check "keep-artifacts 2: the third build of a variant prunes the first copy" \
    python3 -c "
import json, os, sys
old = json.load(open('$TMP/keep1.json'))['builds'][0]['artifacts'][0]
now = json.load(open('$TMP/keep1b.json'))['builds'][0]['artifacts'][0]
new = json.load(open('$TMP/keep3.json'))['builds'][0]['artifacts'][0]
sys.exit(not (now['kept_path'] is None and not os.path.exists(old['kept_path'])
              and os.path.exists(new['kept_path'])))"
sm diff "$K1" "$K3" 2>"$TMP/err" >/dev/null
check "diff of a pruned build says its symbol table is gone and why" \
    grep -q 'is no longer kept: the daemon keeps it for the newest' "$TMP/err"
sm sizes "$K1" 2>"$TMP/err" >/dev/null
check "... and so does sizes, while its crate.* measurements stay" \
    bash -c "test $? = 2 && grep -q 'no longer kept' '$TMP/err' &&
    grep -q 'crate.sizemat_features' '$TMP/keep1b.json'"

# 6. Results are identical after the daemon restarts.
sm results "$RUN" --json >"$TMP/before.json"
check "SIGTERM stops the daemon cleanly" stop_daemon
start_daemon "$WORK" "$DB"
sm results "$RUN" --json >"$TMP/after.json"
check "results are identical after a restart" \
    $CHECK same "$TMP/before.json" "$TMP/after.json"

# 7. SIGKILL mid-run: no cargo left; a restart finishes the run, each
# variant recorded exactly once, and the waiting client follows through.
KWORK=$TMP/kill-work
kill -TERM "$PID"; wait "$PID"; PID=
start_daemon "$KWORK" "$DB"
sm run "$FIX/sizes" --matrix "$FIX/slow.json" --wait --json \
    >"$TMP/killed.json" 2>"$TMP/killed.err" &
CLIENT=$!
for _ in $(seq 300); do
	$CHECK running "$KWORK/target" && break
	sleep 0.1
done
sleep 0.5
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
sleep 1
check "no cargo or rustc outlives a SIGKILLed daemon" $CHECK orphans "$KWORK"
sleep 2
start_daemon "$KWORK" "$DB"
wait "$CLIENT"
rc=$?
CLIENT=
check "the waiting client follows the run through the restart" test $rc = 0
check "every variant is recorded exactly once after the restart" \
    $CHECK exactly-once "$TMP/killed.json" 4
stop_daemon

# 8. Sizes do not depend on where the daemon keeps its target dirs.
LONG=$TMP/a-much-longer-work-directory-name-to-shift-every-path/w
start_daemon "$LONG" "$TMP/long.db"
sm run "$FIX/sizes" --matrix "$FIX/grid.json" --wait --json \
    >"$TMP/long.json" 2>/dev/null
check "a longer workdir gives identical file sizes" bash -c \
    "python3 -c 'import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:]); s=lambda d:{x[\"variant_key\"]:x[\"artifacts\"][0][\"file_size\"] for x in d[\"builds\"]}; print(\" \", s(a)); sys.exit(s(a)!=s(b))' '$TMP/grid.json' '$TMP/long.json'"

# 9. Cancel: the run and its running build stop, and no process is left.
sm run "$FIX/sizes" --matrix "$FIX/slow.json" --json >"$TMP/c.json"
CRUN=$($CHECK field "$TMP/c.json" run id)
for _ in $(seq 300); do
	$CHECK running "$LONG/target" && break
	sleep 0.1
done
sm cancel "$CRUN" >/dev/null
check "cancel exits 0" test $? = 0
sleep 1
sm results "$CRUN" --json >"$TMP/c2.json"
check "a cancelled run is cancelled" \
    test "$($CHECK field "$TMP/c2.json" run state)" = cancelled
check "cancelling kills the running build's processes" \
    $CHECK orphans "$LONG/target"
sm cancel "$CRUN" 2>/dev/null
check "cancelling twice exits 2" test $? = 2
stop_daemon

# 10. Disk budget: target dirs beyond it go, least recently used first,
# never one a queued or running build needs.
GWORK=$TMP/gc-work
echo '{"disk-budget": "1MiB"}' >"$TMP/config.json"
start_daemon "$GWORK" "$TMP/gc.db"
sm run "$FIX/sizes" --matrix "$FIX/slow.json" --wait --json \
    >"$TMP/gc-slow.json" 2>/dev/null &
CLIENT=$!
for _ in 1 2 3 4 5 6; do sm gc --json >/dev/null; sleep 1; done
wait "$CLIENT"
rc=$?
CLIENT=
check "builds whose target dirs are in use survive gc passes" \
    bash -c "test $rc = 0 && $CHECK builds-done '$TMP/gc-slow.json' 4"
sm gc --wait --json >"$TMP/gc.json"
check "gc --wait leaves the target dirs within the budget, oldest removed first" \
    python3 -c "
import json, os, sys
r = json.load(open('$TMP/gc.json'))
ev = [e['last_used'] for e in r['evicted']]
left = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in
           os.walk('$GWORK/target') for f in fs)
print('  ', r['target_dirs'], 'dirs,', r['bytes_before'], '->', r['bytes_after'],
      'bytes; left on disk', left)
sys.exit(not (r['state'] == 'done' and r['bytes_after'] <= r['budget']
              and ev == sorted(ev) and left <= r['budget']))"
sm run "$FIX/sizes" --matrix "$FIX/release-only.json" --wait --json \
    >"$TMP/gc-again.json" 2>/dev/null
check "a variant whose target dir was removed builds again from scratch" \
    $CHECK builds-done "$TMP/gc-again.json" 2
check "the daemon logs each removal" grep -q 'gc: removed' "$DAEMON_LOG"
stop_daemon

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
