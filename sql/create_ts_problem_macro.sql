-- create_ts_problem_macro: pa_ts_problem(t): why timestamp text cannot be used although DuckDB
--   reads it (an offset outside -12:00..+14:00: '+99:00' would move the time days), or NULL.
-- inputs: none
-- outputs: temp macro pa_ts_problem
-- params: none
-- slots: {{problem}} (SQL over the argument t: planalyzer.sources.ts_text.offset_problem, the
--        regular expressions the tabular reader checks CSV text with)
CREATE OR REPLACE TEMP MACRO pa_ts_problem(t) AS {{problem}}
