-- insert_skipped_lines: append the skipped-line counts of a load.
-- inputs: $source, $kind, $lines (bound lists of one length: one entry per file and kind)
-- outputs: skipped_lines (rows appended)
-- params: $source, $kind, $lines
-- slots: none
INSERT INTO skipped_lines
SELECT
    unnest($source::VARCHAR[]) AS source,
    unnest($kind::VARCHAR[]) AS kind,
    unnest($lines::BIGINT[]) AS lines
