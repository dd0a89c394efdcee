-- whatif_requests: priced requests of every user in time order (the one pass of what-if
--   analysis; at one time in sql/report_requests.sql's order), with the local billing month
--   and hour and each calendar window's bucket
-- inputs: priced_events
-- outputs: rows: user_id, t_us, month_key (year*12 + month - 1), hour_key (local hours since
--   1970), model, token classes, requests, gpu/loaded/overhead cost, api value, calendar
--   buckets
-- params: $tz
-- slots: {{calendar_columns}} (built by planalyzer.whatif.history from $tz_N / $off_N)
SELECT
    e.user_id,
    epoch_us(e.ts) AS t_us,
    CAST(year(timezone($tz, e.ts)) * 12 + month(timezone($tz, e.ts)) - 1 AS BIGINT) AS month_key,
    CAST(epoch(date_trunc('hour', timezone($tz, e.ts))) // 3600 AS BIGINT) AS hour_key,
    e.model,
    e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens,
    CAST(e.gpu_cost_usd AS DOUBLE) AS gpu_cost_usd,
    CAST(e.loaded_cost_usd AS DOUBLE) AS loaded_cost_usd,
    CAST(e.overhead_cost_usd AS DOUBLE) AS overhead_cost_usd,
    CAST(coalesce(e.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
    e.requests
    {{calendar_columns}}
FROM priced_events AS e
ORDER BY e.user_id, e.ts,
    -- requests at the same time: by what they used, never by where their file is; rows
    -- alike in all of these are alike in every figure, in either order (docs/report.md)
    e.model, e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens, e.requests, e.source_row
