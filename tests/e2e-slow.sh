#!/bin/bash
# The slow end-to-end suite: the shipped size-grid matrix (96 builds) on the
# fixture crate with two builds at once, every build done and ranked.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-slow.XXXXXX)
trap 'kill -9 $PID 2>/dev/null; rm -rf "$TMP"' EXIT

. "$TOP/tests/e2e-lib.sh"

start_sizematd --db "$TMP/db" --jobs 2 \
    --workdir "$TOP/build/e2e-work" --profiles "$TOP/profiles"

"$BIN/sizemat" run "$TOP/tests/fixtures/sizes" --matrix size-grid --wait \
    --json --quiet >"$TMP/grid.json" &
CLIENT=$!
# Watch the build slots while the grid runs.
most=0
while kill -0 $CLIENT 2>/dev/null; do
	n=$("$BIN/sizemat" status --json 2>/dev/null | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["active"])' 2>/dev/null)
	[ "${n:-0}" -gt "$most" ] && most=$n
	sleep 0.3
done
wait $CLIENT
check "size-grid exits 0" test $? = 0
check "all 96 builds of size-grid are done and measured" \
    $CHECK builds-done "$TMP/grid.json" 96
check "--jobs 2 runs two builds at once (seen: $most)" test "$most" = 2
"$BIN/sizemat" best "$TOP/tests/fixtures/sizes" --top 96 --json \
    >"$TMP/best.json"
check "best ranks all 96 variants" $CHECK ranking-sorted "$TMP/best.json" 96
check "recorded sizes of the first builds equal hand-run builds" \
    $CHECK reproduce "$TMP/grid.json" "$TMP" 3
kill -TERM $PID; wait $PID
check "sizematd stops cleanly after the grid" test $? = 0
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
