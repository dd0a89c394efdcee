-- create_dropped_copies: the copies of event ids that loads dropped as duplicates where they
-- differ from the copy kept, for the event-id check across --db loads (planalyzer.id_conflicts).
-- inputs: none
-- outputs: dropped_copies (table, created if absent)
-- params: none
-- slots: none
-- One row per copy the generic dedupe on event_id dropped (sql/rank_duplicate_events.sql)
-- that differs from the copy of its id kept in user_id, model, time or tokens: h (the id's
-- hash, as the dedupe's), the id, its file and row, user_id, model, ts (epoch microseconds)
-- and the token classes. The check of a later load judges the copies it reads against the
-- kept copies and these (sql/conflicting_event_ids.sql), as a load of every file at once
-- judges them against every copy: a copy equal to the one kept adds nothing to judge, and is
-- not recorded. Written before the dedupe deletes the rows (sql/record_dropped_copies.sql);
-- deleted with the file's rows (a reload, a file gone leaving the store), moved with them
-- (planalyzer/store_moves.py). A store an older planalyzer made has no rows for the copies its
-- loads dropped. Created by loads only: analysis does not read it.
CREATE TABLE IF NOT EXISTS dropped_copies (
    h UBIGINT NOT NULL,
    event_id VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    user_id VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    ts_us BIGINT NOT NULL,
    input_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    cache_write_1h_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL
)
