-- Record a partition's earliest retry in the delayed index after promoting its due ones,
-- without losing an earlier one another worker recorded meanwhile.
-- KEYS[1] the index (partition → due ms); ARGV[1] partition, ARGV[2] its earliest due ms
-- as just read ('' = none left), ARGV[3] now (ms)
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
local now = tonumber(ARGV[3])
if ARGV[2] == '' then
  if current and tonumber(current) <= now then
    redis.call('ZREM', KEYS[1], ARGV[1])  -- the entry just handled; a future one stays
  end
  return 0
end
local due = tonumber(ARGV[2])
if current and tonumber(current) > now and tonumber(current) < due then
  return 0  -- another worker recorded an earlier retry since: keep it
end
redis.call('ZADD', KEYS[1], due, ARGV[1])
return 1
