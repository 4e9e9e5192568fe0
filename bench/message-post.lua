-- wrk script: durable message posts, the service desk's hot write. Each request posts a
-- ~50-byte customer message to one of the conversations listed in $CONVERSATIONS_FILE (one id
-- per line) with a fresh Idempotency-Key, as a channel integration does.
local token = os.getenv("SWITCHBOARD_TOKEN")
local ids = {}
for line in io.lines(os.getenv("CONVERSATIONS_FILE")) do ids[#ids + 1] = line end
local body = '{"author":{"type":"customer"},"text":"Hello, my parcel has not arrived yet. Order 12345"}'
local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}
counter = 0

setup = function(thread)
  thread:set("prefix", tostring(math.random(1, 1000000000)))
end

request = function()
  counter = counter + 1
  headers["Idempotency-Key"] = prefix .. "-" .. counter
  local id = ids[math.random(1, #ids)]
  return wrk.format("POST", "/v1/conversations/" .. id .. "/messages", headers, body)
end
