#!/bin/bash
# Load: 200 concurrent clients (wrk) against the query endpoints for 30 s
# while builds run. No request may fail, the daemon's memory must stay
# flat, and the requests per second and p99 latency are printed.
#   bash tests/load.sh [SECONDS] [CLIENTS]     (30 s, 200 clients)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-load.XXXXXX)
SECS=${1:-30}
CLIENTS=${2:-200}
PID=
FEEDER=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	# A background subshell killed in a wait may run this trap too: only
	# the script itself cleans up.
	[ "$BASHPID" = "$$" ] || return
	[ -n "$FEEDER" ] && kill "$FEEDER" 2>/dev/null
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
sm() { "$BIN/sizemat" "$@"; }
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$PID/status"; }

cp -r "$FIX/sizes" "$TMP/sizes"
start_sizematd --db "$TMP/db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" --jobs 1
# Something to query: a finished run of four variants.
sm run "$TMP/sizes" --matrix "$FIX/grid.json" --wait --json >"$TMP/seed.json" \
    2>/dev/null || { echo "seeding failed"; exit 1; }
RUN=$(python3 "$TOP/tests/e2e_check.py" field "$TMP/seed.json" run id)
# Builds keep running during the load: fat-LTO runs, one after another.
(while :; do
	echo "// $RANDOM" >>"$TMP/sizes/src/main.rs"
	sm run "$TMP/sizes" --matrix "$FIX/slow.json" --wait >/dev/null 2>&1
done) &
FEEDER=$!
until python3 "$TOP/tests/e2e_check.py" running "$TMP/work/target"; do
	sleep 0.2
done
P=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$TMP/sizes")
before=$(rss)
(for _ in $(seq "$SECS"); do rss; sleep 1; done) >"$TMP/rss" &
SAMPLER=$!
wrk -t 2 -c "$CLIENTS" -d "${SECS}s" --timeout 10s -s "$TOP/tests/load.lua" \
    "$SIZEMAT_URL" -- /v1/status /v1/runs "/v1/runs/$RUN" \
    "/v1/best?project=$P" /metrics /v1/matrices /v1/toolchains \
    >"$TMP/wrk.out" 2>&1
wait "$SAMPLER"
after=$(rss)
grep -E '^load:|Requests/sec|Latency|PANIC|rror' "$TMP/wrk.out"
running=$(python3 "$TOP/tests/e2e_check.py" running "$TMP/work/target" &&
    echo yes || echo no)
echo "load: daemon RSS $before KiB before, $after KiB after;" \
    "samples $(sort -n "$TMP/rss" | head -1)-$(sort -n "$TMP/rss" | tail -1) KiB"

requests=$(sed -n 's/^load: \([0-9]*\) requests.*/\1/p' "$TMP/wrk.out")
notok=$(sed -n 's/.* \([0-9]*\) not 200.*/\1/p' "$TMP/wrk.out")
sockerr=$(sed -n 's/.* \([0-9]*\) socket errors.*/\1/p' "$TMP/wrk.out")
check "$CLIENTS clients for $SECS s: requests were answered" \
    test "${requests:-0}" -gt 0
check "  every answer was 200" test "${notok:-x}" = 0
check "  no connection failed" test "${sockerr:-x}" = 0
check "  builds ran during the load" test "$running" = yes
# The first seconds fill caches and SQLite's page cache; after that the
# daemon must not grow: the last sample within 10% (and 4 MiB) of the
# fifth.
fifth=$(sed -n 5p "$TMP/rss")
last=$(tail -1 "$TMP/rss")
check "  the daemon's memory stayed flat ($fifth -> $last KiB)" \
    test "$last" -le $((fifth + fifth / 10 + 4096))
check "  and it answers after the load" \
    curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
kill "$FEEDER"; FEEDER=
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
