-- move_source_rows: re-point what one source file contributed to a table at its new path.
-- inputs: {{table}} (a table with a source column: events, rejected_rows, skipped_lines)
-- outputs: rows of $old_source now under $new_source
-- params: $old_source, $new_source
-- slots: {{table}}
-- A file gone from disk whose bytes another file now holds was moved (a renamed folder): its
-- rows are kept under the new path, so a later change to the file replaces them.
UPDATE {{table}} SET source = $new_source WHERE source = $old_source
