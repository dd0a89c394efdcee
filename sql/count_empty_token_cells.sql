-- count_empty_token_cells: the usable rows of one source file with an empty token cell, per
-- token class: the cell was read as 0 (the row's other classes hold counts).
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over a tabular projection, which
--         has <class>_empty: true where the class is read from a file column whose cell in
--         that row is empty or NULL)
-- outputs: one row: input_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens,
--          output_tokens (the rows whose cell of that class was empty)
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- A row whose token cells are all empty is rejected ('no token counts'); one with only some
-- empty loads them as 0, and the load says how many per column (README, Accounting).
-- The empty-cell test comes first in the filter: over a parquet file's projection (read again
-- by each pass) the row checks then run only on the rows with an empty cell.
SELECT
    count(*) FILTER (WHERE c.input_tokens_empty) AS input_tokens,
    count(*) FILTER (WHERE c.cache_write_tokens_empty) AS cache_write_tokens,
    count(*) FILTER (WHERE c.cache_write_1h_tokens_empty) AS cache_write_1h_tokens,
    count(*) FILTER (WHERE c.cache_read_tokens_empty) AS cache_read_tokens,
    count(*) FILTER (WHERE c.output_tokens_empty) AS output_tokens
FROM ({{checked_rows}}) AS c
WHERE (c.input_tokens_empty OR c.cache_write_tokens_empty OR c.cache_write_1h_tokens_empty
       OR c.cache_read_tokens_empty OR c.output_tokens_empty)
    AND c.reject_reason IS NULL AND c.skip_kind IS NULL
