-- price_events: every event with its marginal GPU cost, fully loaded cost and API list value
-- inputs: events, planalyzer_cost_coefficients (sql/create_cost_coefficients.sql)
-- outputs: priced_events (temp view): the events columns + gpu_cost_usd, training_cost_usd,
--          overhead_cost_usd, loaded_cost_usd, api_value_usd, cost_assumed
-- params: none
-- slots: {{event_columns}} (the events table's columns, quoted, prefixed q.)
-- A view, not a table: pricing is a few multiply-adds per row, cheaper to recompute inside each
-- query than to write 50M rows and read them back; DuckDB computes only the columns a query
-- uses. Formulas: planalyzer/costs/coefficients.py (its pure twin) and docs/costs.md.
-- An aggregated row (requests > 1) is priced as that many requests of its mean size; its mean
-- (total / requests) is compared with a threshold or bucket edge. The join
-- picks the coefficient row of the request's context bucket (measured) and prompt tier (a rate
-- card's long-context prices: the whole request above its threshold).
-- Standard SQL only (CASE, EXP, a LEFT JOIN), so the pass ports to Spark as it is. CASE rather
-- than GREATEST/LEAST: in DuckDB 2.0 those cost several times a CASE per row.
CREATE OR REPLACE TEMP VIEW priced_events AS
WITH req AS (
    SELECT
        e.*,
        CAST(e.input_tokens + e.cache_write_tokens + e.cache_write_1h_tokens AS DOUBLE)
            AS q_new,
        CAST(e.cache_read_tokens AS DOUBLE) AS q_cr,
        CAST(e.output_tokens AS DOUBLE) AS q_out,
        CASE WHEN e.requests > 1 THEN CAST(e.requests AS DOUBLE) ELSE 1.0 END AS q_r,
        CASE WHEN e.requests > 1 THEN 1.0 / e.requests ELSE 1.0 END AS q_inv_r
    FROM events AS e
),
ctx AS (
    -- mean context while this request decodes (its prompt plus half its output) and mean
    -- prompt: divided, not multiplied by q_inv_r, as a correctly rounded quotient of a mean
    -- exactly at an edge is the edge, where x (1 / requests) can round past it
    SELECT r.*, (r.q_new + r.q_cr + 0.5 * r.q_out) / r.q_r AS q_ctx,
        (r.q_new + r.q_cr) / r.q_r AS q_prompt
    FROM req AS r
),
joined AS (
    SELECT
        q.*,
        c.c_in, c.c_cw, c.c_cw1h, c.c_cr, c.c_out, c.c_attn, c.d_dense, c.d_routed,
        c.moe_lnq, c.d_kv, c.d_flop, c.d_flop_ctx, c.inv_max_batch, c.training_per_token,
        c.overhead_share, c.cost_assumed, c.api_in, c.api_cw, c.api_cw1h, c.api_cr, c.api_out,
        c.api_threshold, c.api_long_in, c.api_long_cw, c.api_long_cw1h, c.api_long_cr,
        c.api_long_out,
        q.q_ctx * c.inv_kv_capacity_tokens AS q_kv_share
    FROM ctx AS q
    LEFT JOIN planalyzer_cost_coefficients AS c
        ON c.model = q.model AND q.q_ctx > c.ctx_lo AND q.q_ctx <= c.ctx_hi
            AND q.q_prompt > c.prompt_lo AND q.q_prompt <= c.prompt_hi
),
batched AS (
    -- 1 / batch: the batch that fits in the KV memory at this context, capped by the target
    SELECT
        q.*,
        CASE WHEN q.q_kv_share < q.inv_max_batch THEN q.inv_max_batch
             WHEN q.q_kv_share > 1.0 THEN 1.0
             ELSE q.q_kv_share END AS q_inv_b
    FROM joined AS q
),
decode AS (
    -- this request's share of a decode step: weights / batch + its own KV bytes (memory), or
    -- its FLOPs (compute), whichever is slower
    SELECT
        q.*,
        q.q_inv_b * (q.d_dense + q.d_routed - q.d_routed * EXP(q.moe_lnq / q.q_inv_b))
            + q.d_kv * q.q_ctx AS q_mem,
        q.d_flop + q.d_flop_ctx * q.q_ctx AS q_flop
    FROM batched AS q
),
priced AS (
    SELECT
        q.*,
        q.c_in * q.input_tokens + q.c_cw * q.cache_write_tokens
            + q.c_cw1h * q.cache_write_1h_tokens + q.c_cr * q.q_cr + q.c_out * q.q_out
            + q.c_attn * q.q_new * (q.q_cr + 0.5 * q.q_new) * q.q_inv_r
            + q.q_out * CASE WHEN q.q_mem >= q.q_flop THEN q.q_mem ELSE q.q_flop END
            AS gpu_cost_usd,
        q.training_per_token * (q.q_new + q.q_cr + q.q_out) AS training_cost_usd
    FROM decode AS q
)
SELECT
    {{event_columns}},
    q.gpu_cost_usd,
    q.training_cost_usd,
    q.gpu_cost_usd * q.overhead_share AS overhead_cost_usd,
    q.gpu_cost_usd * (1.0 + q.overhead_share) + q.training_cost_usd AS loaded_cost_usd,
    CASE WHEN q.q_prompt > q.api_threshold
        THEN q.api_long_in * q.input_tokens + q.api_long_cw * q.cache_write_tokens
            + q.api_long_cw1h * q.cache_write_1h_tokens + q.api_long_cr * q.q_cr
            + q.api_long_out * q.q_out
        ELSE q.api_in * q.input_tokens + q.api_cw * q.cache_write_tokens
            + q.api_cw1h * q.cache_write_1h_tokens + q.api_cr * q.q_cr + q.api_out * q.q_out
    END AS api_value_usd,
    q.cost_assumed
FROM priced AS q
