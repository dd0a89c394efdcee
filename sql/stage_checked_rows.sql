-- stage_checked_rows: a staged file's rows checked once (sql/checked_rows.sql) into a temp table.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over a staged file's projection)
-- outputs: temp table {{table}}: canonical columns, source_row, raw_json, reject_reason
-- params: none (the checked_rows slot brings its own)
-- slots: {{table}}, {{checked_rows}}
-- Text columns are parsed here once (timestamps, token counts): both inserts then read the
-- table, where over the projection each would parse every row again (and DuckDB, pushing the
-- reject filter down, evaluates each value in the filter and again in the projection).
-- The raw row is kept only where the row is rejected (insert_rejected_rows is its one reader):
-- the staged file already holds every row's raw JSON, and a second copy of it for the rows
-- that load cost a large file's load a third of its memory.
CREATE OR REPLACE TEMP TABLE {{table}} AS
SELECT * REPLACE (CASE WHEN c.reject_reason IS NOT NULL THEN c.raw_json END AS raw_json)
FROM ({{checked_rows}}) AS c
