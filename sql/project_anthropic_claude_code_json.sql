-- project_anthropic_claude_code_json: Anthropic usage_report/claude_code as canonical rows.
-- inputs: read_json($path): {"data":[{date, actor, subscription_type, core_metrics,
--         model_breakdown:[{model, tokens:{input, output, cache_read, cache_creation},
--         estimated_cost:{currency, amount}}]}], has_more, next_page} (one page, a list of
--         pages, or one per line), or the records saved without their page (a list of them,
--         as a script that pages through the report and collects each page's data saves it,
--         or one per line)
-- outputs: the projection columns sql/checked_rows.sql expects, one row per user, day and model
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- The date is read and checked as the tabular reader reads timestamp text (pa_ts and
-- pa_ts_problem, sql/create_ts_macro.sql: an offset outside -12:00..+14:00 is rejected, never
-- read as a shift of days).
-- Daily and per user (aggregated): one row per model of a day, with no request count: its
-- count is estimated from its prompt tokens (input + cache_creation + cache_read) and the
-- assumed mean prompt per request $bucket_prompt_tokens: max(1, ceil(prompt / it)).
-- estimated_cost.amount is in cents of USD; cache_creation is not split by lifetime (5 min).
-- A model whose token counts are all null (or absent, or "") is rejected ('no token
-- counts'); a null count beside others is read as 0, and <class>_empty says so. Counts are
-- read as the tabular reader reads a CSV cell (pa_count and the rest,
-- sql/create_count_text_macro.sql): 10.0 or 1e3 is a count, 10.5 is not, a whole number
-- beyond a BIGINT, or beyond 2^53 written as a float, is out of range, "" is an empty cell.
-- The user is the actor's email address (a person) or API key name (an API actor).
-- event_id ('claude_code:<day>:<user>:<model>') names the day as an instant (pa_instant_id:
-- sql/create_instant_id_macro.sql): "2026-10-01" and "2026-10-01T00:00:00Z" give one id.
WITH docs AS (
    SELECT *
    FROM read_json($path, format = 'auto',
                   columns = {data: 'JSON', date: 'JSON', actor: 'JSON',
                              subscription_type: 'JSON', customer_type: 'JSON',
                              model_breakdown: 'JSON'},
                   maximum_object_size = $max_object_size)
),
records AS (  -- a page's records, or a document that is itself a record (one pass: in order)
    SELECT unnest(CASE WHEN data IS NOT NULL THEN json_extract(data, '$[*]')
                       ELSE [json_object('date', date, 'actor', actor,
                                         'subscription_type', subscription_type,
                                         'customer_type', customer_type,
                                         'model_breakdown', model_breakdown)] END) AS rec
    FROM docs
    WHERE data IS NOT NULL OR model_breakdown IS NOT NULL
),
models AS (
    SELECT rec, unnest(json_extract(rec, '$.model_breakdown[*]')) AS m FROM records
),
f AS (
    SELECT
        m,
        json_extract_string(rec, ['$.date', '$.actor.email_address', '$.actor.api_key_name',
                                  '$.subscription_type', '$.customer_type']) AS r,
        json_extract_string(m, ['$.model', '$.tokens.input', '$.tokens.output',
                                '$.tokens.cache_read', '$.tokens.cache_creation',
                                '$.estimated_cost.amount', '$.estimated_cost.currency']) AS v,
        pa_ts(json_extract_string(rec, '$.date')) AS day_ts
    FROM models
)
SELECT
    'claude_code:' || coalesce(pa_instant_id(day_ts), r[1], '') || ':' || coalesce(r[2], r[3], '') || ':'
        || coalesce(v[1], '') AS event_id,
    day_ts AS ts,
    r[1] IS NOT NULL AS ts_given,
    pa_ts_problem(r[1]) AS ts_problem,
    CASE WHEN NOT (pa_count_given(v[2]) OR pa_count_given(v[3]) OR pa_count_given(v[4])
                   OR pa_count_given(v[5])) THEN 'no token counts'
         -- in the order of the canonical columns, as the tabular reader says them
         ELSE coalesce(pa_count_problem(v[2]), pa_count_problem(v[5]), pa_count_problem(v[4]),
                       pa_count_problem(v[3])) END AS count_problem,
    coalesce(r[2], 'api_key:' || r[3]) AS user_id,
    coalesce(r[4], r[5]) AS plan,
    v[1] AS model,
    pa_count_bad(v[2]) AS input_tokens_bad,
    pa_count_bad(v[5]) AS cache_write_tokens_bad,
    false AS cache_write_1h_tokens_bad,
    pa_count_bad(v[4]) AS cache_read_tokens_bad,
    pa_count_bad(v[3]) AS output_tokens_bad,
    false AS requests_bad,
    coalesce(pa_count(v[2]), 0) AS input_tokens,
    coalesce(pa_count(v[5]), 0) AS cache_write_tokens,
    CAST(0 AS BIGINT) AS cache_write_1h_tokens,
    coalesce(pa_count(v[4]), 0) AS cache_read_tokens,
    coalesce(pa_count(v[3]), 0) AS output_tokens,
    TRY_CAST(greatest(1, (CAST(coalesce(pa_count(v[2]), 0) AS HUGEINT)
                          + coalesce(pa_count(v[5]), 0) + coalesce(pa_count(v[4]), 0)
                          + $bucket_prompt_tokens - 1) // $bucket_prompt_tokens) AS BIGINT)
        AS requests,
    true AS requests_estimated,
    -- a count that is null or "" (an empty cell) in the file: read as 0, counted
    NOT pa_count_given(v[2]) AND json_type(m, '$.tokens.input') IN ('NULL', 'VARCHAR')
        AS input_tokens_empty,
    NOT pa_count_given(v[5]) AND json_type(m, '$.tokens.cache_creation') IN ('NULL', 'VARCHAR')
        AS cache_write_tokens_empty,
    false AS cache_write_1h_tokens_empty,
    NOT pa_count_given(v[4]) AND json_type(m, '$.tokens.cache_read') IN ('NULL', 'VARCHAR')
        AS cache_read_tokens_empty,
    NOT pa_count_given(v[3]) AND json_type(m, '$.tokens.output') IN ('NULL', 'VARCHAR')
        AS output_tokens_empty,
    CASE WHEN upper(coalesce(v[7], 'USD')) = 'USD' THEN TRY_CAST(v[6] AS DOUBLE) / 100 END
        AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(m AS VARCHAR) AS raw_json
FROM f
