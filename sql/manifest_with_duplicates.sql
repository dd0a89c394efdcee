-- manifest_with_duplicates: files whose rows an earlier load dropped, in part or whole, as
-- duplicates of rows it kept from other files.
-- inputs: load_manifest
-- outputs: one row per such file: source, format
-- params: none
-- slots: none
-- Run only when a load finds transcripts gone from disk: of these, the files that may hold
-- copies of a gone file's rows are read again (planalyzer/store_gone.py copies_of). (A file
-- reloaded has the files linked to it read again: sql/linked_duplicates.sql.)
SELECT source, format
FROM load_manifest
WHERE duplicates_dropped > 0
ORDER BY source
