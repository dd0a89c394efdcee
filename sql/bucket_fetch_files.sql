-- bucket_fetch_files: of some files, those that may hold usage buckets fetched at several
-- times (planalyzer.bucket_copies).
-- inputs: events, load_manifest
-- outputs: source, one row per such file of $files
-- params: $files (the files asked about), $sources (the files read now)
-- slots: none
-- A file read now may (it holds a bucket id twice: pages appended to one file as a job
-- fetched them; the ids' hashes are counted, so two ids sharing a hash read as one, which
-- can only add a file); a file stored by an earlier load may where its rows dropped
-- duplicates (its repeats are gone from events; the count includes copies another file
-- kept, which can only add a file too).
SELECT source
FROM events
WHERE list_contains($files, source) AND list_contains($sources, source)
    AND (event_id LIKE 'openai:%' OR event_id LIKE 'openai-csv:%'
         OR event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%')
GROUP BY source
HAVING count(*) > count(DISTINCT hash(event_id))
UNION
SELECT source
FROM load_manifest
WHERE list_contains($files, source) AND NOT list_contains($sources, source)
    AND duplicates_dropped > 0
ORDER BY source
