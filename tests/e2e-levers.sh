#!/bin/bash
# The slow levers suite: both shipped ladders (min-sized-rust and
# wasmtime-min) end to end through the Debian toolchain pair, build-std and
# immediate-abort steps included, every size equal to a hand-run build with
# the recorded env and args; and a WebAssembly cdylib measured by section.
# Needs /usr/bin/cargo and /usr/bin/rustc with rust-src (Debian's rustc-web,
# cargo-web, rust-web-src) and wasm-ld-19 (lld-19); skips with the reason
# what cannot run without them.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-levers.XXXXXX)
WORK=$TOP/build/e2e-levers
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$TMP"' EXIT

. "$TOP/tests/e2e-lib.sh"
sm() { "$BIN/sizemat" "$@"; }

if [ ! -x /usr/bin/cargo ] || [ ! -x /usr/bin/rustc ] ||
    [ ! -f /usr/lib/rustlib/src/rust/library/Cargo.lock ]; then
	echo "ok - (skipped: no Debian cargo/rustc pair with rust-src; install" \
	    "rustc-web cargo-web rust-web-src, as 'make deps' does)"
	exit 0
fi

# The offline directory source build-std needs, in a CARGO_HOME of its own.
export CARGO_HOME=$TMP/cargo-home
sh "$TOP/contrib/offline-cargo-home.sh" "$CARGO_HOME" >/dev/null
# A toolchain defined in the config: the Debian pair with wasm-ld.
cat >"$TMP/config.json" <<CONF
{
  "toolchains": {
    "debian-wasm": {
      "cargo": "/usr/bin/cargo",
      "rustc": "/usr/bin/rustc",
      "env": {"CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER": "/usr/bin/wasm-ld-19"}
    }
  }
}
CONF
start_sizematd --config "$TMP/config.json" \
    --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"

sm toolchains --json >"$TMP/tc.json"
check "the system toolchain is found, with rust-src" \
    $CHECK has-rust-src "$TMP/tc.json" system

# 1. min-sized-rust, every step with one compiler.
start=$(date +%s)
sm run "$FIX/sizes" --matrix min-sized-rust --toolchain system --wait \
    --json --quiet >"$TMP/msr.json"
rc=$?
echo "  min-sized-rust ladder: $(( $(date +%s) - start )) s"
check "min-sized-rust runs every step (upx missing is not a failure)" \
    test $rc = 0
check "its build-std and immediate-abort steps are real builds, smaller in order" \
    $CHECK ladder-order "$TMP/msr.json" release strip "fmt-debug none" \
    "build-std optimize_for_size" immediate-abort
check "the steps carry the documented flags" \
    $CHECK step-env "$TMP/msr.json" immediate-abort RUSTC_BOOTSTRAP=1 \
    RUSTC=/usr/bin/rustc \
    "RUSTFLAGS=-Zlocation-detail=none -Zfmt-debug=none -Zunstable-options -Cpanic=immediate-abort" \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=fat \
    args:-Zbuild-std=panic_abort,std \
    args:-Zbuild-std-features=optimize_for_size
if command -v upx >/dev/null; then
	echo "ok - (skipped: upx is installed, so post.upx is measured)"
else
	check "upx on the last step is reported unavailable with how to get it" \
	    $CHECK notes-have "$TMP/msr.json" immediate-abort \
	    "upx: unavailable: upx is not on PATH"
fi
RUN=$($CHECK field "$TMP/msr.json" run id)
sm ladder "$RUN" >"$TMP/ladder.txt" 2>"$TMP/ladder.err"
check "sizemat ladder prints one row per step with savings and bars" \
    bash -c "test \$(grep -c '^ *[0-9]* ' '$TMP/ladder.txt') = 10 &&
    grep -q 'immediate-abort .*%.*#' '$TMP/ladder.txt' &&
    grep -q 'bootstrap' '$TMP/ladder.txt' &&
    grep -q 'upx: unavailable' '$TMP/ladder.err'"
start=$(date +%s)
check "every min-sized-rust size equals a hand-run build" \
    $CHECK reproduce "$TMP/msr.json" "$TMP" 10
echo "  hand-run builds: $(( $(date +%s) - start )) s"

# 2. wasmtime-min, through the same toolchain.
sm run "$FIX/sizes" --matrix wasmtime-min --toolchain system --wait \
    --json --quiet >"$TMP/wt.json"
check "wasmtime-min runs every step" test $? = 0
check "its build-std steps are real builds, smaller than the stable steps" \
    $CHECK ladder-order "$TMP/wt.json" release "location-detail none" \
    "build-std-features empty"
check "every wasmtime-min size equals a hand-run build" \
    $CHECK reproduce "$TMP/wt.json" "$TMP" 9

# 3. A WebAssembly cdylib, built with build-std and measured by section.
sm run "$FIX/wasm" --matrix "$FIX/wasm.json" --wait --json --quiet \
    >"$TMP/wasm.json"
check "the wasm variant builds" $CHECK builds-done-any "$TMP/wasm.json" 1
check "the .wasm is measured by section and the sections add up" \
    $CHECK wasm-sections "$TMP/wasm.json"
check "the wasm size equals a hand-run build" \
    $CHECK reproduce "$TMP/wasm.json" "$TMP" 1

kill -TERM $PID; wait $PID
check "sizematd stops cleanly" test $? = 0
PID=
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
