-- create_bad_int_macro: pa_bad(text): true when a count is present but not a whole number.
-- inputs: pa_int (sql/create_int_macro.sql)
-- outputs: temp macro pa_bad
-- params: none
-- slots: none
CREATE OR REPLACE TEMP MACRO pa_bad(x) AS (x IS NOT NULL AND pa_int(x) IS NULL)
