-- Extend a lock only if this holder still owns it. KEYS[1] lock; ARGV: holder, ttl ms
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
