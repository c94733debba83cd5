-- Forget a stream's queued counter once the stream is empty (its entries were removed by
-- hand, or queued by a version that kept no counter): checked and cleared at once.
-- KEYS[1] outbox stream, KEYS[2] queued counter
if redis.call('XLEN', KEYS[1]) == 0 then return redis.call('DEL', KEYS[2]) end
return 0
