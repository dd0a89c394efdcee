-- top_users_by_tokens: the heaviest users by total tokens, with their token mix.
-- inputs: events
-- outputs: user_id, plan (most frequent), requests, tokens by class (cache_write_all_tokens: the
--          5-minute and 1-hour writes together), total_tokens; $limit rows
-- params: $limit
-- slots: none
SELECT
    user_id,
    mode(plan) AS plan,
    sum(requests) AS requests,
    sum(input_tokens) AS input_tokens,
    sum(cache_write_tokens + cache_write_1h_tokens) AS cache_write_all_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(output_tokens) AS output_tokens,
    sum(input_tokens + cache_write_tokens + cache_write_1h_tokens + cache_read_tokens
        + output_tokens) AS total_tokens
FROM events
GROUP BY user_id
ORDER BY total_tokens DESC, user_id
LIMIT $limit
