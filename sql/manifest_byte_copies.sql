-- manifest_byte_copies: files a --db store holds whose rows another file's byte copy could take
-- over: an original that kept rows and a file with the same format and bytes whose rows were
-- all dropped as duplicates (an export downloaded twice: "usage.csv", "usage (1).csv").
-- inputs: load_manifest
-- outputs: one row per (original, copy): original, copy, format, the copy's recorded mtime_ns;
--          by original, the copy of the shortest name first
-- params: $transcripts (the formats of transcript sources: left out, planalyzer/store_gone.py
--         finds their copies)
-- slots: none
-- Run when the load left some file of the manifest unnamed (one may be gone from disk): where
-- the original is gone and its copy is on disk, the copy takes over its rows
-- (planalyzer/store_moves.py find_heirs), so a later change to the copy replaces them.
SELECT o.source AS original, c.source AS copy, o.format, c.mtime_ns
FROM load_manifest o
JOIN load_manifest c
  ON c.content_hash = o.content_hash AND c.size_bytes = o.size_bytes AND c.format = o.format
 AND c.source <> o.source
WHERE starts_with(o.content_hash, 'sha256:') AND o.rows_loaded > 0
  AND o.format NOT IN (SELECT unnest($transcripts::VARCHAR[]))
  AND c.rows_loaded = 0 AND c.duplicates_dropped > 0
ORDER BY o.source, length(c.source), c.source
