-- timezone_names: every time zone name DuckDB (ICU) lists, in its own spelling.
-- inputs: none
-- outputs: name
-- params: none
-- slots: none
SELECT name FROM pg_timezone_names() ORDER BY name
