-- differing_bucket_copies: usage-API buckets that two files hold with other token counts, per
-- pair of files, among the ids of files read now.
-- inputs: dup_bucket_copies (sql/stage_bucket_copies.sql: per file, the copies of the ids
--         whose copies' totals differ, a copy at least read now)
-- outputs: one row per pair of files a < b (by path), one of them at least read now, holding
--          copies of a bucket id whose tokens (the total of the token classes, the dedupe's
--          measure; a file's most where it holds the id twice) differ: a, b, a_new, b_new
--          (read now), buckets (the ids so held), a_more / b_more (of them, those a / b holds
--          more tokens of, the other's copy not cut short: dup_bucket_copies.cut), a_first /
--          b_first (the first such id by id, as {k, a, b}: the id and the tokens a and b hold
--          of it, one of those counted where any; NULL where none); ordered by a, b
-- params: none
-- slots: none
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats. A bucket fetched
-- again later holds at least as many tokens (it only grows while its period runs), so of two
-- fetches of one export the later holds at least as many tokens of every bucket they share
-- (the '#<n>' rows of a dashboard CSV too: sql/number_repeated_event_ids.sql numbers them by
-- their totals). Two files each holding more of some bucket than the other are no such pair:
-- exports filtered to other projects, workspaces, API keys or users, not grouped by them, whose
-- buckets get the same ids (planalyzer.bucket_copies). An OpenAI fetch's first bucket, which
-- its start_time may have cut short, holding less is no sign of either (it is not counted in
-- a_more / b_more). Costs: sql/stage_bucket_copies.sql.
WITH files AS (
    SELECT k, source, is_new, total, cut
    FROM dup_bucket_copies
),
pairs AS (
    SELECT x.source AS a, y.source AS b, x.is_new AS a_new, y.is_new AS b_new, x.k,
           x.total AS ta, y.total AS tb, x.cut AS a_cut, y.cut AS b_cut
    FROM files AS x
    JOIN files AS y ON x.k = y.k AND x.source < y.source
    WHERE x.total <> y.total AND (x.is_new OR y.is_new)
)
SELECT a, b, a_new, b_new, count(*) AS buckets,
       count_if(ta > tb AND NOT b_cut) AS a_more, count_if(tb > ta AND NOT a_cut) AS b_more,
       coalesce(min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE ta > tb AND NOT b_cut),
                min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE ta > tb)) AS a_first,
       coalesce(min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE tb > ta AND NOT a_cut),
                min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE tb > ta)) AS b_first
FROM pairs
GROUP BY a, b, a_new, b_new
ORDER BY a, b
