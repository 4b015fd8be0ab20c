#!/bin/bash
# The smallest variant by search: on a real crate, the search's certified
# winner has the smallest size of the same matrix run in full, having built
# fewer variants than the grid has; a budget stops it uncertified; a
# daemon killed in the middle of a search finishes it after a restart
# without building any variant twice; bad requests get clear errors. And
# the daemon's jobserver: builds share the cores, and make the same bytes
# whatever they got; a tracked project's search reuses what was measured
# at its commit; and a waiting request is answered at the next event.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SIZEMAT_BIN:-$TOP/build}
TMP=$(mktemp -d /tmp/sizemat-search.XXXXXX)
WORK=$TOP/build/e2e-search-work
PID=
. "$TOP/tests/e2e-lib.sh"
cleanup() {
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
sm() { "$BIN/sizemat" "$@"; }
mkdir -p "$WORK"
cp -r "$TOP/contrib/demo-crate" "$TMP/crate"
cat >"$TMP/grid.json" <<'EOF'
{"name": "search-grid", "shape": "axes",
 "axes": {"opt-level": [3, "s", "z"], "lto": ["off", "fat"],
          "strip": ["none", "symbols"]}}
EOF
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"

# What a value in a JSON file at a path ("search.winner.value") is.
jq_() {
	python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$@"
}

# 1. The whole grid, for the minimum to compare with.
sm run "$TMP/crate" --matrix "$TMP/grid.json" --wait --json \
    >"$TMP/full.json" 2>/dev/null
check "the full grid runs (exit 0)" test $? = 0
MIN=$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(min(a["file_size"] for b in d["builds"] if b["state"] == "done"
          for a in b["artifacts"]))' "$TMP/full.json")

# 2. The search.
sm search "$TMP/crate" --matrix "$TMP/grid.json" --wait --json \
    >"$TMP/search.json" 2>"$TMP/search.err"
check "search --wait exits 0 on a certified winner" test $? = 0
check "its document has every field INTERFACE.md names" python3 - \
    "$TMP/search.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["search"]
need = ["id", "project", "matrix", "state", "certified", "grid_size",
        "builds", "reused", "metric", "artifact", "winner", "neighbours",
        "probes"]
ok = all(k in s for k in need)
ok = ok and all(k in s["winner"] for k in ("variant", "variant_key", "value",
                                           "build"))
ok = ok and all(k in p for p in s["neighbours"]
                for k in ("variant_key", "value", "build"))
ok = ok and all(k in p for p in s["probes"]
                for k in ("variant_key", "value", "build", "best_so_far"))
ok = ok and s["state"] == "done" and s["certified"] is True
ok = ok and s["metric"] == "file_size" and s["grid_size"] == 12
sys.exit(0 if ok else 1)
PY
check "the winner's size is the minimum of the whole grid ($MIN B)" \
    test "$(jq_ "$TMP/search.json" search.winner.value)" = "$MIN"
BUILDS=$(jq_ "$TMP/search.json" search.builds)
check "it built fewer variants than the grid has ($BUILDS of 12)" \
    test "$BUILDS" -lt 12
check "each probe was built once" python3 - "$TMP/search.json" <<'PY'
import json, sys
keys = [p["variant_key"] for p in json.load(open(sys.argv[1]))["search"]["probes"]]
sys.exit(0 if len(keys) == len(set(keys)) else 1)
PY
check "the certificate holds every single-axis neighbour of the winner" \
    python3 - "$TMP/search.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["search"]
axes = {"opt-level": ["3", "s", "z"], "lto": ["off", "fat"],
        "strip": ["none", "symbols"]}
w = s["winner"]["variant"]
have = {p["variant_key"] for p in s["neighbours"]}
for k, vals in axes.items():
    for v in vals:
        if v == w[k]:
            continue
        n = dict(w, **{k: v})
        key = ",".join(f"{a}={n[a]}" for a in sorted(n))
        if key not in have:
            print("missing", key)
            sys.exit(1)
sys.exit(0)
PY
check "progress: a line per finished build with the best so far" \
    grep -q "search [0-9]*: build 1 (grid: 12) .*; best " "$TMP/search.err"
sm search "$TMP/crate" --matrix "$TMP/grid.json" --wait \
    >"$TMP/search.txt" 2>/dev/null
check "the human answer: the winner, its profile to paste, the builds spent and the certificate" \
    bash -c "grep -q '^winner: ' '$TMP/search.txt' &&
        grep -q '^\[profile.release\]' '$TMP/search.txt' &&
        grep -q 'builds\? of the grid.s 12' '$TMP/search.txt' &&
        grep -q '^the certificate' '$TMP/search.txt'"

# 3. A budget stops it: the best so far, not certified, exit 1.
sm search "$TMP/crate" --matrix "$TMP/grid.json" --budget 2 --wait --json \
    >"$TMP/budget.json" 2>/dev/null
check "a search stopped on its budget exits 1" test $? = 1
check "... spent exactly its budget and says it is not certified" \
    bash -c "test \"\$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))[\"search\"]; print(s[\"builds\"], s[\"certified\"], \"budget\" in s[\"message\"])' '$TMP/budget.json')\" = '2 False True'"

# 4. Killed in the middle, it goes on after a restart, building nothing twice.
sm search "$TMP/crate" --matrix "$TMP/grid.json" --json >"$TMP/started.json"
check "search without --wait prints the started search and exits 0" \
    test $? = 0
ID=$(jq_ "$TMP/started.json" search.id)
for _ in $(seq 600); do
	n=$(sm search --status "$ID" --json 2>/dev/null | python3 -c 'import json,sys
print(sum(p["state"] == "done" for p in json.load(sys.stdin)["search"]["probes"]))')
	[ "${n:-0}" -ge 2 ] && break
	sleep 0.1
done
{ kill -9 "$PID"; wait "$PID"; } 2>/dev/null
PID=
mv "$TMP/log" "$TMP/log.1"
start_sizematd --db "$TMP/db" --workdir "$WORK" --profiles "$TOP/profiles"
timeout 300 "$BIN/sizemat" search --status "$ID" --wait --json \
    >"$TMP/resumed.json" 2>/dev/null
check "the search killed after $n builds finishes after a restart" \
    test "$(jq_ "$TMP/resumed.json" search.state)" = done
check "... with the grid's minimum" \
    test "$(jq_ "$TMP/resumed.json" search.winner.value)" = "$MIN"
check "... and no variant built twice" python3 - "$TMP/resumed.json" <<'PY'
import json, sys
keys = [p["variant_key"] for p in json.load(open(sys.argv[1]))["search"]["probes"]]
sys.exit(0 if len(keys) == len(set(keys)) else 1)
PY

# 4b. A search can be stopped: it ends cancelled and its runs with it.
sm search "$TMP/crate" --matrix "$TMP/grid.json" --json >"$TMP/tostop.json"
STOP=$(jq_ "$TMP/tostop.json" search.id)
code=$(curl -s -o "$TMP/stopped.json" -w '%{http_code}' -X DELETE \
    "$SIZEMAT_URL/v1/searches/$STOP")
check "DELETE /v1/searches/ID stops a running search (200, cancelled)" \
    bash -c "test $code = 200 && test \"\$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[\"search\"][\"state\"])' '$TMP/stopped.json')\" = cancelled"
check "... its runs are cancelled too" python3 - "$SIZEMAT_URL" "$STOP" <<'PY'
import json, sys, urllib.request
runs = json.load(urllib.request.urlopen(sys.argv[1] + "/v1/runs?limit=100"))["runs"]
mine = [r for r in runs if r.get("search") == int(sys.argv[2])]
sys.exit(0 if mine and all(r["state"] in ("cancelled", "done") for r in mine) else 1)
PY
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE \
    "$SIZEMAT_URL/v1/searches/$STOP")
check "... and stopping it again is a 409" test "$code" = 409

# 5. Requests a search cannot take.
sm search "$TMP/crate" --matrix stable-min >/dev/null 2>"$TMP/err"
check "a ladder matrix is refused (exit 2), saying a search needs axes" \
    bash -c "test $? = 2 && grep -q 'a search walks the axes' '$TMP/err'"
sm search "$TMP/crate" --matrix "$TMP/grid.json" --metric text_size \
    >/dev/null 2>"$TMP/err"
check "an unknown metric is refused, naming the ones there are" \
    bash -c "test $? = 2 && grep -q 'is not a measurement' '$TMP/err'"
sm search --status 999 >/dev/null 2>"$TMP/err"
check "an unknown search is a clear 404" \
    bash -c "test $? = 2 && grep -q 'no search 999' '$TMP/err'"

# 6. One jobserver for every build: with one core, two build slots take
# turns; with one core or four, the bytes are the same.
cat >"$TMP/two.json" <<'EOF'
{"name": "two", "shape": "axes", "base": {"opt-level": "z"},
 "axes": {"strip": ["none", "symbols"]}}
EOF
for cores in 1 4; do
	{ kill -9 "$PID"; wait "$PID"; } 2>/dev/null
	PID=
	start_sizematd --db "$TMP/cores$cores.db" --workdir "$TMP/w$cores" \
	    --profiles "$TOP/profiles" --jobs 2 --cores "$cores"
	sm run "$TMP/crate" --matrix "$TMP/two.json" --wait --json \
	    >"$TMP/cores$cores.json" 2>/dev/null
	check "two builds with --cores $cores --jobs 2 (exit 0)" test $? = 0
done
check "with one core, the second build started after the first ended" \
    python3 - "$TMP/cores1.json" <<'PY'
import json, sys
b = sorted(json.load(open(sys.argv[1]))["builds"], key=lambda b: b["started_at"])
sys.exit(0 if len(b) == 2 and b[1]["started_at"] >= b[0]["finished_at"] else 1)
PY
check "one core or four, every artifact has the same bytes" python3 - \
    "$TMP/cores1.json" "$TMP/cores4.json" <<'PY'
import hashlib, json, sys
def shas(p):
    return {(b["variant_key"], a["name"]):
            hashlib.sha256(open(a["kept_path"], "rb").read()).hexdigest()
            for b in json.load(open(p))["builds"] for a in b["artifacts"]}
one, four = shas(sys.argv[1]), shas(sys.argv[2])
sys.exit(0 if len(one) == 2 and one == four else 1)
PY

# 7. Within a run, the build expected to take longest starts first: here,
# with nothing recorded, fat LTO before lto=off (queued first).
cat >"$TMP/lto.json" <<'EOF'
{"name": "lto", "shape": "axes", "base": {"opt-level": "z"},
 "axes": {"lto": ["off", "fat"]}}
EOF
sm run "$TMP/crate" --matrix "$TMP/lto.json" --wait -q >/dev/null 2>&1
check "fat LTO started before lto=off, though queued after it" \
    bash -c "grep -o 'build [0-9]*: run [0-9]*, lto=[a-z]*' '$TMP/log' |
        tail -2 | sed 's/.*lto=//' | tr '\n' ' ' | grep -qx 'fat off '"

# 8. A tracked project is searched at one commit, and what was measured
# there with the same rustc is reused, not built again.
sh "$TOP/tests/make-history.sh" "$TMP/repo" >"$TMP/commits"
cat >"$TMP/hgrid.json" <<'EOF'
{"name": "hgrid", "shape": "axes",
 "axes": {"opt-level": ["s", "z"], "strip": ["none", "symbols"]}}
EOF
sm project add hist "$TMP/repo" --matrix "$TMP/hgrid.json" >/dev/null 2>&1
sm run hist --wait -q --json >"$TMP/hrun.json" 2>/dev/null
sm search hist --matrix "$TMP/hgrid.json" --wait -q --json \
    >"$TMP/hsearch.json" 2>/dev/null
check "a tracked project's search at its head reuses every variant its run measured there" \
    python3 - "$TMP/hrun.json" "$TMP/hsearch.json" <<'PY'
import json, sys
run = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))["search"]
low = min(a["file_size"] for b in run["builds"] for a in b["artifacts"])
ok = (s["state"] == "done" and s["certified"] and s["builds"] == 0 and
      s["reused"] == len(s["probes"]) >= 3 and s["winner"]["value"] == low and
      s["commit"] == run["commit"]["id"])
sys.exit(0 if ok else 1)
PY

# 9. Pushed events: a request that waits is answered at the next event,
# not on a poll; one that waits for nothing gets an empty answer.
U=$SIZEMAT_URL
S=$(curl -s "$U/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
curl -s "$U/v1/events?after=$S&timeout_ms=30000" >"$TMP/pushed.json" &
WAITER=$!
sleep 0.5
sm run "$TMP/crate" --matrix "$TMP/two.json" -q >/dev/null 2>&1
wait "$WAITER"
check "a waiting GET /v1/events is answered with the build that started" \
    python3 - "$TMP/pushed.json" "$S" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
e = d["events"]
sys.exit(0 if e and e[0]["event"] == "build_started" and
         e[0]["seq"] == int(sys.argv[2]) + 1 and d["seq"] >= e[-1]["seq"] else 1)
PY
RUN=$(sm runs --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["runs"][0]["id"])')
S=$(curl -s "$U/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
curl -s "$U/v1/runs/$RUN/events?after=$S&timeout_ms=60000" >"$TMP/settled.json"
check "GET /v1/runs/ID/events waits for the run's next event, and says when it is over" \
    python3 - "$TMP/settled.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["events"] or d["over"] else 1)
PY
sm results "$RUN" --wait -q >/dev/null 2>&1
S=$(curl -s "$U/v1/events" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seq"])')
check "with nothing to happen, the wait ends empty after timeout_ms" \
    bash -c "curl -s '$U/v1/events?after=$S&timeout_ms=300' |
        grep -q '\"events\":\[\]'"
check "a bad after is a 400" \
    test "$(curl -s -o /dev/null -w '%{http_code}' "$U/v1/events?after=x")" = 400

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
