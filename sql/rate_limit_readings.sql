-- rate_limit_readings: each logged rate-limit reading with the window it describes.
-- inputs: rate_limit_snapshots
-- outputs: user_id, plan_type, plan_limit (the plan's own limit: limit_id 'codex' or none),
--          limit_label (another limit's limit_name, else its limit_id; with the limit_id in
--          parentheses where another limit_id has the same name, as in me_rate_limits.sql),
--          window_name ('5 h', 'week' or 'N min', from the logged length as in
--          me_rate_limits.sql; NULL where none was logged), window_minutes (the logged length,
--          or the nearest of $lengths within $tolerance of it: Codex logs 299 and 10079 for its
--          5-hour and weekly windows; NULL where no length was logged: such a reading cannot
--          be matched to a catalog limit), logged_minutes (as logged), end_us (the reading's
--          time), start_us (the window's start: resets_at - window length when that lies
--          before the reading, else the reading's time - window length), used_percent,
--          unlabelled (no limit_id: stored by an older planalyzer, taken as the plan's)
-- params: $min_percent, $lengths, $tolerance
-- ($lengths: the catalog's rolling window lengths in minutes; $tolerance: a share of a length)
-- slots: none
-- A store an older planalyzer made, opened read-only, has no limit columns: read as NULL.
WITH snapshots AS (
    SELECT * FROM rate_limit_snapshots
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS limit_id, NULL::VARCHAR AS limit_name WHERE false
), snapped AS (
    SELECT
        s.*,
        coalesce((SELECT m FROM unnest(CAST($lengths AS BIGINT[])) AS l(m)
                  WHERE abs(m - s.window_minutes) <= $tolerance * m
                  ORDER BY abs(m - s.window_minutes), m LIMIT 1), s.window_minutes)
            AS length_minutes
    FROM snapshots AS s
    WHERE s.used_percent >= $min_percent
), names AS (
    SELECT limit_key,
           CASE WHEN limit_key = 'codex' THEN 'codex'
                ELSE coalesce(max(limit_name), limit_key) END AS name
    FROM (SELECT coalesce(limit_id, 'codex') AS limit_key, limit_name FROM snapshots)
    GROUP BY limit_key
), labels AS (
    SELECT limit_key,
           CASE WHEN limit_key <> 'codex' AND count(*) OVER (PARTITION BY name) > 1
                THEN name || ' (' || limit_key || ')' ELSE name END AS limit_label
    FROM names
)
SELECT
    user_id,
    plan_type,
    coalesce(limit_id, 'codex') = 'codex' AS plan_limit,
    l.limit_label,
    CASE
        WHEN window_minutes IS NULL OR window_minutes <= 0 THEN NULL
        WHEN abs(window_minutes - 300) <= $tolerance * 300 THEN '5 h'
        WHEN abs(window_minutes - 10080) <= $tolerance * 10080 THEN 'week'
        ELSE CAST(window_minutes AS VARCHAR) || ' min'
    END AS window_name,
    CASE WHEN window_minutes > 0 THEN length_minutes END AS window_minutes,
    window_minutes AS logged_minutes,
    epoch_us(ts) AS end_us,
    CASE
        WHEN resets_at IS NOT NULL AND resets_at >= ts
             AND resets_at - to_minutes(length_minutes) <= ts
            THEN epoch_us(resets_at - to_minutes(length_minutes))
        ELSE epoch_us(ts - to_minutes(length_minutes))
    END AS start_us,
    used_percent,
    limit_id IS NULL AS unlabelled
FROM snapped AS s
JOIN labels AS l ON l.limit_key = coalesce(s.limit_id, 'codex')
ORDER BY user_id, length_minutes, ts
