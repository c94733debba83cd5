-- One batch of an event's fan-out to a topic: scan a slice of the topic set and queue one
-- delivery per chat that has not had this event yet (the sent set makes it idempotent).
-- KEYS[1] topic set, KEYS[2] sent set; KEYS[2+i] outbox stream of the i-th platform in ARGV[5]
-- ARGV: cursor, count, event key, sent-set TTL, platform names (comma)
-- Cost per chat is one XADD: the batch's membership test and the sent-set insert are one
-- SMISMEMBER and one SADD each (a first attempt is the entry without an "a" field).
local streams = {}
local i = 2
for p in string.gmatch(ARGV[5], '[^,]+') do
  i = i + 1
  streams[p] = KEYS[i]
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
        redis.call('XADD', stream, '*', 'e', ARGV[3], 'c', ref)
      end
    end
  end
  if #fresh > 0 then
    redis.call('SADD', KEYS[2], unpack(fresh))
    queued = queued + #fresh
  end
end
if redis.call('TTL', KEYS[2]) < 0 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
return {res[1], queued}
