-- reloaded_rows_gone: the stored events of changed files, reloaded by this load, whose event
-- id the new version of the file no longer holds: removed with the old rows.
-- inputs: reloaded_prev (sql/stage_reloaded_rows.sql), events
-- outputs: one row per file with such rows, sorted by file: source, events, requests, tokens,
--          first and last day (UTC, 'YYYY-MM-DD'), days (how many distinct days)
-- params: none
-- slots: none
-- Run before the dedupe: every row read from the new version is still in events (its copies
-- of other files' rows too), so an id it holds is found whichever copy the dedupe keeps.
SELECT p.source, count(*) AS events, sum(p.requests) AS requests, sum(p.tokens) AS tokens,
       strftime(min(p.ts), '%Y-%m-%d') AS first_day, strftime(max(p.ts), '%Y-%m-%d') AS last_day,
       count(DISTINCT CAST(p.ts AS DATE)) AS days
FROM reloaded_prev AS p
WHERE NOT EXISTS (SELECT 1 FROM events AS e
                  WHERE e.source = p.source AND e.event_id = p.event_id)
GROUP BY p.source
ORDER BY p.source
