-- logged_cost_check: the cost a source logged beside what planalyzer computes, per model.
-- inputs: priced_events
-- outputs: model, events, logged_cost_usd, api_value_usd (computed at list prices),
--          gpu_cost_usd (computed marginal cost)
-- params: none
-- slots: none
SELECT
    model,
    count(*) AS events,
    sum(logged_cost_usd) AS logged_cost_usd,
    sum(api_value_usd) AS api_value_usd,
    sum(gpu_cost_usd) AS gpu_cost_usd
FROM priced_events
WHERE logged_cost_usd IS NOT NULL
GROUP BY model
ORDER BY logged_cost_usd DESC, model
