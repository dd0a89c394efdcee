-- project_anthropic_analytics_json: Anthropic Usage and Cost Analytics API usage rows
-- (GET /v1/organizations/analytics/usage, beta analytics-usage-cost-2026-08-24) as canonical rows.
-- inputs: read_json_objects($path): pages {"data":[row...], has_more, next_page} (one page, a
--         list of pages, or one per line), or the rows saved without their page (a list of
--         them, as a script that pages through the API and collects each page's data saves
--         it, or one per line); row = {starting_at, ending_at, group: {actor, actor_type,
--         api_key_id, workspace_id, model, product, service_tier, context_window,
--         inference_geo, speed, ...}, usage: {uncached_input_tokens, cache_creation:
--         {ephemeral_5m_input_tokens, ephemeral_1h_input_tokens}, cache_read_input_tokens,
--         output_tokens, requests, server_tool_use, total_tokens}}; the same fields flat on
--         the row (no group or usage object) are read alike
-- outputs: the projection columns sql/checked_rows.sql expects, one row per data row
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- The start is read and checked as the tabular reader reads timestamp text (pa_ts and
-- pa_ts_problem, sql/create_ts_macro.sql: an offset outside -12:00..+14:00 is rejected, never
-- read as a shift of days).
-- Token classes are apart, as in usage_report/messages (sql/project_anthropic_messages_json.sql):
-- uncached input, 5-minute and 1-hour cache writes, cache reads, output. The row logs its
-- request count (usage.requests): used as is; a row without one (null or "") gets the
-- messages report's estimate from its prompt tokens, $bucket_prompt_tokens and context_window
-- (pa_bucket_requests: sql/create_bucket_requests_macro.sql). A row
-- whose token counts are all null (or absent, or "") is rejected ('no token counts'); a null
-- count beside others is read as 0 and <class>_empty says so. Counts are read as the tabular
-- reader reads a CSV cell (pa_count and the rest, sql/create_count_text_macro.sql): 10.0 or
-- 1e3 is a count, 10.5 is not, a whole number beyond a BIGINT, or beyond 2^53 written as a
-- float, is out of range. A row without a time bucket (the API
-- called without time_bucket_width: one row for the whole range) is rejected, saying so.
-- The user is the actor the row is grouped by: a user's email address (else the tagged user
-- id), 'service_account:<id>' or 'api_key:<id>' (a service account or API key acting itself;
-- a tagged id 'svac_...' or 'apikey_...' given as the actor reads the same); else the row's
-- API key ('api_key:<id>'), workspace ('workspace:<id>'), or 'organization'. The id names a
-- user by the stable user_id (planalyzer.anthropic_actors then gives all of a user_id's rows
-- the email of its latest row that has one).
-- event_id ('anthropic-analytics:<start>/<width s>:<dimensions>', the start as an instant:
-- pa_instant_id, sql/create_instant_id_macro.sql) names the bucket and every
-- dimension the row is grouped by: the actor, actor_type, API key, workspace, model,
-- product, service_tier, context_window, inference_geo, speed, agent, deployment,
-- environment, session, user profile, RBAC group, Slack channel, Claude Tag category and
-- user, then any other non-null key of the group object as key=value (a dimension added to
-- the API later still tells its rows apart); ':' inside a value is written %3A, so the
-- dimensions split on ':' (sql/overlapping_buckets.sql).
WITH docs AS (
    SELECT json AS doc
    FROM read_json_objects($path, format = 'auto', maximum_object_size = $max_object_size)
),
rows AS (  -- a page's rows, or a document that is itself a row (one pass: in order)
    SELECT unnest(CASE WHEN json_type(doc, '$.data') = 'ARRAY'
                       THEN json_extract(doc, '$.data[*]')
                       WHEN json_exists(doc, '$.data') THEN []  -- a page without rows
                       ELSE [doc] END) AS r
    FROM docs
),
f AS (
    SELECT
        r,
        json_type(r, '$.group') = 'OBJECT' AS grouped,
        CASE WHEN json_type(r, '$.group') = 'OBJECT' THEN json_extract(r, '$.group')
             ELSE r END AS g,
        CASE WHEN json_type(r, '$.usage') = 'OBJECT' THEN json_extract(r, '$.usage')
             ELSE r END AS u,
        json_extract_string(r, '$.starting_at') AS start_s,
        json_extract_string(r, '$.ending_at') AS end_s,
        pa_ts(json_extract_string(r, '$.starting_at')) AS start_ts
    FROM rows
),
v AS (
    SELECT
        f.*,
        json_extract_string(u, [
            '$.uncached_input_tokens', '$.cache_read_input_tokens',
            '$.cache_creation.ephemeral_5m_input_tokens',
            '$.cache_creation.ephemeral_1h_input_tokens', '$.output_tokens', '$.requests',
            '$.cache_creation_5m_input_tokens', '$.cache_creation_1h_input_tokens']) AS c,
        json_extract_string(g, [
            '$.actor_type', '$.api_key_id', '$.workspace_id', '$.model', '$.product',
            '$.service_tier', '$.context_window', '$.inference_geo', '$.speed', '$.agent_id',
            '$.deployment_id', '$.environment_id', '$.session_id', '$.user_profile_id',
            '$.rbac_group_id', '$.slack_channel_id', '$.claude_tag_category',
            '$.claude_tag_user_id']) AS d,
        json_type(g, '$.actor') AS actor_kind,
        json_extract_string(g, [
            '$.actor', '$.actor.type', '$.actor.email_address', '$.actor.user_id',
            '$.actor.service_account_id', '$.actor.api_key_id', '$.actor.id',
            '$.actor.api_key_name', '$.actor.name']) AS a,
        -- the group's other keys (a dimension this SQL does not name): usually none
        CASE WHEN grouped THEN list_filter(json_keys(g), lambda k: NOT list_contains([
            'actor', 'actor_type', 'api_key_id', 'workspace_id', 'model', 'product',
            'service_tier', 'context_window', 'inference_geo', 'speed', 'agent_id',
            'deployment_id', 'environment_id', 'session_id', 'user_profile_id',
            'rbac_group_id', 'slack_channel_id', 'claude_tag_category',
            'claude_tag_user_id'], k)) END AS other_keys
    FROM f
),
e AS (  -- those of them with a value, as key=value (sorted: an id whatever the key order)
    SELECT
        v.*,
        CASE WHEN len(other_keys) > 0 THEN array_to_string(list_sort(list_filter(
            list_transform(other_keys, lambda k: k || '='
                           || json_extract_string(g, '$."' || k || '"')),
            lambda x: x IS NOT NULL)), ',') END AS extra
    FROM v
),
w AS (
    SELECT
        e.*,
        coalesce(c[3], c[7]) AS cw5, coalesce(c[4], c[8]) AS cw1h,
        -- the actor as a user id: an actor object (a user: email, else user id; a service
        -- account or API key: its id, else its name), or a tagged id given as a string
        CASE WHEN actor_kind = 'OBJECT' THEN coalesce(
                 nullif(a[3], ''), nullif(a[4], ''),
                 'service_account:' || nullif(a[5], ''), 'api_key:' || nullif(a[6], ''),
                 CASE WHEN lower(coalesce(a[2], d[1], '')) LIKE '%service%'
                      THEN 'service_account:' || coalesce(nullif(a[7], ''), nullif(a[9], ''))
                      WHEN lower(coalesce(a[2], d[1], '')) LIKE '%api%'
                      THEN 'api_key:' || coalesce(nullif(a[7], ''), nullif(a[8], ''),
                                                  nullif(a[9], ''))
                      ELSE coalesce(nullif(a[7], ''), nullif(a[9], '')) END)
             WHEN actor_kind IN ('VARCHAR', 'BIGINT', 'UBIGINT') AND trim(a[1]) <> '' THEN
                 CASE WHEN a[1] LIKE 'svac\_%' ESCAPE '\'
                           OR lower(coalesce(d[1], '')) LIKE '%service%'
                      THEN 'service_account:' || a[1]
                      WHEN a[1] LIKE 'apikey\_%' ESCAPE '\'
                           OR lower(coalesce(d[1], '')) LIKE '%api%'
                      THEN 'api_key:' || a[1]
                      ELSE a[1] END
        END AS actor_user,
        -- the actor in the id: a user's stable user_id, not the email the API reports as it
        -- is at the fetch (another after a change, none once the account is deleted)
        coalesce(CASE WHEN actor_kind = 'OBJECT' THEN nullif(a[4], '') END, actor_user)
            AS actor_key,
        date_diff('second', start_ts, pa_ts(end_s)) AS width_s,
        pa_window_ends(d[7]) AS window_ends
    FROM e
),
t AS (
    SELECT
        w.*,
        coalesce(pa_count(c[1]), 0) AS n_in, coalesce(pa_count(cw5), 0) AS n_cw5,
        coalesce(pa_count(cw1h), 0) AS n_cw1h, coalesce(pa_count(c[2]), 0) AS n_cr,
        CAST(coalesce(pa_count(c[1]), 0) AS HUGEINT) + coalesce(pa_count(cw5), 0)
            + coalesce(pa_count(cw1h), 0) + coalesce(pa_count(c[2]), 0) AS prompt
    FROM w
)
SELECT
    'anthropic-analytics:' || coalesce(pa_instant_id(start_ts), start_s, '') || '/'
        || coalesce(CAST(width_s AS VARCHAR), '') || ':'
        || array_to_string(list_transform(
               [actor_key, d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10],
                d[11], d[12], d[13], d[14], d[15], d[16], d[17], d[18], extra],
               lambda x: replace(coalesce(x, ''), ':', '%3A')), ':') AS event_id,
    start_ts AS ts,
    true AS ts_given,
    CASE WHEN start_s IS NULL
         THEN 'no time bucket (exported without time_bucket_width: one row for the whole '
              || 'range; export with time_bucket_width=1d or 1h)'
         ELSE pa_ts_problem(start_s) END AS ts_problem,
    CASE WHEN NOT (pa_count_given(c[1]) OR pa_count_given(c[2]) OR pa_count_given(cw5)
                   OR pa_count_given(cw1h) OR pa_count_given(c[5])) THEN 'no token counts'
         -- in the order of the canonical columns, as the tabular reader says them
         ELSE coalesce(pa_count_problem(c[1]), pa_count_problem(cw5), pa_count_problem(cw1h),
                       pa_count_problem(c[2]), pa_count_problem(c[5]),
                       pa_requests_problem(c[6])) END AS count_problem,
    coalesce(actor_user, 'api_key:' || nullif(d[2], ''), 'workspace:' || nullif(d[3], ''),
             'organization') AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    d[4] AS model,
    pa_count_bad(c[1]) AS input_tokens_bad,
    pa_count_bad(cw5) AS cache_write_tokens_bad,
    pa_count_bad(cw1h) AS cache_write_1h_tokens_bad,
    pa_count_bad(c[2]) AS cache_read_tokens_bad,
    pa_count_bad(c[5]) AS output_tokens_bad,
    pa_count_bad(c[6]) AS requests_bad,
    n_in AS input_tokens,
    n_cw5 AS cache_write_tokens,
    n_cw1h AS cache_write_1h_tokens,
    n_cr AS cache_read_tokens,
    coalesce(pa_count(c[5]), 0) AS output_tokens,
    coalesce(pa_count(c[6]), pa_bucket_requests(prompt, window_ends, $bucket_prompt_tokens))
        AS requests,
    NOT pa_count_given(c[6]) AS requests_estimated,
    unnest(pa_anthropic_empty(u, c[1], cw5, cw1h, c[2], c[5])),  -- the <class>_empty columns
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    row_number() OVER () AS source_row,
    CAST(r AS VARCHAR) AS raw_json
FROM t
