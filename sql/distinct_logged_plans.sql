-- distinct_logged_plans: the plan names in the logs (NULL where an event has none)
-- inputs: events
-- outputs: rows: plan
-- params: none
-- slots: none
-- One small hash table over one column (50M events: about 0.1-0.25 s): the report's
-- month-first pass needs the meters of every plan a user can get before it reads each user's
-- latest plan (planalyzer.analysis.compute).
SELECT DISTINCT plan FROM events ORDER BY plan
