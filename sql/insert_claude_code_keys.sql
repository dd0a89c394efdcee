-- insert_claude_code_keys: record the keys their event_id and file do not tell of the Claude
-- Code events a batch inserted (sql/create_claude_code_keys.sql).
-- inputs: cc_ranked, cc_parsed, cc_files
-- outputs: claude_code_keys (rows appended)
-- params: none
-- slots: none
INSERT INTO claude_code_keys (source, source_row, message_id, request_id, is_sidechain,
                              session_id)
SELECT
    f.source, p.line_no, p.message_id, r.req, p.is_sidechain,
    CASE WHEN p.session_id IS DISTINCT FROM f.path_session THEN p.session_id END
FROM cc_ranked AS r
JOIN cc_parsed AS p ON p.file_idx = r.file_idx AND p.line_no = r.line_no
JOIN cc_files AS f ON f.file_idx = r.file_idx
WHERE r.keep AND p.message_id IS NOT NULL AND (p.is_sidechain OR contains(p.message_id, ':')
    OR p.session_id IS DISTINCT FROM f.path_session)
