-- whatif_routed_cost: per route (from model, to model) the GPU cost of the routed requests as
--   logged and as routed, to say when a routing raises cost (the proxy serving profiles); the
--   requests of the report period only (sql/whatif_routed_requests.sql)
-- inputs: whatif_routed (sql/whatif_routed_requests.sql), priced_events (over the real events)
-- outputs: from_model, to_model, requests (an aggregated row counts its requests),
--   from_cost_usd, to_cost_usd; one row per route
-- params: none
-- slots: none
SELECT
    r.from_model,
    r.to_model,
    sum(r.requests) AS requests,
    sum(b.gpu_cost_usd) AS from_cost_usd,
    sum(r.to_cost_usd) AS to_cost_usd
FROM whatif_routed AS r
JOIN priced_events AS b
    ON b.source = r.source AND b.source_row = r.source_row
GROUP BY r.from_model, r.to_model
ORDER BY r.from_model, r.to_model
