-- Settle one chat of an outbox entry: delivered, rescheduled or dead-lettered, at once.
-- KEYS[1] outbox stream, KEYS[2] the entry's done set, KEYS[3] queued counter,
-- KEYS[4] delayed zset (retry) or dead-letter stream (dead), unused for ack
-- ARGV: group, entry id, chat, chats in the entry, done-set TTL, action (ack|retry|dead),
--       then for retry: due (ms), member; for dead: max length, field, value, ...
-- An entry carrying one chat leaves the stream at once; one carrying several leaves when
-- its last chat is settled, and until then its done set names the settled ones, so a
-- worker that takes it over after a crash sends only the rest.
local size = tonumber(ARGV[4])
if size > 1 then
  -- settled before, by a worker that took the entry over (its done set names the chat,
  -- or the entry is gone with its last chat): nothing changes twice
  if #redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[2]) == 0 or
      redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 1 then
    return 0
  end
elseif redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then
  return 0
end
local action = ARGV[6]
if action == 'retry' then
  redis.call('ZADD', KEYS[4], ARGV[7], ARGV[8])
elseif action == 'dead' then
  local fields = {}
  for n = 8, #ARGV do fields[#fields + 1] = ARGV[n] end
  redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[7], '*', unpack(fields))
end
if size <= 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
elseif redis.call('SADD', KEYS[2], ARGV[3]) == 1 and redis.call('SCARD', KEYS[2]) >= size then
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('DEL', KEYS[2])
else
  redis.call('EXPIRE', KEYS[2], ARGV[5])
end
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
return 1
