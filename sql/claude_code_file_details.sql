-- claude_code_file_details: per file of a batch: rejected rows by reason and candidate lines
-- that turned out to carry no message.usage, by kind.
-- inputs: cc_parsed
-- outputs: file_idx, what ('rejected' | 'skipped'), label (reason or kind), n
-- params: none
-- slots: none
SELECT file_idx, 'rejected' AS what, reject_reason AS label, count(*) AS n
FROM cc_parsed
WHERE is_usage AND reject_reason IS NOT NULL
GROUP BY file_idx, reject_reason
UNION ALL
SELECT file_idx, 'skipped', kind, count(*)
FROM cc_parsed
WHERE NOT is_usage
GROUP BY file_idx, kind
