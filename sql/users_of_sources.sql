-- users_of_sources: which users the events of the given files are stored under (`me` reads
-- only the rows it loaded as user 'me': files an earlier `load --user` read are kept as loaded).
-- inputs: events
-- outputs: user_id, events
-- params: $sources (file paths as in events.source)
-- slots: none
SELECT user_id, count(*) AS events
FROM events
WHERE list_contains($sources, source)
GROUP BY user_id
ORDER BY events DESC, user_id
