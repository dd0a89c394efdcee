-- report_user_months_direct: every user's priced usage per local billing month, in one pass
-- inputs: priced_events, report_meter_weights (model + one weight column per meter and field,
--   an Arrow table registered by planalyzer.screen)
-- outputs: rows: user_id, month_key (year * 12 + month - 1 of the local date), events,
--   requests, token classes (as DOUBLE sums), gpu_cost_usd, loaded_cost_usd, api_value_usd,
--   cost_assumed, active_days (distinct local days), first_day and last_day (local days
--   since 1970), meter units summed (u0, ...), slot sums (a0_0, ...)
-- params: $tz
-- slots: {{meter_sums}}, {{slot_sums}}, {{logged_plan}}, {{exact_int}}
--   exact_int: BIGINT, or HUGEINT where an event is too large for it
--   (planalyzer.screen.wide_on_overflow);
--   meter_sums: each meter's units (weight columns times token columns), summed; slot_sums:
--   empty, or ", " then some meters' units summed per slot of the month (FILTER on e.slot:
--   local days 1-5, 6-10, ..., 26 to the end), for planalyzer.screen.month_bounds;
--   logged_plan: empty, or ", " then the user-month's latest logged plan and its time
--   (logged_plan, logged_us: arg_max and max of epoch_us(ts) over events with a plan) and
--   plans_differ (it logged more than one plan: planalyzer.screen.LOGGED_PLAN), so the
--   report needs no scan of its own for each user's latest plan (sql/user_logged_plans.sql)
-- No active hours here (seven 120-bit masks were a fifth of this pass): only the user-months
-- that could be 24/7 get them, from sql/report_user_month_hours.sql.
-- The same sums as report_user_days summed per month, in a hash table of user-months rather
-- than user-days (about 30 times fewer groups): planalyzer.screen uses it when no --since or
-- --until cuts a month, and runs report_user_day_meters only for users it cannot screen from
-- these monthly totals.
WITH ev AS (
    SELECT
        p.user_id, p.model, p.requests, p.input_tokens, p.cache_write_tokens,
        p.cache_write_1h_tokens, p.cache_read_tokens, p.output_tokens,
        CAST(p.gpu_cost_usd AS DOUBLE) AS gpu_cost_usd,
        CAST(p.loaded_cost_usd AS DOUBLE) AS loaded_cost_usd,
        CAST(coalesce(p.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
        p.cost_assumed, p.plan, epoch_us(p.ts) AS ts_us,
        (CASE WHEN $tz = 'UTC' THEN epoch_us(p.ts) ELSE epoch_us(timezone($tz, p.ts)) END
            + 8640000000000000) // 3600000000 AS local_hour
    FROM priced_events AS p
),
dt AS (
    SELECT ev.*, DATE '1970-01-01' + CAST(ev.local_hour // 24 - 100000 AS INTEGER) AS local_date
    FROM ev
),
e AS (
    -- dom: day of month - 1 (0..30); slot: dom // 5, days 26-31 in slot 5
    SELECT dt.*, CAST(dayofmonth(dt.local_date) - 1 AS INTEGER) AS dom,
        CASE WHEN dayofmonth(dt.local_date) > 25 THEN 5
             ELSE CAST(dayofmonth(dt.local_date) - 1 AS INTEGER) // 5 END AS slot
    FROM dt
)
SELECT
    e.user_id,
    CAST(year(e.local_date) * 12 + month(e.local_date) - 1 AS BIGINT) AS month_key,
    count(*) AS events,
    sum(CAST(e.requests AS DOUBLE)) AS requests,
    sum(CAST(e.input_tokens AS DOUBLE)) AS input_tokens,
    sum(CAST(e.cache_write_tokens AS DOUBLE)) AS cache_write_tokens,
    sum(CAST(e.cache_write_1h_tokens AS DOUBLE)) AS cache_write_1h_tokens,
    sum(CAST(e.cache_read_tokens AS DOUBLE)) AS cache_read_tokens,
    sum(CAST(e.output_tokens AS DOUBLE)) AS output_tokens,
    -- money summed in whole pico-dollars (each event's amount rounded to 1e-12 $, then an
    -- integer sum; the exact_int slot: BIGINT, or HUGEINT where an event, a bucket of many
    -- requests, holds $9.2M or more: planalyzer.screen.wide_on_overflow): the same bits in
    -- every run, whatever the threads, where fsum or sum of DOUBLE differ in the last bits
    -- run to run (DECIMAL(38, 18) cost +35% of this pass)
    CAST(sum(CAST(e.gpu_cost_usd * 1e12 AS {{exact_int}})) AS DOUBLE) / 1e12 AS gpu_cost_usd,
    CAST(sum(CAST(e.loaded_cost_usd * 1e12 AS {{exact_int}})) AS DOUBLE) / 1e12 AS loaded_cost_usd,
    CAST(sum(CAST(e.api_value_usd * 1e12 AS {{exact_int}})) AS DOUBLE) / 1e12 AS api_value_usd,
    bool_or(e.cost_assumed) AS cost_assumed,
    bit_count(bit_or(CAST(1 AS BIGINT) << e.dom)) AS active_days,
    min(e.local_hour // 24 - 100000) AS first_day,
    max(e.local_hour // 24 - 100000) AS last_day,
    {{meter_sums}}{{slot_sums}}{{logged_plan}}
FROM e
LEFT JOIN report_meter_weights AS w ON w.model = e.model
GROUP BY e.user_id, month_key
