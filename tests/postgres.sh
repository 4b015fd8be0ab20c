#!/bin/bash
# Runs test scripts against a private PostgreSQL: initdb into a temporary
# directory as an unprivileged user (postgres when run as root), a server
# on a free loopback port and a socket in that directory, stopped and
# removed at the end whatever happens. Each script gets SIZEMAT_TEST_PG,
# the URI of the server's postgres database over TCP; tests/db-lib.sh makes
# one database per test file, reached through the socket (which a daemon in
# another network namespace reaches too).
# Usage: tests/postgres.sh SCRIPT...   (or: tests/postgres.sh --shell CMD)
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ ! -x "$PGBIN/initdb" ]; then
	echo "postgres: no PostgreSQL server (install Debian's postgresql:" \
	    "make deps)" >&2
	exit 2
fi
PGTMP=$(mktemp -d /tmp/sizemat-pg.XXXXXX)
. "$TOP/tests/db-lib.sh"
[ "$(id -u)" = 0 ] && chown postgres "$PGTMP"
stop() {
	pg_user "$PGBIN/pg_ctl" -D "$PGTMP/data" -m immediate stop \
	    >/dev/null 2>&1
	rm -rf "$PGTMP"
}
trap stop EXIT

port=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
pg_user "$PGBIN/initdb" -D "$PGTMP/data" -U postgres --auth=trust \
    --no-locale -E UTF8 >"$PGTMP/initdb.log" 2>&1 || {
	cat "$PGTMP/initdb.log"; exit 2; }
# One role must give its password: the tests of where a password may come
# from log in as it.
pg_user sh -c "{ echo 'host all sizemat_pw 127.0.0.1/32 scram-sha-256';
    cat '$PGTMP/data/pg_hba.conf'; } >'$PGTMP/hba' &&
    mv '$PGTMP/hba' '$PGTMP/data/pg_hba.conf'"
pg_user "$PGBIN/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -o \
    "-p $port -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off \
     -c max_connections=200" start >/dev/null || {
	cat "$PGTMP/server.log"; exit 2; }
export SIZEMAT_TEST_PG="postgresql://postgres@127.0.0.1:$port/postgres"
export SIZEMAT_TEST_PGDIR=$PGTMP SIZEMAT_TEST_PGBIN=$PGBIN \
    SIZEMAT_TEST_PGPORT=$port
echo "postgres: PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on" \
    "127.0.0.1:$port"
rc=0
if [ "${1:-}" = --shell ]; then
	shift
	bash -c "$*" || rc=$?
else
	for script in "$@"; do
		bash "$script" || rc=1
	done
fi
exit $rc
