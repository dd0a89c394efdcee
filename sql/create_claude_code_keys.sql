-- create_claude_code_keys: the dedupe keys of kept Claude Code events that their event_id and
-- file do not tell.
-- inputs: none
-- outputs: claude_code_keys (table, created if absent)
-- params: none
-- slots: none
-- A kept Claude Code event's event_id is its message.id, then ':' and its requestId (or the
-- scope of a line without one: '~' and its session ...), or the message.id alone (stores
-- loaded before session scopes). For an event of a main-thread line whose message.id holds no
-- ':' and whose session is the one its file's path names (sql/create_claude_code_session_
-- macro.sql) that is all a later load needs to rank new copies of the message with it
-- (sql/rank_claude_code_rows.sql). One row here for each other kept event (source, source_row
-- name it): a sidechain line, a message.id with ':' in it, or a line of another session than
-- its file's (a resumed session's file repeating an earlier session's lines): its message.id,
-- the requestId (or scope) of its key (NULL: none), whether it was a sidechain line and its
-- session where that is not its file's (NULL: its file's; also in rows stores made before this
-- column recorded). (About one event in eight of a coding agent's transcripts: its subagents'
-- own messages.) A store an older planalyzer made gets the session column from
-- sql/add_claude_code_keys_session.sql.
CREATE TABLE IF NOT EXISTS claude_code_keys (
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    message_id VARCHAR NOT NULL,
    request_id VARCHAR,
    is_sidechain BOOLEAN NOT NULL,
    session_id VARCHAR
)
