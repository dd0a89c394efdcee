-- restage_claude_code_counts: stage again the Claude Code lines cc_stage rejected for a count
-- that is no JSON integer, reading their counts as the tabular reader reads a text cell.
-- inputs: $lines (the rejected rows' raw lines joined by newlines), $file_idx and $line_no
--         (each line's file index and line number, comma-separated, in line order),
--         cc_parsed, macro cc_stage_counts (sql/create_claude_code_stage_macro.sql)
-- outputs: cc_parsed (rows appended: sql/delete_claude_code_count_rejects.sql dropped the
--          rows staged before)
-- params: $lines, $file_idx, $line_no
-- slots: none
INSERT INTO cc_parsed
SELECT * FROM cc_stage_counts($lines, $file_idx, $line_no)
