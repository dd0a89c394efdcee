-- create_json_int_out_of_range_macro: pa_json_int_out_of_range(text): true where a JSON
--   integer has 19 digits or more (beyond what pa_json_int reads: sql/create_json_int_macro.sql).
-- inputs: none
-- outputs: temp macro pa_json_int_out_of_range
-- params: none
-- slots: none
CREATE OR REPLACE TEMP MACRO pa_json_int_out_of_range(x) AS regexp_full_match(x, '-?[0-9]{19,}')
