-- me_rate_limits: the highest share of each rate-limit window the client saw used, per month,
-- logged plan type, limit and window.
-- inputs: rate_limit_snapshots
-- outputs: month, plan_type, limit_label, plan_limit, window_name, window_minutes,
--          max_used_percent, readings, unlabelled (readings with no limit_id: stored by an
--          older planalyzer, read as the plan's), no_length (readings that logged no window
--          length: named by position, and not checked against the plan catalog),
--          shared_name (another limit_id has the same limit_name: the label adds the id)
-- params: $tz, $tolerance
-- slots: none
-- A plan change within a month gives each plan type its own rows. plan_limit: the plan's own
-- limit (limit_id 'codex', or none logged: older versions), labelled 'codex'; another limit
-- (a model's own bucket, e.g. codex_bengalfox) is labelled by its limit_name, followed by its
-- limit_id in parentheses where another limit_id has the same name (or is the plan's own
-- 'codex'), so no two limits share a label. window_name: from
-- window_minutes, within $tolerance (a share) of 300 -> '5 h', of 10080 -> 'week', else
-- 'N min'; by position (primary 5 h, secondary week) only where no length was logged (plans
-- with a weekly limit only log it as primary). The same naming as rate_limit_readings.sql.
-- A store an older planalyzer made, opened read-only, has no limit columns: read as NULL.
WITH snapshots AS (
    SELECT * FROM rate_limit_snapshots
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS limit_id, NULL::VARCHAR AS limit_name WHERE false
), named AS (
    SELECT
        strftime(timezone($tz, ts), '%Y-%m') AS month,
        plan_type,
        coalesce(limit_id, 'codex') AS limit_key,
        limit_id IS NULL AS unlabelled,
        limit_name,
        CASE
            WHEN window_minutes IS NULL OR window_minutes <= 0 THEN
                CASE "window" WHEN 'primary' THEN '5 h' WHEN 'secondary' THEN 'week'
                    ELSE "window" END
            WHEN abs(window_minutes - 300) <= $tolerance * 300 THEN '5 h'
            WHEN abs(window_minutes - 10080) <= $tolerance * 10080 THEN 'week'
            ELSE CAST(window_minutes AS VARCHAR) || ' min'
        END AS window_name,
        window_minutes,
        used_percent
    FROM snapshots
), names AS (
    SELECT limit_key,
           CASE WHEN limit_key = 'codex' THEN 'codex'
                ELSE coalesce(max(limit_name), limit_key) END AS name
    FROM named
    GROUP BY limit_key
), labels AS (
    SELECT limit_key,
           limit_key <> 'codex' AND count(*) OVER (PARTITION BY name) > 1 AS shared_name,
           CASE WHEN shared_name THEN name || ' (' || limit_key || ')' ELSE name END
               AS limit_label
    FROM names
)
SELECT
    month,
    plan_type,
    l.limit_label,
    n.limit_key = 'codex' AS plan_limit,
    window_name,
    max(window_minutes) AS window_minutes,
    max(used_percent) AS max_used_percent,
    count(*) AS readings,
    count(*) FILTER (WHERE unlabelled) AS unlabelled,
    count(*) FILTER (WHERE window_minutes IS NULL OR window_minutes <= 0) AS no_length,
    l.shared_name
FROM named AS n
JOIN labels AS l ON l.limit_key = n.limit_key
GROUP BY month, plan_type, n.limit_key, l.limit_label, l.shared_name, window_name
ORDER BY month, plan_type, NOT plan_limit, limit_label,
         CASE window_name WHEN '5 h' THEN 0 WHEN 'week' THEN 1 ELSE 2 END,
         max(window_minutes), window_name
