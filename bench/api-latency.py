#!/usr/bin/env python3
"""Times every API call the client and the dashboard make, on a seeded
history (bench/seed-history.py): each endpoint is asked N times, one
after another (a new connection each, as the daemon closes every one),
and its p50 and p99, connection included, are printed beside the goal
(20 ms; /metrics 50 ms) with the ratio p99 / goal. Trends and regressions
are kept between changes of the store (daemon/api_cache.c): "computed each
time" asks a different question each call, so it shows the cost of the
first call after a build. Exits 1 when a goal is missed, so a script can
tell; the numbers are the answer.

usage: api-latency.py URL NAME [N]"""
import http.client
import json
import sys
import time
import urllib.parse

url, name = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
u = urllib.parse.urlsplit(url)
con = http.client.HTTPConnection(u.hostname, u.port, timeout=60)


def get(path):
    con.request("GET", path)
    r = con.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit(f"{path}: HTTP {r.status}: {body[:200]!r}")
    return body


def q(s):
    return urllib.parse.quote(s, safe="")


P = "/v1/projects/" + q(name)
project = json.loads(get(P))
key = project["variants"][0]["variant_key"]
trend = json.loads(get(P + "/trend?variant=" + q(key)))["rows"]
base, head = trend[-2]["commit"], trend[-1]["commit"]
jump = json.loads(get(P + "/regressions"))["regressions"][0]["commit"]
runs = json.loads(get("/v1/runs?limit=1"))["runs"]
run = runs[0]["id"]
path = "/nonexistent/" + name

calls = [
    ("trend, one variant", P + "/trend?variant=" + q(key) + "&artifact=" + q(name), 20),
    # A different since each time: never the kept answer, always computed.
    ("trend, computed each time", P + "/trend?variant=" + q(key) + "&artifact=" +
     q(name) + "&since={i}", 20),
    ("trend, default picks", P + "/trend", 20),
    ("trend, last 2 (overview)", P + "/trend?last=2", 20),
    ("project", P, 20),
    ("compare head~1 head", P + "/compare?base=" + base + "&head=" + head, 20),
    ("compare over the jump", P + "/compare?base=" + trend[0]["commit"] + "&head=" + jump, 20),
    ("regressions", P + "/regressions", 20),
    ("projects list", "/v1/projects", 20),
    ("runs list", "/v1/runs?limit=20", 20),
    ("run document", "/v1/runs/%d" % run, 20),
    ("status", "/v1/status", 20),
    ("/metrics", "/metrics", 50),
    ("best, path project", "/v1/best?project=" + q(path) + "&top=10", 20),
]
missed = 0
print(f"{'endpoint':<26} {'p50 ms':>8} {'p99 ms':>8} {'goal':>6} {'p99/goal':>9}")
for label, path_q, goal in calls:
    get(path_q.format(i=n))   # warm: the first call pays for the page cache
    times = []
    for i in range(n):
        t = time.perf_counter()
        get(path_q.format(i=i))
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p50 = times[len(times) // 2]
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    ok = p99 <= goal
    missed += not ok
    print(f"{label:<26} {p50:8.1f} {p99:8.1f} {goal:6d} {p99 / goal:8.2f}x"
          f"{'' if ok else '  MISSED'}")
print(f"{len(calls) - missed} of {len(calls)} endpoints within their goal "
      f"({n} calls each)")
sys.exit(1 if missed else 0)
