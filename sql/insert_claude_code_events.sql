-- insert_claude_code_events: append the kept Claude Code rows of a batch to events.
-- inputs: cc_ranked, cc_parsed, cc_files (temp table: file_idx, source, user_id)
-- outputs: events (rows appended); returns the count inserted
-- params: none
-- slots: none
INSERT INTO events
SELECT
    r.event_id, p.ts, f.user_id, NULL, p.model,
    p.input_tokens, p.cache_write_tokens, p.cache_write_1h_tokens, p.cache_read_tokens,
    p.output_tokens, 1, p.logged_cost_usd, f.source, p.line_no
FROM cc_ranked AS r
JOIN cc_parsed AS p ON p.file_idx = r.file_idx AND p.line_no = r.line_no
JOIN cc_files AS f ON f.file_idx = r.file_idx
WHERE r.keep
