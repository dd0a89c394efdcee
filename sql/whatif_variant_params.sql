-- whatif_variant_params: a cost variant's numbers as a one-row temp table, for the
--   whatif_events_variant view (a view cannot take prepared parameters)
-- inputs: none
-- outputs: whatif_variant_params (temp table): gain, and route_N_models (the logged names the
--   route's glob matched), route_N_share, route_N_lo, route_N_hi, route_N_heavy, route_N_to per route
-- params: $gain
-- slots: {{route_columns}} (", CAST($route_N_x AS type) AS route_N_x" per route parameter,
--   built by planalyzer.whatif.variants)
CREATE OR REPLACE TEMP TABLE whatif_variant_params AS
SELECT gain {{route_columns}}
FROM (SELECT CAST($gain AS DOUBLE) AS gain) AS g
