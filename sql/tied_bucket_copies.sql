-- tied_bucket_copies: the copies of OpenAI dashboard CSV rows' ids that tie on their tokens
-- and are other rows, with the tokens their files hold of the row's bucket and grouping,
-- which rank them (sql/rank_duplicate_events.sql).
-- inputs: dup_copies (temp table, sql/stage_duplicate_copies.sql), dup_tie_ids (temp table,
--         sql/tied_bucket_ids.sql: the hashes of the ids that may be so held), events
-- outputs: dup_ties (temp table): rid, fetch_total (the total tokens of the rows of the
--          copy's file whose ids name the same bucket and grouping: the id without '#<n>'),
--          one row per copy of an 'openai-csv:' id holding its most tokens, where two files
--          or more hold that many with other counts (input, cache, output or requests)
-- params: none
-- slots: none
-- A file's rows of one bucket and grouping are numbered by their tokens, most first
-- (sql/number_repeated_event_ids.sql): of a mid-day export and the final one, the final's
-- n-th row holds at least as many tokens as the mid-day's, and the dedupe keeps it. Two
-- rows of equal tokens (60 + 40, 50 + 50) swap numbers once one grows (50 + 60): the
-- mid-day export's '#2' (50 + 50) and the final's '#2' (60 + 40) then tie, and the copy the
-- ranking's next rule keeps (the stored one, else the first file by path) may be the
-- mid-day's, another request (qa15C #3: one request lost, the other counted at its mid-day
-- size). The final export holds at least as many tokens of the bucket and grouping in all,
-- and more where anything grew: its copy is kept. (Files holding as many of it hold the same
-- rows: rows only grow, so equal sums mean equal rows.) Copies that tie with the same counts
-- (the same export loaded twice, the shared days of two exports: every shared id) are the
-- same row whichever is kept: sql/tied_bucket_ids.sql leaves them out, and this runs only
-- for the ids it finds (most loads: none), summing their files' rows of the same bucket
-- start: 225 such ties in two overlapping minute CSVs of 172,800 rows, 0.014-0.018 s CPU,
-- the ranking with its join 0.09 s (0.08-0.13 s without). Transcripts gone from disk, which the ranking puts last, hold no such ids.
CREATE OR REPLACE TEMP TABLE dup_ties AS
WITH ids AS (  -- the copies of those ids, each with its id's most tokens
    SELECT c.rid, c.k, c.source, c.total_tokens AS total, e.ts,
           hash(e.input_tokens, e.cache_write_tokens, e.cache_write_1h_tokens,
                e.cache_read_tokens, e.output_tokens, e.requests) AS content,
           max(c.total_tokens) OVER (PARTITION BY c.k) AS top
    FROM dup_copies AS c
    JOIN events AS e ON e.rowid = c.rid
    WHERE c.h IN (SELECT h FROM dup_tie_ids)
),
tied AS (  -- the copies holding it, where they hold other counts
    SELECT rid, source, ts,
           CASE WHEN contains(k, '#') THEN regexp_replace(k, '#[0-9]+$', '') ELSE k END
               AS family
    FROM ids
    WHERE total = top
    QUALIFY min(content) OVER (PARTITION BY k) <> max(content) OVER (PARTITION BY k)
),
sums AS (  -- their files' rows of the same bucket and grouping
    SELECT source, family, sum(total) AS fetch_total
    FROM (
        SELECT source,
               CASE WHEN contains(event_id, '#') THEN regexp_replace(event_id, '#[0-9]+$', '')
                    ELSE event_id END AS family,
               CAST(input_tokens AS HUGEINT) + cache_write_tokens + cache_write_1h_tokens
                   + cache_read_tokens + output_tokens AS total
        FROM events
        WHERE source IN (SELECT source FROM tied) AND ts IN (SELECT ts FROM tied)
            AND event_id LIKE 'openai-csv:%'
    )
    WHERE (source, family) IN (SELECT (source, family) FROM tied)
    GROUP BY source, family
)
SELECT t.rid, s.fetch_total
FROM tied AS t
JOIN sums AS s USING (source, family)
