-- stage_duplicate_copies: the rows of every dedupe key that repeats and that a row of this load
-- holds, read from events once for the dedupe's passes over them.
-- inputs: events; dup_hashes (sql/repeated_key_hashes.sql); {{key}}: the dedupe key expression
--         (event_id, or columns the user named, quoted by the library)
-- outputs: dup_copies (temp table): h (the key's hash), rid (the events rowid), k (the key),
--          source, source_row, is_new (a file of $new_sources), total_tokens, the classes
--          output_tokens, cache_write_1h_tokens, cache_write_tokens, cache_read_tokens (input
--          is the total less these), requests, hu (the hash of user_id and model), ts_us (ts,
--          epoch microseconds)
-- params: $new_sources
-- slots: {{key}}
-- Only keys a row of this load holds are ranked (the stored rows are one per key already):
-- the repeated hashes that a new row holds, then their rows. The files read now are joined
-- as a table, not tested with list_contains: that compares each row with every file named
-- (a 5,000,000-event store, 3,000 files read now: 12.9 s, against 1.3 s joined).
-- Read by sql/conflicting_event_ids.sql (hu, ts_us and the tokens: do the copies of an event
-- id agree?) and sql/rank_duplicate_events.sql (which copy is kept: the tokens, their classes,
-- requests, so that copies of equal totals rank by what they hold). The check
-- groups these rows, not events: it costs next to nothing where few rows repeat (a --db load
-- adding a file), and in one load of many copies the rows are read from events once for both
-- passes (costs: sql/conflicting_event_ids.sql).
CREATE OR REPLACE TEMP TABLE dup_copies AS
WITH new_sources AS (
    SELECT unnest($new_sources) AS source
), candidates AS (
    SELECT h
    FROM dup_hashes
    WHERE h IN (SELECT hash({{key}}) FROM events
                WHERE {{key}} IS NOT NULL AND source IN (SELECT source FROM new_sources))
)
SELECT hash({{key}}) AS h, rowid AS rid, {{key}} AS k, source, source_row,
       source IN (SELECT source FROM new_sources) AS is_new,
       input_tokens + cache_write_tokens + cache_write_1h_tokens + cache_read_tokens
           + output_tokens AS total_tokens,
       output_tokens, cache_write_1h_tokens, cache_write_tokens, cache_read_tokens, requests,
       hash(user_id, model) AS hu, epoch_us(ts) AS ts_us
FROM events
WHERE {{key}} IS NOT NULL AND hash({{key}}) IN (SELECT h FROM candidates)
