-- first_rejected_rows: the first few rejected rows of the given files, for an error message.
-- inputs: rejected_rows
-- outputs: source, source_row, reason; at most $limit rows
-- params: $sources, $limit
-- slots: none
SELECT source, source_row, reason
FROM rejected_rows
WHERE list_contains($sources, source)
ORDER BY source, source_row
LIMIT $limit
