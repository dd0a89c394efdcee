-- sum_uncounted_tokens: the tokens the usable rows of one source file hold that no token class
-- counts (audio counts beside text-only ones), summed per report field.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over a projection with such columns:
--         planalyzer.sources.tabular.Projection.uncounted)
-- outputs: one row: rows (the usable rows holding any), then one sum per field ({{sums}})
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}, {{any}} (a test over the rows' columns), {{sums}} (one sum each)
-- The load names the totals per file (planalyzer.load_notes.uncounted_token_notes): such
-- tokens are neither loaded nor priced.
SELECT count(*) FILTER (WHERE {{any}}) AS n_rows, {{sums}}
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NULL AND c.skip_kind IS NULL
