-- distinct_models: the model names logged in events (what the cost catalog must resolve)
-- inputs: events
-- outputs: a result set: one row per model
-- params: none
-- slots: none
SELECT DISTINCT model FROM events ORDER BY model
