-- delete_duplicate_links: forget the links of files whose rows a load deletes (a file
-- reloaded or read again records them anew; a gone file that left the store has none).
-- inputs: duplicate_links
-- outputs: duplicate_links (the rows whose source is one of $sources deleted)
-- params: $sources
-- slots: none
DELETE FROM duplicate_links
WHERE source IN (SELECT unnest($sources::VARCHAR[]))
