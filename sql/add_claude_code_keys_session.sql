-- add_claude_code_keys_session: give a store an older planalyzer made the session column of
-- claude_code_keys (sql/create_claude_code_keys.sql).
-- inputs: claude_code_keys
-- outputs: claude_code_keys with session_id (NULL in the rows it holds: their file's session);
--          nothing changes in a store that has it
-- params: none
-- slots: none
-- Run when a store is opened for writing (a load), after create_claude_code_keys; only loads
-- read the table.
ALTER TABLE claude_code_keys ADD COLUMN IF NOT EXISTS session_id VARCHAR
