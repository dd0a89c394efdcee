-- create_reloaded_prev: the temp table of the stored events of changed files that a load
-- reloads (sql/stage_reloaded_rows.sql).
-- inputs: none
-- outputs: temp table reloaded_prev (created if absent): source, event_id, ts, requests, tokens
-- params: none
-- slots: none
CREATE TEMP TABLE IF NOT EXISTS reloaded_prev (
    source VARCHAR, event_id VARCHAR, ts TIMESTAMPTZ, requests BIGINT, tokens HUGEINT
)
