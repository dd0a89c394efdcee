-- bucket_fetch_files: of some files, those that may hold usage buckets fetched at several
-- times (planalyzer.bucket_copies).
-- inputs: bucket_fetches (sql/create_bucket_fetches.sql), events, load_manifest
-- outputs: source, one row per such file of $files
-- params: $files (the files asked about), $sources (the files read now)
-- slots: none
-- A file that holds a bucket id twice (pages appended to one file as a job fetched them),
-- as recorded when it was read (bucket_fetches: a file read now, or stored by an earlier
-- load; the ids it dropped since, a running bucket replaced by a later fetch's copy, do not
-- make it one). A file without a record: read now by a reader that records none (its ids
-- counted by their hashes, so two ids sharing a hash read as one, which can only add a
-- file), or stored by an older planalyzer, where its rows dropped duplicates (its repeats
-- are gone from events; the count includes copies another file kept, which can only add a
-- file too).
WITH recorded AS (
    SELECT source, bool_or(repeated) AS repeated
    FROM bucket_fetches
    WHERE list_contains($files, source)
    GROUP BY source
)
SELECT source
FROM recorded
WHERE repeated
UNION
SELECT source
FROM events
WHERE list_contains($files, source) AND list_contains($sources, source)
    AND source NOT IN (SELECT source FROM recorded)
    AND (event_id LIKE 'openai:%' OR event_id LIKE 'openai-csv:%'
         OR event_id LIKE 'anthropic:%' OR event_id LIKE 'anthropic-analytics:%')
GROUP BY source
HAVING count(*) > count(DISTINCT hash(event_id))
UNION
SELECT source
FROM load_manifest
WHERE list_contains($files, source) AND NOT list_contains($sources, source)
    AND source NOT IN (SELECT source FROM recorded) AND duplicates_dropped > 0
ORDER BY source
