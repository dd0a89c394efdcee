-- create_load_manifest: one row per loaded source file, for incremental loads and accounting.
-- inputs: none
-- outputs: load_manifest (table, created if absent)
-- params: none
-- slots: none
-- A file is unchanged when size and mtime match, or else when its content hash matches; a
-- changed file is reloaded and its rows replaced. The counts satisfy
-- rows_read = rows_loaded + rows_rejected + duplicates_dropped. For append-only transcript
-- sources read_offset is the byte offset just past the last line read and read_lines the lines
-- before it; content_hash is then 'tail:<offset>:<sha256 of the 4 KiB before the offset>', so a
-- grown file whose tail still matches is read on from read_offset (only its new lines).
-- read_options is the JSON of the options the file was read with (timezone, mapping,
-- max_tokens, input_format, source, user: planalyzer/file_options.py); every later read of
-- the file uses them. NULL in a row an older planalyzer wrote (the options are unknown); such
-- a store gets the column from sql/add_manifest_read_options.sql.
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
    read_offset BIGINT,
    read_lines BIGINT NOT NULL DEFAULT 0,
    loaded_at TIMESTAMPTZ NOT NULL,
    read_options VARCHAR
)
