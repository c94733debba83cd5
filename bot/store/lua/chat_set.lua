-- Set fields of an existing chat (never creates one). KEYS[1] chat hash; ARGV: field, value, ...
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
