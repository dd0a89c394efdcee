-- overlapping_buckets: usage-API buckets of different spans that cover the same time.
-- inputs: events whose event_id is 'openai:<start>/<width s>:...' or
--         'anthropic:<start>/<width s>:...' (sql/project_openai_usage_json.sql,
--         sql/project_anthropic_messages_json.sql)
-- outputs: vendor, wide_s, narrow_s (the two widths), buckets (overlapping pairs), first_utc,
--          sources (the files holding them, at most 4); one row per vendor and pair of widths
-- params: none
-- slots: none
-- A daily and an hourly export of the same day hold the same requests twice under different
-- event ids: both loaded would count them twice. Two buckets overlap when each starts before
-- the other ends and they are not the same bucket (same start and width: a duplicate, which
-- the event_id dedupe drops).
WITH b AS (
    SELECT
        regexp_extract(event_id, '^([a-z]+):', 1) AS vendor,
        ts,
        CAST(regexp_extract(event_id, '^[a-z]+:[^/]*/([0-9]+):', 1) AS BIGINT) AS width_s,
        source
    FROM events
    WHERE regexp_matches(event_id, '^(openai|anthropic):[^/]*/[0-9]+:')
),
buckets AS (
    SELECT vendor, ts, width_s, list(DISTINCT source) AS sources
    FROM b
    GROUP BY ALL
)
SELECT
    x.vendor,
    greatest(x.width_s, y.width_s) AS wide_s,
    least(x.width_s, y.width_s) AS narrow_s,
    count(*) AS buckets,
    strftime(timezone('UTC', min(least(x.ts, y.ts))), '%Y-%m-%d %H:%M') AS first_utc,
    list_sort(list_distinct(flatten(list(list_concat(x.sources, y.sources)))))[1:4] AS sources
FROM buckets AS x
JOIN buckets AS y
    ON x.vendor = y.vendor
    AND x.ts < y.ts + to_seconds(y.width_s)
    AND y.ts < x.ts + to_seconds(x.width_s)
    AND (x.ts < y.ts OR (x.ts = y.ts AND x.width_s > y.width_s))
GROUP BY ALL
ORDER BY x.vendor, wide_s, narrow_s
