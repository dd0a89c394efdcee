-- rank_duplicate_events: the copies of each dedupe key to drop, and the file of the copy kept.
-- inputs: dup_copies (temp table, sql/stage_duplicate_copies.sql: the rows of the keys that
--         repeat), variable planalyzer_gone_sources; {{copies}}: dup_copies, or dup_copies
--         LEFT JOIN dup_ties (sql/tied_bucket_copies.sql) where it holds rows, with its
--         fetch_total the first of {{order}}
-- outputs: dup_dropped (temp table): rid (the events rowid), source, kept_source and kept_rid
--          (the file and rowid of the key's copy kept) of every copy to drop
--          (sql/drop_duplicate_events.sql; sql/record_dropped_copies.sql),
--          stored (a row an earlier load kept, of a file on disk not read now, replaced by a
--          copy ranking before it: sql/replaced_stored_copies.sql)
-- params: none
-- slots: {{copies}}, {{order}} (library SQL, planalyzer.bucket_copies: 'dup_copies' and the
--        sort keys after the tokens, RANK_SLOTS: the classes and requests, then
--        'is_new, source, source_row'; or the join, with 'fetch_total DESC NULLS LAST' first:
--        planalyzer.bucket_copies.break_ties)
-- Keeps, per key, the copy with the most tokens, whether it was stored by an earlier load or read
-- in this one (is_new, staged): a --db store ends with the copy one load of every file keeps (a
-- usage bucket fetched while its day went on, then again finished under the same id: the
-- finished one), whatever the order of the runs; a stored row dropped is counted as a
-- duplicate of its file (Store._drop_duplicates). Copies of an OpenAI dashboard CSV row's id
-- with as many tokens: the one whose file holds the most tokens of the row's bucket and
-- grouping (fetch_total, sql/tied_bucket_copies.sql: the final export's, not a mid-day
-- export's row of equal tokens that took its number; only where such ties are, the join
-- and its sort key: other loads rank without it, at the same cost). Other copies with as many
-- tokens rank by what they hold, never by which was stored or read first, so that any order
-- of runs keeps the same tokens (qa16C #2: a LiteLLM SpendLogs export without its metadata,
-- every prompt token read as input, and one with it, cache reads apart, tie on their total;
-- the stored copy then stayed, and the GPU cost of two orders of runs differed 40-fold): the
-- more output tokens, 1-hour and 5-minute cache writes, cache reads (the copy splitting
-- cached input out), then more requests. Copies holding the same tokens (a byte copy of a
-- stored file, a Codex fork's replay of its parent's events, whose readings stay with the
-- event stored): the stored one, then the first file and row (one load: the first file and
-- row; the tokens kept are the same, the file counting the row, or a time a time zone read
-- otherwise moved, may differ). A row of a file gone from disk
-- (planalyzer_gone_sources: a Codex rollout archived or deleted) ranks after every copy a file
-- on disk holds, as a load without --db, which never sees the gone file, keeps that copy. Only
-- keys a row of this load holds are ranked (the stored rows are one per key already: the rows
-- staged).
-- kept_source is recorded in duplicate_links (sql/create_duplicate_links.sql), kept_rid serves
-- sql/record_dropped_copies.sql: one first_value of both (bench/bench_dedupe.py many: the
-- ranking 3.1 -> 3.3 s CPU; a second first_value, of rid, 4.7 s).
CREATE OR REPLACE TEMP TABLE dup_dropped AS
WITH ranked AS (
    SELECT rid, source, is_new,
           source IN (SELECT unnest(getvariable('planalyzer_gone_sources'))) AS gone,
           row_number() OVER copies AS copy_rank,
           first_value({'source': source, 'rid': rid}) OVER copies AS kept
    FROM {{copies}}
    WINDOW copies AS (
        PARTITION BY k
        ORDER BY source IN (SELECT unnest(getvariable('planalyzer_gone_sources'))),
            total_tokens DESC, {{order}}
    )
)
SELECT rid, source, kept.source AS kept_source, kept.rid AS kept_rid,
       NOT is_new AND NOT gone AS stored
FROM ranked
WHERE copy_rank > 1
