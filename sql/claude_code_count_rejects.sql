-- claude_code_count_rejects: the staged Claude Code rows rejected for a count (cc_stage reads
-- JSON integers only, and 10.0, 1e3 or "+5" is a count too, and 2^63 is out of range in every
-- form): restage_claude_code_counts stages them again (none in what Claude Code writes).
-- inputs: cc_parsed
-- outputs: the rows: file_idx, line_no, raw (the line as staged), in line order
-- params: $reasons (the reasons of a count: non-integer, out of range)
-- slots: none
SELECT file_idx, line_no, raw
FROM cc_parsed
WHERE is_usage AND list_contains($reasons, reject_reason)
ORDER BY file_idx, line_no
