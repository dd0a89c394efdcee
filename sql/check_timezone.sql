-- check_timezone: fails if $tz is not a time zone DuckDB knows.
-- inputs: none
-- outputs: one row
-- params: $tz
-- slots: none
SELECT CAST(timezone($tz, TIMESTAMP '2026-01-01 00:00:00') AS VARCHAR) AS probe
