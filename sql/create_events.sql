-- create_events: the canonical events table, one row per model request (architecture page).
-- inputs: none
-- outputs: events (table, created if absent)
-- params: none
-- slots: none
-- Token classes never overlap; ts is stored as TIMESTAMPTZ (UTC). source_file and source_row
-- (1-based data row, a CSV header not counted) say where each row came from, so every figure traces back to a file and row.
CREATE TABLE IF NOT EXISTS events (
    event_id VARCHAR,
    ts TIMESTAMPTZ NOT NULL,
    user_id VARCHAR NOT NULL,
    plan VARCHAR,
    model VARCHAR NOT NULL,
    input_tokens BIGINT NOT NULL,
    cache_write_tokens BIGINT NOT NULL,
    cache_write_1h_tokens BIGINT NOT NULL,
    cache_read_tokens BIGINT NOT NULL,
    output_tokens BIGINT NOT NULL,
    requests BIGINT NOT NULL,
    logged_cost_usd DOUBLE,
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL
)
