-- Add a price level to a chat unless the chat is at its cap.
-- KEYS[1] chat hash, KEYS[2] thresholds hash, KEYS[3] levels-up, KEYS[4] levels-down,
-- KEYS[5] rearm-up, KEYS[6] rearm-down
-- ARGV: ref, cap, direction, level, threshold JSON (no id yet), current price or ''
-- A level the price has already passed ("below 80000" while BTC is at 79,000) waits,
-- disarmed, until the price is on the other side, then is armed for the next crossing.
-- Returns {id, passed} for a new level, {-3, id} when the chat already has it, {-1} at the
-- cap, {-2} when the chat is unknown.
if redis.call('EXISTS', KEYS[1]) == 0 then return {-2} end
local all = redis.call('HGETALL', KEYS[2])
for j = 1, #all, 2 do
  local t = cjson.decode(all[j + 1])
  if t.direction == ARGV[3] and tonumber(t.level) == tonumber(ARGV[4]) then
    return {-3, tonumber(all[j])}
  end
end
if #all / 2 >= tonumber(ARGV[2]) then return {-1} end
local id = redis.call('HINCRBY', KEYS[1], 'thr_seq', 1)
local t = cjson.decode(ARGV[5])
t['id'] = id
local level = tonumber(ARGV[4])
local price = tonumber(ARGV[6])
local passed = 0
if price then
  if price >= level then t['side'] = 'above' else t['side'] = 'below' end
  if (ARGV[3] == 'below' and price <= level) or (ARGV[3] == 'above' and price >= level) then
    passed = 1
  end
end
local member = ARGV[1] .. '#' .. id
if passed == 1 then
  t['armed'] = false
  t['fired_at'] = 0
  if ARGV[3] == 'below' then redis.call('ZADD', KEYS[5], ARGV[4], member)
  else redis.call('ZADD', KEYS[6], ARGV[4], member) end
else
  t['armed'] = true
  if redis.call('HGET', KEYS[1], 'active') == '1' then
    if ARGV[3] ~= 'below' then redis.call('ZADD', KEYS[3], ARGV[4], member) end
    if ARGV[3] ~= 'above' then redis.call('ZADD', KEYS[4], ARGV[4], member) end
  end
end
redis.call('HSET', KEYS[2], id, cjson.encode(t))
return {id, passed}
