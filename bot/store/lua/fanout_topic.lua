-- One batch of an event's fan-out to a topic: scan a slice of the topic set and queue one
-- delivery per chat that has not had this event yet (the sent set makes it idempotent).
-- KEYS[1] topic set, KEYS[2] sent set; KEYS[2+i] outbox stream of the i-th platform in ARGV[5]
-- ARGV: cursor, count, event key, sent-set TTL, platform names (comma)
local streams = {}
local i = 2
for p in string.gmatch(ARGV[5], '[^,]+') do
  i = i + 1
  streams[p] = KEYS[i]
end
local res = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local queued = 0
for _, ref in ipairs(res[2]) do
  local stream = streams[string.match(ref, '^([^:]+):')]
  if stream and redis.call('SADD', KEYS[2], ref) == 1 then
    redis.call('XADD', stream, '*', 'e', ARGV[3], 'c', ref, 'a', '0')
    queued = queued + 1
  end
end
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return {res[1], queued}
