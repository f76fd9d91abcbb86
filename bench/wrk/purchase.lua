-- Durable POST /v1/customers/{id}/purchases, a new tab id each time, spread
-- over the customers listed in ids.lua (written by scripts/api_bench.sh).
local ids = dofile(os.getenv("IDS_FILE"))
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
local n = 0
request = function()
  n = n + 1
  local id = ids[(n * 7 + tid) % #ids + 1]
  local body = string.format('{"tab_id":"bench-%d-%d-%d","amount":1250}', tid, n, os.time())
  return wrk.format("POST", "/v1/customers/" .. id .. "/purchases", nil, body)
end
