#!/bin/sh
# make demo: starts sizematd on a free loopback port with a fresh SQLite
# database, runs the 'default' matrix and the 'stable-min' ladder on the
# bundled example crate, prints the ranked table, the ladder step by step,
# what each setting of the winner buys and the smallest recorded variants,
# then stops the daemon.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
STATE=$(mktemp -d /tmp/sizemat-demo.XXXXXX)
LOG=$STATE/sizematd.log
PID=

cleanup() {
	if [ -n "$PID" ]; then kill -TERM "$PID" 2>/dev/null; wait "$PID" || :; fi
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

# Target dirs are kept in build/demo-work, so a second demo is quick.
"$BIN/sizematd" --listen 127.0.0.1:0 --db "$STATE/sizemat.db" \
    --workdir "$TOP/build/demo-work" --profiles "$TOP/profiles" 2>"$LOG" &
PID=$!
i=0
until grep -q 'sizematd: listening on' "$LOG"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 "$PID" 2>/dev/null; then
		cat "$LOG" >&2
		exit 1
	fi
	sleep 0.1
done
SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$LOG")
export SIZEMAT_URL
echo "sizematd is listening on $SIZEMAT_URL (log: $LOG)" >&2
echo >&2

"$BIN/sizemat" toolchains
echo
"$BIN/sizemat" matrices
echo
"$BIN/sizemat" run "$TOP/contrib/demo-crate" --matrix default --wait
echo
"$BIN/sizemat" run "$TOP/contrib/demo-crate" --matrix stable-min --wait --json \
    --quiet >"$STATE/ladder.json"
LADDER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"]["id"])' \
    "$STATE/ladder.json")
"$BIN/sizemat" ladder "$LADDER"
echo
"$BIN/sizemat" explain "$LADDER" --wait
echo
"$BIN/sizemat" best "$TOP/contrib/demo-crate" --top 5
