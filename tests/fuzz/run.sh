#!/bin/sh
# Runs each libFuzzer harness for SECONDS on its seed corpus and prints how
# many inputs it tried; a crash, a leak or a failed check stops with its
# input saved in build-fuzz/.
#   sh tests/fuzz/run.sh SECONDS NAME...
set -u
seconds=$1; shift
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build-fuzz
status=0
export SIZEMAT_PROFILES="$top/profiles"
for name in "$@"; do
	mkdir -p "$out/corpus/$name"
	log=$out/fuzz_$name.log
	"$out/fuzz_$name" -max_total_time="$seconds" -print_final_stats=1 \
	    -timeout=20 -rss_limit_mb=4096 -artifact_prefix="$out/$name-" \
	    "$out/corpus/$name" "$top/tests/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	corpus=$(ls "$out/corpus/$name" | wc -l)
	if [ $rc -eq 0 ]; then
		echo "fuzz $name: ${execs:-?} inputs in ${seconds} s, nothing" \
		    "found; corpus $corpus files"
	else
		echo "fuzz $name: FOUND a problem after ${execs:-?} inputs" \
		    "(exit $rc); see $log"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" |
		    head -5
		status=1
	fi
done
exit $status
