-- number_repeated_event_ids: number the rows of a file whose event ids repeat within it.
-- inputs: temp table {{table}} (sql/stage_checked_rows.sql over a projection whose ids may
--         repeat: Projection.number_repeated_ids, an OpenAI dashboard CSV row's bucket and
--         grouping, planalyzer.sources.openai_usage._bucket_id)
-- outputs: {{table}}.event_id: the 2nd, 3rd ... row of an id, by its token counts (largest
--          first: input, cache reads, cache writes, 1-hour cache writes, output, requests),
--          ends in '#2', '#3' ...; the first keeps the bare id, so the same rows in another
--          export, in any order, get the same ids
-- params: none
-- slots: {{table}}
-- Rows are grouped by the hash of their id, as the window over every row of the projection
-- that did this before grouped them (ids a --db store holds must not change): two ids with
-- one hash are numbered together and stay two ids (the second one's row gets '#2'); a row
-- with no id keeps none. Only the rows of a hash held by more than one row go through the
-- window, over the few columns it reads: a week of minute buckets of 30 users (302,400
-- rows, none repeating) 0.05-0.06 s CPU here, where that window, carrying every column of
-- every row, took stage_checked_rows from 1.2-1.3 s to 1.95-2.15 s; with 30,062 buckets
-- twice (332,462 rows) 0.09-0.10 s. planalyzer.sources.tabular._numbered_in_place gives
-- the same numbers where the load reads a file's rows in place (parquet).
UPDATE {{table}} AS c
SET event_id = c.event_id || '#' || CAST(d.n AS VARCHAR)
FROM (
    SELECT rowid AS r, row_number() OVER (
        PARTITION BY hash(event_id)
        ORDER BY input_tokens DESC, cache_read_tokens DESC, cache_write_tokens DESC,
                 cache_write_1h_tokens DESC, output_tokens DESC, requests DESC) AS n
    FROM {{table}}
    WHERE hash(event_id) IN (SELECT hash(event_id) FROM {{table}} GROUP BY 1
                             HAVING count(*) > 1)
) AS d
WHERE c.rowid = d.r AND d.n > 1 AND c.event_id IS NOT NULL
