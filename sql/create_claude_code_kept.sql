-- create_claude_code_kept: the dedupe key of every Claude Code event a load kept.
-- inputs: none
-- outputs: claude_code_kept (table, created if absent)
-- params: none
-- slots: none
-- One row per Claude Code event with a message.id (source, source_row name the event): its
-- message.id, the requestId its key took (its own, or another copy's: NULL where no copy had
-- one) and whether it was a sidechain line. A later load ranks its new copies of a message together with the copy kept earlier
-- (sql/rank_claude_code_rows.sql), so loading a folder in several runs keeps what one load
-- of it would: the copy with the most tokens, a main-thread copy before a sidechain replay.
CREATE TABLE IF NOT EXISTS claude_code_kept (
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    message_id VARCHAR NOT NULL,
    request_id VARCHAR,
    is_sidechain BOOLEAN NOT NULL
)
