#!/bin/bash
# The dashboard on a big history: a project of 1,000 commits x 50 variants
# (bench/seed-history.py), and the time of every API call its views make
# (the slowest named), then each view loaded in headless Chromium, side by
# side with an empty page in the same browser; prints the ratios.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
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

echo "API calls of the views, on $COMMITS commits x $VARIANTS variants:"
P=/v1/projects/synthetic
KEY=$(curl -sf "$U$P" | python3 -c 'import json,sys; print(json.load(sys.stdin)["variants"][0]["variant_key"])')
ENC=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$KEY")
: >"$TMP/times"
for path in /v1/projects "$P/trend?last=2" "/v1/runs?limit=20" /v1/status \
    "$P" "$P/regressions" "$P/trend?variant=$ENC&artifact=synthetic" \
    "/v1/runs/$COMMITS" /metrics "/v1/export?project=synthetic"; do
	t=$(curl -sf -o /dev/null -w '%{time_total}' "$U$path")
	printf '  %8.1f ms  %s\n' "$(echo "$t * 1000" | bc -l)" "$path" |
	    tee -a "$TMP/times"
done
echo "slowest: $(sort -rn "$TMP/times" | head -1 | sed 's/^ *//')"

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
load "about:blank" >/dev/null
blank=$(load "about:blank")
echo "page loads in headless Chromium (an empty page: $(printf '%.2f' "$blank") s):"
for view in "#/" "#/project/synthetic" "#/run/$COMMITS"; do
	t=$(load "$U/$view")
	grep -q 'data-state="ready"' "$TMP/dom.html" || echo "  $view did not load"
	printf '  %-22s %.2f s, %.2f s over the empty page (%.1fx)\n' "$view" \
	    "$t" "$(echo "$t - $blank" | bc -l)" "$(echo "$t / $blank" | bc -l)"
done
