-- wrk script of the load test (bench/load/run.py writes the request list and reads the logs).
--
--   wrk -t4 -c4 -d30s -s bench/load/mix.lua http://127.0.0.1:8765 -- <requests.tsv> <log prefix>
--
-- <requests.tsv>: one request a line, "kind TAB method TAB path TAB auth TAB body", auth being
-- "c:<session key>" (session cookie), "t:<token>" (API token, no cookie: no CSRF) or "-".
-- Every thread cycles through the list from its own starting line and writes, per
-- completed response, "kind status latency_us" to <log prefix><thread>.log.
--
-- Latency is taken with clock_gettime (LuaJIT ffi) in request() and response(). That pairs
-- a response with its request only when each thread has ONE connection (-t N -c N): the
-- run script always starts wrk that way.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local CLOCK_MONOTONIC = 1

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local counter = 0
function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end

local reqs, kinds = {}, {}
local n, pos, started, current, out, unflushed = 0, 1, nil, nil, nil, 0

function init(args)
  -- args[0] is the URL; then the arguments after "--"
  local file, prefix = args[1], args[2]
  for line in io.lines(file) do
    local kind, method, path, auth, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    if kind then
      local headers = {}
      if auth:sub(1, 2) == "c:" then
        headers["Cookie"] = "sessionid=" .. auth:sub(3)
      elseif auth:sub(1, 2) == "t:" then
        headers["Authorization"] = "Token " .. auth:sub(3)
      end
      if path:sub(1, 5) == "/api/" then
        headers["Accept"] = "application/json"
      else
        headers["Accept"] = "text/html"
      end
      if body == "-" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      n = n + 1
      reqs[n] = wrk.format(method, path, headers, body)
      kinds[n] = kind
    end
  end
  -- each thread starts at its own point of the list (a prime stride)
  pos = ((thread_id or 0) * 7919) % n + 1
  out = io.open(prefix .. tostring(thread_id or 0) .. ".log", "w")
end

function request()
  current = kinds[pos]
  local r = reqs[pos]
  pos = pos % n + 1
  started = now_us()
  return r
end

function response(status, headers, body)
  if started ~= nil and out ~= nil then
    out:write(current, " ", status, " ", now_us() - started, "\n")
    unflushed = unflushed + 1
    if unflushed >= 100 then
      out:flush()
      unflushed = 0
    end
  end
  started = nil
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKSUMMARY {\"duration_us\": %d, \"requests\": %d, \"connect\": %d, \"read\": %d, " ..
    "\"write\": %d, \"status\": %d, \"timeout\": %d}\n",
    summary.duration, summary.requests, e.connect, e.read, e.write, e.status, e.timeout))
end
