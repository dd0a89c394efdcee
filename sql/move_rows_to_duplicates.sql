-- move_rows_to_duplicates: count rows an earlier load kept, now dropped as duplicates of a
-- later copy, as duplicates in their files' manifest entries (read = loaded + rejected +
-- duplicates still holds).
-- inputs: load_manifest
-- outputs: load_manifest (rows_loaded and duplicates_dropped updated)
-- params: $sources, $counts
-- slots: none
UPDATE load_manifest AS m
SET rows_loaded = m.rows_loaded - d.n, duplicates_dropped = m.duplicates_dropped + d.n
FROM (
    SELECT unnest($sources::VARCHAR[]) AS source, unnest($counts::BIGINT[]) AS n
) AS d
WHERE m.source = d.source
