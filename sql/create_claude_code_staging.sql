-- create_claude_code_staging: the parsed usage lines of one Claude Code batch load.
-- inputs: none
-- outputs: cc_parsed (temp table, emptied)
-- params: none
-- slots: none
-- One row per candidate line (a line containing "usage"); is_usage says whether its JSON has
-- message.usage (only those are rows of the load identity); raw keeps the line of a rejected
-- row only; session_id is the line's sessionId (sql/fill_claude_code_sessions.sql fills it
-- from the file's path where a usable line names none); web_searches and iterations: what
-- the line's usage logs beside its tokens (sql/create_claude_code_stage_macro.sql).
CREATE OR REPLACE TEMP TABLE cc_parsed (
    file_idx INTEGER NOT NULL,
    line_no BIGINT NOT NULL,
    is_usage BOOLEAN NOT NULL,
    kind VARCHAR,
    ts TIMESTAMPTZ,
    message_id VARCHAR,
    request_id VARCHAR,
    session_id VARCHAR,
    is_sidechain BOOLEAN NOT NULL,
    model VARCHAR,
    input_tokens BIGINT,
    cache_write_tokens BIGINT,
    cache_write_1h_tokens BIGINT,
    cache_read_tokens BIGINT,
    output_tokens BIGINT,
    logged_cost_usd DOUBLE,
    reject_reason VARCHAR,
    raw VARCHAR,
    web_searches BIGINT,
    iterations VARCHAR
)
