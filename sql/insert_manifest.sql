-- insert_manifest: record the fingerprints and load accounting of the files a load read.
-- inputs: one bound list per column of load_manifest but loaded_at, all of one length
-- outputs: load_manifest (one row per file; sql/delete_manifest_entries.sql first removes the
--          rows of files read again)
-- params: $source, $format, $size_bytes, $mtime_ns, $content_hash, $rows_read, $rows_loaded, $rows_rejected, $duplicates_dropped, $rejected_by_reason, $mapping, $read_offset, $read_lines, $read_options
-- slots: none
-- One statement for all files: thousands of transcript files must not cost a round trip each.
-- unnest of several lists of one row runs them in lockstep (row i of each list together). A
-- plain INSERT: INSERT OR REPLACE held 12 MB more for 5,900 files.
INSERT INTO load_manifest
SELECT
    source, format, size_bytes, mtime_ns, content_hash, rows_read, rows_loaded, rows_rejected,
    duplicates_dropped, rejected_by_reason, mapping, read_offset, read_lines, current_timestamp,
    read_options
FROM (
    SELECT
        unnest($source::VARCHAR[]) AS source,
        unnest($format::VARCHAR[]) AS format,
        unnest($size_bytes::BIGINT[]) AS size_bytes,
        unnest($mtime_ns::BIGINT[]) AS mtime_ns,
        unnest($content_hash::VARCHAR[]) AS content_hash,
        unnest($rows_read::BIGINT[]) AS rows_read,
        unnest($rows_loaded::BIGINT[]) AS rows_loaded,
        unnest($rows_rejected::BIGINT[]) AS rows_rejected,
        unnest($duplicates_dropped::BIGINT[]) AS duplicates_dropped,
        unnest($rejected_by_reason::VARCHAR[]) AS rejected_by_reason,
        unnest($mapping::VARCHAR[]) AS mapping,
        unnest($read_offset::BIGINT[]) AS read_offset,
        unnest($read_lines::BIGINT[]) AS read_lines,
        unnest($read_options::VARCHAR[]) AS read_options
)
