-- synth_describe_day_stats: coding-agent spend per active day, weekend share, token mix
-- inputs: synth_days
-- outputs: one row of statistics over coding-agent active days (local days)
-- params: none
-- slots: none
-- synth_days splits a local day spanning two UTC months in two rows: add them up again
WITH days AS (
    SELECT
        user_id, local_day, any_value(profile) AS profile,
        fsum(spend_usd) AS spend_usd, fsum(output_usd) AS output_usd,
        sum(cache_read_tokens) AS cache_read_tokens, sum(cache_write_tokens) AS cache_write_tokens,
        sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens
    FROM synth_days
    GROUP BY user_id, local_day
)
SELECT
    count(*) AS active_days,
    quantile_cont(spend_usd, 0.50) AS day_p50,
    quantile_cont(spend_usd, 0.90) AS day_p90,
    quantile_cont(spend_usd, 0.99) AS day_p99,
    fsum(spend_usd) / count(*) AS day_mean,
    avg(CASE WHEN isodow(local_day) >= 6 THEN 1.0 ELSE 0.0 END) AS weekend_share,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(cache_write_tokens) AS cache_write_tokens,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    fsum(output_usd) / nullif(fsum(spend_usd), 0) AS output_cost_share
FROM days
WHERE profile IN ('agent', 'automated')
