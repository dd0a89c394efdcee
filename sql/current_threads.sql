-- current_threads: the connection's worker thread count (to restore after set_threads).
-- inputs: none
-- outputs: one row: threads
-- params: none
-- slots: none
SELECT CAST(current_setting('threads') AS BIGINT) AS threads
