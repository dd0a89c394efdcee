-- create_skipped_lines: transcript lines that carry no usage, counted by file and kind.
-- inputs: none
-- outputs: skipped_lines (table, created if absent)
-- params: none
-- slots: none
-- Not rows of the load identity (rows are lines with usage): kept so that nothing read is lost
-- silently. An appended load adds rows; sum lines by source and kind to read it.
CREATE TABLE IF NOT EXISTS skipped_lines (
    source VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    lines BIGINT NOT NULL
)
