-- Remove a chat and everything it owns (/stop, or the old id after a migration).
-- KEYS[1] chat hash, KEYS[2] set of chats; KEYS[2+i] topic set of the i-th name in ARGV[2];
-- then thresholds hash, levels-up, levels-down, rearm-up, rearm-down
-- ARGV: ref, all topic names (comma)
local existed = redis.call('EXISTS', KEYS[1])
local i = 0
for name in string.gmatch(ARGV[2], '[^,]+') do
  i = i + 1
  redis.call('SREM', KEYS[2 + i], ARGV[1])
end
local thr = KEYS[i + 3]
for _, id in ipairs(redis.call('HKEYS', thr)) do
  local member = ARGV[1] .. '#' .. id
  for k = i + 4, i + 7 do redis.call('ZREM', KEYS[k], member) end
end
redis.call('DEL', thr, KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed
