-- create_ts_macro: pa_ts(t): the TIMESTAMPTZ of timestamp text, NULL where it cannot be read.
-- inputs: none
-- outputs: temp macro pa_ts
-- params: none
-- slots: {{value}} (SQL over the argument t: planalyzer.sources.ts_text.offset_value, DuckDB's
--        cast, else the cast of the text with a space before its offset dropped, a lower-case
--        z or t upper-cased and a decimal comma of the seconds read as a point)
-- The offset's range is checked apart (pa_ts_problem: sql/create_ts_problem_macro.sql).
CREATE OR REPLACE TEMP MACRO pa_ts(t) AS {{value}}
