-- wrk script: posts a fixed number of customer messages (LOAD_MESSAGES in total, split evenly
-- over wrk's threads; LOAD_THREADS must equal wrk's -t) to the conversations in
-- $CONVERSATIONS_FILE, then stops sending (wrk itself ends on SIGINT or at -d; bench/footprint.py
-- sends SIGINT once the commits are in). The same requests as message-post.lua. done() prints
-- `loaded=N` (the posts answered 2xx).
local token = os.getenv("SWITCHBOARD_TOKEN")
local ids = {}
for line in io.lines(os.getenv("CONVERSATIONS_FILE")) do ids[#ids + 1] = line end
local body = '{"author":{"type":"customer"},"text":"Hello, my parcel has not arrived yet. Order 12345"}'
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
local limit = math.ceil(tonumber(os.getenv("LOAD_MESSAGES")) / tonumber(os.getenv("LOAD_THREADS") or "2"))
counter = 0
answered = 0

setup = function(thread)
  thread:set("prefix", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  headers["Idempotency-Key"] = "load-" .. prefix .. "-" .. counter
  local id = ids[math.random(1, #ids)]
  return wrk.format("POST", "/v1/conversations/" .. id .. "/messages", headers, body)
end

response = function(status, headers, body)
  answered = answered + 1
  if answered >= limit then wrk.thread:stop() end
end

done = function(summary, latency, requests)
  local failed = summary.errors.status + summary.errors.timeout + summary.errors.read + summary.errors.write
  io.write(string.format("loaded=%d failed=%d seconds=%.1f\n", summary.requests - failed, failed, summary.duration / 1e6))
end
