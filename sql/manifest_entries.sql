-- manifest_entries: what the last loads recorded for the files named (changed since then).
-- inputs: load_manifest, $sources (the files whose size or mtime differ from their fingerprint)
-- outputs: one row per file: fingerprint, read position, cumulative accounting and
--          the options it was read with (NULL: unknown, an older planalyzer's row)
-- params: $sources
-- slots: none
SELECT source, format, size_bytes, mtime_ns, content_hash, read_offset, read_lines, rows_read,
       rows_loaded, rows_rejected, duplicates_dropped, rejected_by_reason, read_options
FROM load_manifest
WHERE source IN (SELECT unnest($sources::VARCHAR[]))
