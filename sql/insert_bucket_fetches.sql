-- insert_bucket_fetches: record, per file read now and grouping of its usage-API bucket ids,
-- the latest bucket's start, whether it numbers rows '#<n>' and the start of a bucket its fetch
-- cut short (sql/create_bucket_fetches.sql).
-- inputs: events (the rows of $sources, before the dedupe drops any); macro pa_bucket_grouping
--         (sql/create_bucket_grouping_macro.sql)
-- outputs: bucket_fetches rows of $sources (cut_us: an OpenAI Usage API bucket whose ts, the
--          start the page gave, is later than its id's aligned start: the fetch's start_time
--          cut it short, sql/project_openai_usage_json.sql; sql/align_cut_buckets.sql then
--          moves its ts to the id's start), repeated false (the dedupe marks the files holding
--          an id twice: sql/mark_repeated_bucket_fetches.sql)
-- params: $sources (the usage-API exports read now; their earlier rows, if any, deleted)
-- slots: none
-- Run once per load over the exports it read, after their rows are inserted. The rows are
-- grouped by what follows their start ('<width>:<grouping>[#<n>]': one substring, the ids'
-- prefixes tested first as sql/overlapping_buckets.sql does), and only those groups (a
-- grouping each, or each '#<n>' of one) by pa_bucket_grouping: CPU on a busy 2-core machine,
-- two minute CSVs of 30 users (172,800 and 216,000 rows) 0.04 s in a load of 2.8-3.0 s (0.25
-- s with pa_bucket_grouping and a distinct count of the ids per row); a 43,200-row CSV into
-- a --db file of a week of them 0.008 s.
INSERT INTO bucket_fetches (source, grouping, last_us, repeated, numbered, cut_us)
SELECT source, pa_bucket_grouping(id) AS grouping, max(last_us) AS last_us, false AS repeated,
       bool_or(contains(id, '#')) AS numbered, min(cut_us) AS cut_us
FROM (
    SELECT source, any_value(event_id) AS id, max(epoch_us(ts)) AS last_us,
           -- an OpenAI Usage API bucket cut short: its start read later than its id's
           min(CASE WHEN event_id LIKE 'openai:%' AND ts > to_timestamp(
                             TRY_CAST(split_part(substr(event_id, 8), '/', 1) AS BIGINT))
                    THEN TRY_CAST(split_part(substr(event_id, 8), '/', 1) AS BIGINT)
                         * 1000000 END) AS cut_us
    FROM events
    WHERE source IN (SELECT unnest($sources::VARCHAR[]))
        AND (event_id LIKE 'openai:%' OR event_id LIKE 'openai-csv:%'
             OR event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%')
    GROUP BY source, substr(event_id, strpos(event_id, '/') + 1)
)
GROUP BY source, grouping
