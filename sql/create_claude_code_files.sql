-- create_claude_code_files: the files of one Claude Code batch load, by index.
-- inputs: $sources (each file's path, in batch order), $users (each file's user id); macro
--         pa_cc_path_session (sql/create_claude_code_session_macro.sql)
-- outputs: cc_files (temp table: file_idx, source, user_id, path_session: the session its
--          path names, for its lines that name none)
-- params: $sources, $users
-- slots: none
-- Bound lists (no Arrow table): unnest of lists of one row runs them in lockstep.
CREATE OR REPLACE TEMP TABLE cc_files AS
SELECT f.*, pa_cc_path_session(string_split_regex(f.source, '[/\\]')) AS path_session
FROM (
    SELECT
        unnest(range(len($sources)))::INTEGER AS file_idx,
        unnest($sources::VARCHAR[]) AS source,
        unnest($users::VARCHAR[]) AS user_id
) AS f
