-- report_user_days: every user's priced usage per local day and UTC day, with meter units
-- inputs: priced_events, report_meter_weights (model + one weight column per meter and field,
--   an Arrow table registered by planalyzer.screen)
-- outputs: rows: user_id, days_key (local day * 4 + UTC day - local day + 1; days since 1970,
--   local in $tz), events, requests, token classes (as DOUBLE sums), gpu_cost_usd, loaded_cost_usd, api_value_usd, cost_assumed, hours_mask (bit
--   h set: a request in local hour h of that day), meter units summed (u0, u1, ...)
-- params: $tz
-- slots: {{meter_sums}}, {{exact_int}} (meter_sums: each meter's units: weight columns
--        times token columns, summed)
--   exact_int: BIGINT, or HUGEINT where an event is too large for it
--   (planalyzer.screen.wide_on_overflow)
-- One hash aggregate over the events, no sort. planalyzer.screen fetches it as Arrow and
-- sql/report_user_months.sql reads that (faster than a temp table or a materialized CTE).
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
)
SELECT
    e.user_id,
    -- one key for both days: local day * 4 + (UTC day - local day + 1), the difference is
    -- -1, 0 or 1 (offsets are under a day); a smaller hash table than two keys
    (e.local_hour // 24 - 100000) * 4 + (e.utc_day - (e.local_hour // 24 - 100000) + 1)
        AS days_key,
    count(*) AS events,
    -- integer sums as DOUBLE: exact below 2^53, and half the aggregate state of HUGEINT
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
    bit_or(CAST(1 AS INTEGER) << CAST(e.local_hour % 24 AS INTEGER)) AS hours_mask,
    {{meter_sums}}
FROM e
LEFT JOIN report_meter_weights AS w ON w.model = e.model
GROUP BY e.user_id, days_key
