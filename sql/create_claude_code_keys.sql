-- create_claude_code_keys: the dedupe keys of kept Claude Code events that their event_id
-- does not tell.
-- inputs: none
-- outputs: claude_code_keys (table, created if absent)
-- params: none
-- slots: none
-- A kept Claude Code event's event_id is its message.id, then ':' and the requestId its key
-- took (its own, or another copy's), or the message.id alone. For an event of a main-thread
-- line whose message.id holds no ':' that is all a later load needs to rank new copies of the
-- message with it (sql/rank_claude_code_rows.sql). One row here for each other kept event
-- (source, source_row name it): a sidechain line, or a message.id with ':' in it: its
-- message.id, the requestId its key took (NULL: none) and whether it was a sidechain line.
-- (About one event in eight of a coding agent's transcripts: its subagents' own messages.)
CREATE TABLE IF NOT EXISTS claude_code_keys (
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    message_id VARCHAR NOT NULL,
    request_id VARCHAR,
    is_sidechain BOOLEAN NOT NULL
)
