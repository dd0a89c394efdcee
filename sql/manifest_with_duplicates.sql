-- manifest_with_duplicates: files whose rows an earlier load dropped, in part or whole, as
-- duplicates of rows it kept from other files.
-- inputs: load_manifest
-- outputs: one row per such file: source, format
-- params: none
-- slots: none
-- Run only when a load reloads a changed file (its old rows are deleted): these files are read
-- again with it, so the dedupe runs again and a request the changed file no longer holds is
-- kept from its other copy (planalyzer.store).
SELECT source, format
FROM load_manifest
WHERE duplicates_dropped > 0
ORDER BY source
