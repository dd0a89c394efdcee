-- create_bucket_requests_macro: pa_bucket_requests(prompt, ends, per_request): the estimated
--   request count of an Anthropic usage bucket that logs none.
-- inputs: the macro's arguments: prompt (the bucket's input + cache writes + cache reads), ends
--         (its context window's ends, pa_window_ends: sql/create_window_ends_macro.sql) and
--         per_request (the assumed mean prompt per request, $bucket_prompt_tokens: B)
-- outputs: temp macro pa_bucket_requests (a BIGINT; NULL if the estimate is beyond one)
-- params: none
-- slots: none
-- max(1, ceil(prompt / B)), and never fewer than ceil(prompt / the top of the context window
-- ('0-200k' or '200k-1M')). A bucket of a long-context window (its low end L above 0: every
-- request in it had a prompt above L) gets floor(prompt / max(B, L + 1)) instead, so that its
-- mean request is above L and priced at the long-context list price, as Anthropic bills it.
-- Used by sql/project_anthropic_messages_json.sql and sql/project_anthropic_analytics_json.sql.
CREATE OR REPLACE TEMP MACRO pa_bucket_requests(prompt, ends, per_request) AS TRY_CAST(greatest(
    1,
    CASE WHEN len(ends) = 2 AND ends[2] > 0 THEN (prompt + ends[2] - 1) // ends[2] END,
    CASE WHEN len(ends) = 2 AND ends[1] > 0 THEN prompt // greatest(per_request, ends[1] + 1)
         ELSE (prompt + per_request - 1) // per_request END
) AS BIGINT)
