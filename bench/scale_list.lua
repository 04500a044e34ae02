-- wrk script of bench/scale.sh: the rep's account list, GET
-- /api/v1/accounts?limit=200 with the API token of a random rep (one token
-- a line in $SCALE_TOKENS; each thread draws from its own seeded sequence).
-- Counts the answers the servers' list cache gave (X-Regio-Cache: hit)
-- and made (miss).
local tokens = {}
for line in io.lines(os.getenv("SCALE_TOKENS")) do
  tokens[#tokens + 1] = line
end
local n = 0
function init(args)
  math.randomseed(tonumber(os.getenv("SCALE_SEED") or "2026") + (id or 0))
end
function request()
  local t = tokens[math.random(#tokens)]
  return wrk.format("GET", "/api/v1/accounts?limit=200", { ["Authorization"] = "Bearer " .. t })
end
bad = 0
hits = 0
misses = 0
function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
  local c = headers["X-Regio-Cache"] or headers["x-regio-cache"]
  if c == "hit" then hits = hits + 1 elseif c == "miss" then misses = misses + 1 end
end
local threads = {}
function setup(thread)
  n = n + 1
  thread:set("id", n)
  threads[#threads + 1] = thread
end
function done(summary, latency, requests)
  local b, h, m = 0, 0, 0
  for _, t in ipairs(threads) do
    b = b + (t:get("bad") or 0)
    h = h + (t:get("hits") or 0)
    m = m + (t:get("misses") or 0)
  end
  io.write(string.format("scale: non-200 %d, cache hits %d, misses %d\n", b, h, m))
end
