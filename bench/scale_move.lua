-- wrk script of bench/scale.sh: a territory edit, POST
-- /api/v1/models/edit/moves of a random unit (U000000 … of $SCALE_UNITS) to
-- a random territory (T…) with the revision the thread last saw. A 409
-- stale_revision answer carries the current revision: the thread takes it
-- for its next request and counts the conflict.
local units = tonumber(os.getenv("SCALE_UNITS"))
local token = os.getenv("SCALE_MANAGER_TOKEN")
revision = tonumber(os.getenv("SCALE_REVISION"))
stale, ok, other = 0, 0, 0
other_status = 0
local threads, n = {}, 0
function setup(thread)
  n = n + 1
  thread:set("id", n)
  threads[#threads + 1] = thread
end
function init(args)
  math.randomseed(tonumber(os.getenv("SCALE_SEED") or "2026") + (id or 0))
end
function request()
  local body = string.format('{"revision":%d,"moves":[{"unit":"U%06d","to":"T%06d"}]}',
    revision, math.random(units) - 1, math.random(units) - 1)
  return wrk.format("POST", "/api/v1/models/edit/moves",
    { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }, body)
end
function response(status, headers, body)
  local r = tonumber(string.match(body, '"revision"%s*:%s*(%d+)'))
  if r then revision = r end
  if status == 200 then ok = ok + 1
  elseif status == 409 then stale = stale + 1
  else
    other = other + 1
    other_status = status
  end
end
function done(summary, latency, requests)
  local s, o, x, st = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    s = s + t:get("stale"); o = o + t:get("ok"); x = x + t:get("other")
    if t:get("other_status") ~= 0 then st = t:get("other_status") end
  end
  io.write(string.format("scale: moved %d, 409 stale %d, other %d (last other status %d)\n",
    o, s, x, st))
end
