-- manifest_entries: what the last loads recorded for every file (fetched once per load).
-- inputs: load_manifest
-- outputs: one row per file: fingerprint, read position and cumulative accounting
-- params: none
-- slots: none
SELECT source, format, size_bytes, mtime_ns, content_hash, read_offset, read_lines, rows_read,
       rows_loaded, rows_rejected, duplicates_dropped, rejected_by_reason
FROM load_manifest
