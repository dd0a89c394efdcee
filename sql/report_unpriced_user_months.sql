-- report_unpriced_user_months: per user and billing month, the requests of models that have no
--   API list price (their api_value_usd is NULL), in the report period
-- inputs: events
-- outputs: rows: user_id, month_key (year * 12 + month - 1 of the local date), unpriced_requests
-- params: $tz, $models (the models with no list price), $since_day, $until_day (local days
--   since 1970, inclusive; the whole log when no --since/--until)
-- slots: none
-- Runs only when some logged model has no list price (planalyzer.analysis.compute): a
-- user-month holding any such request has an unknown API value. Reads events, not
-- priced_events: which models have no price is known already, nothing needs pricing. Same local
-- day as sql/report_user_months_direct.sql.
WITH ev AS (
    SELECT
        e.user_id, e.requests,
        ((CASE WHEN $tz = 'UTC' THEN epoch_us(e.ts) ELSE epoch_us(timezone($tz, e.ts)) END
            + 8640000000000000) // 3600000000) // 24 - 100000 AS local_day
    FROM events AS e
    WHERE list_contains($models, e.model)
),
dt AS (
    SELECT ev.*, DATE '1970-01-01' + CAST(ev.local_day AS INTEGER) AS local_date
    FROM ev
    WHERE ev.local_day BETWEEN $since_day AND $until_day
)
SELECT
    dt.user_id,
    CAST(year(dt.local_date) * 12 + month(dt.local_date) - 1 AS BIGINT) AS month_key,
    CAST(sum(dt.requests) AS BIGINT) AS unpriced_requests
FROM dt
GROUP BY dt.user_id, month_key
