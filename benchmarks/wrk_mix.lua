-- The one load client of the benchmark suite (benchmarks/suite.py), for every HTTP endpoint:
--
--   wrk -t2 -c8 -d15s --latency --timeout 60s -s benchmarks/wrk_mix.lua URL -- PATHS [ACCEPT]
--
-- PATHS is a file of request paths (with their query strings), one a line; every
-- connection sends GET requests for them in turn (each thread starts at another offset), with
-- the Accept header ACCEPT (default application/sparql-results+json). At the end it prints
-- one line "WRK_JSON {...}": requests, duration, latency percentiles (microseconds), wrk's
-- error counters and the number of responses per HTTP status, counted by a response hook.

local paths = {}
local position = 0
local accept = "application/sparql-results+json"
statuses = {}

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file = args[1]
  if args[2] and #args[2] > 0 then
    accept = args[2]
  end
  for line in io.lines(file) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  npaths = #paths
  if #paths == 0 then
    error("no request paths in " .. tostring(file))
  end
  -- threads start at different offsets, so the mix is spread over the connections
  position = (id or 0) * 7919 % #paths
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position], { ["Accept"] = accept })
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

local function quote(s)
  return '"' .. tostring(s):gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for status, n in pairs(counts) do
      merged[status] = (merged[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(merged) do
    table.insert(parts, quote(status) .. ":" .. n)
  end
  local percentiles = {}
  for _, p in ipairs({ 50, 75, 90, 99, 99.9 }) do
    table.insert(percentiles, quote(p) .. ":" .. latency:percentile(p))
  end
  local e = summary.errors
  io.write("WRK_JSON {",
    '"requests":', summary.requests, ",",
    '"duration_us":', summary.duration, ",",
    '"bytes":', summary.bytes, ",",
    '"latency_us":{"min":', latency.min, ',"max":', latency.max, ',"mean":', latency.mean,
    ',"stdev":', latency.stdev, ',"percentiles":{', table.concat(percentiles, ","), "}},",
    '"errors":{"connect":', e.connect, ',"read":', e.read, ',"write":', e.write,
    ',"status":', e.status, ',"timeout":', e.timeout, "},",
    '"statuses":{', table.concat(parts, ","), "},",
    "\"paths\":", (threads[1] and threads[1]:get("npaths") or 0),
    "}\n")
end
