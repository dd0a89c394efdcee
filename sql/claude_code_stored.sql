-- claude_code_stored: whether the store holds events of Claude Code files, or witnesses of
-- main-thread copies (a load then ranks its copies with them: sql/rank_claude_code_rows.sql).
-- inputs: load_manifest, claude_code_witnesses
-- outputs: one row: stored (boolean)
-- params: none
-- slots: none
SELECT EXISTS (
    SELECT 1 FROM load_manifest AS m WHERE m.format = 'claude-code' AND m.rows_loaded > 0
) OR EXISTS (SELECT 1 FROM claude_code_witnesses) AS stored
