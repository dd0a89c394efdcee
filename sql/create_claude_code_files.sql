-- create_claude_code_files: the files of one Claude Code batch load, by index.
-- inputs: $sources (each file's path, in batch order), $users (each file's user id)
-- outputs: cc_files (temp table: file_idx, source, user_id)
-- params: $sources, $users
-- slots: none
-- Bound lists (no Arrow table): unnest of lists of one row runs them in lockstep.
CREATE OR REPLACE TEMP TABLE cc_files AS
SELECT
    unnest(range(len($sources)))::INTEGER AS file_idx,
    unnest($sources::VARCHAR[]) AS source,
    unnest($users::VARCHAR[]) AS user_id
