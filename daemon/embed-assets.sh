#!/bin/sh
# Writes a C file holding the dashboard's files (dashboard/*), so one
# sizematd binary serves its own page. Each argument is URL-PATH=FILE.
set -eu
echo '/* Generated from dashboard/ by daemon/embed-assets.sh. */'
echo '#include <stddef.h>'
echo '#include "sizematd.h"'
echo 'const struct asset dashboard_assets[] = {'
for arg in "$@"; do
	path=${arg%%=*}
	file=${arg#*=}
	case $file in
	*.html) type="text/html; charset=utf-8" ;;
	*.js) type="text/javascript; charset=utf-8" ;;
	*.css) type="text/css; charset=utf-8" ;;
	*) type="application/octet-stream" ;;
	esac
	echo "	{ \"$path\", \"$type\", $(wc -c <"$file" | tr -d ' '),"
	# Backslashes, quotes and '?' (no trigraphs) escaped, a line a string.
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' \
	    -e 's/^\(.*\)$/	"\1\\n"/' "$file"
	echo '	},'
done
echo '	{ NULL, NULL, 0, NULL }'
echo '};'
