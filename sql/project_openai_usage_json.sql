-- project_openai_usage_json: OpenAI Usage API completions pages as canonical rows.
-- inputs: read_json($path): a page {"object":"page","data":[bucket...]}, a list of pages or one
--         page per line; bucket = {start_time, end_time, results: [result...]}
-- outputs: the projection columns sql/checked_rows.sql expects, one row per result
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- input_tokens include input_cached_tokens (OpenAI's counting), so input = input - cached; a
-- result with more cached tokens than input (or cached tokens and no input) is rejected as
-- 'cache reads above the input count that includes them' (as in the tabular sources,
-- planalyzer.sources.tabular), not as a negative count. A result with no num_model_requests
-- gets an estimated count: max(1, ceil(prompt / $bucket_prompt_tokens)), the prompt being
-- the input (cached tokens included).
-- A result whose token counts are all null (or absent) is rejected ('no token counts'); a
-- null count beside others is read as 0, and <class>_empty says so (the load counts them,
-- sql/count_empty_token_cells.sql).
-- The user is user_id where the export was grouped by user, else the project or API key.
-- event_id names the bucket (its start and width in seconds: a daily and an hourly bucket
-- starting at the same time differ) and its grouping, so the same export loaded twice is not
-- counted twice; buckets of different widths that overlap are refused after the load
-- (sql/overlapping_buckets.sql).
WITH buckets AS (
    SELECT unnest(json_extract(page.data, '$[*]')) AS bucket
    FROM read_json($path, format = 'auto', columns = {data: 'JSON'},
                   maximum_object_size = $max_object_size) AS page
),
results AS (
    SELECT bucket, unnest(json_extract(bucket, '$.results[*]')) AS r FROM buckets
),
f AS (
    SELECT
        r,
        json_extract_string(bucket, '$.start_time') AS start_s,
        json_extract_string(bucket, '$.end_time') AS end_s,
        json_extract_string(r, ['$.user_id', '$.project_id', '$.api_key_id', '$.model',
                                '$.input_tokens', '$.input_cached_tokens', '$.output_tokens',
                                '$.num_model_requests', '$.batch', '$.service_tier']) AS v
    FROM results
)
SELECT
    'openai:' || coalesce(start_s, '') || '/'
        || coalesce(CAST(TRY_CAST(end_s AS BIGINT) - TRY_CAST(start_s AS BIGINT) AS VARCHAR), '')
        || ':' || coalesce(v[1], '') || ':' || coalesce(v[2], '')
        || ':' || coalesce(v[3], '') || ':' || coalesce(v[4], '') || ':' || coalesce(v[9], '')
        || ':' || coalesce(v[10], '') AS event_id,
    to_timestamp(TRY_CAST(start_s AS DOUBLE)) AS ts,
    start_s IS NOT NULL AS ts_given,
    CAST(NULL AS VARCHAR) AS ts_problem,
    CASE WHEN v[5] IS NULL AND v[6] IS NULL AND v[7] IS NULL THEN 'no token counts'
         WHEN NOT pa_bad(v[5]) AND NOT pa_bad(v[6])
              AND coalesce(pa_int(v[5]), 0) >= 0
              AND coalesce(pa_int(v[6]), 0) > coalesce(pa_int(v[5]), 0)
         THEN 'cache reads above the input count that includes them' END AS count_problem,
    coalesce(nullif(v[1], ''), 'project:' || nullif(v[2], ''), 'api_key:' || nullif(v[3], ''),
             'organization') AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    v[4] AS model,
    pa_bad(v[5]) AS input_tokens_bad,
    false AS cache_write_tokens_bad,
    false AS cache_write_1h_tokens_bad,
    pa_bad(v[6]) AS cache_read_tokens_bad,
    pa_bad(v[7]) AS output_tokens_bad,
    pa_bad(v[8]) AS requests_bad,
    coalesce(pa_int(v[5]), 0) - coalesce(pa_int(v[6]), 0) AS input_tokens,
    CAST(0 AS BIGINT) AS cache_write_tokens,
    CAST(0 AS BIGINT) AS cache_write_1h_tokens,
    coalesce(pa_int(v[6]), 0) AS cache_read_tokens,
    coalesce(pa_int(v[7]), 0) AS output_tokens,
    coalesce(pa_int(v[8]), TRY_CAST(greatest(1, (CAST(coalesce(pa_int(v[5]), 0) AS HUGEINT)
                                                 + $bucket_prompt_tokens - 1)
                                                // $bucket_prompt_tokens) AS BIGINT)) AS requests,
    v[8] IS NULL AS requests_estimated,
    v[5] IS NULL AND json_type(r, '$.input_tokens') = 'NULL' AS input_tokens_empty,
    false AS cache_write_tokens_empty,
    false AS cache_write_1h_tokens_empty,
    v[6] IS NULL AND json_type(r, '$.input_cached_tokens') = 'NULL' AS cache_read_tokens_empty,
    v[7] IS NULL AND json_type(r, '$.output_tokens') = 'NULL' AS output_tokens_empty,
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(r AS VARCHAR) AS raw_json
FROM f
