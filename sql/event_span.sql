-- event_span: the first and last local day of the loaded events
-- inputs: events
-- outputs: one row: first_day, last_day (DATE, local in $tz; NULL when there are no events)
-- params: $tz
-- slots: none
-- What the logs cover, for an error that a report period holds no events.
SELECT
    CAST(timezone($tz, min(e.ts)) AS DATE) AS first_day,
    CAST(timezone($tz, max(e.ts)) AS DATE) AS last_day
FROM events AS e
