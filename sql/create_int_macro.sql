-- create_int_macro: pa_int(text): a JSON integer's value, NULL for anything else (2.5, "x").
-- inputs: none
-- outputs: temp macro pa_int
-- params: none
-- slots: none
-- Token counts must be whole numbers: a value like 2.5 is a bad row, never rounded.
CREATE OR REPLACE TEMP MACRO pa_int(x) AS
    CASE WHEN regexp_full_match(trim(x), '-?[0-9]{1,18}') THEN CAST(trim(x) AS BIGINT) END
