-- mark_unknown_duplicate_links: in a store an older planalyzer made, which recorded no
-- duplicate_links, the files that dropped duplicates get a link to an unknown file.
-- inputs: load_manifest
-- outputs: duplicate_links (one row per file with duplicates dropped: source, NULL)
-- params: none
-- slots: none
-- Run once, when a load creates the table in a store that has a manifest: such a file is read
-- again whenever a file is reloaded (as every file that dropped duplicates was before), until
-- it is read again and its links are known (sql/create_duplicate_links.sql).
INSERT INTO duplicate_links
SELECT m.source, CAST(NULL AS VARCHAR) AS kept_source
FROM load_manifest AS m
WHERE m.duplicates_dropped > 0
