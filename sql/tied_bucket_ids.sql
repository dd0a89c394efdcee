-- tied_bucket_ids: the OpenAI dashboard CSV rows' ids whose copies may tie on their tokens
-- with other counts (sql/tied_bucket_copies.sql ranks those copies).
-- inputs: dup_copies (temp table, sql/stage_duplicate_copies.sql), events, bucket_fetches
--         (sql/create_bucket_fetches.sql: numbered)
-- outputs: dup_tie_ids (temp table): h, one row per hash of the 'openai-csv:' ids two
--          copies of which, of one bucket start, hold as many tokens and other counts
--          (input, cache, output or requests); ids sharing a hash only add candidates
-- params: none
-- slots: none
-- Copies of an id tie with other counts only where a file holds several rows of its bucket
-- and grouping (rows only grow: a row alone in both files holds at least the counts of its
-- earlier copy, so equal totals mean equal rows): without such a file among the copies'
-- (bucket_fetches.numbered; a file an older planalyzer stored has no record) nothing is read.
-- Copies that tie with the same counts (the same export loaded twice, the shared days of two
-- exports: every shared id) are the same row whichever is kept. The copies' counts are read
-- by rowid (a filter on events, not a scan) and compared by hash, grouped by fixed-size
-- values (the id's hash, bucket start and tokens).
-- CPU on a busy 2-core machine, two overlapping minute CSVs (172,800 and 216,000 rows, the
-- copies of the 2 days shared the same): of 30 users, no '#<n>' rows, 0.004-0.007 s; of 15
-- users with two rows a minute each ('#2'), 0.03-0.04 s (0.03 s more reading every copy's
-- counts by rowid where no file numbers rows); in loads of 2.8-3.6 s.
CREATE OR REPLACE TEMP TABLE dup_tie_ids AS
WITH csv AS (
    SELECT c.h, c.k, c.total_tokens AS total, e.ts,
           hash(e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens,
                e.cache_read_tokens, e.output_tokens, e.requests) AS content
    FROM dup_copies AS c
    JOIN events AS e ON e.rowid = c.rid
    WHERE c.k LIKE 'openai-csv:%'
        -- a file holding several rows of a bucket and grouping, or one without a record
        AND EXISTS (
            SELECT 1
            FROM (SELECT DISTINCT source FROM dup_copies WHERE k LIKE 'openai-csv:%') AS s
            LEFT JOIN bucket_fetches AS f ON f.source = s.source
            WHERE f.numbered OR f.source IS NULL
        )
)
SELECT DISTINCT h
FROM csv
GROUP BY h, ts, total
HAVING min(content) <> max(content)
