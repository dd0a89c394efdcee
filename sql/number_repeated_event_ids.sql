-- number_repeated_event_ids: number the rows of a file whose event ids repeat within it.
-- inputs: temp table {{table}} (sql/stage_checked_rows.sql over a projection whose ids may
--         repeat: Projection.number_repeated_ids, an OpenAI dashboard CSV row's bucket and
--         grouping, planalyzer.sources.openai_usage._bucket_id)
-- outputs: {{table}}.event_id: the 2nd, 3rd ... row of an id, by its tokens (most first: the
--          total of its token classes, the dedupe's measure; ties by input, cache reads,
--          cache writes, 1-hour cache writes, output, requests), ends in '#2', '#3' ...; the
--          first keeps the bare id, so the same rows in another export, in any order, get the
--          same ids
-- params: none
-- slots: {{table}}
-- Rows are grouped by their id itself: a row's number depends only on the rows sharing its
-- bucket and grouping, so two exports holding it get the same id. (Grouped by the id's hash,
-- as the window over every row of the projection did before, ids that DuckDB hashes alike,
-- which minute buckets' ids often are (5,888 of 302,400 ids of a week of 30 users' minutes
-- share a hash), were numbered together: a row got '#2' in one export and none in another
-- that did not hold its partner, and two overlapping exports counted it twice.) A row with no
-- id keeps none. Only the rows of an id held by more than one row go through the window,
-- over the few columns it reads. planalyzer.sources.tabular._numbered_in_place gives the
-- same numbers where the load reads a file's rows in place (parquet).
-- Ordered by the total first: of two fetches of one bucket, the later holds each row with at
-- least as many tokens (and maybe rows the earlier lacks), so its n-th largest total is at
-- least the earlier's, and the dedupe, keeping each id's copy with the most tokens, keeps the
-- later fetch's rows. Ordered by input first (as before), a row that grew past another in
-- input while the other held more output swapped ids with it: a mid-day export and the final
-- one loaded together counted one row twice and lost another. Rows of equal totals still
-- swap ids where one grows (60 + 40 and 50 + 50, then 50 + 60): the copies of an id that tie
-- on their totals are ranked by their files' totals of the bucket and grouping, which the
-- later fetch holds more of (sql/tied_bucket_copies.sql). (The total is a HUGEINT: a
-- rejected row's counts may be out of range.)
UPDATE {{table}} AS c
SET event_id = c.event_id || '#' || CAST(d.n AS VARCHAR)
FROM (
    SELECT rowid AS r, row_number() OVER (
        PARTITION BY event_id
        ORDER BY CAST(input_tokens AS HUGEINT) + cache_read_tokens + cache_write_tokens
                     + cache_write_1h_tokens + output_tokens DESC,
                 input_tokens DESC, cache_read_tokens DESC, cache_write_tokens DESC,
                 cache_write_1h_tokens DESC, output_tokens DESC, requests DESC) AS n
    FROM {{table}}
    WHERE event_id IN (SELECT event_id FROM {{table}} GROUP BY 1 HAVING count(*) > 1)
) AS d
WHERE c.rowid = d.r AND d.n > 1
