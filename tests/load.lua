-- wrk script for tests/load.sh: each request takes the next query endpoint
-- in turn, and every answer that is not 200 is counted.
local paths = {}
local i = 0
bad = 0  -- a global, so that done() can read each thread's count
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   for _, p in ipairs(args) do table.insert(paths, p) end
end

function request()
   i = i % #paths + 1
   return wrk.format("GET", paths[i])
end

function response(status, headers, body)
   if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
   local total = 0
   for _, t in ipairs(threads) do total = total + t:get("bad") end
   io.write(string.format("load: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
      latency:percentile(50) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000))
   io.write(string.format("load: %d requests, %.0f per second, %d not 200, " ..
      "%d socket errors\n", summary.requests,
      summary.requests / (summary.duration / 1e6), total,
      summary.errors.connect + summary.errors.read + summary.errors.write +
      summary.errors.timeout))
end
