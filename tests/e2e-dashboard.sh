#!/bin/bash
# The dashboard in a real browser: sizematd seeded with real runs (an axes
# matrix and a ladder of a fixture crate, and a tracked project measured at
# four commits), each view loaded in headless Chromium, checked through
# the DOM it leaves, and photographed into build/dashboard-shots/.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-dashboard.XXXXXX)
SHOTS=$TOP/build/dashboard-shots
PID=
S="$BIN/sizemat"
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

CHROMIUM=$(command -v chromium || command -v chromium-browser || :)
if [ -z "$CHROMIUM" ]; then
	echo "not ok - chromium is missing: make deps installs it"
	exit 1
fi
browse() {	# browse OUT URL: the DOM once the page has settled, and in
		# OUT.console what the page wrote on the browser's console
	"$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	    --user-data-dir="$TMP/chromium" --virtual-time-budget=10000 \
	    --enable-logging=stderr --v=0 --dump-dom "$2" >"$1" 2>"$1.log"
	grep ':CONSOLE' "$1.log" >"$1.console"
}
shoot() {	# shoot NAME URL: a screenshot of the view
	"$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	    --user-data-dir="$TMP/chromium" --hide-scrollbars \
	    --window-size=1280,1000 --virtual-time-budget=10000 \
	    --screenshot="$SHOTS/$1.png" "$2" >/dev/null 2>&1
}
attr() {	# attr FILE ELEMENT-ID NAME: an attribute of an element
	python3 - "$@" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
m = re.search(r'<[^>]*\bid="%s"[^>]*>' % re.escape(sys.argv[2]), html)
a = m and re.search(r'\b%s="([^"]*)"' % re.escape(sys.argv[3]), m.group(0))
print(a.group(1) if a else "")
PY
}
no_errors() {	# nothing on the console, the page's error log stayed empty,
		# and the view is ready
	if [ -s "$1.console" ]; then
		sed 's/^/  /' "$1.console"
		return 1
	fi
	grep -q '<pre id="errors" class="errors" hidden="">' "$1" &&
	    grep -q 'id="view" data-state="ready"' "$1"
}

mkdir -p "$SHOTS"
sh "$TOP/tests/make-history.sh" "$TMP/repo" >"$TMP/commits"
# Requests for events are held 50 ms at most: the header follows the
# queue's events with a held request, and the browser's virtual time
# stands still while one is pending.
start_sizematd --db "$TMP/db" --workdir "$TOP/build/e2e-work" \
    --profiles "$TOP/profiles" --max-hold 50
SEQ=$(curl -s "$SIZEMAT_URL/v1/events" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
check "--max-hold cuts a held request for events: empty, not 60 s later" \
    bash -c "curl -s -m 10 '$SIZEMAT_URL/v1/events?after=$SEQ&timeout_ms=60000' |
    grep -q '\"events\":\\[\\]'"
AXES=$("$S" run "$FIX/sizes" --matrix "$FIX/grid.json" --wait -q --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')
LADDER=$("$S" run "$FIX/sizes" --matrix "$FIX/release-only.json" --wait -q \
    --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')
U=$SIZEMAT_URL
echo "# the overview, with runs of a path project only"
browse "$TMP/paths.html" "$U/#/"
check "it loads without errors" no_errors "$TMP/paths.html"
check "... and draws the path project's newest run: its winner and a bar of what it saved" \
    python3 - "$TMP/paths.html" "$LADDER" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
card = re.search(r'<div class="card" data-run="%s">(.*?)</div></div>' %
                 sys.argv[2], html, re.S)
bar = card and re.search(r'<svg class="saved"[^>]*data-saved="(\d+)"', card.group(1))
rects = card and re.findall(r'<rect ', card.group(1))
sys.exit(0 if bar and int(bar.group(1)) > 0 and len(rects) == 2 and
         "strip=symbols" in card.group(1) else 1)
PY
shoot overview-paths "$U/#/"
"$S" project add hist "$TMP/repo" --matrix "$FIX/history.json" >/dev/null 2>&1
for c in c0 c1 c4 c5; do
	"$S" run hist --rev "$(awk -v l=$c '$1 == l { print $2 }' \
	    "$TMP/commits")" --wait -q >/dev/null
done
U=$SIZEMAT_URL

echo "# the overview"
browse "$TMP/overview.html" "$U/#/"
check "the overview loads without errors" no_errors "$TMP/overview.html"
check "... lists the tracked project with its size" \
    grep -q 'data-project="hist"' "$TMP/overview.html"
check "... with a sparkline of its smallest variant over the measured commits" \
    grep -q '<svg class="sparkline"[^>]*data-points="4"' "$TMP/overview.html"
check "... and the runs" grep -q "href=\"#/run/$AXES\"" "$TMP/overview.html"
shoot overview "$U/#/"

echo "# a project's trend"
browse "$TMP/project.html" "$U/#/project/hist"
check "the trend view loads without errors" no_errors "$TMP/project.html"
check "the trend chart has a point per recorded commit" \
    test "$(attr "$TMP/project.html" trend-svg data-commits)" = 4
check "... in every series drawn" bash -c "grep -o 'data-points=\"[0-9]*\"' \
    '$TMP/project.html' | sort -u | grep -qx 'data-points=\"4\"'"
check "... and a regression marker at the jump" \
    grep -q 'class="regression"' "$TMP/project.html"
check "... and the largest crates over commits, stacked, the dependency among them" \
    bash -c "grep -q '<svg [^>]*class=\"crates\"' '$TMP/project.html' &&
    grep -q 'class=\"crate-label\"[^>]*>histdata<' '$TMP/project.html' &&
    grep -q 'class=\"crate-label\"[^>]*>other<' '$TMP/project.html'"
browse "$TMP/crate.html" "$U/#/project/hist/crate.histdata"
check "the trend follows a crate (#/project/NAME/crate.NAME) without errors" \
    no_errors "$TMP/crate.html"
check "... its menu has it chosen, and the chart has its points" \
    bash -c "grep -q 'id=\"trend\" data-metric=\"crate.histdata\"' '$TMP/crate.html' &&
    grep -q '<option selected=\"\">crate.histdata</option>' '$TMP/crate.html' &&
    grep -q 'class=\"point\"' '$TMP/crate.html'"
check "... and the regressions table says why: the crate and symbol that grew" \
    grep -q '<td class="causes">crate histdata +[0-9.]* KiB.*histdata::TABLE' \
    "$TMP/project.html"
check "... as wide as the page, y ticks on round binary sizes, every series labelled" \
    python3 - "$TMP/project.html" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
svg = re.search(r'<svg[^>]*id="trend-svg"[^>]*>', html).group(0)
width = int(re.search(r'data-width="(\d+)"', svg).group(1))
ticks = [int(float(t)) for t in re.findall(r'class="tick" data-tick="([\d.]+)"', html)]
steps = {b - a for a, b in zip(ticks, ticks[1:])}
step = steps.pop() if len(steps) == 1 else 0
series = len(re.findall(r'<g class="series"', html))
labels = len(re.findall(r'class="series-label"', html))
sys.exit(0 if width >= 480 and len(ticks) >= 2 and step > 0 and
         step & (step - 1) == 0 and all(t % step == 0 for t in ticks) and
         series > 0 and labels == series else 1)
PY
shoot trend "$U/#/project/hist"

echo "# a run"
browse "$TMP/axes.html" "$U/#/run/$AXES"
check "an axes run loads without errors" no_errors "$TMP/axes.html"
check "its heatmap has a cell per combination (2 x 2)" \
    test "$(attr "$TMP/axes.html" heat-svg data-cells)" = 4
check "the smallest combination stands out in the heatmap and as bars" \
    bash -c "grep -q 'class=\"cell smallest\"' '$TMP/axes.html' &&
    [ \"\$(grep -o 'data-bars=\"[0-9]*\"' '$TMP/axes.html')\" = 'data-bars=\"4\"' ]"
check "the smallest variant comes with its profile snippet" \
    grep -q '\[profile.release\]' "$TMP/axes.html"
check "... and the environment lines to copy" \
    grep -q 'export CARGO_PROFILE_RELEASE_OPT_LEVEL' "$TMP/axes.html"
check "... both with every setting of its effective profile" bash -c \
    "grep -q '^codegen-units = 16' '$TMP/axes.html' &&
    grep -q \"export CARGO_PROFILE_RELEASE_PANIC='unwind'\" '$TMP/axes.html'"
check "the run page shows the project's own profile" \
    grep -q "id=\"own-profile\">the project's own profile: Cargo's defaults" \
    "$TMP/axes.html"
N=$(curl -s "$U/v1/runs/$AXES/pareto?y=wall_ms" | python3 -c 'import json,sys
p = json.load(sys.stdin); print(len(p["front"]) + len(p["dominated"]))')
GOT=$(attr "$TMP/axes.html" scatter-build data-points)
check "... and size against build time: a point per build pareto counts ($N), the front drawn" \
    bash -c "test '$GOT' = '$N' && test '$N' -ge 2 &&
    grep -q 'class=\"front-line\"' '$TMP/axes.html'"
shoot heatmap "$U/#/run/$AXES"
browse "$TMP/ladder.html" "$U/#/run/$LADDER"
check "a ladder run loads without errors" no_errors "$TMP/ladder.html"
check "its waterfall has a bar per step" \
    test "$(attr "$TMP/ladder.html" ladder-svg data-steps)" = 2
check "a run beaten by another run of the project links to it" \
    python3 -c "import re,sys; h = open(sys.argv[1]).read(); sys.exit(0 if re.search(r'<p id=\"beaten\">.*?href=\"#/run/%s\"' % sys.argv[2], h, re.S) else 1)" "$TMP/ladder.html" "$AXES"
shoot ladder "$U/#/run/$LADDER"
echo "# a search"
"$S" search "$FIX/sizes" --matrix "$FIX/grid.json" --wait -q --json \
    >"$TMP/search.json"
SEARCH_RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["search"]["probes"][-1]["run"])' "$TMP/search.json")
browse "$TMP/search.html" "$U/#/run/$SEARCH_RUN"
check "a search's run loads without errors" no_errors "$TMP/search.html"
check "... and shows the search: its path, a row per probe in order, and its certificate, a row per neighbour" \
    python3 - "$TMP/search.html" "$TMP/search.json" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))["search"]
def rows(table):
    m = re.search(r'<table id="%s">(.*?)</table>' % table, html, re.S)
    return re.findall(r'<tr><td>(.*?)</td>', m.group(1), re.S) if m else []
path = rows("search-path")
cert = re.search(r'<table id="search-cert">(.*?)</table>', html, re.S)
cert = re.findall(r'<tr><td>(.*?)</td>', cert.group(1), re.S) if cert else []
ok = path == [str(i + 1) for i in range(len(s["probes"]))]
ok = ok and cert == [n["variant_key"] for n in s["neighbours"]]
ok = ok and 'data-certified="true"' in html and len(cert) > 0
sys.exit(0 if ok else 1)
PY
shoot search "$U/#/run/$SEARCH_RUN"
echo "# size against speed"
cp -r "$FIX/squeeze" "$TMP/squeeze"
cat >"$TMP/speed.json" <<'EOF'
{"name": "speed", "shape": "axes",
 "axes": {"opt-level": [3, "z"], "panic": ["unwind", "abort"]},
 "bench": {"command": ["{artifact}", "60"], "stdin": "src/main.rs",
           "runs": 3, "warmup": 1}}
EOF
SPEED=$("$S" run "$TMP/squeeze" --matrix "$TMP/speed.json" --wait -q --json |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["id"])')
curl -s "$U/v1/runs/$SPEED/pareto" >"$TMP/pareto.json"
browse "$TMP/speed.html" "$U/#/run/$SPEED"
check "a benchmarked run loads without errors" no_errors "$TMP/speed.html"
check "... and draws size against run time: a point per build, the front as pareto says it, drawn and labelled" \
    python3 - "$TMP/speed.html" "$TMP/pareto.json" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
p = json.load(open(sys.argv[2]))
svg = re.search(r'<svg[^>]*id="scatter-run".*?</svg>', html, re.S)
svg = svg.group(0) if svg else ""
head = re.match(r'<svg[^>]*>', svg).group(0) if svg else ""
front = set(re.findall(r'class="point front" data-key="([^"]*)"', svg))
ok = 'data-y="bench.instructions"' in head and 'data-points="4"' in head
ok = ok and front == {f["variant_key"] for f in p["front"]}
ok = ok and len(re.findall(r'class="point dominated"', svg)) == len(p["dominated"])
ok = ok and re.search(r'<path d="M[^"]*" class="front-line"', svg) is not None
labels = re.findall(r'class="front-label"[^>]*>([^<]*)<', svg)
ok = ok and labels and set(labels) <= {f["variant_key"] for f in p["front"]}
sys.exit(0 if ok else 1)
PY
shoot scatter "$U/#/run/$SPEED"
"$S" search "$TMP/squeeze" --matrix "$TMP/speed.json" --max-slowdown 10% \
    --wait -q --json >"$TMP/speed-search.json"
SPEED_RUN=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["search"]["probes"][-1]["run"])' "$TMP/speed-search.json")
browse "$TMP/speed-search.html" "$U/#/run/$SPEED_RUN"
check "a constrained search's page loads without errors" \
    no_errors "$TMP/speed-search.html"
check "... and marks its winner within the limit on its scatter, with the limit drawn, and which neighbours were outside it" \
    python3 - "$TMP/speed-search.html" "$TMP/speed-search.json" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
s = json.load(open(sys.argv[2]))["search"]
svg = re.search(r'<svg[^>]*id="scatter-search".*?</svg>', html, re.S)
svg = svg.group(0) if svg else ""
ok = 'class="winner"' in svg and 'class="limit-line"' in svg
ok = ok and 'class="front-line"' in svg
ok = ok and s["winner"]["within_limits"] is True
# The certificate says which neighbours were outside the limits.
cells = re.findall(r'<td class="within">([^<]*)</td>', html)
ok = ok and len(cells) == len(s["neighbours"])
ok = ok and all((c == "yes") == (n["within_limits"] is True)
                for c, n in zip(cells, s["neighbours"]))
sys.exit(0 if ok else 1)
PY
shoot search-limits "$U/#/run/$SPEED_RUN"
# A tracked project's speed over commits: its trend follows bench.*.
git -C "$TMP/squeeze" init -q -b main
git -C "$TMP/squeeze" -c user.name=t -c user.email=t@e add -A
git -C "$TMP/squeeze" -c user.name=t -c user.email=t@e commit -qm one
sed -i 's/for _ in 0\.\.40 {/for _ in 0..80 {/' "$TMP/squeeze/src/main.rs"
git -C "$TMP/squeeze" -c user.name=t -c user.email=t@e commit -qam two
"$S" project add sqz "$TMP/squeeze" --matrix "$TMP/speed.json" >/dev/null 2>&1
"$S" run sqz --rev main~1 --wait -q >/dev/null 2>&1
"$S" run sqz --rev main --wait -q >/dev/null 2>&1
browse "$TMP/speed-trend.html" "$U/#/project/sqz/bench.instructions"
check "a project's trend follows bench.instructions without errors" \
    no_errors "$TMP/speed-trend.html"
check "... offered in its menu, chosen, with a point per benchmarked commit" \
    bash -c "grep -q '<option selected=\"\">bench.instructions</option>' '$TMP/speed-trend.html' &&
    grep -q 'id=\"trend\" data-metric=\"bench.instructions\"' '$TMP/speed-trend.html' &&
    test \"\$(grep -o 'data-points=\"[0-9]*\"' '$TMP/speed-trend.html' | sort -u)\" = 'data-points=\"2\"'"
browse "$TMP/size-trend.html" "$U/#/project/sqz"
check "... and its size trend offers the benchmark's figures" \
    grep -q '<option>bench.wall_ms</option>' "$TMP/size-trend.html"
shoot speed-trend "$U/#/project/sqz/bench.instructions"
echo "# a static report"
"$S" report hist --html "$TMP/report.html" -q
check "report --html writes one file" test -s "$TMP/report.html"
"$S" report hist --markdown >"$TMP/report.md"
check "report --markdown summarises the same numbers" \
    grep -q '^| `opt-level=s,strip=symbols` | hist |' "$TMP/report.md"
C5=$(awk '$1 == "c5" { print substr($2, 1, 12) }' "$TMP/commits")
check "... with the regressions, the latest at the commit that grew" \
    grep -q "^2 regressions recorded; the latest at \`$C5\`" "$TMP/report.md"
NIGHTLY="env PATH=$BIN:$PATH sh $TOP/contrib/ci/nightly.sh"
$NIGHTLY hist "$TMP/nightly" >/dev/null 2>&1
check "the nightly job runs the head and writes a report, summary, history" \
    test -s "$TMP/nightly/report.html" -a -s "$TMP/nightly/summary.md" \
    -a -s "$TMP/nightly/history.csv"
awk '$1 == "c4" { print $2 }' "$TMP/commits" >"$TMP/nightly/last-nightly"
$NIGHTLY hist "$TMP/nightly" >/dev/null 2>&1
check "... and its gate fails across the commit that grew" [ $? -eq 1 ]
$NIGHTLY hist "$TMP/nightly" >/dev/null 2>&1
check "... and passes when the head has not moved" [ $? -eq 0 ]

kill "$PID"; wait "$PID" 2>/dev/null; PID=
browse "$TMP/report-dom.html" "file://$TMP/report.html"
check "the report opens without the daemon, and without errors" \
    no_errors "$TMP/report-dom.html"
check "... with the trend of every recorded commit" \
    test "$(attr "$TMP/report-dom.html" trend-svg data-commits)" = 4
check "... and the newest run's smallest variants" \
    grep -q 'id="ranking"' "$TMP/report-dom.html"
shoot report "file://$TMP/report.html"
echo "  screenshots: $(ls "$SHOTS" | tr '\n' ' ')in $SHOTS"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
