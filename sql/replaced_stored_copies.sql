-- replaced_stored_copies: how many rows earlier loads kept (of files on disk not read now) the
-- dedupe drops for a copy with more tokens in a file read now (a usage bucket fetched again
-- after it grew, a generation exported again once finished; or, of a dashboard CSV row, a
-- copy with as many from an export holding more of its bucket: sql/tied_bucket_copies.sql; or
-- a copy with as many tokens held otherwise, ranking before it by what it holds:
-- planalyzer.bucket_copies.RANK_SLOTS).
-- inputs: dup_dropped (temp table, sql/rank_duplicate_events.sql)
-- outputs: one row: replaced
-- params: none
-- slots: none
SELECT count(*) AS replaced
FROM dup_dropped
WHERE stored
