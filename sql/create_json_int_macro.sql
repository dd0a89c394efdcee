-- create_json_int_macro: pa_json_int(text): the value of a JSON integer's text (as
--   json_extract_string gives it), NULL for anything else (2.5, 1e3, "x", 2^63).
-- inputs: none
-- outputs: temp macro pa_json_int
-- params: none
-- slots: none
-- pa_int (sql/create_int_macro.sql) without its trim: Claude Code's stage macro reads five
-- counts of every usage line with it, and the trim took 4% of that step.
CREATE OR REPLACE TEMP MACRO pa_json_int(x) AS
    CASE WHEN regexp_full_match(x, '-?[0-9]{1,18}') THEN CAST(x AS BIGINT) END
