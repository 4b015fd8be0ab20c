#!/bin/bash
# Size against speed: a matrix with a benchmark on a crate that does real
# work (tests/fixtures/squeeze compresses its input). Every done build's
# artifact is run warmup + runs times and once under valgrind: bench.*
# measurements with their spread, an instruction count the same in two
# runs and equal to a hand run under valgrind; a failing or timing-out
# benchmark marks the benchmark, not the build; a daemon killed in the
# middle of a benchmark runs it again after a restart; pareto's default
# second axis is bench.instructions; search --max-slowdown answers with
# the smallest variant within 10% of release, as the full grid says; bad
# bench specs and limits get clear errors.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
TMP=$(mktemp -d /tmp/sizemat-bench.XXXXXX)
WORK=$TOP/build/e2e-bench-work
PID=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
sm() { "$BIN/sizemat" "$@"; }
rm -rf "$WORK/bench"
mkdir -p "$WORK"
cp -r "$TOP/tests/fixtures/squeeze" "$TMP/crate"
cat >"$TMP/bench.json" <<'EOF'
{"name": "bench-grid", "shape": "axes",
 "axes": {"opt-level": [3, "s", "z"], "lto": ["off", "fat"],
          "panic": ["unwind", "abort"]},
 "bench": {"command": ["{artifact}", "150"], "stdin": "src/main.rs",
           "runs": 5, "warmup": 1, "timeout": 60}}
EOF
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"

# 1. The whole grid with its benchmark.
sm run "$TMP/crate" --matrix "$TMP/bench.json" --wait --json \
    >"$TMP/one.json" 2>"$TMP/one.err"
check "a run with a benchmark exits 0" test $? = 0
check "run --wait prints a line per benchmark with its figures" \
    grep -q '^\[bench 12/12\] .*: [0-9]* ms ±[0-9]* .* instructions, .* peak' \
    "$TMP/one.err"
check "every build is benchmarked: bench.* measurements with their spread" \
    python3 - "$TMP/one.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = d["run"]["state"] == "done" and len(d["builds"]) == 12
for b in d["builds"]:
    x, m = b["bench"], b["artifacts"][0]["measurements"]
    ok = ok and b["state"] == "done" and x["state"] == "done"
    ok = ok and x["exit_status"] == 0 and len(x["samples_us"]) == 5
    ok = ok and x["artifact"] == "squeeze" and x["copied_from"] is None
    ok = ok and len(x["load_avg"].split()) == 3 and x["cpu_model"]
    ok = ok and x["spec"]["command"] == ["{artifact}", "150"]
    s = sorted(x["samples_us"])
    ok = ok and m["bench.wall_ms"] == (s[2] + 500) // 1000
    ok = ok and m["bench.wall_ms_min"] == (s[0] + 500) // 1000
    ok = ok and m["bench.wall_ms_max"] == (s[4] + 500) // 1000
    mad = sorted(abs(v - s[2]) for v in s)[2]
    ok = ok and m["bench.wall_ms_mad"] == (mad + 500) // 1000
    ok = ok and m["bench.max_rss_kib"] > 0
    ok = ok and m["bench.instructions"] > 1000000
    if not ok:
        print(json.dumps(b, indent=1)); break
sys.exit(0 if ok else 1)
PY

check "a benchmark runs while no build runs, and no build starts during one" \
    python3 - "$TMP/log" <<'PY'
import re, sys
running, bench, seen, ok = set(), None, 0, True
for line in open(sys.argv[1]):
    m = re.search(r"build (\d+): (.*)", line)
    if not m:
        continue
    b, what = m.group(1), m.group(2)
    if what.startswith("benchmark of"):
        ok = ok and not running and bench is None
        bench, seen = b, seen + 1
    elif what.startswith("benchmark "):
        bench = None
    elif what.startswith("run "):
        ok = ok and bench is None
        running.add(b)
    elif b in running:
        running.discard(b)
sys.exit(0 if ok and seen == 12 else 1)
PY

# 2. The count equals a hand run of the recorded artifact under valgrind,
# from the same file and dir with the same environment and fixed random
# source (docs/speed.md): the copy is rewritten in place, as the daemon
# does. The fixture's HashMap makes the count repeat only so.
read -r KEPT WANT < <(python3 -c 'import json,sys
b = json.load(open(sys.argv[1]))["builds"][0]
a = b["artifacts"][0]
print(a["kept_path"], a["measurements"]["bench.instructions"])' "$TMP/one.json")
HAND=$WORK/bench/run
PROG=$WORK/bench/bin/squeeze
mkdir -p "$HAND"
cp "$KEPT" "$PROG"
(cd "$HAND" && env -i PATH="$PATH" HOME="$HAND" TMPDIR="$HAND" LC_ALL=C \
    LD_PRELOAD="$BIN/sizemat-fixrandom.so" valgrind --tool=cachegrind --cache-sim=no \
    --cachegrind-out-file=/dev/null --log-file="$TMP/vg.log" \
    "$PROG" 150 <"$TMP/crate/src/main.rs" >/dev/null 2>&1)
GOT=$(sed -n 's/.*I *refs: *//p' "$TMP/vg.log" | tr -d ',')
check "bench.instructions ($WANT) equals a hand run under valgrind ($GOT)" \
    test "$GOT" = "$WANT"

# 3. pareto: bench.instructions is the default second axis.
RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/one.json")
sm pareto "$RUN" --json >"$TMP/pareto.json"
check "pareto over a benchmarked run: file_size against bench.instructions, only non-dominated variants" \
    python3 - "$TMP/pareto.json" "$TMP/one.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
d = json.load(open(sys.argv[2]))
pts = {b["variant_key"]: (b["artifacts"][0]["file_size"],
       b["artifacts"][0]["measurements"]["bench.instructions"])
       for b in d["builds"]}
def dom(a, b):
    return a[0] <= b[0] and a[1] <= b[1] and (a[0] < b[0] or a[1] < b[1])
front = {f["variant_key"] for f in p["front"]}
ok = p["x"] == "file_size" and p["y"] == "bench.instructions"
ok = ok and all((k in front) == (not any(dom(o, v) for o in pts.values()))
                for k, v in pts.items())
ok = ok and all(f["y"] == pts[f["variant_key"]][1] for f in p["front"])
sys.exit(0 if ok and front else 1)
PY

# 4. The smallest variant at most 10% slower than release, by search.
sm search "$TMP/crate" --matrix "$TMP/bench.json" --max-slowdown 10% \
    --wait --json >"$TMP/search.json" 2>"$TMP/search.err"
check "search --max-slowdown 10% exits 0 on a certified winner" test $? = 0
check "its winner is the smallest of the grid's variants within 10% of release's instructions, and not the smallest overall" \
    python3 - "$TMP/search.json" "$TMP/one.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["search"]
d = json.load(open(sys.argv[2]))
pts = {b["variant_key"]: (b["artifacts"][0]["file_size"],
       b["artifacts"][0]["measurements"]["bench.instructions"])
       for b in d["builds"]}
base = s["baseline"]
limit = base["speed"] * 1.10
within = [v[0] for v in pts.values() if v[1] <= limit]
ok = s["state"] == "done" and s["certified"] and s["message"] is None
ok = ok and base["variant_key"] == "release" and base["within_limits"]
ok = ok and s["limits"] == {"max_slowdown": "10%", "max_build_time": None,
                            "speed_metric": "bench.instructions",
                            "baseline": "release"}
w = s["winner"]
ok = ok and w["value"] == min(within) and w["speed"] <= limit
ok = ok and w["within_limits"] is True
ok = ok and min(within) > min(v[0] for v in pts.values())
ok = ok and s["builds"] <= 12
print(w["variant_key"], w["value"], w["speed"], "limit", limit,
      "builds", s["builds"])
sys.exit(0 if ok else 1)
PY
# Each build's artifact sha256: the same bytes must count the same
# instructions; other bytes (the compiler's output jittered) are said so.
python3 -c 'import json, sys
for b in json.load(open(sys.argv[1]))["builds"]: print(b["id"])
for p in json.load(open(sys.argv[2]))["search"]["probes"]: print(p["build"])' \
    "$TMP/one.json" "$TMP/search.json" | while read -r id; do
	echo "$id $(db_scalar "$TMP/db" "SELECT sha256 FROM artifacts WHERE
	    build_id = $id ORDER BY kind, name LIMIT 1")"
done >"$TMP/shas.txt"
check "bench.instructions is the same in two runs of each variant with the same bytes (the grid's and the search's)" \
    python3 - "$TMP/search.json" "$TMP/one.json" "$TMP/shas.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["search"]
d = json.load(open(sys.argv[2]))
sha = dict(l.split() for l in open(sys.argv[3]) if len(l.split()) == 2)
grid = {b["variant_key"]: (b["artifacts"][0]["measurements"]
        ["bench.instructions"], sha.get(str(b["id"]))) for b in d["builds"]}
seen = [(p["variant_key"], p["speed"], sha.get(str(p["build"])))
        for p in s["probes"] if p["variant_key"] in grid]
same = [(k, v) for k, v, h in seen if h is not None and h == grid[k][1]]
for k, v, h in seen:
    if h != grid[k][1]:
        print("  %s: other bytes than the grid's (the compiler's output "
              "varied): %d against %d instructions" % (k, v, grid[k][0]))
    elif grid[k][0] != v:
        print("  %s: %d in the grid, %d in the search, the same bytes"
              % (k, grid[k][0], v))
ok = len(same) >= 4 and all(grid[k][0] == v for k, v in same)
ok = ok and len(set(g[0] for g in grid.values())) > 1
if not ok:
    print("  grid:", grid)
    print("  search:", [(p["variant_key"], p["state"], p["speed"],
                         p["build"]) for p in s["probes"]])
sys.exit(0 if ok else 1)
PY
sm search "$TMP/crate" --matrix "$TMP/bench.json" --max-slowdown 10% \
    --wait >"$TMP/search.txt" 2>/dev/null
check "the human answer says what the winner stayed within" \
    grep -q '^limits against release (build [0-9]*): at most 10% slower on bench.instructions' \
    "$TMP/search.txt"
sm search "$TMP/crate" --matrix "$TMP/bench.json" --max-slowdown 10 \
    >/dev/null 2>"$TMP/err"
check "--max-slowdown 10 (no %): exit 2, what is allowed" bash -c \
    "test $? = 2 && grep -q 'max_slowdown: \"10\" is not a percentage' '$TMP/err'"
printf '{"name": "nobench", "shape": "axes", "axes": {"opt-level": [3, "z"]}}\n' \
    >"$TMP/nobench.json"
sm search "$TMP/crate" --matrix "$TMP/nobench.json" --max-slowdown 10% \
    >/dev/null 2>"$TMP/err"
check "--max-slowdown on a matrix without a bench: exit 2, and how to add one" \
    bash -c "test $? = 2 && grep -q 'has no \"bench\"; add one' '$TMP/err'"

sm run "$TMP/crate" --matrix "$TMP/nobench.json" --bench "{artifact} 20" \
    --wait --json >"$TMP/own.json" 2>/dev/null
check "run --bench CMD: a matrix without one is benchmarked with the run's" \
    python3 - "$TMP/own.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ok = len(d["builds"]) == 2
for b in d["builds"]:
    x = b["bench"]
    ok = ok and x["state"] == "done" and x["spec"]["command"] == ["{artifact}", "20"]
    ok = ok and b["artifacts"][0]["measurements"]["bench.instructions"] > 0
sys.exit(0 if ok else 1)
PY
sm run "$TMP/crate" --matrix "$TMP/nobench.json" --bench "true" \
    >/dev/null 2>"$TMP/err"
check "run --bench without {artifact}: exit 2, and why" bash -c \
    "test $? = 2 && grep -q 'bench.command: names no {artifact}' '$TMP/err'"

# 5. check --max-slowdown: a commit that doubles a loop is slower.
R=$TMP/repo
cp -r "$TOP/tests/fixtures/squeeze" "$R"
git -C "$R" init -q -b main
git -C "$R" -c user.name=t -c user.email=t@e add -A
git -C "$R" -c user.name=t -c user.email=t@e commit -qm "squeeze"
sed -i 's/for _ in 0\.\.40 {/for _ in 0..80 {/' "$R/src/main.rs"
# Its justification accepts growth in size, not a slowdown.
git -C "$R" -c user.name=t -c user.email=t@e commit -qam "twice the energy" \
    -m "Size-Justification: a larger table"
cat >"$TMP/gate.json" <<'EOF'
{"name": "gate", "shape": "axes", "axes": {"opt-level": [3]},
 "bench": {"command": ["{artifact}", "60"], "stdin": "src/main.rs",
           "runs": 3, "warmup": 1}}
EOF
python3 "$TOP/tests/webhook_receiver.py" "$TMP/alerts" >"$TMP/hook.port" &
HOOK=$!
for _ in $(seq 50); do [ -s "$TMP/hook.port" ] && break; sleep 0.1; done
touch "$TMP/alerts"
sm project add sq "$R" --matrix "$TMP/gate.json" --max-slowdown 10% \
    --webhook "http://127.0.0.1:$(cat "$TMP/hook.port")/alert" >/dev/null 2>&1
sm check sq --base main~1 --head main --max-slowdown 10% --json \
    >"$TMP/gate.out" 2>/dev/null
RC=$?
check "check --max-slowdown 10%: a head that runs more instructions exits 1, slower, its size justification notwithstanding" \
    python3 - "$TMP/gate.out" "$RC" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rows"][0]
ok = sys.argv[2] == "1" and d["exceeded"] and d["max_slowdown"] == "10%"
ok = ok and d["slower"] and not d["size_exceeded"]
ok = ok and d["speed_metric"] == "bench.instructions"
ok = ok and r["slower"] and r["over"] and r["speed"] > r["base_speed"] * 1.1
ok = ok and abs(r["slowdown_percent"] - (r["speed"] - r["base_speed"]) * 100
                / r["base_speed"]) < 1e-6
sys.exit(0 if ok else 1)
PY
sm check sq --base main~1 --head main --max-slowdown 500% >"$TMP/gate.txt" \
    2>/dev/null
check "... and within a looser limit exits 0, the speed beside the sizes" \
    bash -c "test $? = 0 && grep -q 'speed base' '$TMP/gate.txt'"
sm compare sq main~1 main --max-slowdown 10% >/dev/null 2>"$TMP/err"
check "compare says the same (exit 1), and why" bash -c \
    "test $? = 1 && grep -q 'ran more than 10% slower on bench.instructions' '$TMP/err'"

for _ in $(seq 300); do [ -s "$TMP/alerts" ] && break; sleep 0.1; done
sm regressions sq --json >"$TMP/slow.json" 2>/dev/null
check "a project with --max-slowdown records the slower commit, and alerts once" \
    python3 - "$TMP/slow.json" "$TMP/alerts" "$(git -C "$R" rev-parse main)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
alerts = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
s = d["slowdowns"]
ok = d["max_slowdown"] == "10%" and len(s) == 1
ok = ok and s[0]["commit"] == sys.argv[3] and s[0]["metric"] == "bench.instructions"
ok = ok and s[0]["value"] > s[0]["base_value"] * 1.1 and s[0]["alerted"]
ok = ok and len(alerts) == 1 and alerts[0]["event"] == "speed_regression"
ok = ok and alerts[0]["head"]["id"] == sys.argv[3]
ok = ok and "is slower" in alerts[0]["text"]
sys.exit(0 if ok else 1)
PY
sm regressions sq >"$TMP/slow.txt" 2>/dev/null
check "... and regressions says so" \
    grep -q '^slower by more than 10% against the nearest earlier benchmarked commit: 1' \
    "$TMP/slow.txt"
# A commit that both grows (a 64 KiB table) and slows down: two alerts.
python3 - "$R/src/main.rs" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("for _ in 0..80 {", "for _ in 0..160 {")
s = s.replace("let mut sum = windows.len() as u32;",
              "let mut sum = windows.len() as u32 + std::hint::black_box(&PAD)"
              "[input.len() % PAD.len()] as u32;")
s += "\nstatic PAD: [u8; 65536] = [7; 65536];\n"
open(p, "w").write(s)
PY
git -C "$R" -c user.name=t -c user.email=t@e commit -qam "a table, and more energy"
sm run sq --rev main --wait >/dev/null 2>&1
for _ in $(seq 300); do
	[ "$(grep -c "$(git -C "$R" rev-parse main)" "$TMP/alerts")" -ge 2 ] && break
	sleep 0.1
done
check "a commit that grew and got slower sends both alerts" \
    python3 - "$TMP/alerts" "$(git -C "$R" rev-parse main)" <<'PY'
import json, sys
events = sorted(a["event"] for a in map(json.loads, open(sys.argv[1]))
                if a["head"]["id"] == sys.argv[2])
print("  alerts at the head:", events)
sys.exit(0 if events == ["size_regression", "speed_regression"] else 1)
PY
kill "$HOOK" 2>/dev/null

# 6. A failing benchmark marks the benchmark, not the build.
cat >"$TMP/fail.json" <<'EOF'
{"name": "bench-fail", "shape": "axes", "axes": {"opt-level": [3]},
 "bench": {"command": ["{artifact}", "--fail"], "runs": 2}}
EOF
sm run "$TMP/crate" --matrix "$TMP/fail.json" --wait --json \
    >"$TMP/fail.out" 2>/dev/null
RC=$?
check "a failing benchmark: the build is done (exit $RC), the benchmark failed with its status and stderr" \
    python3 - "$TMP/fail.out" "$RC" <<'PY'
import json, sys
b = json.load(open(sys.argv[1]))["builds"][0]
x = b["bench"]
ok = sys.argv[2] == "0" and b["state"] == "done"
ok = ok and x["state"] == "failed" and x["exit_status"] == 3
ok = ok and "squeeze: failing as asked" in x["error"]
ok = ok and "status 3" in x["error"]
ok = ok and not any(k.startswith("bench.")
                    for k in b["artifacts"][0]["measurements"])
sys.exit(0 if ok else 1)
PY

# 7. A benchmark over its time is killed, with what it started.
cat >"$TMP/slow.json" <<'EOF'
{"name": "bench-slow", "shape": "axes", "axes": {"opt-level": [3]},
 "bench": {"command": ["{artifact}", "--sleep", "30"], "runs": 1,
           "warmup": 0, "timeout": 1, "instructions": false}}
EOF
START=$(date +%s)
sm run "$TMP/crate" --matrix "$TMP/slow.json" --wait --json \
    >"$TMP/slow.out" 2>/dev/null
check "a benchmark over its timeout: state timeout, the build done, nothing left running" \
    python3 - "$TMP/slow.out" <<'PY'
import json, subprocess, sys
b = json.load(open(sys.argv[1]))["builds"][0]
x = b["bench"]
left = subprocess.run(["pgrep", "-f", "squeeze --sleep"],
                      capture_output=True).stdout.strip()
ok = b["state"] == "done" and x["state"] == "timeout"
ok = ok and "within 1 s" in x["error"] and not left
sys.exit(0 if ok else 1)
PY
check "... within seconds, not the 30 s it asked for" \
    test $(($(date +%s) - START)) -lt 25

# 8. Killed in the middle of a benchmark: nothing outlives the daemon,
# and the benchmark runs again after a restart.
cat >"$TMP/nap.json" <<'EOF'
{"name": "bench-nap", "shape": "axes", "axes": {"opt-level": [3]},
 "bench": {"command": ["{artifact}", "--sleep", "3"], "runs": 1,
           "warmup": 0, "instructions": false}}
EOF
NAP=$(sm run "$TMP/crate" --matrix "$TMP/nap.json" --json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')
for _ in $(seq 300); do
	pgrep -f 'squeeze --sleep 3' >/dev/null && break
	sleep 0.1
done
{ kill -9 "$PID"; wait "$PID"; } 2>/dev/null
sleep 0.5
check "a daemon killed during a benchmark leaves no benchmark running" \
    bash -c '! pgrep -f "squeeze --slee[p] 3" >/dev/null'
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"
sm results "$NAP" --wait --json >"$TMP/nap.out" 2>/dev/null
check "after a restart the benchmark runs again to its end" \
    python3 - "$TMP/nap.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
x = d["builds"][0]["bench"]
m = d["builds"][0]["artifacts"][0]["measurements"]
ok = d["run"]["state"] == "done" and x["state"] == "done"
ok = ok and len(x["samples_us"]) == 1 and m["bench.wall_ms"] >= 3000
sys.exit(0 if ok else 1)
PY

# 9. Bad specs: the file, the key, what is allowed.
bad() {
	local name=$1 spec=$2 want=$3
	printf '{"name": "bad", "shape": "axes", "axes": {"opt-level": [3]}, "bench": %s}\n' \
	    "$spec" >"$TMP/bad.json"
	sm run "$TMP/crate" --matrix "$TMP/bad.json" 2>"$TMP/bad.err" >/dev/null
	local rc=$?
	check "$name: exit 2 and \"$want\"" bash -c \
	    "test $rc = 2 && grep -q -- '$want' '$TMP/bad.err'"
}
bad "a command without {artifact}" '{"command": ["true"]}' \
    'bench.command: names no {artifact}'
bad "stdin outside the project" \
    '{"command": ["{artifact}"], "stdin": "../etc/passwd"}' \
    'bench.stdin: must be a path relative to the project'
bad "runs out of range" '{"command": ["{artifact}"], "runs": 0}' \
    'bench.runs: must be a whole number from 1 to 1000'
bad "an unknown key" '{"command": ["{artifact}"], "repeat": 3}' \
    'bench.repeat: unknown key'

echo "e2e-bench: $pass passed, $fail failed"
[ "$fail" = 0 ]
