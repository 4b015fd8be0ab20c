#!/bin/bash
# Who may do what: a daemon beyond loopback needs a token and an allowed
# root; requests from another host without the token change nothing; reads
# need the token unless --open-reads, build logs always; the Unix socket is
# its owner's alone, and --tcp-read-only sends every change through it.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
FIX=$TOP/tests/fixtures
TMP=$(mktemp -d /tmp/sizemat-security.XXXXXX)
PID=
NS_A=smt-a-$$
NS_B=smt-b-$$
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

J='Content-Type: application/json'
head -c 48 /dev/urandom | base64 | tr -d '\n/+=' >"$TMP/token"
echo >>"$TMP/token"
TOKEN=$(head -1 "$TMP/token")
mkdir -p "$TMP/root" "$TMP/outside"
cp -r "$FIX/sizes" "$TMP/root/sizes"
cp -r "$FIX/sizes" "$TMP/outside/sizes"
ln -s "$TMP/outside/sizes" "$TMP/root/link"

# status CODE: what curl got (its arguments follow) was status CODE.
expect() {
	local want=$1 code=$2; shift 2
	local got gotcode
	got=$("$@" -s -o "$TMP/out" -w '%{http_code}')
	gotcode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' \
	    "$TMP/out" 2>/dev/null)
	[ "$got $gotcode" = "$want $code" ] || {
		echo "  got $got $gotcode"; return 1; }
}

# 1. Refusals at start.
"$BIN/sizematd" --listen 0.0.0.0:0 --db "$TMP/x.db" 2>"$TMP/err"
check "beyond loopback without a token: refused (exit 2)" test $? = 2
check "  and the message says --token-file" grep -q 'needs --token-file' \
    "$TMP/err"
"$BIN/sizematd" --listen 0.0.0.0:0 --db "$TMP/x.db" \
    --token-file "$TMP/token" 2>"$TMP/err"
check "beyond loopback without --allow-root: refused (exit 2)" test $? = 2
check "  and the message says --allow-root" grep -q 'allow-root' "$TMP/err"
echo short >"$TMP/short"
"$BIN/sizematd" --db "$TMP/x.db" --token-file "$TMP/short" 2>"$TMP/err"
check "a token under 16 characters is refused" \
    grep -q 'at least 16 characters' "$TMP/err"
"$BIN/sizematd" --db "$TMP/x.db" --tcp-read-only 2>"$TMP/err"
check "--tcp-read-only without --socket is refused" \
    grep -q 'give --socket' "$TMP/err"
check "no database was made by a refused start" test ! -e "$TMP/x.db"

# 2. A daemon on another host's address: a client on a second host
# (network namespaces this script makes) without the token changes nothing.
if ip netns add "$NS_A" 2>/dev/null && ip netns add "$NS_B" &&
    ip link add "va$$" type veth peer name "vb$$" &&
    ip link set "va$$" netns "$NS_A" && ip link set "vb$$" netns "$NS_B" &&
    ip -n "$NS_A" addr add 10.231.7.1/24 dev "va$$" &&
    ip -n "$NS_B" addr add 10.231.7.2/24 dev "vb$$" &&
    ip -n "$NS_A" link set "va$$" up && ip -n "$NS_B" link set "vb$$" up &&
    ip -n "$NS_A" link set lo up; then
	LISTEN=10.231.7.1:0 WRAP="ip netns exec $NS_A" start_sizematd \
	    --db "$TMP/net.db" --workdir "$TMP/net-work" \
	    --profiles "$TOP/profiles" --token-file "$TMP/token" \
	    --allow-root "$TMP/root"
	URL=$SIZEMAT_URL
	check "the daemon listens on the namespace's address" \
	    test "${URL%:*}" = http://10.231.7.1
	B="ip netns exec $NS_B curl"
	body="{\"project\": \"$TMP/root/sizes\", \"matrix\": \"default\"}"
	check "another host, no token: POST /v1/runs is 401" \
	    expect 401 unauthorized $B -X POST -H "$J" --data-binary "$body" \
	    "$URL/v1/runs"
	check "another host, a wrong token: 401" \
	    expect 401 unauthorized $B -X POST -H "$J" \
	    -H "Authorization: Bearer ${TOKEN}x" --data-binary "$body" \
	    "$URL/v1/runs"
	check "another host, a token one character short: 401" \
	    expect 401 unauthorized $B -X POST -H "$J" \
	    -H "Authorization: Bearer ${TOKEN%?}" --data-binary "$body" \
	    "$URL/v1/runs"
	check "another host, no token: project add is 401" \
	    expect 401 unauthorized $B -X POST -H "$J" --data-binary \
	    "{\"name\": \"p\", \"source\": \"$TMP/root/sizes\"}" \
	    "$URL/v1/projects"
	check "another host, no token: DELETE a run is 401" \
	    expect 401 unauthorized $B -X DELETE "$URL/v1/runs/1"
	check "another host, no token: POST /v1/gc is 401" \
	    expect 401 unauthorized $B -X POST "$URL/v1/gc"
	check "another host, no token: reads are 401 too" \
	    expect 401 unauthorized $B "$URL/v1/runs"
	check "another host, no token: /metrics is 401" \
	    expect 401 unauthorized $B "$URL/metrics"
	check "another host, no token: the dashboard page loads (no data)" \
	    test "$($B -s -o /dev/null -w '%{http_code}' "$URL/")" = 200
	check "after every request without the token, nothing was written" \
	    test "$(db_rows "$TMP/net.db")" = 0
	check "with the token, a project outside --allow-root is refused" \
	    expect 403 forbidden $B -X POST -H "$J" \
	    -H "Authorization: Bearer $TOKEN" --data-binary \
	    "{\"project\": \"$TMP/outside/sizes\", \"matrix\": \"default\"}" \
	    "$URL/v1/runs"
	check "with the token, a symlink out of the root is refused" \
	    expect 403 forbidden $B -X POST -H "$J" \
	    -H "Authorization: Bearer $TOKEN" --data-binary \
	    "{\"project\": \"$TMP/root/link\", \"matrix\": \"default\"}" \
	    "$URL/v1/runs"
	check "with the token, .. out of the root is refused" \
	    expect 403 forbidden $B -X POST -H "$J" \
	    -H "Authorization: Bearer $TOKEN" --data-binary \
	    "{\"project\": \"$TMP/root/../outside/sizes\", \"matrix\": \"default\"}" \
	    "$URL/v1/runs"
	check "still nothing written" test "$(db_rows "$TMP/net.db")" = 0
	ip netns exec "$NS_B" env SIZEMAT_URL="$URL" "$BIN/sizemat" runs \
	    >/dev/null 2>"$TMP/err"
	check "the client without a token: exit 2, and says why" \
	    bash -c "test $? = 2 && grep -q 'needs .Authorization' '$TMP/err'"
	ip netns exec "$NS_B" env SIZEMAT_URL="$URL" "$BIN/sizemat" \
	    --token-file "$TMP/token" gc --json >"$TMP/gc.json" 2>"$TMP/err"
	check "the client with --token-file may change things (gc)" \
	    test $? = 0
	ip netns exec "$NS_B" env SIZEMAT_URL="$URL" SIZEMAT_TOKEN="$TOKEN" \
	    "$BIN/sizemat" status >/dev/null 2>&1
	check "the client with \$SIZEMAT_TOKEN may read" test $? = 0
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
else
	echo "# no network namespaces here (needs root and iproute2):" \
	    "the second-host checks were skipped"
	fail=$((fail + 1))
fi

# 3. --open-reads: reads without the token, but never build logs.
start_sizematd --db "$TMP/open.db" --workdir "$TMP/open-work" \
    --profiles "$TOP/profiles" --token-file "$TMP/token" --open-reads
check "--open-reads: GET /v1/status needs no token" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$SIZEMAT_URL/v1/status")" = 200
check "--open-reads: a build log still needs it" \
    expect 401 unauthorized curl "$SIZEMAT_URL/v1/builds/1/log"
check "--open-reads: changes still need it" \
    expect 401 unauthorized curl -X POST "$SIZEMAT_URL/v1/gc"
check "--open-reads: with the token, an unknown log is 404 (past the guard)" \
    expect 404 not_found curl -H "Authorization: Bearer $TOKEN" \
    "$SIZEMAT_URL/v1/builds/1/log"
kill "$PID"; wait "$PID" 2>/dev/null; PID=

# 4. The Unix socket: mode 0600; with --tcp-read-only, TCP answers reads
# and refuses every change, even with the token.
SOCK=$TMP/sizematd.sock
start_sizematd --db "$TMP/sock.db" --workdir "$TMP/sock-work" \
    --profiles "$TOP/profiles" --socket "$SOCK" --tcp-read-only \
    --token-file "$TMP/token"
check "the socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
check "TCP with the token: a change is 403 read_only" \
    expect 403 read_only curl -X POST -H "Authorization: Bearer $TOKEN" \
    "$SIZEMAT_URL/v1/gc"
check "TCP with the token: reads answer" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
    "$SIZEMAT_URL/v1/status")" = 200
"$BIN/sizemat" --socket "$SOCK" gc --json >/dev/null 2>"$TMP/err"
check "the socket takes a change without a token (sizemat --socket)" \
    test $? = 0
SIZEMAT_SOCKET=$SOCK "$BIN/sizemat" status >/dev/null 2>&1
check "\$SIZEMAT_SOCKET works as --socket" test $? = 0
check "a Host header is not checked on the socket (no browser reaches it)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
    -H 'Host: evil.example' http://x/v1/status)" = 200
"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/sock2.db" \
    --workdir "$TMP/sock2-work" --socket "$SOCK" 2>"$TMP/err2"
check "a second daemon on a live socket is refused" \
    grep -q 'another daemon is listening there' "$TMP/err2"
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
check "a SIGKILLed daemon leaves its socket behind" test -S "$SOCK"
start_sizematd --db "$TMP/sock.db" --workdir "$TMP/sock-work" \
    --profiles "$TOP/profiles" --socket "$SOCK"
check "the next start replaces the stale socket" \
    test "$(curl -s -o /dev/null -w '%{http_code}' --unix-socket "$SOCK" \
    http://x/v1/status)" = 200
kill "$PID"; wait "$PID" 2>/dev/null; PID=
check "an orderly stop removes the socket" test ! -e "$SOCK"
touch "$TMP/plain"
"$BIN/sizematd" --listen 127.0.0.1:0 --db "$TMP/sock3.db" \
    --workdir "$TMP/sock3-work" --socket "$TMP/plain" 2>"$TMP/err3"
check "a --socket path that is a plain file is left alone" \
    bash -c "grep -q 'is not a socket' '$TMP/err3' && test -f '$TMP/plain'"

# 5. The systemd unit: it verifies without a word, and holds the
# confinement docs/security.md relies on.
UNIT=$TOP/contrib/sizematd.service
for d in User=sizemat StateDirectory=sizemat NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=read-only PrivateTmp=yes \
    Restart=on-failure --tcp-read-only --allow-root; do
	check "contrib/sizematd.service has $d" grep -q -- "$d" "$UNIT"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$TMP/unit"
	sed "s|/usr/local/bin/sizematd|$BIN/sizematd|" "$UNIT" \
	    >"$TMP/unit/sizematd.service"
	systemd-analyze verify "$TMP/unit/sizematd.service" >"$TMP/verify" 2>&1
	check "systemd-analyze verify passes on it, with no warning" \
	    bash -c "test $? = 0 && test ! -s '$TMP/verify'"
	sed 's/^ProtectSystem=strict/ProtectSystem=stric/' \
	    "$TMP/unit/sizematd.service" >"$TMP/unit/bad.service"
	systemd-analyze verify "$TMP/unit/bad.service" >"$TMP/verify" 2>&1
	check "  and it would tell a misspelt setting" test -s "$TMP/verify"
else
	echo "# no systemd-analyze here: the unit was not verified"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
