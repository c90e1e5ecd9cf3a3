-- wrk script: GET /api/v1/timelines/home with a different seeded account's token per
-- request (tokens from the file named by the TOKENS environment variable).
local tokens = {}
local i = 0

function init(args)
  for line in io.lines(os.getenv("TOKENS")) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
end

function request()
  i = i % #tokens + 1
  return wrk.format("GET", "/api/v1/timelines/home", { ["Authorization"] = "Bearer " .. tokens[i] })
end

function response(status, headers, body)
  if status ~= 200 then error("home timeline answered " .. status) end
end
