-- Put a partition's dead letters back in its outbox stream, newest first, one chat an entry
-- (attempts start again); letters older than the cutoff stay where they are.
-- KEYS[1] dead-letter stream, KEYS[2] outbox stream, KEYS[3] queued counter
-- ARGV: cutoff (seconds since the epoch: letters dead before it stay), limit
local letters = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[2])
local moved = 0
for _, letter in ipairs(letters) do
  local id, fields = letter[1], letter[2]
  local f = {}
  for n = 1, #fields, 2 do f[fields[n]] = fields[n + 1] end
  if f.e and f.c and tonumber(f.at or '0') >= tonumber(ARGV[1]) then
    redis.call('XADD', KEYS[2], '*', 'e', f.e, 'c', f.c, 'a', '0')
    redis.call('XDEL', KEYS[1], id)
    moved = moved + 1
  end
end
if moved > 0 then redis.call('INCRBY', KEYS[3], moved) end
return moved
