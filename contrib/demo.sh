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
echo

# Size history: the demo crate as a git repository of three commits, the
# second of which adds a table; trend and bisect find it.
REPO=$STATE/demo-repo
mkdir -p "$REPO"
cp -r "$TOP/contrib/demo-crate/." "$REPO/"
git -C "$REPO" init -q -b main
git -C "$REPO" add -A
git -C "$REPO" -c user.name=demo -c user.email=demo@sizemat.invalid \
    commit -qm "The demo crate"
python3 - "$REPO/src/main.rs" <<'PY'
import sys
path = sys.argv[1]
words = ", ".join('"word%d"' % i for i in range(4000))
src = open(path).read().replace(
    "fn main() {",
    "static WORDS: [&str; 4000] = [%s];\n\nfn main() {\n"
    "    println!(\"{}\", WORDS[std::env::args().count() * 97 %% 4000]);" % words, 1)
open(path, "w").write(src)
PY
git -C "$REPO" -c user.name=demo -c user.email=demo@sizemat.invalid \
    commit -qam "Add a word list"
echo "// The end." >>"$REPO/src/main.rs"
git -C "$REPO" -c user.name=demo -c user.email=demo@sizemat.invalid \
    commit -qam "End with a comment"
"$BIN/sizemat" project add demo "$REPO" --matrix stable-min
for rev in main~2 main~1 main; do
	"$BIN/sizemat" run demo --rev "$rev" --wait --quiet >/dev/null || :
done
"$BIN/sizemat" trend demo
echo
"$BIN/sizemat" regressions demo
