-- POST /v1/customers with a new name each time (seeding the table).
local n = 0
request = function()
  n = n + 1
  local body = string.format('{"first_name":"Ada%d","last_name":"Lovelace%d","email":"ada%d@example.com"}',
                             n, n % 997, n)
  return wrk.format("POST", "/v1/customers", nil, body)
end
