-- respelled_bucket_ids: Anthropic usage event ids that two stored rows share once rewritten
-- to name their start's instant (sql/rekey_anthropic_event_ids.sql).
-- inputs: events
-- outputs: one row: ids (ids held by more than one row), files (the files holding them),
--          sources (at most 3 of them, sorted), example (the id of the earliest such bucket),
--          first_utc (its start)
-- params: $read_now (the files read by this load: their copies are for the dedupe to judge)
-- slots: none
-- With the default dedupe key no two stored rows share an event id. An older planalyzer made
-- the ids of Anthropic usage rows from the start's text, so two fetches of one bucket that
-- spelled its start differently ('...Z', '....000Z', '+00:00') were both kept: that store
-- counts the bucket twice. Rewritten to the instant, their ids are one again: such a store is
-- refused for the load (planalyzer.instant_ids), which cannot tell which copy a load of the
-- files would have kept.
WITH shared AS (
    SELECT event_id, list(DISTINCT source) AS sources, min(ts) AS ts
    FROM events
    WHERE (event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%'
           OR event_id LIKE 'claude_code:%')
        AND NOT list_contains($read_now, source)
    GROUP BY event_id
    HAVING count(*) > 1
)
SELECT count(*) AS ids,
       len(list_distinct(flatten(list(sources)))) AS files,
       list_sort(list_distinct(flatten(list(sources))))[1:3] AS sources,
       arg_min(event_id, ts) AS example,
       strftime(min(ts), '%Y-%m-%d %H:%M') AS first_utc
FROM shared
