-- threshold_claim.lua for many levels of one partition in one call (one slot: every key
-- carries the partition's hash tag).
-- KEYS[1] levels-up, KEYS[2] levels-down, KEYS[3] rearm-up, KEYS[4] rearm-down,
-- KEYS[5..] the thresholds hash of each level's chat, in the order of the levels
-- ARGV[1] crossed to, ARGV[2] now (ms), then per level its index member, "<ref>#<id>"
-- (one argument a level: encoding them is much of a large claim's cost)
-- Returns one result per level, as threshold_claim.lua does.
local out = {}
local gone = {}  -- members leaving the armed index, removed in one ZREM per key
local n = #ARGV - 2
for i = 1, n do
  local hash = KEYS[4 + i]
  local member = ARGV[2 + i]
  local id = string.match(member, '#([^#]*)$')
  local result = 0
  local raw = redis.call('HGET', hash, id)
  if not raw then
    gone[#gone + 1] = member
  else
    local t = cjson.decode(raw)
    if t.armed ~= false and (t.direction == 'cross' or t.direction == ARGV[1])
        and t.side ~= ARGV[1] then
      gone[#gone + 1] = member
      local expires = t.expires_ms
      if expires and expires ~= cjson.null and tonumber(expires) < tonumber(ARGV[2]) then
        redis.call('HDEL', hash, id)
      elseif t.mode ~= 'repeat' then
        redis.call('HDEL', hash, id)
        result = 1
      else
        t.armed = false
        t.side = ARGV[1]
        t.fired_at = tonumber(ARGV[2])
        t.fire_seq = (tonumber(t.fire_seq) or 0) + 1
        redis.call('HSET', hash, id, cjson.encode(t))
        if t.direction ~= 'above' then redis.call('ZADD', KEYS[3], t.level, member) end
        if t.direction ~= 'below' then redis.call('ZADD', KEYS[4], t.level, member) end
        result = 1 + t.fire_seq
      end
    end
  end
  out[i] = result
end
for start = 1, #gone, 1000 do
  local stop = math.min(start + 999, #gone)
  redis.call('ZREM', KEYS[1], unpack(gone, start, stop))
  redis.call('ZREM', KEYS[2], unpack(gone, start, stop))
end
return out
