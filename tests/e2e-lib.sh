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

# Starts sizematd with the given flags on a free port (of $LISTEN's host,
# else 127.0.0.1), run through $WRAP and then $SIZEMATD_WRAP (valgrind) if
# set; sets PID and SIZEMAT_URL once it says where it listens.
start_sizematd() {
	${WRAP:-} ${SIZEMATD_WRAP:-} "$BIN/sizematd" \
	    --listen "${LISTEN:-127.0.0.1:0}" "$@" 2>"$TMP/log" &
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
	python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]);
print(sum(c.execute("SELECT count(*) FROM " + t).fetchone()[0]
      for t in ("runs", "builds", "projects", "bisections", "variants")))' "$1"
}

# Prints what PRAGMA integrity_check says of database $1 ("ok" when whole).
db_integrity() {
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$1"
}
