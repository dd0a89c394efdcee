-- langfuse_no_class_keys: a Langfuse file's projection with, for each model-call row whose total
-- is above the token classes the load reads, the usageDetails keys it holds that no class reads.
-- inputs: {{projection}}: the file's projection (planalyzer.sources.tabular) with the columns
--         __planalyzer_total (DOUBLE: the row's totalTokens, else usageDetails' total) and
--         __planalyzer_details (its usageDetails as read); {{details}}: SQL over p, that
--         usageDetails as JSON
-- outputs: the projection's columns, __planalyzer_details replaced by __planalyzer_no_class_keys
--          (VARCHAR[]: the keys not in $read_keys with a count above 0; NULL where the row is
--          not above its classes, rejected for a count (count_problem) or no model call)
-- params: $read_keys (VARCHAR[]: the keys read, or of no class of their own); the projection
--         binds its own ($path ...)
-- slots: {{projection}}, {{details}}
-- The keys are read only for the rows above (usually none): the CASE parses no other row's
-- usageDetails (read whole, it was a third of a 250k-row load). sql/langfuse_tokens_in_no_class.sql
-- sums these rows from the checked rows. usageDetails may be an object (JSON lines, a saved
-- page) or JSON text (CSV); JSON lines read as one struct give every row every key, most null.
SELECT p.* EXCLUDE (__planalyzer_details),
       CASE WHEN p.skip_kind IS NULL AND p.count_problem IS NULL
                 AND p.__planalyzer_total > CAST(p.input_tokens AS DOUBLE) + p.output_tokens
                     + p.cache_read_tokens + p.cache_write_tokens + p.cache_write_1h_tokens
            THEN list_filter(json_keys({{details}}), lambda k: NOT list_contains($read_keys, k)
                             AND TRY_CAST(json_extract_string({{details}}, '$."'
                                              || replace(k, '"', '\"') || '"') AS DOUBLE) > 0)
       END AS __planalyzer_no_class_keys
FROM ({{projection}}) AS p
