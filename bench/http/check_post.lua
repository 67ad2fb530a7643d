-- POST /v1/check with 1000 phone numbers per request (all misses). The
-- request is built once per thread: checks/s = requests/s × 1000.
local body

function init(args)
  local items = {}
  for i = 1, 1000 do
    items[i] = string.format('{"phone":"098%07d"}', (id or 0) * 1000 + i)
  end
  body = '{"items":[' .. table.concat(items, ",") .. ']}'
end

function setup(thread)
  thread:set("id", math.random(0, 9000))
end

request = function()
  return wrk.format("POST", "/v1/check", {["Content-Type"] = "application/json"}, body)
end
