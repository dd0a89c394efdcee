-- set_gone_marks: mark files gone from disk in the manifest ($gone), or unmark files back.
-- inputs: load_manifest
-- outputs: load_manifest (content_hash of $sources prefixed with 'gone:', or the prefix removed)
-- params: $sources, $gone
-- slots: none
-- The mark keeps the hash: a file back on disk and unchanged is unmarked and compared as
-- before; one whose mark is still on (not named by the load that finds it) has a hash no file
-- matches, so a change to it reads it whole (planalyzer/store_gone.py).
UPDATE load_manifest
SET content_hash = CASE WHEN $gone THEN 'gone:' || content_hash ELSE substr(content_hash, 6) END
WHERE list_contains($sources::VARCHAR[], source) AND starts_with(content_hash, 'gone:') <> $gone
