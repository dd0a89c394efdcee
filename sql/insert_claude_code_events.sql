-- insert_claude_code_events: append the kept Claude Code rows of a batch to events.
-- inputs: cc_ranked, cc_files (temp table: file_idx, source, user_id)
-- outputs: events (rows appended); returns the count inserted
-- params: none
-- slots: none
INSERT INTO events
SELECT
    r.event_id, r.ts, f.user_id, NULL, r.model,
    r.input_tokens, r.cache_write_tokens, r.cache_write_1h_tokens, r.cache_read_tokens,
    r.output_tokens, 1, r.logged_cost_usd, f.source, r.line_no
FROM cc_ranked AS r
JOIN cc_files AS f ON f.file_idx = r.file_idx
WHERE r.keep
