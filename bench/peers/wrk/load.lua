-- One wrk script for every workload of bench/peers.sh, driven by environment variables so that
-- each system gets the same request mix in its own URL and body layout:
--   W_PATH        request path; "{id}" becomes a random id in 1..W_N formatted with W_IDFMT
--   W_N, W_IDFMT  id range and printf format ("%d", "%015d")
--   W_METHOD      GET (default) or POST
--   W_BODY        JSON body; "{n}" a request counter, "{views}" n % 1000, "{author}" a random
--                 user id in 1..W_USERS formatted with W_IDFMT
--   W_AUTH        Authorization header value
--   W_WRITE_PCT, W_WRITE_PATH, W_WRITE_BODY   mix in that share of POSTs (W7)
local path = os.getenv("W_PATH")
local idfmt = os.getenv("W_IDFMT") or "%d"
local n_ids = tonumber(os.getenv("W_N") or "1")
local users = tonumber(os.getenv("W_USERS") or "1")
local method = os.getenv("W_METHOD") or "GET"
local body = os.getenv("W_BODY")
local auth = os.getenv("W_AUTH")
local write_pct = tonumber(os.getenv("W_WRITE_PCT") or "0")
local write_path = os.getenv("W_WRITE_PATH")
local write_body = os.getenv("W_WRITE_BODY")
math.randomseed(tonumber(os.getenv("W_SEED") or "42"))
local run = math.random(1, 1e9)
local n = 0

local function fill(s)
  s = s:gsub("{id}", function() return string.format(idfmt, math.random(1, n_ids)) end)
  s = s:gsub("{author}", function() return string.format(idfmt, math.random(1, users)) end)
  s = s:gsub("{n}", run .. "-" .. n)
  s = s:gsub("{views}", tostring(n % 1000))
  return s
end

local get_headers = {}
local post_headers = {["Content-Type"] = "application/json"}
if auth then
  get_headers["Authorization"] = auth
  post_headers["Authorization"] = auth
end

request = function()
  n = n + 1
  if write_pct > 0 and math.random(1, 100) <= write_pct then
    return wrk.format("POST", write_path, post_headers, fill(write_body))
  end
  if body then
    return wrk.format(method, fill(path), post_headers, fill(body))
  end
  return wrk.format(method, fill(path), get_headers)
end
