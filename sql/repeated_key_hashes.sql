-- repeated_key_hashes: the dedupe-key hashes that occur more than once in events, the first
-- pass of the dedupe (an empty table: no duplicates, nothing more runs).
-- inputs: events; {{key}}: the dedupe key expression (event_id, or quoted columns the user named)
-- outputs: dup_hashes (temp table): h (a key hash held by two or more rows); the statement
--          returns one row, the rows written (DuckDB's count of a CREATE TABLE AS)
-- params: none
-- slots: {{key}}
-- Hashing one column is a fraction of the load's cost; the exact comparison runs only over the
-- rows of these hashes (sql/stage_duplicate_copies.sql), where most loads stage none.
CREATE OR REPLACE TEMP TABLE dup_hashes AS
SELECT hash({{key}}) AS h
FROM events
WHERE {{key}} IS NOT NULL
GROUP BY h
HAVING count(*) > 1
