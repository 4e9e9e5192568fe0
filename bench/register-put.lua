-- wrk script: durable writes to Switchboard's register API (PUT of a 48-byte value), the same
-- shape as the etcd anchor's puts. Keys cycle over 100,000 names.
local token = os.getenv("SWITCHBOARD_TOKEN")
counter = 0
request = function()
  counter = counter + 1
  local key = "k" .. string.format("%08d", counter % 100000)
  local body = '{"value":"eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4"}'
  return wrk.format("PUT", "/v1/registers/" .. key,
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
