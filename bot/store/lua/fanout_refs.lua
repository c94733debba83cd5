-- Fan an event out to listed chats (e.g. the owners of crossed price levels).
-- KEYS[1] sent set; KEYS[1+i] outbox stream of the i-th platform in ARGV[3]
-- ARGV: event key, sent-set TTL, platform names (comma), ref...
local streams = {}
local i = 1
for p in string.gmatch(ARGV[3], '[^,]+') do
  i = i + 1
  streams[p] = KEYS[i]
end
local queued = 0
for j = 4, #ARGV do
  local ref = ARGV[j]
  local stream = streams[string.match(ref, '^([^:]+):')]
  if stream and redis.call('SADD', KEYS[1], ref) == 1 then
    redis.call('XADD', stream, '*', 'e', ARGV[1], 'c', ref, 'a', '0')
    queued = queued + 1
  end
end
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return queued
