-- report_user_day_meters: some users' meter units per UTC day (for their window bounds)
-- inputs: priced_events, report_meter_weights (model + one weight column per meter and field),
--   report_day_users (user_id: the users to bound; Arrow tables registered by planalyzer.screen)
-- outputs: rows: user_id, utc_day (days since 1970, UTC), events, meter units summed (u0, ...)
-- params: none
-- slots: {{meter_sums}} (each meter's units: weight columns times token columns, summed)
-- The per-day pass of the month-first path (planalyzer.screen): only the users whose monthly
-- totals (sql/report_user_months_direct.sql) come near a cap, only what their bounds need.
-- Days are floored: the shift by 100,000 days keeps integer division exact before 1970.
WITH e AS (
    SELECT
        p.user_id, p.model, p.requests, p.input_tokens, p.cache_write_tokens,
        p.cache_write_1h_tokens, p.cache_read_tokens, p.output_tokens,
        CAST(coalesce(p.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
        (epoch_us(p.ts) + 8640000000000000) // 86400000000 - 100000 AS utc_day
    FROM priced_events AS p
    WHERE p.user_id IN (SELECT u.user_id FROM report_day_users AS u)
)
SELECT
    e.user_id,
    e.utc_day,
    count(*) AS events,
    {{meter_sums}}
FROM e
LEFT JOIN report_meter_weights AS w ON w.model = e.model
GROUP BY e.user_id, e.utc_day
