-- create_rejected_rows: rows a load could not use, kept with the reason (never silently dropped).
-- inputs: none
-- outputs: rejected_rows (table, created if absent)
-- params: none
-- slots: none
-- source_row is the 1-based data row of the file (a CSV header is not counted); raw_json is the row as
-- read, so a user can see exactly what was wrong.
CREATE TABLE IF NOT EXISTS rejected_rows (
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    reason VARCHAR NOT NULL,
    raw_json VARCHAR
)
