-- stage_reloaded_rows: the stored events of a changed file about to be reloaded (its rows
-- replaced), kept for the load to say which of them the new version no longer holds.
-- inputs: events
-- outputs: temp table reloaded_prev (sql/create_reloaded_prev.sql): the rows of $source with
--          an event id appended
-- params: $source
-- slots: none
-- Rows without an event id cannot be matched to the new version's rows and are not kept.
-- planalyzer.reload_losses compares them with the rows read from the new version
-- (sql/reloaded_rows_gone.sql) and drops the table.
INSERT INTO reloaded_prev
SELECT source, event_id, ts, requests,
       CAST(input_tokens AS HUGEINT) + cache_write_tokens + cache_write_1h_tokens
           + cache_read_tokens + output_tokens
FROM events
WHERE source = $source AND event_id IS NOT NULL
