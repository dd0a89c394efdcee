-- create_interim_rates: per-model API list prices (USD per token) for the interim pricing step
-- inputs: interim_rates_in (registered Arrow table)
-- outputs: interim_rates (temp table)
-- params: none
-- slots: none
CREATE OR REPLACE TEMP TABLE interim_rates AS SELECT * FROM interim_rates_in
