-- stage_bucket_copies: the copies of usage-API bucket ids held with other token counts, per
-- file, for the checks of bucket copies (planalyzer.bucket_copies).
-- inputs: bucket_fetches (sql/create_bucket_fetches.sql: the buckets a fetch cut short);
--         dup_copies (sql/stage_duplicate_copies.sql: the rows of the repeated keys a file
--         read now holds, with their total tokens, bucket start and whether read now); event
--         ids that name a bucket ('openai:', 'openai-csv:', 'anthropic:',
--         'anthropic-analytics:': sql/overlapping_buckets.sql lists their makers)
-- outputs: dup_bucket_copies (temp table): k, source, is_new (read now), total (its tokens:
--          the total of the token classes, the dedupe's measure; a file's most where it
--          holds the id twice), ts_us (the bucket's start, epoch microseconds), cut (an
--          OpenAI Usage API bucket the file's fetch cut short at its start_time:
--          bucket_fetches.cut_us); one row per file and id
--          whose copies' totals differ, a copy at least read now
-- params: none
-- slots: none
-- A fetch of OpenAI's Usage API with a start_time inside a bucket (a rolling "last 7 days")
-- starts its first bucket there: that copy holds less of a bucket a fetch of the whole holds
-- whichever was fetched first, so a cut copy is no sign of which file is the later fetch
-- (sql/differing_bucket_copies.sql) nor of a finished bucket holding less
-- (sql/finished_bucket_copies.sql); the dedupe keeps the copy holding the most.
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats; read by
-- sql/differing_bucket_copies.sql and sql/finished_bucket_copies.sql. Hashes first, with
-- fixed-size aggregates: only the ids whose copies differ are grouped by id and file. CPU on
-- a busy 2-core machine: two overlapping minute-bucket CSVs of 30 users (172,800 and 216,000
-- rows, 86,400 ids shared, 43,200 of them differing) 0.13-0.15 s (0.3 s grouping every id by
-- file first), 0.13-0.23 s where none differs, in loads of 3.5-4.5 s; a 1,440-row CSV into a
-- --db file of those 302,400 rows 0.02-0.04 s (measured reading events); reading the staged
-- copies instead, the overlapping CSVs 0.15-0.18 -> 0.086-0.098 s (quiet). Staged once for
-- sql/differing_bucket_copies.sql and sql/finished_bucket_copies.sql: minute CSVs of 30 users
-- of days 0-3 and 2-6, 21,600 of the shared ids differing, the check of pairs in one query
-- 0.057-0.065 s; staged 0.048-0.053 s, then pairs 0.015 s and finished buckets 0.022-0.026 s.
CREATE OR REPLACE TEMP TABLE dup_bucket_copies AS
WITH keyed AS (
    SELECT h, k, source, is_new, ts_us, CAST(total_tokens AS HUGEINT) AS total
    FROM dup_copies
    WHERE k LIKE 'openai:%' OR k LIKE 'openai-csv:%'
        OR k LIKE 'anthropic:%' OR k LIKE 'anthropic-analytics:%'
),
candidates AS (  -- hashes of ids held with other totals, one copy at least read now
    SELECT h
    FROM keyed
    GROUP BY h
    HAVING count(*) > 1 AND bool_or(is_new) AND min(total) <> max(total)
)
SELECT c.*, f.source IS NOT NULL AS cut
FROM (
    SELECT k, source, bool_or(is_new) AS is_new, max(total) AS total, min(ts_us) AS ts_us
    FROM keyed
    WHERE h IN (SELECT h FROM candidates)
    GROUP BY k, source
) AS c
LEFT JOIN (  -- the buckets the files' fetches cut short
    SELECT DISTINCT source, cut_us
    FROM bucket_fetches
    WHERE cut_us IS NOT NULL
) AS f ON f.source = c.source AND f.cut_us = c.ts_us
