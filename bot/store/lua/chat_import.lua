-- Write a whole chat (settings, topics, thresholds with their ids) under a new reference:
-- the target side of a chat migration (Telegram group -> supergroup).
-- KEYS[1] chat hash, KEYS[2] set of chats; KEYS[2+i] topic set of the i-th name in ARGV[2];
-- then thresholds hash, levels-up, levels-down, rearm-up, rearm-down
-- ARGV: ref, all topic names (comma), chat fields (JSON object), thresholds (JSON object id->JSON)
local fields = cjson.decode(ARGV[3])
local thresholds = cjson.decode(ARGV[4])
redis.call('DEL', KEYS[1])
for k, v in pairs(fields) do redis.call('HSET', KEYS[1], k, v) end
redis.call('SADD', KEYS[2], ARGV[1])
local active = fields['active'] == '1'
local topics = {}
for x in string.gmatch(fields['topics'] or '', '[^,]+') do topics[x] = true end
local i = 0
for name in string.gmatch(ARGV[2], '[^,]+') do
  i = i + 1
  if active and topics[name] then
    redis.call('SADD', KEYS[2 + i], ARGV[1])
  else
    redis.call('SREM', KEYS[2 + i], ARGV[1])
  end
end
local thr, up, down = KEYS[i + 3], KEYS[i + 4], KEYS[i + 5]
local rearm_up, rearm_down = KEYS[i + 6], KEYS[i + 7]
redis.call('DEL', thr)
for id, raw in pairs(thresholds) do
  redis.call('HSET', thr, id, raw)
  local t = cjson.decode(raw)
  local member = ARGV[1] .. '#' .. id
  if t.armed == false then
    if t.direction ~= 'above' and (t.side == 'below' or t.direction == 'cross') then
      redis.call('ZADD', rearm_up, t.level, member)
    end
    if t.direction ~= 'below' and (t.side == 'above' or t.direction == 'cross') then
      redis.call('ZADD', rearm_down, t.level, member)
    end
  elseif active then
    if t.direction ~= 'below' then redis.call('ZADD', up, t.level, member) end
    if t.direction ~= 'above' then redis.call('ZADD', down, t.level, member) end
  end
end
return 1
