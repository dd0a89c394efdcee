-- dropped_duplicate_links: the distinct (file that dropped copies, file of the copy kept)
-- pairs of the copies sql/rank_duplicate_events.sql chose to drop.
-- inputs: dup_dropped (temp table)
-- outputs: one row per pair of two files: source, kept_source
-- params: none
-- slots: none
SELECT DISTINCT source, kept_source
FROM dup_dropped
WHERE source <> kept_source
ORDER BY source, kept_source
