-- claude_code_advisor_iterations: the advisor tool's sub-inferences the loaded messages of a
-- Claude Code batch log: another model's tokens, which the line's top-level usage leaves out
-- (Anthropic: "Top-level usage fields reflect executor tokens only"; billed at the advisor
-- model's rates). One row per advisor iteration of each copy of such a message.
-- inputs: cc_extras (sql/stage_claude_code_extras.sql), macro pa_json_int
--         (sql/create_json_int_macro.sql)
-- outputs: k (the message), file_idx, line_no (the copy), kept_file (the file of the
--          message's kept copy), model ('unknown model' where the iteration logs none),
--          readable, input_tokens, cache_write_tokens (5 minutes), cache_write_1h_tokens,
--          cache_read_tokens, output_tokens
-- params: none
-- slots: none
-- An iteration of type advisor_message carries its own model and counts; its
-- cache_creation_input_tokens holds both lifetimes, the 1-hour part
-- cache_creation.ephemeral_1h_input_tokens where logged (absent: 0). An iteration with a count
-- that is not a whole number of 0 or more, or 1-hour writes above the writes, is not readable.
-- The advisor's iteration comes only with the copies logged after the advisor answered, so
-- the load counts one copy per message (planalyzer.sources.claude_code._advisor_usage: the
-- copy whose advisor iterations hold the most tokens). Rows, not sums: the choice and the
-- sums in SQL took DuckDB 20-40 ms to plan, for a few rows.
WITH iterations AS (
    SELECT e.k, e.file_idx, e.line_no, e.kept_file, unnest(from_json(e.iterations,
        '[{"type": "VARCHAR", "model": "VARCHAR", "input_tokens": "VARCHAR",
           "cache_creation_input_tokens": "VARCHAR", "cache_read_input_tokens": "VARCHAR",
           "output_tokens": "VARCHAR",
           "cache_creation": {"ephemeral_1h_input_tokens": "VARCHAR"}}]')) AS it
    FROM cc_extras AS e
    WHERE e.iterations IS NOT NULL
),
advisor AS (
    -- a count logged but not a JSON integer: -1, so the iteration is not readable
    SELECT i.k, i.file_idx, i.line_no, i.kept_file,
           coalesce(i.it.model, 'unknown model') AS model,
           coalesce(pa_json_int(i.it.input_tokens), -1) AS inp,
           CASE WHEN i.it.cache_creation_input_tokens IS NULL THEN 0
                ELSE coalesce(pa_json_int(i.it.cache_creation_input_tokens), -1) END AS cw_all,
           CASE WHEN i.it.cache_creation.ephemeral_1h_input_tokens IS NULL THEN 0
                ELSE coalesce(pa_json_int(i.it.cache_creation.ephemeral_1h_input_tokens), -1)
           END AS cw_1h,
           CASE WHEN i.it.cache_read_input_tokens IS NULL THEN 0
                ELSE coalesce(pa_json_int(i.it.cache_read_input_tokens), -1) END AS cr,
           coalesce(pa_json_int(i.it.output_tokens), -1) AS outp
    FROM iterations AS i
    WHERE i.it.type = 'advisor_message'
)
SELECT a.k, a.file_idx, a.line_no, a.kept_file, a.model,
       least(a.inp, a.cw_all, a.cw_1h, a.cr, a.outp) >= 0 AND a.cw_1h <= a.cw_all AS readable,
       a.inp AS input_tokens, a.cw_all - a.cw_1h AS cache_write_tokens,
       a.cw_1h AS cache_write_1h_tokens, a.cr AS cache_read_tokens, a.outp AS output_tokens
FROM advisor AS a
ORDER BY a.k, a.file_idx, a.line_no
