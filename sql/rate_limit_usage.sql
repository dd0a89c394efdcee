-- rate_limit_usage: the priced requests of users who logged rate-limit readings, from the files
-- that logged them (a client's readings count only that client's usage), in time order.
-- inputs: priced_events, rate_limit_snapshots
-- outputs: user_id, t_us, model, requests, token classes, api_value_usd, priced (false: no
--          API list price; api_value_usd 0 there)
-- params: none
-- slots: none
SELECT
    e.user_id,
    epoch_us(e.ts) AS t_us,
    e.model,
    e.requests,
    e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens,
    CAST(coalesce(e.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
    e.api_value_usd IS NOT NULL AS priced
FROM priced_events AS e
WHERE e.source IN (SELECT DISTINCT source FROM rate_limit_snapshots)
ORDER BY e.user_id, e.ts, e.source, e.source_row
