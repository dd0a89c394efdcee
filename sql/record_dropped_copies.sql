-- record_dropped_copies: record the copies of event ids the dedupe drops now that differ from
-- the copy of their id kept (sql/create_dropped_copies.sql), before they are deleted.
-- inputs: events, dup_copies (temp table, sql/stage_duplicate_copies.sql), dup_dropped (temp
--         table, sql/rank_duplicate_events.sql: rid and kept_rid, the copy kept), dup_spread
--         (temp table, sql/spread_event_ids.sql: the ids whose copies differ)
-- outputs: dropped_copies rows of the copies dropped that differ from the kept copy in user_id
--          or model (their hash), time or tokens (the total and the classes, input implied)
-- params: none
-- slots: none
-- Run only for the dedupe on event_id (the copies a later load's check judges), and only where
-- dup_spread holds ids: a dedupe dropping copies equal to the kept ones (an export downloaded
-- twice) runs none of it. The copies compared are the staged rows of those ids (two joins by
-- rowid); the rows written are read from events by rowid. CPU, bench/bench_dedupe.py many
-- (1,666,668 copies dropped, each an hour from the copy kept: all recorded), medians of 4 on
-- a busy 2-core machine (load average 10-20): the dedupe step 8.85 -> 10.26 s (another run,
-- before dup_spread: 9.83 -> 10.71 s); its copies at one time (nothing recorded, no
-- dup_spread row): 9.30 -> 9.23 s.
INSERT INTO dropped_copies
SELECT hash(event_id), event_id, source, source_row, user_id, model, epoch_us(ts),
       input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
       output_tokens
FROM events
WHERE rowid IN (
    SELECT d.rid
    FROM dup_dropped AS d
    JOIN dup_copies AS c ON c.rid = d.rid
    JOIN dup_copies AS kc ON kc.rid = d.kept_rid
    WHERE c.h IN (SELECT h FROM dup_spread)
        AND (c.hu <> kc.hu OR c.ts_us <> kc.ts_us OR c.total_tokens <> kc.total_tokens
        OR c.output_tokens <> kc.output_tokens
        OR c.cache_write_1h_tokens <> kc.cache_write_1h_tokens
        OR c.cache_write_tokens <> kc.cache_write_tokens
        OR c.cache_read_tokens <> kc.cache_read_tokens)
)
