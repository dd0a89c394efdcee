-- create_codex_rows_view: a Codex batch's usage rows as its inserts read them: every staged
-- row but the copies the batch drops, with its event_id.
-- inputs: codex_rows_staged (temp table: planalyzer.sources.codex._stage), codex_files
--         (registered Arrow table: file_idx, root: the key session), codex_dropped (registered:
--         file_idx, line_no of the copies dropped)
-- outputs: temp view codex_rows (file_idx, line_no, event_id, ts, model, the token columns,
--          reject_reason, raw)
-- params: none
-- slots: none
-- event_id: codex:<key session>:<cumulative total_tokens> (codex._key_sessions), NULL where
-- the row logged no totals.
CREATE OR REPLACE TEMP VIEW codex_rows AS
SELECT s.* EXCLUDE (total_key),
       CASE WHEN s.total_key IS NOT NULL THEN 'codex:' || f.root || ':' || s.total_key END
           AS event_id
FROM codex_rows_staged AS s
JOIN codex_files AS f ON f.file_idx = s.file_idx
ANTI JOIN codex_dropped AS d ON d.file_idx = s.file_idx AND d.line_no = s.line_no
