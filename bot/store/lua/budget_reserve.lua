-- Reserve the next send slot of one chat within the platform's overall rate, for every
-- instance at once (the slot times live here, not in a process).
-- KEYS[1] the overall next free slot (ms), KEYS[2] the chat's next free slot (ms),
-- KEYS[3] a pause of every send until (ms)
-- ARGV[1] overall sends per second, ARGV[2] ms between sends to this chat,
-- ARGV[3] count of sends, ARGV[4] the longest wait (ms) worth taking
-- Returns ms to wait before sending (>= 0), or -ms the chat stays busy (do not send now).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local overall = tonumber(redis.call('GET', KEYS[1]) or '0')
local chat = tonumber(redis.call('GET', KEYS[2]) or '0')
local paused = tonumber(redis.call('GET', KEYS[3]) or '0')
local count = tonumber(ARGV[3])
if chat - now > tonumber(ARGV[4]) then
  return -(chat - now)
end
local start = math.max(now, overall, chat, paused)
redis.call('SET', KEYS[1], start + math.ceil(count * 1000 / tonumber(ARGV[1])), 'PX', 120000)
redis.call('SET', KEYS[2], start + count * tonumber(ARGV[2]), 'PX', 3600000)
return start - now
