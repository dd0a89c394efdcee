-- delete_claude_code_displaced: delete the stored events a batch's copies replace.
-- inputs: cc_ranked
-- outputs: events, or claude_code_keys ({{table}}): rows of displaced copies deleted
-- params: none
-- slots: {{table}} (events or claude_code_keys: both name a row by source, source_row)
DELETE FROM {{table}} AS t
USING cc_ranked AS r
WHERE r.stored_source IS NOT NULL AND NOT r.keep AND NOT r.witness
    AND t.source = r.stored_source AND t.source_row = r.line_no
