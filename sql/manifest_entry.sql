-- manifest_entry: the fingerprint recorded when a source file was last loaded.
-- inputs: load_manifest
-- outputs: size_bytes, mtime_ns, content_hash (no row if never loaded)
-- params: $source
-- slots: none
SELECT size_bytes, mtime_ns, content_hash FROM load_manifest WHERE source = $source
