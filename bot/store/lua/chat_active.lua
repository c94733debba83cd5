-- Deactivate (bot blocked, kicked, chat gone) or reactivate a chat: its settings stay,
-- but it leaves (or re-enters) the topic and level indexes that fan-out reads.
-- KEYS[1] chat hash; KEYS[1+i] topic set of the i-th name in ARGV[2];
-- then thresholds hash, levels-up zset, levels-down zset
-- ARGV: ref, all topic names (comma), '1'|'0', reason, now
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local active = ARGV[3] == '1'
local was = redis.call('HGET', KEYS[1], 'active') == '1'
local topics = {}
for x in string.gmatch(redis.call('HGET', KEYS[1], 'topics') or '', '[^,]+') do topics[x] = true end
local i = 0
for name in string.gmatch(ARGV[2], '[^,]+') do
  i = i + 1
  if active and topics[name] then
    redis.call('SADD', KEYS[1 + i], ARGV[1])
  else
    redis.call('SREM', KEYS[1 + i], ARGV[1])
  end
end
local thr, up, down = KEYS[i + 2], KEYS[i + 3], KEYS[i + 4]
local all = redis.call('HGETALL', thr)
for j = 1, #all, 2 do
  local t = cjson.decode(all[j + 1])
  local member = ARGV[1] .. '#' .. all[j]
  if active and t.armed ~= false then
    if t.direction ~= 'below' then redis.call('ZADD', up, t.level, member) end
    if t.direction ~= 'above' then redis.call('ZADD', down, t.level, member) end
  else
    redis.call('ZREM', up, member)
    redis.call('ZREM', down, member)
  end
end
if active then
  redis.call('HSET', KEYS[1], 'active', '1', 'inactive_reason', '', 'updated', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'active', '0', 'inactive_reason', ARGV[4], 'updated', ARGV[5])
end
if was then return 1 else return 0 end
