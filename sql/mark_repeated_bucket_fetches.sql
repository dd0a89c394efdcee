-- mark_repeated_bucket_fetches: mark the usage-API exports read now that hold a bucket id
-- twice (sql/create_bucket_fetches.sql: repeated), which may hold fetches of several times.
-- inputs: dup_copies (sql/stage_duplicate_copies.sql: the rows of the keys that repeat, with
--         event_id as the key); macro pa_bucket_grouping
-- outputs: bucket_fetches.repeated set for the groupings of such ids of those files
-- params: none
-- slots: none
-- Run by the dedupe once it staged the copies and before it drops any (a file's second copy
-- of an id is dropped as a duplicate of the first: stored, it no longer shows). Only a key
-- that repeats can be held twice by one file: the staged copies are grouped, by the files read
-- now and the ids' hashes first (fixed-size), then by id where a hash repeats in a file.
-- A dashboard CSV numbers its rows of one bucket and grouping ('#<n>'): its ids never repeat,
-- and are left out first.
UPDATE bucket_fetches AS f
SET repeated = true
FROM (
    WITH json AS MATERIALIZED (
        SELECT source, h, k
        FROM dup_copies
        WHERE is_new
            AND (k LIKE 'openai:%' OR k LIKE 'anthropic:%' OR k LIKE 'anthropic-analytics:%')
    )
    SELECT DISTINCT source, pa_bucket_grouping(k) AS grouping
    FROM json
    WHERE (source, h) IN (SELECT (source, h) FROM json GROUP BY source, h HAVING count(*) > 1)
    GROUP BY source, k
    HAVING count(*) > 1
) AS r
WHERE f.source = r.source AND f.grouping = r.grouping
