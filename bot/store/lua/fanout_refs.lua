-- Fan an event out to listed chats (e.g. the owners of crossed price levels).
-- KEYS[1] sent set; KEYS[2i], KEYS[2i+1]: outbox stream and queued counter of the i-th
-- platform in ARGV[3]
-- ARGV: event key, sent-set TTL, platform names (comma), ref...
local streams, counters = {}, {}
local i = 0
for p in string.gmatch(ARGV[3], '[^,]+') do
  i = i + 1
  streams[p] = KEYS[2 * i]
  counters[p] = KEYS[2 * i + 1]
end
local queued = 0
for j = 4, #ARGV do
  local ref = ARGV[j]
  local platform = string.match(ref, '^([^:]+):')
  local stream = streams[platform]
  if stream and redis.call('SADD', KEYS[1], ref) == 1 then
    redis.call('XADD', stream, '*', 'e', ARGV[1], 'c', ref, 'a', '0')
    redis.call('INCR', counters[platform])
    queued = queued + 1
  end
end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return queued
