-- me_requests: one subscriber's priced requests in time order, with what plan meters count.
-- inputs: priced_events
-- outputs: t_us (epoch microseconds), month (YYYY-MM in $tz), model, requests, token classes,
--          api_value_usd, priced (false: no API list price; api_value_usd 0 there)
-- params: $tz
-- slots: none
SELECT
    epoch_us(ts) AS t_us,
    strftime(timezone($tz, ts), '%Y-%m') AS month,
    model,
    requests,
    input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens,
    CAST(coalesce(api_value_usd, 0) AS DOUBLE) AS api_value_usd,
    api_value_usd IS NOT NULL AS priced
FROM priced_events
ORDER BY ts,
    -- requests at the same time: by what they used, never by where their file is; rows
    -- alike in all of these are alike in every figure, in either order (docs/report.md)
    model, input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
    output_tokens, requests, source_row
