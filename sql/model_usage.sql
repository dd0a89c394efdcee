-- model_usage: requests and tokens per logged model name (to resolve and report models)
-- inputs: events
-- outputs: a result set: one row per model
-- params: none
-- slots: none
SELECT
    model,
    SUM(requests) AS requests,
    SUM(input_tokens) AS input_tokens,
    SUM(cache_write_tokens) AS cache_write_tokens,
    SUM(cache_write_1h_tokens) AS cache_write_1h_tokens,
    SUM(cache_read_tokens) AS cache_read_tokens,
    SUM(output_tokens) AS output_tokens
FROM events
GROUP BY model
ORDER BY model
