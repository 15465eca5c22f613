-- get.lua: wrk script for plain GETs: prints latency percentiles as one JSON line.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok, failed = 0, 0 end
function response(status) if status == 200 then ok = ok + 1 else failed = failed + 1 end end
function done(summary, latency, requests)
  local t_ok, t_failed = 0, 0
  for _, t in ipairs(threads) do t_ok = t_ok + t:get("ok"); t_failed = t_failed + t:get("failed") end
  io.write(string.format(
    'WRKJSON {"requests":%d,"durationUs":%d,"ok":%d,"failed":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"p50":%.3f,"p90":%.3f,"p99":%.3f,"max":%.3f,"mean":%.3f}\n',
    summary.requests, summary.duration, t_ok, t_failed,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000))
end
