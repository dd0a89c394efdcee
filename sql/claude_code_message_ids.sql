-- claude_code_message_ids: the message ids of the events a store keeps from Claude Code files.
-- inputs: events, claude_code_keys
-- outputs: one row per distinct message id of the events of $sources
-- params: $sources
-- slots: none
-- A kept event's message.id is its event_id up to the first ':', unless claude_code_keys
-- records it (a message.id holding ':'). A file gone from disk held these messages: a
-- transcript on disk holds a copy of one only if its bytes name the id
-- (planalyzer/store_gone.py reads those again).
-- The files are joined as a table (list_contains would compare every event with every file:
-- seconds where thousands of files are gone).
SELECT DISTINCT coalesce(k.message_id, split_part(e.event_id, ':', 1)) AS message_id
FROM events AS e
LEFT JOIN claude_code_keys AS k ON k.source = e.source AND k.source_row = e.source_row
WHERE e.source IN (SELECT unnest($sources::VARCHAR[])) AND e.event_id IS NOT NULL
