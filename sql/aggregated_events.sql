-- aggregated_events: events that stand for more than one request (daily or hourly buckets of
-- aggregated sources), against all events.
-- inputs: events
-- outputs: one row: events, bucket_events, bucket_requests
-- params: none
-- slots: none
SELECT
    count(*) AS events,
    count(*) FILTER (WHERE requests > 1) AS bucket_events,
    coalesce(sum(requests) FILTER (WHERE requests > 1), 0) AS bucket_requests
FROM events
