-- me_user_sources: the files whose rows a store holds under user $user (events or rate-limit
-- readings): what `me` analyses when not told which files it read (the library's default).
-- inputs: events, rate_limit_snapshots
-- outputs: source
-- params: $user
-- slots: none
SELECT source FROM events WHERE user_id = $user
UNION
SELECT source FROM rate_limit_snapshots WHERE user_id = $user
