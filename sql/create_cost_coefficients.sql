-- create_cost_coefficients: the per-model pricing coefficients, from the catalog (planalyzer.costs)
-- inputs: planalyzer_cost_coefficients_in (an Arrow table registered by planalyzer.costs.pricing)
-- outputs: planalyzer_cost_coefficients (temp table: one row per logged model and context bucket)
-- params: none
-- slots: none
-- Temporary: the coefficients follow the catalog of this run, never a stored --db file.
CREATE OR REPLACE TEMP TABLE planalyzer_cost_coefficients AS
SELECT * FROM planalyzer_cost_coefficients_in
