-- whatif_heavy_users: the users ranked by all tokens in the report period, heaviest first, for
--   the routes of a cost variant that take only the heaviest users (heaviest_users_share)
-- inputs: the events table ({{source}}: database.main.events, quoted: the events as logged)
-- outputs: whatif_heavy_users (temp table): user_id, heavy_rank (1: the heaviest; ties by user
--   id), heavy_n (the users with requests in the period); users without any are not in it
-- params: $tz, $since_day, $until_day, $month_keys (the report period: its first and last
--   local day, days since 1970, -2**40 and 2**40 when it does not cut by days; its billing
--   months as year * 12 + month - 1, empty: every month)
-- slots: {{source}}
-- The period's local month and day as sql/whatif_requests.sql gives them (month_key, hour_key)
-- and planalyzer.analysis.in_period reads them: "route this month's heaviest users" with
-- --month 2026-11 ranks by November's tokens, not by the whole log's (qa17B #1). A route with
-- heaviest_users_share s takes ranks <= ceil(s x n) (planalyzer.whatif.variants.heaviest_count);
-- it routes their matching requests in and out of the period (those before it count toward
-- windows that reach into it).
CREATE OR REPLACE TEMP TABLE whatif_heavy_users AS
WITH local AS (
    SELECT
        e.user_id,
        e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens + e.cache_read_tokens
            + e.output_tokens AS tokens,
        timezone($tz, e.ts) AS lt
    FROM {{source}} AS e
),
usage AS (
    SELECT user_id, sum(tokens) AS tokens
    FROM local
    WHERE (len($month_keys) = 0
           OR list_contains($month_keys, CAST(year(lt) * 12 + month(lt) - 1 AS BIGINT)))
        AND CAST(epoch(date_trunc('hour', lt)) // 3600 AS BIGINT) // 24
            BETWEEN $since_day AND $until_day
    GROUP BY user_id
)
SELECT
    user_id,
    row_number() OVER (ORDER BY tokens DESC, user_id) AS heavy_rank,
    count(*) OVER () AS heavy_n
FROM usage
