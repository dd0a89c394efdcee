-- user_logged_plans: each user and the plan of their latest logged event (NULL if none logged)
-- inputs: events
-- outputs: rows: user_id, plan
-- params: none
-- slots: none
SELECT user_id, arg_max(plan, ts) FILTER (WHERE plan IS NOT NULL) AS plan
FROM events
GROUP BY user_id
ORDER BY user_id
