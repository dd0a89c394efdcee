-- logged_codex_plan_types: the plan types a Codex client logged with its readings of the
-- plan's own limit, with the days of the first and last such reading.
-- inputs: rate_limit_snapshots
-- outputs: plan_type, first_day, last_day (YYYY-MM-DD in $tz), readings
-- params: $tz
-- slots: none
-- A model's own bucket (limit_id other than 'codex') names the same account's plan; only the
-- plan's own readings are counted, as everywhere else. Readings with no plan type (older
-- versions) name none. A store an older planalyzer made has no limit_id column: read as NULL.
WITH snapshots AS (
    SELECT * FROM rate_limit_snapshots
    UNION ALL BY NAME
    SELECT NULL::VARCHAR AS limit_id, NULL::VARCHAR AS limit_name WHERE false
)
SELECT
    plan_type,
    strftime(timezone($tz, min(ts)), '%Y-%m-%d') AS first_day,
    strftime(timezone($tz, max(ts)), '%Y-%m-%d') AS last_day,
    count(*) AS readings
FROM snapshots
WHERE coalesce(limit_id, 'codex') = 'codex' AND coalesce(plan_type, '') <> ''
GROUP BY plan_type
ORDER BY min(ts), plan_type
