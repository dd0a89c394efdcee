-- upsert_manifest: record one source file's fingerprint and load accounting.
-- inputs: none
-- outputs: load_manifest (row for $source inserted or replaced)
-- params: $source, $format, $size_bytes, $mtime_ns, $content_hash, $rows_read, $rows_loaded, $rows_rejected, $duplicates_dropped, $rejected_by_reason, $mapping
-- slots: none
INSERT OR REPLACE INTO load_manifest VALUES (
    $source, $format, $size_bytes, $mtime_ns, $content_hash, $rows_read, $rows_loaded,
    $rows_rejected, $duplicates_dropped, $rejected_by_reason, $mapping, current_timestamp
)
