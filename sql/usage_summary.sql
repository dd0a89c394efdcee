-- usage_summary: headline totals of the loaded events.
-- inputs: events
-- outputs: one row: users, requests, events, first and last request (as text in UTC), tokens by class
-- params: none
-- slots: none
SELECT
    count(DISTINCT user_id) AS users,
    coalesce(sum(requests), 0) AS requests,
    count(*) AS events,
    strftime(timezone('UTC', min(ts)), '%Y-%m-%d %H:%M') AS first_ts_utc,
    strftime(timezone('UTC', max(ts)), '%Y-%m-%d %H:%M') AS last_ts_utc,
    coalesce(sum(input_tokens), 0) AS input_tokens,
    coalesce(sum(cache_write_tokens), 0) AS cache_write_tokens,
    coalesce(sum(cache_write_1h_tokens), 0) AS cache_write_1h_tokens,
    coalesce(sum(cache_read_tokens), 0) AS cache_read_tokens,
    coalesce(sum(output_tokens), 0) AS output_tokens
FROM events
