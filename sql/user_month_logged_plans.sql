-- user_month_logged_plans: for some users, the plan of their latest logged event in each local
--   billing month that logged one (the report period's part of a month cut by --since/--until)
-- inputs: events, plan_change_users (user_id: an Arrow table registered by
--   planalyzer.analysis.logged_plan_changes)
-- outputs: rows: user_id, month_key (year * 12 + month - 1 of the local date), logged_plan,
--   logged_first (the plan of its first logged event: a change within the month differs)
-- params: $tz, $since_day, $until_day (the report period's first and last local day, days
--   since 1970; -2**40 and 2**40 when the period does not cut by days)
-- slots: none
-- Runs only for users who logged more than one plan (sql/user_logged_plans.sql); the same
-- local month as sql/report_user_months_direct.sql. A month cut by the period takes the plan
-- of its latest (and first) logged event within the period, else, where that part logged
-- none, the month's own: so --until the day before a downgrade bills the month at the plan
-- logged until then (docs/report.md, "Plan of a user"). A month wholly in the period, or
-- wholly outside it, is the same either way. Plans logged at the same time: the one whose name
-- sorts last is the later (so the latest, and never the first where several share the first
-- time): the same plan in every run, however DuckDB's threads split the events.
WITH ev AS (
    SELECT
        e.user_id, e.plan, e.ts,
        ((CASE WHEN $tz = 'UTC' THEN epoch_us(e.ts) ELSE epoch_us(timezone($tz, e.ts)) END
            + 8640000000000000) // 3600000000) // 24 - 100000 AS local_day
    FROM events AS e
    SEMI JOIN plan_change_users AS u ON e.user_id = u.user_id
    WHERE e.plan IS NOT NULL
),
dt AS (
    SELECT ev.*, DATE '1970-01-01' + CAST(ev.local_day AS INTEGER) AS local_date,
        ev.local_day BETWEEN $since_day AND $until_day AS in_period
    FROM ev
)
SELECT
    dt.user_id,
    CAST(year(dt.local_date) * 12 + month(dt.local_date) - 1 AS BIGINT) AS month_key,
    coalesce(arg_max(dt.plan, (dt.ts, dt.plan)) FILTER (WHERE dt.in_period),
        arg_max(dt.plan, (dt.ts, dt.plan))) AS logged_plan,
    coalesce(arg_min(dt.plan, (dt.ts, dt.plan)) FILTER (WHERE dt.in_period),
        arg_min(dt.plan, (dt.ts, dt.plan))) AS logged_first
FROM dt
GROUP BY dt.user_id, month_key
ORDER BY dt.user_id, month_key
