-- synth_describe_days: one row per user, local active day and UTC month, with tokens and
--   API-equivalent spend
-- inputs: synth_src (events view), synth_people (user_id, profile, tz_offset_min),
--   synth_prices (model, input, cache_write, cache_write_1h, cache_read, output; USD per M)
-- outputs: synth_days (temp table)
-- params: none
-- slots: none
-- A local day is the UTC time shifted by the user's offset (ccusage counts days on the user's
-- machine clock, and so do the published per-active-day figures). A user-month is a UTC
-- month, like the month partitions and a plan's billing month: a local day whose requests fall
-- in two UTC months is two rows here (statistics per active day add them up again).
CREATE OR REPLACE TEMP TABLE synth_days AS
SELECT
    e.user_id,
    coalesce(any_value(p.profile), 'unknown') AS profile,
    any_value(e.plan) AS plan,
    CAST(timezone('UTC', e.ts) + to_minutes(coalesce(p.tz_offset_min, 0)) AS DATE) AS local_day,
    -- the UTC month of the requests (the month partition), for user-months
    CAST(date_trunc('month', timezone('UTC', e.ts)) AS DATE) AS month,
    sum(e.requests) AS requests,
    sum(e.input_tokens) AS input_tokens,
    sum(e.cache_write_tokens + e.cache_write_1h_tokens) AS cache_write_tokens,
    sum(e.cache_read_tokens) AS cache_read_tokens,
    sum(e.output_tokens) AS output_tokens,
    fsum((e.input_tokens * pr.input + e.cache_write_tokens * pr.cache_write
        + e.cache_write_1h_tokens * pr.cache_write_1h + e.cache_read_tokens * pr.cache_read
        + e.output_tokens * pr.output) / 1e6) AS spend_usd,
    fsum(e.output_tokens * pr.output / 1e6) AS output_usd,
    count(*) FILTER (WHERE pr.model IS NULL) AS unpriced_rows
FROM synth_src AS e
LEFT JOIN synth_people AS p ON p.user_id = e.user_id
LEFT JOIN synth_prices AS pr ON pr.model = e.model
GROUP BY e.user_id, CAST(timezone('UTC', e.ts) + to_minutes(coalesce(p.tz_offset_min, 0)) AS DATE),
    CAST(date_trunc('month', timezone('UTC', e.ts)) AS DATE)
