-- synth_users: one row per synthetic user with the traits that drive their traffic
-- inputs: none (users numbered $first_user .. $first_user + $n_users - 1)
-- outputs: a SELECT of users (user_idx, user_id, profile, plan, tz, activity, intensity)
-- params: $seed, $first_user, $n_users, $agent_share, $automated_share, $agent_median_usd, $sigma_user, $chat_median_requests, $chat_sigma_user, $agent_active_a, $agent_active_b, $chat_active_a, $chat_active_b, $agent_weekend_factor, $chat_weekend_factor, $cost_opus, $cost_sonnet, $cost_haiku, $agent_haiku_share, $agent_day_cap_usd, $day_sigma
-- slots: none
-- Random numbers are hashes: ukey = hash(xor(hash(user), hash(seed))) and draw k is
-- hash(xor(ukey, k)). Only one-argument hash() is used: DuckDB's multi-argument hash(a, b, c)
-- combines weakly (hash(i, s, 14) and hash(i, s, 15) correlate at 0.9).
-- A uniform takes 53 bits of a hash; a normal is Box-Muller over two uniforms.
-- Intensity z ~ N(0,1) drives everything heavy users do more of: spend (lognormal), active
-- days (logistic), Opus share and dearer plans (ordered probit with noise 0.6).
WITH k AS (
    SELECT i, hash(xor(hash(i), hash($seed::BIGINT))) AS ukey
    FROM range($first_user, $first_user + $n_users) AS t(i)
),
h AS (
    SELECT
        i AS user_idx,
        ukey,
        ((hash(xor(ukey, 1::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_profile,
        ((hash(xor(ukey, 2::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_z1,
        ((hash(xor(ukey, 3::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_z2,
        ((hash(xor(ukey, 4::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_p1,
        ((hash(xor(ukey, 5::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_p2,
        ((hash(xor(ukey, 6::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_tz,
        ((hash(xor(ukey, 7::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_window,
        ((hash(xor(ukey, 8::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0 AS u_gap
    FROM k
),
base AS (
    SELECT
        user_idx,
        ukey,
        CASE
            WHEN u_profile < $automated_share THEN 'automated'
            WHEN u_profile < $automated_share + $agent_share THEN 'agent'
            ELSE 'chat'
        END AS profile,
        sqrt(-2.0 * ln(u_z1)) * cos(2.0 * pi() * u_z2) AS z,
        sqrt(-2.0 * ln(u_p1)) * cos(2.0 * pi() * u_p2) AS plan_noise,
        u_tz,
        u_window,
        u_gap
    FROM h
),
traits AS (
    SELECT
        *,
        -- automated accounts are heavy by construction
        CASE WHEN profile = 'automated' THEN 0.6 + 0.5 * abs(z) ELSE z END AS z_eff,
        CASE profile
            WHEN 'agent' THEN 1.0 / (1.0 + exp(-($agent_active_a + $agent_active_b * z)))
            WHEN 'chat' THEN 1.0 / (1.0 + exp(-($chat_active_a + $chat_active_b * z)))
            ELSE 1.0
        END AS p_active,
        CASE profile
            WHEN 'agent' THEN $agent_weekend_factor
            WHEN 'chat' THEN $chat_weekend_factor
            ELSE 1.0
        END AS weekend_factor,
        CASE profile
            WHEN 'agent' THEN 1.0 / (1.0 + exp(-(-1.2 + 0.5 * z)))
            WHEN 'chat' THEN 0.05
            ELSE 0.0
        END AS opus_share,
        CASE profile
            WHEN 'agent' THEN $agent_haiku_share
            WHEN 'automated' THEN 0.3
            ELSE 0.0
        END AS haiku_share
    FROM base
),
activity AS (
    SELECT
        *,
        least(1.0, p_active * 7.0 / (5.0 + 2.0 * weekend_factor)) AS p_weekday,
        least(1.0, weekend_factor * least(1.0, p_active * 7.0 / (5.0 + 2.0 * weekend_factor)))
            AS p_weekend,
        -- expected cost of a coding-agent request under this user's model mix
        haiku_share * $cost_haiku
            + (1.0 - haiku_share) * (opus_share * $cost_opus + (1.0 - opus_share) * $cost_sonnet)
            AS cost_per_request_usd
    FROM traits
),
levels AS (
    SELECT
        *,
        (5.0 * p_weekday + 2.0 * p_weekend) / 7.0 * 30.4375 AS active_days_per_month,
        CASE profile
            WHEN 'chat' THEN $chat_median_requests * exp($chat_sigma_user * z)
            WHEN 'agent' THEN $agent_median_usd * exp($sigma_user * z) / cost_per_request_usd
            -- one request every 60 to 150 seconds, around the clock
            ELSE 30.4375 * 86400.0 / (60.0 + 90.0 * u_gap)
        END AS median_monthly_requests
    FROM activity
)
SELECT
    user_idx,
    ukey,
    'u' || lpad(user_idx::VARCHAR, 7, '0') AS user_id,
    profile,
    profile = 'automated' AS automated,
    CASE
        WHEN profile = 'chat' THEN CASE
            WHEN z_eff + 0.6 * plan_noise < 0.0 THEN 'free'
            WHEN z_eff + 0.6 * plan_noise < 1.6 THEN 'claude_pro'
            WHEN z_eff + 0.6 * plan_noise < 2.3 THEN 'claude_max_5x'
            ELSE 'claude_max_20x' END
        ELSE CASE
            WHEN z_eff + 0.6 * plan_noise < 0.3 THEN 'claude_pro'
            WHEN z_eff + 0.6 * plan_noise < 1.3 THEN 'claude_max_5x'
            ELSE 'claude_max_20x' END
    END AS plan,
    z_eff AS intensity_z,
    -- time zones: US west/east, Europe, India, China, Japan
    CASE
        WHEN u_tz < 0.25 THEN -480
        WHEN u_tz < 0.45 THEN -300
        WHEN u_tz < 0.60 THEN 0
        WHEN u_tz < 0.75 THEN 60
        WHEN u_tz < 0.80 THEN 120
        WHEN u_tz < 0.88 THEN 330
        WHEN u_tz < 0.95 THEN 480
        ELSE 540
    END AS tz_offset_min,
    opus_share,
    haiku_share,
    p_weekday,
    p_weekend,
    -- local working window: agents and chat start 07:00-10:00 for 14-15 h; automated 24 h
    CASE WHEN profile = 'automated' THEN 0.0 ELSE (7.0 + 3.0 * u_window) * 3600.0 END
        AS window_start_s,
    CASE profile WHEN 'automated' THEN 86400.0 WHEN 'chat' THEN 15.0 * 3600.0
        ELSE 14.0 * 3600.0 END AS window_len_s,
    cost_per_request_usd,
    median_monthly_requests,
    median_monthly_requests / active_days_per_month AS requests_per_active_day,
    CASE profile
        WHEN 'agent' THEN $agent_day_cap_usd / cost_per_request_usd
        WHEN 'chat' THEN 400.0
        ELSE 1e9
    END AS day_cap_requests,
    CASE WHEN profile = 'automated' THEN 0.1 ELSE $day_sigma END AS day_sigma,
    active_days_per_month
FROM levels
