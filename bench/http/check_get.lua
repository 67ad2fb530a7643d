-- GET /v1/check?phone=... cycling through a million numbers that are not
-- listed (+8498xxxxxxx), so that every request is a filter miss and no two
-- consecutive requests ask the same thing.
local counter = 0
local thread_id = 0
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  counter = id * 100003
end

request = function()
  counter = counter + 1
  local n = counter % 1000000
  return wrk.format("GET", string.format("/v1/check?phone=098%07d", n))
end
