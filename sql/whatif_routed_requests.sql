-- whatif_routed_requests: the requests of the report period that a cost variant routed to another
--   model, with their GPU cost priced as routed (read while the variant's events view shadows
--   the events table)
-- inputs: priced_events (over the variant's events), the real events table ({{source}})
-- outputs: whatif_routed (temp table): source, source_row, requests, from_model, to_model,
--   to_cost_usd
-- params: $tz, $since_day, $until_day, $month_keys, $left_out (the period, as
--   sql/whatif_heavy_users.sql takes it; the users with no plan, in no figure of the what-if)
-- slots: {{source}} (database.main.events, quoted: the events as logged)
-- A request is known by where it came from (source, source_row), as the variant's draw is. Only
-- the requests the what-if's figures cover (in the period's local months and days, as
-- sql/whatif_requests.sql and planalyzer.analysis.in_period place them; of users on a plan),
-- so the note on their cost (sql/whatif_routed_cost.sql) is the period's, as the table it sits
-- under (qa17B #1: with --month 2026-11 it counted October's too).
CREATE OR REPLACE TEMP TABLE whatif_routed AS
WITH routed AS (
    SELECT
        o.source,
        o.source_row,
        o.requests,
        o.model AS from_model,
        v.model AS to_model,
        v.gpu_cost_usd AS to_cost_usd,
        timezone($tz, o.ts) AS lt
    FROM priced_events AS v
    JOIN {{source}} AS o
        ON o.source = v.source AND o.source_row = v.source_row
    WHERE o.model <> v.model
        AND NOT list_contains($left_out, o.user_id)
)
SELECT source, source_row, requests, from_model, to_model, to_cost_usd
FROM routed
WHERE (len($month_keys) = 0
       OR list_contains($month_keys, CAST(year(lt) * 12 + month(lt) - 1 AS BIGINT)))
    AND CAST(epoch(date_trunc('hour', lt)) // 3600 AS BIGINT) // 24
        BETWEEN $since_day AND $until_day
