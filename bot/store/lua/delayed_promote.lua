-- Move deliveries whose retry time has come from the delayed set back into the stream.
-- KEYS[1] delayed zset, KEYS[2] outbox stream, KEYS[3] queued counter; ARGV: now (ms), limit
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
for _, member in ipairs(due) do
  local d = cjson.decode(member)
  redis.call('XADD', KEYS[2], '*', 'e', d.e, 'c', d.c, 'a', tostring(d.a))
  redis.call('ZREM', KEYS[1], member)
end
if #due > 0 then redis.call('INCRBY', KEYS[3], #due) end
return #due
