-- KEYS[1] thresholds hash, KEYS[2] levels-up, KEYS[3] levels-down, KEYS[4] rearm-up,
-- KEYS[5] rearm-down; ARGV: ref, id
local member = ARGV[1] .. '#' .. ARGV[2]
for i = 2, 5 do redis.call('ZREM', KEYS[i], member) end
return redis.call('HDEL', KEYS[1], ARGV[2])
