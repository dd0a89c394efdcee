-- differing_bucket_copies: usage-API buckets that two files hold with other token counts, per
-- pair of files, among the ids of files read now.
-- inputs: dup_copies (sql/stage_duplicate_copies.sql: the rows of the repeated keys a file
--         read now holds, with their total tokens and whether read now); event ids that name a bucket ('openai:', 'openai-csv:',
--         'anthropic:', 'anthropic-analytics:': sql/overlapping_buckets.sql lists their makers)
-- outputs: one row per pair of files a < b (by path), one of them at least read now, holding
--          copies of a bucket id whose tokens (the total of the token classes, the dedupe's
--          measure; a file's most where it holds the id twice) differ: a, b, a_new, b_new
--          (read now), buckets (the ids so held), a_more / b_more (of them, those a / b holds
--          more tokens of), a_first / b_first (the first such id by id, as {k, a, b}: the id
--          and the tokens a and b hold of it; NULL where none); ordered by a, b
-- params: none
-- slots: none
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats. A bucket fetched
-- again later holds at least as many tokens (it only grows while its period runs), so of two
-- fetches of one export the later holds at least as many tokens of every bucket they share
-- (the '#<n>' rows of a dashboard CSV too: sql/number_repeated_event_ids.sql numbers them by
-- their totals). Two files each holding more of some bucket than the other are no such pair:
-- exports filtered to other projects, workspaces, API keys or users, not grouped by them, whose
-- buckets get the same ids (planalyzer.bucket_copies). Hashes first, with fixed-size
-- aggregates: only the ids whose copies differ are grouped by id and paired. CPU of this
-- check on a busy 2-core machine: two overlapping minute-bucket CSVs of 30 users (172,800 and
-- 216,000 rows, 86,400 ids shared, 43,200 of them differing) 0.13-0.15 s (0.3 s grouping
-- every id by file first), 0.13-0.23 s where none differs, in loads of 3.5-4.5 s; a
-- 1,440-row CSV into a --db file of those 302,400 rows 0.02-0.04 s (measured reading events);
-- reading the staged copies instead, the overlapping CSVs 0.15-0.18 -> 0.086-0.098 s (quiet).
WITH keyed AS (
    SELECT h, k, source, is_new, CAST(total_tokens AS HUGEINT) AS total
    FROM dup_copies
    WHERE k LIKE 'openai:%' OR k LIKE 'openai-csv:%'
        OR k LIKE 'anthropic:%' OR k LIKE 'anthropic-analytics:%'
),
candidates AS (  -- hashes of ids held with other totals, one copy at least read now
    SELECT h
    FROM keyed
    GROUP BY h
    HAVING count(*) > 1 AND bool_or(is_new) AND min(total) <> max(total)
),
files AS MATERIALIZED (
    SELECT k, source, bool_or(is_new) AS is_new, max(total) AS total
    FROM keyed
    WHERE h IN (SELECT h FROM candidates)
    GROUP BY k, source
),
pairs AS (
    SELECT x.source AS a, y.source AS b, x.is_new AS a_new, y.is_new AS b_new, x.k,
           x.total AS ta, y.total AS tb
    FROM files AS x
    JOIN files AS y ON x.k = y.k AND x.source < y.source
    WHERE x.total <> y.total AND (x.is_new OR y.is_new)
)
SELECT a, b, a_new, b_new, count(*) AS buckets,
       count_if(ta > tb) AS a_more, count_if(tb > ta) AS b_more,
       min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE ta > tb) AS a_first,
       min({'k': k, 'a': ta, 'b': tb}) FILTER (WHERE tb > ta) AS b_first
FROM pairs
GROUP BY a, b, a_new, b_new
ORDER BY a, b
