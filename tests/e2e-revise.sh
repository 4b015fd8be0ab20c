#!/bin/bash
# Regressions that are revised as what lies between is measured: growth
# between two measured commits that are not parent and child is a range,
# with the bisect command that narrows it; a bisection narrows it to its
# culprit, and measured commits that show no single step over the
# threshold withdraw it; either sends exactly one follow-up webhook.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/history_check.py"
TMP=$(mktemp -d /tmp/sizemat-revise.XXXXXX)
WORK=$TOP/build/e2e-revise-work
PID=
HOOK_PID=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$HOOK_PID" ] && kill "$HOOK_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
S=$BIN/sizemat
mkdir -p "$WORK"

# c0 .. c7: c3 does not build, c5 adds a table (the regression).
sh "$TOP/tests/make-history.sh" "$TMP/repo" >"$TMP/commits"
for i in 0 1 2 3 4 5 6 7; do
	eval "C$i=$(awk -v l=c$i '$1 == l { print $2 }' "$TMP/commits")"
done

# Prints a Rust program whose binary holds a table of $1 u64s.
table() {
	printf 'static TABLE: [u64; %d] = [' "$1"
	seq 1 "$1" | awk '{ printf "%d,", ($1 * 2654435761) % 4294967291 }'
	printf '];\nfn main() {\n    let n = std::env::args().count();\n'
	printf '    println!("{}", TABLE[n * 7919 %% TABLE.len()]);\n}\n'
}

# g0 .. g2: a table that grows by about 3.5% of the binary twice, so that
# g0 to g2 crosses 5% while neither step does.
mkdir -p "$TMP/grow/src"
(
	cd "$TMP/grow"
	git init -q -b main .
	git config user.name "Growth Fixture"
	git config user.email "fixture@sizemat.invalid"
	printf '[package]\nname = "grow"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n' \
	    >Cargo.toml
	for n in 20000 22000 24000; do
		table "$n" >src/main.rs
		git add -A
		GIT_AUTHOR_DATE="2026-02-0$((n / 2000 - 9))T12:00:00Z" \
		GIT_COMMITTER_DATE="2026-02-0$((n / 2000 - 9))T12:00:00Z" \
		    git commit -q -m "A table of $n"
		git rev-parse HEAD
	done >"$TMP/grow.commits"
)
G0=$(sed -n 1p "$TMP/grow.commits")
G1=$(sed -n 2p "$TMP/grow.commits")
G2=$(sed -n 3p "$TMP/grow.commits")

# b0 .. b5 of a crate with three binaries: b2 grows tiny, b4 grows big,
# and threebins, the default artifact, stays as it is.
cp -r "$FIX/threebins" "$TMP/three"
(
	cd "$TMP/three"
	git init -q -b main .
	git config user.name "Three Fixture"
	git config user.email "fixture@sizemat.invalid"
	for b in 0 1 2 3 4 5; do
		case $b in
		2) table 20000 >src/bin/tiny.rs ;;
		4) table 40000 >src/bin/big.rs ;;
		*) echo "// b$b" >>src/main.rs ;;
		esac
		git add -A
		GIT_AUTHOR_DATE="2026-03-0$((b + 1))T12:00:00Z" \
		GIT_COMMITTER_DATE="2026-03-0$((b + 1))T12:00:00Z" \
		    git commit -q -m "Step b$b"
		git rev-parse HEAD
	done >"$TMP/three.commits"
)
B0=$(sed -n 1p "$TMP/three.commits")
B2=$(sed -n 3p "$TMP/three.commits")
B4=$(sed -n 5p "$TMP/three.commits")
B5=$(sed -n 6p "$TMP/three.commits")

python3 "$TOP/tests/webhook_receiver.py" "$TMP/alerts" >"$TMP/hook.port" &
HOOK_PID=$!
for _ in $(seq 50); do [ -s "$TMP/hook.port" ] && break; sleep 0.1; done
HOOK=http://127.0.0.1:$(cat "$TMP/hook.port")/alert
touch "$TMP/alerts" "$TMP/grow-alerts"
echo '{"name": "one", "shape": "axes", "axes": {"opt-level": ["s"], "strip": [true]}}' \
    >"$TMP/one.json"

# Waits until the receiver has n bodies in file $1, then a little more, so
# that a body that should not come has had its chance.
wait_events() {
	for _ in $(seq 100); do
		[ "$(grep -c . "$1")" -ge "$2" ] && break
		sleep 0.1
	done
	sleep 1.5
}

start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"

echo "# a range, narrowed by a bisection"
"$S" project add rev "$TMP/repo" --matrix "$TMP/one.json" --threshold 5% \
    --webhook "$HOOK" >/dev/null 2>&1
"$S" run rev --rev "$C2" --wait -q >/dev/null 2>&1
"$S" run rev --rev "$C7" --wait -q >/dev/null 2>&1
"$S" regressions rev --json >"$TMP/range.json"
check "growth between measured commits that are not parent and child is a range" \
    $CHECK regression-state "$TMP/range.json" range "$C7" "$C2" "$C3" 4
"$S" regressions rev >"$TMP/range.txt" 2>"$TMP/range.err"
check "... the table says so, and names the bisect command that narrows it" \
    bash -c "grep -q 'range from ${C3:0:12}, 4 unmeasured' '$TMP/range.txt' &&
    grep -q 'sizemat bisect rev --good ${C2:0:12} --bad ${C7:0:12}' '$TMP/range.err'"
wait_events "$TMP/alerts" 1
check "the range is alerted once" \
    $CHECK events "$TMP/alerts" "size_regression::$C7"

"$S" bisect rev --good "$C2" --bad "$C7" --wait >"$TMP/bisect.txt" 2>&1
check "the bisection finds the culprit" grep -q "first commit over 5%: $C5" \
    "$TMP/bisect.txt"
"$S" regressions rev --json >"$TMP/culprit.json"
check "the range is narrowed to its culprit: the record is revised, not doubled" \
    $CHECK regression-state "$TMP/culprit.json" culprit "$C5" "$C4" "$C5" 0
wait_events "$TMP/alerts" 2
check "exactly one follow-up webhook says so, and no second alert" \
    $CHECK events "$TMP/alerts" "size_regression::$C7" \
    "size_regression_revised:culprit:$C5"

"$S" report rev --markdown >"$TMP/report.md" 2>/dev/null
check "the report counts one regression, at the culprit" \
    grep -q "^1 regression recorded; the latest at \`${C5:0:12}\`" "$TMP/report.md"

# A row from before revisions had no state: it is classified when the
# project is next looked at.
db_exec "$TMP/db" "UPDATE regressions SET state = NULL, first_commit = NULL"
"$S" run rev --rev "$C6" --wait -q >/dev/null 2>&1
"$S" regressions rev --json >"$TMP/migrated.json"
check "a regression recorded before revisions is classified (here a culprit)" \
    $CHECK regression-state "$TMP/migrated.json" culprit "$C5" "$C4" "$C5" 0
wait_events "$TMP/alerts" 2
check "... without another webhook" $CHECK events "$TMP/alerts" \
    "size_regression::$C7" "size_regression_revised:culprit:$C5"

echo "# bisect without --artifact: every artifact that grew"
"$S" project add three "$TMP/three" --matrix "$TMP/one.json" --threshold 5% \
    >/dev/null 2>&1
"$S" bisect three --good "$B0" --bad "$B5" --wait --json \
    >"$TMP/three-bisect.json" 2>"$TMP/three-bisect.err"
check "bisect without --artifact bisects each artifact that grew, and finds each culprit (exit 0)" \
    python3 - "$TMP/three-bisect.json" "$B4" "$B2" "$?" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
found = {d["artifact"]: d["result"]["culprit"]["id"]
         for d in [doc] + doc["also_bisections"]
         if d["state"] == "done" and d["result"]["culprit"]}
sys.exit(0 if sys.argv[4] == "0" and found == {"big": sys.argv[2],
         "tiny": sys.argv[3]} and len(doc["also"]) == 1 else 1)
PY
"$S" bisect three --good "$B0" --bad "$B5" --artifact threebins --wait \
    >"$TMP/three-default.txt" 2>/dev/null
check "... while the default artifact, which did not grow, has no culprit (exit 1)" \
    bash -c "test $? = 1 && grep -q '^no culprit: the bad commit is not over the threshold' '$TMP/three-default.txt'"

# With nothing measured the matrix is built at good first and its
# smallest variant bisected: of the artifact asked for, or of each that grew.
echo '{"name": "two", "shape": "axes", "axes": {"opt-level": ["s"], "strip": [false, true]}}' \
    >"$TMP/two.json"
"$S" project add three-big "$TMP/three" --matrix "$TMP/two.json" \
    --threshold 5% >/dev/null 2>&1
"$S" bisect three-big --good "$B0" --bad "$B5" --artifact big --wait --json \
    >"$TMP/seed-big.json" 2>/dev/null
check "with nothing measured, bisect --artifact big bisects big (not the smallest artifact)" \
    python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d["artifact"] == "big" and d["result"]["culprit"]["id"] == sys.argv[2]
         and d["also_bisections"] == [] else 1)' "$TMP/seed-big.json" "$B4"
"$S" project add three-all "$TMP/three" --matrix "$TMP/two.json" \
    --threshold 5% >/dev/null 2>&1
"$S" bisect three-all --good "$B0" --bad "$B5" --wait --json \
    >"$TMP/seed-all.json" 2>/dev/null
check "... and without --artifact, each artifact that grew" \
    python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
found = {b["artifact"]: b["result"]["culprit"]["id"] for b in [d] + d["also_bisections"]}
sys.exit(0 if found == {"big": sys.argv[2], "tiny": sys.argv[3]} else 1)' \
    "$TMP/seed-all.json" "$B4" "$B2"

echo "# a range withdrawn: no single step crossed the threshold"
python3 "$TOP/tests/webhook_receiver.py" "$TMP/grow-alerts" >"$TMP/hook2.port" &
HOOK2_PID=$!
for _ in $(seq 50); do [ -s "$TMP/hook2.port" ] && break; sleep 0.1; done
"$S" project add grow "$TMP/grow" --matrix "$TMP/one.json" --threshold 5% \
    --webhook "http://127.0.0.1:$(cat "$TMP/hook2.port")/alert" >/dev/null 2>&1
"$S" run grow --rev "$G0" --wait -q >/dev/null 2>&1
"$S" run grow --rev "$G2" --wait -q >/dev/null 2>&1
"$S" regressions grow --json >"$TMP/grow.json"
check "two steps of about 3.5% make a range over 5%" \
    $CHECK regression-state "$TMP/grow.json" range "$G2" "$G0" "$G1" 1
wait_events "$TMP/grow-alerts" 1
"$S" run grow --rev "$G1" --wait -q >/dev/null 2>&1
"$S" regressions grow --json >"$TMP/withdrawn.json"
check "measuring the commit between withdraws it, saying why" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["regressions"]
sys.exit(0 if len(r) == 1 and r[0]["state"] == "withdrawn" and
         "no single step over the threshold" in r[0]["note"] else 1)' \
    "$TMP/withdrawn.json"
wait_events "$TMP/grow-alerts" 2
check "exactly one follow-up webhook withdraws it" \
    $CHECK events "$TMP/grow-alerts" "size_regression::$G2" \
    "size_regression_revised:withdrawn:$G2"
"$S" project show grow --json >"$TMP/show.json"
check "a withdrawn regression no longer counts for the project" \
    python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["regressions"] != 0)' \
    "$TMP/show.json"
kill "$HOOK2_PID"

kill -TERM "$PID"; wait "$PID"; PID=
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
