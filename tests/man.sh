#!/bin/sh
# The manual pages render with scdoc, and name every command and option
# the programs' own --help lists, so that they cannot fall behind.
#
#   sh tests/man.sh BUILD-DIR
set -u
O=${1:-build}
TOP=$(cd "$(dirname "$0")/.." && pwd)
fail=0
for page in sizemat.1 sizematd.8; do
	if [ ! -s "$O/$page" ]; then
		echo "not ok - $O/$page was not generated"
		fail=1
	fi
done
# Names in a program's help, each of which its page must set in bold.
missing() {
	prog=$1 scd=$2
	"$O/$prog" --help 2>&1 | grep -oE -- '--[a-z][a-z-]+' | sort -u |
	    while read -r opt; do
		grep -qF -- "*$opt*" "$scd" || echo "$opt"
	done
}
for pair in sizemat:sizemat.1 sizematd:sizematd.8; do
	prog=${pair%%:*} page=${pair#*:}
	left=$(missing "$prog" "$TOP/docs/$page.scd" | tr '\n' ' ')
	if [ -n "$left" ]; then
		echo "not ok - $page.scd does not name $prog's $left"
		fail=1
	else
		echo "ok - $page names every option of $prog --help"
	fi
done
cmds=$("$O/sizemat" --help 2>&1 | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p;s/^  \([a-z][a-z]*\)$/\1/p' |
    sort -u)
left=
for c in $cmds; do
	grep -qE "^\*$c\*|^\*(cargo |sizemat )?$c( |\*)" "$TOP/docs/sizemat.1.scd" ||
	    left="$left $c"
done
if [ -n "$left" ]; then
	echo "not ok - sizemat.1.scd does not describe the commands$left"
	fail=1
else
	echo "ok - sizemat.1 describes every command of sizemat --help"
fi
exit $fail
