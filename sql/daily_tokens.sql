-- daily_tokens: token totals per calendar day (in $tz), as ccusage's `daily` report counts them.
-- inputs: events
-- outputs: day (YYYY-MM-DD), requests, input, cache creation (5 min + 1 h), cache read, output
-- params: $tz
-- slots: none
SELECT
    strftime(timezone($tz, ts), '%Y-%m-%d') AS day,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_write_tokens + cache_write_1h_tokens) AS cache_creation_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(output_tokens) AS output_tokens
FROM events
GROUP BY day
ORDER BY day
