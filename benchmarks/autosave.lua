-- wrk script: exam autosaves. Each request saves one answer slot of one attempt,
-- with a sequence number that only grows per connection thread.
-- Environment: BENCH_PATH (default /bench/autosave), BENCH_ATTEMPTS (default 200).
local path = os.getenv("BENCH_PATH") or "/bench/autosave"
local attempts = tonumber(os.getenv("BENCH_ATTEMPTS") or "200")
local headers = {["Content-Type"] = "application/json", ["Accept"] = "application/json"}
local counter = 0

function init(args)
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8)) or 0))
end

function request()
  counter = counter + 1
  local body = string.format(
    '{"attempt":%d,"slot":%d,"seq":%d,"response":{"choice":"B","text":"autosave %d"}}',
    math.random(1, attempts), math.random(1, 60), counter, counter)
  return wrk.format("POST", path, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
