-- langfuse_tokens_in_no_class: of a Langfuse file's model-call rows, those whose totalTokens is
-- above the token classes the load reads (input + output + cache reads + cache writes): how
-- many, the tokens above, and the usageDetails keys they hold that no class reads.
-- inputs: {{projection}}: the file's projection (planalyzer.sources.tabular), whose raw_json
--         holds the row as read
-- outputs: one row: n_rows, tokens (totalTokens above the classes, summed), keys (VARCHAR[],
--          sorted: the usageDetails keys of those rows not in $read_keys)
-- params: $total_path, $details_path, $read_keys
--         (JSONPaths of the totalTokens and usageDetails columns in raw_json; a row without
--         the first, or a path it does not name, reads usageDetails' own total; VARCHAR[]: the
--         keys read, or of no class of their own); the projection binds its own ($path ...)
-- slots: {{projection}}
-- A row the load rejects for a count (count_problem) or counts apart (skip_kind: a span) is
-- not one; usageDetails may be an object (JSON lines, a saved page) or JSON text (CSV), and a
-- key is named where the row holds a count above 0 under it (JSON lines read as one struct
-- give every row every key, most of them null).
SELECT count(*) AS n_rows,
       coalesce(sum(total - classes), 0) AS tokens,
       list_sort(list_distinct(flatten(list(coalesce(keys, []))))) AS keys
FROM (
    SELECT TRY_CAST(coalesce(json_extract_string(p.raw_json, $total_path),
                             json_extract_string(p.d, '$.total')) AS DOUBLE) AS total,
           CAST(p.input_tokens AS DOUBLE) + p.output_tokens + p.cache_read_tokens
               + p.cache_write_tokens + p.cache_write_1h_tokens AS classes,
           list_filter(json_keys(d), lambda k: NOT list_contains($read_keys, k)
                       AND TRY_CAST(json_extract_string(d, '$."' || replace(k, '"', '\"')
                                                        || '"') AS DOUBLE) > 0) AS keys
    FROM (SELECT p.*, TRY_CAST(json_extract_string(p.raw_json, $details_path) AS JSON) AS d
          FROM ({{projection}}) AS p) AS p
    WHERE p.skip_kind IS NULL AND p.count_problem IS NULL
) AS r
WHERE total > classes
