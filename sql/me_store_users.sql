-- me_store_users: per user id in a store and per side (rows of the files `me` read, listed in
-- me_files, or rows of other files), the events and the formats of the files they came from
-- (`me` analyses its files' rows whatever their user id, splits them by tool, and names what
-- else the store holds). A file no longer in load_manifest has format NULL (left out). Rows
-- of other files are told apart by whether their file is marked gone from disk (an earlier
-- run read it, a tool deleted it since: planalyzer/store_gone.py).
-- inputs: events, me_files (source), load_manifest
-- outputs: user_id, mine (rows of me's files), gone (rows of files gone from disk), events,
--          formats (sorted list)
-- params: none
-- slots: none
SELECT e.user_id, e.mine, NOT e.mine AND coalesce(starts_with(m.content_hash, 'gone:'), false)
           AS gone,
       sum(e.events) AS events,
       list(DISTINCT m.format ORDER BY m.format) FILTER (WHERE m.format IS NOT NULL) AS formats
FROM (SELECT user_id, source IN (SELECT f.source FROM me_files AS f) AS mine,
             source, count(*) AS events
      FROM events GROUP BY ALL) AS e
LEFT JOIN load_manifest AS m ON m.source = e.source
GROUP BY ALL
ORDER BY e.mine DESC, gone, e.user_id
