#!/bin/bash
# The daemon's request, security and fault tests with every sizematd they
# start under valgrind's memcheck: no invalid access, no use of
# uninitialised memory, and no memory definitely lost at an orderly stop.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
VG=$(mktemp -d /tmp/sizemat-valgrind.XXXXXX)
trap 'rm -rf "$VG"' EXIT
export SIZEMATD_WRAP="valgrind --tool=memcheck --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --track-origins=yes --log-file=$VG/vg.%p.log"
status=0
for t in hostile security reliability; do
	echo "# tests/e2e-$t.sh under valgrind"
	bash "$TOP/tests/e2e-$t.sh" | grep -E '^not ok|passed,'
	[ "${PIPESTATUS[0]}" = 0 ] || status=1
done
# One log per process valgrind saw: the daemons, and the children they
# forked before those ran another program.
logs=$(grep -l 'Command: .*sizematd' "$VG"/vg.*.log 2>/dev/null | wc -l)
finished=$(grep -l 'Command: .*sizematd' "$VG"/vg.*.log 2>/dev/null |
    xargs -r grep -l 'ERROR SUMMARY' | wc -l)
errors=$(grep -hE '== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Syscall param|Mismatched|Source and destination overlap)' \
    "$VG"/vg.*.log 2>/dev/null | wc -l)
lost=$(grep -h 'definitely lost:' "$VG"/vg.*.log 2>/dev/null |
    grep -vc 'definitely lost: 0 bytes')
echo "valgrind: $logs processes under memcheck (the daemons, and children" \
    "they forked), $finished ran to an orderly end; $errors memory" \
    "errors, $lost with memory definitely lost"
if [ "$errors" != 0 ] || [ "$lost" != 0 ] || [ "$logs" = 0 ]; then
	grep -lE '== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched)|definitely lost: [1-9]' \
	    "$VG"/vg.*.log | while read -r f; do
		echo "== $f"; sed -n '1,60p' "$f"; done
	status=1
fi
[ "$status" = 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $status
