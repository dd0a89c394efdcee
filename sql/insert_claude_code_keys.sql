-- insert_claude_code_keys: record the keys their event_id does not tell of the Claude Code
-- events a batch inserted (sql/create_claude_code_keys.sql).
-- inputs: cc_ranked, cc_parsed, cc_files
-- outputs: claude_code_keys (rows appended)
-- params: none
-- slots: none
INSERT INTO claude_code_keys
SELECT f.source, p.line_no, p.message_id, r.req, p.is_sidechain
FROM cc_ranked AS r
JOIN cc_parsed AS p ON p.file_idx = r.file_idx AND p.line_no = r.line_no
JOIN cc_files AS f ON f.file_idx = r.file_idx
WHERE r.keep AND p.message_id IS NOT NULL AND (p.is_sidechain OR contains(p.message_id, ':'))
