-- create_claude_code_stage_macro: table macro {{name}}(lines, file_idx_csv, line_no_csv): the
--   cc_parsed rows of one chunk of candidate Claude Code lines: cc_stage (JSON integers read,
--   stage_claude_code_lines inserts) or cc_stage_counts (counts read as the tabular reader
--   reads a text cell, restage_claude_code_counts inserts).
-- inputs: the macro's arguments: lines (the chunk's lines joined by newlines: a JSON line holds
--         none), file_idx_csv and line_no_csv (each line's file index and line number,
--         comma-separated, in line order); getvariable('planalyzer_max_tokens'); macros
--         pa_ts, pa_ts_problem (sql/create_ts_macro.sql, sql/create_ts_problem_macro.sql);
--         the macros the slots name
-- outputs: temp macro {{name}} (a table macro with cc_parsed's columns, in order)
-- params: none
-- slots: {{name}}, {{count}}, {{out_of_range}}, {{given}}: the macro made; a scalar macro
--        reading a count's text as a BIGINT, NULL where it is none (pa_json_int,
--        sql/create_json_int_macro.sql, or pa_count, sql/create_count_text_macro.sql); one
--        saying the text of such a NULL count is a whole number beyond a BIGINT
--        (pa_json_int_out_of_range or pa_count_out_of_range); one saying a count is there
--        (pa_json_given: not NULL, sql/create_json_given_macro.sql; or pa_count_given: not
--        NULL and not blank, an empty cell)
-- A macro, made once per load: binding this query took 5.2 ms per chunk, calling the macro 3.6.
-- The chunk comes as three VARCHARs split here (no Arrow, no Python object per line); unnest of
-- several lists of one row runs them in lockstep, so line i gets file_idx i.
-- Only the fields the events and their dedupe keys need are extracted (one JSON parse per line).
-- cache_creation_input_tokens is the total of both lifetimes; the 1-hour part is
-- usage.cache_creation.ephemeral_1h_input_tokens where logged, so the 5-minute part is the rest
-- (totals then equal ccusage's cacheCreationTokens). A line that is not valid JSON but contains
-- "usage" (a truncated write) is rejected, not dropped. A <synthetic> message with usage that is
-- all zero is counted as a line without usage; one with any tokens stays a rejected row.
-- Besides the tokens, a line's usage logs its web searches (server_tool_use.
-- web_search_requests, billed per search) and, in usage.iterations, the advisor tool's
-- sub-inferences (type advisor_message, another model's tokens the line's top-level usage
-- leaves out): kept as web_searches and iterations (the array's JSON, only on lines that hold
-- an advisor_message) for sql/stage_claude_code_extras.sql and the load's note; no row holds
-- them.
-- The timestamp is read and checked as the tabular reader reads text (an offset outside
-- -12:00..+14:00 is rejected, never a shift of days); reasons are the tabular reader's where
-- both readers meet the case (1-hour writes above the writes that include them). Counts are
-- read as the tabular reader reads a text cell (10.0 or 1e3 is a count, 2.5 is not, 2^63 is
-- out of range), in two passes: cc_stage reads JSON integers (what Claude Code writes), and the
-- rare rows it rejects for a count (non-integer or out of range) are staged again from their
-- raw line by cc_stage_counts, which reads every form (pa_count). One macro reading them all
-- took twice as long to bind per chunk (5 ms more, as long as parsing the chunk). A count
-- written "" (or blank) is an empty cell, as in a CSV: no count, as an absent one is (an
-- absent cache count is 0; a line without input or output tokens is rejected).
CREATE OR REPLACE TEMP MACRO {{name}}(lines, file_idx_csv, line_no_csv) AS TABLE
WITH chunk AS (
    SELECT
        unnest(string_split(file_idx_csv, ',')::INTEGER[]) AS file_idx,
        unnest(string_split(line_no_csv, ',')::BIGINT[]) AS line_no,
        unnest(string_split(lines, chr(10))) AS line
),
extracted AS (
    SELECT
        c.file_idx, c.line_no, c.line,
        try(json_extract_string(c.line, [
            '$.type', '$.timestamp', '$.requestId', '$.isSidechain', '$.message.id',
            '$.message.model', '$.message.usage', '$.message.usage.input_tokens',
            '$.message.usage.output_tokens', '$.message.usage.cache_creation_input_tokens',
            '$.message.usage.cache_read_input_tokens',
            '$.message.usage.cache_creation.ephemeral_1h_input_tokens', '$.costUSD',
            '$.sessionId', '$.message.usage.server_tool_use.web_search_requests'
        ])) AS v
    FROM chunk AS c
),
ints AS (
    -- a count must be a whole number: 2.5 is a bad value, never rounded (one column each:
    -- cheaper than a lambda over a list)
    SELECT
        e.*,
        {{count}}(e.v[8]) AS inp,
        {{count}}(e.v[9]) AS outp,
        {{count}}(e.v[10]) AS n_cw_all,
        {{count}}(e.v[11]) AS n_cr,
        {{count}}(e.v[12]) AS n_cw_1h
    FROM extracted AS e
),
typed AS (
    SELECT
        i.*,
        -- a <synthetic> message (an API error Claude Code writes as a message) with all-zero
        -- usage is no model call: a line without usage (kind below), not a rejected row
        (i.v IS NULL OR i.v[7] IS NOT NULL) AND NOT (
            i.v[6] IS NOT DISTINCT FROM '<synthetic>'
            AND coalesce(i.inp, 0) = 0 AND coalesce(i.outp, 0) = 0
            AND coalesce(i.n_cw_all, 0) = 0 AND coalesce(i.n_cr, 0) = 0
            AND coalesce(i.n_cw_1h, 0) = 0) AS is_usage,
        pa_ts(i.v[2]) AS ts,
        coalesce(i.n_cw_all, 0) AS cw_all,
        coalesce(i.n_cr, 0) AS cr,
        coalesce(i.n_cw_1h, 0) AS cw_1h,
        ({{given}}(i.v[8]) AND i.inp IS NULL) OR ({{given}}(i.v[9]) AND i.outp IS NULL)
            OR ({{given}}(i.v[10]) AND i.n_cw_all IS NULL)
            OR ({{given}}(i.v[11]) AND i.n_cr IS NULL)
            OR ({{given}}(i.v[12]) AND i.n_cw_1h IS NULL) AS non_integer
    FROM ints AS i
),
checked AS (
    SELECT
        t.*,
        CASE
            WHEN t.v IS NULL THEN 'unparseable JSON (truncated line?)'
            WHEN t.v[1] IS DISTINCT FROM 'assistant' THEN 'usage on a non-assistant line'
            WHEN t.v[6] = '<synthetic>' THEN 'synthetic message (no model call)'
            WHEN t.v[2] IS NULL THEN 'missing timestamp'
            WHEN t.ts IS NULL THEN 'unparseable timestamp'
            WHEN pa_ts_problem(t.v[2]) IS NOT NULL THEN pa_ts_problem(t.v[2])
            WHEN t.v[6] IS NULL OR trim(t.v[6]) = '' THEN 'missing model'
            WHEN NOT {{given}}(t.v[8]) OR NOT {{given}}(t.v[9])
                THEN 'usage without input or output tokens'
            WHEN t.non_integer AND ({{out_of_range}}(t.v[8]) OR {{out_of_range}}(t.v[9])
                                    OR {{out_of_range}}(t.v[10])
                                    OR {{out_of_range}}(t.v[11])
                                    OR {{out_of_range}}(t.v[12]))
                THEN 'token count out of range'
            WHEN t.non_integer THEN 'non-integer token count'
            WHEN least(t.inp, t.outp, t.cw_all, t.cr, t.cw_1h) < 0 THEN 'negative token count'
            WHEN t.cw_1h > t.cw_all
                THEN '1-hour cache writes above the cache writes that include them'
            WHEN greatest(t.inp, t.outp, t.cw_all, t.cr)
                > getvariable('planalyzer_max_tokens')
                THEN 'token count over bound'
        END AS reject_reason
    FROM typed AS t
)
SELECT
    file_idx, line_no, is_usage,
    CASE WHEN NOT is_usage AND v[6] IS NOT DISTINCT FROM '<synthetic>'
             THEN 'synthetic message (no model call)'
         WHEN NOT is_usage THEN coalesce(v[1], 'no type') END AS kind,
    ts, v[5] AS message_id, v[3] AS request_id,
    -- the key of a line without requestId is scoped by its session, and a sidechain line
    -- replays a main-thread message of its own session (sql/rank_claude_code_rows.sql)
    v[14] AS session_id,
    coalesce(v[4] = 'true', false) AS is_sidechain,
    v[6] AS model,
    inp AS input_tokens,
    cw_all - cw_1h AS cache_write_tokens,
    cw_1h AS cache_write_1h_tokens,
    cr AS cache_read_tokens,
    outp AS output_tokens,
    TRY_CAST(v[13] AS DOUBLE) AS logged_cost_usd,
    CASE WHEN is_usage THEN reject_reason END AS reject_reason,
    CASE WHEN is_usage AND reject_reason IS NOT NULL THEN line END AS raw,
    -- (nearly always '0' or absent: read without the count macro's pattern match)
    CASE WHEN v[15] IS NULL OR v[15] = '0' THEN 0 ELSE {{count}}(v[15]) END AS web_searches,
    -- the iterations only where one is the advisor tool's, found in the usage text v[7] holds
    -- anyway (extracting every line's iterations took 30,000 usage lines 7% longer to stage,
    -- searching the whole line 12%, this 4%)
    CASE WHEN contains(v[7], '"advisor_message"')
        THEN json_extract_string(v[7], '$.iterations') END AS iterations
FROM checked
