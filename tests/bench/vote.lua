-- vote.lua: wrk script: every request is one vote from a distinct voter.
-- args: a file of "path<TAB>token" lines; thread k of n takes lines k, k+n, ...
-- Counts 2xx answers per thread so done() can report acknowledged votes.
local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[2]) or 1
  lines, cursor, ok, failed, exhausted = {}, 0, 0, 0, 0
  local i = 0
  for line in io.lines(args[1]) do
    if i % n == id then
      local tab = line:find("\t", 1, true)
      table.insert(lines, { line:sub(1, tab - 1), line:sub(tab + 1) })
    end
    i = i + 1
  end
end

function request()
  cursor = cursor + 1
  local l = lines[cursor]
  if l == nil then
    -- Out of distinct voters: ask for something harmless rather than repeat a vote.
    exhausted = exhausted + 1
    return wrk.format("GET", "/songs?title=zzzz-bench-none")
  end
  return wrk.format("PUT", l[1], {
    ["Authorization"] = "Bearer " .. l[2],
    ["Content-Type"] = "application/json",
  }, '{"value":1}')
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else failed = failed + 1 end
end

function done(summary, latency, requests)
  local t_ok, t_failed, t_exhausted = 0, 0, 0
  for _, t in ipairs(threads) do
    t_ok = t_ok + t:get("ok")
    t_failed = t_failed + t:get("failed")
    t_exhausted = t_exhausted + t:get("exhausted")
  end
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"ok":%d,"failed":%d,"exhausted":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f,"mean":%.3f}\n',
    summary.requests, summary.duration, t_ok - t_exhausted, t_failed, t_exhausted,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
