-- me_meter_series: one subscriber's requests in time order, with what limits may count.
-- inputs: {{events}}: priced_events, or events with NULL api_value_usd
-- outputs: epoch (seconds), month (in $tz), tokens (cache reads excluded), requests,
--          api_value_usd
-- params: $tz
-- slots: {{events}}
SELECT
    CAST(epoch(ts) AS BIGINT) AS epoch,
    strftime(timezone($tz, ts), '%Y-%m') AS month,
    input_tokens + cache_write_tokens + cache_write_1h_tokens + output_tokens AS tokens,
    requests,
    api_value_usd
FROM {{events}}
ORDER BY ts,
    -- requests at the same time: by what they used, never by where their file is; rows
    -- alike in all of these are alike in every figure, in either order (docs/report.md)
    model, input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
    output_tokens, requests, source_row
