#!/bin/bash
# Hostile requests, table-driven: each gets its status and error code, the
# daemon still answers after each, and nothing is written to the database.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-hostile.XXXXXX)
PID=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

mkdir -p "$TMP/notcargo"
start_sizematd --db "$TMP/db" --workdir "$TMP/work" --profiles "$TOP/profiles" \
    --max-builds 64 --max-body 65536
HOSTPORT=${SIZEMAT_URL#http://}
PORT=${HOSTPORT##*:}
J='Content-Type: application/json'
P=$FIX/sizes

# status code method path body [header...]
cat >"$TMP/table" <<TABLE
400|invalid_json|POST|/v1/runs|{"project":|$J
400|invalid_json|POST|/v1/runs|[1, 2]|$J
400|invalid_project|POST|/v1/runs|{"project": 3, "matrix": "default"}|$J
400|invalid_project|POST|/v1/runs|{"project": "relative/path", "matrix": "default"}|$J
400|invalid_project|POST|/v1/runs|{"project": "/nonexistent/x", "matrix": "default"}|$J
400|invalid_project|POST|/v1/runs|{"project": "$TMP/notcargo", "matrix": "default"}|$J
400|invalid_request|POST|/v1/runs|{"project": "$P", "matrix": "default", "colour": "red"}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": "no-such-matrix"}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": 7}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "e", "shape": "axes", "axes": {}}}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "w", "shape": "cube"}}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "b", "shape": "axes", "axes": {"lto": ["fatt"]}}}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "b", "shape": "axes", "axes": {"opt-level": [9]}}}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "big", "shape": "axes", "axes": {"opt-level": [0, 1, 2, 3, "s", "z"], "lto": [false, true, "thin", "off"], "codegen-units": [1, 2, 4, 8, 16]}}}|$J
400|invalid_matrix|POST|/v1/runs|{"project": "$P", "matrix": {"name": "r", "shape": "axes", "axes": {"rustflags": [["-Clinker=/bin/sh"]]}}}|$J
400|invalid_request|POST|/v1/runs|{"project": "$P", "matrix": "default", "features": 5}|$J
400|invalid_request|POST|/v1/runs|{"project": "$P", "matrix": "default", "rev": "main"}|$J
400|invalid_request|POST|/v1/runs|{"project": "$P", "matrix": "default", "parent_run": 999999}|$J
400|invalid_request|POST|/v1/runs|{"project": "$P", "matrix": "default", "any_compiler": "yes"}|$J
400|unknown_toolchain|POST|/v1/runs|{"project": "$P", "matrix": "default", "toolchain": "nope"}|$J
404|unknown_project|POST|/v1/runs|{"project": "no-such-name"}|$J
415|unsupported_media_type|POST|/v1/runs|{"project": "$P", "matrix": "default"}|Content-Type: application/x-www-form-urlencoded
415|unsupported_media_type|POST|/v1/runs|{"project": "$P", "matrix": "default"}|Content-Type: text/plain
421|wrong_host|POST|/v1/runs|{"project": "$P", "matrix": "default"}|$J|Host: evil.example:$PORT
421|wrong_host|GET|/v1/runs||Host: rebound.example.com
421|wrong_host|GET|/v1/runs||Host: 127.0.0.1:1
404|not_found|GET|/v1/runs/999999||
404|not_found|GET|/v1/builds/999999/log||
404|not_found|DELETE|/v1/runs/999999||
404|not_found|GET|/v1/nothing-here||
405|method_not_allowed|PUT|/v1/runs||
405|method_not_allowed|DELETE|/v1/status||
404|not_found|GET|/v1/bisections/999999||
400|invalid_request|GET|/v1/best||
400|invalid_request|GET|/v1/best?project=$P&top=0||
400|invalid_request|GET|/v1/export||
400|invalid_request|POST|/v1/projects|{"name": "../x", "source": "$P"}|$J
400|invalid_request|POST|/v1/projects|{"name": "ok", "source": "ext::sh -c touch% /tmp/pwned"}|$J
400|invalid_request|POST|/v1/projects|{"name": "ok", "source": "/tmp", "schedule": "every day"}|$J
400|invalid_request|POST|/v1/projects|{"name": "ok", "source": "/tmp", "threshold": "3KB"}|$J
400|invalid_request|POST|/v1/projects|{"name": "ok", "source": "/tmp", "webhooks": ["ftp://x"]}|$J
400|invalid_request|POST|/v1/projects|{"name": "ok", "source": "gopher://x/y"}|$J
404|unknown_project|GET|/v1/projects/nobody/trend||
404|unknown_project|POST|/v1/projects/nobody/bisect|{"good": "a", "bad": "b"}|$J
TABLE

n=0
while IFS='|' read -r want code method path body h1 h2; do
	n=$((n + 1))
	args=(-s -o "$TMP/out" -w '%{http_code}' -X "$method")
	[ -n "$body" ] && args+=(--data-binary "$body")
	[ -n "$h1" ] && args+=(-H "$h1")
	[ -n "${h2:-}" ] && args+=(-H "$h2")
	got=$(curl "${args[@]}" "$SIZEMAT_URL$path")
	gotcode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' \
	    "$TMP/out" 2>/dev/null)
	check "$method $path ${body:0:40} ${h2:-$h1}: $want $code" \
	    test "$got $gotcode" = "$want $code"
	curl -sf -o /dev/null "$SIZEMAT_URL/v1/status" ||
	    check "the daemon answers after request $n" false
done <"$TMP/table"

# Over the limits: a body over --max-body, headers over 16 KiB, a URL over
# 4 KiB, malformed HTTP, and a client that sends half a request.
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
got=$(curl -s -o "$TMP/out" -w '%{http_code}' -X POST -H "$J" \
    --data-binary "{\"x\": \"$big\"}" "$SIZEMAT_URL/v1/runs")
check "a body over --max-body gets 413" test "$got" = 413
got=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 17000 \
    /dev/zero | tr '\0' 'b')" "$SIZEMAT_URL/v1/status")
check "headers over 16 KiB get 431" test "$got" = 431
got=$(curl -s -o /dev/null -w '%{http_code}' \
    "$SIZEMAT_URL/v1/runs?x=$(head -c 5000 /dev/zero | tr '\0' 'c')")
check "a URL over 4 KiB gets 414" test "$got" = 414
printf 'GARBAGE\r\n\r\n' >"$TMP/garbage"
got=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat '$TMP/garbage' >&3;
    head -1 <&3")
check "malformed HTTP gets 400" grep -q ' 400 ' <<<"$got"
got=$(timeout 40 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT;
    printf 'GET /v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&3; head -1 <&3")
check "a client that never ends its headers gets 408" grep -q ' 408 ' <<<"$got"

check "after $n+5 hostile requests nothing was written to the database" \
    test "$(db_rows "$TMP/db")" = 0
check "and the daemon still answers" curl -sf -o /dev/null "$SIZEMAT_URL/v1/status"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
