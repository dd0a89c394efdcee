-- insert_bad_lines: keep a text file's lines that could not be read as a row, with the reason.
-- inputs: $source; $rows, $reasons, $raw (bound lists of one length: one entry per line)
-- outputs: rejected_rows (rows appended); returns the count inserted
-- params: $source, $rows, $reasons, $raw
-- slots: none
INSERT INTO rejected_rows
SELECT $source, unnest($rows::BIGINT[]), unnest($reasons::VARCHAR[]), unnest($raw::VARCHAR[])
