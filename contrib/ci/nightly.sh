#!/bin/sh
# A nightly size job for a tracked project: build the matrix at the
# branch's new head, gate it against the previous nightly with
# 'sizemat check', and write a report to publish.
#
#   SIZEMAT_URL=http://sizes.example.org:7420 contrib/ci/nightly.sh NAME [OUT]
#
# NAME is a project added once with 'sizemat project add NAME SOURCE'. OUT
# (default ./sizemat-report) receives report.html, summary.md and
# history.csv. The exit status is check's: 0 fine, 1 a variant grew past
# the project's threshold (or the head does not build), 2 an error.
set -u
name=${1:?usage: nightly.sh NAME [OUT]}
out=${2:-sizemat-report}
mkdir -p "$out"

# The commit the last nightly measured, kept beside the report.
state=$out/last-nightly
sizemat run "$name" --wait --quiet --json >"$out/run.json"
status=$?
head=$(sed -n 's/^[[:space:]]*"commit":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' \
    "$out/run.json" | head -n 1)
if [ -z "$head" ]; then
	echo "nightly: no run at the branch head (sizemat exited $status)" >&2
	exit 2
fi
rc=0
if [ -s "$state" ] && [ "$(cat "$state")" != "$head" ]; then
	sizemat check "$name" --base "$(cat "$state")" --head "$head" \
	    --markdown >"$out/check.md"
	rc=$?
fi
echo "$head" >"$state"
sizemat report "$name" --html "$out/report.html" --quiet || rc=2
sizemat report "$name" --markdown >"$out/summary.md" || rc=2
sizemat export "$name" --format csv >"$out/history.csv" || rc=2
echo "nightly: $name at $head (run status $status), check exit $rc;" \
    "report in $out/" >&2
exit "$rc"
