-- user_logged_plans: each user, the plan of their latest logged event (NULL if none logged) and
--   how many distinct plans they logged
-- inputs: events
-- outputs: rows: user_id, plan, plans_logged
-- params: none
-- slots: none
-- Two steps: the last time each user logged each plan (a small hash table of user x plan with
-- one max), then the latest of those per user; about a quarter faster than arg_max over every
-- event with a FILTER (50M events: 1.5 s against 2.0 s). plans_logged > 1 sends the user to
-- sql/user_month_logged_plans.sql (the report's note on plan changes). Plans last logged at the
-- same time: the one whose name sorts last is the latest (docs/report.md, "Plan of a user").
WITH last_logged AS (
    SELECT user_id, plan, max(ts) AS last_ts
    FROM events
    GROUP BY user_id, plan
)
SELECT user_id, arg_max(plan, (last_ts, plan)) FILTER (WHERE plan IS NOT NULL) AS plan,
    count(plan) AS plans_logged
FROM last_logged
GROUP BY user_id
ORDER BY user_id
