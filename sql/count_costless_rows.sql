-- count_costless_rows: the usable rows of one source file whose logged cost could not be read
-- (not a number, NaN, infinite or negative): loaded with logged_cost_usd NULL, counted here.
-- inputs: {{checked_rows}} (sql/checked_rows.sql rendered over the file's projection)
-- outputs: n: one row, the count
-- params: none (the checked_rows slot brings its own)
-- slots: {{checked_rows}}
-- The tokens matter more than the logged cost (an optional cross-check): such a row is kept,
-- never rejected, and the load says how many there were (README, Accounting).
SELECT count(*) AS n
FROM ({{checked_rows}}) AS c
WHERE c.reject_reason IS NULL AND c.skip_kind IS NULL AND c.logged_cost_bad
