-- wrk script: POST /api/v1/statuses as the seeded accounts, each request a new text.
local tokens = {}
local i = 0
local n = 0

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  n = math.random(1, 1000000000)
end

function request()
  i = i % #tokens + 1
  n = n + 1
  local body = "status=Benchmark+post+" .. n .. "+with+a+%23hashtag+and+https%3A%2F%2Fexample.com%2F"
  return wrk.format("POST", "/api/v1/statuses", {
    ["Authorization"] = "Bearer " .. tokens[i],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end

function response(status, headers, body)
  if status ~= 200 then error("posting answered " .. status) end
end
