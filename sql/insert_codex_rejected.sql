-- insert_codex_rejected: keep the rejected Codex token_count events of a batch.
-- inputs: codex_rows (temp view: sql/create_codex_rows_view.sql), codex_files (registered
--         Arrow table)
-- outputs: rejected_rows (rows appended)
-- params: none
-- slots: none
INSERT INTO rejected_rows
SELECT f.source, r.line_no, r.reject_reason, r.raw
FROM codex_rows AS r
JOIN codex_files AS f ON f.file_idx = r.file_idx
WHERE r.reject_reason IS NOT NULL
