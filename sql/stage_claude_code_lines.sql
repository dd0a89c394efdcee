-- stage_claude_code_lines: parse one chunk of candidate Claude Code lines into cc_parsed.
-- inputs: $lines (the chunk's lines joined by newlines: a JSON line holds none), $file_idx and
--         $line_no (each line's file index and line number, comma-separated, in line order),
--         cc_parsed, macro cc_stage (sql/create_claude_code_stage_macro.sql)
-- outputs: cc_parsed (rows appended)
-- params: $lines, $file_idx, $line_no
-- slots: none
-- Bound VARCHARs, not an Arrow table or a list of lines: the load never imports pyarrow.
INSERT INTO cc_parsed
SELECT * FROM cc_stage($lines, $file_idx, $line_no)
