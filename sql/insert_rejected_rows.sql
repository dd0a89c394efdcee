-- insert_rejected_rows: keep the unusable rows of one source file, with their reason.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection)
-- outputs: rejected_rows (rows appended); returns the count inserted
-- params: $source
-- slots: {{checked_rows}}
INSERT INTO rejected_rows
SELECT $source, source_row, reject_reason, raw_json
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NOT NULL AND c.skip_kind IS NULL
