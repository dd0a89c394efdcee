-- align_cut_buckets: move the ts of OpenAI Usage API buckets a fetch cut short to their
-- buckets' starts.
-- inputs: events (the rows of $sources); bucket_fetches (sql/insert_bucket_fetches.sql: the
--         files read now whose fetch cut a bucket short, cut_us)
-- outputs: events: the ts of each such row set to its event id's start (every copy of a
--          bucket then has one time, as sql/conflicting_event_ids.sql and
--          sql/overlapping_buckets.sql expect)
-- params: $sources (the usage-API exports read now)
-- slots: none
-- Run after sql/insert_bucket_fetches.sql, which records the cut from the rows' times (the
-- only place it is kept: sql/stage_bucket_copies.sql reads it there). OpenAI starts a fetch's
-- first bucket at its start_time (snapped to the minute): the projection
-- (sql/project_openai_usage_json.sql) keys it at the aligned bucket start and width and gives
-- the start as read as its ts, until this. Most loads have no such file and change nothing.
UPDATE events
SET ts = to_timestamp(TRY_CAST(split_part(substr(event_id, 8), '/', 1) AS BIGINT))
WHERE source IN (SELECT source FROM bucket_fetches
                 WHERE cut_us IS NOT NULL AND source IN (SELECT unnest($sources::VARCHAR[])))
    AND event_id LIKE 'openai:%'
    AND ts > to_timestamp(TRY_CAST(split_part(substr(event_id, 8), '/', 1) AS BIGINT))
