-- store_totals: the accounting of every file a --db store holds, summed (what analysis over
-- its events stands on: rows read = loaded + rejected + duplicates dropped).
-- inputs: load_manifest
-- outputs: one row: files, rows_read, rows_loaded, rows_rejected, duplicates_dropped,
--   reasons (the rejected_by_reason JSON of each file with rejected rows)
-- params: $every (true: every file), $sources (else: these files only)
-- slots: none
SELECT
    count(*) AS files,
    coalesce(sum(rows_read), 0) AS rows_read,
    coalesce(sum(rows_loaded), 0) AS rows_loaded,
    coalesce(sum(rows_rejected), 0) AS rows_rejected,
    coalesce(sum(duplicates_dropped), 0) AS duplicates_dropped,
    coalesce(list(rejected_by_reason) FILTER (WHERE rows_rejected > 0), []) AS reasons
FROM load_manifest
WHERE $every OR list_contains($sources, source)
