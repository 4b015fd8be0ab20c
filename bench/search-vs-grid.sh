#!/bin/bash
# sizemat search against the whole grid, on every crate the tests and the
# benches have: for each, (e) the matrix run in full and (d) a search of
# it, each from cold target dirs (two copies of the crate, so that neither
# warms the other's), side by side in one run. Prints per crate the
# grid's minimum, the search's winner, whether it is that minimum, and the
# builds and wall time of (d) against (e); then the hit rate. Goals: the
# exhaustive minimum found, in at most 15% of the grid's builds; reported,
# not asserted.
#
#   bash bench/search-vs-grid.sh [MATRIX]    (default size-grid, 96 variants)
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=$TOP/build
MATRIX=${1:-size-grid}
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
S=$BIN/sizemat
now() { date +%s.%N; }

sh "$TOP/contrib/offline-cargo-home.sh" "$TMP/cargo-home" >/dev/null
export CARGO_HOME=$TMP/cargo-home
"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" 2>"$TMP/log" &
PID=$!
until grep -q 'listening on' "$TMP/log"; do sleep 0.05; done
export SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")

printf '%-10s %12s %12s %5s %14s %16s\n' crate "grid min" "search" found \
    "builds d/e" "wall d/e (s)" >"$TMP/table"
for crate in contrib/demo-crate tests/fixtures/sizes tests/fixtures/ownprofile \
    tests/fixtures/features bench/elfsize; do
	name=$(basename "$crate")
	for copy in grid search; do
		cp -r "$TOP/$crate" "$TMP/$name-$copy"
		[ -f "$TMP/$name-$copy/Cargo.lock" ] ||
		    (cd "$TMP/$name-$copy" &&
		    cargo generate-lockfile --offline --quiet)
	done
	e_start=$(now)
	"$S" run "$TMP/$name-grid" --matrix "$MATRIX" --wait --quiet --json \
	    >"$TMP/$name-grid.json" || true
	e_end=$(now)
	d_start=$(now)
	"$S" search "$TMP/$name-search" --matrix "$MATRIX" --wait --quiet \
	    --json >"$TMP/$name-search.json" || true
	d_end=$(now)
	python3 - "$name" "$TMP/$name-grid.json" "$TMP/$name-search.json" \
	    "$e_start" "$e_end" "$d_start" "$d_end" >>"$TMP/table" <<'PY'
import json, sys
name, grid, search = sys.argv[1:4]
es, ee, ds, de = map(float, sys.argv[4:8])
g = json.load(open(grid))
s = json.load(open(search))["search"]
art = s.get("artifact")
sizes = [a["file_size"] for b in g["builds"] if b["state"] == "done"
         for a in b["artifacts"] if art is None or a["name"] == art]
low = min(sizes) if sizes else None
won = (s.get("winner") or {}).get("value")
total = len(g["builds"])
found = "yes" if low is not None and won == low else "NO"
print(f"{name:10} {low!s:>12} {won!s:>12} {found:>5} "
      f"{s['builds']:>6}/{total:<3} {s['builds'] * 100 / total:3.0f}% "
      f"{de - ds:6.0f}/{ee - es:<6.0f} {(de - ds) / (ee - es):4.2f}")
PY
done
cat "$TMP/table"
awk 'NR > 1 { n++; if ($4 == "yes") y++ } END {
	printf "hit rate: %d of %d crates found the grid'"'"'s minimum\n", y, n }' \
    "$TMP/table"
