-- create-code-publish (scripts/bench-load.sh's case) written for wrk, to show what wrk can
-- and cannot measure (docs/PERFORMANCE.md, "Why our own load generator"). Every pass makes
-- a function, updates its code, publishes it; names are unique per thread and pass.
--
-- wrk calls request() per *thread*, not per connection: with more connections than
-- threads, the three steps of one pass go out on different connections at once, so the
-- code update or the publish can reach the server before the create (404 FSS.1051).
-- Run with -t equal to -c (one connection per thread) and the order holds.
local P = "0123456789abcdef0123456789abcdef"
local F = "/v2/" .. P .. "/fgs/functions"
local CREATE = '{"func_name":"%s","package":"default","runtime":"Python3.9","handler":"index.handler","memory_size":256,"timeout":30,"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJuICdoZWxsbycK"}}'
-- New code every pass: a base64 prefix (length divisible by 4) + 10 digits + 2 = valid base64.
local CODE = '{"code_type":"inline","code_filename":"index.py","func_code":{"file":"ZGVmIGhhbmRsZXIoZXZlbnQsIGNvbnRleHQpOgogICAgcmV0dXJu%010dAA"}}'
local TAG = os.getenv("TAG") or "x"

local threads, all = 0, {}
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
  all[threads] = thread
end
id = 0 -- a global: thread:set() writes the thread's globals

wrk.headers["X-Auth-Token"] = "bench"
wrk.headers["Content-Type"] = "application/json"
local n, step = 0, 0
local function urn(name)
  return "urn:fss:cn-north-4:" .. P .. ":function:default:" .. name .. ":latest"
end
function request()
  step = step % 3 + 1
  if step == 1 then n = n + 1 end
  local name = string.format("wrk%s-%d-%d", TAG, id, n)
  if step == 1 then return wrk.format("POST", F, nil, string.format(CREATE, name)) end
  if step == 2 then
    return wrk.format("PUT", F .. "/" .. urn(name) .. "/code", nil, string.format(CODE, n))
  end
  return wrk.format("POST", F .. "/" .. urn(name) .. "/versions", nil, '{"version":"v1"}')
end

-- The first non-2xx answer per thread, printed at the end.
bad = nil
function response(status, headers, body)
  if status >= 300 and not bad then bad = status .. " " .. body:sub(1, 160) end
end
function done()
  for i, t in ipairs(all) do
    local b = t:get("bad")
    if b then print("FIRST-ERROR thread " .. i .. ": " .. b) end
  end
end
