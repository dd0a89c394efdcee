-- rate_limit_readings: each logged rate-limit reading with the window it describes.
-- inputs: rate_limit_snapshots
-- outputs: user_id, plan_type, window_name ('5 h' or 'week'), window_minutes, end_us (the
--          reading's time), start_us (the window's start: resets_at - window length when that
--          lies before the reading, else the reading's time - window length), used_percent
-- params: $min_percent
-- slots: none
SELECT
    user_id,
    plan_type,
    CASE "window" WHEN 'primary' THEN '5 h' WHEN 'secondary' THEN 'week' ELSE "window" END
        AS window_name,
    window_minutes,
    epoch_us(ts) AS end_us,
    CASE
        WHEN resets_at IS NOT NULL AND resets_at >= ts
             AND resets_at - to_minutes(window_minutes) <= ts
            THEN epoch_us(resets_at - to_minutes(window_minutes))
        ELSE epoch_us(ts - to_minutes(window_minutes))
    END AS start_us,
    used_percent
FROM rate_limit_snapshots
WHERE used_percent >= $min_percent AND window_minutes > 0
ORDER BY user_id, "window", ts
