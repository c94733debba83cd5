-- Claim one crossing of one level, atomically: with several instances it fires once.
-- KEYS[1] thresholds hash, KEYS[2] levels-up, KEYS[3] levels-down, KEYS[4] rearm-up,
-- KEYS[5] rearm-down
-- ARGV: ref, id, crossed to ('above' | 'below'), now (ms)
-- Returns 0 (nothing to fire), 1 (fired, retired) or 1 + fire_seq (fired, repeat mode).
local raw = redis.call('HGET', KEYS[1], ARGV[2])
local member = ARGV[1] .. '#' .. ARGV[2]
if not raw then
  redis.call('ZREM', KEYS[2], member)
  redis.call('ZREM', KEYS[3], member)
  return 0
end
local t = cjson.decode(raw)
if t.armed == false then return 0 end
if t.direction ~= 'cross' and t.direction ~= ARGV[3] then return 0 end
if t.side == ARGV[3] then return 0 end
redis.call('ZREM', KEYS[2], member)
redis.call('ZREM', KEYS[3], member)
local expires = t.expires_ms
if expires and expires ~= cjson.null and tonumber(expires) < tonumber(ARGV[4]) then
  redis.call('HDEL', KEYS[1], ARGV[2])
  return 0
end
if t.mode ~= 'repeat' then
  redis.call('HDEL', KEYS[1], ARGV[2])
  return 1
end
t.armed = false
t.side = ARGV[3]
t.fired_at = tonumber(ARGV[4])
t.fire_seq = (tonumber(t.fire_seq) or 0) + 1
redis.call('HSET', KEYS[1], ARGV[2], cjson.encode(t))
if t.direction ~= 'above' then redis.call('ZADD', KEYS[4], t.level, member) end
if t.direction ~= 'below' then redis.call('ZADD', KEYS[5], t.level, member) end
return 1 + t.fire_seq
