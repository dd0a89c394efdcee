-- price_events: every event with its marginal GPU cost, fully loaded cost and API list value
-- inputs: events, cost_coefficients (sql/create_cost_coefficients.sql)
-- outputs: priced_events (temp view): the events columns + gpu_cost_usd, training_cost_usd,
--          overhead_cost_usd, loaded_cost_usd, api_value_usd, cost_assumed
-- params: none
-- slots: {{event_columns}} (the events table's columns, quoted, prefixed q.)
-- A view, not a table: pricing is a few multiply-adds per row, cheaper to recompute inside each
-- query than to write 50M rows and read them back; DuckDB computes only the columns a query
-- uses. Formulas: planalyzer/costs/coefficients.py (its pure twin) and docs/costs.md.
-- An aggregated row (requests > 1) is priced as that many requests of its mean size.
-- Plain standard SQL (GREATEST, LEAST, EXP, a LEFT JOIN) so the pass ports to Spark as is.
CREATE OR REPLACE TEMP VIEW priced_events AS
WITH req AS (
    SELECT
        e.*,
        CAST(e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens AS DOUBLE)
            AS q_new,
        1.0 / GREATEST(e.requests, 1) AS q_inv_r,
        (CAST(e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens
              + e.cache_read_tokens AS DOUBLE) + 0.5 * e.output_tokens)
            / GREATEST(e.requests, 1) AS q_ctx
    FROM events AS e
),
joined AS (
    SELECT
        q.*,
        c.c_in, c.c_cw, c.c_cw1h, c.c_cr, c.c_out, c.c_attn, c.d_dense, c.d_routed,
        c.moe_lnq, c.d_kv, c.d_flop, c.d_flop_ctx, c.training_per_token, c.overhead_share,
        c.cost_assumed, c.api_in, c.api_cw, c.api_cw1h, c.api_cr, c.api_out, c.api_threshold,
        c.api_long_in, c.api_long_cw, c.api_long_cw1h, c.api_long_cr, c.api_long_out,
        -- 1 / batch: the batch that fits in the KV memory at this context, capped
        GREATEST(c.inv_max_batch, LEAST(1.0, q.q_ctx * c.inv_kv_capacity_tokens)) AS q_inv_b
    FROM req AS q
    LEFT JOIN cost_coefficients AS c
        ON c.model = q.model AND q.q_ctx > c.ctx_lo AND q.q_ctx <= c.ctx_hi
),
priced AS (
    SELECT
        q.*,
        q.c_in * q.input_tokens + q.c_cw * q.cache_write_tokens
            + q.c_cw1h * q.cache_write_1h_tokens + q.c_cr * q.cache_read_tokens
            + q.c_out * q.output_tokens
            + q.c_attn * q.q_new * (q.cache_read_tokens + 0.5 * q.q_new) * q.q_inv_r
            + q.output_tokens * GREATEST(
                (q.d_dense + q.d_routed * (1.0 - EXP(q.moe_lnq / q.q_inv_b))) * q.q_inv_b
                    + q.d_kv * q.q_ctx,
                q.d_flop + q.d_flop_ctx * q.q_ctx) AS gpu_cost_usd
    FROM joined AS q
)
SELECT
    {{event_columns}},
    q.gpu_cost_usd,
    q.training_per_token * (q.input_tokens + q.cache_write_tokens + q.cache_write_1h_tokens
        + q.cache_read_tokens + q.output_tokens) AS training_cost_usd,
    q.gpu_cost_usd * q.overhead_share AS overhead_cost_usd,
    q.gpu_cost_usd * (1.0 + q.overhead_share) + q.training_per_token * (q.input_tokens
        + q.cache_write_tokens + q.cache_write_1h_tokens + q.cache_read_tokens
        + q.output_tokens) AS loaded_cost_usd,
    CASE WHEN (q.q_new + q.cache_read_tokens) * q.q_inv_r > q.api_threshold
        THEN q.api_long_in * q.input_tokens + q.api_long_cw * q.cache_write_tokens
            + q.api_long_cw1h * q.cache_write_1h_tokens + q.api_long_cr * q.cache_read_tokens
            + q.api_long_out * q.output_tokens
        ELSE q.api_in * q.input_tokens + q.api_cw * q.cache_write_tokens
            + q.api_cw1h * q.cache_write_1h_tokens + q.api_cr * q.cache_read_tokens
            + q.api_out * q.output_tokens
    END AS api_value_usd,
    q.cost_assumed
FROM priced AS q
