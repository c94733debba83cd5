-- Tell the delayed index a partition has a retry due at ARGV[2] (ms): kept if it is
-- earlier than the recorded one, or the recorded one is already past (being handled).
-- KEYS[1] the index; ARGV[1] partition, ARGV[2] due ms, ARGV[3] now ms
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
local due = tonumber(ARGV[2])
if current and tonumber(current) > tonumber(ARGV[3]) and tonumber(current) <= due then
  return 0
end
redis.call('ZADD', KEYS[1], due, ARGV[1])
return 1
