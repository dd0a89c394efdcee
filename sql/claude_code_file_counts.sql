-- claude_code_file_counts: per file of a batch: rows read, loaded, rejected, duplicates.
-- inputs: cc_parsed, cc_ranked
-- outputs: file_idx, rows_read, rows_loaded, rows_rejected, duplicates_dropped
-- params: none
-- slots: none
SELECT
    p.file_idx,
    count(*) AS rows_read,
    count(*) FILTER (WHERE r.keep) AS rows_loaded,
    count(*) FILTER (WHERE p.reject_reason IS NOT NULL) AS rows_rejected,
    count(*) FILTER (WHERE NOT r.keep) AS duplicates_dropped
FROM cc_parsed AS p
LEFT JOIN cc_ranked AS r ON r.file_idx = p.file_idx AND r.line_no = p.line_no
WHERE p.is_usage
GROUP BY p.file_idx
