-- economics_cost_by_plan: marginal and fully loaded cost of served requests, per plan
-- inputs: priced_events (sql/price_events.sql run over the served requests of a report, in the
--   private connection of planalyzer.economics.reprice, where they stand in for events)
-- outputs: rows: plan_order, gpu_cost_usd, loaded_cost_usd
-- params: none
-- slots: none
-- money summed in whole atto-dollars (each request's amount to 1e-18 $, then an exact HUGEINT
-- sum; a request would need $1.7e20 to overflow): the same bits in every run, whatever the
-- threads, where sum or fsum of DOUBLE differ in the last bits run to run. Whole pico-dollars
-- (the report's month pass) would move a tornado end by up to 1e-12 $ a request, more than
-- its arithmetic by hand allows; DECIMAL(38, 18) costs twice the HUGEINT cast
SELECT
    plan_order,
    CAST(sum(CAST(gpu_cost_usd * 1e18 AS HUGEINT)) AS DOUBLE) / 1e18 AS gpu_cost_usd,
    CAST(sum(CAST(loaded_cost_usd * 1e18 AS HUGEINT)) AS DOUBLE) / 1e18 AS loaded_cost_usd
FROM priced_events
GROUP BY plan_order
ORDER BY plan_order
