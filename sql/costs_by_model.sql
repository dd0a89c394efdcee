-- costs_by_model: every logged request's tokens, API list value and cost, per model (what
--   `planalyzer costs LOGS` sums: the report's served plus blocked requests)
-- inputs: priced_events (sql/price_events.sql)
-- outputs: rows: model, requests, tokens by class (cache writes: 5-minute and 1-hour apart, as
--          in events), api_value_usd (NULL for a model with no API list price),
--          gpu_cost_usd, loaded_cost_usd, cost_assumed
-- params: none
-- slots: none
SELECT
    model,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(output_tokens) AS output_tokens,
    -- money as whole pico-dollars, an integer sum: the same bits in every run (as the report)
    CASE WHEN count(api_value_usd) = count(*)
        THEN CAST(sum(CAST(api_value_usd * 1e12 AS HUGEINT)) AS DOUBLE) / 1e12
    END AS api_value_usd,
    CAST(sum(CAST(gpu_cost_usd * 1e12 AS HUGEINT)) AS DOUBLE) / 1e12 AS gpu_cost_usd,
    CAST(sum(CAST(loaded_cost_usd * 1e12 AS HUGEINT)) AS DOUBLE) / 1e12 AS loaded_cost_usd,
    bool_or(cost_assumed) AS cost_assumed
FROM priced_events
GROUP BY model
ORDER BY model
