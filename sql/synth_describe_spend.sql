-- synth_describe_spend: spread and concentration of coding-agent spend per user-month
-- inputs: synth_days
-- outputs: one row: user_months, p25/p50/p75/p90/p99 of spend, top 1/10/25% shares
-- params: none
-- slots: none
-- top k% = the ceil(k x n) costliest user-months, like the report's concentration table
WITH user_months AS (
    SELECT user_id, month AS month, fsum(spend_usd) AS spend
    FROM synth_days
    WHERE profile IN ('agent', 'automated')
    GROUP BY ALL
    HAVING fsum(spend_usd) > 0
),
ranked AS (
    SELECT
        spend,
        row_number() OVER (ORDER BY spend DESC) AS rn,
        count(*) OVER () AS n,
        fsum(spend) OVER () AS total
    FROM user_months
)
SELECT
    count(*) AS user_months,
    quantile_cont(spend, 0.25) AS p25,
    quantile_cont(spend, 0.50) AS p50,
    quantile_cont(spend, 0.75) AS p75,
    quantile_cont(spend, 0.90) AS p90,
    quantile_cont(spend, 0.99) AS p99,
    fsum(spend) FILTER (WHERE rn <= greatest(1, ceil(0.01 * n))) / any_value(total) AS top1,
    fsum(spend) FILTER (WHERE rn <= greatest(1, ceil(0.10 * n))) / any_value(total) AS top10,
    fsum(spend) FILTER (WHERE rn <= greatest(1, ceil(0.25 * n))) / any_value(total) AS top25
FROM ranked
