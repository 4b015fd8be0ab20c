#!/bin/bash
# What only PostgreSQL has: a password kept out of the command line and
# the logs, daemons that migrate one database at once, a server restarted
# under a running daemon, and sizes equal to a SQLite run of the same
# matrix. Run by tests/postgres.sh (make check-postgres).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-pg-e2e.XXXXXX)
PID=
trap 'kill -9 $PID 2>/dev/null; rm -rf "$TMP"' EXIT
. "$TOP/tests/e2e-lib.sh"
if ! db_is_pg; then
	echo "e2e-postgres: run it through tests/postgres.sh" >&2
	exit 2
fi
SERVER=${SIZEMAT_TEST_PG%/*}
HOSTPORT=${SERVER#postgresql://postgres@}
PW=s3cret-$RANDOM-$RANDOM

echo "# a password never on the command line or in a log"
DB=$(test_db "$TMP/pw.db")
NAME=${DB#postgresql://postgres@/}
NAME=${NAME%%\?*}
psql -q -X -d "$SIZEMAT_TEST_PG" -c "CREATE ROLE sizemat_pw LOGIN
    PASSWORD '$PW'" -c "ALTER DATABASE $NAME OWNER TO sizemat_pw" \
    >/dev/null
PWURI="postgresql://sizemat_pw:$PW@$HOSTPORT/$NAME"
"$BIN/sizematd" --db "$PWURI" --listen 127.0.0.1:0 2>"$TMP/err"
check "--db with a password is refused (exit 2), saying where it goes" \
    bash -c "test $? = 2 && grep -q PGPASSFILE '$TMP/err' &&
    ! grep -q '$PW' '$TMP/err'"
"$BIN/sizematd" --db "postgresql://u:pa%zz$PW@$HOSTPORT/x" \
    --listen 127.0.0.1:0 2>"$TMP/err"
check "... and so is a URI libpq cannot read, which may hide one" \
    bash -c "test $? = 2 && grep -q 'cannot be read' '$TMP/err' &&
    ! grep -q '$PW' '$TMP/err'"
printf 'postgresql://u:pa%%zz%s@%s/x\n' "$PW" "$HOSTPORT" >"$TMP/baduri"
chmod 600 "$TMP/baduri"
"$BIN/sizematd" --db-file "$TMP/baduri" --listen 127.0.0.1:0 2>"$TMP/err"
check "... from --db-file too, its error not quoting the password" \
    bash -c "test $? != 0 && grep -q 'cannot be read' '$TMP/err' &&
    ! grep -q '$PW' '$TMP/err'"
printf '%s\n' "$PWURI" >"$TMP/dburi"
chmod 644 "$TMP/dburi"
"$BIN/sizematd" --db-file "$TMP/dburi" --listen 127.0.0.1:0 2>"$TMP/err"
check "--db-file that others may read is refused (exit 2)" \
    bash -c "test $? = 2 && grep -q 'chmod 600' '$TMP/err'"
chmod 600 "$TMP/dburi"
start_sizematd --db-file "$TMP/dburi" --workdir "$TMP/w1" --jobs 0 -v
check "--db-file: the URI with its password, read from a file" \
    curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
check "... the log names the database without the password" \
    bash -c "grep -q 'database postgresql://sizemat_pw@$HOSTPORT/' \
    '$TMP/log' && ! grep -q '$PW' '$TMP/log'"
check "... and no process shows it" bash -c "! ps -eo args | grep -v grep |
    grep -q '$PW'"
kill "$PID"; wait "$PID" 2>/dev/null
echo "${HOSTPORT%:*}:${HOSTPORT#*:}:*:sizemat_pw:$PW" >"$TMP/pgpass"
chmod 600 "$TMP/pgpass"
PGPASSFILE=$TMP/pgpass start_sizematd \
    --db "postgresql://sizemat_pw@$HOSTPORT/$NAME" --workdir "$TMP/w1" \
    --jobs 0
check "PGPASSFILE gives the password of a URI without one" \
    curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"
kill "$PID"; wait "$PID" 2>/dev/null
"$BIN/sizematd" --db "postgresql://sizemat_pw@$HOSTPORT/$NAME" \
    --workdir "$TMP/w1" --listen 127.0.0.1:0 2>"$TMP/err" &
PID=$!
sleep 3
check "a wrong or missing password is a clear error at start, not a hang" \
    bash -c "! kill -0 $PID 2>/dev/null &&
    grep -q 'password' '$TMP/err'"

echo "# daemons that start at once on an empty database"
DB=$(test_db "$TMP/race.db")
for i in 1 2 3; do
	"$BIN/sizematd" --db "$DB" --workdir "$TMP/r$i" --jobs 0 \
	    --listen 127.0.0.1:0 2>"$TMP/race$i" &
	eval "R$i=\$!"
done
for _ in $(seq 100); do
	[ "$(grep -l 'listening on' "$TMP"/race? | wc -l)" = 3 ] && break
	sleep 0.1
done
check "three daemons starting at once all start" \
    test "$(grep -l 'listening on' "$TMP"/race? | wc -l)" = 3
check "... the migrations applied once, by one of them" \
    test "$(cat "$TMP"/race? | grep -c 'applied migration 1$')" = 1
check "... and the schema is whole: one version row, the newest" \
    test "$(db_scalar "$TMP/race.db" "SELECT count(*) || ':' ||
    max(version) FROM sizemat_schema")" = "1:$(ls "$TOP"/schema/[0-9]*.sql |
    wc -l)"
kill "$R1" "$R2" "$R3" 2>/dev/null; wait 2>/dev/null

echo "# the server restarted under a running daemon"
start_sizematd --db "$TMP/main.db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles" --name pg-one
"$BIN/sizemat" run "$FIX/sizes" --matrix "$FIX/grid.json" --wait \
    --json >"$TMP/pg.json" 2>"$TMP/run.err"
check "a run on PostgreSQL ends done" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["run"]["state"] == "done" and d["builds"] and
         all(b["state"] == "done" for b in d["builds"]) else 1)' "$TMP/pg.json"
check "... each build naming the daemon that made it (--name)" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if all(b["worker"] == "pg-one" for b in d["builds"]) else 1)' \
    "$TMP/pg.json"
RUN=$(python3 -c 'import json, sys
print(json.load(open(sys.argv[1]))["run"]["id"])' "$TMP/pg.json")
before=$(db_scalar "$TMP/main.db" "SELECT pg_postmaster_start_time()")
pg_user "$SIZEMAT_TEST_PGBIN/pg_ctl" -D "$SIZEMAT_TEST_PGDIR/data" -m fast -w \
    -l "$SIZEMAT_TEST_PGDIR/server.log" restart >/dev/null
check "the server restarted" test "$before" != \
    "$(db_scalar "$TMP/main.db" "SELECT pg_postmaster_start_time()")"
check "... and the daemon answers from it again, connected anew" \
    bash -c "curl -sf '$SIZEMAT_URL/v1/runs/$RUN' |
    grep -q '\"state\":\"done\"'"
"$BIN/sizemat" run "$FIX/sizes" --matrix "$FIX/grid.json" --wait -q \
    >/dev/null 2>&1
check "... and runs builds again (reused: the same sizes)" \
    test "$(db_scalar "$TMP/main.db" "SELECT count(*) FROM runs
    WHERE state = 'done'")" = 2

echo "# the same sizes as SQLite"
kill "$PID"; wait "$PID" 2>/dev/null
SIZEMAT_TEST_PG= start_sizematd --db "$TMP/lite.db" --workdir "$TMP/work" \
    --profiles "$TOP/profiles"
"$BIN/sizemat" run "$FIX/sizes" --matrix "$FIX/grid.json" --wait \
    --json >"$TMP/lite.json" 2>/dev/null
check "every variant's artifact has the size SQLite's run recorded" \
    python3 "$TOP/tests/e2e_check.py" same-sizes "$TMP/pg.json" \
    "$TMP/lite.json" 4
kill "$PID"; wait "$PID" 2>/dev/null
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
