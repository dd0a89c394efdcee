-- create_rate_limit_snapshots: rate-limit readings logged by a client (Codex token_count events).
-- inputs: none
-- outputs: rate_limit_snapshots (table, created if absent)
-- params: none
-- slots: none
-- window is the position the client logged the reading in, 'primary' or 'secondary'; what it
-- measures is window_minutes (300: the 5-hour window, 10080: the weekly one; a plan with a
-- weekly limit only logs it as primary). used_percent is the share of the window's limit used
-- at ts, as the provider reported it; resets_at is when the window resets. limit_id and
-- limit_name: the limit read, as logged ('codex', also where older versions logged none: the
-- plan's own; another id is a model's own bucket, e.g. codex_bengalfox, 'GPT-5.3-Codex-Spark').
-- A store an older planalyzer made gets the last two from sql/add_rate_limit_column.sql, NULL
-- in the readings it held (their limit unknown: read as the plan's, with a note). Evidence of
-- what a plan allows, to check the plan catalog's limits against.
CREATE TABLE IF NOT EXISTS rate_limit_snapshots (
    source VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    user_id VARCHAR NOT NULL,
    plan_type VARCHAR,
    "window" VARCHAR NOT NULL,
    window_minutes BIGINT,
    used_percent DOUBLE NOT NULL,
    resets_at TIMESTAMPTZ,
    limit_id VARCHAR,
    limit_name VARCHAR
)
