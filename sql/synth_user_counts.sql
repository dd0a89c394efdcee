-- synth_user_counts: users by profile and by plan, for the generate summary
-- inputs: all_users
-- outputs: a SELECT of (dimension, value, users)
-- params: none
-- slots: none
SELECT 'profile' AS dimension, profile AS value, count(*) AS users, 0 AS rank
FROM all_users
GROUP BY profile
UNION ALL
SELECT 'plan', plan, count(*), list_position(['free', 'claude_pro', 'claude_max_5x', 'claude_max_20x'], plan)
FROM all_users
GROUP BY plan
ORDER BY dimension, rank, value
