-- insert_claude_code_witnesses: record the main-thread copies a batch dropped (or displaced)
-- for a copy of another session (sql/create_claude_code_witnesses.sql).
-- inputs: cc_ranked, cc_files
-- outputs: claude_code_witnesses (rows appended)
-- params: none
-- slots: none
INSERT INTO claude_code_witnesses
SELECT coalesce(r.stored_source, f.source), r.line_no, r.message_id, r.witness_session
FROM cc_ranked AS r
LEFT JOIN cc_files AS f ON f.file_idx = r.file_idx
WHERE r.witness_session IS NOT NULL
