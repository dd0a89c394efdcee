-- checked_rows: a source's rows in canonical columns, each with the reason it cannot be used.
-- inputs: {{projection}}: a SELECT over one source file that yields the canonical columns plus
--         <token>_bad / requests_bad flags, ts_given, skip_kind (NULL, or the kind of a row
--         that is not a model call), source_row and raw_json (built by
--         planalyzer.sources.tabular from quoted column names)
-- outputs: rows with reject_reason NULL (usable) or the first reason that applies
-- params: $max_tokens, $type_problem
-- slots: {{projection}}
SELECT
    p.*,
    CASE
        WHEN $type_problem IS NOT NULL THEN $type_problem
        WHEN p.user_id IS NULL OR trim(p.user_id) = '' THEN 'missing user_id'
        WHEN NOT p.ts_given THEN 'missing timestamp'
        WHEN p.ts IS NULL THEN 'unparseable timestamp'
        WHEN p.model IS NULL OR trim(p.model) = '' THEN 'missing model'
        WHEN p.input_tokens_bad OR p.cache_write_tokens_bad OR p.cache_write_1h_tokens_bad
            OR p.cache_read_tokens_bad OR p.output_tokens_bad
            THEN 'non-integer token count'
        WHEN least(p.input_tokens, p.cache_write_tokens, p.cache_write_1h_tokens,
                   p.cache_read_tokens, p.output_tokens) < 0
            THEN 'negative token count'
        WHEN greatest(p.input_tokens, p.cache_write_tokens, p.cache_write_1h_tokens,
                      p.cache_read_tokens, p.output_tokens) > $max_tokens
            THEN 'token count over bound'
        WHEN p.requests_bad OR p.requests < 1 THEN 'bad request count'
    END AS reject_reason
FROM ({{projection}}) AS p
