-- overlapping_daily_tables: LiteLLM daily spend tables of different kinds covering the same dates.
-- inputs: events, load_manifest (files loaded as litellm-daily; the mapping text names the
--         column read as user_id: 'user_id=team_id', or 'user_id' for the user table's own)
-- outputs: one row per pair of kinds: kind_a, kind_b (the id columns, sorted), days (dates
--          both cover), first_day, sources_a, sources_b (the files, at most 3 each, sorted)
-- params: none
-- slots: none
-- The user, end-user, team, organization, agent and tag tables (planalyzer.sources.litellm)
-- each hold every request once (the tag table once per tag): two of them loaded for the same
-- date count the same requests twice. Their ids are per table, so the event_id dedupe never
-- sees it. Two tables of one kind (a user table split in two files) are not compared: their
-- shared rows are the dedupe's.
WITH f AS (
    SELECT source,
           coalesce(nullif(regexp_extract(mapping, '(^|, )user_id=([^,( ]+)', 2), ''),
                    'user_id') AS kind
    FROM load_manifest
    WHERE split_part(format, ' ', 1) = 'litellm-daily'
),
d AS (
    SELECT DISTINCT f.kind, e.source, CAST(timezone('UTC', e.ts) AS DATE) AS day
    FROM events AS e
    JOIN f ON f.source = e.source
)
SELECT a.kind AS kind_a, b.kind AS kind_b, count(DISTINCT a.day) AS days,
       strftime(min(a.day), '%Y-%m-%d') AS first_day,
       list_sort(list(DISTINCT a.source))[1:3] AS sources_a,
       list_sort(list(DISTINCT b.source))[1:3] AS sources_b
FROM d AS a
JOIN d AS b ON a.day = b.day AND a.kind < b.kind
GROUP BY a.kind, b.kind
ORDER BY a.kind, b.kind
