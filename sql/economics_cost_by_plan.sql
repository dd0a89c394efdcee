-- economics_cost_by_plan: marginal and fully loaded cost of served requests, per plan
-- inputs: priced_events (sql/price_events.sql run over the served requests of a report, in the
--   private connection of planalyzer.economics.reprice, where they stand in for events)
-- outputs: rows: plan_order, gpu_cost_usd, loaded_cost_usd
-- params: none
-- slots: none
-- money summed as DECIMAL(38, 18) (each request's amount to 1e-18 $, then an exact sum): the
-- same bits in every run, whatever the threads, where sum or fsum of DOUBLE differ in the last
-- bits run to run; whole pico-dollars (the report's month pass) would move a tornado end by
-- up to 1e-12 $ a request, more than its arithmetic by hand allows
SELECT
    plan_order,
    CAST(sum(CAST(gpu_cost_usd AS DECIMAL(38, 18))) AS DOUBLE) AS gpu_cost_usd,
    CAST(sum(CAST(loaded_cost_usd AS DECIMAL(38, 18))) AS DOUBLE) AS loaded_cost_usd
FROM priced_events
GROUP BY plan_order
ORDER BY plan_order
