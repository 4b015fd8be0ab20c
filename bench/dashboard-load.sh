#!/bin/bash
# The dashboard on a big history: a project of 1,000 commits x 50 variants
# (bench/seed-history.py: about a million measurement rows), p50 and p99 of
# every API call the client and the dashboard make against their goals
# (bench/api-latency.py: 20 ms, /metrics 50 ms), then each view loaded in
# headless Chromium, side by side with an empty page in the same browser,
# against the goal of 0.5 s over the empty page.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
TMP=$(mktemp -d /tmp/sizemat-bench.XXXXXX)
trap 'kill ${PID:-0} 2>/dev/null && wait ${PID:-0} 2>/dev/null; rm -rf "$TMP"' EXIT
COMMITS=${COMMITS:-1000}
VARIANTS=${VARIANTS:-50}

start() {
	"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/db" --workdir "$TMP/work" \
	    --profiles "$TOP/profiles" 2>"$TMP/log" &
	PID=$!
	for _ in $(seq 100); do grep -q 'listening on' "$TMP/log" && break; sleep 0.1; done
	U=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")
}
start
kill "$PID"; wait "$PID" 2>/dev/null || :
python3 "$TOP/bench/seed-history.py" "$TMP/db" synthetic "$COMMITS" "$VARIANTS"
start

echo "API calls of the client and the dashboard, on $COMMITS commits x $VARIANTS variants:"
python3 "$TOP/bench/api-latency.py" "$U" synthetic "${CALLS:-200}" || :

CHROMIUM=$(command -v chromium)
load() {
	local s e
	s=$(date +%s.%N)
	"$CHROMIUM" --headless=new --no-sandbox --disable-gpu \
	    --user-data-dir="$TMP/chromium" --virtual-time-budget=30000 \
	    --dump-dom "$1" >"$TMP/dom.html" 2>/dev/null
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
# The median of LOADS loads: one headless load varies by a tenth of a
# second on this machine.
LOADS=${LOADS:-5}
median() {
	local i
	for i in $(seq "$LOADS"); do load "$1"; done | sort -n |
	    sed -n "$(( (LOADS + 1) / 2 ))p"
}
load "about:blank" >/dev/null
blank=$(median "about:blank")
echo "page loads in headless Chromium, the median of $LOADS (an empty page: $(printf '%.2f' "$blank") s):"
for view in "#/" "#/project/synthetic" "#/run/$COMMITS"; do
	t=$(median "$U/$view")
	grep -q 'data-state="ready"' "$TMP/dom.html" || echo "  $view did not load"
	printf '  %-22s %.2f s, %.2f s over the empty page (%.1fx; goal 0.50 s)\n' \
	    "$view" "$t" "$(echo "$t - $blank" | bc -l)" \
	    "$(echo "$t / $blank" | bc -l)"
done
