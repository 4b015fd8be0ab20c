#!/bin/bash
# The claim query's latency with 100,000 queued builds, 1 and then 8
# claimers at once, on PostgreSQL (a private server tests/postgres.sh
# starts and stops) beside SQLite (the embedded store): docs/scale.md
# quotes it. QUEUED, CLAIMERS and CLAIMS change the sizes.
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
TMP=$(mktemp -d /tmp/sizemat-claim.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
bash "$TOP/tests/postgres.sh" --shell "'$BIN/bench_claim' \
    -q ${QUEUED:-100000} -c ${CLAIMERS:-8} -n ${CLAIMS:-200} \
    \"\$SIZEMAT_TEST_PG\" '$TMP/claim.db' 2>'$TMP/log' ||
    { cat '$TMP/log' >&2; exit 1; }"
