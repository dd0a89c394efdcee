-- linked_duplicates: the files to read again because files reloaded now may have held the
-- copies kept of rows they dropped as duplicates.
-- inputs: duplicate_links, load_manifest
-- outputs: one row per such file: source, format
-- params: $sources (the files reloaded: their old rows are deleted)
-- slots: none
-- A file linked to one of them, or to an unknown file (a store an older planalyzer made:
-- sql/mark_unknown_duplicate_links.sql). Files dropping copies of their own rows only, and
-- files whose copies are kept from files not reloaded, are not read again.
SELECT DISTINCT m.source, m.format
FROM duplicate_links AS l
JOIN load_manifest AS m ON m.source = l.source
WHERE l.kept_source IS NULL OR l.kept_source IN (SELECT unnest($sources::VARCHAR[]))
ORDER BY m.source
