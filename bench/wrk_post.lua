-- wrk script for bench/ack.py: POSTs pre-signed Retell webhooks, one line per request in the
-- file given after `--` ("<x-retell-signature>\t<body>"), each body a distinct call.
local bodies, sigs = {}, {}
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("offset", threads)
end

function init(args)
  for line in io.lines(args[1]) do
    local tab = string.find(line, "\t")
    sigs[#sigs + 1] = string.sub(line, 1, tab - 1)
    bodies[#bodies + 1] = string.sub(line, tab + 1)
  end
  counter = (offset - 1) * 100000
end

function request()
  counter = counter + 1
  local i = (counter % #bodies) + 1
  local headers = {["content-type"] = "application/json", ["x-retell-signature"] = sigs[i]}
  return wrk.format("POST", nil, headers, bodies[i])
end
