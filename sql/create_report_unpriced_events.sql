-- create_report_unpriced_events: the events with an empty API value, for meters that need no price
-- inputs: events
-- outputs: report_unpriced_events (temp view): the events columns + api_value_usd (NULL)
-- params: none
-- slots: none
-- The report's per-day pass reads this instead of priced_events when none of its meters
-- counts API dollars: DuckDB then applies the pass's semi-join on its users to the events scan
-- itself (it does not move a semi-join below priced_events' join to the coefficients).
CREATE OR REPLACE TEMP VIEW report_unpriced_events AS
SELECT e.*, CAST(NULL AS DOUBLE) AS api_value_usd
FROM events AS e
