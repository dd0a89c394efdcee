-- insert_events: append the usable rows of one source file to events.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection)
-- outputs: events (rows appended); returns the count inserted
-- Rows with a skip_kind are not model calls (a LiteLLM cache hit, a Langfuse span): neither
-- loaded nor rejected, counted by kind (sql/skipped_row_kinds.sql).
-- params: $source
-- slots: {{checked_rows}}
INSERT INTO events
SELECT
    event_id, ts, user_id, plan, model,
    input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens, output_tokens,
    requests, logged_cost_usd, $source, source_row
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NULL AND c.skip_kind IS NULL
