-- csv_rejected_lines: a CSV file's lines its reader could not split into the header's fields.
-- inputs: {{rejects}} (the rejects table read_csv(store_rejects = true) filled while staging)
-- outputs: line (1-based record number, the header's included: the file line where no quoted
--          field spans lines), error_type (TOO MANY COLUMNS, MISSING COLUMNS ...),
--          csv_line (the line as read), byte_position (of the record's start in the
--          decompressed file: its physical line is found from it), one row per line, in order
-- params: none
-- slots: {{rejects}}
-- DuckDB writes one row per missing column of a short line: grouped by line.
SELECT line, min(error_type) AS error_type, any_value(csv_line) AS csv_line,
       min(line_byte_position) AS byte_position
FROM {{rejects}}
GROUP BY line
ORDER BY line
