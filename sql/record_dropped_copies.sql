-- record_dropped_copies: record the copies of event ids the dedupe drops now that differ from
-- the copy of their id kept (sql/create_dropped_copies.sql), before they are deleted.
-- inputs: events, dup_copies (temp table, sql/stage_duplicate_copies.sql), dup_dropped (temp
--         table, sql/rank_duplicate_events.sql: rid and kept_rid, the copy kept)
-- outputs: dropped_copies rows of the copies dropped that differ from the kept copy in user_id
--          or model (their hash), time or tokens (the total and the classes, input implied)
-- params: none
-- slots: none
-- Run only for the dedupe on event_id (the copies a later load's check judges). The copies
-- compared are the staged rows (two joins by rowid); the rows written are read from events by
-- rowid, so a dedupe dropping copies equal to the kept ones (an export downloaded twice)
-- writes nothing.
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
    WHERE c.hu <> kc.hu OR c.ts_us <> kc.ts_us OR c.total_tokens <> kc.total_tokens
        OR c.output_tokens <> kc.output_tokens
        OR c.cache_write_1h_tokens <> kc.cache_write_1h_tokens
        OR c.cache_write_tokens <> kc.cache_write_tokens
        OR c.cache_read_tokens <> kc.cache_read_tokens
)
