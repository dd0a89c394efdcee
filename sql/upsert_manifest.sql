-- upsert_manifest: record the fingerprints and load accounting of the files a load read.
-- inputs: manifest_in (a registered Arrow table with load_manifest's columns but loaded_at)
-- outputs: load_manifest (one row per file inserted or replaced)
-- params: none
-- slots: none
-- One statement for all files: thousands of transcript files must not cost a round trip each.
INSERT OR REPLACE INTO load_manifest
SELECT
    source, format, size_bytes, mtime_ns, content_hash, rows_read, rows_loaded, rows_rejected,
    duplicates_dropped, rejected_by_reason, mapping, read_offset, read_lines, current_timestamp
FROM manifest_in
