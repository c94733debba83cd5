-- Re-arm a level that fired in repeat mode once the price is back beyond the band and the
-- cooldown is over; a level set after the price had passed it (fired_at 0) has no cooldown.
-- KEYS[1] thresholds hash, KEYS[2] levels-up, KEYS[3] levels-down, KEYS[4] rearm-up,
-- KEYS[5] rearm-down, KEYS[6] chat hash
-- ARGV: ref, id, price, now (ms), cooldown (ms), band (fraction)
local raw = redis.call('HGET', KEYS[1], ARGV[2])
local member = ARGV[1] .. '#' .. ARGV[2]
if not raw then
  redis.call('ZREM', KEYS[4], member)
  redis.call('ZREM', KEYS[5], member)
  return 0
end
local t = cjson.decode(raw)
if t.armed ~= false then
  redis.call('ZREM', KEYS[4], member)
  redis.call('ZREM', KEYS[5], member)
  return 0
end
local now = tonumber(ARGV[4])
local fired = tonumber(t.fired_at) or 0
if fired > 0 and now < fired + tonumber(ARGV[5]) then return 0 end
local band = tonumber(ARGV[6])
local level = tonumber(t.level)
local price = tonumber(ARGV[3])
local side
if price >= level * (1 + band) and price > level then
  side = 'above'
elseif price <= level * (1 - band) and price < level then
  side = 'below'
else
  return 0
end
if t.direction == 'below' and side ~= 'above' then return 0 end
if t.direction == 'above' and side ~= 'below' then return 0 end
t.armed = true
t.side = side
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(t))
redis.call('ZREM', KEYS[4], member)
redis.call('ZREM', KEYS[5], member)
if redis.call('HGET', KEYS[6], 'active') == '1' then
  if t.direction ~= 'below' then redis.call('ZADD', KEYS[2], t.level, member) end
  if t.direction ~= 'above' then redis.call('ZADD', KEYS[3], t.level, member) end
end
return 1
