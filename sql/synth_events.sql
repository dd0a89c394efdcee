-- synth_events: the requests of a block of synthetic users in one UTC month, canonical columns
-- inputs: synth_users (temp table from sql/synth_users.sql)
-- outputs: a SELECT of events (columns exactly as planalyzer.schema.EVENT_COLUMN_NAMES)
-- params: $seed, $first_day, $last_day, $month_start_us, $month_end_us, $sigma_month, $ctx_base_lo, $ctx_base_hi, $ctx_limit_lo, $ctx_limit_hi, $growth_lo, $growth_hi, $input_mean, $output_mean
-- slots: none
-- Days are local calendar days numbered from 1970-01-01 ($first_day .. $last_day is the month);
-- the day before and after are generated too for users whose local day spills into this UTC
-- month, and every request is kept only if its UTC time falls in [$month_start_us,
-- $month_end_us). Each random draw is a hash chained from the user's key (see synth_users.sql):
-- day hd = hash(xor(ukey, hash(day))), session hs = hash(xor(hd, hash(j + 100))), request
-- he = hash(xor(hs, hash(i))); so a request is the same whichever month or chunk generates it,
-- and each lands in exactly one month.
-- A 16-bit field k of a hash h gives a uniform ((h >> 16k) & 65535 + 0.5) / 65536.
WITH days AS (
    SELECT
        d AS day_num,
        isodow(DATE '1970-01-01' + d::INTEGER) >= 6 AS weekend,
        year(DATE '1970-01-01' + d::INTEGER) * 12 + month(DATE '1970-01-01' + d::INTEGER)
            AS month_key
    FROM range($first_day - 1, $last_day + 2) AS t(d)
),
user_days AS (
    SELECT
        u.*,
        d.day_num,
        d.weekend,
        d.month_key,
        hash(xor(u.ukey, hash(d.day_num))) AS hd,
        hash(xor(u.ukey, hash(d.month_key * 1000 + 7))) AS hm
    FROM synth_users AS u
    CROSS JOIN days AS d
    WHERE (d.day_num BETWEEN $first_day AND $last_day)
        OR (d.day_num = $first_day - 1 AND u.tz_offset_min < 0)
        OR (d.day_num = $last_day + 1 AND u.tz_offset_min > 0)
),
active_days AS (
    SELECT
        *,
        -- month-level swing (median-preserving) and day-level swing (mean-preserving)
        exp(CASE WHEN automated THEN 0.0 ELSE $sigma_month END
            * sqrt(-2.0 * ln(((hm & 65535)::DOUBLE + 0.5) / 65536.0))
            * cos(2.0 * pi() * (((hm >> 16) & 65535)::DOUBLE + 0.5) / 65536.0))
        * exp(day_sigma
            * sqrt(-2.0 * ln((((hd >> 32) & 65535)::DOUBLE + 0.5) / 65536.0))
            * cos(2.0 * pi() * (((hd >> 48) & 65535)::DOUBLE + 0.5) / 65536.0)
            - day_sigma * day_sigma / 2.0)
        * requests_per_active_day AS raw_requests
    FROM user_days
    WHERE ((hd & 4294967295)::DOUBLE + 0.5) / 4294967296.0
        < CASE WHEN weekend THEN p_weekend ELSE p_weekday END
),
day_requests AS (
    SELECT
        *,
        -- soft daily ceiling (tanh): a person runs only so many agents in a day
        greatest(1, floor(day_cap_requests * tanh(raw_requests / day_cap_requests)
            + ((hash(xor(hd, 1::UBIGINT)) & 65535)::DOUBLE + 0.5) / 65536.0))::BIGINT AS n_day
    FROM active_days
),
day_sessions AS (
    SELECT
        *,
        CASE profile
            WHEN 'agent' THEN least(6, 1 + n_day // 250)
            WHEN 'chat' THEN least(3, 1 + n_day // 12)
            ELSE least(24, n_day)
        END AS n_sessions
    FROM day_requests
),
sessions AS (
    SELECT *, unnest(range(n_sessions)) AS j
    FROM day_sessions
),
session_traits AS (
    SELECT
        *,
        least((n_day + j) // n_sessions, 1048575) AS n_s,
        hash(xor(hd, hash(j + 100))) AS hs,
        hash(xor(hash(xor(hd, hash(j + 100))), 1::UBIGINT)) AS hs2
    FROM sessions
),
session_shape AS (
    SELECT
        *,
        window_len_s / n_sessions AS slot_s,
        -- coding agents fire bursts of 1-12 requests (subagent fan-out); others one at a time
        CASE WHEN profile = 'agent' THEN 1 + floor(((hs2 & 65535)::DOUBLE / 65536.0) * 12)
            ELSE 1 END::BIGINT AS burst,
        CASE profile
            WHEN 'agent' THEN 4.0 + 26.0 * (((hs2 >> 48) & 65535)::DOUBLE / 65536.0)
            WHEN 'chat' THEN 30.0 + 150.0 * (((hs2 >> 48) & 65535)::DOUBLE / 65536.0)
            ELSE 1e9
        END AS pace_s,
        $ctx_base_lo + ($ctx_base_hi - $ctx_base_lo)
            * (((hs >> 16) & 65535)::DOUBLE / 65536.0) AS ctx_base,
        $ctx_limit_lo + ($ctx_limit_hi - $ctx_limit_lo)
            * (((hs >> 32) & 65535)::DOUBLE / 65536.0) AS ctx_limit,
        $growth_lo + ($growth_hi - $growth_lo)
            * (((hs >> 48) & 65535)::DOUBLE / 65536.0) AS growth,
        ((hs2 >> 16) & 65535)::DOUBLE / 65536.0 AS u_model
    FROM session_traits
    WHERE n_s > 0
),
session_times AS (
    SELECT
        *,
        (day_num * 86400 - tz_offset_min * 60 + window_start_s + j * slot_s
            + 0.25 * slot_s * ((hs & 65535)::DOUBLE / 65536.0)) * 1e6 AS start_us,
        least(0.7 * slot_s, n_s * pace_s) / ceil(n_s / burst) AS spacing_s,
        greatest(1, floor((ctx_limit - ctx_base) / growth))::BIGINT AS cycle,
        CASE
            WHEN profile = 'chat' THEN CASE
                WHEN u_model < 0.30 THEN 'gpt-5'
                WHEN u_model < 0.55 THEN 'gpt-5-mini'
                WHEN u_model < 0.85 THEN 'claude-sonnet-4-5'
                WHEN u_model < 0.95 THEN 'claude-haiku-4-5'
                ELSE 'claude-opus-4-5' END
            WHEN u_model < opus_share THEN 'claude-opus-4-5'
            ELSE 'claude-sonnet-4-5'
        END AS session_model
    FROM session_shape
),
requests AS (
    SELECT *, unnest(range(n_s)) AS i
    FROM session_times
),
request_draws AS (
    SELECT
        *,
        hash(xor(hs, hash(i))) AS he,
        hash(xor(hash(xor(hs, hash(i))), 1::UBIGINT)) AS he2,
        i % cycle AS pos,
        -- in-burst gap: at most 2-8 s, and bursts never overlap
        least(spacing_s / burst, 2.0 + 6.0 * (((hs2 >> 32) & 65535)::DOUBLE / 65536.0)) AS gap_s
    FROM requests
),
request_values AS (
    SELECT
        *,
        (start_us + ((i // burst) * spacing_s + (i % burst) * gap_s
            + 0.9 * gap_s * (((he & 65535)::DOUBLE + 0.5) / 65536.0)) * 1e6)::BIGINT AS ts_us,
        CASE WHEN ((he >> 48) & 65535)::DOUBLE / 65536.0 < haiku_share
            THEN 'claude-haiku-4-5' ELSE session_model END AS model_name,
        -- approximately normal: sum of three uniforms, centred and scaled to variance 1
        2.0 * ((((he2 & 65535)::DOUBLE + ((he2 >> 16) & 65535)::DOUBLE
            + ((he2 >> 32) & 65535)::DOUBLE) + 1.5) / 65536.0 - 1.5) AS n_out,
        ((he >> 16) & 65535)::DOUBLE / 65536.0 AS u_in,
        ((he >> 32) & 65535)::DOUBLE / 65536.0 AS u_write,
        ((he2 >> 48) & 65535)::DOUBLE / 65536.0 AS u_msg
    FROM request_draws
),
tokens AS (
    SELECT
        *,
        CASE
            -- a coding agent re-reads its whole context from the cache every request; the
            -- context grows by `growth` tokens a request and is compacted back to ctx_base
            WHEN profile <> 'chat' THEN CASE WHEN pos = 0 THEN 0
                ELSE (ctx_base + growth * pos)::BIGINT END
            -- chat: the conversation so far, about half of it served from the cache
            WHEN i = 0 THEN 0
            ELSE (0.5 * (600.0 + 700.0 * i))::BIGINT
        END AS cache_read,
        CASE
            WHEN profile <> 'chat' THEN CASE WHEN pos = 0 THEN ctx_base::BIGINT
                ELSE (growth * (0.5 + u_write))::BIGINT END
            WHEN model_name LIKE 'claude%' AND i > 0 THEN (0.1 * (600.0 + 700.0 * i))::BIGINT
            ELSE 0
        END AS cache_write,
        CASE
            WHEN profile <> 'chat' THEN 1 + (-$input_mean * ln(1.0 - u_in))::BIGINT
            -- the part of the conversation not read or written from the cache, plus the new
            -- message
            ELSE (CASE WHEN i = 0 THEN 600.0
                    WHEN model_name LIKE 'claude%' THEN 0.4 * (600.0 + 700.0 * i)
                    ELSE 0.5 * (600.0 + 700.0 * i) END
                + 1.0 - 150.0 * ln(1.0 - u_msg))::BIGINT
        END AS fresh_input,
        CASE
            WHEN profile <> 'chat' THEN 1 + ($output_mean * exp(0.9 * n_out - 0.405))::BIGINT
            ELSE 1 + (450.0 * exp(0.8 * n_out - 0.32))::BIGINT
        END AS output
    FROM request_values
)
SELECT
    's' || $seed::VARCHAR || '-' || to_hex(((user_idx * 16384 + (day_num - 18262)) * 32 + j)
        * 1048576 + i) AS event_id,
    make_timestamp(ts_us)::TIMESTAMPTZ AS ts,
    user_id,
    plan,
    model_name AS model,
    fresh_input AS input_tokens,
    CASE WHEN automated THEN 0 ELSE cache_write END AS cache_write_tokens,
    -- automated jobs write their cache with the 1-hour lifetime
    CASE WHEN automated THEN cache_write ELSE 0 END AS cache_write_1h_tokens,
    cache_read AS cache_read_tokens,
    output AS output_tokens,
    1::BIGINT AS requests,
    NULL::DOUBLE AS logged_cost_usd,
    'synthetic' AS source
FROM tokens
WHERE ts_us >= $month_start_us AND ts_us < $month_end_us
