#!/bin/sh
# Writes a C file holding every schema/NNN_*.sql migration, in order, so the
# daemon carries its schema with it.
set -eu
echo '/* Generated from the migrations in schema/ by daemon/embed-schema.sh. */'
echo '#include <stddef.h>'
echo 'const char *const store_migrations[] = {'
for f in "$@"; do
	echo "	/* $(basename "$f") */"
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^\(.*\)$/	"\1\\n"/' "$f"
	echo '	,'
done
echo '	NULL'
echo '};'
