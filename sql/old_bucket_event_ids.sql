-- old_bucket_event_ids: usage-API events whose event_id an older planalyzer made.
-- inputs: events, load_manifest
-- outputs: one row: events (count), sources (the files holding them, at most 3, sorted)
-- params: none
-- slots: none
-- A usage-API event_id now names its bucket's width ('openai:<start>/<width s>:...',
-- 'anthropic:<start>/<width s>:...', sql/project_openai_usage_json.sql and
-- sql/project_anthropic_messages_json.sql); a --db file an older version loaded holds
-- 'openai:<start>:...' ids, which the event_id dedupe cannot match against the new ones, so
-- the same bucket loaded again would count twice. The width is not in the old rows: they
-- cannot be re-keyed here (planalyzer.store refuses the load instead). Other event ids of these
-- sources (the Claude Code analytics report's 'claude_code:...') never named a bucket.
SELECT count(*) AS events, list_sort(list(DISTINCT e.source))[1:3] AS sources
FROM events AS e
JOIN load_manifest AS m ON m.source = e.source
WHERE split_part(m.format, ' ', 1) IN ('openai-usage', 'anthropic-usage')
    AND (e.event_id LIKE 'openai:%' OR e.event_id LIKE 'anthropic:%')
    AND NOT regexp_matches(e.event_id, '^(openai|anthropic):[^/]*/[0-9]*:')
