-- create_codex_limits_view: a Codex batch's rate-limit readings as
-- sql/insert_rate_limit_snapshots.sql reads them: those of files whose readings are kept, but
-- the readings of the copies dropped that go with them, each with the event_id of its line's
-- token_count event (replay_of).
-- inputs: codex_limits_staged, codex_rows_staged (temp tables: planalyzer.sources.codex._stage),
--         codex_files (registered Arrow table: file_idx, root, readings_kept), codex_dropped
--         (registered: file_idx, line_no, reading_dropped)
-- outputs: temp view codex_limits
-- params: none
-- slots: none
CREATE OR REPLACE TEMP VIEW codex_limits AS
SELECT l.* EXCLUDE (line_no),
       CASE WHEN r.total_key IS NOT NULL THEN 'codex:' || f.root || ':' || r.total_key END
           AS replay_of
FROM codex_limits_staged AS l
JOIN codex_files AS f ON f.file_idx = l.file_idx
LEFT JOIN codex_rows_staged AS r ON r.file_idx = l.file_idx AND r.line_no = l.line_no
WHERE f.readings_kept
  AND NOT EXISTS (SELECT 1 FROM codex_dropped AS d
                  WHERE d.file_idx = l.file_idx AND d.line_no = l.line_no AND d.reading_dropped)
