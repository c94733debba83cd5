-- Remove a chat and everything it owns (/stop, or the old id after a migration).
-- KEYS[1] chat hash, KEYS[2] set of chats; KEYS[2+i] topic set of the i-th name in ARGV[2];
-- then thresholds hash, levels-up zset, levels-down zset
-- ARGV: ref, all topic names (comma)
local existed = redis.call('EXISTS', KEYS[1])
local i = 0
for name in string.gmatch(ARGV[2], '[^,]+') do
  i = i + 1
  redis.call('SREM', KEYS[2 + i], ARGV[1])
end
local thr, up, down = KEYS[i + 3], KEYS[i + 4], KEYS[i + 5]
for _, id in ipairs(redis.call('HKEYS', thr)) do
  local member = ARGV[1] .. '#' .. id
  redis.call('ZREM', up, member)
  redis.call('ZREM', down, member)
end
redis.call('DEL', thr, KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed
