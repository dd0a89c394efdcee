-- manifest_fingerprints: size, mtime and format of every file the last loads recorded.
-- inputs: load_manifest
-- outputs: one row per file: source, size_bytes, mtime_ns, format
-- params: none
-- slots: none
-- Fetched once per load: a file whose size and mtime match is unchanged without more work
-- (a --db reload of thousands of unchanged transcripts reads nothing else of the manifest).
SELECT source, size_bytes, mtime_ns, format
FROM load_manifest
