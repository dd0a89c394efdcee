-- project_anthropic_messages_json: Anthropic Admin API usage_report/messages as canonical rows.
-- inputs: read_json($path): {"data":[{starting_at, ending_at, results:[...]}], has_more, ...}
--         (one page, a list of pages, or one page per line), or the buckets saved without
--         their page ({starting_at, ending_at, results}: a list of them, as a script that
--         pages through the report and collects each page's data saves it, or one per line)
-- outputs: the projection columns sql/checked_rows.sql expects, one row per result
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- Token classes are already apart: uncached_input_tokens, cache_read_input_tokens,
-- cache_creation.ephemeral_5m_input_tokens / ephemeral_1h_input_tokens, output_tokens. The
-- report has no request count: each result is one row (aggregated) whose count is estimated
-- from its prompt tokens (input + cache writes + cache reads) and the assumed mean prompt per
-- request $bucket_prompt_tokens (B): max(1, ceil(prompt / B)), and never fewer than
-- ceil(prompt / the top of the result's context_window, '0-200k' or '200k-1M'). A result of a
-- long-context window (its low end L above 0: every request in it had a prompt above L) gets
-- floor(prompt / max(B, L + 1)) instead, so that its mean request is above L and priced at
-- the long-context list price, as Anthropic bills it.
-- A result whose token counts are all null (or absent) is rejected ('no token counts'); a
-- null count beside others is read as 0, and <class>_empty says so (the load counts them,
-- sql/count_empty_token_cells.sql).
-- The user is account_id where grouped by account, else the service account, the API key or
-- the workspace. event_id names the bucket (its start and width in seconds) and every
-- dimension the report can group by (account, service account, key, workspace, model,
-- service_tier, context_window, inference_geo, speed): two results of one bucket differ in
-- at least one of them, so none is taken for a duplicate of another.
WITH docs AS (
    SELECT *
    FROM read_json($path, format = 'auto',
                   columns = {data: 'JSON', starting_at: 'JSON', ending_at: 'JSON',
                              results: 'JSON'},
                   maximum_object_size = $max_object_size)
),
buckets AS (  -- a page's buckets, or a document that is itself a bucket (one pass: in order)
    SELECT unnest(CASE WHEN data IS NOT NULL THEN json_extract(data, '$[*]')
                       ELSE [json_object('starting_at', starting_at, 'ending_at', ending_at,
                                         'results', results)] END) AS bucket
    FROM docs
    WHERE data IS NOT NULL OR results IS NOT NULL
),
fields AS (
    -- the bucket's own fields are read once per bucket, before its results are unnested
    -- (read after the unnest, DuckDB parsed the whole bucket again for each of its results:
    -- 80,400 results in 600 buckets took 3.5 s for the start alone, now 0.1 s)
    SELECT json_extract_string(bucket, '$.starting_at') AS start_s,
           json_extract_string(bucket, '$.ending_at') AS end_s,
           json_extract(bucket, '$.results[*]') AS rs
    FROM buckets
),
results AS (
    SELECT start_s, end_s, unnest(rs) AS r FROM fields
),
f AS (
    SELECT
        r,
        start_s,
        end_s,
        json_extract_string(r, [
            '$.account_id', '$.api_key_id', '$.workspace_id', '$.model',
            '$.uncached_input_tokens', '$.cache_read_input_tokens',
            '$.cache_creation.ephemeral_5m_input_tokens',
            '$.cache_creation.ephemeral_1h_input_tokens', '$.output_tokens',
            '$.cache_creation_5m_input_tokens', '$.cache_creation_1h_input_tokens',
            '$.service_tier', '$.context_window', '$.inference_geo', '$.speed',
            '$.service_account_id']) AS v
    FROM results
),
g AS (
    SELECT r, start_s, v, coalesce(v[7], v[10]) AS cw5, coalesce(v[8], v[11]) AS cw1h,
           date_diff('second', TRY_CAST(start_s AS TIMESTAMPTZ),
                     TRY_CAST(end_s AS TIMESTAMPTZ)) AS width_s,
           -- the context window's ends in tokens ('200k-1M': 200000 and 1000000), else NULL
           list_transform(string_split(lower(trim(coalesce(v[13], ''))), '-'),
               lambda x: TRY_CAST(
                   TRY_CAST(regexp_extract(x, '^([0-9.]+)[km]?$', 1) AS DOUBLE)
                   * CASE right(x, 1) WHEN 'k' THEN 1e3 WHEN 'm' THEN 1e6 ELSE 1 END
                   AS BIGINT)) AS window_ends
    FROM f
),
t AS (
    SELECT g.*,
           coalesce(pa_int(v[5]), 0) AS n_in, coalesce(pa_int(cw5), 0) AS n_cw5,
           coalesce(pa_int(cw1h), 0) AS n_cw1h, coalesce(pa_int(v[6]), 0) AS n_cr,
           CAST(coalesce(pa_int(v[5]), 0) AS HUGEINT) + coalesce(pa_int(cw5), 0)
               + coalesce(pa_int(cw1h), 0) + coalesce(pa_int(v[6]), 0) AS prompt,
           CASE WHEN len(window_ends) = 2 THEN window_ends[1] END AS window_lo,
           CASE WHEN len(window_ends) = 2 AND window_ends[2] > 0 THEN window_ends[2] END
               AS window_hi
    FROM g
)
SELECT
    'anthropic:' || coalesce(start_s, '') || '/' || coalesce(CAST(width_s AS VARCHAR), '') || ':'
        || concat_ws(':', coalesce(v[1], ''), coalesce(v[16], ''), coalesce(v[2], ''),
                     coalesce(v[3], ''), coalesce(v[4], ''), coalesce(v[12], ''),
                     coalesce(v[13], ''), coalesce(v[14], ''), coalesce(v[15], ''))
        AS event_id,
    TRY_CAST(start_s AS TIMESTAMPTZ) AS ts,
    start_s IS NOT NULL AS ts_given,
    CAST(NULL AS VARCHAR) AS ts_problem,
    CASE WHEN v[5] IS NULL AND v[6] IS NULL AND cw5 IS NULL AND cw1h IS NULL AND v[9] IS NULL
         THEN 'no token counts' END AS count_problem,
    coalesce(nullif(v[1], ''), 'service_account:' || nullif(v[16], ''),
             'api_key:' || nullif(v[2], ''), 'workspace:' || nullif(v[3], ''),
             'organization') AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    v[4] AS model,
    pa_bad(v[5]) AS input_tokens_bad,
    pa_bad(cw5) AS cache_write_tokens_bad,
    pa_bad(cw1h) AS cache_write_1h_tokens_bad,
    pa_bad(v[6]) AS cache_read_tokens_bad,
    pa_bad(v[9]) AS output_tokens_bad,
    false AS requests_bad,
    n_in AS input_tokens,
    n_cw5 AS cache_write_tokens,
    n_cw1h AS cache_write_1h_tokens,
    n_cr AS cache_read_tokens,
    coalesce(pa_int(v[9]), 0) AS output_tokens,
    TRY_CAST(greatest(
        1,
        CASE WHEN window_hi IS NOT NULL THEN (prompt + window_hi - 1) // window_hi END,
        CASE WHEN window_lo > 0 THEN prompt // greatest($bucket_prompt_tokens, window_lo + 1)
             ELSE (prompt + $bucket_prompt_tokens - 1) // $bucket_prompt_tokens END
    ) AS BIGINT) AS requests,
    true AS requests_estimated,
    v[5] IS NULL AND json_type(r, '$.uncached_input_tokens') = 'NULL' AS input_tokens_empty,
    cw5 IS NULL AND (json_type(r, '$.cache_creation.ephemeral_5m_input_tokens') = 'NULL'
                     OR json_type(r, '$.cache_creation_5m_input_tokens') = 'NULL')
        AS cache_write_tokens_empty,
    cw1h IS NULL AND (json_type(r, '$.cache_creation.ephemeral_1h_input_tokens') = 'NULL'
                      OR json_type(r, '$.cache_creation_1h_input_tokens') = 'NULL')
        AS cache_write_1h_tokens_empty,
    v[6] IS NULL AND json_type(r, '$.cache_read_input_tokens') = 'NULL'
        AS cache_read_tokens_empty,
    v[9] IS NULL AND json_type(r, '$.output_tokens') = 'NULL' AS output_tokens_empty,
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(r AS VARCHAR) AS raw_json
FROM t
