-- wrk script: opens conversations for new customers (OPEN_CONVERSATIONS in total, split evenly
-- over wrk's threads; LOAD_THREADS must equal wrk's -t), as a channel does when strangers
-- write in, then stops sending (wrk itself ends on SIGINT or at -d; bench/footprint.py sends
-- SIGINT once the commits are in). done() prints `opened=N`.
local token = os.getenv("SWITCHBOARD_TOKEN")
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
local limit = math.ceil(tonumber(os.getenv("OPEN_CONVERSATIONS")) / tonumber(os.getenv("LOAD_THREADS") or "2"))
counter = 0
answered = 0

setup = function(thread)
  thread:set("prefix", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  local name = "footprint-" .. prefix .. "-" .. counter
  headers["Idempotency-Key"] = name
  local body = '{"customer":{"externalId":"' .. name .. '","name":"Customer ' .. counter ..
    '"},"channel":"web","language":"en","subject":"Where is my order?"}'
  return wrk.format("POST", "/v1/conversations", headers, body)
end

response = function(status, headers, body)
  answered = answered + 1
  if answered >= limit then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.timeout + summary.errors.read + summary.errors.write
  io.write(string.format("opened=%d failed=%d seconds=%.1f\n", summary.requests - failed, failed, summary.duration / 1e6))
end
