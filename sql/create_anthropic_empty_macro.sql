-- create_anthropic_empty_macro: pa_anthropic_empty(u, input, cw5, cw1h, cache_read, output):
--   the <class>_empty columns of an Anthropic usage row, as a struct (unnest it in the SELECT).
-- inputs: the macro's arguments: u (the JSON object holding the token counts: a
--         usage_report/messages result, or an analytics/usage row's usage) and each class's
--         count's text as read from it (NULL where absent or JSON null); macro
--         pa_count_given (sql/create_count_text_macro.sql)
-- outputs: temp macro pa_anthropic_empty: {input_tokens_empty, cache_write_tokens_empty,
--          cache_write_1h_tokens_empty, cache_read_tokens_empty, output_tokens_empty}
-- params: none
-- slots: none
-- A class is empty where its count is null or "" (blank: an empty cell, pa_count_given,
-- sql/create_count_text_macro.sql) in the file (read as 0; the load counts such rows,
-- sql/count_empty_token_cells.sql). A cache write is logged nested
-- (cache_creation.ephemeral_5m_input_tokens) or flat (cache_creation_5m_input_tokens).
-- Used by sql/project_anthropic_messages_json.sql and sql/project_anthropic_analytics_json.sql.
CREATE OR REPLACE TEMP MACRO pa_anthropic_empty(u, input, cw5, cw1h, cache_read, output) AS {
    'input_tokens_empty':
        NOT pa_count_given(input)
        AND json_type(u, '$.uncached_input_tokens') IN ('NULL', 'VARCHAR'),
    'cache_write_tokens_empty':
        NOT pa_count_given(cw5)
        AND (json_type(u, '$.cache_creation.ephemeral_5m_input_tokens') IN ('NULL', 'VARCHAR')
             OR json_type(u, '$.cache_creation_5m_input_tokens') IN ('NULL', 'VARCHAR')),
    'cache_write_1h_tokens_empty':
        NOT pa_count_given(cw1h)
        AND (json_type(u, '$.cache_creation.ephemeral_1h_input_tokens') IN ('NULL', 'VARCHAR')
             OR json_type(u, '$.cache_creation_1h_input_tokens') IN ('NULL', 'VARCHAR')),
    'cache_read_tokens_empty':
        NOT pa_count_given(cache_read)
        AND json_type(u, '$.cache_read_input_tokens') IN ('NULL', 'VARCHAR'),
    'output_tokens_empty':
        NOT pa_count_given(output) AND json_type(u, '$.output_tokens') IN ('NULL', 'VARCHAR')
}
