-- insert_claude_code_rejected: keep the rejected usage lines of a Claude Code batch.
-- inputs: cc_parsed, cc_files (temp table: file_idx, source, user_id)
-- outputs: rejected_rows (rows appended)
-- params: none
-- slots: none
INSERT INTO rejected_rows
SELECT f.source, p.line_no, p.reject_reason, p.raw
FROM cc_parsed AS p
JOIN cc_files AS f ON f.file_idx = p.file_idx
WHERE p.is_usage AND p.reject_reason IS NOT NULL
