-- loaded_row_copies: loaded rows without an event id that overlapping exports both hold (the
-- files holding copies of a rejected row, sql/rejected_row_copies.sql): with no event id and
-- no --dedupe-on key no row is a duplicate, so each file's copy of a shared good row is loaded
-- and its request counted once per file holding it.
-- inputs: events
-- outputs: one row: copies (the rows loaded more than once: of each row held by N of $files,
--          with one of them read now, the N - 1 extra copies)
-- params: $files (the overlapping exports), $new_sources (the files read in this load)
-- slots: none
-- A row is the same request where it has the same time, user, plan, model and token counts
-- (the logged cost, a float, aside); copies within one file are two requests of that file.
WITH e AS (
    SELECT source, ts, user_id, plan, model, input_tokens, cache_write_tokens,
           cache_write_1h_tokens, cache_read_tokens, output_tokens, requests
    FROM events
    WHERE event_id IS NULL AND list_contains($files, source)
),
groups AS (
    SELECT count(DISTINCT source) AS files,
           bool_or(list_contains($new_sources, source)) AS has_new
    FROM e
    GROUP BY ts, user_id, plan, model, input_tokens, cache_write_tokens, cache_write_1h_tokens,
             cache_read_tokens, output_tokens, requests
    HAVING count(DISTINCT source) > 1
)
SELECT coalesce(sum(files - 1) FILTER (WHERE has_new), 0) AS copies
FROM groups
