-- claude_code_file_counts: per file of a batch: rows read, loaded, rejected, duplicates, and
-- the usable rows whose usage logs web searches or an advisor iteration.
-- inputs: cc_parsed, cc_ranked
-- outputs: file_idx, rows_read, rows_loaded, rows_rejected, duplicates_dropped, searched,
--          advised
-- params: none
-- slots: none
-- searched and advised say whether sql/stage_claude_code_extras.sql and the queries reading
-- it have anything to count (left unrun otherwise: together 15-30 ms on nothing).
SELECT
    p.file_idx,
    count(*) AS rows_read,
    count(*) FILTER (WHERE r.keep) AS rows_loaded,
    count(*) FILTER (WHERE p.reject_reason IS NOT NULL) AS rows_rejected,
    count(*) FILTER (WHERE NOT r.keep) AS duplicates_dropped,
    count(*) FILTER (WHERE r.file_idx IS NOT NULL AND p.web_searches > 0) AS searched,
    count(*) FILTER (WHERE r.file_idx IS NOT NULL AND p.iterations IS NOT NULL) AS advised
FROM cc_parsed AS p
LEFT JOIN cc_ranked AS r ON r.file_idx = p.file_idx AND r.line_no = p.line_no
WHERE p.is_usage
GROUP BY p.file_idx
