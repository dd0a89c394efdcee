-- report_requests: priced requests in the order caps apply (plan, user, stint, time; at one
--   time by model, token counts, requests and row within its file, never by file name),
--   with the local billing month and hour and the bucket of each calendar window the plans use
-- inputs: priced_events, plan_assignment (user_id, stint, m_lo, m_hi, plan_order: each user's
--   plan per run of billing months, planalyzer.stints.plan_table)
-- outputs: rows: plan_order, user_id, stint, t_us, month_key (year*12 + month - 1), hour_key
--   (local hours since 1970), model, token classes, requests, costs, cost_assumed, calendar
--   buckets
-- params: $tz
-- slots: {{calendar_columns}} {{stint_months}}
-- calendar_columns: built by planalyzer.analysis from $tz_N / $off_N parameters; stint_months:
--   TRUE when every user has one plan_assignment row, else analysis.STINT_MONTHS
--   (`<the month_key expression> BETWEEN a.m_lo AND a.m_hi`)
-- A user on one plan has one plan_assignment row over every month; a user whose logged plan
-- changes has one per stint, and each request joins the stint holding its billing month.
SELECT
    a.plan_order,
    e.user_id,
    a.stint,
    epoch_us(e.ts) AS t_us,
    CAST(year(timezone($tz, e.ts)) * 12 + month(timezone($tz, e.ts)) - 1 AS BIGINT) AS month_key,
    CAST(epoch(date_trunc('hour', timezone($tz, e.ts))) // 3600 AS BIGINT) AS hour_key,
    e.model,
    e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens, e.requests,
    CAST(e.gpu_cost_usd AS DOUBLE) AS gpu_cost_usd,
    CAST(e.loaded_cost_usd AS DOUBLE) AS loaded_cost_usd,
    CAST(coalesce(e.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
    e.cost_assumed
    {{calendar_columns}}
FROM priced_events AS e
JOIN plan_assignment AS a ON a.user_id = e.user_id AND {{stint_months}}
ORDER BY a.plan_order, e.user_id, a.stint, e.ts,
    -- requests at the same time: by what they used, never by where their file is; rows
    -- alike in all of these are alike in every figure, in either order (docs/report.md)
    e.model, e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens, e.cache_read_tokens,
    e.output_tokens, e.requests, e.source_row
