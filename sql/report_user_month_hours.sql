-- report_user_month_hours: some users' distinct local hours with a request, per billing month
-- inputs: priced_events, report_hour_users (user_id: the users to count; an Arrow table
--   registered by planalyzer.screen)
-- outputs: rows: user_id, month_key (year * 12 + month - 1 of the local date), active_hours
-- params: $tz
-- slots: none
-- The month-first pass (sql/report_user_months_direct.sql) leaves active hours out; only
-- user-months that could be 24/7 (enough events and active days) need them, and their users
-- are few, so this pass filters on them at the scan. Same local hour as the month pass.
WITH ev AS (
    SELECT
        p.user_id,
        (CASE WHEN $tz = 'UTC' THEN epoch_us(p.ts) ELSE epoch_us(timezone($tz, p.ts)) END
            + 8640000000000000) // 3600000000 AS local_hour
    FROM priced_events AS p
    WHERE p.user_id IN (SELECT u.user_id FROM report_hour_users AS u)
),
dt AS (
    SELECT ev.*, DATE '1970-01-01' + CAST(ev.local_hour // 24 - 100000 AS INTEGER) AS local_date
    FROM ev
)
SELECT
    dt.user_id,
    CAST(year(dt.local_date) * 12 + month(dt.local_date) - 1 AS BIGINT) AS month_key,
    count(DISTINCT dt.local_hour) AS active_hours
FROM dt
GROUP BY dt.user_id, month_key
