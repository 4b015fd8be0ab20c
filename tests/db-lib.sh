# Shared by the end-to-end scripts: which database a test daemon uses.
# Without SIZEMAT_TEST_PG a test's database is the SQLite file it names;
# with it (a postgresql:// URI of a server tests/postgres.sh started), each
# file name stands for a database of its own on that server, made empty
# the first time it is named in a test run.

# Prints what to give --db for the file $1.
test_db() {
	local name
	if [ -z "${SIZEMAT_TEST_PG:-}" ]; then
		printf '%s\n' "$1"
		return
	fi
	name=t_$(printf '%s' "$1" | md5sum | cut -c1-16)
	if [ ! -e "$SIZEMAT_TEST_PGDIR/made.$name" ]; then
		PGOPTIONS="-c client_min_messages=warning" psql -q -X \
		    -d "$SIZEMAT_TEST_PG" -v ON_ERROR_STOP=1 \
		    -c "DROP DATABASE IF EXISTS $name" \
		    -c "CREATE DATABASE $name" >/dev/null || return 1
		: >"$SIZEMAT_TEST_PGDIR/made.$name"
	fi
	printf 'postgresql://postgres@/%s?host=%s&port=%s\n' "$name" \
	    "$SIZEMAT_TEST_PGDIR" "$SIZEMAT_TEST_PGPORT"
}

# Prints the one value query $2 gives on the database of file $1.
db_scalar() {
	if [ -n "${SIZEMAT_TEST_PG:-}" ]; then
		psql -q -X -A -t -d "$(test_db "$1")" -c "$2"
	else
		python3 -c 'import sqlite3,sys
r = sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()
print("" if r is None or r[0] is None else r[0])' "$1" "$2"
	fi
}

# Runs statement $2 on the database of file $1.
db_exec() {
	if [ -n "${SIZEMAT_TEST_PG:-}" ]; then
		psql -q -X -v ON_ERROR_STOP=1 -d "$(test_db "$1")" -c "$2"
	else
		python3 -c 'import sqlite3,sys
c = sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()' \
		    "$1" "$2"
	fi
}

# Runs a command as the test server's owner (postgres when root).
pg_user() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# Tells whether the tests run against PostgreSQL (for the few checks that
# are about the SQLite file itself).
db_is_pg() {
	[ -n "${SIZEMAT_TEST_PG:-}" ]
}
