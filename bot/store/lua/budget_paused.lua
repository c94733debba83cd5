-- How long every send still waits (ms) after several chats were refused at once; 0 if not.
-- KEYS[1] the pause of every send (ms, the server's clock)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local paused = tonumber(redis.call('GET', KEYS[1]) or '0')
if paused > now then return paused - now end
return 0
