-- count_estimated_requests: the usable rows of one source file whose request count is an
-- estimate (a bucket of a usage export that logs no request count: its prompt tokens over the
-- assumed mean prompt per request, --bucket-prompt-tokens), counted for the load's note.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection, which
--         has requests_estimated)
-- outputs: n: one row, the count
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
SELECT count(*) AS n
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NULL AND c.skip_kind IS NULL AND c.requests_estimated
