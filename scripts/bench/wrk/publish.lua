-- publish written for wrk: every request publishes a new version (a unique name, v1, v2, ..
-- per thread) into the function pub-$TAG-<thread number>, which must exist beforehand.
local P = "0123456789abcdef0123456789abcdef"
local TAG = os.getenv("TAG") or "x"
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
id = 0 -- a global: thread:set() writes the thread's globals

wrk.method = "POST"
wrk.headers["X-Auth-Token"] = "bench"
wrk.headers["Content-Type"] = "application/json"
local n = 0
function request()
  n = n + 1
  local path = string.format(
    "/v2/%s/fgs/functions/urn:fss:cn-north-4:%s:function:default:pub-%s-%d:latest/versions",
    P, P, TAG, id)
  return wrk.format(nil, path, nil, string.format('{"version":"v%d","description":"benchmark"}', n))
end
