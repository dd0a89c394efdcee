-- delete_manifest_entries: remove the manifest rows of files a load read again.
-- inputs: load_manifest, $sources (the files reloaded or appended to)
-- outputs: load_manifest (their rows deleted; sql/insert_manifest.sql writes the new ones)
-- params: $sources
-- slots: none
DELETE FROM load_manifest
WHERE source IN (SELECT unnest($sources::VARCHAR[]))
