-- KEYS[1] thresholds hash, KEYS[2] levels-up zset, KEYS[3] levels-down zset
-- ARGV: ref, id
local member = ARGV[1] .. '#' .. ARGV[2]
redis.call('ZREM', KEYS[2], member)
redis.call('ZREM', KEYS[3], member)
return redis.call('HDEL', KEYS[1], ARGV[2])
