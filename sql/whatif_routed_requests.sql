-- whatif_routed_requests: the requests a cost variant routed to another model, with their GPU
--   cost priced as routed (read while the variant's events view shadows the events table)
-- inputs: priced_events (over the variant's events), the real events table ({{source}})
-- outputs: whatif_routed (temp table): source, source_row, from_model, to_model, to_cost_usd
-- params: none
-- slots: {{source}} (database.main.events, quoted: the events as logged)
-- A request is known by where it came from (source, source_row), as the variant's draw is.
CREATE OR REPLACE TEMP TABLE whatif_routed AS
SELECT
    o.source,
    o.source_row,
    o.model AS from_model,
    v.model AS to_model,
    v.gpu_cost_usd AS to_cost_usd
FROM priced_events AS v
JOIN {{source}} AS o
    ON o.source = v.source AND o.source_row = v.source_row
WHERE o.model <> v.model
