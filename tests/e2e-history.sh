#!/bin/bash
# End-to-end tests of size history: a git repository made here (a crate
# whose history has a commit that adds a lot of code, one that does not
# build and some that change nothing), tracked by the real sizematd on a
# free loopback port and asked with the real client: runs at revisions,
# trend, compare, check, regressions, webhooks, bisect and schedules.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/history_check.py"
TMP=$(mktemp -d /tmp/sizemat-history.XXXXXX)
WORK=$TMP/work
PID=
HOOK_PID=
HOOK2_PID=
S="$BIN/sizemat"
. "$TOP/tests/e2e-lib.sh"

cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$HOOK_PID" ] && kill "$HOOK_PID" 2>/dev/null
	[ -n "$HOOK2_PID" ] && kill "$HOOK2_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# The repository: c0 .. c7 (c3 does not build, c5 adds a table).
sh "$TOP/tests/make-history.sh" "$TMP/repo" >"$TMP/commits"
for i in 0 1 2 3 4 5 6 7; do
	eval "C$i=$(awk -v l=c$i '$1 == l { print $2 }' "$TMP/commits")"
done
epoch() { git -C "$TMP/repo" log -1 --format=%ct "$1"; }

# A webhook receiver on loopback, and a port nothing listens on.
python3 "$TOP/tests/webhook_receiver.py" "$TMP/alerts" >"$TMP/hook.port" &
HOOK_PID=$!
# A second one, for a project whose only variant is stripped.
python3 "$TOP/tests/webhook_receiver.py" "$TMP/lone-alerts" \
    >"$TMP/hook2.port" &
HOOK2_PID=$!
for _ in $(seq 50); do [ -s "$TMP/hook.port" ] && break; sleep 0.1; done
HOOK=http://127.0.0.1:$(cat "$TMP/hook.port")/alert
DEAD=http://127.0.0.1:9/nobody
touch "$TMP/alerts"

start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles" \
    --keep-logs 10

echo "# tracked projects"
check "project add clones the source and finds its branch" \
    "$S" project add hist "$TMP/repo" --matrix "$FIX/history.json" \
    --webhook "$HOOK" --webhook "$DEAD"
"$S" project list >"$TMP/list"
check "project list shows it ready at the branch head" \
    grep -q "hist .*ready .*main .*${C7:0:12}" "$TMP/list"
"$S" project add nope "$TMP/no-such-repo" 2>"$TMP/err"
check "a source that is not there is refused with exit 2" [ $? -eq 2 ]
"$S" project add nope "file://$TMP/no-such-repo" 2>"$TMP/err"
check "a source git cannot clone is reported, exit 2" [ $? -eq 2 ]
check "... with git's reason, and the project is not kept" \
    bash -c "grep -q 'cannot fetch' '$TMP/err' &&
    ! '$S' project list | grep -q '^nope '"
"$S" project add setp "$TMP/repo" >/dev/null 2>&1
"$S" project set setp --threshold 5% --schedule "every 6h" >/dev/null 2>&1
check "project set changes a tracked project's threshold and schedule" \
    bash -c "test $? = 0 && '$S' project show setp --json | python3 -c '
import json, sys; p = json.load(sys.stdin)
sys.exit(0 if p[\"threshold\"] == \"5%\" and p[\"schedule\"] == \"every 6h\" else 1)'"
"$S" project set setp --schedule "every day" 2>"$TMP/err"
check "... refuses a bad value with what is allowed (exit 2)" \
    bash -c "test $? = 2 && grep -q 'schedule:' '$TMP/err'"
"$S" project set setp --branch nope 2>"$TMP/err" >/dev/null
check "... and looks a new branch up: one that is not there is an error" \
    bash -c "test $? = 2 && grep -q 'no branch nope' '$TMP/err'"
"$S" project set setp --branch main >/dev/null 2>&1
check "... and a branch that is there makes it ready again" \
    bash -c "test $? = 0 && '$S' project list | grep -q '^setp .*ready'"
"$S" project remove setp >/dev/null 2>&1
"$S" project add hist "$TMP/repo" 2>"$TMP/err"
check "a name that is taken is refused with exit 2" [ $? -eq 2 ]
check "... and the error says so" grep -q "exists already" "$TMP/err"
"$S" project add bad "$TMP/repo" --schedule "every day" 2>"$TMP/err"
check "a bad schedule is refused, naming the syntax" \
    grep -q "daily HH:MM" "$TMP/err"

echo "# runs at revisions"
"$S" run hist --rev "$C0" --wait -q --json >"$TMP/r0.json"
check "a run at a revision succeeds" [ $? -eq 0 ]
check "it records the commit, --locked and SOURCE_DATE_EPOCH" \
    $CHECK commit-recorded "$TMP/r0.json" "$C0" "$(epoch "$C0")"
FRESH=$($CHECK wall-ms "$TMP/r0.json")
"$S" run hist --rev "${C1:0:10}" --wait -q --json >"$TMP/r1.json"
WARM=$($CHECK wall-ms "$TMP/r1.json")
echo "  first build ${FRESH} ms in a fresh target dir; the next commit" \
    "${WARM} ms in the warm one"
for c in "$C2" "$C4" "$C5" "$C6" "$C7"; do
	"$S" run hist --rev "$c" --wait -q >/dev/null ||
	    echo "  run at $c failed"
done
"$S" run hist --rev "$C3" --wait -q >/dev/null 2>&1
check "a run at a commit that does not build exits 1" [ $? -eq 1 ]
"$S" run hist --rev "$C2" --wait -q --json >"$TMP/again.json"
check "a commit already measured is not built again" \
    $CHECK reused "$TMP/again.json" yes
"$S" run hist --rev "$C2" --wait --json 2>"$TMP/again.err" >/dev/null
check "... and --wait says it was reused, not a build time" bash -c \
    "grep -q 'reused build [0-9]*, not built again' '$TMP/again.err' &&
    ! grep -q ' s, default' '$TMP/again.err'"
"$S" run hist --rev "$C2" --force --wait -q --json >"$TMP/forced.json"
check "... unless --force" $CHECK reused "$TMP/forced.json" no
# The newest run is now at an old commit: the current size is still the
# branch's newest measured commit.
"$S" best hist --json >"$TMP/best.json"
check "best describes the newest measured commit on the branch, not the newest run" \
    $CHECK best-current "$TMP/best.json" "$C7"
"$S" report hist --markdown >"$TMP/report.md" 2>/dev/null
check "report --markdown says which commit it describes" \
    grep -q "^Smallest in run [0-9]* (at \`${C7:0:12}\`, End main.rs with a comment)" \
    "$TMP/report.md"

echo "# trend, compare, check"
"$S" trend hist --variant strip=symbols --json >"$TMP/trend.json"
check "trend shows the jump at the commit that made it" \
    $CHECK trend-jump "$TMP/trend.json" "$C5" "$C0" "$C1" "$C2" "$C4" \
    "$C5" "$C6" "$C7"
check "trend --csv gives a row per measured commit" \
    test "$("$S" trend hist --variant strip=symbols --csv | wc -l)" -eq 8
"$S" trend hist --variant strip=symbols >"$TMP/trend.txt"
check "the trend table ends with a sparkline" grep -q "▁▁▁▁███" \
    "$TMP/trend.txt"
"$S" trend hist --variant strip=symbols --metric post.xz >"$TMP/xz.txt" \
    2>"$TMP/err"
check "a metric never measured is no data, not 0 B, and exits 1" bash -c \
    "[ $? = 1 ] && grep -q 'no data' '$TMP/xz.txt' && ! grep -q ' 0 B' \
    '$TMP/xz.txt' && grep -q 'post.xz was never measured' '$TMP/err'"
"$S" trend hist --variant strip=symbols --metric post.xz --json \
    >"$TMP/xz.json" 2>/dev/null
check "... null in JSON, exit 1" bash -c "[ $? = 1 ] && python3 -c 'import json,sys
rows = json.load(open(sys.argv[1]))[\"rows\"]
sys.exit(0 if rows and all(r[\"value\"] is None for r in rows) else 1)' '$TMP/xz.json'"
"$S" trend hist --variant strip=symbols --metric post.xzz 2>"$TMP/err" \
    >/dev/null
check "a metric that is not a measurement is refused, with the nearest name (exit 2)" \
    bash -c "[ $? = 2 ] && grep -q 'did you mean post.xz?' '$TMP/err'"
"$S" trend hist --variant strip=symbols --metric crate.std --json \
    >"$TMP/crate.json" 2>/dev/null
check "... every INTERFACE.md name is one (crate.NAME: no data yet, exit 1)" \
    bash -c "[ $? = 1 ] && python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d[\"unit\"] == \"bytes\" and d[\"metric\"] == \"crate.std\" else 1)' '$TMP/crate.json'"
curl -sf "$SIZEMAT_URL/v1/measurements" >"$TMP/measurements.json"
check "GET /v1/measurements lists the names and their units" \
    python3 -c 'import json,sys
m = {x["name"]: x for x in json.load(open(sys.argv[1]))["measurements"]}
sys.exit(0 if m["wall_ms"]["unit"] == "ms" and m["section."]["prefix"]
         and m["bench.max_rss_kib"]["unit"] == "KiB" else 1)' \
    "$TMP/measurements.json"
"$S" trend hist --variant opt-level=s 2>"$TMP/err" >/dev/null
check "an ambiguous --variant is refused, listing the candidates" \
    grep -q "matches more than one variant.*strip=symbols" "$TMP/err"
"$S" compare hist "${C4:0:8}" "${C5:0:8}" --json >"$TMP/cmp.json"
check "compare over the limit exits 1, as check does" test $? = 1
check "compare reports the growth over 1%" \
    $CHECK compare-over "$TMP/cmp.json" yes
"$S" compare hist main~2 main~1 --json >"$TMP/cmp-git.json"
check "compare resolves revisions through the project's repository (main~2, main~1)" \
    python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d["base"]["id"] == sys.argv[2] and d["head"]["id"] == sys.argv[3]
         and d["rows"] else 1)' "$TMP/cmp-git.json" "$C5" "$C6"
check "compare --markdown prints a table to paste" \
    bash -c "'$S' compare hist $C4 $C5 --markdown | grep -q '^| .*OVER'"
"$S" check hist --base "$C4" --head "$C5" --markdown -q >"$TMP/check1" 2>&1
check "check exits 1 across the regression" [ $? -eq 1 ]
check "check --markdown explains the growth of each variant in a details block" \
    python3 - "$TMP/check1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
blocks = re.findall(r"<details><summary>Why <code>([^<]*)</code>.*?</details>", text, re.S)
body = re.findall(r"<details>.*?</details>", text, re.S)
assert len(blocks) == 2, blocks
assert all("| crate  | histdata" in b or "| crate | histdata" in b for b in body), body
assert all("histdata::TABLE" in b for b in body), body
PY
# A project whose only variant is stripped: check builds its twins.
echo '{"name": "lone", "shape": "axes", "axes": {"opt-level": ["s"], "strip": [true]}}' \
    >"$TMP/lone.json"
for _ in $(seq 50); do [ -s "$TMP/hook2.port" ] && break; sleep 0.1; done
touch "$TMP/lone-alerts"
"$S" project add lone "$TMP/repo" --matrix "$TMP/lone.json" \
    --webhook "http://127.0.0.1:$(cat "$TMP/hook2.port")/alert" >/dev/null 2>&1
"$S" check lone --base "$C4" --head "$C5" --markdown -q >"$TMP/check-lone" \
    2>/dev/null
check "... a stripped variant's too, from its unstripped twin, built for it" \
    bash -c "test $? = 1 && grep -q 'grew, from the unstripped twin' \
    '$TMP/check-lone' && grep -q 'histdata::TABLE' '$TMP/check-lone'"
for _ in $(seq 600); do [ -s "$TMP/lone-alerts" ] && break; sleep 0.2; done
check "its regression's webhook waits for the twins, then says why" \
    python3 - "$TMP/lone-alerts" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert len(lines) == 1, lines
body = json.loads(lines[0])
v = body["variants"]
assert len(v) == 1 and "strip=symbols" in v[0]["variant_key"], v
c = v[0]["causes"]
assert c and c["from"] == "unstripped twin", c
assert c["crates"][0]["name"] == "histdata", c["crates"][:2]
assert "histdata::TABLE" in [s["name"] for s in c["symbols"]], c["symbols"][:3]
assert "histdata" in body["text"], body["text"]
PY
"$S" check hist --base "$C6" --head "$C7" -q >"$TMP/check2" 2>&1
check "check exits 0 across a harmless commit" [ $? -eq 0 ]
"$S" check hist --base "$C4" --head "$C5" --max-increase 1MiB -q \
    >/dev/null 2>&1
check "check exits 0 when the growth is within --max-increase" [ $? -eq 0 ]
# A limit between the two variants' growth: the table's last row is
# within it, the first over it, and the verdict is the whole table's.
MID=$(python3 -c 'import json,sys
p = sorted(r["percent"] for r in json.load(open(sys.argv[1]))["rows"])
print("%.4f%%" % ((p[0] + p[-1]) / 2) if p[-1] - p[0] > 0.01 else "")' \
    "$TMP/cmp.json")
"$S" check hist --base "$C4" --head "$C5" --max-increase "$MID" -q \
    >"$TMP/check-mid" 2>/dev/null
check "check exits 1 when one variant of two grew past the limit ($MID), whichever row comes last" \
    bash -c "test $? -eq 1 && test -n '$MID' && grep -q OVER '$TMP/check-mid' &&
    grep -q ' ok\$' '$TMP/check-mid'"
"$S" check hist --base "$C2" --head "$C3" -q >/dev/null 2>&1
check "check exits 1 when the head does not build" [ $? -eq 1 ]

echo "# regressions and alerts"
"$S" trend hist --variant strip=none --metric crate.histdata --json \
    >"$TMP/crate-trend.json" 2>/dev/null
check "trend --metric crate.NAME follows one crate: the dependency from c5 on" \
    python3 -c 'import json, sys
rows = {r["commit"]: r["value"] for r in json.load(open(sys.argv[1]))["rows"]}
sys.exit(0 if rows.get(sys.argv[2]) is None and rows[sys.argv[3]] >= 320000 else 1)' \
    "$TMP/crate-trend.json" "$C4" "$C5"
"$S" regressions hist --json >"$TMP/regs.json"
check "the regression is recorded once per variant, at its commit" \
    $CHECK regressions-at "$TMP/regs.json" "$C5" 2
check "each says why: the dependency it added and its table, largest first" \
    $CHECK regressions-explained "$TMP/regs.json" "$C5"
"$S" regressions hist >"$TMP/regs.txt"
"$S" regressions hist --explain >"$TMP/regs-x.txt"
check "regressions prints a line of causes, --explain their tables" \
    bash -c "grep -q '^${C5:0:12} .*: histdata +' '$TMP/regs.txt' &&
    grep -q '^symbol  *histdata::TABLE .* new' '$TMP/regs-x.txt' &&
    grep -q 'from the unstripped twin' '$TMP/regs-x.txt'"
for _ in $(seq 50); do
	"$S" project show hist --json >"$TMP/show.json"
	grep -q '"attempts":\s*[1-9]' "$TMP/show.json" && break
	sleep 0.2
done
check "the webhook receiver got exactly one alert, with both variants" \
    $CHECK one-alert "$TMP/alerts" hist "$C5" "$C4" 2
check "a dead endpoint's delivery is recorded as failing" \
    $CHECK dead-delivery "$TMP/show.json" "$DEAD"
check "the daemon is still up" kill -0 "$PID"

echo "# justified growth"
# main gains a commit that doubles the table with a justification; the
# branch plain, the same change without one.
git clone -q "$TMP/repo" "$TMP/just"
(
	cd "$TMP/just"
	git config user.name "History Fixture"
	git config user.email "fixture@sizemat.invalid"
	git checkout -q -b plain
	sed -i 's/40000/80000/' histdata/src/lib.rs
	python3 - <<'PY'
p = "histdata/src/lib.rs"
s = open(p).read().replace("];\n", ",".join(str(i) for i in range(40000)) + "];\n")
open(p, "w").write(s)
PY
	git commit -qam "Double the table"
	git checkout -q main
	git checkout -q plain -- histdata
	git commit -qm "Double the table" -m "Size-Justification: the table is the product"
) >/dev/null
J=$(git -C "$TMP/just" rev-parse main)
P=$(git -C "$TMP/just" rev-parse plain)
"$S" project add jp "$TMP/just" --matrix "$TMP/lone.json" >/dev/null 2>&1
"$S" check jp --base "$C7" --head "$P" -q >/dev/null 2>&1
check "check over its limit without a justification exits 1" [ $? -eq 1 ]
"$S" check jp --base "$C7" --head "$J" --json -q >"$TMP/just.json" 2>/dev/null
check "... and 0 when the head's message carries Size-Justification:" \
    bash -c "test $? = 0 && python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d[\"exceeded\"] and d[\"accepted\"] == {\"text\":
    \"the table is the product\", \"commit\": sys.argv[2]} else 1)' \
    '$TMP/just.json' '$J'"
"$S" check jp --base "$C7" --head "$J" -q >"$TMP/just.txt" 2>/dev/null
check "... printing the justification beside the table" \
    grep -q "^accepted: over .*, justified in ${J:0:12}: the table is the product" \
    "$TMP/just.txt"
"$S" run jp --rev "$J" --wait -q >/dev/null 2>&1
wait_idle
"$S" regressions jp --json >"$TMP/just-regs.json"
check "the regression at that commit is recorded as accepted" \
    python3 -c 'import json, sys
r = [x for x in json.load(open(sys.argv[1]))["regressions"] if x["commit"] == sys.argv[2]]
sys.exit(0 if r and all(x["accepted"] == {"text": "the table is the product",
    "commit": sys.argv[2]} for x in r) else 1)' "$TMP/just-regs.json" "$J"
"$S" project set jp --trailer none >/dev/null 2>&1
"$S" check jp --base "$C7" --head "$J" -q >/dev/null 2>&1
check "a project that honours no trailer: exit 1 again" [ $? -eq 1 ]

echo "# the noise rule"
# A crate whose size follows its target dir's path (its build script
# writes OUT_DIR into a string it reads at run time): verify, in a fresh
# dir of another length, sees it move; a later growth smaller than that
# is no regression.
mkdir -p "$TMP/noisy/src"
(
	cd "$TMP/noisy"
	git init -q -b main .
	git config user.name "Noise Fixture"
	git config user.email "fixture@sizemat.invalid"
	printf '[package]\nname = "noisy"\nversion = "0.1.0"\nedition = "2021"\n' \
	    >Cargo.toml
	cat >build.rs <<'RS'
fn main() {
    let out = std::env::var("OUT_DIR").unwrap();
    std::fs::write(format!("{out}/paths.rs"),
        format!("pub static PATHS: &str = {:?};\n", out.repeat(800))).unwrap();
}
RS
	cat >src/main.rs <<'RS'
include!(concat!(env!("OUT_DIR"), "/paths.rs"));
fn main() {
    let n = std::env::args().count() * 7919 % PATHS.len();
    println!("{}", PATHS.as_bytes()[n]);
}
RS
	git add -A && git commit -qm "Start noisy"
	# About 5 KB more: less than what the path moves the size by.
	sed -i "s/println!(\"{}\", PATHS.as_bytes()\[n\]);/println!(\"{} {}\", PATHS.as_bytes()[n], \"$(printf '%5000s' | tr ' ' x)\");/" \
	    src/main.rs
	git commit -qam "Say a little more"
) >/dev/null
N0=$(git -C "$TMP/noisy" rev-parse main~1)
N1=$(git -C "$TMP/noisy" rev-parse main)
for p in quiet noisy; do
	"$S" project add $p "$TMP/noisy" --matrix "$TMP/lone.json" \
	    --threshold 1 >/dev/null 2>&1
	"$S" run $p --rev "$N0" --wait -q --json >"$TMP/$p-0.json" 2>/dev/null
done
"$S" verify "$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/noisy-0.json")" \
    --wait -q >/dev/null 2>&1
check "verify sees the noisy crate move with its target dir's path" [ $? -eq 1 ]
for p in quiet noisy; do
	"$S" run $p --rev "$N1" --wait -q >/dev/null 2>&1
done
wait_idle
"$S" regressions quiet --json >"$TMP/quiet-regs.json"
"$S" regressions noisy --json >"$TMP/noisy-regs.json"
check "a growth past a 1-byte threshold is a regression of a variant never verified" \
    python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["regressions"]
sys.exit(0 if len(r) == 1 and r[0]["commit"] == sys.argv[2] and
    r[0]["jitter"] is None else 1)' "$TMP/quiet-regs.json" "$N1"
check "... and not of one whose rebuild moved by more (the noise rule)" \
    python3 -c 'import json, sys
q = json.load(open(sys.argv[1]))["regressions"]
n = json.load(open(sys.argv[2]))["regressions"]
print("  growth %s B" % [r["bytes"] for r in q])
sys.exit(0 if q and n == [] else 1)' "$TMP/quiet-regs.json" \
    "$TMP/noisy-regs.json"

echo "# metrics"
curl -sf "$SIZEMAT_URL/metrics" >"$TMP/metrics.txt"
check "GET /metrics answers in Prometheus's text format" \
    grep -q '^# TYPE sizemat_artifact_size_bytes gauge' "$TMP/metrics.txt"
check "... and agrees with the database" \
    $CHECK metrics-match "$TMP/metrics.txt" "$TMP/db"

"$S" export hist --format csv >"$TMP/export.csv"
"$S" export hist --format json >"$TMP/export.json"
check "export gives the whole history as CSV and JSON" \
    $CHECK export-match "$TMP/export.csv" "$TMP/export.json" "$TMP/db" hist
check "the CSV header names each column once" test -z \
    "$(head -n 1 "$TMP/export.csv" | tr ',' '\n' | sort | uniq -d)"

complete_words() {
	PATH=$BIN:$PATH bash -c '. "$1"; shift; COMP_WORDS=("$@");
	    COMP_CWORD=$(($# - 1)); _sizemat; echo "${COMPREPLY[*]}"' \
	    - "$TOP/contrib/sizemat.bash" "$@"
}
check "bash completion completes commands" \
    test "$(complete_words sizemat tre)" = trend
check "... tracked projects' names, from the daemon" \
    test "$(complete_words sizemat trend hi)" = hist
check "... and each command's options" \
    test "$(complete_words sizemat check hist --max-i)" = --max-increase

echo "# bisect"
"$S" project add bis "$TMP/repo" --matrix "$FIX/history.json" \
    --threshold 2% >/dev/null
"$S" bisect bis --good "$C0" --bad "$C7" --variant strip=symbols --wait \
    >"$TMP/bisect.txt" 2>"$TMP/bisect.err"
check "bisect exits 0 with an answer" [ $? -eq 0 ]
check "bisect names the commit that made it bigger, over the project's threshold" \
    grep -q "first commit over 2%: $C5" "$TMP/bisect.txt"
ID=$(sed -n 's/.*bisection \([0-9]*\):.*/\1/p' "$TMP/bisect.err" | head -1)
"$S" bisect --status "$ID" --json >"$TMP/bisect.json"
check "it skipped the broken commit, within ceil(log2 n)+2 builds" \
    $CHECK bisected "$TMP/bisect.json" "$C5" "$C3" 8
"$S" bisect bis --good "$C5" --bad "$C7" --variant strip=symbols --wait \
    >/dev/null 2>&1
check "a range with no regression has no culprit: exit 1" [ $? -eq 1 ]
"$S" project add seed "$TMP/repo" --matrix "$FIX/history.json" >/dev/null
"$S" bisect seed --good "$C0" --bad "$C7" --wait >"$TMP/seed.txt" 2>&1
check "with nothing measured, bisect picks the smallest variant at good" \
    grep -q "first commit over 1%: $C5.*" "$TMP/seed.txt"
check "... and says which" grep -q "variant opt-level=s,strip=symbols" \
    "$TMP/seed.txt"
check "a bisection does not alert a second time" \
    test "$(wc -l <"$TMP/alerts")" -eq 1
# The regression the bisection found, of a stripped variant alone: its
# unstripped twin is built at both commits to explain it.
check "the twins a stripped regression needs are built" wait_idle
"$S" regressions bis --json >"$TMP/regs-bis.json"
check "... and explain it: the dependency it added, from the twin" \
    $CHECK regressions-explained "$TMP/regs-bis.json" "$C5"
check "only the newest --keep-logs build logs are kept" \
    test "$(ls "$WORK/logs" | grep -c '\.log$')" -le 10
"$S" log 1 2>"$TMP/err"
check "... and an older one's log says it was pruned" \
    grep -q "pruned" "$TMP/err"

# A bisection survives its daemon: SIGKILL while it measures, then start
# again and follow it to the answer.
"$S" project add resume "$TMP/repo" --matrix default >/dev/null
"$S" bisect resume --good "$C0" --bad "$C7" -q >"$TMP/resume.txt"
RID=$(sed -n 's/^bisection \([0-9]*\) started.*/\1/p' "$TMP/resume.txt")
sleep 1
"$S" bisect --status "$RID" --json >"$TMP/before.json"
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
check "(the bisection was under way when its daemon died)" \
    python3 -c "import json,sys; sys.exit(json.load(open('$TMP/before.json'))['state'] not in ('preparing', 'running'))"
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles" \
    --keep-logs 10
"$S" bisect --status "$RID" --wait -q >"$TMP/resume.txt" 2>&1
check "a bisection killed with its daemon resumes and finds the commit" \
    grep -q "first commit over 1%: $C5" "$TMP/resume.txt"

echo "# schedules"
"$S" project add nightly "$TMP/repo" --matrix "$FIX/history.json" \
    --schedule "every 2s" >/dev/null
for _ in $(seq 100); do
	"$S" runs --json >"$TMP/runs.json"
	$CHECK scheduled-runs "$TMP/runs.json" nightly 1 2>/dev/null && break
	sleep 0.2
done
check "a schedule runs the project at its branch head" \
    $CHECK scheduled-runs "$TMP/runs.json" nightly 1 "$C7"
sleep 5
"$S" runs --json >"$TMP/runs.json"
check "... and not again while the head is unchanged" \
    $CHECK scheduled-runs "$TMP/runs.json" nightly 1 "$C7"
kill "$PID"; wait "$PID" 2>/dev/null; PID=
git -C "$TMP/repo" commit -q --allow-empty -m "A commit while sizematd is down"
C8=$(git -C "$TMP/repo" rev-parse HEAD)
sleep 2
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"
for _ in $(seq 100); do
	"$S" runs --json >"$TMP/runs.json"
	$CHECK scheduled-runs "$TMP/runs.json" nightly 2 2>/dev/null && break
	sleep 0.2
done
check "a tick missed while the daemon was down runs at start" \
    $CHECK scheduled-runs "$TMP/runs.json" nightly 2 "$C7" "$C8"
# hist's own clone has not seen C8: compare fetches before it resolves.
"$S" compare hist main~1 main --json >"$TMP/cmp-new.json" 2>"$TMP/err"
check "compare fetches first: main is the commit made since, not the old head" \
    python3 -c 'import json,sys; d = json.load(open(sys.argv[1]))
sys.exit(0 if d["base"]["id"] == sys.argv[2] and d["head"]["id"] == sys.argv[3]
         else 1)' "$TMP/cmp-new.json" "$C7" "$C8"
# Trends are kept between changes of the store: a new build must show.
"$S" trend hist --variant strip=symbols --json >"$TMP/kept1.json"
"$S" trend hist --variant strip=symbols --json >"$TMP/kept2.json"
"$S" run hist --rev "$C8" --wait -q >/dev/null 2>&1
"$S" trend hist --variant strip=symbols --json >"$TMP/kept3.json"
check "a trend asked again is the same, and after a new build it has the new commit" \
    python3 -c 'import json,sys
a, b, c = (json.load(open(f))["rows"] for f in sys.argv[1:4])
sys.exit(0 if a == b and len(c) == len(a) + 1 and c[-1]["commit"] == sys.argv[4]
         else 1)' "$TMP/kept1.json" "$TMP/kept2.json" "$TMP/kept3.json" "$C8"

echo "# toolchain updates"
# One toolchain name, two compilers: the daemon restarted after an update.
if [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] &&
    [ "$(rustc -vV | head -1)" != "$(/usr/bin/rustc -vV | head -1)" ]; then
	printf '{"toolchains": {"pinned": {"cargo": "%s", "rustc": "%s"}}}' \
	    "$(command -v cargo)" "$(command -v rustc)" >"$TMP/old.json"
	printf '{"toolchains": {"pinned": {"cargo": "/usr/bin/cargo", "rustc": "/usr/bin/rustc"}}}' \
	    >"$TMP/new.json"
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
	start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles \
	    "$TOP/profiles" --config "$TMP/old.json"
	"$S" project add pinned "$TMP/repo" --toolchain pinned \
	    --matrix "$FIX/history.json" >/dev/null
	"$S" run pinned --rev "$C0" --wait -q >/dev/null
	"$S" run pinned --rev "$C1" --wait -q >/dev/null
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
	start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles \
	    "$TOP/profiles" --config "$TMP/new.json"
	"$S" run pinned --rev "$C2" --wait -q >/dev/null
	"$S" trend pinned --variant strip=symbols --json >"$TMP/tc.json"
	check "a compiler update continues the series, marked where it changed" \
	    $CHECK toolchain-change "$TMP/tc.json" "$C0" "$C1" "$C2"
else
	echo "  skipped: no second compiler at /usr/bin (contrib/deps.sh installs one)"
fi

"$S" project remove nightly >/dev/null
for _ in $(seq 50); do
	ls "$WORK/git" | grep -q '^nightly-' || break
	sleep 0.1
done
check "project remove stops tracking it, and its clone goes" \
    bash -c "! '$S' project list | grep -q '^nightly ' &&
    ! ls '$WORK/git' | grep -q '^nightly-'"
check "... while its history stays" \
    bash -c "'$S' runs --json | grep -q 'removed:.*nightly'"
"$S" trend nightly 2>"$TMP/err"
check "a name no project has is an error naming the way out" \
    bash -c "[ $? -eq 2 ] && grep -q 'project add' '$TMP/err'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
