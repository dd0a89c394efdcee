-- me_rate_limits: the highest share of each rate-limit window the client saw used, per month.
-- inputs: rate_limit_snapshots
-- outputs: month, plan_type, window, window_minutes, max_used_percent, readings
-- params: $tz
-- slots: none
SELECT
    strftime(timezone($tz, ts), '%Y-%m') AS month,
    mode(plan_type) AS plan_type,
    CASE "window" WHEN 'primary' THEN '5 h' WHEN 'secondary' THEN 'week' ELSE "window" END
        AS window_name,
    max(window_minutes) AS window_minutes,
    max(used_percent) AS max_used_percent,
    count(*) AS readings
FROM rate_limit_snapshots
GROUP BY month, "window"
ORDER BY month, "window"
