-- project_openai_cost_csv: an OpenAI cost export (CSV) read as a usage export: no usable row.
-- inputs: {{reader}} (the file as src: its staged table, or the format's reader)
-- outputs: the projection columns sql/checked_rows.sql expects, one row per row of the file,
--          with no model and no token counts (the projection's type_problem rejects each, and
--          its holds_instead says the file is a cost report and what to export instead)
-- params: none (the reader slot binds the file path where the file is not staged)
-- slots: {{reader}}, {{source_row}}, {{raw_json}} (the row's number and raw JSON: the staged
--        table's columns, else computed over the reader)
-- The cost export's columns (start_time, end_time, amount_value, amount_currency, line_item,
-- project_id, ...) hold amounts in a currency, no token counts: nothing in it is usage, so
-- every row is kept in rejected_rows with the reason, none loaded (as a cost report's
-- results in a usage-report JSON are: sql/usage_json_contents.sql).
SELECT
    CAST(NULL AS VARCHAR) AS event_id,
    CAST(NULL AS TIMESTAMPTZ) AS ts,
    true AS ts_given,
    CAST(NULL AS VARCHAR) AS ts_problem,
    CAST(NULL AS VARCHAR) AS count_problem,
    'organization' AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    CAST(NULL AS VARCHAR) AS model,
    false AS input_tokens_bad,
    false AS cache_write_tokens_bad,
    false AS cache_write_1h_tokens_bad,
    false AS cache_read_tokens_bad,
    false AS output_tokens_bad,
    false AS requests_bad,
    CAST(0 AS BIGINT) AS input_tokens,
    CAST(0 AS BIGINT) AS cache_write_tokens,
    CAST(0 AS BIGINT) AS cache_write_1h_tokens,
    CAST(0 AS BIGINT) AS cache_read_tokens,
    CAST(0 AS BIGINT) AS output_tokens,
    CAST(1 AS BIGINT) AS requests,
    false AS requests_estimated,
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    false AS logged_cost_bad,
    CAST(NULL AS VARCHAR) AS skip_kind,
    {{source_row}} AS source_row,
    {{raw_json}} AS raw_json
FROM {{reader}}
