-- langfuse_tokens_in_no_class: of a Langfuse file's checked model-call rows, those whose
-- totalTokens is above the token classes the load reads (input + output + cache reads + cache
-- writes): how many, the tokens above, and the usageDetails keys they hold that no class reads.
-- inputs: {{checked_rows}}: a SELECT over the file's checked rows (the load's staged table, or
--         sql/checked_rows.sql over the projection sql/langfuse_no_class_keys.sql wraps), with
--         __planalyzer_total and __planalyzer_no_class_keys
-- outputs: one row: n_rows, tokens (totalTokens above the classes, summed), keys (VARCHAR[],
--          sorted: the usageDetails keys of those rows not read)
-- params: none of its own (the checked_rows slot binds the projection's)
-- slots: {{checked_rows}}
-- A row the load rejects for a count (count_problem) or counts apart (skip_kind: a span) is
-- not one; a row rejected for another reason (no user, say) is.
SELECT count(*) AS n_rows,
       coalesce(sum(total - classes), 0) AS tokens,
       list_sort(list_distinct(flatten(list(coalesce(keys, []))))) AS keys
FROM (
    SELECT c.__planalyzer_total AS total,
           CAST(c.input_tokens AS DOUBLE) + c.output_tokens + c.cache_read_tokens
               + c.cache_write_tokens + c.cache_write_1h_tokens AS classes,
           c.__planalyzer_no_class_keys AS keys
    FROM ({{checked_rows}}) AS c
    WHERE c.skip_kind IS NULL AND c.count_problem IS NULL
) AS r
WHERE total > classes
