-- rekey_anthropic_event_ids: Anthropic usage event ids an older planalyzer made from the
-- start's text, rewritten to name its instant as the ids made now do.
-- inputs: events (macros pa_ts, pa_instant_id, pa_id_start)
-- outputs: events.event_id updated; one row: the count of rows rewritten
-- params: $read_now (the files read by this load: their rows have the ids made now)
-- slots: none
-- sql/project_anthropic_messages_json.sql, sql/project_anthropic_analytics_json.sql and
-- sql/project_anthropic_claude_code_json.sql name the bucket's start (the report row's day)
-- by its instant (pa_instant_id: epoch seconds), so two fetches spelling it '...Z' and
-- '+00:00' give one id. An older planalyzer put the text in the id: a --db store it made holds
-- 'anthropic:2026-10-01T00:00:00Z/86400:...', which a re-fetch read now
-- ('anthropic:1790812800/86400:...') would not match: every bucket counted twice. A stored row
-- whose id names a start other than its instant, that start being the text its ts was read
-- from (pa_ts(start) = ts: the split of the id is the projection's), gets the id of today's
-- projection: the start replaced by pa_instant_id(ts), the rest kept. Ids made now, ids
-- without the bucket width (sql/old_bucket_event_ids.sql refuses those) and other ids are
-- left alone. Run by a load reading an Anthropic usage file, before the dedupe
-- (planalyzer.instant_ids).
UPDATE events
SET event_id = CASE WHEN starts_with(event_id, 'claude_code:')
                    THEN 'claude_code:' || pa_instant_id(ts) || ':'
                         || regexp_extract(event_id, '^claude_code:.*:([^:]*:[^:]*)$', 1)
                    ELSE split_part(event_id, ':', 1) || ':' || pa_instant_id(ts)
                         || substr(event_id, strpos(event_id, '/')) END
WHERE (event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%'
       OR event_id LIKE 'claude_code:%')
    AND NOT list_contains($read_now, source)
    AND pa_id_start(event_id) <> pa_instant_id(ts)
    AND pa_ts(pa_id_start(event_id)) = ts
