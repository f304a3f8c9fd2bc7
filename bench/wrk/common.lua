-- Shared by the scenario scripts: the targets file bench/load.py writes, random picks,
-- counting answers by status, stopping after a number of requests, and one JSON summary.
--
-- Every scenario script is run as
--   wrk ... -s bench/wrk/<scenario>.lua URL -- <targets file> [<requests per thread>]
-- The targets file holds one "kind value..." line per item: "key <secret>",
-- "read <session id> <messages>", "append <session id>", "user <user id>", "query <text>".

local common = {}

common.targets = { key = nil, read = {}, append = {}, user = {}, query = {} }
common.limit = 0 -- requests this thread sends before it stops; 0: until the duration ends

local threads = {}

function common.init(args)
  -- Each thread its own sequence: seed from the clock and this state's table addresses.
  local address = tostring({}):match("0x(%x+)") or "0"
  math.randomseed(os.time() + tonumber(address:sub(-6), 16))
  if args[1] then
    for line in io.lines(args[1]) do
      local kind, rest = line:match("^(%S+)%s+(.*)$")
      if kind == "key" then
        common.targets.key = rest
      elseif kind == "read" then
        local id, count = rest:match("^(%S+)%s+(%d+)$")
        table.insert(common.targets.read, { id = id, count = tonumber(count) })
      elseif kind and common.targets[kind] then
        table.insert(common.targets[kind], rest)
      end
    end
  end
  common.limit = tonumber(args[2] or "0") or 0
end

function common.pick(list)
  return list[math.random(#list)]
end

function common.get(path)
  return wrk.format("GET", path, { ["X-API-Key"] = common.targets.key })
end

function common.post(path, body)
  local headers = { ["X-API-Key"] = common.targets.key, ["Content-Type"] = "application/json" }
  return wrk.format("POST", path, headers, body)
end

-- Percent-encoding for query values.
function common.quote(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function common.setup(thread)
  table.insert(threads, thread)
end

function common.response(status, headers, body)
  -- Globals, so that `done` (in the main Lua state) can read them from each thread.
  answered = (answered or 0) + 1
  statuses = statuses or {}
  statuses[status] = (statuses[status] or 0) + 1
  if common.limit > 0 and answered == common.limit then
    -- wrk itself waits out its duration; bench/load.py ends it (SIGINT) on this line.
    io.write("WRK-THREAD-DONE\n")
    io.flush()
    wrk.thread:stop()
  end
end

function common.done(summary, latency, requests)
  local counts, bad = {}, 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses") or {}) do
      counts[code] = (counts[code] or 0) + count
      if code < 200 or code > 299 then
        bad = bad + count
      end
    end
  end
  local listed = {}
  for code, count in pairs(counts) do
    table.insert(listed, string.format('"%d": %d', code, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non_2xx": %d, '
      .. '"statuses": {%s}, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
      .. '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, '
      .. '"mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, bad, table.concat(listed, ", "),
    errors.connect, errors.read, errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean
  ))
end

-- The hooks wrk calls; each scenario script adds its own `request`.
function common.install()
  setup = common.setup
  init = common.init
  response = common.response
  done = common.done
end

return common
