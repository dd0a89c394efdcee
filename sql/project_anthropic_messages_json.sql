-- project_anthropic_messages_json: Anthropic Admin API usage_report/messages as canonical rows.
-- inputs: read_json($path): {"data":[{starting_at, ending_at, results:[...]}], has_more, ...}
--         (one page, a list of pages, or one page per line), or the buckets saved without
--         their page ({starting_at, ending_at, results}: a list of them, as a script that
--         pages through the report and collects each page's data saves it, or one per line)
-- outputs: the projection columns sql/checked_rows.sql expects, one row per result
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- The start is read and checked as the tabular reader reads timestamp text (pa_ts and
-- pa_ts_problem, sql/create_ts_macro.sql: an offset outside -12:00..+14:00 is rejected, never
-- read as a shift of days).
-- Token classes are already apart: uncached_input_tokens, cache_read_input_tokens,
-- cache_creation.ephemeral_5m_input_tokens / ephemeral_1h_input_tokens, output_tokens. The
-- report has no request count: each result is one row (aggregated) whose count is estimated
-- from its prompt tokens (input + cache writes + cache reads), the assumed mean prompt per
-- request $bucket_prompt_tokens (B) and the result's context_window: max(1, ceil(prompt / B)),
-- never fewer than ceil(prompt / the window's top), and floor(prompt / max(B, L + 1)) in a
-- long-context window above L (pa_bucket_requests: sql/create_bucket_requests_macro.sql).
-- A result whose token counts are all null (or absent, or "") is rejected ('no token
-- counts'); a null count beside others is read as 0, and <class>_empty says so
-- (pa_anthropic_empty: sql/create_anthropic_empty_macro.sql; the load counts them,
-- sql/count_empty_token_cells.sql). Counts are read as the tabular reader reads a CSV cell
-- (pa_count and the rest, sql/create_count_text_macro.sql): 10.0 or 1e3 is a count, 10.5 is
-- not, a whole number beyond a BIGINT, or beyond 2^53 written as a float, is out of range,
-- "" is an empty cell.
-- The user is account_id where grouped by account, else the service account, the API key or
-- the workspace. event_id names the bucket (its start as an instant, pa_instant_id:
-- sql/create_instant_id_macro.sql, so two fetches spelling it '...Z' and '+00:00' give one
-- id; and its width in seconds) and every dimension the report can group by (account,
-- service account, key, workspace, model, service_tier, context_window, inference_geo,
-- speed): two results of one bucket differ in at least one of them, so none is taken for a
-- duplicate of another.
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
spans AS (  -- the bucket's start and width, read once per bucket too
    SELECT start_s, pa_ts(start_s) AS start_ts,
           date_diff('second', pa_ts(start_s), pa_ts(end_s)) AS width_s, rs
    FROM fields
),
results AS (
    SELECT start_s, start_ts, width_s, unnest(rs) AS r FROM spans
),
f AS (
    SELECT
        r,
        start_s,
        start_ts,
        width_s,
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
    SELECT r, start_s, start_ts, width_s, v, coalesce(v[7], v[10]) AS cw5,
           coalesce(v[8], v[11]) AS cw1h, pa_window_ends(v[13]) AS window_ends
    FROM f
),
t AS (
    SELECT g.*,
           coalesce(pa_count(v[5]), 0) AS n_in, coalesce(pa_count(cw5), 0) AS n_cw5,
           coalesce(pa_count(cw1h), 0) AS n_cw1h, coalesce(pa_count(v[6]), 0) AS n_cr,
           CAST(coalesce(pa_count(v[5]), 0) AS HUGEINT) + coalesce(pa_count(cw5), 0)
               + coalesce(pa_count(cw1h), 0) + coalesce(pa_count(v[6]), 0) AS prompt
    FROM g
)
SELECT
    'anthropic:' || coalesce(pa_instant_id(start_ts), start_s, '') || '/' || coalesce(CAST(width_s AS VARCHAR), '') || ':'
        || concat_ws(':', coalesce(v[1], ''), coalesce(v[16], ''), coalesce(v[2], ''),
                     coalesce(v[3], ''), coalesce(v[4], ''), coalesce(v[12], ''),
                     coalesce(v[13], ''), coalesce(v[14], ''), coalesce(v[15], ''))
        AS event_id,
    start_ts AS ts,
    start_s IS NOT NULL AS ts_given,
    pa_ts_problem(start_s) AS ts_problem,
    CASE WHEN NOT (pa_count_given(v[5]) OR pa_count_given(v[6]) OR pa_count_given(cw5)
                   OR pa_count_given(cw1h) OR pa_count_given(v[9])) THEN 'no token counts'
         -- in the order of the canonical columns, as the tabular reader says them
         ELSE coalesce(pa_count_problem(v[5]), pa_count_problem(cw5), pa_count_problem(cw1h),
                       pa_count_problem(v[6]), pa_count_problem(v[9])) END AS count_problem,
    coalesce(nullif(v[1], ''), 'service_account:' || nullif(v[16], ''),
             'api_key:' || nullif(v[2], ''), 'workspace:' || nullif(v[3], ''),
             'organization') AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    v[4] AS model,
    pa_count_bad(v[5]) AS input_tokens_bad,
    pa_count_bad(cw5) AS cache_write_tokens_bad,
    pa_count_bad(cw1h) AS cache_write_1h_tokens_bad,
    pa_count_bad(v[6]) AS cache_read_tokens_bad,
    pa_count_bad(v[9]) AS output_tokens_bad,
    false AS requests_bad,
    n_in AS input_tokens,
    n_cw5 AS cache_write_tokens,
    n_cw1h AS cache_write_1h_tokens,
    n_cr AS cache_read_tokens,
    coalesce(pa_count(v[9]), 0) AS output_tokens,
    pa_bucket_requests(prompt, window_ends, $bucket_prompt_tokens) AS requests,
    true AS requests_estimated,
    unnest(pa_anthropic_empty(r, v[5], cw5, cw1h, v[6], v[9])),  -- the <class>_empty columns
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(r AS VARCHAR) AS raw_json
FROM t
