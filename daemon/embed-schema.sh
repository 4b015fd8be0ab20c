#!/bin/sh
# Writes a C file holding the migrations, in order, so the daemon carries
# its schema with it: store_migrations[] from schema/NNN_*.sql for SQLite,
# store_migrations_pg[] for PostgreSQL, where schema/pg/NNN_*.sql takes
# the place of the shared file of the same number where the dialects
# differ. schema/pg/NNN_base.sql is the whole schema up to NNN at once:
# the migrations before it are empty for PostgreSQL.
# Usage: embed-schema.sh SCHEMA_DIR
set -eu
dir=$1
quote() {
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^\(.*\)$/	"\1\\n"/' "$1"
}
base=0
for f in "$dir"/pg/[0-9][0-9][0-9]_base.sql; do
	[ -e "$f" ] || continue
	n=$(basename "$f" | cut -c1-3)
	base=$(expr "$n" + 0)
done
echo '/* Generated from the migrations in schema/ by daemon/embed-schema.sh. */'
echo '#include <stddef.h>'
echo 'const char *const store_migrations[] = {'
for f in "$dir"/[0-9][0-9][0-9]_*.sql; do
	echo "	/* $(basename "$f") */"
	quote "$f"
	echo '	,'
done
echo '	NULL'
echo '};'
echo 'const char *const store_migrations_pg[] = {'
for f in "$dir"/[0-9][0-9][0-9]_*.sql; do
	n=$(basename "$f" | cut -c1-3)
	pg=$(ls "$dir"/pg/"$n"_*.sql 2>/dev/null | head -n 1)
	if [ -n "$pg" ]; then
		echo "	/* pg/$(basename "$pg") */"
		quote "$pg"
	elif [ "$(expr "$n" + 0)" -lt "$base" ]; then
		echo "	/* $(basename "$f"): in the PostgreSQL base */"
		echo '	""'
	else
		echo "	/* $(basename "$f") */"
		quote "$f"
	fi
	echo '	,'
done
echo '	NULL'
echo '};'
