-- wrk script: cycle through the request paths listed in a file, one per line,
-- and print a JSON summary (requests/s, latency percentiles in ms, errors) at the end.
-- usage: wrk -t2 -c16 -d10s -s bench/mix.lua http://host:port -- paths.txt "Accept value" [threads]
-- Thread k of n starts at path k/n of the list: two threads never ask for the same path
-- close together, so with more paths than a cache holds, a request is never a cache hit.

local paths = {}
local accept = "application/sparql-results+json"
local counter = 0
local threads_made = 0

function setup(thread)
  thread:set("id", threads_made)
  threads_made = threads_made + 1
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  if args[2] then accept = args[2] end
  local n = tonumber(args[3] or "1")
  counter = math.floor((id or 0) * #paths / n)
end

function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter], { ["Accept"] = accept })
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '\nWRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "p50_ms": %.3f, ' ..
    '"p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "socket_errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, errors.connect + errors.read + errors.write + errors.timeout,
    errors.status))
end
