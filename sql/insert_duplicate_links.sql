-- insert_duplicate_links: record that files dropped rows as duplicates of other files' rows.
-- inputs: duplicate_links; $sources, $kept_sources: bound lists of one length (the file that
--         dropped rows, the file holding the copy kept)
-- outputs: duplicate_links (the pairs it lacks appended, once each; a file's own pair none)
-- params: $sources, $kept_sources
-- slots: none
INSERT INTO duplicate_links
SELECT DISTINCT p.source, p.kept_source
FROM (
    SELECT unnest($sources::VARCHAR[]) AS source, unnest($kept_sources::VARCHAR[]) AS kept_source
) AS p
WHERE p.source <> p.kept_source
    AND NOT EXISTS (
        SELECT 1 FROM duplicate_links AS l
        WHERE l.source = p.source AND l.kept_source = p.kept_source)
