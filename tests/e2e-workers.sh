#!/bin/bash
# Many build machines on one PostgreSQL database: an API daemon that builds
# nothing and three workers with work dirs of their own run a 12-build
# matrix while one worker is killed as it builds, another inside a lease
# renewal, and a third is stopped past its lease and comes back. Every
# build ends done exactly once, nothing a stale owner built is recorded,
# the sizes equal a single SQLite daemon's, and when the leader dies a
# worker takes the schedules over. Run by tests/postgres.sh.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-workers.XXXXXX)
PID= W1= W2= W3= W4= W5= W6= WRAP=()
cleanup() {
	kill -CONT "$W3" 2>/dev/null
	kill -9 $PID $W1 $W2 $W3 $W4 $W5 $W6 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
. "$TOP/tests/e2e-lib.sh"
if ! db_is_pg; then
	echo "e2e-workers: run it through tests/postgres.sh" >&2
	exit 2
fi
S=$BIN/sizemat
LEASE=3

# Starts worker N in the background with its own work dir, in an
# environment with the VAR=VALUE given, and the options after them, run
# through the command in WRAP when set; sets W<N>.
start_worker() {
	local n=$1 vars=()
	shift
	while [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; do
		vars+=("$1"); shift
	done
	"${WRAP[@]}" env "${vars[@]}" "$BIN/sizematd" --worker --db "$DB" --name "w$n" \
	    --jobs 1 --lease "$LEASE" --workdir "$TMP/w$n" \
	    --profiles "$TOP/profiles" -v "$@" 2>"$TMP/w$n.log" &
	eval "W$n=\$!"
	for _ in $(seq 100); do
		grep -q "worker w$n ready" "$TMP/w$n.log" && return
		sleep 0.1
	done
	echo "worker w$n did not start:"; cat "$TMP/w$n.log"
	exit 1
}

# Waits up to $2 tenths of a second for query $1 to give "t".
wait_db() {
	for _ in $(seq "$2"); do
		[ "$(db_scalar "$TMP/db" "SELECT $1" 2>/dev/null)" = t ] &&
		    return 0
		sleep 0.1
	done
	return 1
}

# Prints the workers that made run $1's builds, each once, sorted.
made_by() {
	db_scalar "$TMP/db" "SELECT string_agg(DISTINCT worker, ' ' ORDER BY
	    worker) FROM builds WHERE run_id = $1"
}

# Runs the grid with the given flags and waits (15 minutes at most);
# prints the run's id.
grid_run() {
	timeout 900 "$S" run "$TMP/crate" --matrix "$FIX/grid.json" --wait \
	    --json "$@" 2>/dev/null | python3 -c 'import json, sys
print(json.load(sys.stdin)["run"]["id"])'
}

# Prints the id of a build worker $1 runs, once it runs one.
running_on() {
	local id
	for _ in $(seq 600); do
		id=$(db_scalar "$TMP/db" "SELECT min(id) FROM builds WHERE
		    worker = '$1' AND state = 'running'")
		[ -n "$id" ] && echo "$id" && return 0
		sleep 0.1
	done
	return 1
}

cat >"$TMP/twelve.json" <<'EOF'
{
  "name": "twelve",
  "description": "Twelve builds for the workers test",
  "shape": "axes",
  "base": {"debug": false},
  "axes": {"opt-level": [0, 1, 2, 3, "s", "z"], "strip": [false, "symbols"]}
}
EOF
cp -r "$FIX/sizes" "$TMP/crate"

echo "# an API daemon and three workers"
DB=$(test_db "$TMP/db")
start_sizematd --db "$TMP/db" --jobs 0 --lease "$LEASE" --name api \
    --workdir "$TMP/api" --profiles "$TOP/profiles" -v
API=$PID
start_worker 1
start_worker 2 SIZEMAT_TEST_RENEW_PAUSE="$TMP/w2.paused"
start_worker 3
check "a worker listens on nothing unless given --listen" \
    bash -c "! grep -q 'listening on http' '$TMP/w1.log' &&
    ! ss -ltnp 2>/dev/null | grep -q 'pid=$W1,'"
"$BIN/sizematd" --worker --jobs 0 --db "$DB" 2>"$TMP/err"
check "a worker with --jobs 0 is refused (exit 2)" \
    bash -c "test $? = 2 && grep -q 'jobs' '$TMP/err'"
check "the API daemon, started first, leads" \
    grep -q 'leading the daemons' "$TMP/log"

"$S" run "$TMP/crate" --matrix "$TMP/twelve.json" --json \
    >"$TMP/run.json" 2>"$TMP/run.err"
RUN=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/run.json")
check "the API daemon accepts a run of 12 builds" \
    test "$(db_scalar "$TMP/db" "SELECT count(*) FROM builds
    WHERE run_id = $RUN")" = 12

echo "# a worker killed as it builds"
B1=$(running_on w1)
kill -9 "$W1"
check "w1 ran build $B1 when it was killed" test -n "$B1"

echo "# a worker killed inside a lease renewal"
for _ in $(seq 600); do
	[ -s "$TMP/w2.paused" ] && break
	sleep 0.1
done
B2=$(head -1 "$TMP/w2.paused" 2>/dev/null)
kill -9 "$W2"
check "w2 was inside a renewal of build $B2 when it was killed" \
    test -n "$B2"

echo "# a worker stopped past its lease, that comes back"
B3=$(running_on w3)
kill -STOP "$W3"
check "w3's build $B3 is queued again once its lease expired" \
    wait_db "(SELECT state <> 'running' OR worker <> 'w3' FROM builds
    WHERE id = ${B3:-0})" 150
kill -CONT "$W3"

check "every build of the run ends done" \
    wait_db "(SELECT count(*) = 12 FROM builds WHERE run_id = $RUN AND
    state = 'done')" 3000
check "... exactly once: one artifact row per build, results unique" \
    test "$(db_scalar "$TMP/db" "SELECT count(*) || ':' ||
    count(DISTINCT a.build_id) FROM artifacts a JOIN builds b ON
    b.id = a.build_id WHERE b.run_id = $RUN")" = 12:12
check "... the killed workers' builds recorded by the live one" \
    test "$(db_scalar "$TMP/db" "SELECT count(*) FROM builds WHERE
    id IN (${B1:-0}, ${B2:-0}) AND worker = 'w3' AND attempts >= 2")" = 2
check "... the stopped worker's build recorded under a later claim" \
    test "$(db_scalar "$TMP/db" "SELECT fence >= 2 FROM builds
    WHERE id = ${B3:-0}")" = t
check "... and w3's own stale result refused, saying so" \
    grep -Eq "build ${B3:-x}: (its lease went to another daemon|no longer this daemon's to record)" \
    "$TMP/w3.log"
check "... every build naming the worker that made it" \
    test "$(db_scalar "$TMP/db" "SELECT count(*) FROM builds WHERE
    run_id = $RUN AND worker IN ('w1', 'w2', 'w3')")" = 12
curl -sf "$SIZEMAT_URL/v1/runs/$RUN" >"$TMP/pg.json"
check "... each built under its worker's own work dir" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
env = lambda b: (b["env"] if isinstance(b["env"], list) else
                 [k + "=" + v for k, v in b["env"].items()])
dirs = [e for b in d["builds"] for e in env(b)
        if e.startswith("CARGO_TARGET_DIR=" + sys.argv[2] + "/" + b["worker"] +
                        "/target/")]
sys.exit(0 if len(dirs) == 12 else 1)' "$TMP/pg.json" "$TMP"
check "the API daemon serves the results the workers recorded" \
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if len(d["builds"]) == 12 and all(b["state"] == "done" and
         b["artifacts"] for b in d["builds"]) else 1)' "$TMP/pg.json"

rm -rf "$TMP"/w?/logs
ID=$(db_scalar "$TMP/db" "SELECT max(id) FROM builds WHERE run_id = $RUN
    AND worker = 'w3'")
curl -sf "$SIZEMAT_URL/v1/builds/$ID/log" >"$TMP/build.log"
check "... and a worker's build log, from the store, its file gone" \
    grep -q '^# done' "$TMP/build.log"

echo "# the same sizes as one SQLite daemon"
(
	CRATE=$TMP/crate MATRIX=$TMP/twelve.json OUT=$TMP/lite.json
	TMP=$TMP/lite
	mkdir -p "$TMP"
	SIZEMAT_TEST_PG= start_sizematd --db "$TMP/lite.db" --workdir "$TMP" \
	    --profiles "$TOP/profiles"
	"$S" run "$CRATE" --matrix "$MATRIX" --wait --json >"$OUT" 2>/dev/null
	kill "$PID"; wait "$PID" 2>/dev/null
)
check "every variant's artifact has the size the SQLite daemon recorded" \
    python3 "$TOP/tests/e2e_check.py" same-sizes "$TMP/pg.json" \
    "$TMP/lite.json" 12

echo "# status: the daemons sharing the store, and who runs what"
"$S" run "$TMP/crate" --matrix "$FIX/grid.json" --json >"$TMP/st.json" \
    2>/dev/null
for _ in $(seq 300); do
	"$S" status --json >"$TMP/status.json"
	"$S" status >"$TMP/status.txt"
	grep -q ' running ' "$TMP/status.txt" && python3 -c 'import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["running"] else 1)' \
	    "$TMP/status.json" && break
	sleep 0.1
done
check "status on the API daemon: every daemon, alive or not, and who runs what" \
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
names = {x["name"]: (x["worker"], x["alive"]) for x in d["daemons"]}
sys.exit(0 if names == {"api": (False, True), "w1": (True, False),
    "w2": (True, False), "w3": (True, True)} and d["running"] and
    all(b["worker"] == "w3" for b in d["running"]) else 1)' \
    "$TMP/status.json"
check "... and says so in words" bash -c "{ grep -q '^  w3: worker, 1 build \
slot, alive' '$TMP/status.txt' &&
    grep -q '^  w1: worker, 1 build slot, gone (last seen ' '$TMP/status.txt' &&
    grep -qE ' running +[0-9]+s +w3 ' '$TMP/status.txt'; } ||
    { cat '$TMP/status.txt'; exit 1; }"
ST=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/st.json" 2>/dev/null)
wait_db "NOT EXISTS (SELECT 1 FROM builds WHERE run_id = ${ST:-0} AND
    state IN ('queued', 'running'))" 3000

echo "# workers build what they can, and keep a series on its compiler"
# w3's default cargo is PATH's, with Debian's as "system" beside it; w4's
# default is Debian's, and it has no "system".
if [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] &&
    [ "$(rustc -vV | head -1)" != "$(/usr/bin/rustc -vV | head -1)" ]; then
	GRID1=$(grid_run)
	start_worker 4 PATH="/usr/bin:$PATH"
	SYS=$(grid_run --toolchain system)
	check "a toolchain only w3 has: w3 builds it all" \
	    test "$(made_by "${SYS:-0}")" = w3
	GRID2=$(grid_run)
	check "a series built by PATH's compiler stays on the worker that has it" \
	    test "$(made_by "${GRID1:-0}") $(made_by "${GRID2:-0}")" = "w3 w3"
	kill -9 "$W3"; W3=
	sleep $((LEASE + 1))
	GRID3=$(grid_run)
	check "... until no worker has it: then another goes on with it" \
	    test "$(made_by "${GRID3:-0}")" = w4
	check "... with its compiler, recorded" test "$(db_scalar "$TMP/db" \
	    "SELECT string_agg(DISTINCT rustc_version, ',') FROM builds
	    WHERE run_id = ${GRID3:-0}")" = "$(/usr/bin/rustc -vV | head -1)"

	echo "# a run may let any compiler build a series"
	# w5 has PATH's compiler, and Debian's as "debian", which only it
	# defines; w4, killed, looks alive (as if busy) with the series'
	# compiler, Debian's, for as long as this takes.
	cat >"$TMP/w5.json" <<-'EOF'
	{"toolchains": {"debian": {"cargo": "/usr/bin/cargo",
	 "rustc": "/usr/bin/rustc", "unstable": "bootstrap"}}}
	EOF
	start_worker 5 --config "$TMP/w5.json"
	kill -9 "$W4"; W4=
	db_exec "$TMP/db" "UPDATE daemons SET seen_at = seen_at + 3600
	    WHERE name = 'w4'"
	HELD=$("$S" run "$TMP/crate" --matrix "$FIX/grid.json" --json \
	    2>/dev/null | python3 -c 'import json, sys
print(json.load(sys.stdin)["run"]["id"])')
	sleep $((LEASE + 1))
	check "a series stays off another compiler while one with its own lives" \
	    test "$(db_scalar "$TMP/db" "SELECT count(*) FROM builds WHERE
	    run_id = ${HELD:-0} AND state <> 'queued'")" = 0
	"$S" cancel "${HELD:-0}" >/dev/null 2>&1
	ANY=$(grid_run --any-compiler)
	check "... unless its run allows any compiler: w5 builds it" \
	    test "$(made_by "${ANY:-0}")" = w5
	check "... with its own compiler, recorded" test "$(db_scalar "$TMP/db" \
	    "SELECT string_agg(DISTINCT rustc_version, ',') FROM builds
	    WHERE run_id = ${ANY:-0}")" = "$(rustc -vV | head -1)"
	db_exec "$TMP/db" "DELETE FROM daemons WHERE name = 'w4'"

	echo "# a toolchain only a worker defines"
	cat >"$TMP/one.json" <<-'EOF'
	{"name": "one", "shape": "axes", "base": {"debug": false},
	 "axes": {"opt-level": ["z"], "location-detail": ["none"]}}
	EOF
	timeout 900 "$S" run "$TMP/crate" --matrix "$TMP/one.json" --wait \
	    --json --toolchain debian >"$TMP/one.out" 2>"$TMP/err"
	ONE=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/one.out" 2>/dev/null)
	check "the API daemon queues it, and the worker that has it builds it" \
	    test "$(made_by "${ONE:-0}") $(db_scalar "$TMP/db" "SELECT
	    string_agg(state, ',') FROM builds WHERE run_id = ${ONE:-0}")" = \
	    "w5 done"
	check "... with the worker's RUSTC_BOOTSTRAP opt-in and its compiler" \
	    test "$(db_scalar "$TMP/db" "SELECT string_agg(bootstrap || ' ' ||
	    rustc_version, ',') FROM builds WHERE run_id = ${ONE:-0}")" = \
	    "1 $(/usr/bin/rustc -vV | head -1)"
	"$S" run "$TMP/crate" --matrix "$TMP/one.json" --toolchain nosuch \
	    >/dev/null 2>"$TMP/err"
	check "a toolchain no daemon has is still refused, saying so (exit 2)" \
	    bash -c "test $? = 2 && grep -q 'nor to a live daemon' '$TMP/err'"
else
	echo "  skipped: no second compiler at /usr/bin (contrib/deps.sh installs one)"
fi

echo "# a worker on another machine: it sees none of the API daemon's files"
kill -9 $W1 $W2 $W3 $W5 2>/dev/null
W1= W2= W3= W5=
# A mount namespace hides the API daemon's work dir (its clones) from w6,
# whose own work dir has the same path there (as the default one would on
# another machine); its clock is two minutes behind the others'.
if unshare --mount --propagation private true 2>/dev/null; then
	WRAP=(unshare --mount --propagation private sh -c \
	    'mount -t tmpfs tmpfs "$0" && exec "$@"' "$TMP/api")
else
	echo "  (no mount namespaces here: w6 sees the API daemon's files)"
fi
start_worker 6 SIZEMAT_TEST_CLOCK_SKEW=-120 --workdir "$TMP/api"
WRAP=()
sh "$TOP/tests/make-history.sh" "$TMP/repo" >/dev/null
"$S" project add nightly "$TMP/repo" --matrix "$FIX/history.json" \
    --schedule "every 2s" >/dev/null 2>"$TMP/err"
HEAD1=$(git -C "$TMP/repo" rev-parse HEAD)
check "the leader runs the schedule at the branch head" \
    wait_db "EXISTS (SELECT 1 FROM runs WHERE commit_id = '$HEAD1' AND
    state = 'done')" 1800
check "... built once each by w6 (its clock behind), from its own clone" \
    test "$(db_scalar "$TMP/db" "SELECT string_agg(DISTINCT b.worker ||
    ' ' || b.state || ' ' || b.attempts, ',') FROM builds b JOIN runs r
    ON r.id = b.run_id WHERE r.commit_id = '$HEAD1'")" = "w6 done 1"
check "... the API daemon's clone has no worktree of w6's" \
    test "$(git --git-dir "$(ls -d "$TMP"/api/git/nightly-*.git)" \
    worktree list | wc -l)" = 1
timeout 900 "$S" run nightly --force --json --wait --bench '{"command":
    ["{artifact}"], "stdin": "src/main.rs", "runs": 2, "warmup": 0,
    "instructions": false}' >"$TMP/bench.json" 2>"$TMP/err"
BENCH=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/bench.json" 2>/dev/null)
check "... its benchmarks run there, reading stdin from its own worktree" \
    test "$(db_scalar "$TMP/db" "SELECT string_agg(DISTINCT x.worker || ' '
    || x.state, ',') FROM benches x JOIN builds b ON b.id = x.build_id
    WHERE b.run_id = ${BENCH:-0}")" = "w6 done"
cp -r "$TMP/crate" "$TMP/api/hidden"
timeout 300 "$S" run "$TMP/api/hidden" --matrix "$FIX/grid.json" --wait \
    >/dev/null 2>&1
check "... a path it cannot see: unavailable, saying what to do" \
    test "$(db_scalar "$TMP/db" "SELECT count(*) FROM builds b JOIN runs r
    ON r.id = b.run_id JOIN projects p ON p.id = r.project_id WHERE p.path =
    '$TMP/api/hidden' AND b.state = 'unavailable' AND b.worker = 'w6' AND
    b.error LIKE '%shared file system%'")" = 4
kill -9 "$API"
check "a worker leads within a lease of the leader's death" \
    bash -c "for _ in \$(seq $((LEASE * 20))); do
	cat '$TMP'/w?.log | grep -q 'leading the daemons' && exit 0
	sleep 0.1
    done; exit 1"
git -C "$TMP/repo" commit -q --allow-empty -m "A commit after the leader died"
HEAD2=$(git -C "$TMP/repo" rev-parse HEAD)
check "... and runs the schedule at the new head, built to the end" \
    wait_db "EXISTS (SELECT 1 FROM runs WHERE commit_id = '$HEAD2' AND
    state = 'done')" 1800
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
