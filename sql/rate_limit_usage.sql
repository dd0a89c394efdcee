-- rate_limit_usage: the priced requests of users who logged rate-limit readings, from the files
-- that logged them (a client's readings count only that client's usage), in time order.
-- inputs: priced_events, rate_limit_snapshots
-- outputs: user_id, t_us, model, requests, token classes, api_value_usd, priced (false: no
--          API list price; api_value_usd 0 there)
-- params: none
-- slots: none
-- A request whose own token_count event logged a reading of another limit than the plan's
-- (limit_id other than 'codex': a model with a bucket of its own, GPT-5.3-Codex-Spark's) is
-- not in the plan's windows: it counts against that bucket only. A store an older planalyzer
-- made, opened read-only, has no limit_id column: read as NULL (the plan's).
WITH snapshots AS (
    SELECT * FROM rate_limit_snapshots
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS limit_id, NULL::VARCHAR AS limit_name WHERE false
), own_bucket AS (
    SELECT DISTINCT source, ts FROM snapshots WHERE coalesce(limit_id, 'codex') <> 'codex'
)
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
WHERE e.source IN (SELECT DISTINCT source FROM snapshots)
  AND NOT EXISTS (SELECT 1 FROM own_bucket AS o WHERE o.source = e.source AND o.ts = e.ts)
ORDER BY e.user_id, e.ts,
    -- requests at the same time: by what they used, never by where their file is; rows
    -- alike in all of these are alike in every figure, in either order (docs/report.md)
    e.model, e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens, e.requests, e.source_row
