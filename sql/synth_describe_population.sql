-- synth_describe_population: users, requests and API-equivalent spend by profile and plan
-- inputs: synth_days
-- outputs: one row per (profile, plan)
-- params: none
-- slots: none
WITH user_months AS (
    SELECT
        user_id,
        any_value(profile) AS profile,
        any_value(plan) AS plan,
        month AS month,
        sum(requests) AS requests,
        fsum(spend_usd) AS spend,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(input_tokens + cache_write_tokens + cache_read_tokens + output_tokens) AS tokens,
        sum(unpriced_rows) AS unpriced_rows
    FROM synth_days
    GROUP BY user_id, month
)
SELECT
    profile,
    coalesce(plan, '') AS plan,
    count(DISTINCT user_id) AS users,
    sum(requests) AS requests,
    sum(tokens) AS tokens,
    fsum(spend) AS api_usd,
    median(spend) AS median_user_month_usd,
    sum(cache_read_tokens) / nullif(sum(tokens), 0) AS cache_read_share,
    sum(unpriced_rows) AS unpriced_rows
FROM user_months
GROUP BY profile, plan
ORDER BY profile, list_position(['free', 'claude_pro', 'claude_max_5x', 'claude_max_20x'], plan)
