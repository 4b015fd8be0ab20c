#!/bin/bash
# The same 8-variant matrix built through sizemat and through a plain shell
# loop of cargo commands, each from cold target dirs, side by side in one
# run; prints both wall times and the ratio sizemat / loop.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
CRATE=${1:-$TOP/contrib/demo-crate}
TMP=$(mktemp -d /tmp/sizemat-bench.XXXXXX)
trap 'kill -9 ${PID:-0} 2>/dev/null; rm -rf "$TMP"' EXIT
host=$(rustc -vV | sed -n 's/^host: //p')
now() { date +%s.%N; }

# The loop: one cargo build per variant, each in its own target dir, as a
# person would script it (and as sizemat keeps them).
loop_start=$(now)
n=0
for opt in 3 z; do for strip in none symbols; do for panic in unwind abort; do
	n=$((n + 1))
	( cd "$CRATE" &&
	  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt CARGO_PROFILE_RELEASE_STRIP=$strip \
	  CARGO_PROFILE_RELEASE_PANIC=$panic CARGO_INCREMENTAL=0 \
	  CARGO_TARGET_DIR=$TMP/loop/$n \
	  cargo build --release --quiet --target "$host" )
done; done; done
loop_end=$(now)

"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" 2>"$TMP/log" &
PID=$!
until grep -q 'listening on' "$TMP/log"; do sleep 0.05; done
export SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")
sm_start=$(now)
"$BIN/sizemat" run "$CRATE" --matrix "$TOP/bench/matrix8.json" --wait \
    --quiet >/dev/null
sm_end=$(now)

python3 - "$loop_start" "$loop_end" "$sm_start" "$sm_end" <<'PY'
import sys
ls, le, ss, se = map(float, sys.argv[1:])
loop, sm = le - ls, se - ss
print(f"8 variants, cold target dirs")
print(f"shell loop of cargo : {loop:7.2f} s")
print(f"sizemat (jobs 1)    : {sm:7.2f} s")
print(f"ratio sizemat/loop  : {sm / loop:7.3f}")
PY
