-- me_monthly: one subscriber's usage per calendar month (in $tz), with value and cost.
-- inputs: {{events}}: priced_events, or events with NULL api_value_usd and gpu_cost_usd
-- outputs: month, requests, tokens by class (cache writes: 5-minute and 1-hour apart, as in
--          events), api_value_usd, gpu_cost_usd
-- params: $tz
-- slots: {{events}}
SELECT
    strftime(timezone($tz, ts), '%Y-%m') AS month,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(output_tokens) AS output_tokens,
    -- unknown (NULL) when any request's model has no API list price: never a partial sum
    -- money as whole pico-dollars, an integer sum: the same bits in every run (as the report)
    CASE WHEN count(api_value_usd) = count(*)
        THEN CAST(sum(CAST(api_value_usd * 1e12 AS HUGEINT)) AS DOUBLE) / 1e12
    END AS api_value_usd,
    CAST(sum(CAST(gpu_cost_usd * 1e12 AS HUGEINT)) AS DOUBLE) / 1e12 AS gpu_cost_usd
FROM {{events}}
GROUP BY month
ORDER BY month
