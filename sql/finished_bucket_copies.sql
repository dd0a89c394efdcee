-- finished_bucket_copies: usage-API buckets a file holds with fewer tokens than another file,
-- though the bucket was finished when that file was fetched (planalyzer.bucket_copies).
-- inputs: dup_bucket_copies (sql/stage_bucket_copies.sql: per file, the copies of the ids
--         whose copies' totals differ, a copy at least read now, with their bucket start);
--         bucket_fetches (sql/create_bucket_fetches.sql: per file and grouping, the latest
--         bucket's start, and whether an id repeats); macro pa_bucket_grouping
-- outputs: one row per file holding fewer tokens so: source, source_new (read now), buckets
--          (the ids it so holds), files (the files holding the most of them: of the files
--          read now where source is stored; the first by path where several do), first (the
--          first such id by id, as {k, less, more, later_us, file, file_new}: the id, the
--          tokens source and that file hold of it, the start of the latest bucket of its
--          grouping in source, that file and whether it is read now); ordered by source
-- params: $late_s (seconds after a bucket ended within which late usage may still add to it)
-- slots: none
-- Run before sql/rank_duplicate_events.sql, only when a dedupe key repeats. A fetch is taken
-- after the start of every bucket it holds, and a bucket only grows while its period runs:
-- two fetches of one export hold other counts of a bucket only where it was still running
-- in the earlier one, its latest bucket of the grouping. A file holding fewer tokens of a
-- bucket than another file and also a bucket of the same grouping (user, project, key, model
-- ..., and width) that starts at least $late_s after that bucket ended (usage reported late
-- may add to a bucket for a while after it ends) held that bucket finished: the other file
-- is no later fetch of it, whichever holds more of their other buckets (an export of another
-- project that used more every day; one split into a file per day, each holding one
-- bucket). Copies are compared per id, each file's against the most any other file holds,
-- so a set of files is compared with a file as a whole. A file that may hold fetches of
-- several times (it holds a bucket id twice: pages appended as a job fetched them) is not
-- judged so: its copy of a bucket may be older than its latest bucket. Nor is a copy that
-- may have been cut short (an OpenAI fetch's first bucket: dup_bucket_copies.cut): a fetch of
-- "the last 7 days" holds less of its first day than the fetch of the day before did. A file an older
-- planalyzer stored has no bucket_fetches rows and is not judged so either (as before).
-- bucket_fetches, written when a file is read, keeps what a stored file's rows said though
-- later loads dropped some (its running bucket replaced by a later fetch's copy), so a --db
-- load judges a stored file as a load of every file at once does. The copies in files whose
-- latest bucket starts a day after them are taken first (a join on the few files, by
-- numbers): most loads that reach this (copies that differ: a mid-day fetch and the final
-- one) have none, and nothing more runs over their copies. CPU on a busy 2-core machine: a
-- 43,200-row minute CSV, 21,600 copies differing, into a --db file of a week of those
-- (302,400 rows) 0.005-0.006 s; minute CSVs of days 0-3 and 2-6 (21,600 of the shared ids
-- differing, on day 3: 129,570 copies in files holding buckets a day later) 0.022-0.026 s.
WITH latest AS (  -- per file of one fetch: the start of its latest bucket
    SELECT source, max(last_us) AS last_us
    FROM bucket_fetches
    GROUP BY source
    HAVING NOT bool_or(repeated)
),
near AS MATERIALIZED (  -- copies that started a day before it (their width: below)
    SELECT c.*
    FROM dup_bucket_copies AS c
    JOIN latest AS l ON l.source = c.source
    WHERE l.last_us >= c.ts_us + CAST($late_s AS BIGINT) * 1000000 AND NOT c.cut
),
copies AS MATERIALIZED (  -- every copy of those ids
    SELECT *
    FROM dup_bucket_copies
    WHERE k IN (SELECT k FROM near)
),
below AS (  -- of them, those below the most another file holds of the id (one read now)
    SELECT e.k, e.source, e.is_new, e.total, e.ts_us, max(y.total) AS bar
    FROM near AS e
    JOIN copies AS y ON y.k = e.k AND y.source <> e.source
    WHERE e.is_new OR y.is_new
    GROUP BY ALL
    HAVING e.total < max(y.total)
),
finished AS (  -- ... in a file holding a bucket of its grouping a day after it ended
    SELECT b.*, f.last_us
    FROM below AS b
    JOIN bucket_fetches AS f
        ON f.source = b.source AND f.grouping = pa_bucket_grouping(b.k)
    WHERE f.last_us >= b.ts_us
        + (TRY_CAST(split_part(f.grouping, ':', 2) AS BIGINT) + $late_s) * 1000000
),
paired AS (  -- the file holding the bar (the first by path of several)
    SELECT x.k, x.source, x.is_new, x.total, x.bar, x.last_us,
           min(y.source) AS more, arg_min(y.is_new, y.source) AS more_new
    FROM finished AS x
    JOIN copies AS y ON y.k = x.k AND y.total = x.bar AND (x.is_new OR y.is_new)
    GROUP BY ALL
)
SELECT source, bool_or(is_new) AS source_new, count(*) AS buckets,
       count(DISTINCT more) AS files,
       min({'k': k, 'less': total, 'more': bar, 'later_us': last_us, 'file': more,
            'file_new': more_new}) AS first
FROM paired
GROUP BY source
ORDER BY source
