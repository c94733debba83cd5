-- Create a chat if it is new (with defaults), else refresh its kind and title.
-- KEYS[1] chat hash, KEYS[2] partition's set of chats
-- ARGV: ref, platform, chat_id, kind, lang, tz, title, now
local created = 0
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'platform', ARGV[2], 'chat_id', ARGV[3], 'kind', ARGV[4],
    'lang', ARGV[5], 'tz', ARGV[6], 'active', '1', 'topics', '', 'quiet', '',
    'thr_seq', '0', 'created', ARGV[8])
  created = 1
else
  redis.call('HSET', KEYS[1], 'kind', ARGV[4])
end
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'title', ARGV[7]) end
redis.call('HSET', KEYS[1], 'updated', ARGV[8])
redis.call('SADD', KEYS[2], ARGV[1])
return created
