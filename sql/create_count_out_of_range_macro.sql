-- create_count_out_of_range_macro: pa_count_out_of_range(t): true where count text is a whole
--   number that no BIGINT holds exactly (2^63, 1e20): the tabular reader's 'token count out of
--   range', told apart from a count that is no whole number (2.5: 'non-integer token count').
-- inputs: none
-- outputs: temp macro pa_count_out_of_range
-- params: none
-- slots: {{out_of_range}} (SQL over the argument t: planalyzer.sources.tabular's test for a
--        VARCHAR cell)
CREATE OR REPLACE TEMP MACRO pa_count_out_of_range(t) AS {{out_of_range}}
