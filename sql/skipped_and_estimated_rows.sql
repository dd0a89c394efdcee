-- skipped_and_estimated_rows: sql/skipped_row_kinds.sql, and in the same pass the usable rows
-- whose request count is an estimate (a bucket of a usage export that logged no count: its
-- prompt tokens over the assumed mean prompt per request, --bucket-prompt-tokens).
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection, which
--         has requests_estimated)
-- outputs: skip_kind, n: one row per kind of row that is not a model call, and one row with
--          skip_kind NULL counting the usable rows with an estimated request count (none
--          where there are none)
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- One pass, not two: a usage JSON is parsed again on every pass over its checked rows.
SELECT skip_kind, count(*) AS n
FROM ({{checked_rows}}) AS c
WHERE c.skip_kind IS NOT NULL OR (c.reject_reason IS NULL AND c.requests_estimated)
GROUP BY skip_kind
ORDER BY skip_kind
