-- rejected_row_copies: rows rejected in this load that are copies of a row rejected in another
-- file (the same raw row, rejected for the same reason): overlapping exports (monthly dumps
-- that share a day) reject a bad row once per file holding it.
-- inputs: rejected_rows
-- outputs: one row: copies (rows of $new_sources whose row was rejected in another file too,
--          counting one of each row as no copy where every file holding it is of this load),
--          example (a file of this load holding such a copy), example_other (another file
--          holding the same row: the two name one row, never one file twice), earlier (the
--          distinct rows among them that a file not read now was rejected for too: a --db
--          store's earlier load), files (every file holding such a copy, of this load or
--          an earlier one: the overlapping exports, for sql/loaded_row_copies.sql)
-- params: $new_sources (the files read in this load)
-- slots: none
-- A parquet row's raw JSON holds its file_row_number: left out of the comparison (a raw row
-- that is no JSON, a transcript's truncated line, is compared as it is). Copies within
-- one file are not counted here (the same bad row twice in one file is two bad rows of it).
WITH r AS (
    SELECT source, reason,
           CASE WHEN raw_json LIKE '%"file_row_number"%' AND json_valid(raw_json)
                THEN CAST(json_merge_patch(raw_json, '{"file_row_number": null}') AS VARCHAR)
                ELSE raw_json END AS raw,
           list_contains($new_sources, source) AS is_new
    FROM rejected_rows
    WHERE raw_json IS NOT NULL
),
groups AS (
    SELECT count(DISTINCT source) FILTER (WHERE is_new) AS new_files,
           count(DISTINCT source) FILTER (WHERE NOT is_new) AS old_files,
           min(source) FILTER (WHERE is_new) AS example,
           list(DISTINCT source) AS files
    FROM r
    GROUP BY reason, raw
    HAVING count(DISTINCT source) > 1 AND count(*) FILTER (WHERE is_new) > 0
),
named AS (  -- another file holding the same row as the example (the first by name)
    SELECT *, list_min(list_filter(files, lambda f: f <> example)) AS example_other
    FROM groups
)
SELECT coalesce(sum(new_files - CASE WHEN old_files = 0 THEN 1 ELSE 0 END), 0) AS copies,
       first(example ORDER BY example, example_other) AS example,
       first(example_other ORDER BY example, example_other) AS example_other,
       count(*) FILTER (WHERE old_files > 0) AS earlier,
       list_sort(list_distinct(flatten(list(files)))) AS files
FROM named
