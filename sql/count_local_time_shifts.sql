-- count_local_time_shifts: the usable rows of one source file whose timestamp had no offset and
--   names a wall-clock time that $tz has twice (the clocks go back) or never (they go forward)
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over a tabular file's projection,
--   which has ts_local: the wall-clock time as read, NULL where an offset or zone was given)
-- outputs: ambiguous, nonexistent, naive (every usable row whose time had no offset, read as
--   a $tz wall-clock time): one row of counts
-- params: $tz (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- Runs only with a --timezone other than UTC. A time the zone skips does not come back from
-- the instant it was read as (timezone($tz, ts) differs from it); a time it has twice is also
-- the wall-clock time of an instant 1 hour (or 30 minutes: Lord Howe) before or after.
SELECT
    count(*) FILTER (WHERE timezone($tz, c.ts) = c.ts_local AND (
        timezone($tz, c.ts - INTERVAL 1 HOUR) = c.ts_local
        OR timezone($tz, c.ts + INTERVAL 1 HOUR) = c.ts_local
        OR timezone($tz, c.ts - INTERVAL 30 MINUTE) = c.ts_local
        OR timezone($tz, c.ts + INTERVAL 30 MINUTE) = c.ts_local)) AS ambiguous,
    count(*) FILTER (WHERE timezone($tz, c.ts) <> c.ts_local) AS nonexistent,
    count(*) AS naive
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NULL AND c.skip_kind IS NULL AND c.ts_local IS NOT NULL
