-- economics_cost_by_plan: marginal and fully loaded cost of served requests, per plan
-- inputs: priced_events (sql/price_events.sql run over the served requests of a report, in the
--   private connection of planalyzer.economics.reprice, where they stand in for events)
-- outputs: rows: plan_order, gpu_cost_usd, loaded_cost_usd
-- params: none
-- slots: none
SELECT
    plan_order,
    sum(gpu_cost_usd) AS gpu_cost_usd,
    sum(loaded_cost_usd) AS loaded_cost_usd
FROM priced_events
GROUP BY plan_order
ORDER BY plan_order
