-- insert_skipped_lines: append the skipped-line counts of a load.
-- inputs: skipped_in (a registered Arrow table: source, kind, lines)
-- outputs: skipped_lines (rows appended)
-- params: none
-- slots: none
INSERT INTO skipped_lines SELECT source, kind, lines FROM skipped_in
