-- project_anthropic_messages_json: Anthropic Admin API usage_report/messages as canonical rows.
-- inputs: read_json($path): {"data":[{starting_at, ending_at, results:[...]}], has_more, ...}
--         (one page, a list of pages, or one page per line)
-- outputs: the projection columns sql/checked_rows.sql expects, one row per result
-- params: $path
-- slots: none
-- Token classes are already apart: uncached_input_tokens, cache_read_input_tokens,
-- cache_creation.ephemeral_5m_input_tokens / ephemeral_1h_input_tokens, output_tokens. The
-- report has no request count: each result is one row standing for one request (aggregated).
-- The user is account_id where grouped by account, else the service account, the API key or
-- the workspace. event_id names the bucket (its start and width in seconds) and every
-- dimension the report can group by (account, service account, key, workspace, model,
-- service_tier, context_window, inference_geo, speed): two results of one bucket differ in
-- at least one of them, so none is taken for a duplicate of another.
WITH buckets AS (
    SELECT unnest(json_extract(page.data, '$[*]')) AS bucket
    FROM read_json($path, format = 'auto', columns = {data: 'JSON'}) AS page
),
results AS (
    SELECT bucket, unnest(json_extract(bucket, '$.results[*]')) AS r FROM buckets
),
f AS (
    SELECT
        r,
        json_extract_string(bucket, '$.starting_at') AS start_s,
        json_extract_string(bucket, '$.ending_at') AS end_s,
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
                     TRY_CAST(end_s AS TIMESTAMPTZ)) AS width_s
    FROM f
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
    CAST(NULL AS VARCHAR) AS count_problem,
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
    coalesce(pa_int(v[5]), 0) AS input_tokens,
    coalesce(pa_int(cw5), 0) AS cache_write_tokens,
    coalesce(pa_int(cw1h), 0) AS cache_write_1h_tokens,
    coalesce(pa_int(v[6]), 0) AS cache_read_tokens,
    coalesce(pa_int(v[9]), 0) AS output_tokens,
    CAST(1 AS BIGINT) AS requests,
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(r AS VARCHAR) AS raw_json
FROM g
