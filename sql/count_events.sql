-- count_events: how many events the store holds (after a load: is there anything to report?).
-- inputs: events
-- outputs: one row: events
-- params: none
-- slots: none
SELECT count(*) AS events FROM events
