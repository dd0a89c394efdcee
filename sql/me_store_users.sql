-- me_store_users: per user in a store, its events and the formats of the files they came from
-- (`me` reads only its own user's rows, splits them by tool, and names the users it leaves
-- out). A file no longer in load_manifest has format NULL (left out of the list).
-- inputs: events, load_manifest
-- outputs: user_id, events, formats (sorted list)
-- params: none
-- slots: none
SELECT e.user_id, sum(e.events) AS events,
       list(DISTINCT m.format ORDER BY m.format) FILTER (WHERE m.format IS NOT NULL) AS formats
FROM (SELECT user_id, source, count(*) AS events FROM events GROUP BY user_id, source) AS e
LEFT JOIN load_manifest AS m ON m.source = e.source
GROUP BY e.user_id
ORDER BY e.user_id
