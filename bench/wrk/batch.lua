-- Durable POST /v1/batch: BATCH_SIZE (default 1000) purchases per request, a
-- new tab id each, spread over the customers listed in ids.lua (written by
-- scripts/api_bench.sh).
local ids = dofile(os.getenv("IDS_FILE"))
local size = tonumber(os.getenv("BATCH_SIZE") or "1000")
local thread_count = 0
setup = function(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
local n = 0
local start = os.time()
request = function()
  local parts = {}
  for k = 1, size do
    n = n + 1
    local id = ids[(n * 7 + tid) % #ids + 1]
    parts[k] = string.format(
      '{"kind":"purchase","customer":"%s","body":{"tab_id":"batch-%d-%d-%d","amount":1250}}',
      id, tid, n, start)
  end
  local body = '{"commands":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/v1/batch", nil, body)
end
