-- Change a chat's topics and keep the topic index sets (active chats only) in step.
-- KEYS[1] chat hash; KEYS[1+i] topic set of the i-th name in ARGV[2]
-- ARGV: ref, all topic names (comma), op add|remove|set, operand topics (comma)
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local function split(s)
  local t = {}
  for x in string.gmatch(s or '', '[^,]+') do t[x] = true end
  return t
end
local current = split(redis.call('HGET', KEYS[1], 'topics'))
local operand = split(ARGV[4])
if ARGV[3] == 'set' then
  current = operand
elseif ARGV[3] == 'add' then
  for t in pairs(operand) do current[t] = true end
else
  for t in pairs(operand) do current[t] = nil end
end
local active = redis.call('HGET', KEYS[1], 'active') == '1'
local out = {}
local i = 0
for name in string.gmatch(ARGV[2], '[^,]+') do
  i = i + 1
  if current[name] then
    table.insert(out, name)
    if active then redis.call('SADD', KEYS[1 + i], ARGV[1]) end
  else
    redis.call('SREM', KEYS[1 + i], ARGV[1])
  end
end
local joined = table.concat(out, ',')
redis.call('HSET', KEYS[1], 'topics', joined)
return joined
