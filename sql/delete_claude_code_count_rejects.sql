-- delete_claude_code_count_rejects: drop the staged Claude Code rows rejected for a count
-- (sql/claude_code_count_rejects.sql), before restage_claude_code_counts stages them again.
-- inputs: cc_parsed
-- outputs: cc_parsed (rows deleted)
-- params: $reasons (the reasons of a count: non-integer, out of range)
-- slots: none
DELETE FROM cc_parsed
WHERE is_usage AND list_contains($reasons, reject_reason)
