-- interim_price_events: priced_events until the cost models land (planalyzer/pricing_step.py)
-- inputs: events, interim_rates
-- outputs: priced_events (temp view): events columns + gpu_cost_usd, loaded_cost_usd,
--          api_value_usd, cost_assumed (always true: the GPU cost is an assumed share)
-- params: none
-- (a view cannot take parameters: the assumed shares travel in interim_rates)
-- slots: none
CREATE OR REPLACE TEMP VIEW priced_events AS
WITH v AS (
    SELECT e.*,
        r.p_in * e.input_tokens + r.p_cw * e.cache_write_tokens
            + r.p_cw1h * e.cache_write_1h_tokens + r.p_cr * e.cache_read_tokens
            + r.p_out * e.output_tokens AS api_value_usd,
        r.gpu_share, r.loaded_factor
    FROM events AS e JOIN interim_rates AS r ON r.model = e.model
)
SELECT v.* EXCLUDE (gpu_share, loaded_factor), v.api_value_usd * v.gpu_share AS gpu_cost_usd,
    v.api_value_usd * v.gpu_share * v.loaded_factor AS loaded_cost_usd,
    TRUE AS cost_assumed
FROM v
