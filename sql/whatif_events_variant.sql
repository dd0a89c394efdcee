-- whatif_events_variant: the events as a scenario's cost side changes them, as a temp view that
--   shadows the events table while the variant is priced and read (dropped after)
-- inputs: the events table ({{source}}: database.main.events, quoted), whatif_variant_params,
--   whatif_heavy_users (sql/whatif_heavy_users.sql)
-- outputs: events (temp view): same columns; model routed, prompt tokens moved to cache reads
-- params: none (the numbers are in whatif_variant_params: gain, the share of uncached prompt
--   tokens served from the cache instead, and the route_N_* columns {{model_expr}} uses)
-- slots: {{source}}, {{model_expr}} (built by planalyzer.whatif.variants)
-- A route picks a request by a hash of what it holds (user, time, model, event id, token
-- classes, requests): deterministic, the same requests for every run, wherever the logs lie
-- and in whichever format (it hashed the file path and row: the same logs moved, or read as
-- CSV rather than parquet, routed other requests). Requests holding the same are picked
-- together. Routes take their shares of that one draw in turn ({{model_expr}}): route i the
-- draws in [t, t + share), t the shares of the routes before it that match the request (0 where
-- none does: a route alone, or on other requests, takes draw < share). An aggregated row (a
-- usage bucket, requests > 1) is picked or
-- not as a whole, by its mean prompt per request against min/max_prompt_tokens. Heaviest users
-- rank by all tokens in the report period (whatif_heavy_users: heavy_rank 1 is the heaviest,
-- heavy_n the users with requests in the period; NULL for a user with none, whom no such route
-- takes); a route with heaviest_users_share s takes ranks <= ceil(s x n).
CREATE OR REPLACE TEMP VIEW events AS
WITH picked AS (
    SELECT
        e.*,
        u.heavy_rank,
        u.heavy_n,
        CAST(hash(e.user_id, e.ts, e.model, e.event_id, e.input_tokens, e.cache_write_tokens,
                  e.cache_write_1h_tokens, e.cache_read_tokens, e.output_tokens, e.requests)
             % 1000000 AS DOUBLE) / 1000000.0 AS draw,
        -- per request, as pricing sizes an aggregated row (requests > 1: that many requests of
        -- its mean size); the route's prompt limits are per request, and a row routes whole
        (e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens + e.cache_read_tokens)
            / CASE WHEN e.requests > 1 THEN e.requests ELSE 1 END AS prompt_tokens,
        CAST(round(e.input_tokens * v.gain) AS BIGINT) AS moved_in,
        CAST(round(e.cache_write_tokens * v.gain) AS BIGINT) AS moved_cw,
        CAST(round(e.cache_write_1h_tokens * v.gain) AS BIGINT) AS moved_cw1h
    FROM {{source}} AS e
    LEFT JOIN whatif_heavy_users AS u ON u.user_id = e.user_id
    CROSS JOIN whatif_variant_params AS v
)
SELECT
    p.event_id, p.ts, p.user_id, p.plan,
    {{model_expr}} AS model,
    p.input_tokens - p.moved_in AS input_tokens,
    p.cache_write_tokens - p.moved_cw AS cache_write_tokens,
    p.cache_write_1h_tokens - p.moved_cw1h AS cache_write_1h_tokens,
    p.cache_read_tokens + p.moved_in + p.moved_cw + p.moved_cw1h AS cache_read_tokens,
    p.output_tokens, p.requests, p.logged_cost_usd, p.source, p.source_row
FROM picked AS p
CROSS JOIN whatif_variant_params AS v
