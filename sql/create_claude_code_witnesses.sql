-- create_claude_code_witnesses: main-thread copies on disk that Claude Code loads dropped for
-- a copy of another session.
-- inputs: none
-- outputs: claude_code_witnesses (table, created if absent)
-- params: none
-- slots: none
-- A sidechain line is a replay where a main-thread line of its message is in its session
-- (sql/rank_claude_code_rows.sql), kept or dropped: a session's main-thread copy dropped for
-- another session's copy of the same key (a resumed session repeating its lines under its own
-- sessionId, with more tokens or ranked first) still makes the session's sidechain copies
-- replays, as ccusage counts them. The events a store keeps do not tell that, so a later
-- load (a subagent's lines written after) would count the replay: each such copy is recorded
-- here under its own file (source, source_row), with its message.id and session (also a
-- stored copy a later copy of another session displaced). Later loads rank them as main-thread
-- copies that are never kept; a file reloaded, moved or gone takes its rows along like its
-- events (Source.extra_tables), and a transcript found gone has the transcripts naming their
-- message ids read again (sql/claude_code_message_ids.sql).
CREATE TABLE IF NOT EXISTS claude_code_witnesses (
    source VARCHAR NOT NULL,
    source_row BIGINT NOT NULL,
    message_id VARCHAR NOT NULL,
    session_id VARCHAR NOT NULL
)
