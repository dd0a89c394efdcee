-- old_bucket_event_ids: usage-API events whose event_id an older planalyzer made.
-- inputs: events, load_manifest
-- outputs: one row: events (count of ids without the bucket width), sources (the files holding
--          them, at most 3, sorted), csv_events (count of OpenAI dashboard CSV rows loaded
--          without an event_id), csv_sources (their files, at most 3, sorted)
-- params: none
-- slots: none
-- A usage-API event_id now names its bucket's width ('openai:<start>/<width s>:...',
-- 'anthropic:<start>/<width s>:...', sql/project_openai_usage_json.sql and
-- sql/project_anthropic_messages_json.sql); a --db file an older version loaded holds
-- 'openai:<start>:...' ids, which the event_id dedupe cannot match against the new ones, so
-- the same bucket loaded again would count twice. The width is not in the old rows: they
-- cannot be re-keyed here (planalyzer.store refuses the load instead). Other event ids of these
-- sources (the Claude Code analytics report's 'claude_code:...') never named a bucket.
-- An OpenAI dashboard CSV (or parquet) row now gets an 'openai-csv:<start>/<width s>:...' id
-- (planalyzer.sources.openai_usage), and the file's mapping names it ('event_id: ...', or
-- 'event_id: none' for a file without bucket ends); rows an older version loaded have none
-- and a mapping that names no event_id: sql/overlapping_buckets.sql cannot compare them, and
-- the dedupe cannot drop their repeats.
WITH m AS (
    SELECT source, split_part(format, ' ', 1) AS source_kind, split_part(format, ' ', 2) AS fmt,
           mapping
    FROM load_manifest
    WHERE split_part(format, ' ', 1) IN ('openai-usage', 'anthropic-usage')
),
old AS (
    SELECT e.source,
           (e.event_id LIKE 'openai:%' OR e.event_id LIKE 'anthropic:%')
               AND NOT regexp_matches(e.event_id, '^(openai|anthropic):[^/]*/[0-9]*:')
               AS no_width,
           e.event_id IS NULL AND m.source_kind = 'openai-usage' AND m.fmt <> 'jsonl'
               AND m.mapping NOT LIKE '%event_id%' AS csv_without_id
    FROM events AS e
    JOIN m ON m.source = e.source
)
SELECT count(*) FILTER (WHERE no_width) AS events,
       list_sort(list(DISTINCT source) FILTER (WHERE no_width))[1:3] AS sources,
       count(*) FILTER (WHERE csv_without_id) AS csv_events,
       list_sort(list(DISTINCT source) FILTER (WHERE csv_without_id))[1:3] AS csv_sources
FROM old
