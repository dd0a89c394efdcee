-- report_user_months: per user and billing month, priced usage with every request served, and
--   per user a bound on what any window of each limit can hold (one pass over the events)
-- inputs: priced_events, report_meter_weights (model + one weight column per meter and field),
--   plan_assignment (user_id, plan_order); both Arrow tables registered by planalyzer.screen
-- outputs: rows: user_id, month_key (year*12 + month - 1, local), plan_order, requests, token
--   classes, gpu_cost_usd, loaded_cost_usd, api_value_usd, cost_assumed, active_hours,
--   active_days, first_day, last_day (local day numbers), meter units (u0, u1, ...), window
--   bounds (s0, s1, ...), user_events (the user's event rows in the whole log)
-- params: $tz, $months (month keys to keep; empty keeps all), $since, $until (local day
--   numbers, inclusive, or NULL)
-- slots: {{meter_sums}}, {{meter_totals}}, {{day_sums}}, {{window_sums}}, {{window_maxima}}
--   (built by planalyzer.screen from generated column names and $span_N parameters)
-- How: one hash aggregate per user, local day and UTC day (no sort of the events); the
-- month sums and the window bounds read that small table. A window of at most N days lies in
-- N + 1 consecutive UTC days, so the largest sum over such runs bounds every window: a user
-- whose bound is below a cap never reaches it and needs no per-request caps engine.
-- Days are floored: the shift by 100,000 days keeps integer division exact before 1970.
WITH e AS (
    SELECT
        p.user_id, p.model, p.requests, p.input_tokens, p.cache_write_tokens,
        p.cache_write_1h_tokens, p.cache_read_tokens, p.output_tokens,
        CAST(p.gpu_cost_usd AS DOUBLE) AS gpu_cost_usd,
        CAST(p.loaded_cost_usd AS DOUBLE) AS loaded_cost_usd,
        CAST(coalesce(p.api_value_usd, 0) AS DOUBLE) AS api_value_usd,
        p.cost_assumed,
        (CASE WHEN $tz = 'UTC' THEN epoch_us(p.ts) ELSE epoch_us(timezone($tz, p.ts)) END
            + 8640000000000000) // 3600000000 AS local_hour,
        (epoch_us(p.ts) + 8640000000000000) // 86400000000 - 100000 AS utc_day
    FROM priced_events AS p
),
days AS MATERIALIZED (
    SELECT
        e.user_id,
        e.local_hour // 24 - 100000 AS day_key,
        e.utc_day,
        count(*) AS events,
        sum(e.requests) AS requests,
        sum(e.input_tokens) AS input_tokens,
        sum(e.cache_write_tokens) AS cache_write_tokens,
        sum(e.cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(e.cache_read_tokens) AS cache_read_tokens,
        sum(e.output_tokens) AS output_tokens,
        sum(e.gpu_cost_usd) AS gpu_cost_usd,
        sum(e.loaded_cost_usd) AS loaded_cost_usd,
        sum(e.api_value_usd) AS api_value_usd,
        bool_or(e.cost_assumed) AS cost_assumed,
        bit_or(CAST(1 AS INTEGER) << CAST(e.local_hour % 24 AS INTEGER)) AS hours_mask,
        {{meter_sums}}
    FROM e
    LEFT JOIN report_meter_weights AS w ON w.model = e.model
    GROUP BY e.user_id, day_key, e.utc_day
),
bounds AS (
    SELECT user_id, {{window_maxima}}
    FROM (
        SELECT user_id, {{window_sums}}
        FROM (
            SELECT user_id, utc_day, {{day_sums}}
            FROM days
            GROUP BY user_id, utc_day
        ) AS d
    ) AS w
    GROUP BY user_id
),
sizes AS (
    SELECT user_id, CAST(sum(events) AS BIGINT) AS user_events
    FROM days
    GROUP BY user_id
),
local_days AS (
    SELECT
        user_id,
        day_key,
        CAST(year(DATE '1970-01-01' + CAST(day_key AS INTEGER)) * 12
             + month(DATE '1970-01-01' + CAST(day_key AS INTEGER)) - 1 AS BIGINT) AS month_key,
        sum(requests) AS requests,
        sum(input_tokens) AS input_tokens,
        sum(cache_write_tokens) AS cache_write_tokens,
        sum(cache_write_1h_tokens) AS cache_write_1h_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(output_tokens) AS output_tokens,
        sum(gpu_cost_usd) AS gpu_cost_usd,
        sum(loaded_cost_usd) AS loaded_cost_usd,
        sum(api_value_usd) AS api_value_usd,
        bool_or(cost_assumed) AS cost_assumed,
        bit_or(hours_mask) AS hours_mask,
        {{day_sums}}
    FROM days
    WHERE ($since IS NULL OR day_key >= $since) AND ($until IS NULL OR day_key <= $until)
    GROUP BY user_id, day_key
),
months AS (
    SELECT
        d.user_id,
        d.month_key,
        a.plan_order,
        CAST(sum(d.requests) AS BIGINT) AS requests,
        CAST(sum(d.input_tokens) AS BIGINT) AS input_tokens,
        CAST(sum(d.cache_write_tokens) AS BIGINT) AS cache_write_tokens,
        CAST(sum(d.cache_write_1h_tokens) AS BIGINT) AS cache_write_1h_tokens,
        CAST(sum(d.cache_read_tokens) AS BIGINT) AS cache_read_tokens,
        CAST(sum(d.output_tokens) AS BIGINT) AS output_tokens,
        sum(d.gpu_cost_usd) AS gpu_cost_usd,
        sum(d.loaded_cost_usd) AS loaded_cost_usd,
        sum(d.api_value_usd) AS api_value_usd,
        bool_or(d.cost_assumed) AS cost_assumed,
        CAST(sum(bit_count(d.hours_mask)) AS BIGINT) AS active_hours,
        CAST(count(*) AS BIGINT) AS active_days,
        min(d.day_key) AS first_day,
        max(d.day_key) AS last_day,
        {{meter_totals}}
    FROM local_days AS d
    JOIN plan_assignment AS a ON a.user_id = d.user_id
    WHERE len($months) = 0 OR list_contains($months, d.month_key)
    GROUP BY d.user_id, d.month_key, a.plan_order
)
SELECT m.*, b.* EXCLUDE (user_id), z.user_events
FROM months AS m
JOIN bounds AS b ON b.user_id = m.user_id
JOIN sizes AS z ON z.user_id = m.user_id
