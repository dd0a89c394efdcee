-- estimated_bucket_prompt_tokens: the --bucket-prompt-tokens values the files of sources
-- that log no request count were loaded with (their events' request counts are estimates
-- made with it), but for a file whose layout logs one (its mapping names requests:
-- Anthropic's analytics/usage).
-- inputs: load_manifest (its read_options column: JSON, planalyzer.file_options.record)
-- outputs: bucket_prompt_tokens, one row per distinct value (NULL: a file whose options were
--          not recorded, loaded by an older planalyzer)
-- params: $uncounted (names of the source modules whose exports log no request count, as
--         load_manifest.format begins)
-- slots: none
SELECT DISTINCT
    TRY_CAST(json_extract_string(m.read_options, '$.bucket_prompt_tokens') AS BIGINT)
        AS bucket_prompt_tokens
FROM load_manifest AS m
WHERE list_contains($uncounted, split_part(m.format, ' ', 1)) AND m.rows_loaded > 0
    AND NOT regexp_matches(coalesce(m.mapping, ''), '(^|, )requests=')
ORDER BY 1 NULLS LAST
