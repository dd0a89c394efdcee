-- gone_counts: the manifest counts of the files gone from disk (planalyzer_gone_sources).
-- inputs: load_manifest, variable planalyzer_gone_sources
-- outputs: one row per gone file: source, rows_loaded, duplicates_dropped
-- params: none
-- slots: none
-- Taken before and after a load's dedupe: the rows_loaded a gone file lost are the requests
-- files on disk now hold (their copies are kept, its rows counted as its duplicates).
SELECT m.source, m.rows_loaded, m.duplicates_dropped
FROM load_manifest AS m
WHERE m.source IN (SELECT unnest(getvariable('planalyzer_gone_sources')))
ORDER BY m.source
