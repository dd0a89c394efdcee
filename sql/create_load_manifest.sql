-- create_load_manifest: one row per loaded source file, for incremental loads and accounting.
-- inputs: none
-- outputs: load_manifest (table, created if absent)
-- params: none
-- slots: none
-- A file is unchanged when size and mtime match, or else when its content hash matches; a
-- changed file is reloaded and its rows replaced. The counts satisfy
-- rows_read = rows_loaded + rows_rejected + duplicates_dropped.
CREATE TABLE IF NOT EXISTS load_manifest (
    source VARCHAR PRIMARY KEY,
    format VARCHAR NOT NULL,
    size_bytes BIGINT NOT NULL,
    mtime_ns BIGINT NOT NULL,
    content_hash VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    duplicates_dropped BIGINT NOT NULL,
    rejected_by_reason VARCHAR NOT NULL,
    mapping VARCHAR NOT NULL,
    loaded_at TIMESTAMPTZ NOT NULL
)
