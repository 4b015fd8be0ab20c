# Shared by the slow end-to-end scripts: counting checks, and starting
# sizematd on a free loopback port. Source it after setting BIN and TMP.
pass=0
fail=0

# Runs a check: its name, then a command whose status says whether it holds.
check() {
	local name=$1; shift
	if "$@"; then pass=$((pass + 1)); echo "ok - $name"
	else fail=$((fail + 1)); echo "not ok - $name"; fi
}

. "$(dirname "${BASH_SOURCE[0]}")/db-lib.sh"

# Starts sizematd with the given flags on a free port (of $LISTEN's host,
# else 127.0.0.1), run through $WRAP and then $SIZEMATD_WRAP (valgrind) if
# set; sets PID and SIZEMAT_URL once it says where it listens. A --db file
# is the test's PostgreSQL database under SIZEMAT_TEST_PG.
start_sizematd() {
	local args=() db=
	while [ $# -gt 0 ]; do
		if [ "$1" = --db ]; then
			db=$(test_db "$2") || exit 1
			args+=(--db "$db")
			shift 2
		else
			args+=("$1")
			shift
		fi
	done
	${WRAP:-} ${SIZEMATD_WRAP:-} "$BIN/sizematd" \
	    --listen "${LISTEN:-127.0.0.1:0}" "${args[@]}" 2>"$TMP/log" &
	PID=$!
	for _ in $(seq 300); do
		grep -q 'listening on' "$TMP/log" && break
		sleep 0.1
	done
	SIZEMAT_URL=$(sed -n 's/^sizematd: listening on //p' "$TMP/log")
	export SIZEMAT_URL
	if [ -z "$SIZEMAT_URL" ]; then
		echo "sizematd did not start:"; cat "$TMP/log"
		exit 1
	fi
}

# Waits (up to 5 minutes) until the daemon runs and queues no build.
wait_idle() {
	for _ in $(seq 3000); do
		curl -sf "$SIZEMAT_URL/v1/status" | python3 -c 'import json,sys
s = json.load(sys.stdin); sys.exit(1 if s["running"] or s["queued"] else 0)' &&
		    return 0
		sleep 0.1
	done
	return 1
}

# Prints how many rows a request could have written to database $1: runs,
# builds, projects, bisections and variants.
db_rows() {
	db_scalar "$1" "SELECT (SELECT count(*) FROM runs) +
	    (SELECT count(*) FROM builds) + (SELECT count(*) FROM projects) +
	    (SELECT count(*) FROM bisections) + (SELECT count(*) FROM variants)"
}

# Prints what PRAGMA integrity_check says of database $1 ("ok" when whole);
# on PostgreSQL, "ok" when its tables can be read.
db_integrity() {
	if db_is_pg; then
		db_scalar "$1" "SELECT CASE WHEN count(*) >= 0 THEN 'ok' END
		    FROM builds JOIN artifacts ON artifacts.build_id = builds.id"
	else
		db_scalar "$1" "PRAGMA integrity_check"
	fi
}
