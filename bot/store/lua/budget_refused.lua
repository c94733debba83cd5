-- A 429 for one chat: that chat waits; several chats refused within a second (the overall
-- limit): every send of every instance waits.
-- KEYS[1] the chat's next free slot (ms), KEYS[2] recent refusals (sorted set),
-- KEYS[3] the pause of every send (ms)
-- ARGV[1] the chat, ARGV[2] seconds to wait, ARGV[3] distinct chats that mean "overall"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + math.ceil(tonumber(ARGV[2]) * 1000)
local chat = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > chat then
  redis.call('SET', KEYS[1], until_ms, 'PX', 3600000)
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 1000)
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('PEXPIRE', KEYS[2], 5000)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
  if until_ms > paused then
    redis.call('SET', KEYS[3], until_ms, 'PX', 3600000)
  end
  return 1
end
return 0
