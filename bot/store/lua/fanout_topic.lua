-- One batch of an event's fan-out to a topic: scan a slice of the topic set and queue the
-- chats that have not had this event yet (the sent set makes it idempotent).
-- KEYS[1] topic set, KEYS[2] sent set; KEYS[1+2i], KEYS[2+2i]: outbox stream and queued
-- counter of the i-th platform in ARGV[5]
-- ARGV: cursor, count, event key, sent-set TTL, platform names (comma), chats per entry
-- A stream entry carries up to ARGV[6] chats ("cs", one per line; a single chat is "c"):
-- the script's cost is per entry, not per chat, besides one SMISMEMBER and one SADD per
-- 500 chats. The worker marks each chat of an entry done (bot.store.outbox).
local streams, counters, added = {}, {}, {}
local i = 0
for p in string.gmatch(ARGV[5], '[^,]+') do
  i = i + 1
  streams[p] = KEYS[1 + 2 * i]
  counters[KEYS[1 + 2 * i]] = KEYS[2 + 2 * i]
end
local per_entry = tonumber(ARGV[6]) or 1
local waiting = {}  -- stream -> chats not yet in an entry
local function add(stream, list)
  added[stream] = (added[stream] or 0) + #list
  if #list == 1 then
    redis.call('XADD', stream, '*', 'e', ARGV[3], 'c', list[1])
  else
    redis.call('XADD', stream, '*', 'e', ARGV[3], 'cs', table.concat(list, '\n'))
  end
end
local res = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local refs = res[2]
local queued = 0
-- in slices of 500: unpack() is bounded by Lua's stack, the batch size is not
for first = 1, #refs, 500 do
  local last = math.min(first + 499, #refs)
  local seen = redis.call('SMISMEMBER', KEYS[2], unpack(refs, first, last))
  local fresh = {}
  for n = first, last do
    local ref = refs[n]
    if seen[n - first + 1] == 0 then
      local colon = string.find(ref, ':', 1, true)
      local stream = colon and streams[string.sub(ref, 1, colon - 1)]
      if stream then
        fresh[#fresh + 1] = ref
        local list = waiting[stream]
        if list == nil then
          list = {}
          waiting[stream] = list
        end
        list[#list + 1] = ref
        if #list >= per_entry then
          add(stream, list)
          waiting[stream] = {}
        end
      end
    end
  end
  if #fresh > 0 then
    redis.call('SADD', KEYS[2], unpack(fresh))
    queued = queued + #fresh
  end
end
for stream, list in pairs(waiting) do
  if #list > 0 then add(stream, list) end
end
for stream, count in pairs(added) do
  redis.call('INCRBY', counters[stream], count)
end
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return {res[1], queued}
