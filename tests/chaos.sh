#!/bin/bash
# Crash safety: SIGKILL sizematd at random moments while runs build,
# restart it each time, and at the end every variant of every run has
# exactly one result, no build is left running or queued, nothing was
# recorded twice, no build process outlived its daemon, and the database
# passes PRAGMA integrity_check.
#
#   bash tests/chaos.sh [KILLS] [SEED]      (defaults: 24 kills, seed $$)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-chaos.XXXXXX)
KILLS=${1:-${KILLS:-24}}
SEED=${2:-${SEED:-$$}}
RANDOM=$SEED
PID=
READER=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	# A background subshell killed in a wait may run this trap too: only
	# the script itself cleans up.
	[ "$BASHPID" = "$$" ] || return
	[ -n "$READER" ] && kill "$READER" 2>/dev/null
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
echo "# chaos: $KILLS kills, seed $SEED (bash tests/chaos.sh $KILLS $SEED" \
    "repeats the same delays)"
W=$TMP/work
DB=$TMP/chaos.db
MATRIX=$TMP/lto8.json
cat >"$MATRIX" <<'EOF'
{"name": "chaos8", "description": "Eight fat-LTO builds, slow enough to kill",
 "shape": "axes", "base": {"lto": true},
 "axes": {"opt-level": [2, "s"], "codegen-units": [1, 4],
          "panic": ["unwind", "abort"]}}
EOF
cp -r "$FIX/sizes" "$TMP/sizes"
start() {
	start_sizematd --db "$DB" --workdir "$W" --profiles "$TOP/profiles" \
	    --jobs 2
	cat "$TMP/log" >>"$TMP/all.log"
}
runs_left() {
	python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("SELECT count(*) FROM builds WHERE state IN (\"queued\", \"running\")").fetchone()[0])' "$DB"
}

# Reads keep coming while the daemon dies and comes back: a reader follows
# the daemon to each new port.
start_reader() {
	[ -n "$READER" ] && kill "$READER" 2>/dev/null
	bash -c 'while :; do
		curl -s -o /dev/null -m 2 "$1/v1/runs"
		curl -s -o /dev/null -m 2 "$1/v1/status"
		sleep 0.05
	done' reader "$SIZEMAT_URL" &
	READER=$!
}

start
start_reader
runs=0
killed_building=0
orphans=0
for k in $(seq "$KILLS"); do
	# A new run whenever nothing is left to build, so that kills land
	# on builds; a kill may come right after the request.
	if [ "$(runs_left)" = 0 ]; then
		# A changed source, so that cargo has work in its warm dirs.
		echo "// run $runs" >>"$TMP/sizes/src/main.rs"
		"$BIN/sizemat" run "$TMP/sizes" --matrix "$MATRIX" --json \
		    >/dev/null 2>&1 && runs=$((runs + 1))
	fi
	delay=$((RANDOM % 4000))
	sleep "$((delay / 1000)).$(printf %03d $((delay % 1000)))"
	$CHECK running "$W/target" 2>/dev/null &&
	    killed_building=$((killed_building + 1))
	kill -9 "$PID"; wait "$PID" 2>/dev/null
	# Its builds die with it (the spawn helper's death signal).
	sleep 0.3
	if ! left=$($CHECK orphans "$W/target" 2>&1); then
		orphans=$((orphans + 1))
		echo "# after kill $k: $left"
	fi
	start
	start_reader
done
kill "$READER"; READER=
echo "# $KILLS SIGKILLs, $killed_building while cargo or rustc ran;" \
    "$runs runs of 8 builds"
check "at least 20 kills, most of them during builds" \
    test "$KILLS" -ge 20 -a "$killed_building" -ge $((KILLS / 2))
check "no build process outlived a killed daemon" test "$orphans" = 0
check "the daemon answers after the last restart" \
    curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
for _ in $(seq 600); do
	[ "$(runs_left)" = 0 ] && break
	sleep 0.5
done
check "every build finishes after the last restart" test "$(runs_left)" = 0
kill "$PID"; wait "$PID"; PID=

check "every variant of every run has exactly one result, recorded once" \
    python3 - "$DB" "$runs" <<'EOF'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
runs = c.execute("SELECT id, state FROM runs ORDER BY id").fetchall()
bad = []
if len(runs) != int(sys.argv[2]):
    bad.append(f"{len(runs)} runs in the database, {sys.argv[2]} submitted")
for run_id, state in runs:
    if state != "done":
        bad.append(f"run {run_id} is {state}")
    rows = c.execute("SELECT variant_id, state, attempts FROM builds"
                     " WHERE run_id = ?", (run_id,)).fetchall()
    variants = [r[0] for r in rows]
    if len(rows) != 8 or len(set(variants)) != 8:
        bad.append(f"run {run_id}: {len(rows)} builds, "
                   f"{len(set(variants))} variants")
    for v, s, a in rows:
        if s != "done":
            bad.append(f"run {run_id} variant {v}: {s}")
arts = c.execute("SELECT b.id, count(a.id) FROM builds b LEFT JOIN"
                 " artifacts a ON a.build_id = b.id GROUP BY b.id").fetchall()
for b, n in arts:
    if n != 1:
        bad.append(f"build {b}: {n} artifacts")
dup = c.execute("SELECT count(*) FROM (SELECT artifact_id, name FROM"
                " measurements GROUP BY 1, 2 HAVING count(*) > 1)").fetchone()[0]
if dup:
    bad.append(f"{dup} measurements recorded twice")
nomeas = c.execute("SELECT count(*) FROM artifacts a WHERE NOT EXISTS"
                   " (SELECT 1 FROM measurements m WHERE m.artifact_id = a.id"
                   " AND m.name = 'file_size')").fetchone()[0]
if nomeas:
    bad.append(f"{nomeas} artifacts without a file_size measurement")
retried, starts = c.execute("SELECT count(*) FILTER (WHERE attempts > 1),"
                            " sum(attempts) FROM builds").fetchone()
print(f"  {len(runs)} runs, {len(arts)} builds, {retried} built again after"
      f" a kill, {starts} starts in all")
for b in bad[:20]:
    print("  " + b)
sys.exit(1 if bad else 0)
EOF
check "the database passes PRAGMA integrity_check" \
    test "$(db_integrity "$DB")" = ok
check "and PRAGMA foreign_key_check finds nothing" \
    test -z "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA foreign_key_check").fetchall() or "")' "$DB")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
