-- project_openai_usage_json: OpenAI Usage API completions pages as canonical rows.
-- inputs: read_json_objects($path): a page {"object":"page","data":[bucket...]}, a list of
--         pages or one page per line; or buckets saved without their page (a list of buckets,
--         or one bucket per line: OpenAI's cookbook pagination keeps each page's `data`);
--         bucket = {start_time, end_time, results: [result...]}
-- outputs: the projection columns sql/checked_rows.sql expects, one row per result, and
--          uncounted_input_audio / uncounted_output_audio (audio tokens that input_tokens or
--          output_tokens do not hold: the load names their totals)
-- params: $path, $max_object_size, $bucket_prompt_tokens
-- slots: none
-- input_tokens include the cached tokens and, in the current API, the cache-write tokens
-- (input_cache_write_tokens: 30-minute retention; input_cache_write_12h_tokens: 12-hour), so
-- input = input - cached - cache writes; the 30-minute writes are read as the 5-minute write
-- class and the 12-hour writes as the 1-hour class (OpenAI's retention periods differ from
-- Anthropic's; each class is priced at the model's write price, the input price for the
-- OpenAI models priced: planalyzer/data/api_prices.toml). A result with more cached tokens
-- than input (or cached tokens and no input) is rejected as 'cache reads above the input
-- count that includes them', one whose cached and cache-write tokens together pass it as
-- 'cache reads and writes above the input count that includes them' (as in the tabular
-- sources, planalyzer.sources.tabular), not as a negative count. A result with no
-- num_model_requests gets an estimated count: max(1, ceil(prompt / $bucket_prompt_tokens)),
-- the prompt being the input (cached and cache-write tokens included).
-- A result whose token counts are all null (or absent, or "") is rejected ('no token counts'); a
-- null count beside others is read as 0, and <class>_empty says so (the load counts them,
-- sql/count_empty_token_cells.sql). Counts are read as the tabular reader reads a CSV cell
-- (pa_count and the rest, sql/create_count_text_macro.sql): 10.0 or 1e3 is a count, 10.5 is
-- not ('non-integer token count'), a whole number beyond a BIGINT, or beyond 2^53 written as
-- a float, is 'token count out of range' ('request count out of range' for
-- num_model_requests), "" is an empty cell.
-- Audio: until OpenAI added the breakdown fields (input_uncached_tokens, input_text_tokens,
-- output_text_tokens, input_cache_write_tokens ...), input_tokens and output_tokens counted
-- text only, and input_audio_tokens / output_audio_tokens were apart; now input_tokens and
-- output_tokens hold text, audio and image tokens and input_audio_tokens is the uncached
-- audio part. A result's audio count is taken as apart (uncounted_*) where the result has
-- none of the breakdown fields, or where it exceeds the count that would hold it (the
-- uncached input; output_tokens).
-- (A count may be up to 2^63 - 1: the sums and differences here are taken as HUGEINT.)
-- The user is user_id where the export was grouped by user, else the project or API key.
-- event_id names the bucket (its start and width in seconds: a daily and an hourly bucket
-- starting at the same time differ) and its grouping (user, project, key, model, batch,
-- service_tier, and api_source as ':api_source=<value>' where the export was grouped by it:
-- the ids of results without it are those of earlier versions), so the same export loaded
-- twice is not counted twice and two results differing in one dimension are both kept;
-- buckets of different widths that overlap are refused after the load
-- (sql/overlapping_buckets.sql).
WITH docs AS (  -- each document parsed once, to the fields read (a page, else a bucket)
    SELECT row_number() OVER () AS d,
           json_transform(json, '{"data": [{"start_time": "VARCHAR", "end_time": "VARCHAR",
                                           "results": ["JSON"]}],
                                  "start_time": "VARCHAR", "end_time": "VARCHAR",
                                  "results": ["JSON"]}') AS doc
    FROM read_json_objects($path, format = 'auto', maximum_object_size = $max_object_size)
),
fields AS (  -- b: the bucket's place in its page (the rows keep the file's order by d, b, ri)
    SELECT d, b, bucket.start_time AS start_s, bucket.end_time AS end_s, bucket.results AS rs,
           s, e, CASE WHEN e - s IN (60, 3600, 86400) AND s % (e - s) = 0 THEN e - s END AS full_w
    FROM (SELECT d, unnest(l) AS bucket, unnest(range(1, len(l) + 1)) AS b
          FROM (SELECT d, CASE WHEN doc.data IS NOT NULL THEN doc.data
                               WHEN doc.results IS NOT NULL
                               THEN [{start_time: doc.start_time, end_time: doc.end_time,
                                      results: doc.results}] END AS l
                FROM docs)),
    -- the instants (epoch seconds), whatever their spelling (1790812800 or 1790812800.0)
    LATERAL (SELECT TRY_CAST(floor(TRY_CAST(bucket.start_time AS DOUBLE)) AS BIGINT) AS s,
                    TRY_CAST(floor(TRY_CAST(bucket.end_time AS DOUBLE)) AS BIGINT) AS e)
),
page_widths AS (  -- per page (d), and per file (d NULL): the width most of its full buckets have
    SELECT d, arg_max(full_w, n * 1000000 + full_w) AS page_w
    FROM (SELECT d, full_w, count(*) AS n FROM fields WHERE full_w IS NOT NULL
          GROUP BY GROUPING SETS ((d, full_w), (full_w)))
    GROUP BY d
),
nominal AS (  -- a bucket cut short (first or last of its page): its page's width, aligned
    SELECT f.*, CASE WHEN f.full_w IS NULL AND f.e > f.s
                          AND (f.s = min(f.s) OVER pg OR f.s = max(f.s) OVER pg)
                     THEN coalesce(p.page_w, w.page_w, 86400) END AS cut_w
    FROM fields AS f
    LEFT JOIN page_widths AS p ON p.d = f.d
    LEFT JOIN (SELECT page_w FROM page_widths WHERE d IS NULL) AS w ON true
    WINDOW pg AS (PARTITION BY f.d)
),
aligned AS (
    SELECT *, CASE WHEN fits THEN s - s % cut_w ELSE s END AS bucket_s,
           CASE WHEN fits THEN cut_w ELSE e - s END AS bucket_w
    FROM (SELECT *, coalesce(s // cut_w = (e - 1) // cut_w, false) AS fits FROM nominal)
),
kept AS (  -- a page whose buckets cut short would share a slot keeps their own spans
    SELECT a.*,
           CASE WHEN g.clash THEN s ELSE bucket_s END AS id_s,
           CASE WHEN g.clash THEN e - s ELSE bucket_w END AS id_w
    FROM aligned AS a
    JOIN (SELECT d, count(DISTINCT s) <> count(DISTINCT (bucket_s, bucket_w)) AS clash
          FROM aligned GROUP BY d) AS g USING (d)
),
results AS (  -- n: the result's place in the file (its bucket's offset + ri), numbered
    -- per bucket (a window over the results ordered by d, b, ri held every result's JSON)
    SELECT d, b, start_s, end_s, s, id_s, id_w, unnest(rs) AS r,
           unnest(range(1, len(rs) + 1)) AS ri, unnest(range(off + 1, off + len(rs) + 1)) AS n
    FROM (SELECT *, CAST(coalesce(sum(len(rs)) OVER (ORDER BY d, b ROWS BETWEEN UNBOUNDED
                                                     PRECEDING AND 1 PRECEDING), 0)
                       AS BIGINT) AS off
          FROM kept)
),
f AS (
    SELECT
        d, b, ri, n,
        coalesce(r, JSON 'null') AS r,  -- a null in a bucket's results (JSON null)
        start_s,
        end_s,
        s,
        id_s,
        id_w,
        json_extract_string(r, ['$.user_id', '$.project_id', '$.api_key_id', '$.model',
                                '$.input_tokens', '$.input_cached_tokens', '$.output_tokens',
                                '$.num_model_requests', '$.batch', '$.service_tier',
                                '$.input_cache_write_tokens',
                                '$.input_cache_write_12h_tokens', '$.api_source',
                                '$.input_audio_tokens', '$.output_audio_tokens',
                                '$.input_uncached_tokens', '$.input_text_tokens',
                                '$.output_text_tokens']) AS v
    FROM results
),
t AS (
    SELECT f.*,
           coalesce(pa_count(v[5]), 0) AS n_in, coalesce(pa_count(v[6]), 0) AS n_cr,
           coalesce(pa_count(v[11]), 0) AS n_cw, coalesce(pa_count(v[12]), 0) AS n_cw12h,
           coalesce(pa_count(v[7]), 0) AS n_out,
           coalesce(pa_count(v[14]), 0) AS a_in, coalesce(pa_count(v[15]), 0) AS a_out,
           -- the input less its cached and cache-write tokens (NULL: no BIGINT, a row that
           -- is rejected: a negative or bad count)
           TRY_CAST(CAST(coalesce(pa_count(v[5]), 0) AS HUGEINT)
                    - coalesce(pa_count(v[6]), 0) - coalesce(pa_count(v[11]), 0)
                    - coalesce(pa_count(v[12]), 0) AS BIGINT) AS n_uncached,
           -- the result has the current API's breakdown fields (audio is inside the counts)
           coalesce(v[11], v[12], v[16], v[17], v[18]) IS NOT NULL AS breakdown
    FROM f
)
SELECT
    'openai:' || coalesce(CAST(id_s AS VARCHAR), start_s, '') || '/'
        || coalesce(CAST(id_w AS VARCHAR), '')
        || ':' || coalesce(v[1], '') || ':' || coalesce(v[2], '')
        || ':' || coalesce(v[3], '') || ':' || coalesce(v[4], '') || ':' || coalesce(v[9], '')
        || ':' || coalesce(v[10], '')
        || coalesce(':api_source=' || nullif(v[13], ''), '') AS event_id,
    to_timestamp(s) AS ts,
    start_s IS NOT NULL AS ts_given,
    CAST(NULL AS VARCHAR) AS ts_problem,
    CASE WHEN NOT (pa_count_given(v[5]) OR pa_count_given(v[6]) OR pa_count_given(v[7])
                   OR pa_count_given(v[11]) OR pa_count_given(v[12])) THEN 'no token counts'
         ELSE coalesce(
             -- in the order of the canonical columns, as the tabular reader says them
             pa_count_problem(v[5]), pa_count_problem(v[11]), pa_count_problem(v[12]),
             pa_count_problem(v[6]), pa_count_problem(v[7]), pa_requests_problem(v[8]),
             CASE WHEN pa_count_bad(v[5]) OR pa_count_bad(v[6]) OR pa_count_bad(v[11])
                       OR pa_count_bad(v[12]) OR n_in < 0 OR n_cw < 0 OR n_cw12h < 0 THEN NULL
                  WHEN n_cr > n_in THEN 'cache reads above the input count that includes them'
                  WHEN CAST(n_cr AS HUGEINT) + n_cw + n_cw12h > n_in
                  THEN 'cache reads and writes above the input count that includes them' END)
    END AS count_problem,
    coalesce(nullif(v[1], ''), 'project:' || nullif(v[2], ''), 'api_key:' || nullif(v[3], ''),
             'organization') AS user_id,
    CAST(NULL AS VARCHAR) AS plan,
    v[4] AS model,
    pa_count_bad(v[5]) AS input_tokens_bad,
    pa_count_bad(v[11]) AS cache_write_tokens_bad,
    pa_count_bad(v[12]) AS cache_write_1h_tokens_bad,
    pa_count_bad(v[6]) AS cache_read_tokens_bad,
    pa_count_bad(v[7]) AS output_tokens_bad,
    pa_count_bad(v[8]) AS requests_bad,
    n_uncached AS input_tokens,
    n_cw AS cache_write_tokens,
    n_cw12h AS cache_write_1h_tokens,
    n_cr AS cache_read_tokens,
    n_out AS output_tokens,
    coalesce(pa_count(v[8]), TRY_CAST(greatest(1, (CAST(n_in AS HUGEINT)
                                                 + $bucket_prompt_tokens - 1)
                                                // $bucket_prompt_tokens) AS BIGINT)) AS requests,
    NOT pa_count_given(v[8]) AS requests_estimated,
    -- a count that is null or "" (an empty cell) in the file: read as 0, counted
    NOT pa_count_given(v[5]) AND json_type(r, '$.input_tokens') IN ('NULL', 'VARCHAR')
        AS input_tokens_empty,
    NOT pa_count_given(v[11])
        AND json_type(r, '$.input_cache_write_tokens') IN ('NULL', 'VARCHAR')
        AS cache_write_tokens_empty,
    NOT pa_count_given(v[12])
        AND json_type(r, '$.input_cache_write_12h_tokens') IN ('NULL', 'VARCHAR')
        AS cache_write_1h_tokens_empty,
    NOT pa_count_given(v[6]) AND json_type(r, '$.input_cached_tokens') IN ('NULL', 'VARCHAR')
        AS cache_read_tokens_empty,
    NOT pa_count_given(v[7]) AND json_type(r, '$.output_tokens') IN ('NULL', 'VARCHAR')
        AS output_tokens_empty,
    CAST(NULL AS DOUBLE) AS logged_cost_usd,
    CAST(NULL AS VARCHAR) AS skip_kind,
    false AS logged_cost_bad,
    n AS source_row,
    CAST(r AS VARCHAR) AS raw_json,
    CASE WHEN a_in > 0 AND (NOT breakdown OR a_in > n_uncached)
         THEN a_in ELSE 0 END AS uncounted_input_audio,
    CASE WHEN a_out > 0 AND (NOT breakdown OR a_out > n_out) THEN a_out ELSE 0 END
        AS uncounted_output_audio
FROM t
