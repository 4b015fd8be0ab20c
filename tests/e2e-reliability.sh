#!/bin/bash
# Faults the daemon survives: builds that hang (timeouts, process groups),
# TERM with a grace period, HUP reloading the config and reopening the log,
# missing and broken toolchains, a database locked by another process, and
# a disk or database that fills up.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
CHECK="python3 $TOP/tests/e2e_check.py"
TMP=$(mktemp -d /tmp/sizemat-reliability.XXXXXX)
PID=
MOUNTS=()
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
sm() { "$BIN/sizemat" "$@"; }
J='Content-Type: application/json'

# A crate whose build script sleeps for $1 seconds; with a second argument
# it leaves a grandchild (sleep) behind, as a build script may.
make_crate() {
	local dir=$1 secs=$2 child=${3:-}
	mkdir -p "$dir/src"
	cat >"$dir/Cargo.toml" <<EOF
[package]
name = "$(basename "$dir")"
version = "0.1.0"
edition = "2021"
build = "build.rs"
EOF
	echo 'fn main() { println!("hello"); }' >"$dir/src/main.rs"
	cat >"$dir/build.rs" <<EOF
fn main() {
    if "$child" != "" {
        let _ = std::process::Command::new("sleep").arg("600").spawn();
    }
    std::thread::sleep(std::time::Duration::from_secs($secs));
}
EOF
	(cd "$dir" && cargo generate-lockfile -q --offline 2>/dev/null)
}
make_crate "$TMP/hang" 600 child
make_crate "$TMP/slowish" 6
one='{"name": "one", "shape": "axes", "axes": {"opt-level": ["s"]}}'
echo "$one" >"$TMP/one.json"
echo '{"name": "t3", "shape": "axes", "timeout": 3, "axes": {"opt-level": ["s"]}}' \
    >"$TMP/t3.json"

# Waits until a build of workdir $1 runs cargo or rustc.
wait_running() {
	for _ in $(seq 300); do
		$CHECK running "$1" && return 0
		sleep 0.1
	done
	return 1
}
# Waits up to $2 seconds for process $1 to end; its status is in RC.
wait_exit() {
	for _ in $(seq $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; RC=$?; return 0; }
		sleep 0.1
	done
	return 1
}
field() { $CHECK field "$@"; }

# 1. A matrix's timeout kills cargo's whole process group, records the
# elapsed time, and frees the slot.
W=$TMP/w1
start_sizematd --db "$TMP/1.db" --workdir "$W" --profiles "$TOP/profiles" \
    --build-timeout 600
sm run "$TMP/hang" --matrix "$TMP/t3.json" --wait --json >"$TMP/t.json" \
    2>/dev/null
check "a build over its matrix's timeout: the client exits 1" test $? = 1
check "the build is recorded as timeout" \
    test "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["builds"][0]["state"])' "$TMP/t.json")" = timeout
check "its error gives the elapsed time (at least the 3 s limit)" \
    python3 -c 'import json,re,sys
e = json.load(open(sys.argv[1]))["builds"][0]["error"]; print("  " + e)
m = re.search(r"killed after (\d+) ms", e); sys.exit(not (m and 3000 <= int(m.group(1)) < 60000))' "$TMP/t.json"
sleep 1
check "no cargo, rustc, build script or its child is left" $CHECK orphans "$W/target"
check "no zombie is left under the daemon" \
    bash -c "! ps -o stat= --ppid $PID | grep -q Z"
sm run "$FIX/sizes" --matrix "$TMP/one.json" --wait --json >"$TMP/after.json" \
    2>/dev/null
check "the slot is free again: the next build is done" test $? = 0

# 2. TERM lets a running build finish within the grace period.
sm run "$TMP/slowish" --matrix "$TMP/one.json" --json >"$TMP/s.json"
SRUN=$(field "$TMP/s.json" run id)
wait_running "$W"
kill -TERM "$PID"
sleep 1
check "on TERM the daemon waits for the running build" kill -0 "$PID"
check "  and takes no more requests" \
    bash -c "! curl -sf -o /dev/null '$SIZEMAT_URL/v1/status'"
wait_exit "$PID" 40
check "it stops by itself once the build is done, exit 0" test "$RC" = 0
PID=
check "  and says the build finished" \
    grep -q 'running builds finished' "$TMP/log"
start_sizematd --db "$TMP/1.db" --workdir "$W" --profiles "$TOP/profiles"
sm results "$SRUN" --json >"$TMP/s2.json"
check "after a restart the build is done, not queued again" \
    test "$(field "$TMP/s2.json" run state)" = done
kill "$PID"; wait "$PID"; PID=

# 3. Past the grace period the build is killed and queued again; a second
# TERM stops at once.
start_sizematd --db "$TMP/1.db" --workdir "$W" --profiles "$TOP/profiles" \
    --grace 1
sm run "$TMP/hang" --matrix "$TMP/one.json" --json >"$TMP/h.json"
HRUN=$(field "$TMP/h.json" run id)
wait_running "$W"
kill -TERM "$PID"
wait_exit "$PID" 15
check "past --grace 1 the daemon kills the build and stops, exit 0" \
    test "${RC:-x}" = 0
PID=
sleep 1
check "  leaving no process behind" $CHECK orphans "$W/target"
cp "$TMP/log" "$TMP/log.stopped"
start_sizematd --db "$TMP/1.db" --workdir "$W" --profiles "$TOP/profiles" \
    --grace 600
# On SQLite the next start does it; on a shared database, the stop.
check "the killed build is queued again" \
    grep -q '1 builds were running when sizematd stopped; queued again' \
    "$TMP/log.stopped" "$TMP/log"
wait_running "$W"
kill -TERM "$PID"; sleep 0.5; kill -INT "$PID"
wait_exit "$PID" 10
check "a second signal stops at once despite --grace 600" test "${RC:-x}" = 0
PID=
sleep 1
check "  leaving no process behind" $CHECK orphans "$W/target"
start_sizematd --db "$TMP/1.db" --workdir "$W" --profiles "$TOP/profiles"
wait_running "$W"
sm cancel "$HRUN" >/dev/null
sleep 1
check "cancelling the hanging run leaves no process behind" \
    $CHECK orphans "$W/target"
kill "$PID"; wait "$PID"; PID=

# 4. HUP reloads the config (errors change nothing) and reopens the log.
echo '{"max-body": 65536, "log-file": "'"$TMP"'/d.log"}' >"$TMP/conf.json"
start_sizematd --config "$TMP/conf.json" --db "$TMP/4.db" \
    --workdir "$TMP/w4" --profiles "$TOP/profiles"
big=$(head -c 3000 /dev/zero | tr '\0' 'a')
post_big() {
	curl -s -o /dev/null -w '%{http_code}' -X POST -H "$J" \
	    --data-binary "{\"x\": \"$big\"}" "$SIZEMAT_URL/v1/runs"
}
check "a 3000-byte body is read under max-body 65536 (400, not 413)" \
    test "$(post_big)" = 400
echo '{"max-body": 2048, "log-file": "'"$TMP"'/d.log"}' >"$TMP/conf.json"
kill -HUP "$PID"; sleep 0.5
check "after HUP with max-body 2048 the same body is 413" \
    test "$(post_big)" = 413
echo '{"max-body": "lots", "jobs": "many"}' >"$TMP/conf.json"
kill -HUP "$PID"; sleep 0.5
check "a broken config on HUP is logged with each error" \
    bash -c "grep -q 'not reloaded, nothing changed' '$TMP/d.log' &&
    grep -q 'max-body' '$TMP/d.log' && grep -q 'jobs' '$TMP/d.log'"
check "  and changes nothing (still 413, still answering)" \
    test "$(post_big)" = 413
echo '{"max-body": 2048, "log-file": "'"$TMP"'/d.log", "jobs": 0}' \
    >"$TMP/conf.json"
mv "$TMP/d.log" "$TMP/d.log.1"
kill -HUP "$PID"; sleep 0.5
check "HUP reopens a log file that was moved away" \
    grep -q 'config reloaded' "$TMP/d.log"
check "a setting that needs a restart says so" \
    grep -q 'jobs changed; it takes effect at the next start' "$TMP/d.log"
check "log lines went to --log-file, not stderr" \
    bash -c "! grep -q 'config reloaded' '$TMP/log'"
kill "$PID"; wait "$PID"; PID=

# 5. Missing and broken toolchains are per-build errors.
mkdir -p "$TMP/bin"
printf '#!/bin/sh\necho "error: this cargo is broken" >&2\nexit 101\n' \
    >"$TMP/bin/cargo"
chmod +x "$TMP/bin/cargo"
RUSTC_PATH=$(command -v rustc)
cat >"$TMP/tc.json" <<EOF
{"toolchains": {
  "gone": {"cargo": "/nonexistent/cargo", "rustc": "/nonexistent/rustc"},
  "broken": {"cargo": "$TMP/bin/cargo", "rustc": "$RUSTC_PATH"}}}
EOF
start_sizematd --config "$TMP/tc.json" --db "$TMP/5.db" --workdir "$TMP/w5" \
    --profiles "$TOP/profiles"
sm run "$FIX/sizes" --matrix "$TMP/one.json" --toolchain gone --wait \
    --json >"$TMP/gone.json" 2>/dev/null
check "a missing cargo/rustc: exit 1, the build unavailable" \
    bash -c "test $? = 1 && grep -q '\"unavailable\"' '$TMP/gone.json'"
check "  with the reason" grep -q 'nonexistent/rustc' "$TMP/gone.json"
sm run "$FIX/sizes" --matrix "$TMP/one.json" --toolchain broken --wait \
    --json >"$TMP/broken.json" 2>/dev/null
check "a broken cargo: exit 1, the build failed with cargo's words" \
    bash -c "test $? = 1 && grep -q 'this cargo is broken' '$TMP/broken.json'"
check "the daemon still answers" curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
kill "$PID"; wait "$PID"; PID=

# 6. A database locked by another process: retried for the busy timeout.
start_sizematd --db "$TMP/6.db" --workdir "$TMP/w6" --profiles "$TOP/profiles"
lock_db() {
	if db_is_pg; then
		psql -q -X -d "$(test_db "$TMP/6.db")" -c "BEGIN" \
		    -c "LOCK TABLE runs, builds IN ACCESS EXCLUSIVE MODE" \
		    -c "SELECT pg_sleep($1)" -c "COMMIT" -o /dev/null &
		until [ "$(db_scalar "$TMP/6.db" "SELECT count(*) FROM pg_locks
		    WHERE relation = 'runs'::regclass AND granted
		    AND mode = 'AccessExclusiveLock'")" = 1 ]; do
			sleep 0.05
		done
		echo locked
		wait
		return
	fi
	python3 -c 'import sqlite3,sys,time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN EXCLUSIVE"); print("locked", flush=True)
time.sleep(float(sys.argv[2])); c.execute("COMMIT")' "$TMP/6.db" "$1"
}
lock_db 2 >"$TMP/lock.out" &
LOCKER=$!
until grep -q locked "$TMP/lock.out"; do sleep 0.05; done
sm run "$FIX/sizes" --matrix "$TMP/one.json" --json >"$TMP/l.json" 2>"$TMP/err"
check "a 2 s lock by another process: the run is taken once it lifts" \
    test $? = 0
wait "$LOCKER"
# The run's build writes to the database as it starts (its unit graph,
# its command): let it end first, so that only the request meets the lock.
sm results "$(field "$TMP/l.json" run id)" --wait --json >/dev/null 2>&1
lock_db 12 >"$TMP/lock.out" &
LOCKER=$!
until grep -q locked "$TMP/lock.out"; do sleep 0.05; done
sm run "$FIX/sizes" --matrix "$TMP/one.json" --json >/dev/null 2>"$TMP/err"
rc=$?
check "a lock past the busy timeout: a clear error (exit 2)" \
    bash -c "test $rc = 2 && grep -qiE 'locked|lock timeout' '$TMP/err'"
sed 's/^/  /' "$TMP/err"
wait "$LOCKER"
check "  and the daemon still answers" \
    curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
check "  and nothing was half-written (one run only)" \
    test "$(db_scalar "$TMP/6.db" "SELECT count(*) FROM runs")" = 1
sm results "$(field "$TMP/l.json" run id)" --wait --json >/dev/null 2>&1
kill "$PID"; wait "$PID"; PID=

# 7. A full disk: small file systems for the work dir and the database.
if mkdir -p "$TMP/small-work" "$TMP/small-db" &&
    mount -t tmpfs -o size=64m tmpfs "$TMP/small-work" 2>/dev/null; then
	MOUNTS+=("$TMP/small-work")
	start_sizematd --db "$TMP/7.db" --workdir "$TMP/small-work" \
	    --profiles "$TOP/profiles"
	sm run "$FIX/sizes" --matrix "$TMP/one.json" --wait --json \
	    >"$TMP/full.json" 2>/dev/null
	check "a work dir's disk under --min-free: the build fails (exit 1)" \
	    test $? = 1
	check "  with a recorded error that says the disk is full, and what to do" \
	    python3 -c 'import json,sys
b = json.load(open(sys.argv[1]))["builds"][0]; print("  " + str(b["error"])[:200])
sys.exit(not (b["state"] == "failed" and "the disk is full" in b["error"]
              and "--min-free" in b["error"]))' "$TMP/full.json"
	check "  and the daemon serves reads" \
	    curl -sf -o /dev/null "$SIZEMAT_URL/v1/runs"
	kill "$PID"; wait "$PID"; PID=

	if db_is_pg; then
		echo "# PostgreSQL: a full disk is the server's; the full" \
		    "database checks are SQLite's"
		echo "$pass passed, $fail failed"
		[ "$fail" -eq 0 ]
		exit
	fi
	mount -t tmpfs -o size=1m tmpfs "$TMP/small-db" && MOUNTS+=("$TMP/small-db")
	start_sizematd --db "$TMP/small-db/s.db" --workdir "$TMP/w7" \
	    --profiles "$TOP/profiles"
	sm run "$FIX/sizes" --matrix "$TMP/one.json" --wait --json >/dev/null \
	    2>&1
	dd if=/dev/zero of="$TMP/small-db/fill" bs=4k 2>/dev/null
	sm run "$FIX/sizes" --matrix "$FIX/grid.json" --json >/dev/null 2>"$TMP/err"
	rc=$?
	check "a full database: the new run gets a clear error (exit 2)" \
	    bash -c "test $rc = 2 && grep -qiE 'full|disk' '$TMP/err'"
	sed 's/^/  /' "$TMP/err"
	check "  the daemon still serves reads" \
	    bash -c "sm() { '$BIN/sizemat' \"\$@\"; }; sm runs >/dev/null"
	rm -f "$TMP/small-db/fill"
	sm run "$FIX/sizes" --matrix "$TMP/one.json" --wait --json >/dev/null \
	    2>&1
	check "  and once there is room again, runs work" test $? = 0
	kill "$PID"; wait "$PID"; PID=
	check "the database passes integrity_check" \
	    test "$(db_integrity "$TMP/small-db/s.db")" = ok
else
	echo "# cannot mount a small tmpfs here (needs root): the full-disk" \
	    "checks were skipped"
	fail=$((fail + 1))
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
