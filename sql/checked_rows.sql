-- checked_rows: a source's rows in canonical columns, each with the reason it cannot be used.
-- inputs: {{projection}}: a SELECT over one source file that yields the canonical columns plus
--         <token>_bad / requests_bad / logged_cost_bad flags, ts_given, ts_problem (a reason
--         more exact than 'unparseable timestamp', or NULL), count_problem ('no token counts'
--         where every token cell is empty, a whole count beyond a 64-bit integer or beyond
--         2^53 given as a float: 'token count out of range' (so are counts that together pass
--         a 64-bit integer, checked here), a part above the count that
--         includes it, or NULL), skip_kind (NULL, or the kind of
--         a row that is not a model call), source_row and raw_json (built by
--         planalyzer.sources.tabular from quoted column names)
-- outputs: rows with reject_reason NULL (usable) or the first reason that applies
-- params: $max_tokens, $bucket_requests, $type_problem
-- slots: {{projection}}
-- The token bound is per request: a row standing for n requests (an aggregated bucket) may hold
-- n x $max_tokens of a class. A source that logs no request count (its rows are buckets that
-- say requests = 1) is bounded at $bucket_requests x $max_tokens instead ($bucket_requests is
-- 1 for every other source). Timestamps outside 2020-01-01 .. 2100-01-01 UTC are placeholders
-- (epoch 0, year 1 or 9999) or misread units, never a request: kept out (README, "Loading
-- logs": Timestamps).
-- A logged cost that cannot be read (logged_cost_bad) does not reject the row: its tokens are
-- kept with logged_cost_usd NULL, and the load counts such rows (sql/count_costless_rows.sql).
SELECT
    p.*,
    CASE
        WHEN $type_problem IS NOT NULL THEN $type_problem
        WHEN p.user_id IS NULL OR trim(p.user_id) = '' THEN 'missing user_id'
        WHEN NOT p.ts_given THEN 'missing timestamp'
        WHEN p.ts_problem IS NOT NULL THEN p.ts_problem
        WHEN p.ts IS NULL THEN 'unparseable timestamp'
        WHEN p.ts < TIMESTAMPTZ '2020-01-01 00:00:00+00'
            OR p.ts >= TIMESTAMPTZ '2100-01-01 00:00:00+00'
            THEN 'timestamp out of range'
        WHEN p.model IS NULL OR trim(p.model) = '' THEN 'missing model'
        WHEN p.count_problem IS NOT NULL THEN p.count_problem
        WHEN p.input_tokens_bad OR p.cache_write_tokens_bad OR p.cache_write_1h_tokens_bad
            OR p.cache_read_tokens_bad OR p.output_tokens_bad
            THEN 'non-integer token count'
        WHEN least(p.input_tokens, p.cache_write_tokens, p.cache_write_1h_tokens,
                   p.cache_read_tokens, p.output_tokens) < 0
            THEN 'negative token count'
        WHEN p.requests_bad OR p.requests IS NULL OR p.requests < 1 THEN 'bad request count'
        WHEN greatest(p.input_tokens, p.cache_write_tokens, p.cache_write_1h_tokens,
                      p.cache_read_tokens, p.output_tokens)
             > CAST($max_tokens AS HUGEINT) * greatest(p.requests, $bucket_requests)
            THEN 'token count over bound'
        -- counts within the bound that together pass a BIGINT (a bucket of 10^12 requests):
        -- each loads, but no sum of a row's classes (the dedupe's total, a meter's tokens)
        -- could be taken
        WHEN CAST(p.input_tokens AS HUGEINT) + p.cache_write_tokens + p.cache_write_1h_tokens
             + p.cache_read_tokens + p.output_tokens > 9223372036854775807
            THEN 'token count out of range'
    END AS reject_reason
FROM ({{projection}}) AS p
