-- insert_codex_events: append the usable Codex turns of a batch to events.
-- inputs: codex_rows (temp view: sql/create_codex_rows_view.sql; rows already checked and
--         deduplicated by planalyzer.sources.codex: reject_reason NULL means usable),
--         codex_files (registered Arrow table)
-- outputs: events (rows appended)
-- params: none
-- slots: none
INSERT INTO events
SELECT
    r.event_id, CAST(r.ts AS TIMESTAMPTZ), f.user_id, NULL, r.model,
    r.input_tokens, 0, 0, r.cache_read_tokens, r.output_tokens, 1, NULL, f.source, r.line_no
FROM codex_rows AS r
JOIN codex_files AS f ON f.file_idx = r.file_idx
WHERE r.reject_reason IS NULL
