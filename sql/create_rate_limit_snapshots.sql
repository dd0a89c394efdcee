-- create_rate_limit_snapshots: rate-limit readings logged by a client (Codex token_count events).
-- inputs: none
-- outputs: rate_limit_snapshots (table, created if absent)
-- params: none
-- slots: none
-- window is 'primary' (the 5-hour window) or 'secondary' (the weekly one); used_percent is the
-- share of the window's limit used at ts, as the provider reported it; resets_at is when the
-- window resets. Evidence of what a plan allows, to check the plan catalog's limits against.
CREATE TABLE IF NOT EXISTS rate_limit_snapshots (
    source VARCHAR NOT NULL,
    ts TIMESTAMPTZ NOT NULL,
    user_id VARCHAR NOT NULL,
    plan_type VARCHAR,
    "window" VARCHAR NOT NULL,
    window_minutes BIGINT,
    used_percent DOUBLE NOT NULL,
    resets_at TIMESTAMPTZ
)
