#!/bin/bash
# The same 8-variant matrix (bench/matrix8.json) on a real multi-crate
# project (bench/elfsize: ten crates, built offline from the standard
# library's vendored sources), from cold target dirs, side by side in one
# run through:
#   (a) a naive shell loop of cargo, one variant after another, each in a
#       fresh target dir;
#   (b) a hand-tuned loop: the same, two at a time (xargs -P2);
#   (c) sizemat with its defaults (--jobs auto, one jobserver);
# and prints each wall time and the ratios (c)/(a) and (c)/(b). Goals:
# (c)/(a) <= 0.70, (c)/(b) <= 1.0; reported, not asserted.
#
#   bash bench/matrix-vs-loop.sh [CRATE]
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
TMP=$(mktemp -d /tmp/sizemat-bench.XXXXXX)
cleanup() {
	rc=$?
	if [ -n "${PID:-}" ]; then
		kill -9 "$PID" 2>/dev/null || :
		wait "$PID" 2>/dev/null || :
	fi
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
host=$(rustc -vV | sed -n 's/^host: //p')
now() { date +%s.%N; }

sh "$TOP/contrib/offline-cargo-home.sh" "$TMP/cargo-home" >/dev/null
export CARGO_HOME=$TMP/cargo-home
cp -r "${1:-$TOP/bench/elfsize}" "$TMP/crate"
CRATE=$TMP/crate
(cd "$CRATE" && cargo generate-lockfile --offline --quiet)

# The eight variants as the loops spell them: opt-level strip panic.
variants() {
	for opt in 3 z; do for strip in none symbols; do
		for panic in unwind abort; do echo "$opt $strip $panic"; done
	done; done
}
build_one() {	# build_one DIR OPT STRIP PANIC: one variant, its own target dir
	cd "$CRATE" &&
	CARGO_PROFILE_RELEASE_OPT_LEVEL=$2 CARGO_PROFILE_RELEASE_STRIP=$3 \
	CARGO_PROFILE_RELEASE_PANIC=$4 CARGO_INCREMENTAL=0 \
	CARGO_TARGET_DIR=$1/$2-$3-$4 \
	    cargo build --release --quiet --offline --target "$host"
}
export -f build_one
export CRATE host

a_start=$(now)
variants | while read -r opt strip panic; do
	build_one "$TMP/a" "$opt" "$strip" "$panic"
done
a_end=$(now)

b_start=$(now)
variants | xargs -P2 -L1 bash -c 'build_one "$0" "$1" "$2" "$3"' "$TMP/b"
b_end=$(now)

"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" 2>"$TMP/log" &
PID=$!
until grep -q 'listening on' "$TMP/log"; do sleep 0.05; done
export SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")
jobs=$(sed -n 's/.* \([0-9]*\) jobs sharing \([0-9]*\) cores.*/\1 jobs, \2 cores/p' "$TMP/log")
c_start=$(now)
"$BIN/sizemat" run "$CRATE" --matrix "$TOP/bench/matrix8.json" --wait \
    --quiet >/dev/null
c_end=$(now)

python3 - "$a_start" "$a_end" "$b_start" "$b_end" "$c_start" "$c_end" \
    "$jobs" <<'PY'
import sys
a = float(sys.argv[2]) - float(sys.argv[1])
b = float(sys.argv[4]) - float(sys.argv[3])
c = float(sys.argv[6]) - float(sys.argv[5])
print("8 variants of bench/elfsize (10 crates), cold target dirs")
print(f"(a) shell loop, one at a time : {a:7.1f} s")
print(f"(b) shell loop, xargs -P2     : {b:7.1f} s")
print(f"(c) sizemat ({sys.argv[7]}) : {c:7.1f} s")
print(f"(c)/(a) = {c / a:.3f}  (goal <= 0.70)")
print(f"(c)/(b) = {c / b:.3f}  (goal <= 1.0)")
PY
