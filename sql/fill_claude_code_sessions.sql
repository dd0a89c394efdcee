-- fill_claude_code_sessions: a usable line without sessionId takes the session its file's
-- path names (cc_files.path_session: sql/create_claude_code_session_macro.sql), as ccusage
-- takes the session from the path where a line names none.
-- inputs: cc_parsed, cc_files
-- outputs: cc_parsed.session_id updated
-- params: none
-- slots: none
-- A pass of its own, not a join in sql/rank_claude_code_rows.sql: the join there cost 15% of a
-- cold load of 400 transcripts, for lines Claude Code never writes (its lines name their
-- session); this filter finds none in them.
UPDATE cc_parsed AS p
SET session_id = f.path_session
FROM cc_files AS f
WHERE f.file_idx = p.file_idx AND p.session_id IS NULL
    AND p.message_id IS NOT NULL AND p.is_usage AND p.reject_reason IS NULL
